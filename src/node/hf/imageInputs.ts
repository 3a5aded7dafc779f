/**
 * Images into a Hugging Face vision checkpoint: the snapshot's image processor
 * (src/node/hf/imageProcessor.ts — preprocessor_config.json reproduced Pillow-exact: resize,
 * shortest edge, crop_pct, centre crop, rescale, normalise) applied to image files batch by batch,
 * as an HfImageSource for `extract` (`transferlens features --image`) and as an image-folder sample
 * whose batches go through that processor (the pipeline's image branch, which scans and samples
 * folders with src/node/readers/images and keys the feature cache on the processor record).
 * Memory stays bounded by one batch.
 */
import { join } from 'node:path';
import { DatasetError } from '../../core/formats/errors';
import { describeHfImageProcessor, processedSize } from '../../core/formats/hfImageProcessor';
import { defaultPreprocessing, type ImageInputShape, type ImagePreprocessing } from '../../core/formats/imagePreprocess';
import { yieldToEventLoop, CancelledError } from '../../core/model/progress';
import type { ImageFolderResult, ResolvedPreprocessing } from '../readers/images';
import { readJsonFile, type HfImageSource } from './checkpoint';
import { imageBatchFromFiles, loadImageProcessor, type LoadedImageProcessor } from './imageProcessor';

/** Input side assumed for CNN processors that leave the size free (shortest edge without a crop). */
export const DEFAULT_HF_IMAGE_SIDE = 224;

export interface HfImageInputs {
  readonly loaded: LoadedImageProcessor;
  /** The processed image size [height, width, 3]. */
  readonly inputShape: ImageInputShape;
  /** One line for reports: what is done to every image. */
  readonly description: string;
  /**
   * The image path's preprocessing view: a record for scanning (readImageFolder needs one; the
   * pixels come from the processor) with the processor's problems, for findings.
   */
  readonly resolved: ResolvedPreprocessing;
}

/** The image processor of an HF vision checkpoint folder (model folder holding config.json). */
export async function hfImageInputs(folder: string): Promise<HfImageInputs> {
  const config = await readJsonFile(join(folder, 'config.json'));
  const loaded = await loadImageProcessor(folder, config);
  const size = loaded.inputSize ?? (() => {
    const out = processedSize(loaded.processor, DEFAULT_HF_IMAGE_SIDE, DEFAULT_HF_IMAGE_SIDE);
    return [out.height, out.width] as const;
  })();
  const inputShape: ImageInputShape = [size[0], size[1], 3];
  const description = describeHfImageProcessor(loaded.processor) + (loaded.file ? ` (${loaded.file})` : ' (default: no preprocessor_config.json)');
  const record = defaultPreprocessing(inputShape);
  return {
    loaded,
    inputShape,
    description,
    resolved: { preprocessing: { ...record, source: loaded.file ? 'preprocessor_config.json' : 'default', ...(loaded.file ? { configFile: loaded.file } : {}) }, problems: loaded.problems, keysUsed: {} },
  };
}

/** An HfImageSource over files; an undecodable file is a DatasetError naming it (explicit inputs must all be images). */
export function imageFileSource(files: readonly string[], loaded: LoadedImageProcessor): HfImageSource {
  return {
    count: files.length,
    async *batches(batchSize: number) {
      for (let from = 0; from < files.length; from += batchSize) {
        const result = await imageBatchFromFiles(files.slice(from, from + batchSize), loaded);
        if (result.failures.length > 0) {
          result.batch?.pixelValues.dispose();
          const first = result.failures[0]!;
          throw new DatasetError('dataset-invalid', `${first.file}: ${first.message}`);
        }
        if (result.batch) yield result.batch;
      }
    },
  };
}

/**
 * The same folder sample with batches decoded by the HF processor (files that fail are skipped and
 * added to `problems`, as the image-folder reader does) and the processor in its preprocessing
 * record (so the feature cache and the report see it).
 */
export function withHfProcessor(sample: ImageFolderResult, inputs: HfImageInputs, signal?: AbortSignal): ImageFolderResult {
  const labelOf = new Map(sample.files.map((f, i) => [f, sample.labels[i]!]));
  const preprocessing = { ...sample.preprocessing, hfProcessor: inputs.loaded.processor, applied: inputs.description } as ImagePreprocessing & { readonly decoders: { readonly png: string; readonly jpeg: string } };
  return {
    ...sample,
    preprocessing,
    inputShape: inputs.inputShape,
    async *batches(batchSize = 8) {
      const size = Math.max(1, Math.floor(batchSize));
      for (let from = 0; from < sample.files.length; from += size) {
        if (signal?.aborted) throw new CancelledError();
        const chunk = sample.files.slice(from, from + size);
        const result = await imageBatchFromFiles(chunk, inputs.loaded);
        for (const failure of result.failures) sample.problems.push({ file: failure.file, message: `${failure.message}; skipped` });
        if (!result.batch) continue;
        const files = result.rows.map((r) => chunk[r]!);
        yield { images: result.batch.pixelValues, labels: Int32Array.from(files.map((f) => labelOf.get(f)!)), files };
        await yieldToEventLoop();
      }
    },
  };
}
