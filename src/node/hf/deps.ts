/**
 * The real pieces behind src/node/hf/checkpoint.ts's HfDependencies: the safetensors weights
 * reader, the architecture registry, the tokenizer, sentence-transformers pooling (from the
 * snapshot inspection), the engine choice and the optional ONNX engine. Kept apart from
 * checkpoint.ts so tests can inject fakes for any of them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HfDependencies, SentenceTransformersPooling } from './checkpoint';
import { openWeights } from './weights';
import { architectureFor, supportedModelTypes } from './architectures/registry';
import { findTokenizer } from './tokenizer';
import { inspectHfSnapshot, type HfSnapshotInfo } from './snapshot';
import { chooseEngine } from './engine';
import { loadOnnxIfAvailable } from './onnx';

/** One inspection per folder per load (locate and sentenceTransformers both need it). */
function memoInspect(): (folder: string) => Promise<HfSnapshotInfo> {
  const seen = new Map<string, Promise<HfSnapshotInfo>>();
  return (folder) => {
    let hit = seen.get(folder);
    if (!hit) {
      hit = inspectHfSnapshot(folder);
      seen.set(folder, hit);
    }
    return hit;
  };
}

async function maxSeqLength(folder: string): Promise<number | undefined> {
  try {
    const value = (JSON.parse(await readFile(join(folder, 'sentence_bert_config.json'), 'utf8')) as { max_seq_length?: unknown }).max_seq_length;
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

export function defaultHfDependencies(): HfDependencies {
  const inspect = memoInspect();
  return {
    openWeights,
    architectureFor,
    supportedModelTypes,
    loadTokenizer: findTokenizer,
    async locate(folder) {
      const info = await inspect(folder);
      return { modelFolder: info.modelFolder, hasWeights: info.status === 'runnable' || info.status === 'pytorch-bin-only' };
    },
    async sentenceTransformers(folder): Promise<SentenceTransformersPooling | undefined> {
      const st = (await inspect(folder)).sentenceTransformers;
      if (!st) return undefined;
      const length = await maxSeqLength(folder);
      const unmapped = !st.pooling && st.poolingModes.length > 0 ? `its pooling (${st.poolingModes.join(' + ')}) is not implemented here, so mean pooling stands in` : undefined;
      return { pooling: st.pooling ?? 'mean', normalize: st.normalize, files: st.files.map((f) => join(folder, f)), ...(length ? { maxSeqLength: length } : {}), ...(unmapped ? { note: unmapped } : {}) };
    },
    chooseEngine: (input, preference) => chooseEngine(input, preference),
    loadOnnx: (folder, config) => loadOnnxIfAvailable(folder, config),
  };
}
