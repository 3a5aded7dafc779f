/**
 * GPT-2 (`model_type: gpt2`) on tfjs-core functional ops, inference only, batched, following
 * transformers 5 modeling_gpt2.py (GPT2Model):
 *
 *   h₀ = wte[input_ids] + wpe[0 … T−1]                      (learned positions, arange as transformers)
 *   per block: h += c_proj(attn(split(c_attn(ln_1(h)))))     (causal + padding mask)
 *              h += mlp.c_proj(act(mlp.c_fc(ln_2(h))))       (act = activation_function, gelu_new by default)
 *   last = ln_f(h)
 *
 * - Conv1D weights are stored [in, out] (x·W + b): used as stored, no transpose (a transposed
 *   weight fails the parity test).
 * - Attention scale 1/√head_dim when scale_attn_weights (default), further / (layer + 1) with
 *   scale_attn_by_inverse_layer_idx; reorder_and_upcast_attn changes nothing in float32.
 * - Positions are arange(T) for every row, as GPT2Model.forward computes them without
 *   position_ids — with left padding the first real token is at position = number of pads. A
 *   batch longer than n_positions is a 'shape-mismatch' error (there is no position row for it).
 * - Masks: additive bias (llama.ts decoderMask); fully masked query rows (left-padding
 *   positions) get a zero attention output as with torch's SDPA (transformers' default); they are
 *   never pooled.
 * - Hidden states as output_hidden_states: 0 = wte + wpe, i = output of block i, n_layer = after
 *   ln_f. Poolings: 'last' (default: last non-padding token by the mask — GPT2ForSequenceClassification
 *   reads the last token that is not pad_token_id, the same unless pad == eos occurs inside a
 *   text) and 'mean' (mask-aware).
 * - GPT-2 defines no pad token; tokenizers usually set pad = eos (<|endoftext|>), which is fine here
 *   because padding is read from the attention mask, never from the ids.
 * - Old checkpoints also store the causal-mask buffers `h.N.attn.bias` / `masked_bias`: ignored.
 * `estimateParameters` counts wte, wpe, blocks and ln_f (+ an lm_head when tie_word_embeddings is
 * false) from config.json alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../../../core/formats/errors';
import type { ForwardOptions, ForwardOutput, HfArchitecture, HfConfig, HfModel, ModelBatch, Pooling, WeightSource } from '../types';
import { activation, configBool, configFloat, configInt, decoderMask, dense, groupedAttention, layerNorm, runDecoderStack, splitHeads, textBatchOf, wantedLayers, type Activation } from './llama';

const TYPE = 'gpt2';

interface Gpt2Dims {
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly inner: number;
  readonly positions: number;
  readonly vocab: number;
}

/** GPT2Config keys (n_embd …) with the generic aliases transformers maps onto them. */
function dimsOf(config: HfConfig): Gpt2Dims {
  const alias = (a: string, b: string): string => (config[a] !== undefined ? a : config[b] !== undefined ? b : a);
  const hidden = configInt(config, alias('n_embd', 'hidden_size'), TYPE, 768);
  const heads = configInt(config, alias('n_head', 'num_attention_heads'), TYPE, 12);
  if (hidden % heads !== 0) throw new CheckpointError('checkpoint-invalid', `config.json (gpt2): n_embd ${hidden} is not a multiple of n_head ${heads}`);
  return {
    hidden,
    heads,
    layers: configInt(config, alias('n_layer', 'num_hidden_layers'), TYPE, 12),
    inner: configInt(config, 'n_inner', TYPE, 4 * hidden),
    positions: configInt(config, alias('n_positions', 'max_position_embeddings'), TYPE, 1024),
    vocab: configInt(config, 'vocab_size', TYPE, 50257),
  };
}

export function estimateGpt2Parameters(config: HfConfig): number | undefined {
  try {
    const d = dimsOf(config);
    const H = d.hidden;
    const block = 2 * H + (H * 3 * H + 3 * H) + (H * H + H) + 2 * H + (H * d.inner + d.inner) + (d.inner * H + H);
    const tied = configBool(config, 'tie_word_embeddings', true);
    return d.vocab * H * (tied ? 1 : 2) + d.positions * H + d.layers * block + 2 * H;
  } catch {
    return undefined;
  }
}

interface Block {
  readonly ln1: readonly [tf.Tensor1D, tf.Tensor1D];
  /** c_attn split at load into its q, k, v column blocks ([H, H] and [H] each). */
  readonly q: readonly [tf.Tensor2D, tf.Tensor1D];
  readonly k: readonly [tf.Tensor2D, tf.Tensor1D];
  readonly v: readonly [tf.Tensor2D, tf.Tensor1D];
  readonly cProj: readonly [tf.Tensor2D, tf.Tensor1D];
  readonly ln2: readonly [tf.Tensor1D, tf.Tensor1D];
  readonly fc: readonly [tf.Tensor2D, tf.Tensor1D];
  readonly proj: readonly [tf.Tensor2D, tf.Tensor1D];
  readonly scale: number;
}

class Gpt2Model implements HfModel {
  readonly modelType = TYPE;
  readonly modality = 'text' as const;
  readonly defaultPooling: Pooling = 'last';
  readonly poolings: readonly Pooling[] = ['last', 'mean'];
  readonly engine = 'tfjs' as const;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly maxLength: number;

  constructor(
    private readonly dims: Gpt2Dims,
    private readonly eps: number,
    private readonly act: Activation,
    private readonly wte: tf.Tensor2D,
    private readonly wpe: tf.Tensor2D,
    private readonly blocks: readonly Block[],
    private readonly lnF: readonly [tf.Tensor1D, tf.Tensor1D],
    private readonly owned: tf.Tensor[],
    readonly parameters: number,
  ) {
    this.numLayers = dims.layers;
    this.hiddenSize = dims.hidden;
    this.maxLength = dims.positions;
  }

  forward(batch: ModelBatch, options?: ForwardOptions): ForwardOutput {
    const text = textBatchOf(batch, TYPE, this.dims.vocab);
    const wanted = wantedLayers(options, this.numLayers, TYPE);
    const t = text.inputIds.shape[1];
    if (t > this.dims.positions) {
      throw new CheckpointError('shape-mismatch', `gpt2: the batch is ${t} tokens long but the model has ${this.dims.positions} learned positions (n_positions): truncate to ${this.dims.positions} tokens`);
    }
    const { heads, hidden } = this.dims;
    const d = hidden / heads;
    const mask = decoderMask(text.attentionMask);
    const embedded = tf.add(tf.gather(this.wte, tf.cast(text.inputIds, 'int32')), tf.slice(this.wpe, [0, 0], [t, hidden]));
    const hiddenOut = runDecoderStack(embedded, this.blocks.length, wanted, (prev, i) => {
      const block = this.blocks[i]!;
      const x = layerNorm(prev, block.ln1[0], block.ln1[1], this.eps);
      const [q, k, v] = [block.q, block.k, block.v].map(([w, b]) => splitHeads(dense(x, w, b, 'in-out'), heads, d));
      const attn = groupedAttention(q!, k!, v!, mask, block.scale);
      const h1 = tf.add(prev, dense(attn, block.cProj[0], block.cProj[1], 'in-out'));
      const y = layerNorm(h1, block.ln2[0], block.ln2[1], this.eps);
      return tf.add(h1, dense(this.act(dense(y, block.fc[0], block.fc[1], 'in-out')), block.proj[0], block.proj[1], 'in-out'));
    }, (h) => layerNorm(h, this.lnF[0], this.lnF[1], this.eps));
    tf.dispose([mask.bias, mask.rows]);
    return { hidden: hiddenOut };
  }

  dispose(): void {
    tf.dispose(this.owned);
  }
}

async function loadGpt2(config: HfConfig, weights: WeightSource): Promise<HfModel> {
  if (configBool(config, 'add_cross_attention', false)) {
    throw new CheckpointError('checkpoint-unsupported', 'config.json (gpt2): add_cross_attention is true (a GPT-2 decoder inside an encoder-decoder model), which is not supported; give precomputed features (features_file) or an ONNX export');
  }
  const dims = dimsOf(config);
  const eps = configFloat(config, 'layer_norm_epsilon', TYPE, 1e-5);
  const act = activation(config.activation_function, 'activation_function', TYPE, 'gelu_new');
  const scaleWeights = configBool(config, 'scale_attn_weights', true);
  const byLayer = configBool(config, 'scale_attn_by_inverse_layer_idx', false);
  const { hidden: H, inner } = dims;
  const owned: tf.Tensor[] = [];
  let parameters = 0;
  const get = async <T extends tf.Tensor>(name: string, shape: readonly number[]): Promise<T> => {
    const t = await weights.tensor(name, shape);
    owned.push(t);
    parameters += t.size;
    return t as T;
  };
  const pair = async <W extends tf.Tensor>(prefix: string, wShape: readonly number[], bShape: number): Promise<[W, tf.Tensor1D]> =>
    [await get<W>(`${prefix}.weight`, wShape), await get<tf.Tensor1D>(`${prefix}.bias`, [bShape])];
  try {
    const wte = await get<tf.Tensor2D>('wte.weight', [dims.vocab, H]);
    const wpe = await get<tf.Tensor2D>('wpe.weight', [dims.positions, H]);
    const blocks: Block[] = [];
    for (let i = 0; i < dims.layers; i++) {
      const p = `h.${i}`;
      let scale = scaleWeights ? 1 / Math.sqrt(H / dims.heads) : 1;
      if (byLayer) scale /= i + 1;
      // One [H, 3H] product then a last-axis split is slower on WASM than three [H, H] products.
      const [cw, cb] = await pair<tf.Tensor2D>(`${p}.attn.c_attn`, [H, 3 * H], 3 * H);
      const ws = tf.split(cw, 3, 1) as tf.Tensor2D[];
      const bs = tf.split(cb, 3, 0) as tf.Tensor1D[];
      owned.splice(owned.indexOf(cw), 1);
      owned.splice(owned.indexOf(cb), 1);
      tf.dispose([cw, cb]);
      owned.push(...ws, ...bs);
      blocks.push({
        ln1: await pair<tf.Tensor1D>(`${p}.ln_1`, [H], H),
        q: [ws[0]!, bs[0]!],
        k: [ws[1]!, bs[1]!],
        v: [ws[2]!, bs[2]!],
        cProj: await pair<tf.Tensor2D>(`${p}.attn.c_proj`, [H, H], H),
        ln2: await pair<tf.Tensor1D>(`${p}.ln_2`, [H], H),
        fc: await pair<tf.Tensor2D>(`${p}.mlp.c_fc`, [H, inner], inner),
        proj: await pair<tf.Tensor2D>(`${p}.mlp.c_proj`, [inner, H], H),
        scale,
      });
    }
    const lnF = await pair<tf.Tensor1D>('ln_f', [H], H);
    return new Gpt2Model(dims, eps, act, wte, wpe, blocks, lnF, owned, parameters);
  } catch (error) {
    tf.dispose(owned);
    throw error;
  }
}

export const gpt2Architecture: HfArchitecture = {
  modelTypes: [TYPE],
  modality: 'text',
  estimateParameters: estimateGpt2Parameters,
  load: loadGpt2,
};
