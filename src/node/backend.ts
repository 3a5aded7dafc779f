/**
 * TensorFlow.js backend selection, done once per process at the worker / CLI entry point:
 * `@tensorflow/tfjs-node` when it loads (native libtensorflow), else the WASM backend (SIMD,
 * single-threaded), else the plain JS CPU backend. Which one ran is reported to the caller.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join, dirname, sep } from 'node:path';
import { registerWasmConv2dFilterGradient } from './wasmKernels';

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  readonly name: string;
  readonly tried: readonly { readonly name: string; readonly error?: string }[];
}

let chosen: Promise<BackendInfo> | undefined;

function wasmDirectory(): string | undefined {
  const candidates = [
    __dirname, // bundled: dist/ holds the .wasm files next to the bundle
    join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
    join(__dirname, '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
  ];
  try {
    candidates.push(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')));
  } catch {
    // not resolvable from here: fine when bundled
  }
  return candidates.find((d) => existsSync(join(d, 'tfjs-backend-wasm-simd.wasm')));
}

async function tryTensorflow(): Promise<void> {
  // A plain require hidden from the bundler: tfjs-node is optional and native.
  const req = eval('require') as NodeRequire;
  req('@tensorflow/tfjs-node');
  if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend(tensorflow) returned false');
}

async function tryWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = wasmDirectory();
  if (!dir) throw new Error('tfjs-backend-wasm .wasm binaries not found next to the bundle');
  // Multi-threaded WASM does not work under Node here: force the single-threaded SIMD build.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  // A directory prefix without the platform fetch: Emscripten then reads the file with fs.
  wasm.setWasmPaths(dir.endsWith(sep) ? dir : dir + sep, false);
  if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) returned false');
  // WASM cannot train CNNs without this bridge (no Conv2DBackpropFilter kernel): see wasmKernels.ts.
  registerWasmConv2dFilterGradient();
}

async function tryCpu(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error('setBackend(cpu) returned false');
}

const attempts: Record<Exclude<BackendPreference, 'auto'>, () => Promise<void>> = {
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: tryCpu,
};

/**
 * Initialises TensorFlow.js once. `preference` puts one backend first; the others stay as
 * fallbacks so analysis always runs. Returns the backend that is active.
 */
export function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  if (!chosen) {
    chosen = (async () => {
      const order: Exclude<BackendPreference, 'auto'>[] = ['tensorflow', 'wasm', 'cpu'];
      if (preference !== 'auto') order.sort((a, b) => (a === preference ? -1 : b === preference ? 1 : 0));
      const tried: { name: string; error?: string }[] = [];
      for (const name of order) {
        try {
          await attempts[name]();
          await tf.ready();
          tried.push({ name });
          return { name: tf.getBackend(), tried };
        } catch (e) {
          tried.push({ name, error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
        }
      }
      throw new Error('no TensorFlow.js backend could be initialised: ' + JSON.stringify(tried));
    })();
  }
  return chosen;
}

/** For tests: forget the choice so another preference can be tried in a fresh process only. */
export function currentBackend(): string {
  return tf.getBackend();
}
