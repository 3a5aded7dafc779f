/**
 * Images into a Hugging Face vision checkpoint: the checkpoint's preprocessing (its
 * preprocessor_config.json read by the image path's resolver, src/node/readers/images/preprocessing.ts,
 * at the model's own input size) and an HfImageSource over image files for `extract`
 * (src/node/hf/checkpoint.ts), decoding one batch at a time so memory is bounded by the batch.
 *
 * Used by `transferlens features --image` and by the image-folder branch of the pipeline (which
 * reads folders through readImageFolder with the same preprocessing record).
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { DatasetError } from '../../core/formats/errors';
import { applyImagePreprocessing, describePreprocessing, type ImageInputShape, type ImagePreprocessing } from '../../core/formats/imagePreprocess';
import { decodeImage } from '../readers/images/decode';
import { resolveImagePreprocessing, type ResolvedPreprocessing } from '../readers/images/preprocessing';
import type { HfImageSource } from './checkpoint';

/** Input side used when a vision config states no image_size. */
export const DEFAULT_HF_IMAGE_SIDE = 224;

/** The model input [side, side, 3] for an HF vision checkpoint (`imageSize` from its config). */
export function hfInputShape(imageSize: number | undefined): ImageInputShape {
  const side = imageSize && Number.isInteger(imageSize) && imageSize > 0 ? imageSize : DEFAULT_HF_IMAGE_SIDE;
  return [side, side, 3];
}

export interface HfImagePreprocessing extends ResolvedPreprocessing {
  readonly inputShape: ImageInputShape;
  /** One line for reports: what is done to every image. */
  readonly description: string;
}

/** The preprocessing of an HF vision checkpoint folder (preprocessor_config.json, else the default). */
export async function hfImagePreprocessing(folder: string, imageSize: number | undefined): Promise<HfImagePreprocessing> {
  const inputShape = hfInputShape(imageSize);
  const resolved = await resolveImagePreprocessing(folder, inputShape);
  return { ...resolved, inputShape, description: describePreprocessing(resolved.preprocessing) };
}

/** An HfImageSource over files: each batch decoded and preprocessed on demand. Undecodable files throw a DatasetError naming the file. */
export function imageFileSource(files: readonly string[], preprocessing: ImagePreprocessing): HfImageSource {
  return {
    count: files.length,
    async *batches(batchSize: number) {
      for (let from = 0; from < files.length; from += batchSize) {
        const chunk = files.slice(from, from + batchSize);
        const { height, width, channels } = preprocessing;
        const data = new Float32Array(chunk.length * height * width * channels);
        for (const [i, file] of chunk.entries()) {
          let bytes: Buffer;
          try {
            bytes = await readFile(file);
          } catch (e) {
            throw new DatasetError('dataset-missing', `${file}: cannot be read (${(e as Error).message}).`);
          }
          const decoded = await decodeImage(bytes);
          if (!decoded.ok) throw new DatasetError('dataset-invalid', `${file}: ${decoded.message}`);
          data.set(applyImagePreprocessing(decoded.pixels, preprocessing), i * height * width * channels);
        }
        yield tf.tensor4d(data, [chunk.length, height, width, channels]);
      }
    },
  };
}
