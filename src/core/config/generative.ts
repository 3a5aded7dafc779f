/**
 * Whether a config's training is generative (instruction / chat / completion data, no label
 * head): such configs get the tokenizer checks but no transfer-versus-scratch verdict (issue #15).
 * Pure, so both the static tier (src/node/resolve) and the text branch (src/node/textDataset.ts)
 * decide the same way.
 */
import type { NormalizedConfig } from '../model/config';

/** True for Axolotl / LLaMA-Factory / torchtune profiles and TRL's `dataset_text_field`. */
export function isGenerativeConfig(config: NormalizedConfig): boolean {
  if (config.profile === 'axolotl' || config.profile === 'llama-factory' || config.profile === 'torchtune') return true;
  const field = config.extras?.textColumns;
  return field?.keyPath === 'dataset_text_field';
}
