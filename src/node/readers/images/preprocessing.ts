/**
 * Finds the image preprocessing for a checkpoint: a Hugging Face `preprocessor_config.json`
 * beside the checkpoint (next to model.json, or inside the checkpoint folder) when present, else
 * the documented default; a user override (setting / config) is applied last.
 * Never throws on user input: an unreadable or malformed file becomes a problem naming it.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  applyOverride,
  defaultPreprocessing,
  parsePreprocessorConfig,
  type ImageInputShape,
  type ImagePreprocessing,
  type ImagePreprocessingOverride,
  type PreprocessingProblem,
} from '../../../core/formats/imagePreprocess';

export interface ResolvedPreprocessing {
  readonly preprocessing: ImagePreprocessing;
  /** Problems in preprocessor_config.json (file + key + message). */
  readonly problems: readonly (PreprocessingProblem & { readonly file: string })[];
  /** Keys of preprocessor_config.json that were used, for display. */
  readonly keysUsed: Readonly<Record<string, unknown>>;
}

/** Where preprocessor_config.json is looked for, given a checkpoint file or folder. */
export async function preprocessorConfigCandidates(checkpointPath: string): Promise<string[]> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(checkpointPath)).isDirectory();
  } catch {
    // A missing checkpoint is someone else's finding; look beside the path anyway.
  }
  const folder = isDirectory ? checkpointPath : dirname(checkpointPath);
  return [join(folder, 'preprocessor_config.json')];
}

export async function resolveImagePreprocessing(
  checkpointPath: string,
  inputShape: ImageInputShape,
  override?: ImagePreprocessingOverride,
): Promise<ResolvedPreprocessing> {
  for (const candidate of await preprocessorConfigCandidates(checkpointPath)) {
    let text: string;
    try {
      text = await readFile(candidate, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      const base = defaultPreprocessing(inputShape, override);
      return { preprocessing: base, problems: [{ file: candidate, key: '', message: `cannot read ${candidate} (${(e as Error).message}); using the default preprocessing` }], keysUsed: {} };
    }
    const parsed = parsePreprocessorConfig(text, candidate, inputShape);
    return {
      preprocessing: override ? applyOverride(parsed.preprocessing, override) : parsed.preprocessing,
      problems: parsed.problems.map((p) => ({ ...p, file: candidate })),
      keysUsed: parsed.keysUsed,
    };
  }
  return { preprocessing: defaultPreprocessing(inputShape, override), problems: [], keysUsed: {} };
}
