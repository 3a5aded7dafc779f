/**
 * NumPy `.npz` archives (numpy.savez / savez_compressed): a zip of `.npy` members, read with
 * jszip from bytes. Decompression is bounded: the archive's declared sizes are checked first and
 * the inflated bytes are counted while streaming, so a zip bomb stops at `maxUncompressedBytes`
 * instead of filling memory.
 *
 * Example:
 *   const arrays = await parseNpz(bytes, { source: 'feats.npz' }); // Map { 'features' => NpyArray, 'labels' => ... }
 */
import JSZip from 'jszip';
import { FormatError } from './errors';
import { parseNpy, writeNpy, type NpyArray, type NpyWriteInput } from './npy';

/** Default cap on the total inflated size of all members (2 GiB − 1: the largest typed array we may build). */
export const DEFAULT_NPZ_MAX_UNCOMPRESSED_BYTES = 2 ** 31 - 1;

export interface NpzOptions {
  readonly source?: string;
  readonly maxUncompressedBytes?: number;
  /** Read only these members (names without `.npy`); default all. */
  readonly names?: readonly string[];
}

/** The private part of a jszip entry that holds the sizes from the zip directory. */
interface ZipEntrySizes {
  readonly _data?: { readonly uncompressedSize?: number; readonly compressedSize?: number };
}

/** Reads the `.npy` members of an `.npz` archive into a Map from member name (without `.npy`) to array. */
export async function parseNpz(bytes: Uint8Array, options: NpzOptions = {}): Promise<Map<string, NpyArray>> {
  const source = options.source ?? 'npz data';
  const limit = options.maxUncompressedBytes ?? DEFAULT_NPZ_MAX_UNCOMPRESSED_BYTES;
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes, { checkCRC32: false });
  } catch (e) {
    throw new FormatError(source, `is not a readable .npz (zip) archive: ${e instanceof Error ? e.message : String(e)}; save it with numpy.savez`);
  }
  const entries = Object.values(zip.files).filter((f) => !f.dir);
  const wanted = options.names ? new Set(options.names) : undefined;
  const selected = entries.filter((f) => !wanted || wanted.has(memberName(f.name)));
  if (wanted) {
    for (const name of wanted) {
      if (!selected.some((f) => memberName(f.name) === name)) {
        throw new FormatError(source, `has no array '${name}'; it holds ${entries.map((f) => `'${memberName(f.name)}'`).join(', ') || 'nothing'}`);
      }
    }
  }
  let declared = 0;
  // jszip reads the 32-bit size fields as signed integers: a bomb declaring 4 GB shows up as a
  // negative size, so reinterpret them as unsigned before comparing with the limit.
  for (const entry of selected) declared += ((entry as unknown as ZipEntrySizes)._data?.uncompressedSize ?? 0) >>> 0;
  if (declared > limit) {
    throw new FormatError(source, `would inflate to ${declared} bytes, more than the limit of ${limit}; use fewer or smaller arrays`);
  }
  const out = new Map<string, NpyArray>();
  let inflated = 0;
  for (const entry of selected) {
    if (!entry.name.endsWith('.npy')) continue;
    const content = await inflateBounded(entry, limit - inflated, source);
    inflated += content.length;
    out.set(memberName(entry.name), parseNpy(content, `${source} (member ${entry.name})`));
  }
  if (out.size === 0) throw new FormatError(source, 'holds no .npy arrays');
  return out;
}

function memberName(fileName: string): string {
  return fileName.replace(/\.npy$/, '');
}

/** Inflates one member while counting bytes; rejects as soon as `budget` is exceeded. */
function inflateBounded(entry: JSZip.JSZipObject, budget: number, source: string): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let done = false;
    // internalStream is jszip's public-but-untyped streaming API (zipObject.internalStream).
    const stream = (entry as unknown as { internalStream(type: 'uint8array'): JSZip.JSZipStreamHelper<Uint8Array> }).internalStream('uint8array');
    stream
      .on('data', (chunk: Uint8Array) => {
        if (done) return;
        total += chunk.length;
        if (total > budget) {
          done = true;
          stream.pause();
          reject(new FormatError(source, `member ${entry.name} inflates past the limit of ${budget} bytes (a zip bomb or a lying size)`));
          return;
        }
        chunks.push(chunk);
      })
      .on('error', (error: Error) => {
        if (done) return;
        done = true;
        reject(new FormatError(source, `member ${entry.name} cannot be decompressed: ${error.message} (the archive is truncated or corrupt)`));
      })
      .on('end', () => {
        if (done) return;
        done = true;
        const out = new Uint8Array(total);
        let offset = 0;
        for (const c of chunks) {
          out.set(c, offset);
          offset += c.length;
        }
        resolve(out);
      })
      .resume();
  });
}

/** Builds `.npz` bytes (for fixtures and tests), optionally deflate-compressed like savez_compressed. */
export async function writeNpz(arrays: Readonly<Record<string, NpyWriteInput>>, compress = false): Promise<Uint8Array> {
  const zip = new JSZip();
  // A fixed timestamp keeps the bytes reproducible (committed fixtures).
  const date = new Date(1980, 0, 1);
  for (const [name, array] of Object.entries(arrays)) zip.file(`${name}.npy`, writeNpy(array), { date });
  return zip.generateAsync({ type: 'uint8array', compression: compress ? 'DEFLATE' : 'STORE' });
}
