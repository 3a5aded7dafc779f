/**
 * `transferlens score`: the classic transferability scores of precomputed features, for people
 * comparing checkpoints from a Python pipeline.
 *
 *   transferlens score --features F.npy --labels Y.(npy|csv) [--source-probs P.npy]
 *                      [--task classification|regression] [--scores logme,leep] [--format json|text]
 *                      [--exact]
 *
 * When N·D² ≥ 2·10⁸ the Gram matrix XᵀX is computed in float32 with TensorFlow.js (WASM) and the
 * rest in float64 (scores then agree with the float64 path to about 1e-6 relative); --exact keeps
 * everything in float64. With the WASM backend and N·D² ≥ 5·10⁹ LogME's Gram runs in worker
 * threads on all cores (src/node/parallelGram.ts; TRANSFERLENS_GRAM_WORKERS=0 turns them off, = k
 * uses k of them from 2·10⁸ on), falling back to the calling thread if they cannot start.
 *
 * Prints {"scores": {...}, "timings": {...}} (plus "errors", "warnings" when non-empty); timings
 * are compute milliseconds per score, file loading excluded. Exit codes: 0 at least one score
 * computed; 2 usage error, unreadable or invalid input (one line on stderr naming the file or
 * argument), or no requested score could be computed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { choiceOption, parseArgs, UsageError } from '../args';
import type { CliIo } from '../io';
import { parseNpy, toFloat64 } from '../../core/formats/npy';
import { parseCsv } from '../../core/formats/csv';
import { matrix, type Matrix } from '../../core/linalg/matrix';
import { computeScores, SCORE_KEYS } from '../../core/metrics/registry';
import { ScoreInputError, type ScoreInput, type ScoreTask } from '../../core/metrics/input';
import { gram } from '../../core/linalg/products';
import { adaptiveGram, LARGE_GRAM_WORK } from '../../core/linalg/tensorGram';
import { initBackend } from '../../node/backend';
import { oneShotParallelGram, parallelGram, precomputedGram, shutdownGramPool, startGramPool } from '../../node/parallelGram';
import { nativeGramWanted, onnxGram } from '../../node/onnxGram';

/** Streams accepted: the CLI's full io or just the two writers (tests, other callers). */
export type ScoreIo = Pick<CliIo, 'stdout' | 'stderr'> & Partial<Pick<CliIo, 'cwd'>>;

/** A problem with an input file: reported as one line, exit code 2. */
class InputFileError extends Error {}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(`${what} ${path}: ${code === 'ENOENT' ? 'file not found' : (error as Error).message}`);
  }
}

function readNpyMatrix(path: string, what: string): Matrix {
  const array = parseNpy(readBytes(path, what), path);
  if (array.shape.length === 1) return matrix(array.shape[0]!, 1, toFloat64(array));
  if (array.shape.length === 2) return matrix(array.shape[0]!, array.shape[1]!, toFloat64(array));
  throw new InputFileError(`${what} ${path}: expected a 1-D or 2-D array, got shape (${array.shape.join(', ')})`);
}

interface Labels {
  /** Numeric N×K values, or undefined when the labels are class names. */
  readonly values?: Matrix;
  /** Class index per row when the labels are (or must be) categorical. */
  readonly names?: string[];
}

/**
 * CSV labels: one or more columns. The first row is a header when it is not numeric and the
 * rows below are, or (for class-name labels) when its value never appears again in the column.
 */
function readCsvLabels(path: string): Labels {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(readBytes(path, '--labels'));
  const records = parseCsv(text, { source: path });
  if (records.length === 0) throw new InputFileError(`--labels ${path}: the file is empty`);
  const isNumber = (field: string) => field.trim() !== '' && Number.isFinite(Number(field));
  const first = records[0]!.fields;
  const rest = records.slice(1);
  const numericBelow = rest.length > 0 && rest.every((r) => r.fields.every(isNumber));
  const firstIsHeader = rest.length > 0 && !first.every(isNumber) &&
    (numericBelow || (first.length === 1 && !rest.some((r) => r.fields[0]!.trim() === first[0]!.trim())));
  const rows = firstIsHeader ? rest : records;
  const width = rows[0]!.fields.length;
  for (const record of rows) {
    if (record.fields.length !== width) {
      throw new InputFileError(`--labels ${path}: line ${record.line} has ${record.fields.length} fields, expected ${width}`);
    }
  }
  if (rows.every((r) => r.fields.every(isNumber))) {
    const values = matrix(rows.length, width);
    rows.forEach((r, i) => r.fields.forEach((f, j) => (values.data[i * width + j] = Number(f))));
    return { values };
  }
  if (width !== 1) throw new InputFileError(`--labels ${path}: non-numeric values need a single label column, got ${width} columns`);
  return { names: rows.map((r) => r.fields[0]!.trim()) };
}

function buildInput(features: Matrix, labels: Labels, task: ScoreTask | undefined, sourceProbabilities: Matrix | undefined, labelsPath: string): ScoreInput {
  if (labels.names) {
    if (task === 'regression') throw new InputFileError(`--labels ${labelsPath}: class names cannot be regression targets`);
    const distinct = [...new Set(labels.names)].sort();
    const index = new Map(distinct.map((name, i) => [name, i]));
    return { features, labels: Int32Array.from(labels.names, (n) => index.get(n)!), sourceProbabilities, task: 'classification' };
  }
  const values = labels.values!;
  const integral = values.data.every((v) => Number.isInteger(v) && v >= 0);
  const chosen: ScoreTask = task ?? (values.cols === 1 && integral ? 'classification' : 'regression');
  if (chosen === 'classification') {
    if (values.cols !== 1) {
      throw new InputFileError(`--labels ${labelsPath}: classification needs one label per sample, got ${values.cols} columns (use --task regression for targets)`);
    }
    if (!integral) {
      const bad = values.data.findIndex((v) => !Number.isInteger(v) || v < 0);
      throw new InputFileError(`--labels ${labelsPath}: row ${bad} is ${values.data[bad]}; class labels must be non-negative integers (or use --task regression)`);
    }
    return { features, labels: Int32Array.from(values.data), sourceProbabilities, task: 'classification' };
  }
  return { features, targets: values, sourceProbabilities, task: 'regression' };
}

function formatText(result: ReturnType<typeof computeScores>): string {
  const keys = Object.keys(result.scores);
  const width = Math.max(5, ...keys.map((k) => k.length), ...Object.keys(result.errors).map((k) => k.length));
  const lines = [`${'score'.padEnd(width)}  ${'value'.padStart(14)}  ${'ms'.padStart(9)}`];
  for (const key of keys) {
    const warning = result.warnings[key] ? `  (${result.warnings[key]})` : '';
    lines.push(`${key.padEnd(width)}  ${result.scores[key]!.toPrecision(8).padStart(14)}  ${result.timings[key]!.toFixed(1).padStart(9)}${warning}`);
  }
  for (const [key, message] of Object.entries(result.errors)) lines.push(`${key.padEnd(width)}  ${'error'.padStart(14)}  ${message}`);
  return lines.join('\n') + '\n';
}

/** Runs `transferlens score`; returns the exit code. Never throws on user input. */
export async function runScore(argv: readonly string[], io: ScoreIo): Promise<number> {
  try {
    const args = parseArgs(argv, { options: ['features', 'labels', 'source-probs', 'task', 'scores', 'format'], flags: ['exact'] });
    if (args.positionals.length) throw new UsageError(`score takes no positional arguments, got '${args.positionals[0]}'`);
    const featuresPath = args.options.get('features');
    const labelsPath = args.options.get('labels');
    if (!featuresPath) throw new UsageError('score needs --features F.npy');
    if (!labelsPath) throw new UsageError('score needs --labels Y.npy or Y.csv');
    const format = choiceOption(args, 'format', ['json', 'text'] as const, 'json');
    const taskOption = args.options.has('task') ? choiceOption(args, 'task', ['classification', 'regression'] as const, 'classification') : undefined;
    const scores = args.options.get('scores')?.split(',').map((s) => s.trim()).filter(Boolean);
    if (scores) {
      const unknown = scores.filter((s) => !SCORE_KEYS.includes(s));
      if (unknown.length) throw new UsageError(`--scores: unknown score '${unknown[0]}'; known: ${SCORE_KEYS.join(',')}`);
    }
    const cwd = io.cwd ?? process.cwd();
    const features = readNpyMatrix(resolve(cwd, featuresPath), '--features');
    const labelsFile = resolve(cwd, labelsPath);
    const labels = /\.csv$/i.test(labelsFile) ? readCsvLabels(labelsFile) : { values: readNpyMatrix(labelsFile, '--labels') };
    const sourcePath = args.options.get('source-probs');
    const sourceProbabilities = sourcePath ? readNpyMatrix(resolve(cwd, sourcePath), '--source-probs') : undefined;
    const input = buildInput(features, labels, taskOption, sourceProbabilities, labelsFile);
    // Large inputs: XᵀX in float32 on the TF.js backend (see tensorGram.ts); --exact keeps float64.
    const work = features.rows * features.cols * features.cols;
    const large = work >= LARGE_GRAM_WORK && !args.flags.has('exact');
    let gramOption = large ? adaptiveGram(gram) : undefined;
    // LogME's Gram (N > D) on all cores when that beats starting the worker threads: computed
    // before the synchronous computeScores, which then gets it back for these features. Only for
    // WASM: native TensorFlow is multi-threaded itself.
    const logmeGram = large && features.rows > features.cols && (!scores || scores.includes('logme'));
    // onnxruntime-node's native SGEMM when it loads (issue #16; bench/logme-bench.ts --gram onnx).
    const native = logmeGram && nativeGramWanted(work);
    const parallel = logmeGram && !native && oneShotParallelGram(work);
    if (parallel) void startGramPool(); // the workers start while this thread loads its backend
    let gramMs = 0;
    try {
      const backend = large ? await initBackend('auto') : undefined;
      if (native) {
        const start = performance.now();
        const nativeGram = await onnxGram(features);
        if (nativeGram) gramOption = precomputedGram(features, nativeGram, gramOption!);
        gramMs = performance.now() - start;
      } else if (parallel && backend?.name === 'wasm') {
        const start = performance.now();
        gramOption = precomputedGram(features, await parallelGram(features), gramOption!);
        gramMs = performance.now() - start;
      }
    } finally {
      if (parallel) await shutdownGramPool();
    }
    const result = computeScores(input, { scores, gram: gramOption });
    // LogME's timing includes its Gram, wherever it ran.
    if (result.timings.logme !== undefined) result.timings.logme += gramMs;
    if (format === 'json') {
      const output: Record<string, unknown> = { scores: result.scores, timings: result.timings };
      if (Object.keys(result.errors).length) output.errors = result.errors;
      if (Object.keys(result.warnings).length) output.warnings = result.warnings;
      io.stdout(JSON.stringify(output, null, 2) + '\n');
    } else {
      io.stdout(formatText(result));
    }
    if (Object.keys(result.scores).length === 0) {
      io.stderr(`transferlens score: no score could be computed: ${Object.values(result.errors)[0] ?? 'nothing applies'}`);
      return 2;
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputFileError || error instanceof ScoreInputError || (error instanceof Error && error.name === 'FormatError') || (error instanceof Error && error.name === 'DatasetError')) {
      io.stderr(`transferlens score: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
