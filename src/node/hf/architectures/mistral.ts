/**
 * Mistral (`model_type: mistral`): the Llama-family decoder of llama.ts without any projection
 * bias, with `head_dim` from config.json when given, and a sliding window on every layer
 * (transformers 5 modeling_mistral.py: `create_sliding_window_causal_mask` whenever
 * `config.sliding_window` is not None; MistralConfig's default is 4096 when the key is absent,
 * null turns it off — Mistral-7B-v0.1 ships 4096, v0.2/v0.3 null). Query q sees key k iff
 * q − W < k ≤ q; while the padded length T ≤ W this is the plain causal mask (no effect).
 * Everything else (RMSNorm, RoPE incl. rope_scaling, grouped-query attention, SwiGLU, positions,
 * poolings 'last' (default) and 'mean', hidden-state numbering) is the shared core's; see llama.ts.
 */
import type { HfArchitecture, HfConfig } from '../types';
import { estimateLlamaParameters, loadLlamaFamily, type LlamaVariant } from './llama';

function window(config: HfConfig): number | undefined {
  const w = config.sliding_window === undefined ? 4096 : config.sliding_window;
  return typeof w === 'number' && w > 0 ? w : undefined;
}

export const MISTRAL_VARIANT: LlamaVariant = {
  modelType: 'mistral',
  attentionBias: () => ({ qkv: false, o: false }),
  mlpBias: () => false,
  slidingWindow: (config) => window(config),
  tieDefault: false,
};

export const mistralArchitecture: HfArchitecture = {
  modelTypes: ['mistral'],
  modality: 'text',
  estimateParameters: (config) => estimateLlamaParameters(config, MISTRAL_VARIANT),
  load: (config, weights) => loadLlamaFamily(config, weights, MISTRAL_VARIANT),
};
