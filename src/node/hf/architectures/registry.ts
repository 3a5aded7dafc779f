/**
 * `config.json` `model_type` → the architecture that runs it (one file per family in this
 * folder). Adding an architecture is one import and one entry in ARCHITECTURES.
 */
import type { HfArchitecture, HfConfig } from '../types';
import { gpt2Architecture } from './gpt2';
import { llamaArchitecture } from './llama';
import { mistralArchitecture } from './mistral';
import { qwen2Architecture } from './qwen2';
import { deitArchitecture, vitArchitecture } from './vit';
import { clipArchitecture } from './clip';
import { resnetArchitecture } from './resnet';
import { convnextArchitecture } from './convnext';
import { mobilenetV2Architecture } from './mobilenetV2';
import { bert } from './bert';
import { roberta } from './roberta';
import { distilbert } from './distilbert';
import { electra } from './electra';

export const ARCHITECTURES: readonly HfArchitecture[] = [
  gpt2Architecture,
  llamaArchitecture,
  qwen2Architecture,
  mistralArchitecture,
  vitArchitecture,
  deitArchitecture,
  clipArchitecture,
  resnetArchitecture,
  convnextArchitecture,
  mobilenetV2Architecture,
  bert,
  roberta,
  distilbert,
  electra,
];

/** Every model_type some architecture handles, sorted (for findings that list them). */
export function supportedModelTypes(): string[] {
  return [...new Set(ARCHITECTURES.flatMap((a) => a.modelTypes))].sort();
}

/** The architecture for a config.json `model_type`, or undefined. */
export function architectureFor(modelType: string | undefined): HfArchitecture | undefined {
  if (!modelType) return undefined;
  return ARCHITECTURES.find((a) => a.modelTypes.includes(modelType));
}

/**
 * The model_type of a config.json; `clip` configs hold the vision tower under `vision_config`,
 * and sentence-transformers folders keep the transformer's config.json at the top level.
 */
export function modelTypeOf(config: HfConfig): string | undefined {
  const t = config.model_type;
  return typeof t === 'string' ? t : undefined;
}
