/**
 * XᵀX through onnxruntime-node (issue #16 §4): LogME's FᵀF and the other N·D² Gram products on
 * the native CPU kernels (MLAS SGEMM, multi-threaded) instead of the TF.js WASM workers, when the
 * optional runtime loads.
 *
 * The graph is one Gemm node (A = B = X, transA = 1) written here as ONNX protobuf bytes — no
 * .onnx file, no Python. Precision is that of the WASM path (src/core/linalg/tensorGram.ts,
 * src/node/parallelGram.ts): inputs rounded to float32, each row block's Gram accumulated in float32
 * by the kernel, block Grams summed in float64, the result symmetrised (mean of the two
 * triangles) into a float64 Matrix. Row blocks are at most GRAM_ROW_BLOCK rows, so the float32
 * accumulation runs over no more rows than one worker of the two-worker pool sums at N = 10,000.
 *
 * `onnxGram(x)` returns undefined when the runtime is unavailable (or TRANSFERLENS_DISABLE_ONNX is
 * set); callers then use parallelGram / tensorGram.
 */
import { matrix, type Matrix } from '../core/linalg/matrix';
import { loadOnnxRuntime, type OnnxRuntimeModule } from './hf/engine';
import { defaultOnnxThreads } from './hf/onnx';
import type * as Ort from 'onnxruntime-node';

/** Rows per float32 accumulation block (the two-worker pool sums 5,000 rows per worker at N = 10,000). */
export const GRAM_ROW_BLOCK = 5000;

// ---- a minimal protobuf writer for the few ONNX messages the graph needs -----------------------

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const encoder = new TextEncoder();
/** Field `field` of wire type 2 (bytes / string / embedded message). */
function bytesField(field: number, payload: Uint8Array | number[] | string): number[] {
  const bytes = typeof payload === 'string' ? Array.from(encoder.encode(payload)) : Array.from(payload);
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}
/** Field `field` of wire type 0 (varint). */
function intField(field: number, value: number): number[] {
  return [...varint(field << 3), ...varint(value)];
}

/** TypeProto for a float32 matrix with symbolic dims. */
function floatMatrixType(dim0: string, dim1: string): number[] {
  const dim = (name: string) => bytesField(1, bytesField(2, name)); // TensorShapeProto.dim { dim_param }
  const shape = [...dim(dim0), ...dim(dim1)];
  const tensor = [...intField(1, 1 /* FLOAT */), ...bytesField(2, shape)];
  return bytesField(1, tensor); // TypeProto.tensor_type
}

/** ONNX ModelProto bytes: G = Gemm(X, X, transA = 1), X float32 [n, d] → G [d, d]. Opset 13, IR 8. */
export function gramModelBytes(): Uint8Array {
  const attribute = [...bytesField(1, 'transA'), ...intField(3, 1), ...intField(20, 2 /* INT */)];
  const node = [...bytesField(1, 'X'), ...bytesField(1, 'X'), ...bytesField(2, 'G'), ...bytesField(3, 'gram'), ...bytesField(4, 'Gemm'), ...bytesField(5, attribute)];
  const input = [...bytesField(1, 'X'), ...bytesField(2, floatMatrixType('n', 'd'))];
  const output = [...bytesField(1, 'G'), ...bytesField(2, floatMatrixType('d', 'd'))];
  const graph = [...bytesField(1, node), ...bytesField(2, 'transferlens_gram'), ...bytesField(11, input), ...bytesField(12, output)];
  const opset = [...bytesField(1, ''), ...intField(2, 13)];
  const model = [...intField(1, 8), ...bytesField(2, 'transferlens'), ...bytesField(7, graph), ...bytesField(8, opset)];
  return Uint8Array.from(model);
}

let session: Promise<{ session: Ort.InferenceSession; ort: OnnxRuntimeModule } | undefined> | undefined;
let sessionThreads = 0;

async function gramSession(threads: number): Promise<{ session: Ort.InferenceSession; ort: OnnxRuntimeModule } | undefined> {
  if (!session || sessionThreads !== threads) {
    const status = loadOnnxRuntime();
    if (!status.ok) return undefined;
    sessionThreads = threads;
    session = status.ort.InferenceSession.create(gramModelBytes(), {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // One long Gemm per call: idle threads need not spin (they would take cores from the editor).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    }).then((s) => ({ session: s, ort: status.ort }), () => undefined);
  }
  return session;
}

/** What the last onnxGram call did, for benchmarks and logs. */
export interface OnnxGramInfo {
  readonly ran: boolean;
  readonly threads: number;
  readonly blocks: number;
  readonly reason?: string;
}

let lastInfo: OnnxGramInfo = { ran: false, threads: 0, blocks: 0, reason: 'not run' };
export function lastOnnxGram(): OnnxGramInfo {
  return lastInfo;
}

/**
 * XᵀX (float32 block products, float64 sums, exactly symmetric) on onnxruntime-node, or undefined
 * when the runtime is unavailable or the run fails (lastOnnxGram says why).
 */
export async function onnxGram(x: Matrix, options: { threads?: number; rowBlock?: number } = {}): Promise<Matrix | undefined> {
  if (disabledOnnxGram()) {
    lastInfo = { ran: false, threads: 0, blocks: 0, reason: 'TRANSFERLENS_ONNX_GRAM=0' };
    return undefined;
  }
  const threads = options.threads ?? defaultOnnxThreads();
  const status = loadOnnxRuntime();
  if (!status.ok) {
    lastInfo = { ran: false, threads: 0, blocks: 0, reason: status.reason };
    return undefined;
  }
  const runtime = await gramSession(threads);
  if (!runtime) {
    lastInfo = { ran: false, threads: 0, blocks: 0, reason: 'the Gram graph did not load in onnxruntime-node' };
    return undefined;
  }
  const n = x.rows;
  const d = x.cols;
  const rowBlock = Math.max(1, options.rowBlock ?? GRAM_ROW_BLOCK);
  const sum = new Float64Array(d * d);
  let blocks = 0;
  try {
    for (let r0 = 0; r0 < n; r0 += rowBlock) {
      const r1 = Math.min(n, r0 + rowBlock);
      const block = Float32Array.from(x.data.subarray(r0 * d, r1 * d));
      const result = await runtime.session.run({ X: new runtime.ort.Tensor('float32', block, [r1 - r0, d]) });
      const g = result.G!.data as Float32Array;
      for (let k = 0; k < d * d; k++) sum[k] += g[k]!;
      blocks++;
    }
  } catch (e) {
    lastInfo = { ran: false, threads, blocks, reason: (e as Error).message.split('\n')[0] };
    return undefined;
  }
  const out = matrix(d, d);
  for (let r = 0; r < d; r++) {
    out.data[r * d + r] = sum[r * d + r]!;
    for (let c = r + 1; c < d; c++) {
      const v = 0.5 * (sum[r * d + c]! + sum[c * d + r]!);
      out.data[r * d + c] = v;
      out.data[c * d + r] = v;
    }
  }
  lastInfo = { ran: true, threads, blocks };
  return out;
}

function disabledOnnxGram(): boolean {
  return process.env.TRANSFERLENS_ONNX_GRAM === '0';
}

/**
 * N·D² from which a one-shot process computes the Gram natively: loading onnxruntime-node and
 * creating the session costs 0.2–0.4 s, which the WASM path spends on about 10⁹ multiply-adds.
 */
export const NATIVE_GRAM_WORK = 1e9;

/**
 * Whether to try onnxGram for a Gram of `work` multiply-adds: from NATIVE_GRAM_WORK on, unless
 * TRANSFERLENS_ONNX_GRAM=0, an explicit TRANSFERLENS_GRAM_WORKERS asks for the WASM workers, or the
 * runtime does not load here.
 */
export function nativeGramWanted(work: number): boolean {
  if (disabledOnnxGram() || work < NATIVE_GRAM_WORK) return false;
  const workers = process.env.TRANSFERLENS_GRAM_WORKERS;
  if (workers !== undefined && workers.trim() !== '') return false;
  return loadOnnxRuntime().ok;
}

/** Releases the Gram session (tests, benchmarks). */
export async function releaseOnnxGram(): Promise<void> {
  const current = session;
  session = undefined;
  const s = await current;
  await s?.session.release().catch(() => undefined);
}
