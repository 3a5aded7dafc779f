/**
 * `transferlens features`: run a Hugging Face checkpoint (a Hub id in the local cache, or a folder
 * with config.json) on texts, images or a dataset, and write the features — to cache or inspect
 * them, or to feed `transferlens score` / `features_file`.
 *
 *   transferlens features <model> (--text T … | --image F … | --dataset D)
 *                         [--out F.npy] [--format json|none] [--pooling mean|cls|last|pooler|gap]
 *                         [--layer N|-k] [--batch-size N] [--max-length N] [--max-samples N]
 *                         [--text-column C] [--max-model-parameters N] [--engine auto|tfjs|onnx]
 *                         [--backend auto|wasm|cpu|tensorflow]
 *
 * `--out` writes an N × D float32 `.npy` (rows in input order); `--format json` (the default
 * without --out) prints `{model, pooling, layer, inputs: [{text | image, tokenIds, features}]}` on
 * stdout, `tokenIds` being the ids after the tokenizer's special tokens are added and truncation.
 * Progress (samples/s, ETA) goes to stderr on a terminal. Before loading, the guard rails
 * (src/node/hf/guard.ts) estimate memory and time: a model over --max-model-parameters (default
 * 350 M) or over the memory this process can use is not loaded (exit 2, the estimate on stderr).
 * Exit codes: 0 written; 2 usage error or invalid input (one line naming the file or argument);
 * 130 cancelled.
 */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { CheckpointError, DatasetError, FormatError } from '../../core/formats/errors';
import { writeNpy } from '../../core/formats/npy';
import type { Matrix } from '../../core/linalg/matrix';
import { initBackend } from '../../node/backend';
import { loadHfCheckpoint, type HfCheckpoint, type HfEngine, type HfInputs } from '../../node/hf/checkpoint';
import { decideHfRun, DEFAULT_MAX_MODEL_PARAMETERS, estimateHfCost } from '../../node/hf/guard';
import { hfImageInputs, imageFileSource } from '../../node/hf/imageInputs';
import { inspectHfSnapshot } from '../../node/hf/snapshot';
import type { Pooling } from '../../node/hf/types';
import { readImageFolder } from '../../node/readers/images';
import { readTextDataset } from '../../node/readers/textDataset';
import { findHubSnapshot, hubCacheRoots, inspectPath, looksLikeHubId } from '../../node/resolve';
import { choiceOption, intOption, parseArgs, UsageError } from '../args';
import type { CliIo } from '../io';

const POOLINGS = ['mean', 'cls', 'last', 'pooler', 'gap'] as const;

/** A problem with the command's inputs: one line on stderr, exit code 2. */
class FeaturesInputError extends Error {}

export interface FeaturesIo extends Pick<CliIo, 'stdout' | 'stderr' | 'cwd'> {
  readonly progress?: CliIo['progress'];
  readonly isTTY?: boolean;
  readonly signal?: AbortSignal;
  /** Environment for HF_HOME / HF_HUB_CACHE (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A model reference → the checkpoint folder (and Hub id), or an input error saying what to do. */
export function resolveModelReference(reference: string, cwd: string, env: Readonly<Record<string, string | undefined>>): { folder: string; hubId?: string } {
  const path = resolve(cwd, reference);
  if (existsSync(path)) {
    const folder = statSync(path).isDirectory() ? path : basename(path) === 'config.json' ? dirname(path) : undefined;
    if (!folder) throw new FeaturesInputError(`${path} is a file; pass the Hugging Face model folder (the one holding config.json) or a Hub id.`);
    return { folder };
  }
  if (looksLikeHubId(reference)) {
    let home: string | undefined;
    try {
      home = homedir();
    } catch {
      home = undefined;
    }
    const lookup = findHubSnapshot(reference, 'model', hubCacheRoots(env, home));
    if (lookup.snapshot) return { folder: lookup.snapshot, hubId: reference };
    throw new FeaturesInputError(`'${reference}' is not a local folder and is not in the local Hugging Face cache (looked for ${lookup.searched[0] ?? `models--${reference.replace('/', '--')}`}). TransferLens never downloads: run \`huggingface-cli download ${reference}\`, or set HF_HOME / HF_HUB_CACHE to the cache that has it.`);
  }
  throw new FeaturesInputError(`${path} does not exist; pass a Hugging Face model folder or a Hub id (org/name) from the local cache.`);
}

function floatRows(m: Matrix, row: number): number[] {
  return Array.from(m.data.subarray(row * m.cols, (row + 1) * m.cols), (v) => Math.fround(v));
}

/** Runs `transferlens features`; returns the exit code. Never throws on user input. */
export async function runFeatures(argv: readonly string[], io: FeaturesIo): Promise<number> {
  let checkpoint: HfCheckpoint | undefined;
  try {
    const args = parseArgs(argv, {
      options: ['text', 'pair', 'image', 'dataset', 'out', 'format', 'pooling', 'layer', 'batch-size', 'max-length', 'max-samples', 'text-column', 'max-model-parameters', 'engine', 'backend', 'seed'],
      flags: ['debug', 'verbose', 'quiet'],
    });
    if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'features needs a model: transferlens features <model folder or Hub id> --text "…"' : `features takes one model, got ${args.positionals.length} positional arguments`);
    const texts = args.lists.get('text') ?? [];
    const pairs = args.lists.get('pair');
    const images = (args.lists.get('image') ?? []).map((f) => resolve(io.cwd, f));
    const dataset = args.options.get('dataset');
    const sources = [texts.length > 0, images.length > 0, dataset !== undefined].filter(Boolean).length;
    if (sources === 0) throw new UsageError('features needs inputs: --text "…" (repeatable), --image file (repeatable) or --dataset path');
    if (sources > 1) throw new UsageError('give one kind of input: --text, --image or --dataset');
    if (pairs && pairs.length !== texts.length) throw new UsageError(`--pair must be given once per --text (${texts.length} texts, ${pairs.length} pairs)`);
    const out = args.options.get('out');
    const format = choiceOption(args, 'format', ['json', 'none'] as const, out ? 'none' : 'json');
    const pooling = args.options.has('pooling') ? choiceOption(args, 'pooling', POOLINGS, 'mean') as Pooling : undefined;
    const layerText = args.options.get('layer');
    if (layerText !== undefined && !/^[+-]?\d+$/.test(layerText.trim())) throw new UsageError(`--layer must be an integer (0 … last, or −k from the end), got '${layerText}'`);
    const batchSize = intOption(args, 'batch-size', 1);
    const maxLength = intOption(args, 'max-length', 2);
    const maxSamples = intOption(args, 'max-samples', 1) ?? 2000;
    const maxParameters = intOption(args, 'max-model-parameters', 1) ?? DEFAULT_MAX_MODEL_PARAMETERS;
    const engine = choiceOption(args, 'engine', ['auto', 'tfjs', 'onnx'] as const, 'auto') as HfEngine;
    const backendChoice = choiceOption(args, 'backend', ['auto', 'wasm', 'cpu', 'tensorflow'] as const, 'auto');
    const seed = intOption(args, 'seed', 0) ?? 0;
    const env = io.env ?? process.env;
    const { folder, hubId } = resolveModelReference(args.positionals[0]!, io.cwd, env);
    const showProgress = !args.flags.has('quiet') && (io.isTTY || args.flags.has('verbose'));
    const say = (line: string) => {
      if (!showProgress) return;
      if (io.isTTY && io.progress) io.progress(line);
      else io.stderr(line);
    };

    // The snapshot must hold weights (or an ONNX export) before anything heavy happens.
    const snapshot = await inspectHfSnapshot(folder);
    if (snapshot.status === 'no-config') throw new FeaturesInputError(`${folder} has no config.json: it is not a Hugging Face model folder (or only part of it was downloaded).`);
    if (snapshot.configProblem) throw new FeaturesInputError(snapshot.configProblem);
    if (snapshot.weights.problem) throw new FeaturesInputError(snapshot.weights.problem);
    if (snapshot.status === 'weights-not-downloaded' && snapshot.onnx.length === 0) {
      const missing = snapshot.weights.missingShards.length > 0 ? ` (absent shards: ${snapshot.weights.missingShards.slice(0, 3).join(', ')}${snapshot.weights.missingShards.length > 3 ? ', …' : ''})` : '';
      throw new FeaturesInputError(`${folder} holds the configuration but not the weights${missing}: download them (\`huggingface-cli download ${hubId ?? '<repo>'}\`) or point at a folder with model.safetensors.`);
    }

    // Guard rails before loading (the dataset size is not known yet: assume maxSamples for it).
    const planned = dataset ? maxSamples : Math.max(texts.length, images.length);
    const estimate = await estimateHfCost(snapshot.modelFolder, { samples: planned, sequenceLength: maxLength ?? 128, ...(batchSize ? { batchSize } : {}), engine: engine === 'onnx' ? 'onnx' : 'tfjs' });
    if (estimate) {
      const decision = decideHfRun(estimate, { maxModelParameters: maxParameters, timeBudgetSeconds: Number.POSITIVE_INFINITY, minSamples: 1 });
      if (decision.action !== 'run' || estimate.parameters > maxParameters) {
        const over = estimate.parameters > maxParameters ? ` Pass --max-model-parameters ${Math.ceil(estimate.parameters / 1e6) * 1e6} to run it anyway.` : '';
        throw new FeaturesInputError(`${decision.message?.split('\n')[0] ?? `The checkpoint has ${estimate.parameters.toLocaleString('en-US')} parameters, over --max-model-parameters ${maxParameters.toLocaleString('en-US')}.`}${over}`);
      }
    }

    const backend = await initBackend(backendChoice);
    say(`loading ${hubId ?? folder}`);
    checkpoint = await loadHfCheckpoint(folder, { engine, ...(hubId ? { hubId } : {}), signal: io.signal });
    const info = checkpoint.info;
    const resolved = checkpoint.resolve({ pooling, layer: layerText });

    let inputs: HfInputs;
    let described: { text?: string; pair?: string; image?: string; tokenIds?: readonly number[] }[];
    if (info.modality === 'text') {
      if (images.length > 0) throw new FeaturesInputError(`${hubId ?? folder} is a text model (${info.modelType}); pass --text, not --image.`);
      let allTexts = texts;
      let allPairs = pairs;
      if (dataset) {
        const column = args.options.get('text-column');
        const sample = await readTextDataset(resolve(io.cwd, dataset), { spec: { ...(column ? { textColumns: [column] } : {}) }, maxRows: maxSamples, seed, signal: io.signal });
        allTexts = sample.texts;
        allPairs = sample.pairs;
      }
      const encodings = checkpoint.tokenize(allTexts, allPairs, maxLength);
      described = allTexts.map((text, i) => ({ text, ...(allPairs ? { pair: allPairs[i] } : {}), tokenIds: encodings[i]!.ids }));
      inputs = { texts: allTexts, ...(allPairs ? { pairs: allPairs } : {}) };
    } else {
      if (texts.length > 0) throw new FeaturesInputError(`${hubId ?? folder} is an image model (${info.modelType}); pass --image, not --text.`);
      const prep = await hfImageInputs(snapshot.modelFolder);
      for (const problem of prep.loaded.problems) io.stderr(`transferlens features: ${problem.message.includes(problem.file) ? '' : `${problem.file}: `}${problem.key ? `${problem.key}: ` : ''}${problem.message}`);
      let files = images;
      if (dataset) {
        const root = resolve(io.cwd, dataset);
        const found = await inspectPath(root);
        if (!found || found.format !== 'image-folder') throw new FeaturesInputError(`${root} is not an image folder (one subfolder per class holding PNG/JPEG files).`);
        const folderSample = await readImageFolder(root, { inputShape: prep.inputShape, preprocessing: prep.resolved.preprocessing, maxImages: maxSamples, seed, signal: io.signal });
        files = [...folderSample.files];
      }
      described = files.map((image) => ({ image }));
      inputs = { images: imageFileSource(files, prep.loaded) };
    }

    const features = await checkpoint.extract(inputs, {
      pooling: resolved.pooling,
      layer: resolved.layer,
      ...(batchSize ? { batchSize } : {}),
      ...(maxLength ? { maxLength } : {}),
      signal: io.signal,
      onProgress: (event) => say(`${event.fraction !== undefined ? Math.round(event.fraction * 100) + '% ' : ''}${event.message}`),
    });
    if (io.isTTY && io.progress) io.progress('');

    if (out) {
      const target = resolve(io.cwd, out);
      await writeFile(target, writeNpy({ shape: [features.rows, features.cols], dtype: 'float32', data: features.data }));
      if (!args.flags.has('quiet')) io.stderr(`transferlens features: wrote ${features.rows} × ${features.cols} float32 features to ${target} (${info.modelType}, pooling ${resolved.pooling}, layer ${resolved.layer} of ${info.numLayers}, ${info.engine} on ${backend.name})`);
    }
    if (format === 'json') {
      const result = {
        model: hubId ?? folder,
        folder,
        ...(info.revision ? { revision: info.revision } : {}),
        modelType: info.modelType,
        engine: info.engine,
        pooling: resolved.pooling,
        poolingReason: resolved.poolingReason,
        layer: resolved.layer,
        numLayers: info.numLayers,
        ...(info.tokenizer ? { maxLength: maxLength ?? info.tokenizer.maxLength, tokenizer: info.tokenizer.model } : {}),
        dimensions: features.cols,
        inputs: described.map((d, i) => ({ ...d, features: floatRows(features, i) })),
      };
      io.stdout(JSON.stringify(result) + '\n');
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof FeaturesInputError || error instanceof CheckpointError || error instanceof DatasetError || error instanceof FormatError) {
      io.stderr(`transferlens features: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    checkpoint?.dispose();
  }
}
