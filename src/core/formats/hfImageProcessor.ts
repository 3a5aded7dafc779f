/**
 * Hugging Face image processors, reproduced (issue #14): `preprocessor_config.json` → the exact
 * steps `transformers`' PIL backend applies (ViTImageProcessor, DeiT, ConvNext (also used by
 * ResNet checkpoints), CLIP, MobileNetV2, BiT, EfficientNet and compatible ones), so a checkpoint
 * sees the pixel values it was trained and evaluated with:
 *
 *   RGB (gray replicated, alpha dropped) → uint8 → resize (exact height×width, shortest edge
 *   keeping the aspect ratio, or ConvNeXt's crop_pct: shortest edge / crop_pct then a centre
 *   crop) → centre crop (do_center_crop, crop_size; zero padding when the image is smaller) →
 *   × rescale_factor → (x − image_mean) / image_std → HWC float32.
 *
 * Resizing reproduces Pillow's `Image.resize` on 8-bit images bit for bit: separable
 * convolution with Pillow's filters (bilinear/bicubic a = −0.5/box/hamming/lanczos, support
 * widened by the shrink factor, as in Resample.c precompute_coeffs), coefficients in 22-bit fixed
 * point, rounding and clipping to uint8 after the horizontal and after the vertical pass — so our
 * pixel values equal transformers' up to float32 rounding of the normalisation (~1e-7). NEAREST
 * follows Pillow's affine scaling (running-sum centre sampling). The torchvision backend
 * (transformers' default when torchvision is installed) resizes slightly differently; the popular
 * checkpoints were trained with PIL-based processors, and the parity fixtures use the PIL backend.
 *
 * Pure (no fs): the node side (src/node/hf/imageProcessor.ts) reads files and decodes images.
 * Problems with the file are values, never exceptions.
 */
import { adaptChannels, type DecodedPixels, type PreprocessingProblem } from './imagePreprocess';

export type PilResample = 'nearest' | 'lanczos' | 'bilinear' | 'bicubic' | 'box' | 'hamming';

/** PIL's Resampling enum values as saved in preprocessor_config.json `resample`. */
export const PIL_RESAMPLE: readonly PilResample[] = ['nearest', 'lanczos', 'bilinear', 'bicubic', 'box', 'hamming'];

export type ResizeRule =
  | { readonly kind: 'exact'; readonly height: number; readonly width: number }
  | { readonly kind: 'shortest-edge'; readonly shortestEdge: number; readonly longestEdge?: number }
  /** ConvNextImageProcessor: below 384, resize the shortest edge to int(edge / cropPct) and centre-crop edge×edge; else warp to edge×edge. */
  | { readonly kind: 'crop-pct'; readonly shortestEdge: number; readonly cropPct: number };

/** Every step that changes pixels (printed in reports, part of the feature-cache key). */
export interface HfImageProcessor {
  /** image_processor_type (or feature_extractor_type) as written, '' when absent. */
  readonly processorType: string;
  readonly file?: string;
  readonly convertRgb: boolean;
  readonly resize: ResizeRule | null;
  readonly resample: PilResample;
  readonly centerCrop: { readonly height: number; readonly width: number } | null;
  readonly rescaleFactor: number | null;
  readonly mean: readonly number[] | null;
  readonly std: readonly number[] | null;
}

interface ClassDefaults {
  readonly resample: PilResample;
  readonly size: unknown;
  readonly defaultToSquare: boolean;
  readonly centerCrop: boolean;
  readonly cropSize?: unknown;
  readonly cropPct?: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly convertRgb: boolean;
}

const STANDARD = [0.5, 0.5, 0.5];
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

/** transformers 5.x class defaults (used for keys the file leaves out). */
const CLASS_DEFAULTS: Readonly<Record<string, ClassDefaults>> = {
  ViTImageProcessor: { resample: 'bilinear', size: { height: 224, width: 224 }, defaultToSquare: true, centerCrop: false, mean: STANDARD, std: STANDARD, convertRgb: false },
  DeiTImageProcessor: { resample: 'bicubic', size: { height: 256, width: 256 }, defaultToSquare: true, centerCrop: true, cropSize: { height: 224, width: 224 }, mean: IMAGENET_MEAN, std: IMAGENET_STD, convertRgb: false },
  ConvNextImageProcessor: { resample: 'bicubic', size: { shortest_edge: 384 }, defaultToSquare: false, centerCrop: false, cropPct: 224 / 256, mean: IMAGENET_MEAN, std: IMAGENET_STD, convertRgb: false },
  CLIPImageProcessor: { resample: 'bicubic', size: { shortest_edge: 224 }, defaultToSquare: false, centerCrop: true, cropSize: { height: 224, width: 224 }, mean: CLIP_MEAN, std: CLIP_STD, convertRgb: true },
  BitImageProcessor: { resample: 'bicubic', size: { shortest_edge: 224 }, defaultToSquare: false, centerCrop: true, cropSize: { height: 224, width: 224 }, mean: CLIP_MEAN, std: CLIP_STD, convertRgb: true },
  MobileNetV2ImageProcessor: { resample: 'bilinear', size: { shortest_edge: 256 }, defaultToSquare: false, centerCrop: true, cropSize: { height: 224, width: 224 }, mean: STANDARD, std: STANDARD, convertRgb: false },
  MobileNetV1ImageProcessor: { resample: 'bilinear', size: { shortest_edge: 256 }, defaultToSquare: false, centerCrop: true, cropSize: { height: 224, width: 224 }, mean: STANDARD, std: STANDARD, convertRgb: false },
  EfficientNetImageProcessor: { resample: 'bicubic', size: { height: 346, width: 346 }, defaultToSquare: true, centerCrop: false, cropSize: { height: 289, width: 289 }, mean: STANDARD, std: STANDARD, convertRgb: false },
};
const ALIASES: Readonly<Record<string, string>> = {
  ViTFeatureExtractor: 'ViTImageProcessor',
  DeiTFeatureExtractor: 'DeiTImageProcessor',
  ConvNextFeatureExtractor: 'ConvNextImageProcessor',
  CLIPFeatureExtractor: 'CLIPImageProcessor',
  MobileNetV2FeatureExtractor: 'MobileNetV2ImageProcessor',
  MobileNetV1FeatureExtractor: 'MobileNetV1ImageProcessor',
  BeitImageProcessor: 'ViTImageProcessor',
};
/** Used for unknown processor classes (BaseImageProcessor-like): square size, no crop, ImageNet-standard normalisation. */
const GENERIC: ClassDefaults = CLASS_DEFAULTS.ViTImageProcessor!;

function className(cfg: Record<string, unknown>): string {
  for (const key of ['image_processor_type', 'feature_extractor_type']) {
    const v = cfg[key];
    if (typeof v === 'string') return v.replace(/(Pil|Fast)$/, '');
  }
  return '';
}

const positiveInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;

/** transformers' get_size_dict: int → square or shortest_edge (by the class), [h, w] → exact, dicts as they are. */
function sizeRule(v: unknown, defaultToSquare: boolean): ResizeRule | undefined {
  if (positiveInt(v)) return defaultToSquare ? { kind: 'exact', height: v, width: v } : { kind: 'shortest-edge', shortestEdge: v };
  if (Array.isArray(v) && v.length === 2 && positiveInt(v[0]) && positiveInt(v[1])) return { kind: 'exact', height: v[0], width: v[1] };
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (positiveInt(o.height) && positiveInt(o.width)) return { kind: 'exact', height: o.height, width: o.width };
    if (positiveInt(o.shortest_edge)) return { kind: 'shortest-edge', shortestEdge: o.shortest_edge, longestEdge: positiveInt(o.longest_edge) ? o.longest_edge : undefined };
  }
  return undefined;
}

function cropRule(v: unknown): { height: number; width: number } | undefined {
  if (positiveInt(v)) return { height: v, width: v };
  if (Array.isArray(v) && v.length === 2 && positiveInt(v[0]) && positiveInt(v[1])) return { height: v[0], width: v[1] };
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (positiveInt(o.height) && positiveInt(o.width)) return { height: o.height, width: o.width };
  }
  return undefined;
}

function numberList(v: unknown, channels = 3): number[] | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Array<number>(channels).fill(v);
  if (Array.isArray(v) && v.length === channels && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return v as number[];
  return undefined;
}

export interface HfImageProcessorParse {
  readonly processor: HfImageProcessor;
  readonly problems: readonly PreprocessingProblem[];
}

/**
 * Parses preprocessor_config.json text. Keys absent from the file take the processor class's
 * transformers defaults; malformed values become problems (and the class default is used).
 */
export function parseHfImageProcessor(text: string, file?: string): HfImageProcessorParse {
  const problems: PreprocessingProblem[] = [];
  let cfg: Record<string, unknown> = {};
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object' && !Array.isArray(json)) cfg = json as Record<string, unknown>;
    else problems.push({ key: '', message: `${file ?? 'preprocessor_config.json'} must hold a JSON object; using ViTImageProcessor defaults` });
  } catch (e) {
    problems.push({ key: '', message: `${file ?? 'preprocessor_config.json'} is not valid JSON (${e instanceof Error ? e.message : String(e)}); using ViTImageProcessor defaults` });
  }
  const type = className(cfg);
  const canonical = ALIASES[type] ?? type;
  let defaults = CLASS_DEFAULTS[canonical];
  if (!defaults) {
    defaults = GENERIC;
    if (type) problems.push({ key: 'image_processor_type', message: `${type} is not one of the processors TransferLens reproduces (${Object.keys(CLASS_DEFAULTS).join(', ')}); its settings are applied as a generic resize → crop → rescale → normalize, which may differ from the model's own processor` });
  }
  const bool = (key: string, dflt: boolean): boolean => {
    const v = cfg[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v === 'boolean') return v;
    problems.push({ key, message: `${key} must be true or false, found ${JSON.stringify(v)}; using ${dflt}` });
    return dflt;
  };

  let resample = defaults.resample;
  if (cfg.resample !== undefined && cfg.resample !== null) {
    const r = cfg.resample;
    if (typeof r === 'number' && Number.isInteger(r) && r >= 0 && r < PIL_RESAMPLE.length) resample = PIL_RESAMPLE[r]!;
    else problems.push({ key: 'resample', message: `resample ${JSON.stringify(r)} is not a PIL resampling filter (0–5); using ${defaults.resample}` });
  }

  let resize: ResizeRule | null = null;
  if (bool('do_resize', true)) {
    const raw = cfg.size ?? defaults.size;
    let rule = sizeRule(raw, defaults.defaultToSquare);
    if (!rule) {
      problems.push({ key: 'size', message: `size ${JSON.stringify(raw)} is not an integer, [height, width], {height, width} or {shortest_edge}; using ${JSON.stringify(defaults.size)}` });
      rule = sizeRule(defaults.size, defaults.defaultToSquare)!;
    }
    if (defaults.cropPct !== undefined) {
      // ConvNextImageProcessor's resize: needs shortest_edge and applies crop_pct.
      const pct = cfg.crop_pct ?? defaults.cropPct;
      const edge = rule.kind === 'exact' ? rule.height : rule.shortestEdge;
      if (rule.kind === 'exact') problems.push({ key: 'size', message: `${canonical} expects size.shortest_edge; using ${edge}` });
      if (typeof pct === 'number' && pct > 0 && pct <= 1) rule = { kind: 'crop-pct', shortestEdge: edge, cropPct: pct };
      else {
        problems.push({ key: 'crop_pct', message: `crop_pct ${JSON.stringify(pct)} must be a number in (0, 1]; using ${defaults.cropPct}` });
        rule = { kind: 'crop-pct', shortestEdge: edge, cropPct: defaults.cropPct };
      }
    }
    resize = rule;
  }

  let centerCrop: HfImageProcessor['centerCrop'] = null;
  if (bool('do_center_crop', defaults.centerCrop)) {
    const raw = cfg.crop_size ?? defaults.cropSize ?? { height: 224, width: 224 };
    const crop = cropRule(raw);
    if (crop) centerCrop = crop;
    else problems.push({ key: 'crop_size', message: `crop_size ${JSON.stringify(raw)} is not an integer or {height, width}; not cropping` });
  }

  let rescaleFactor: number | null = null;
  if (bool('do_rescale', true)) {
    const v = cfg.rescale_factor ?? 1 / 255;
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) rescaleFactor = v;
    else {
      problems.push({ key: 'rescale_factor', message: `rescale_factor must be a positive number, found ${JSON.stringify(v)}; using 1/255` });
      rescaleFactor = 1 / 255;
    }
  }

  let mean: number[] | null = null;
  let std: number[] | null = null;
  if (bool('do_normalize', true)) {
    mean = numberList(cfg.image_mean ?? defaults.mean) ?? null;
    std = numberList(cfg.image_std ?? defaults.std) ?? null;
    if (!mean) problems.push({ key: 'image_mean', message: `image_mean ${JSON.stringify(cfg.image_mean)} is not a number or 3 numbers; using ${JSON.stringify(defaults.mean)}` });
    if (!std || std.some((x) => x === 0)) problems.push({ key: 'image_std', message: `image_std ${JSON.stringify(cfg.image_std)} is not a number or 3 non-zero numbers; using ${JSON.stringify(defaults.std)}` });
    mean = mean ?? [...defaults.mean];
    std = std && !std.some((x) => x === 0) ? std : [...defaults.std];
  }
  for (const key of ['do_pad', 'do_flip_channel_order', 'do_reduce_labels']) {
    if (cfg[key] === true && key !== 'do_reduce_labels') problems.push({ key, message: `${key} is not applied by TransferLens; features may differ slightly from the model's own processor` });
  }

  return {
    processor: { processorType: type, file, convertRgb: bool('do_convert_rgb', defaults.convertRgb), resize, resample, centerCrop, rescaleFactor, mean, std },
    problems,
  };
}

/** The processor transformers' ViTImageProcessor would use for a model of this input size (no file). */
export function defaultHfImageProcessor(height: number, width: number): HfImageProcessor {
  return { processorType: '', convertRgb: true, resize: { kind: 'exact', height, width }, resample: 'bilinear', centerCrop: null, rescaleFactor: 1 / 255, mean: [...STANDARD], std: [...STANDARD] };
}

/** The output size for an input of inH×inW (what resize + crop produce). */
export function processedSize(p: HfImageProcessor, inH: number, inW: number): { height: number; width: number } {
  let [h, w] = [inH, inW];
  if (p.resize) [h, w] = resizeTarget(p.resize, h, w).final;
  if (p.centerCrop) [h, w] = [p.centerCrop.height, p.centerCrop.width];
  return { height: h, width: w };
}

/** transformers' get_resize_output_image_size(default_to_square=False) with optional max_size. */
export function shortestEdgeSize(inH: number, inW: number, edge: number, maxSize?: number): [number, number] {
  const [short, long] = inW <= inH ? [inW, inH] : [inH, inW];
  let newShort = edge;
  let newLong = Math.trunc((edge * long) / short);
  if (maxSize !== undefined && newLong > maxSize) {
    newShort = Math.trunc((maxSize * newShort) / newLong);
    newLong = maxSize;
  }
  return inW <= inH ? [newLong, newShort] : [newShort, newLong];
}

/** Resize target plus the crop ConvNeXt's crop_pct rule applies right after it. */
function resizeTarget(rule: ResizeRule, inH: number, inW: number): { resize: [number, number]; crop?: [number, number]; final: [number, number] } {
  if (rule.kind === 'exact') return { resize: [rule.height, rule.width], final: [rule.height, rule.width] };
  if (rule.kind === 'shortest-edge') {
    const size = shortestEdgeSize(inH, inW, rule.shortestEdge, rule.longestEdge);
    return { resize: size, final: size };
  }
  if (rule.shortestEdge < 384) {
    const size = shortestEdgeSize(inH, inW, Math.trunc(rule.shortestEdge / rule.cropPct));
    return { resize: size, crop: [rule.shortestEdge, rule.shortestEdge], final: [rule.shortestEdge, rule.shortestEdge] };
  }
  return { resize: [rule.shortestEdge, rule.shortestEdge], final: [rule.shortestEdge, rule.shortestEdge] };
}

// ---- Pillow's resampling on 8-bit images (Resample.c) ----

const PRECISION_BITS = 32 - 8 - 2;
const FIXED_ONE = 2 ** PRECISION_BITS;

const FILTERS: Readonly<Record<Exclude<PilResample, 'nearest'>, { support: number; f: (x: number) => number }>> = {
  box: { support: 0.5, f: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, f: (x) => { const a = Math.abs(x); return a < 1 ? 1 - a : 0; } },
  hamming: {
    support: 1,
    f: (x) => {
      const a = Math.abs(x);
      if (a === 0) return 1;
      if (a >= 1) return 0;
      const p = a * Math.PI;
      return (Math.sin(p) / p) * (0.54 + 0.46 * Math.cos(p));
    },
  },
  bicubic: {
    support: 2,
    f: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  lanczos: {
    support: 3,
    f: (x) => {
      const sinc = (v: number): number => (v === 0 ? 1 : Math.sin(v * Math.PI) / (v * Math.PI));
      return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
    },
  },
};

interface Taps {
  readonly starts: Int32Array;
  readonly counts: Int32Array;
  readonly ksize: number;
  /** Fixed-point coefficients, outSize × ksize. */
  readonly k: Int32Array;
}

/** precompute_coeffs + normalize_coeffs_8bpc. */
function pilTaps(inSize: number, outSize: number, filter: { support: number; f: (x: number) => number }): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const starts = new Int32Array(outSize);
  const counts = new Int32Array(outSize);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = filter.f((x + xmin - center + 0.5) * ss);
      total += w[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const v = total !== 0 ? w[x]! / total : w[x]!;
      k[xx * ksize + x] = Math.trunc(v < 0 ? -0.5 + v * FIXED_ONE : 0.5 + v * FIXED_ONE);
    }
    starts[xx] = xmin;
    counts[xx] = Math.max(0, xmax);
  }
  return { starts, counts, ksize, k };
}

function clip8(v: number): number {
  if (v >= FIXED_ONE * 256) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / FIXED_ONE);
}

/**
 * Pillow's Image.resize on an 8-bit interleaved image (HWC, `channels` values per pixel):
 * horizontal pass then vertical pass, each rounded and clipped to uint8; an axis of unchanged
 * size is not resampled. Bit-exact with Pillow for the filters above.
 */
export function pilResize(input: Uint8Array, height: number, width: number, channels: number, outHeight: number, outWidth: number, resample: PilResample): Uint8Array {
  if (input.length !== height * width * channels) throw new RangeError(`pilResize: ${input.length} values for ${height}×${width}×${channels}`);
  if (resample === 'nearest') return nearestResize(input, height, width, channels, outHeight, outWidth);
  const filter = FILTERS[resample];
  let current = input;
  let curW = width;
  if (outWidth !== width) {
    const taps = pilTaps(width, outWidth, filter);
    const out = new Uint8Array(height * outWidth * channels);
    for (let y = 0; y < height; y++) {
      const rowIn = y * width * channels;
      const rowOut = y * outWidth * channels;
      for (let xx = 0; xx < outWidth; xx++) {
        const start = taps.starts[xx]!;
        const count = taps.counts[xx]!;
        const base = xx * taps.ksize;
        for (let c = 0; c < channels; c++) {
          let ss = FIXED_ONE / 2;
          for (let x = 0; x < count; x++) ss += current[rowIn + (start + x) * channels + c]! * taps.k[base + x]!;
          out[rowOut + xx * channels + c] = clip8(ss);
        }
      }
    }
    current = out;
    curW = outWidth;
  }
  if (outHeight !== height) {
    const taps = pilTaps(height, outHeight, filter);
    const rowLength = curW * channels;
    const out = new Uint8Array(outHeight * rowLength);
    for (let yy = 0; yy < outHeight; yy++) {
      const start = taps.starts[yy]!;
      const count = taps.counts[yy]!;
      const base = yy * taps.ksize;
      for (let i = 0; i < rowLength; i++) {
        let ss = FIXED_ONE / 2;
        for (let y = 0; y < count; y++) ss += current[(start + y) * rowLength + i]! * taps.k[base + y]!;
        out[yy * rowLength + i] = clip8(ss);
      }
    }
    current = out;
  }
  return current === input ? input.slice() : current;
}

/** Pillow's NEAREST resize (ImagingScaleAffine): source x = trunc of a running sum starting at scale/2, stepping by scale. */
function nearestResize(input: Uint8Array, height: number, width: number, channels: number, outHeight: number, outWidth: number): Uint8Array {
  const table = (inSize: number, outSize: number): Int32Array => {
    const t = new Int32Array(outSize);
    const scale = inSize / outSize;
    let pos = scale * 0.5;
    for (let i = 0; i < outSize; i++) {
      t[i] = Math.min(inSize - 1, Math.trunc(pos));
      pos += scale;
    }
    return t;
  };
  const xs = table(width, outWidth);
  const ys = table(height, outHeight);
  const out = new Uint8Array(outHeight * outWidth * channels);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      for (let c = 0; c < channels; c++) out[(y * outWidth + x) * channels + c] = input[(ys[y]! * width + xs[x]!) * channels + c]!;
    }
  }
  return out;
}

/** transformers' center_crop on HWC uint8: floor-centred, zero padding (centred, ceil) when the image is smaller. */
export function centerCrop(input: Uint8Array, height: number, width: number, channels: number, cropH: number, cropW: number): Uint8Array {
  let top = Math.floor((height - cropH) / 2);
  let left = Math.floor((width - cropW) / 2);
  let src = input;
  let srcH = height;
  let srcW = width;
  if (top < 0 || left < 0 || top + cropH > height || left + cropW > width) {
    const newH = Math.max(cropH, height);
    const newW = Math.max(cropW, width);
    const topPad = Math.ceil((newH - height) / 2);
    const leftPad = Math.ceil((newW - width) / 2);
    const padded = new Uint8Array(newH * newW * channels);
    for (let y = 0; y < height; y++) padded.set(input.subarray(y * width * channels, (y + 1) * width * channels), ((y + topPad) * newW + leftPad) * channels);
    src = padded;
    srcH = newH;
    srcW = newW;
    top += topPad;
    left += leftPad;
    // transformers clamps the padded window to the new image.
    top = Math.max(0, Math.min(top, srcH - cropH));
    left = Math.max(0, Math.min(left, srcW - cropW));
  }
  const out = new Uint8Array(cropH * cropW * channels);
  for (let y = 0; y < cropH; y++) {
    const from = ((top + y) * srcW + left) * channels;
    out.set(src.subarray(from, from + cropW * channels), y * cropW * channels);
  }
  return out;
}

export interface ProcessedImage {
  readonly height: number;
  readonly width: number;
  /** HWC float32, 3 channels. */
  readonly data: Float32Array;
}

/** Decoded pixels → model input exactly as the HF processor computes it (see the file comment). */
export function applyHfImageProcessor(pixels: DecodedPixels, p: HfImageProcessor): ProcessedImage {
  const channels = 3;
  const adapted = adaptChannels(pixels, channels);
  let img: Uint8Array = new Uint8Array(adapted.length);
  for (let i = 0; i < adapted.length; i++) img[i] = Math.max(0, Math.min(255, Math.round(adapted[i]!)));
  let h = pixels.height;
  let w = pixels.width;
  if (p.resize) {
    const target = resizeTarget(p.resize, h, w);
    img = pilResize(img, h, w, channels, target.resize[0], target.resize[1], p.resample);
    [h, w] = target.resize;
    if (target.crop) {
      img = centerCrop(img, h, w, channels, target.crop[0], target.crop[1]);
      [h, w] = target.crop;
    }
  }
  if (p.centerCrop) {
    img = centerCrop(img, h, w, channels, p.centerCrop.height, p.centerCrop.width);
    [h, w] = [p.centerCrop.height, p.centerCrop.width];
  }
  const out = new Float32Array(img.length);
  const f = Math.fround;
  const mean = p.mean?.map(f);
  const std = p.std?.map(f);
  for (let i = 0; i < img.length; i++) {
    // numpy: float64 multiply then float32; normalisation in float32.
    let v = p.rescaleFactor === null ? img[i]! : f(img[i]! * p.rescaleFactor);
    if (mean && std) v = f(f(v - mean[i % channels]!) / std[i % channels]!);
    out[i] = v;
  }
  return { height: h, width: w, data: out };
}

/** One line for reports, e.g. "CLIPImageProcessor: shortest edge 224 (bicubic), centre crop 224×224, ×0.003922, mean [...] std [...]". */
export function describeHfImageProcessor(p: HfImageProcessor): string {
  const parts: string[] = [];
  const r = p.resize;
  if (!r) parts.push('no resize');
  else if (r.kind === 'exact') parts.push(`resize ${r.height}×${r.width} (${p.resample})`);
  else if (r.kind === 'shortest-edge') parts.push(`shortest edge ${r.shortestEdge} (${p.resample})`);
  else parts.push(`shortest edge ${Math.trunc(r.shortestEdge / r.cropPct)} (${p.resample}) then crop ${r.shortestEdge}×${r.shortestEdge} (crop_pct ${r.cropPct})`);
  if (p.centerCrop) parts.push(`centre crop ${p.centerCrop.height}×${p.centerCrop.width}`);
  parts.push(p.rescaleFactor === null ? 'no rescale' : `×${Number(p.rescaleFactor.toPrecision(4))}`);
  parts.push(p.mean && p.std ? `mean [${p.mean.map((x) => Number(x.toPrecision(4))).join(', ')}] std [${p.std.map((x) => Number(x.toPrecision(4))).join(', ')}]` : 'no normalize');
  return `${p.processorType || 'default processor'}: ${parts.join(', ')}`;
}
