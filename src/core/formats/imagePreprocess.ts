/**
 * Image preprocessing, explicit and visible: the pure half of the image pipeline.
 *
 * - `parsePreprocessorConfig` turns a Hugging Face `preprocessor_config.json` (do_resize/size,
 *   do_rescale/rescale_factor, do_normalize/image_mean/image_std) into an `ImagePreprocessing`
 *   record, with problems as plain values (never throws on user input).
 * - `defaultPreprocessing` is what runs when no such file exists (documented in docs/vision.md).
 * - `applyImagePreprocessing` maps decoded pixels (any size, 1–4 channels, 8 or 16 bit) to the
 *   model's input layout [height, width, channels] as float32, in the order
 *   channels → resize → rescale → normalize (the Hugging Face image processors' order).
 * - `featureDegeneracy` / `degenerateFeaturesFinding` warn when a wrong preprocessing made most
 *   features dead or constant, which silently ruins the verdict.
 *
 * The record is what the report and the JSON output print under `preprocessing`, and it is part
 * of the feature-cache key, so everything that changes pixels must live in it.
 */
import type { Matrix } from '../linalg/matrix';
import type { Finding } from '../model/finding';
import type { Range } from '../model/range';
import { FILE_START } from '../model/range';
import { codeInfo } from '../model/codes';

/** Exactly what is done to every image before it reaches the model. */
export interface ImagePreprocessing {
  /** Where the settings came from. */
  readonly source: 'preprocessor_config.json' | 'default' | 'override';
  /** Absolute path of the preprocessor_config.json when `source` is that file. */
  readonly configFile?: string;
  /** Output size; always the model's input size (a differing config size is reported as a problem). */
  readonly height: number;
  readonly width: number;
  /** Output channels: 1 (grayscale) or 3 (RGB) or 4 (RGBA). */
  readonly channels: number;
  /** How the channel count is adapted, in words, e.g. "gray→RGB: replicate; RGBA→RGB: drop alpha". */
  readonly channelPolicy: string;
  /** `bilinear-antialiased` (PIL-style triangle filter, widened when shrinking). */
  readonly resample: 'bilinear-antialiased';
  /** Multiply pixel values (on the 0–255 scale, 16-bit images are scaled to it first) by this; null = not rescaled. */
  readonly rescaleFactor: number | null;
  /** Per-channel (x − mean) / std after rescaling; null = not normalized. */
  readonly mean: readonly number[] | null;
  readonly std: readonly number[] | null;
  /** Memory layout of the model input. */
  readonly layout: 'NHWC';
}

/** A user override (setting or config); every field optional. */
export interface ImagePreprocessingOverride {
  readonly rescaleFactor?: number | null;
  readonly mean?: readonly number[] | null;
  readonly std?: readonly number[] | null;
}

export interface PreprocessingProblem {
  /** Key in preprocessor_config.json the problem is about (or '' for the whole file). */
  readonly key: string;
  readonly message: string;
}

export interface PreprocessingParseResult {
  readonly preprocessing: ImagePreprocessing;
  readonly problems: readonly PreprocessingProblem[];
  /** Keys read from the file that change pixels, for display, e.g. {do_rescale: true, ...}. */
  readonly keysUsed: Readonly<Record<string, unknown>>;
}

/** Model input shape [height, width, channels] (NHWC without the batch axis). */
export type ImageInputShape = readonly [number, number, number];

function channelPolicyFor(channels: number): string {
  if (channels === 1) return 'RGB/RGBA→gray: luminance 0.299R+0.587G+0.114B; alpha dropped';
  if (channels === 3) return 'gray→RGB: replicate; RGBA→RGB: drop alpha';
  return 'gray→RGBA: replicate, opaque alpha; RGB→RGBA: opaque alpha';
}

function assertInputShape(shape: ImageInputShape): void {
  const [h, w, c] = shape;
  if (!(Number.isInteger(h) && h > 0 && Number.isInteger(w) && w > 0)) {
    throw new RangeError(`image input shape must have positive integer height and width, got [${shape.join(', ')}]`);
  }
  if (c !== 1 && c !== 3 && c !== 4) {
    throw new RangeError(`image input shape must have 1, 3 or 4 channels, got ${c}`);
  }
}

/**
 * The default when no preprocessor_config.json exists: resize to the model input, scale pixels to
 * [0, 1] (rescale 1/255), no mean/std normalization. This matches Keras/TF.js models that expect
 * [0, 1] inputs (e.g. the nsfwjs MobileNetV2); models trained on ImageNet-normalized inputs need
 * a preprocessor_config.json or an override with `mean`/`std`.
 */
export function defaultPreprocessing(inputShape: ImageInputShape, override?: ImagePreprocessingOverride): ImagePreprocessing {
  assertInputShape(inputShape);
  const base: ImagePreprocessing = {
    source: 'default',
    height: inputShape[0],
    width: inputShape[1],
    channels: inputShape[2],
    channelPolicy: channelPolicyFor(inputShape[2]),
    resample: 'bilinear-antialiased',
    rescaleFactor: 1 / 255,
    mean: null,
    std: null,
    layout: 'NHWC',
  };
  return override ? applyOverride(base, override) : base;
}

/** Applies a user override on top of any preprocessing; the result's source is `override`. */
export function applyOverride(base: ImagePreprocessing, override: ImagePreprocessingOverride): ImagePreprocessing {
  const has = (k: keyof ImagePreprocessingOverride): boolean => Object.prototype.hasOwnProperty.call(override, k);
  if (!has('rescaleFactor') && !has('mean') && !has('std')) return base;
  const mean = has('mean') ? broadcast(override.mean ?? null, base.channels) : base.mean;
  const std = has('std') ? broadcast(override.std ?? null, base.channels) : base.std;
  return {
    ...base,
    source: 'override',
    rescaleFactor: has('rescaleFactor') ? (override.rescaleFactor ?? null) : base.rescaleFactor,
    // mean and std travel together: one without the other normalizes with a default for the other.
    mean: mean ?? (std ? new Array<number>(base.channels).fill(0) : null),
    std: std ?? (mean ? new Array<number>(base.channels).fill(1) : null),
  };
}

function broadcast(values: readonly number[] | null, channels: number): number[] | null {
  if (!values) return null;
  if (values.length === channels) return [...values];
  if (values.length === 1) return new Array<number>(channels).fill(values[0]!);
  if (values.length === 3 && channels === 1) return [values.reduce((a, b) => a + b, 0) / 3];
  return null;
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/**
 * Parses a Hugging Face preprocessor_config.json. The output size is always the model's input
 * size (the network cannot take anything else); when the file asks for another size, a problem
 * says so. Unknown image-processor keys that would change pixels (center crop, channel order)
 * are reported as ignored rather than silently skipped.
 */
export function parsePreprocessorConfig(
  text: string,
  file: string,
  inputShape: ImageInputShape,
): PreprocessingParseResult {
  assertInputShape(inputShape);
  const problems: PreprocessingProblem[] = [];
  const fallback = (): PreprocessingParseResult => ({ preprocessing: defaultPreprocessing(inputShape), problems, keysUsed: {} });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    problems.push({ key: '', message: `${file} is not valid JSON (${e instanceof Error ? e.message : String(e)}); using the default preprocessing` });
    return fallback();
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    problems.push({ key: '', message: `${file} must hold a JSON object; using the default preprocessing` });
    return fallback();
  }
  const cfg = json as Record<string, unknown>;
  const keysUsed: Record<string, unknown> = {};
  const channels = inputShape[2];
  const bool = (key: string, dflt: boolean): boolean => {
    const v = cfg[key];
    if (v === undefined) return dflt;
    keysUsed[key] = v;
    if (typeof v === 'boolean') return v;
    problems.push({ key, message: `${key} must be true or false, found ${JSON.stringify(v)}; using ${dflt}` });
    return dflt;
  };

  // Hugging Face defaults when a key is absent: resize, rescale by 1/255, normalize (ImageNet-style processors).
  const doResize = bool('do_resize', true);
  if (doResize && cfg.size !== undefined) {
    keysUsed.size = cfg.size;
    const want = requestedSize(cfg.size);
    if (!want) {
      problems.push({ key: 'size', message: `size ${JSON.stringify(cfg.size)} is not a number, {height, width} or {shortest_edge}; resizing to the model input ${inputShape[0]}×${inputShape[1]}` });
    } else if ('shortestEdge' in want) {
      if (want.shortestEdge !== Math.min(inputShape[0], inputShape[1])) {
        problems.push({ key: 'size', message: `size.shortest_edge ${want.shortestEdge} differs from the model input ${inputShape[0]}×${inputShape[1]}; resizing to the model input` });
      }
    } else if (want.height !== inputShape[0] || want.width !== inputShape[1]) {
      problems.push({ key: 'size', message: `size ${want.height}×${want.width} differs from the model input ${inputShape[0]}×${inputShape[1]}; resizing to the model input` });
    }
  }
  if (!doResize) {
    problems.push({ key: 'do_resize', message: `do_resize is false but the model needs ${inputShape[0]}×${inputShape[1]} inputs; images are resized anyway` });
  }

  let rescaleFactor: number | null = null;
  if (bool('do_rescale', true)) {
    const v = cfg.rescale_factor;
    if (v === undefined) rescaleFactor = 1 / 255;
    else if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
      rescaleFactor = v;
      keysUsed.rescale_factor = v;
    } else {
      problems.push({ key: 'rescale_factor', message: `rescale_factor must be a positive number, found ${JSON.stringify(v)}; using 1/255` });
      rescaleFactor = 1 / 255;
    }
  }

  let mean: number[] | null = null;
  let std: number[] | null = null;
  if (bool('do_normalize', true)) {
    const rawMean = cfg.image_mean ?? [0.5, 0.5, 0.5];
    const rawStd = cfg.image_std ?? [0.5, 0.5, 0.5];
    if (cfg.image_mean !== undefined) keysUsed.image_mean = cfg.image_mean;
    if (cfg.image_std !== undefined) keysUsed.image_std = cfg.image_std;
    const m = typeof rawMean === 'number' ? [rawMean] : rawMean;
    const s = typeof rawStd === 'number' ? [rawStd] : rawStd;
    mean = isNumberArray(m) ? broadcast(m, channels) : null;
    std = isNumberArray(s) ? broadcast(s, channels) : null;
    if (!mean) problems.push({ key: 'image_mean', message: `image_mean ${JSON.stringify(rawMean)} does not fit ${channels} channels; not normalizing` });
    if (!std) problems.push({ key: 'image_std', message: `image_std ${JSON.stringify(rawStd)} does not fit ${channels} channels; not normalizing` });
    else if (std.some((x) => x === 0)) {
      problems.push({ key: 'image_std', message: 'image_std contains 0 (division by zero); not normalizing' });
      std = null;
    }
    if (!mean || !std) {
      mean = null;
      std = null;
    }
  }

  for (const key of ['do_center_crop', 'do_convert_rgb', 'do_flip_channel_order', 'do_pad']) {
    if (cfg[key] === true && key !== 'do_convert_rgb') {
      problems.push({ key, message: `${key} is not applied by TransferLens (images are resized to the model input directly); features may differ slightly from training` });
    }
  }

  return {
    preprocessing: {
      source: 'preprocessor_config.json',
      configFile: file,
      height: inputShape[0],
      width: inputShape[1],
      channels,
      channelPolicy: channelPolicyFor(channels),
      resample: 'bilinear-antialiased',
      rescaleFactor,
      mean,
      std,
      layout: 'NHWC',
    },
    problems,
    keysUsed,
  };
}

type RequestedSize = { height: number; width: number } | { shortestEdge: number };

function requestedSize(v: unknown): RequestedSize | undefined {
  const positive = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;
  if (positive(v)) return { height: v, width: v };
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (positive(o.height) && positive(o.width)) return { height: o.height, width: o.width };
    if (positive(o.shortest_edge)) return { shortestEdge: o.shortest_edge };
  }
  return undefined;
}

/** Decoded pixels as a decoder hands them over: interleaved rows, `channels` values per pixel. */
export interface DecodedPixels {
  readonly width: number;
  readonly height: number;
  /** 1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA. */
  readonly channels: number;
  /** 8 or 16; 16-bit values are scaled to 0–255 so one rescale factor fits both. */
  readonly bitDepth: 8 | 16;
  readonly data: Uint8Array | Uint8ClampedArray | Uint16Array;
}

/**
 * Converts pixels to `outChannels` channels, on the 0–255 scale, as float32.
 * Gray is replicated into RGB, alpha is dropped (like PIL's convert('RGB'), no compositing),
 * colour becomes gray by ITU-R 601 luminance (like PIL's convert('L')).
 */
export function adaptChannels(pixels: DecodedPixels, outChannels: number): Float32Array {
  const { width, height, channels, data } = pixels;
  if (channels < 1 || channels > 4) throw new RangeError(`adaptChannels: ${channels} channels is not supported`);
  const count = width * height;
  if (data.length < count * channels) {
    throw new RangeError(`adaptChannels: ${data.length} values for ${width}×${height}×${channels}`);
  }
  const scale = pixels.bitDepth === 16 ? 255 / 65535 : 1;
  const out = new Float32Array(count * outChannels);
  const hasColour = channels >= 3;
  const hasAlpha = channels === 2 || channels === 4;
  for (let p = 0; p < count; p++) {
    const src = p * channels;
    let r: number, g: number, b: number;
    if (hasColour) {
      r = data[src]! * scale;
      g = data[src + 1]! * scale;
      b = data[src + 2]! * scale;
    } else {
      r = g = b = data[src]! * scale;
    }
    const dst = p * outChannels;
    if (outChannels === 1) {
      out[dst] = hasColour ? 0.299 * r + 0.587 * g + 0.114 * b : r;
    } else {
      out[dst] = r;
      out[dst + 1] = g;
      out[dst + 2] = b;
      if (outChannels === 4) out[dst + 3] = hasAlpha ? data[src + channels - 1]! * scale : 255;
    }
  }
  return out;
}

/**
 * Separable resampling with a triangle (bilinear) kernel whose support widens by the shrink
 * factor, like PIL's `Image.resize(..., BILINEAR)`: upscaling is plain bilinear, downscaling
 * averages every source pixel instead of skipping most of them (no aliasing).
 * Input and output are interleaved HWC float32.
 */
export function resizeBilinear(
  input: Float32Array,
  height: number,
  width: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  if (input.length !== height * width * channels) {
    throw new RangeError(`resizeBilinear: ${input.length} values for ${height}×${width}×${channels}`);
  }
  if (height === outHeight && width === outWidth) return input.slice();
  // Horizontal pass: height × outWidth, then vertical pass: outHeight × outWidth.
  const horizontal = resampleAxis(width, outWidth);
  const temp = new Float32Array(height * outWidth * channels);
  for (let y = 0; y < height; y++) {
    const rowIn = y * width * channels;
    const rowOut = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const { start, weights } = horizontal[x]!;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += weights[k]! * input[rowIn + (start + k) * channels + c]!;
        temp[rowOut + x * channels + c] = sum;
      }
    }
  }
  const vertical = resampleAxis(height, outHeight);
  const out = new Float32Array(outHeight * outWidth * channels);
  const rowLength = outWidth * channels;
  for (let y = 0; y < outHeight; y++) {
    const { start, weights } = vertical[y]!;
    const rowOut = y * rowLength;
    for (let k = 0; k < weights.length; k++) {
      const w = weights[k]!;
      const rowIn = (start + k) * rowLength;
      for (let i = 0; i < rowLength; i++) out[rowOut + i] += w * temp[rowIn + i]!;
    }
  }
  return out;
}

interface AxisTap {
  readonly start: number;
  readonly weights: Float64Array;
}

/** Per output index: first source index and normalized triangle-filter weights (PIL's precompute_coeffs). */
function resampleAxis(inSize: number, outSize: number): AxisTap[] {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale; // the triangle kernel has support 1
  const taps: AxisTap[] = [];
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const start = Math.max(0, Math.floor(centre - support + 0.5));
    const end = Math.min(inSize, Math.floor(centre + support + 0.5));
    const weights = new Float64Array(Math.max(1, end - start));
    let total = 0;
    for (let j = start; j < end; j++) {
      const w = Math.max(0, 1 - Math.abs((j - centre + 0.5) / filterScale));
      weights[j - start] = w;
      total += w;
    }
    if (total > 0) for (let k = 0; k < weights.length; k++) weights[k] /= total;
    else weights[0] = 1;
    taps.push({ start: Math.min(start, inSize - 1), weights });
  }
  return taps;
}

/**
 * Decoded pixels → model input values (HWC float32 of length height×width×channels), applying
 * exactly the steps in `preprocessing`: channels → resize → rescale → normalize.
 */
export function applyImagePreprocessing(pixels: DecodedPixels, preprocessing: ImagePreprocessing): Float32Array {
  const { height, width, channels, rescaleFactor, mean, std } = preprocessing;
  const adapted = adaptChannels(pixels, channels);
  const resized = resizeBilinear(adapted, pixels.height, pixels.width, channels, height, width);
  // The resized buffer is ours (fresh or sliced), so transform it in place.
  const factor = rescaleFactor ?? 1;
  for (let i = 0; i < resized.length; i++) {
    let v = resized[i]! * factor;
    if (mean && std) {
      const c = i % channels;
      v = (v - mean[c]!) / std[c]!;
    }
    resized[i] = v;
  }
  return resized;
}

/** How many feature columns carry no information, and why. */
export interface FeatureDegeneracy {
  readonly columns: number;
  /** Columns that are exactly zero for every row (dead ReLUs). */
  readonly deadColumns: number;
  /** Columns whose spread is negligible relative to the feature scale (includes dead ones). */
  readonly constantColumns: number;
  /** constantColumns / columns. */
  readonly degenerateFraction: number;
  /** Columns containing NaN or ±∞. */
  readonly nonFiniteColumns: number;
}

/**
 * Counts dead (all-zero) and constant columns of a feature matrix (rows = images). A column is
 * constant when its standard deviation is below `relativeTolerance` × the median standard
 * deviation of the columns that vary (an absolute threshold would depend on the model's scale).
 */
export function featureDegeneracy(features: Matrix, relativeTolerance = 1e-3): FeatureDegeneracy {
  const { rows, cols, data } = features;
  const stds = new Float64Array(cols);
  let dead = 0;
  let nonFinite = 0;
  const nonFiniteCol = new Uint8Array(cols);
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    let sumSq = 0;
    let allZero = true;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j]!;
      if (!Number.isFinite(v)) {
        nonFiniteCol[j] = 1;
        continue;
      }
      if (v !== 0) allZero = false;
      sum += v;
      sumSq += v * v;
    }
    if (nonFiniteCol[j]) nonFinite++;
    if (allZero && !nonFiniteCol[j]) dead++;
    const meanValue = rows ? sum / rows : 0;
    stds[j] = rows > 1 ? Math.sqrt(Math.max(0, sumSq / rows - meanValue * meanValue)) : 0;
  }
  const varying = Array.from(stds).filter((s, j) => s > 0 && !nonFiniteCol[j]).sort((a, b) => a - b);
  const median = varying.length ? varying[Math.floor(varying.length / 2)]! : 0;
  const threshold = median * relativeTolerance;
  let constant = 0;
  for (let j = 0; j < cols; j++) if (!nonFiniteCol[j] && stds[j]! <= threshold) constant++;
  return {
    columns: cols,
    deadColumns: dead,
    constantColumns: constant,
    degenerateFraction: cols ? constant / cols : 0,
    nonFiniteColumns: nonFinite,
  };
}

/**
 * A `degenerate-features` finding when more than `maxFraction` of the feature columns are dead
 * or constant (default: half), else undefined. The message names the preprocessing applied,
 * because a wrong rescale/normalize is the usual cause.
 */
export function degenerateFeaturesFinding(
  stats: FeatureDegeneracy,
  preprocessing: ImagePreprocessing | undefined,
  file: string,
  range: Range = FILE_START,
  maxFraction = 0.5,
): Finding | undefined {
  if (stats.columns === 0 || stats.degenerateFraction <= maxFraction) return undefined;
  const info = codeInfo('degenerate-features');
  const percent = Math.round(stats.degenerateFraction * 100);
  const applied = preprocessing ? describePreprocessing(preprocessing) : 'unknown preprocessing';
  return {
    code: info.code,
    severity: info.severity,
    message:
      `${percent}% of the ${stats.columns} features are dead or constant: check the image preprocessing.\n` +
      `${stats.deadColumns} columns are all zero and ${stats.constantColumns} do not vary across images. ` +
      `Applied: ${applied}. Add a preprocessor_config.json beside the checkpoint (do_rescale, do_normalize, image_mean, image_std) if the model expects other inputs.`,
    file,
    range,
    field: 'checkpoint',
    data: { ...stats },
  };
}

/** One line for reports: "224×224×3, bilinear-antialiased, rescale ×0.00392, normalize mean [..] std [..] (source: default)". */
export function describePreprocessing(p: ImagePreprocessing): string {
  const parts = [`${p.height}×${p.width}×${p.channels}`, p.resample];
  parts.push(p.rescaleFactor === null ? 'no rescale' : `rescale ×${Number(p.rescaleFactor.toPrecision(4))}`);
  parts.push(p.mean && p.std ? `normalize mean [${p.mean.map((x) => Number(x.toPrecision(4))).join(', ')}] std [${p.std.map((x) => Number(x.toPrecision(4))).join(', ')}]` : 'no normalize');
  return `${parts.join(', ')} (source: ${p.source}${p.configFile ? ' ' + p.configFile : ''})`;
}
