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
import type { HfArchitecture, HfConfig, HfModel, WeightSource } from '../types';
import { configInt, embedTokens, loadTokenEmbeddings, paddingOffsetPositionIds, tokenEmbeddingTensors } from './layers';
import { bertDims, bertLikeModel, checkIds, estimateBertLikeParameters, loadBertEncoder, tokenTypes } from './bert';

/** RoBERTa position ids [B, T] int32 from input ids and the padding index (layers.ts). */
export const robertaPositionIds = paddingOffsetPositionIds;

export const roberta: HfArchitecture = {
  modelTypes: ['roberta', 'xlm-roberta'],
  modality: 'text',
  estimateParameters: (config) => estimateBertLikeParameters(config, { positions: 514, typeVocab: 1, pooler: true }),
  async load(config: HfConfig, weights: WeightSource): Promise<HfModel> {
    const modelType = typeof config.model_type === 'string' ? config.model_type : 'roberta';
    const dims = bertDims(config);
    const h = dims.hidden;
    const vocab = configInt(config, 'vocab_size');
    const positions = configInt(config, 'max_position_embeddings', 514);
    const typeVocab = configInt(config, 'type_vocab_size', 1);
    const pad = configInt(config, 'pad_token_id', 1);
    const embeddings = await loadTokenEmbeddings(weights, { vocab, positions, typeVocab, width: h, eps: dims.eps });
    const encoder = await loadBertEncoder(weights, dims, true);
    return bertLikeModel({
      modelType,
      encoder,
      embeddingTensors: tokenEmbeddingTensors(embeddings),
      maxLength: positions - pad - 1,
      defaultPooling: 'cls',
      embed(batch) {
        checkIds(batch, vocab, modelType);
        return embedTokens(embeddings, batch.inputIds, tokenTypes(batch, typeVocab), { paddingIdx: pad });
      },
    });
  },
};
