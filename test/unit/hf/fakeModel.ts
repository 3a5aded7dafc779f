/**
 * Tiny fake Hugging Face models and tokenizer for the runner tests (test/unit/hf/checkpoint*.test.ts,
 * features*.test.ts): forward passes simple enough to compute by hand, so pooling, layer choice,
 * padding, row order and normalisation can be checked exactly without any real checkpoint.
 *
 * Text model: token id t embeds to e(t) = [t, 1, t mod 3] (H = 3); hidden state i = (i + 1)·e
 * (i = 0 … numLayers); pooler = tanh(hidden_last[:, 0]). Image model (CNN-like): hidden state
 * i = (i + 1)·pixels, NHWC, so `gap` is (i + 1)× the channel means.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Encoding, HfModel, HfTokenizer, ModelBatch, Pooling, TokenizerInfo } from '../../../src/node/hf/types';

export const CLS = 101;
export const SEP = 102;
export const PAD = 0;

export function embed(id: number): number[] {
  return [id, 1, id % 3];
}

/** Word → id: its length + 10 (so distinct words give distinct, hand-computable ids). */
export function wordId(word: string): number {
  return word.length + 10;
}

export function fakeTokenizer(overrides: Partial<TokenizerInfo> = {}): HfTokenizer {
  const info: TokenizerInfo = {
    model: 'WordPiece', byteLevel: false, byteFallback: false, vocabSize: 200, paddingSide: 'right', truncationSide: 'right',
    padTokenId: PAD, clsTokenId: CLS, sepTokenId: SEP, files: ['/fake/tokenizer.json'], ...overrides,
  };
  const encode = (text: string, pair?: string, options: { maxLength?: number; addSpecialTokens?: boolean } = {}): Encoding => {
    const words = text.split(/\s+/).filter(Boolean).map(wordId);
    const second = pair ? pair.split(/\s+/).filter(Boolean).map(wordId) : undefined;
    let ids = [CLS, ...words, SEP, ...(second ? [...second, SEP] : [])];
    let typeIds = [0, ...words.map(() => 0), 0, ...(second ? [...second.map(() => 1), 1] : [])];
    const untruncatedLength = ids.length;
    if (options.maxLength !== undefined && ids.length > options.maxLength) {
      ids = [...ids.slice(0, options.maxLength - 1), SEP];
      typeIds = typeIds.slice(0, options.maxLength);
    }
    return { ids, tokens: ids.map(String), typeIds, untruncatedLength };
  };
  return {
    info,
    encode,
    encodeBatch: () => {
      throw new Error('not used by the runner');
    },
  };
}

export interface FakeModelOptions {
  readonly numLayers?: number;
  readonly defaultPooling?: Pooling;
  readonly poolings?: readonly Pooling[];
  readonly maxLength?: number;
  /** Use forwardAsync instead of forward (an engine outside tf.tidy). */
  readonly async?: boolean;
  /** Count forward calls here. */
  readonly calls?: { n: number; batchSizes: number[] };
}

export function fakeTextModel(options: FakeModelOptions = {}): HfModel {
  const numLayers = options.numLayers ?? 3;
  const forward = (batch: ModelBatch, forwardOptions: { layers?: readonly number[] } = {}) => {
    if (batch.kind !== 'text') throw new Error('text model');
    if (options.calls) {
      options.calls.n++;
      options.calls.batchSizes.push(batch.inputIds.shape[0]);
    }
    const ids = batch.inputIds.arraySync() as number[][];
    const e = tf.tensor3d(ids.map((row) => row.map(embed)));
    const hidden = new Map<number, tf.Tensor>();
    for (const i of new Set([...(forwardOptions.layers ?? []), numLayers])) hidden.set(i, tf.mul(e, i + 1));
    const last = hidden.get(numLayers)!;
    const [b, , h] = last.shape;
    const pooler = tf.tidy(() => tf.tanh(tf.reshape(tf.slice(last, [0, 0, 0], [b, 1, h]), [b, h])) as tf.Tensor2D);
    e.dispose();
    return { hidden, pooler };
  };
  return {
    modelType: 'fakebert', modality: 'text', numLayers, hiddenSize: 3, parameters: 1234,
    defaultPooling: options.defaultPooling ?? 'cls', poolings: options.poolings ?? ['cls', 'pooler', 'mean', 'last'],
    maxLength: options.maxLength ?? 64,
    ...(options.async
      ? { forward: () => { throw new Error('async engine'); }, forwardAsync: async (batch: ModelBatch, o?: { layers?: readonly number[] }) => forward(batch, o), engine: 'onnx' as const }
      : { forward, engine: 'tfjs' as const }),
    dispose: () => undefined,
  };
}

export function fakeImageModel(options: FakeModelOptions = {}): HfModel {
  const numLayers = options.numLayers ?? 4;
  return {
    modelType: 'fakeresnet', modality: 'image', numLayers, hiddenSize: 3, parameters: 99, maxLength: 8,
    defaultPooling: options.defaultPooling ?? 'gap', poolings: options.poolings ?? ['gap'], engine: 'tfjs',
    forward(batch, forwardOptions = {}) {
      if (batch.kind !== 'image') throw new Error('image model');
      if (options.calls) {
        options.calls.n++;
        options.calls.batchSizes.push(batch.pixelValues.shape[0]);
      }
      const hidden = new Map<number, tf.Tensor>();
      for (const i of new Set([...(forwardOptions.layers ?? []), numLayers])) hidden.set(i, tf.mul(batch.pixelValues, i + 1));
      return { hidden };
    },
    dispose: () => undefined,
  };
}
