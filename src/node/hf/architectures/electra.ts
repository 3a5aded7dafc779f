/**
 * ELECTRA discriminators/encoders (`model_type: electra`) in tfjs-core ops, matching
 * transformers' ElectraModel (inference). Embeddings as BERT's (word + absolute position + token
 * type, LayerNorm) but of width `embedding_size`; when that differs from hidden_size the
 * `embeddings_project` Linear(embedding_size → hidden_size) follows, and hidden state 0 is the
 * projected embedding (what transformers' output_hidden_states returns). Then BERT's post-LN
 * encoder (bert.ts). ELECTRA has no pooler.
 *
 * Poolings: `cls` (default: ElectraForSequenceClassification's ElectraClassificationHead reads
 * features[:, 0, :], the [CLS] token's last hidden state, then dense + gelu + out_proj), `mean`.
 */
import type { HfArchitecture, HfConfig, HfModel, WeightSource } from '../types';
import { configInt, embedTokens, linear, loadLinear, loadTokenEmbeddings, tokenEmbeddingTensors } from './layers';
import { bertDims, bertLikeModel, checkIds, estimateBertLikeParameters, loadBertEncoder, tokenTypes } from './bert';

export const electra: HfArchitecture = {
  modelTypes: ['electra'],
  modality: 'text',
  estimateParameters: (config) => estimateBertLikeParameters(config, { positions: 512, typeVocab: 2, pooler: false, projected: true }),
  async load(config: HfConfig, weights: WeightSource): Promise<HfModel> {
    const dims = bertDims(config);
    const h = dims.hidden;
    const e = configInt(config, 'embedding_size', h);
    const vocab = configInt(config, 'vocab_size');
    const positions = configInt(config, 'max_position_embeddings', 512);
    const typeVocab = configInt(config, 'type_vocab_size', 2);
    const embeddings = await loadTokenEmbeddings(weights, { vocab, positions, typeVocab, width: e, eps: dims.eps });
    // transformers creates embeddings_project only when embedding_size != hidden_size.
    const project = e !== h ? await loadLinear(weights, 'embeddings_project', e, h) : undefined;
    const encoder = await loadBertEncoder(weights, dims, false);
    return bertLikeModel({
      modelType: 'electra',
      encoder,
      embeddingTensors: [...tokenEmbeddingTensors(embeddings), project?.weight, project?.bias],
      maxLength: positions,
      defaultPooling: 'cls',
      embed(batch) {
        checkIds(batch, vocab, 'electra');
        const embedded = embedTokens(embeddings, batch.inputIds, tokenTypes(batch, typeVocab));
        return project ? linear(embedded, project) : embedded;
      },
    });
  },
};
