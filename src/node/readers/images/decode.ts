/**
 * Image decoding for image-folder datasets: bytes → `DecodedPixels` (see
 * src/core/formats/imagePreprocess.ts), or a problem message that names what is wrong.
 *
 * PNG goes through `pngjs` (pure JS; exact 16-bit samples, gray/RGB/palette/alpha). JPEG goes
 * through `sharp` (native libjpeg-turbo, fast) when it loads, else `jpeg-js` (pure JS), so the
 * reader works inside a VSIX without native modules. Resizing is never done here: it happens in
 * the pure core so every decoder yields the same model input.
 *
 * Decoding never throws for bad user files: corrupt, truncated and non-image files come back as
 * `{ ok: false, message }`.
 */
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import type { DecodedPixels } from '../../../core/formats/imagePreprocess';

export type ImageFormat = 'png' | 'jpeg';

export type DecodeResult =
  | { readonly ok: true; readonly pixels: DecodedPixels; readonly format: ImageFormat; readonly decoder: string }
  | { readonly ok: false; readonly message: string };

/** Largest image accepted, in pixels (a guard against decompression bombs). */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** Recognises PNG and JPEG by their first bytes; undefined for anything else. */
export function sniffImageFormat(head: Uint8Array): ImageFormat | undefined {
  if (head.length >= 8 && head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47 &&
      head[4] === 0x0d && head[5] === 0x0a && head[6] === 0x1a && head[7] === 0x0a) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Describes a non-image file for a problem message, e.g. "a GIF image" or "text". */
export function describeNonImage(head: Uint8Array): string {
  const ascii = String.fromCharCode(...head.subarray(0, 12));
  if (ascii.startsWith('GIF8')) return 'a GIF image (only PNG and JPEG are read)';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'a WebP image (only PNG and JPEG are read)';
  if (ascii.startsWith('BM')) return 'a BMP image (only PNG and JPEG are read)';
  if (head.length === 0) return 'an empty file';
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128);
  return printable ? 'a text file, not a PNG or JPEG image' : 'not a PNG or JPEG image (unknown signature)';
}

type SharpModule = (input: Buffer, options?: Record<string, unknown>) => {
  raw(): { toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }> };
};

let sharpModule: SharpModule | null | undefined;

/** Loads sharp once; null when it is not installed or its native binary does not load here. */
function loadSharp(): SharpModule | null {
  if (sharpModule === undefined) {
    try {
      // Hidden from the bundler: sharp is native and optional.
      const req = eval('require') as NodeRequire;
      sharpModule = req('sharp') as SharpModule;
    } catch {
      sharpModule = null;
    }
  }
  return sharpModule;
}

export type JpegDecoderPreference = 'auto' | 'sharp' | 'jpeg-js';

/** Which JPEG decoder `decodeImage` will use with this preference (recorded in the preprocessing). */
export function jpegDecoderName(preference: JpegDecoderPreference = 'auto'): string {
  if (preference === 'jpeg-js') return 'jpeg-js';
  return loadSharp() ? 'sharp' : 'jpeg-js';
}

function decodePng(bytes: Buffer): DecodeResult {
  try {
    // skipRescale keeps 16-bit samples as 16-bit; the output is always RGBA (or 16-bit RGBA).
    const png = PNG.sync.read(bytes, { skipRescale: true });
    if (png.width * png.height > MAX_IMAGE_PIXELS) {
      return { ok: false, message: `image is ${png.width}×${png.height}, more than ${MAX_IMAGE_PIXELS} pixels` };
    }
    const bitDepth: 8 | 16 = png.depth === 16 ? 16 : 8;
    const data = bitDepth === 16 ? (png.data as unknown as Uint16Array) : new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
    // pngjs expands everything to 4 channels; keep the original meaning (gray vs colour, alpha) by colour type.
    const colorType = (png as unknown as { colorType: number }).colorType;
    const isGray = colorType === 0 || colorType === 4;
    const hasAlpha = colorType === 4 || colorType === 6 || (png as unknown as { alpha: boolean }).alpha === true;
    const channels = isGray ? (hasAlpha ? 2 : 1) : hasAlpha ? 4 : 3;
    const count = png.width * png.height;
    const packed = bitDepth === 16 ? new Uint16Array(count * channels) : new Uint8Array(count * channels);
    for (let p = 0; p < count; p++) {
      const s = p * 4;
      const d = p * channels;
      if (isGray) {
        packed[d] = data[s]!;
        if (hasAlpha) packed[d + 1] = data[s + 3]!;
      } else {
        packed[d] = data[s]!;
        packed[d + 1] = data[s + 1]!;
        packed[d + 2] = data[s + 2]!;
        if (hasAlpha) packed[d + 3] = data[s + 3]!;
      }
    }
    return { ok: true, format: 'png', decoder: 'pngjs', pixels: { width: png.width, height: png.height, channels, bitDepth, data: packed } };
  } catch (e) {
    return { ok: false, message: `corrupt or truncated PNG (${errorText(e)})` };
  }
}

async function decodeJpeg(bytes: Buffer, preference: JpegDecoderPreference): Promise<DecodeResult> {
  const sharp = preference === 'jpeg-js' ? null : loadSharp();
  if (sharp) {
    try {
      // failOn 'truncated' turns libjpeg's "premature end of data" warning into an error.
      const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_IMAGE_PIXELS }).raw().toBuffer({ resolveWithObject: true });
      return {
        ok: true,
        format: 'jpeg',
        decoder: 'sharp',
        pixels: { width: info.width, height: info.height, channels: info.channels, bitDepth: 8, data: new Uint8Array(data.buffer, data.byteOffset, data.length) },
      };
    } catch (e) {
      return { ok: false, message: `corrupt or truncated JPEG (${errorText(e)})` };
    }
  }
  try {
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    return {
      ok: true,
      format: 'jpeg',
      decoder: 'jpeg-js',
      pixels: { width: image.width, height: image.height, channels: 3, bitDepth: 8, data: image.data },
    };
  } catch (e) {
    return { ok: false, message: `corrupt or truncated JPEG (${errorText(e)})` };
  }
}

/** Decodes PNG or JPEG bytes; a problem (never an exception) for anything else or any damage. */
export async function decodeImage(bytes: Buffer, preference: JpegDecoderPreference = 'auto'): Promise<DecodeResult> {
  const format = sniffImageFormat(bytes.subarray(0, 16));
  if (format === 'png') return decodePng(bytes);
  if (format === 'jpeg') return decodeJpeg(bytes, preference);
  return { ok: false, message: describeNonImage(bytes.subarray(0, 64)) };
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.trim();
}
