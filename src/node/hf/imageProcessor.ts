/**
 * The image processor of a Hugging Face snapshot (issue #14): `preprocessor_config.json` beside
 * config.json → the exact preprocessing transformers' PIL backend applies
 * (src/core/formats/hfImageProcessor.ts: Pillow-exact resize, shortest edge / crop_pct / centre
 * crop, rescale, normalise), images decoded by the image-folder decoders
 * (src/node/readers/images/decode.ts: pngjs, sharp or jpeg-js), stacked into an `ImageBatch`
 * (NHWC float32, what the vision architectures take).
 *
 * Without preprocessor_config.json the processor is ViTImageProcessor's default at the model's
 * image_size (resize to it, 1/255, mean = std = 0.5), stated as a problem so the report says so.
 * ViT-likes (position embeddings) need images of config.json's image_size: a processor that leaves
 * the size free (shortest_edge without a crop) or produces another size is a problem naming the
 * file, and the processed images are then resized to the model's size. CNNs take any size.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { HfConfig, ImageBatch } from './types';
import type { DecodedPixels, PreprocessingProblem } from '../../core/formats/imagePreprocess';
import {
  applyHfImageProcessor,
  defaultHfImageProcessor,
  parseHfImageProcessor,
  processedSize,
  type HfImageProcessor,
} from '../../core/formats/hfImageProcessor';
import { decodeImage, type JpegDecoderPreference } from '../readers/images/decode';

export const PREPROCESSOR_FILE = 'preprocessor_config.json';

export interface LoadedImageProcessor {
  readonly processor: HfImageProcessor;
  /** Absolute path of preprocessor_config.json, undefined when the default is used. */
  readonly file?: string;
  /** Problems with the file (key + message), for findings; `file` names it. */
  readonly problems: readonly (PreprocessingProblem & { readonly file: string })[];
  /** The input size [height, width] the model requires (ViT-likes: config.json image_size; CNNs: none). */
  readonly inputSize?: readonly [number, number];
}

/** Model types whose input size is fixed by position embeddings (CNNs take any size). */
const FIXED_SIZE_TYPES = new Set(['vit', 'deit', 'clip', 'clip_vision_model']);

/** The input size a model requires: config.json image_size for ViT-likes, undefined for CNNs. */
export function requiredImageSize(config: HfConfig): [number, number] | undefined {
  return typeof config.model_type === 'string' && FIXED_SIZE_TYPES.has(config.model_type) ? modelImageSize(config) : undefined;
}

/** The model's input side from config.json (`image_size`, or `vision_config.image_size` for clip). */
export function modelImageSize(config: HfConfig): [number, number] | undefined {
  const v = config.model_type === 'clip' && config.vision_config && typeof config.vision_config === 'object' ? (config.vision_config as HfConfig).image_size ?? 224 : config.image_size;
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)) return [v[0] as number, v[1] as number];
  return undefined;
}

/**
 * Reads `<folder>/preprocessor_config.json` (never throws on user input). `config` (config.json)
 * gives the model's input size for the default and for the size check.
 */
export async function loadImageProcessor(folder: string, config: HfConfig = {}): Promise<LoadedImageProcessor> {
  const file = join(folder, PREPROCESSOR_FILE);
  const inputSize = requiredImageSize(config);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const [h, w] = modelImageSize(config) ?? [224, 224];
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is absent' : `cannot be read (${(e as Error).message})`;
    return {
      processor: defaultHfImageProcessor(h, w),
      inputSize,
      problems: [{ file, key: '', message: `${file} ${why}; images are resized to ${h}×${w} (bilinear), scaled by 1/255 and normalised with mean = std = 0.5 (ViTImageProcessor's defaults). Copy the model's preprocessor_config.json from the Hub if it has one.` }],
    };
  }
  const parsed = parseHfImageProcessor(text, file);
  const problems = parsed.problems.map((p) => ({ ...p, file }));
  if (inputSize) {
    // The output size for a square input tells whether the processor fixes the size.
    const probeA = processedSize(parsed.processor, 1000, 1000);
    const probeB = processedSize(parsed.processor, 500, 1000);
    if (probeA.height !== probeB.height || probeA.width !== probeB.width) {
      problems.push({ file, key: 'size', message: `${file} leaves the output size free (shortest_edge without a centre crop); the model takes ${inputSize[0]}×${inputSize[1]}, so images are resized to that after the processor's steps` });
    } else if (probeA.height !== inputSize[0] || probeA.width !== inputSize[1]) {
      problems.push({ file, key: 'size', message: `${file} produces ${probeA.height}×${probeA.width} images but config.json image_size is ${inputSize[0]}×${inputSize[1]}; images are resized to ${inputSize[0]}×${inputSize[1]} after the processor's steps` });
    }
  }
  return { processor: parsed.processor, file, problems, inputSize };
}

/** One processed image, HWC float32, at the model's size when the processor is not (see the file comment). */
export function processPixels(pixels: DecodedPixels, loaded: LoadedImageProcessor): { height: number; width: number; data: Float32Array } {
  const out = applyHfImageProcessor(pixels, loaded.processor);
  const size = loaded.inputSize;
  if (!size || (out.height === size[0] && out.width === size[1])) return out;
  // Resize the processed floats to the model's size (bilinear, as transformers' interpolate would).
  const data = tf.tidy(() => {
    const t = tf.image.resizeBilinear(tf.tensor3d(out.data, [out.height, out.width, 3]), [size[0], size[1]], false, true);
    return t.dataSync() as Float32Array;
  });
  return { height: size[0], width: size[1], data: Float32Array.from(data) };
}

export interface ImageBatchResult {
  /** Undefined when no image could be read. The caller disposes it. */
  readonly batch?: ImageBatch;
  /** Index into `files` of each batch row. */
  readonly rows: readonly number[];
  /** Files that could not be decoded, with the reason. */
  readonly failures: readonly { readonly file: string; readonly message: string }[];
}

/** Decodes and preprocesses image files into one NHWC batch (files that fail are reported, not thrown). */
export async function imageBatchFromFiles(files: readonly string[], loaded: LoadedImageProcessor, jpeg: JpegDecoderPreference = 'auto'): Promise<ImageBatchResult> {
  const images: { height: number; width: number; data: Float32Array }[] = [];
  const rows: number[] = [];
  const failures: { file: string; message: string }[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      failures.push({ file, message: `cannot be read (${(e as Error).message})` });
      continue;
    }
    const decoded = await decodeImage(bytes, jpeg);
    if (!decoded.ok) {
      failures.push({ file, message: decoded.message });
      continue;
    }
    const image = processPixels(decoded.pixels, loaded);
    if (images.length && (image.height !== images[0]!.height || image.width !== images[0]!.width)) {
      failures.push({ file, message: `preprocesses to ${image.height}×${image.width}, unlike the batch's ${images[0]!.height}×${images[0]!.width} (the processor leaves the size free and config.json gives no image_size)` });
      continue;
    }
    images.push(image);
    rows.push(i);
  }
  if (!images.length) return { rows, failures };
  const { height, width } = images[0]!;
  const data = new Float32Array(images.length * height * width * 3);
  images.forEach((img, i) => data.set(img.data, i * height * width * 3));
  return { batch: { kind: 'image', pixelValues: tf.tensor4d(data, [images.length, height, width, 3]) }, rows, failures };
}
