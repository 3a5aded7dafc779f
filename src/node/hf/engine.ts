/**
 * Which engine runs a Hugging Face checkpoint (issue #16): the TF.js architectures (pure WASM,
 * always there) or onnxruntime-node (native CPU kernels, an optional dependency that may be
 * absent: another platform, a universal VSIX, a missing shared library).
 *
 * - `loadOnnxRuntime()` requires `onnxruntime-node` lazily — never at module load, never in the
 *   extension host — once per process, and remembers why it failed. `TRANSFERLENS_DISABLE_ONNX=1`
 *   makes it fail on purpose (tests, and users who want the pure-WASM path); tests can also inject
 *   a loader with `setOnnxRuntimeLoader`.
 * - `findOnnxExports(folder)` lists the ONNX graphs of a folder in the layouts people download:
 *   `onnx/model.onnx` + `onnx/model_quantized.onnx` / `model_fp16.onnx` / … (Xenova /
 *   onnx-community / transformers.js) and `model.onnx` at the top (optimum-cli export onnx).
 *   Pure fs, no runtime needed: the static tier can say "ONNX export present".
 * - `chooseEngine(snapshot, preference)` decides, and says why in a note for the report.
 *
 * Nothing here imports TF.js or the runtime at module load.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';

export type EnginePreference = 'auto' | 'onnx' | 'tfjs';
export const ENGINE_PREFERENCES: readonly EnginePreference[] = ['auto', 'onnx', 'tfjs'];

export type OnnxRuntimeModule = typeof Ort;

export type OnnxRuntimeStatus =
  | { readonly ok: true; readonly ort: OnnxRuntimeModule; readonly version: string }
  | { readonly ok: false; readonly reason: string };

let loader: (() => OnnxRuntimeModule) | undefined;
let cached: OnnxRuntimeStatus | undefined;

/**
 * Where a platform-specific VSIX carries the runtime (scripts/package-platform.mjs): vsce never packs
 * the extension's own node_modules/, so the package sits under native/node_modules/ next to dist/.
 */
export function bundledRuntimePath(): string {
  return join(__dirname, '..', 'native', 'node_modules', 'onnxruntime-node');
}

/**
 * The real loader (onnxruntime-node is optional and native, never bundled) —
 * the installed package (npm CLI, development), else the copy a platform VSIX carries.
 */
function requireOnnxRuntime(): OnnxRuntimeModule {
  // createRequire instead of a bare require: esbuild leaves it alone (and onnxruntime-node is external).
  const req = createRequire(__filename);
  try {
    return req('onnxruntime-node') as OnnxRuntimeModule;
  } catch (e) {
    const bundled = bundledRuntimePath();
    if (!existsSync(bundled)) throw e;
    return req(bundled) as OnnxRuntimeModule;
  }
}

/** For tests: a loader to use instead of require (one that throws simulates a missing binary); undefined restores it. */
export function setOnnxRuntimeLoader(replacement: (() => OnnxRuntimeModule) | undefined): void {
  loader = replacement;
  cached = undefined;
}

function disabledByEnvironment(): boolean {
  const value = process.env.TRANSFERLENS_DISABLE_ONNX;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * onnxruntime-node when it loads here, else why not (first line of the error). Cached per process
 * (and per injected loader); the environment switch is read on every call.
 */
export function loadOnnxRuntime(): OnnxRuntimeStatus {
  if (disabledByEnvironment()) return { ok: false, reason: 'disabled by TRANSFERLENS_DISABLE_ONNX' };
  if (cached) return cached;
  try {
    const ort = (loader ?? requireOnnxRuntime)();
    if (!ort || typeof ort.InferenceSession?.create !== 'function') throw new Error('onnxruntime-node has no InferenceSession');
    const version = typeof ort.env?.versions?.common === 'string' ? ort.env.versions.common : 'unknown';
    cached = { ok: true, ort, version };
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    const missing = /Cannot find module 'onnxruntime-node'/.test(message);
    cached = { ok: false, reason: missing ? 'onnxruntime-node is not installed (optional dependency; the universal VSIX does not carry it)' : `onnxruntime-node did not load: ${message}` };
  }
  return cached;
}

/** ONNX variants, as transformers.js names the files (`model{suffix}.onnx`). */
export type OnnxVariant = 'fp32' | 'fp16' | 'quantized' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';
export const ONNX_VARIANTS: Readonly<Record<OnnxVariant, string>> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  quantized: 'model_quantized.onnx',
  int8: 'model_int8.onnx',
  uint8: 'model_uint8.onnx',
  q4: 'model_q4.onnx',
  q4f16: 'model_q4f16.onnx',
  bnb4: 'model_bnb4.onnx',
};

export interface OnnxExport {
  readonly variant: OnnxVariant;
  /** Absolute path of the .onnx file. */
  readonly file: string;
  /** Bytes of the graph plus its external data (`<file>_data`, `<file>.data`), when present. */
  readonly bytes: number;
}

function fileSize(path: string): number | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ONNX exports of a folder, `onnx/` first (transformers.js layout), then the top level
 * (optimum layout); one entry per variant (the first location wins). Encoder–decoder exports
 * (`encoder_model.onnx`) are listed as fp32 when no `model.onnx` exists.
 */
export function findOnnxExports(folder: string): OnnxExport[] {
  const found = new Map<OnnxVariant, OnnxExport>();
  for (const dir of [join(folder, 'onnx'), folder]) {
    if (!existsSync(dir)) continue;
    for (const [variant, name] of Object.entries(ONNX_VARIANTS) as [OnnxVariant, string][]) {
      if (found.has(variant)) continue;
      const file = join(dir, name);
      const size = fileSize(file);
      if (size === undefined) continue;
      const external = fileSize(file + '_data') ?? fileSize(file + '.data') ?? 0;
      found.set(variant, { variant, file, bytes: size + external });
    }
    if (!found.has('fp32')) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        names = [];
      }
      const encoder = names.find((n) => n === 'encoder_model.onnx');
      if (encoder) found.set('fp32', { variant: 'fp32', file: join(dir, encoder), bytes: fileSize(join(dir, encoder)) ?? 0 });
    }
  }
  return [...found.values()];
}

/**
 * The export for a wanted variant: that variant when present; else fp32; else the first present
 * (a repo that ships only quantised graphs). `note` says when the wanted one was not there.
 */
export function pickOnnxExport(exports: readonly OnnxExport[], wanted: OnnxVariant = 'fp32'): { export?: OnnxExport; note?: string } {
  if (exports.length === 0) return {};
  const exact = exports.find((e) => e.variant === wanted);
  if (exact) return { export: exact };
  const fallback = exports.find((e) => e.variant === 'fp32') ?? exports[0]!;
  return { export: fallback, note: `no ${ONNX_VARIANTS[wanted]} in this export; using ${fallback.variant} (${fallback.file})` };
}

/** What chooseEngine needs to know about a checkpoint folder (a subset of the snapshot inspection). */
export interface EngineInput {
  readonly folder: string;
  readonly modelType?: string;
  /** The folder holds safetensors (or readable .bin) weights that TF.js can load. */
  readonly hasWeights: boolean;
  /** A TF.js architecture implements `modelType`. */
  readonly tfjsSupported: boolean;
  /** ONNX exports (findOnnxExports(folder) when not given). */
  readonly onnxExports?: readonly OnnxExport[];
}

export interface EngineChoice {
  /** `none`: neither engine can run it; `reason` says why and what to do. */
  readonly engine: 'onnx' | 'tfjs' | 'none';
  /** The ONNX graph to run (engine onnx). */
  readonly onnxExport?: OnnxExport;
  /** One sentence for the analysis notes: which engine runs and, when it is not the preferred one, why. */
  readonly note: string;
  /** True when the engine is not the one asked for (an explicit preference could not be honoured). */
  readonly fellBack: boolean;
  /** Set when the folder has an ONNX export but onnxruntime-node is unavailable: why (for findings). */
  readonly runtimeUnavailable?: string;
}

/**
 * auto: onnxruntime-node when it loads and the folder has an ONNX export, else TF.js;
 * onnx: the same, but saying so when it falls back; tfjs: TF.js when it can run the model, else ONNX.
 */
export function chooseEngine(input: EngineInput, preference: EnginePreference = 'auto', runtime: () => OnnxRuntimeStatus = loadOnnxRuntime, variant: OnnxVariant = 'fp32'): EngineChoice {
  const exports = input.onnxExports ?? findOnnxExports(input.folder);
  const picked = pickOnnxExport(exports, variant);
  const tfjs = input.hasWeights && input.tfjsSupported;
  const tfjsWhyNot = !input.tfjsSupported
    ? `TF.js does not implement model_type '${input.modelType ?? '(missing)'}'`
    : 'the folder has no safetensors weights for TF.js';
  const status = picked.export ? runtime() : undefined;
  const onnxOk = !!picked.export && !!status?.ok;
  const onnxWhyNot = !picked.export
    ? 'the folder has no ONNX export (onnx/model.onnx or model.onnx)'
    : status && !status.ok ? status.reason : '';
  const unavailable = picked.export && status && !status.ok ? { runtimeUnavailable: status.reason } : {};
  const onnxNote = () => `engine: onnxruntime-node ${status && status.ok ? status.version : ''} (native CPU) runs ${picked.export!.file}` + (picked.note ? `; ${picked.note}` : '');
  if (preference === 'tfjs') {
    if (tfjs) return { engine: 'tfjs', note: 'engine: TF.js (as configured)', fellBack: false };
    if (onnxOk) return { engine: 'onnx', onnxExport: picked.export, note: `${onnxNote()}, because ${tfjsWhyNot}`, fellBack: true };
    return { engine: 'none', note: `no engine can run ${input.folder}: ${tfjsWhyNot}, and ${onnxWhyNot}`, fellBack: true, ...unavailable };
  }
  if (onnxOk) return { engine: 'onnx', onnxExport: picked.export, note: onnxNote(), fellBack: false };
  if (tfjs) {
    const why = picked.export ? onnxWhyNot : 'no ONNX export in the folder';
    return { engine: 'tfjs', note: `engine: TF.js (${why})`, fellBack: preference === 'onnx', ...unavailable };
  }
  return { engine: 'none', note: `no engine can run ${input.folder}: ${onnxWhyNot || 'onnxruntime-node is unavailable'}, and ${tfjsWhyNot}`, fellBack: preference === 'onnx', ...unavailable };
}
