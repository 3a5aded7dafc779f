/**
 * The real pieces behind src/node/hf/checkpoint.ts's HfDependencies: the safetensors weights
 * reader, the architecture registry, the tokenizer, sentence-transformers pooling, the image
 * processor description and the optional ONNX engine. Kept apart from checkpoint.ts so tests can
 * inject fakes without loading any of them, and imported lazily (`import('./deps')`).
 */
import type { HfDependencies } from './checkpoint';
import { openWeights } from './weights';
import { architectureFor, supportedModelTypes } from './architectures/registry';

export function defaultHfDependencies(): HfDependencies {
  return {
    openWeights,
    architectureFor,
    supportedModelTypes,
  };
}
