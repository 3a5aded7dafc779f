/**
 * Kernels the TF.js WASM backend lacks but the analysis needs, bridged to kernels it has.
 *
 * `Conv2DBackpropFilter` (the filter gradient of a 2-D convolution) is not registered for WASM
 * in tfjs-backend-wasm 4.x, so training any CNN there fails with "Kernel 'Conv2DBackpropFilter'
 * not registered for backend 'wasm'". WASM does have `Conv3DBackpropFilterV2`, and a 2-D filter
 * gradient is exactly the 3-D one with a depth of 1: reshape x to [b, 1, h, w, c] and dy to
 * [b, 1, oh, ow, co], run the 3-D kernel with depth stride 1, and drop the depth axis of the
 * [1, fh, fw, ci, co] result. Falling back to the CPU backend instead is ~50× slower for the
 * scratch CNN here. Registered once by src/node/backend.ts right after the WASM backend is set;
 * test/unit/images/wasmKernels.test.ts compares it with the CPU kernel.
 *
 * Strides other than 1: the WASM `Conv3DBackpropFilterV2` kernel itself is wrong for them
 * (measured: max |wasm − cpu| ≈ 1–3 on random inputs with stride 2, tfjs-backend-wasm 4.x), so the
 * bridge rewrites a strided gradient as a stride-1 one: x is padded explicitly with the strided
 * convolution's own padding, dy is dilated (zeros between its entries, on the stride-1 output
 * grid), and the 3-D kernel runs with stride 1 and 'valid' padding. That path copies x and dy
 * through JS, which is fine for the small CNNs the analysis trains.
 *
 * Limits: explicit (numeric) padding and NCHW are not bridged; they throw a RangeError naming the
 * attribute (tfjs-layers' Conv2D never produces them).
 */
import * as tf from '@tensorflow/tfjs-core';

interface Conv2DBackpropFilterAttrs {
  readonly strides: number | readonly [number, number];
  readonly pad: 'valid' | 'same' | number | unknown;
  readonly dataFormat?: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: string;
  readonly filterShape: readonly [number, number, number, number];
}

/** The WASM backend methods the bridge uses (not part of the public KernelBackend type). */
interface WasmBackendInternals {
  readSync(dataId: object): unknown;
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
  disposeData(dataId: object): void;
}

/**
 * Registers the WASM `Conv2DBackpropFilter` bridge when the WASM backend is loaded and lacks the
 * kernel. Idempotent; returns true when the kernel is available for WASM afterwards.
 */
export function registerWasmConv2dFilterGradient(): boolean {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return true;
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  const reshape = tf.getKernel('Reshape', 'wasm');
  // Without these two the WASM backend is not loaded (or is a build without them): nothing to bridge.
  if (!conv3d || !reshape) return false;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as Conv2DBackpropFilterAttrs;
      if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') throw new RangeError(`Conv2DBackpropFilter (wasm bridge): dataFormat ${a.dataFormat} is not supported, only NHWC`);
      if (a.pad !== 'valid' && a.pad !== 'same') throw new RangeError(`Conv2DBackpropFilter (wasm bridge): pad ${JSON.stringify(a.pad)} is not supported, only 'valid' and 'same'`);
      const strides = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      const [batch, height, width, inChannels] = x.shape as [number, number, number, number];
      const [, outHeight, outWidth, outChannels] = dy.shape as [number, number, number, number];
      const run = (kernel: tf.KernelConfig, kernelInputs: tf.NamedTensorInfoMap, kernelAttrs: object): tf.TensorInfo =>
        kernel.kernelFunc({ inputs: kernelInputs, backend, attrs: kernelAttrs as tf.NamedAttrMap }) as tf.TensorInfo;
      const wasmBackend = backend as unknown as WasmBackendInternals;
      const temporaries: tf.TensorInfo[] = [];
      let x5: tf.TensorInfo;
      let dy5: tf.TensorInfo;
      let pad: 'valid' | 'same' = a.pad;
      if (strides[0] === 1 && strides[1] === 1) {
        x5 = run(reshape, { x }, { shape: [batch, 1, height, width, inChannels] });
        dy5 = run(reshape, { x: dy }, { shape: [batch, 1, outHeight, outWidth, outChannels] });
      } else {
        const info = tf.backend_util.computeConv2DInfo([batch, height, width, inChannels], [...a.filterShape], [strides[0], strides[1]], 1, a.pad);
        const { top, left, bottom, right } = info.padInfo;
        const paddedHeight = height + top + bottom;
        const paddedWidth = width + left + right;
        const gridHeight = paddedHeight - a.filterShape[0] + 1;
        const gridWidth = paddedWidth - a.filterShape[1] + 1;
        const xValues = wasmBackend.readSync(x.dataId) as Float32Array;
        const dyValues = wasmBackend.readSync(dy.dataId) as Float32Array;
        const padded = new Float32Array(batch * paddedHeight * paddedWidth * inChannels);
        for (let b = 0; b < batch; b++) {
          for (let r = 0; r < height; r++) {
            const from = ((b * height + r) * width) * inChannels;
            const to = ((b * paddedHeight + r + top) * paddedWidth + left) * inChannels;
            padded.set(xValues.subarray(from, from + width * inChannels), to);
          }
        }
        const dilated = new Float32Array(batch * gridHeight * gridWidth * outChannels);
        for (let b = 0; b < batch; b++) {
          for (let r = 0; r < outHeight; r++) {
            for (let c = 0; c < outWidth; c++) {
              const from = ((b * outHeight + r) * outWidth + c) * outChannels;
              const to = ((b * gridHeight + r * strides[0]) * gridWidth + c * strides[1]) * outChannels;
              dilated.set(dyValues.subarray(from, from + outChannels), to);
            }
          }
        }
        x5 = wasmBackend.makeOutput([batch, 1, paddedHeight, paddedWidth, inChannels], 'float32', undefined, padded);
        dy5 = wasmBackend.makeOutput([batch, 1, gridHeight, gridWidth, outChannels], 'float32', undefined, dilated);
        pad = 'valid';
      }
      temporaries.push(x5, dy5);
      const out5 = run(conv3d, { x: x5, dy: dy5 }, { strides: [1, 1, 1], pad, filterShape: [1, ...a.filterShape] });
      temporaries.push(out5);
      const out = run(reshape, { x: out5 }, { shape: [...a.filterShape] });
      // Intermediate tensor infos are not tracked by the engine: free them here.
      for (const info of temporaries) wasmBackend.disposeData(info.dataId);
      return out;
    },
  });
  return true;
}
