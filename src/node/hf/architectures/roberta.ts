/**
 * RoBERTa and XLM-RoBERTa (`model_type: roberta`, `xlm-roberta`) in tfjs-core ops, matching
 * transformers' RobertaModel / XLMRobertaModel (inference). Same post-LN encoder and pooler as
 * BERT (bert.ts); the embeddings differ in the position ids, which count only non-padding tokens
 * and start after the padding index, as fairseq does:
 *
 *   position_ids = cumsum(input_ids ≠ pad_token_id) · (input_ids ≠ pad_token_id) + pad_token_id
 *
 * so a model has max_position_embeddings − pad_token_id − 1 usable positions (514 − 2 = 512).
 * Token types: RoBERTa checkpoints have type_vocab_size 1 and their tokenizers return no
 * token_type_ids, so zeros are used (the batch's ids only when type_vocab_size > 1).
 *
 * Poolings: `cls` (default: RobertaForSequenceClassification's RobertaClassificationHead reads
 * features[:, 0, :], the <s> token's last hidden state, then dense + tanh + out_proj — it does
 * NOT read the pooler), `mean`, and `pooler` (dense + tanh on <s>) when the checkpoint stores
 * pooler weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { HfArchitecture, HfConfig, HfModel, WeightSource } from '../types';
import { configInt, layerNorm, loadEmbedding, loadLayerNorm } from './layers';
import { bertDims, bertLikeModel, checkIds, encoderParameters, loadBertEncoder, tokenTypes } from './bert';

/** RoBERTa position ids [B, T] int32 from input ids and the padding index. */
export function robertaPositionIds(inputIds: tf.Tensor2D, paddingIdx: number): tf.Tensor2D {
  const mask = tf.cast(tf.notEqual(tf.cast(inputIds, 'int32'), paddingIdx), 'float32');
  const incremental = tf.mul(tf.cumsum(mask, 1), mask);
  return tf.cast(tf.add(incremental, paddingIdx), 'int32') as tf.Tensor2D;
}

export const roberta: HfArchitecture = {
  modelTypes: ['roberta', 'xlm-roberta'],
  modality: 'text',
  estimateParameters(config: HfConfig): number | undefined {
    try {
      const h = configInt(config, 'hidden_size');
      const m = configInt(config, 'intermediate_size');
      const embeddings = (configInt(config, 'vocab_size') + configInt(config, 'max_position_embeddings', 514) + configInt(config, 'type_vocab_size', 1)) * h + 2 * h;
      return embeddings + encoderParameters(h, m, configInt(config, 'num_hidden_layers'), true);
    } catch {
      return undefined;
    }
  },
  async load(config: HfConfig, weights: WeightSource): Promise<HfModel> {
    const modelType = typeof config.model_type === 'string' ? config.model_type : 'roberta';
    const dims = bertDims(config);
    const h = dims.hidden;
    const vocab = configInt(config, 'vocab_size');
    const positions = configInt(config, 'max_position_embeddings', 514);
    const typeVocab = configInt(config, 'type_vocab_size', 1);
    const pad = configInt(config, 'pad_token_id', 1);
    const word = await loadEmbedding(weights, 'embeddings.word_embeddings.weight', vocab, h);
    const position = await loadEmbedding(weights, 'embeddings.position_embeddings.weight', positions, h);
    const tokenType = await loadEmbedding(weights, 'embeddings.token_type_embeddings.weight', typeVocab, h);
    const norm = await loadLayerNorm(weights, 'embeddings.LayerNorm', h, dims.eps);
    const encoder = await loadBertEncoder(weights, dims, true);
    return bertLikeModel({
      modelType,
      encoder,
      embeddingTensors: [word, position, tokenType, norm.weight, norm.bias],
      maxLength: positions - pad - 1,
      defaultPooling: 'cls',
      embed(batch) {
        checkIds(batch, vocab, modelType);
        const ids = tf.cast(batch.inputIds, 'int32');
        const pos = robertaPositionIds(batch.inputIds, pad);
        const sum = tf.add(tf.add(tf.gather(word, ids), tf.gather(tokenType, tokenTypes(batch, typeVocab))), tf.gather(position, pos));
        return layerNorm(sum, norm);
      },
    });
  },
};
