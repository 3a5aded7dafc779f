/**
 * Cached re-analysis without loading the weights (issue #15 "Speed"): loading a BERT-base-sized
 * checkpoint (≈ 440 MB of safetensors → TF.js tensors) takes seconds, and a re-analysis whose
 * features come from the feature cache never runs the model. So the text branch keeps, in the fit
 * cache (src/node/cache/fitCache.ts), a memo of what it read from the loaded checkpoint — its
 * `info` (model type, parameters, engine, tokenizer summary, files, …) and the resolved pooling
 * and layer — keyed by a fingerprint of every file in the checkpoint folder (sizes, mtimes, the
 * safetensors headers, small files whole: fingerprintFiles), the engine preference and the layer
 * setting. On a memo hit the branch gets a lazy checkpoint: `info` and `resolve` answer from the
 * memo, `tokenize` from the tokenizer alone (cheap), and the real checkpoint is loaded only if
 * something needs the model (a feature-cache miss). Any change in the folder gives another key, so a memo never describes other weights.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { HfCheckpoint, HfCheckpointInfo, ResolvedExtraction } from './hf/checkpoint';
import type { HfTokenizer } from './hf/types';
import { fingerprintFiles } from './cache/featureCache';
import type { FitCache } from './cache/fitCache';

const MEMO_VERSION = 'hf-checkpoint-memo-v1';
/** Folders with more files than this (or deeper than MAX_DEPTH) get no memo: listing them would not be cheap. */
const MAX_FILES = 2000;
const MAX_DEPTH = 4;

/** Every regular file under `folder` (symlinks followed, dot-files skipped), sorted; undefined when too many. */
async function listFiles(folder: string): Promise<string[] | undefined> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<boolean> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return false;
    }
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info) continue;
      if (info.isDirectory()) {
        if (depth >= MAX_DEPTH || !(await walk(path, depth + 1))) return false;
      } else if (info.isFile()) {
        out.push(path);
        if (out.length > MAX_FILES) return false;
      }
    }
    return true;
  };
  return (await walk(folder, 0)) ? out : undefined;
}

/** The memo's key for a checkpoint folder as configured, or undefined when the folder cannot be fingerprinted cheaply. */
export async function checkpointMemoKey(folder: string, setting: { readonly engine?: string; readonly layer?: unknown }): Promise<string | undefined> {
  const files = await listFiles(folder);
  if (!files || files.length === 0) return undefined;
  try {
    return `${MEMO_VERSION}|${folder}|engine=${setting.engine ?? 'auto'}|layer=${JSON.stringify(setting.layer ?? null)}|files=${files.length}|${await fingerprintFiles(files)}`;
  } catch {
    return undefined;
  }
}

interface Memo {
  readonly info: HfCheckpointInfo;
  readonly resolved: ResolvedExtraction;
}

export async function readCheckpointMemo(fits: FitCache, key: string): Promise<Memo | undefined> {
  const meta = (await fits.get(key))?.meta as Partial<Memo> | undefined;
  const info = meta?.info;
  const resolved = meta?.resolved;
  if (!info || typeof info !== 'object' || !Array.isArray(info.files) || typeof info.modelType !== 'string') return undefined;
  if (!resolved || typeof resolved !== 'object' || typeof resolved.layer !== 'number' || typeof resolved.pooling !== 'string') return undefined;
  return { info, resolved };
}

export async function writeCheckpointMemo(fits: FitCache, key: string, memo: Memo): Promise<void> {
  await fits.set(key, { predictions: { rows: 0, cols: 0, data: new Float64Array(0) }, meta: JSON.parse(JSON.stringify(memo)) as unknown });
}

/**
 * A checkpoint answering `info` and `resolve` (for the memoised layer setting) from the memo,
 * `tokenizer` / `tokenize` from the tokenizer alone (loaded by the caller, as loadHfCheckpoint
 * loads it: the text arms key their fits by token ids), and loading the real one on first use of
 * anything else (the model). `loaded()` says whether it did.
 */
export function lazyCheckpoint(memo: Memo, layerSetting: unknown, load: () => Promise<HfCheckpoint>, tokenizer?: HfTokenizer): HfCheckpoint & { loaded(): boolean } {
  let real: HfCheckpoint | undefined;
  let loading: Promise<HfCheckpoint> | undefined;
  const get = async () => (real ??= await (loading ??= load()));
  const notLoaded = (what: string) => new Error(`lazyCheckpoint: ${what} needs the loaded checkpoint (call extract first)`);
  return {
    info: memo.info,
    get model() {
      if (!real) throw notLoaded('model');
      return real.model;
    },
    get tokenizer() {
      if (real) return real.tokenizer;
      if (!tokenizer) throw notLoaded('tokenizer');
      return tokenizer;
    },
    resolve(options = {}) {
      if (real) return real.resolve(options);
      if (options.pooling === undefined && JSON.stringify(options.layer ?? null) === JSON.stringify(layerSetting ?? null)) return memo.resolved;
      throw notLoaded('resolve with other options');
    },
    tokenize(texts, pairs, maxLength) {
      if (real) return real.tokenize(texts, pairs, maxLength);
      if (!tokenizer) throw notLoaded('tokenize');
      // As HfCheckpoint.tokenize (src/node/hf/checkpoint.ts): special tokens, truncation at the max length.
      const limit = maxLength ?? memo.info.tokenizer?.maxLength;
      return texts.map((text, i) => tokenizer.encode(text, pairs?.[i], { maxLength: limit, addSpecialTokens: true }));
    },
    async extract(inputs, options) {
      return (await get()).extract(inputs, options);
    },
    async extractLayers(inputs, options) {
      return (await get()).extractLayers(inputs, options);
    },
    dispose() {
      real?.dispose();
    },
    loaded: () => real !== undefined,
  };
}
