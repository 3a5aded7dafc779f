/**
 * Qwen2 (`model_type: qwen2`): the Llama-family decoder of llama.ts with biases on the q/k/v
 * projections (not on o_proj, not in the MLP) and Qwen2's optional sliding window, following
 * transformers 5 modeling_qwen2.py / configuration_qwen2.py:
 * - the window is `sliding_window` only when `use_sliding_window` is true (Qwen2Config sets it to
 *   None otherwise — released Qwen2/2.5 configs ship use_sliding_window: false, so no window);
 * - it applies to the layers `layer_types` marks "sliding_attention"; configs without layer_types
 *   get transformers' default: layers i ≥ max_window_layers (default 28) slide.
 * Everything else (RMSNorm, RoPE incl. rope_scaling, grouped-query attention, SwiGLU, positions,
 * poolings 'last' (default) and 'mean', hidden-state numbering) is the shared core's; see llama.ts.
 */
import type { HfArchitecture, HfConfig } from '../types';
import { configBool, estimateLlamaParameters, loadLlamaFamily, type LlamaVariant } from './llama';

function window(config: HfConfig, layer: number): number | undefined {
  if (!configBool(config, 'use_sliding_window', false)) return undefined;
  const w = config.sliding_window;
  if (typeof w !== 'number' || !(w > 0)) return undefined;
  const types = config.layer_types;
  if (Array.isArray(types)) return types[layer] === 'sliding_attention' ? w : undefined;
  const maxWindowLayers = typeof config.max_window_layers === 'number' ? config.max_window_layers : 28;
  return layer >= maxWindowLayers ? w : undefined;
}

export const QWEN2_VARIANT: LlamaVariant = {
  modelType: 'qwen2',
  attentionBias: () => ({ qkv: true, o: false }),
  mlpBias: () => false,
  slidingWindow: (config, layer) => window(config, layer),
  tieDefault: false,
};

export const qwen2Architecture: HfArchitecture = {
  modelTypes: ['qwen2'],
  modality: 'text',
  estimateParameters: (config) => estimateLlamaParameters(config, QWEN2_VARIANT),
  load: (config, weights) => loadLlamaFamily(config, weights, QWEN2_VARIANT),
};
