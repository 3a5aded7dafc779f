/**
 * The contract between the pieces that run Hugging Face checkpoints in TypeScript (issue #14):
 *
 *   snapshot folder ──► weights.ts (WeightSource: safetensors header first, lazy, sharded,
 *                       F32/F16/BF16 → float32 tf.Tensor, bytes released after upload)
 *                  ──► architectures/registry.ts (config.json `model_type` → HfArchitecture)
 *                  ──► HfModel.forward(batch) → hidden states → pooled features [B, D]
 *   tokenizer.ts (tokenizer.json + tokenizer_config.json → TextBatch)
 *   processor (preprocessor_config.json → ImageBatch, NHWC float32, already normalised)
 *
 * Every architecture lives in one file under `architectures/` and registers itself in
 * `architectures/registry.ts`. Architectures only use tfjs-core ops, so they run on WASM today
 * and on any backend later. Inference only; callers run `forward` inside `tf.tidy`.
 *
 * Layer numbering follows `transformers`' `output_hidden_states=True`: hidden state 0 is the
 * embedding output (vision CNNs: the stem output), hidden state i the output of block/stage i,
 * and `numLayers` the index of the last one. The last hidden state is what the model's own
 * `last_hidden_state` is (including a final norm where the family applies one).
 */
import type * as tf from '@tensorflow/tfjs-core';

/** Pooled representations. `cls`: first token; `pooler`: the family's pooler head (BERT dense+tanh,
 * ViT/CLIP pooler) — last layer only; `mean`: mask-aware mean over tokens (vision: over patches
 * incl. CLS as transformers does for mean pooling, or global average for CNNs); `last`: last
 * non-padding token (decoders); `gap`: global average over spatial positions (CNNs). */
export type Pooling = 'cls' | 'pooler' | 'mean' | 'last' | 'gap';

export type Modality = 'text' | 'image';

/** Tokenised text, padded to one length T. int32 tensors [B, T]. */
export interface TextBatch {
  readonly kind: 'text';
  readonly inputIds: tf.Tensor2D;
  readonly attentionMask: tf.Tensor2D;
  /** Segment ids for pairs (BERT-likes); absent → zeros. */
  readonly tokenTypeIds?: tf.Tensor2D;
}

/** Preprocessed images, float32 NHWC [B, H, W, C] (HF's pixel_values transposed from NCHW). */
export interface ImageBatch {
  readonly kind: 'image';
  readonly pixelValues: tf.Tensor4D;
}

export type ModelBatch = TextBatch | ImageBatch;

/** Metadata of one stored tensor (from the safetensors header; nothing read yet). */
export interface WeightEntry {
  readonly name: string;
  /** safetensors dtype: F32, F16, BF16, … */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Absolute path of the file holding it (a shard for sharded checkpoints). */
  readonly file: string;
}

/**
 * Lazy access to a checkpoint's tensors (implemented in weights.ts). Names are the stored
 * names; `resolve` finds a name under the prefixes task heads add (`bert.`, `model.`,
 * `roberta.`, `vit.`, `transformer.`, …) so architectures ask for the base-model name.
 */
export interface WeightSource {
  readonly entries: ReadonlyMap<string, WeightEntry>;
  /** The stored name for a base-model tensor name (tries known head prefixes), or undefined. */
  resolve(name: string): string | undefined;
  has(name: string): boolean;
  /**
   * Reads one tensor (resolved as above), converts to float32 and returns it as a tf.Tensor; the
   * file bytes are released. Throws CheckpointError('checkpoint-invalid') naming the file when the
   * tensor is missing, truncated, of an unknown dtype or (when given) not of `expectedShape`.
   */
  tensor(name: string, expectedShape?: readonly number[]): Promise<tf.Tensor>;
  /** Same, or undefined when the tensor does not exist (optional biases, poolers). */
  optionalTensor(name: string, expectedShape?: readonly number[]): Promise<tf.Tensor | undefined>;
}

/** `config.json` as parsed (plain JSON object). */
export type HfConfig = Readonly<Record<string, unknown>>;

export interface ForwardOptions {
  /** Hidden states wanted, by index (0 … numLayers); the last is always returned. */
  readonly layers?: readonly number[];
}

export interface ForwardOutput {
  /** Hidden states by index: text [B, T, H]; ViT-likes [B, T, H]; CNNs NHWC [B, h, w, C]. */
  readonly hidden: ReadonlyMap<number, tf.Tensor>;
  /** The family's pooler output [B, D] when it has one (BERT pooler, ViT/CLIP pooler). */
  readonly pooler?: tf.Tensor2D;
}

export interface HfModel {
  readonly modelType: string;
  readonly modality: Modality;
  /** Index of the last hidden state. */
  readonly numLayers: number;
  /** Width of the last hidden state (channels for CNNs). */
  readonly hiddenSize: number;
  readonly parameters: number;
  /** Pooling the family's own classification head reads (see the architecture's doc comment). */
  readonly defaultPooling: Pooling;
  readonly poolings: readonly Pooling[];
  /** Text: max position embeddings (undefined: no limit, e.g. RoPE); image: input side in pixels. */
  readonly maxLength?: number;
  /** Inference forward pass; call inside tf.tidy. */
  forward(batch: ModelBatch, options?: ForwardOptions): ForwardOutput;
  /**
   * Engines that cannot run synchronously inside tf.tidy (onnxruntime-node, issue #16) implement
   * this instead of / besides `forward`; the caller disposes the returned tensors. Callers use it
   * when present.
   */
  forwardAsync?(batch: ModelBatch, options?: ForwardOptions): Promise<ForwardOutput>;
  /** Which engine runs the forward pass. */
  readonly engine?: 'tfjs' | 'onnx';
  /**
   * Hidden-state indices `forward` / `forwardAsync` can return, when not all of 0 … numLayers
   * (ONNX exports without `hidden_states` outputs — optimum, Xenova — have only numLayers).
   * Absent: all of them.
   */
  readonly availableLayers?: readonly number[];
  dispose(): void;
}

export interface HfArchitecture {
  /** config.json `model_type` values handled (e.g. ['bert'], ['llama', 'mistral', 'qwen2']). */
  readonly modelTypes: readonly string[];
  readonly modality: Modality;
  /**
   * Parameter count from config.json alone (used by guard rails before any weight is read);
   * undefined when it cannot be computed — the header's element count is used then.
   */
  estimateParameters?(config: HfConfig): number | undefined;
  /**
   * Builds the model, loading every tensor through `weights` (each checked against the shape
   * config.json implies: a mismatch is a CheckpointError('checkpoint-invalid') naming the tensor).
   */
  load(config: HfConfig, weights: WeightSource): Promise<HfModel>;
}

/** What a tokenizer is (from tokenizer.json + tokenizer_config.json), for reports and checks. */
export interface TokenizerInfo {
  /** tokenizer.json `model.type`: WordPiece, BPE, Unigram, WordLevel. */
  readonly model: string;
  /** BPE with a ByteLevel pre-tokenizer (GPT-2 / Llama 3 style). */
  readonly byteLevel: boolean;
  /** BPE/Unigram with byte_fallback (SentencePiece <0xNN> tokens). */
  readonly byteFallback: boolean;
  readonly vocabSize: number;
  /** tokenizer_config.json `model_max_length` when it is a real limit (not the 1e30 sentinel). */
  readonly modelMaxLength?: number;
  readonly paddingSide: 'left' | 'right';
  readonly truncationSide: 'left' | 'right';
  readonly padTokenId?: number;
  readonly unkTokenId?: number;
  readonly clsTokenId?: number;
  readonly sepTokenId?: number;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  /** tokenizer_config.json `chat_template` (string, or the default of a named list) when present. */
  readonly chatTemplate?: string;
  /** Files read, for messages (absolute paths). */
  readonly files: readonly string[];
}

export interface EncodeOptions {
  /** Truncate to this many tokens (special tokens included). Default: no truncation. */
  readonly maxLength?: number;
  /** Add the post-processor's special tokens ([CLS] … [SEP], <s> …). Default true. */
  readonly addSpecialTokens?: boolean;
}

export interface Encoding {
  readonly ids: readonly number[];
  readonly tokens: readonly string[];
  /** Segment ids (0 / 1 for pairs) when the post-processor assigns them. */
  readonly typeIds: readonly number[];
  /** Tokens before truncation (to count what a max length cuts). */
  readonly untruncatedLength: number;
}

/** Padded batch as plain arrays ([B][T]); `toTextBatch` in tokenizer.ts makes tensors of it. */
export interface EncodedBatch {
  readonly inputIds: number[][];
  readonly attentionMask: number[][];
  readonly tokenTypeIds: number[][];
}

export interface HfTokenizer {
  readonly info: TokenizerInfo;
  /** One text, or a sentence pair encoded as a pair. */
  encode(text: string, pair?: string, options?: EncodeOptions): Encoding;
  /** Encodes and pads to the longest row (on the tokenizer's padding side, with its pad id). */
  encodeBatch(texts: readonly string[], pairs?: readonly string[], options?: EncodeOptions): EncodedBatch;
}
