/**
 * NumPy `.npy` reading and writing (format versions 1.0, 2.0 and 3.0), from bytes: never touches
 * the file system. `.npy` files are how users hand us precomputed features or labels from a
 * Python pipeline, so errors say what numpy call produces a readable file.
 *
 * Layout: magic `\x93NUMPY`, major, minor, header length (u16 LE in 1.0, u32 LE in 2.0/3.0), an
 * ASCII (3.0: UTF-8) Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`
 * padded with spaces and a newline, then the raw C-order data.
 *
 * Example:
 *   const a = parseNpy(bytes, 'features.npy'); // { shape: [100, 64], dtype: 'float32', data: Float64Array(6400) }
 */
import { FormatError } from './errors';
import { float16ToNumber, numberToFloat16 } from './float16';

export type NpyDtype =
  | 'float16' | 'float32' | 'float64'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool';

export interface NpyArray {
  readonly shape: readonly number[];
  readonly dtype: NpyDtype;
  /**
   * Values in C order. Floats, uint32 and the 64-bit integers → Float64Array; int8/16/32, uint8
   * and uint16 → Int32Array; bool → Uint8Array (0/1).
   */
  readonly data: Float64Array | Int32Array | Uint8Array;
  readonly fortranOrder: false;
}

/** Headers larger than this are not numpy output (numpy itself caps them near 10 kB). */
export const MAX_NPY_HEADER_BYTES = 1 << 20;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface DtypeInfo {
  readonly dtype: NpyDtype;
  readonly size: number;
}

const KIND_TABLE: Record<string, DtypeInfo> = {
  f2: { dtype: 'float16', size: 2 },
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
  i1: { dtype: 'int8', size: 1 },
  i2: { dtype: 'int16', size: 2 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
  u1: { dtype: 'uint8', size: 1 },
  u2: { dtype: 'uint16', size: 2 },
  u4: { dtype: 'uint32', size: 4 },
  u8: { dtype: 'uint64', size: 8 },
  b1: { dtype: 'bool', size: 1 },
};

const DESCR_OF: Record<NpyDtype, string> = {
  float16: 'f2', float32: 'f4', float64: 'f8',
  int8: 'i1', int16: 'i2', int32: 'i4', int64: 'i8',
  uint8: 'u1', uint16: 'u2', uint32: 'u4', uint64: 'u8',
  bool: 'b1',
};

/** Bytes per element of a dtype. */
export function npyItemSize(dtype: NpyDtype): number {
  return KIND_TABLE[DESCR_OF[dtype]]!.size;
}

interface NpyHeader {
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: number[];
  readonly dataOffset: number;
}

/** Parses the `.npy` preamble and header dict; `source` labels error messages (usually the file name). */
export function parseNpyHeader(bytes: Uint8Array, source = 'npy data'): NpyHeader {
  if (bytes.length < 10) {
    throw new FormatError(source, `is only ${bytes.length} bytes long: too short to be a .npy file (truncated?)`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new FormatError(source, 'is not a .npy file (it does not start with the \\x93NUMPY magic); save arrays with numpy.save');
    }
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new FormatError(source, 'is truncated inside the .npy preamble');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new FormatError(source, `has .npy format version ${major}.${bytes[7]}, which is not supported (1.0–3.0 are)`);
  }
  if (headerLength > MAX_NPY_HEADER_BYTES) {
    throw new FormatError(source, `declares a .npy header of ${headerLength} bytes (more than ${MAX_NPY_HEADER_BYTES}): the file is corrupt`);
  }
  if (headerStart + headerLength > bytes.length) {
    throw new FormatError(
      source,
      `declares a .npy header of ${headerLength} bytes but the file ends after ${bytes.length - headerStart}: it is truncated`,
    );
  }
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, headerStart + headerLength),
  );
  const header = parseHeaderDict(headerText, source);
  return { ...header, dataOffset: headerStart + headerLength };
}

function parseHeaderDict(text: string, source: string): Omit<NpyHeader, 'dataOffset'> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) {
    throw new FormatError(source, `has a malformed .npy header (expected a dict literal, got ${JSON.stringify(trimmed.slice(0, 60))})`);
  }
  // Structured dtypes put a list under 'descr'; plain ones a quoted string.
  if (/['"]descr['"]\s*:\s*\[/.test(trimmed)) {
    throw new FormatError(source, 'holds a structured (record) array, which is not supported: save a plain numeric array');
  }
  const descrMatch = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(trimmed);
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(trimmed);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(trimmed);
  if (!descrMatch || !fortranMatch || !shapeMatch) {
    const missing = [!descrMatch && 'descr', !fortranMatch && 'fortran_order', !shapeMatch && 'shape'].filter(Boolean);
    throw new FormatError(source, `has a malformed .npy header: missing or unreadable ${missing.join(', ')}`);
  }
  const shape: number[] = [];
  for (const part of shapeMatch[1]!.split(',')) {
    const p = part.trim().replace(/L$/, ''); // Python 2 longs
    if (p === '') continue;
    if (!/^\d+$/.test(p)) throw new FormatError(source, `has a malformed .npy shape (${shapeMatch[1]})`);
    const n = Number(p);
    if (!Number.isSafeInteger(n)) throw new FormatError(source, `has an absurd .npy dimension ${p}`);
    shape.push(n);
  }
  return { descr: descrMatch[1]!, fortranOrder: fortranMatch[1] === 'True', shape };
}

/**
 * Parses a whole `.npy` file. Throws FormatError for Fortran order, object/string/complex
 * arrays, a header that claims more data than the file holds, and 64-bit integers beyond ±2^53.
 */
export function parseNpy(bytes: Uint8Array, source = 'npy data'): NpyArray {
  const header = parseNpyHeader(bytes, source);
  const descr = header.descr;
  const byteOrder = descr[0] === '<' || descr[0] === '>' || descr[0] === '|' || descr[0] === '=' ? descr[0] : '';
  const kind = byteOrder ? descr.slice(1) : descr;
  if (kind.startsWith('O')) {
    throw new FormatError(source, 'holds a Python object array (dtype=object), which cannot be read safely: convert it with arr.astype(np.float32) before numpy.save');
  }
  const info = KIND_TABLE[kind === '?' ? 'b1' : kind];
  if (!info) {
    throw new FormatError(source, `has dtype '${descr}', which is not supported: save float16/32/64, int8–64, uint8–64 or bool arrays`);
  }
  if (header.fortranOrder) {
    throw new FormatError(source, 'is stored in Fortran (column-major) order, which is not supported: save np.ascontiguousarray(arr) instead');
  }
  const count = header.shape.reduce((a, b) => a * b, 1);
  const needed = count * info.size;
  const available = bytes.length - header.dataOffset;
  if (!Number.isSafeInteger(needed) || needed > available) {
    throw new FormatError(
      source,
      `declares shape (${header.shape.join(', ')}) of ${info.dtype} (${needed} bytes) but holds only ${available} data bytes: the file is truncated or its header is wrong`,
    );
  }
  const littleEndian = byteOrder !== '>';
  const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset, needed);
  const data = decodeValues(view, info.dtype, count, littleEndian, source);
  return { shape: header.shape, dtype: info.dtype, data, fortranOrder: false };
}

function decodeValues(
  view: DataView,
  dtype: NpyDtype,
  count: number,
  littleEndian: boolean,
  source: string,
): Float64Array | Int32Array | Uint8Array {
  switch (dtype) {
    case 'float16': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = float16ToNumber(view.getUint16(i * 2, littleEndian));
      return out;
    }
    case 'float32': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, littleEndian);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, littleEndian);
      return out;
    }
    case 'int8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      return out;
    }
    case 'int16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, littleEndian);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, littleEndian);
      return out;
    }
    case 'uint8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      return out;
    }
    case 'uint16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, littleEndian);
      return out;
    }
    case 'uint32': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, littleEndian);
      return out;
    }
    case 'int64':
    case 'uint64': {
      const out = new Float64Array(count);
      const limit = BigInt(Number.MAX_SAFE_INTEGER);
      for (let i = 0; i < count; i++) {
        const v = dtype === 'int64' ? view.getBigInt64(i * 8, littleEndian) : view.getBigUint64(i * 8, littleEndian);
        if (v > limit || v < -limit) {
          throw new FormatError(source, `holds the ${dtype} value ${v} at flat index ${i}, beyond ±2^53 where numbers lose precision`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i) ? 1 : 0;
      return out;
    }
  }
}

export interface NpyWriteInput {
  readonly shape: readonly number[];
  readonly dtype: NpyDtype;
  readonly data: ArrayLike<number>;
  /** Byte order of the written data; default little. */
  readonly littleEndian?: boolean;
  /** Write a 2.0 header (u32 length); default 1.0. */
  readonly version?: 1 | 2;
}

/** Encodes an array as `.npy` bytes exactly as numpy.save would (for fixtures and tests). */
export function writeNpy(input: NpyWriteInput): Uint8Array {
  const count = input.shape.reduce((a, b) => a * b, 1);
  if (input.data.length !== count) {
    throw new RangeError(`writeNpy: data has ${input.data.length} values, shape (${input.shape.join(', ')}) needs ${count}`);
  }
  const littleEndian = input.littleEndian ?? true;
  const size = npyItemSize(input.dtype);
  const order = size === 1 ? '|' : littleEndian ? '<' : '>';
  const shapeText = input.shape.length === 1 ? `(${input.shape[0]},)` : `(${input.shape.join(', ')})`;
  const dict = `{'descr': '${order}${DESCR_OF[input.dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const version = input.version ?? 1;
  const preamble = version === 1 ? 10 : 12;
  // numpy pads so that the data starts at a multiple of 64 bytes, ending the header with '\n'.
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const headerText = dict + ' '.repeat(total - preamble - dict.length - 1) + '\n';
  const out = new Uint8Array(total + count * size);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerText.length, true);
  else view.setUint32(8, headerText.length, true);
  for (let i = 0; i < headerText.length; i++) out[preamble + i] = headerText.charCodeAt(i);
  const data = new DataView(out.buffer, total);
  for (let i = 0; i < count; i++) {
    const v = input.data[i]!;
    switch (input.dtype) {
      case 'float16': data.setUint16(i * 2, numberToFloat16(v), littleEndian); break;
      case 'float32': data.setFloat32(i * 4, v, littleEndian); break;
      case 'float64': data.setFloat64(i * 8, v, littleEndian); break;
      case 'int8': data.setInt8(i, v); break;
      case 'int16': data.setInt16(i * 2, v, littleEndian); break;
      case 'int32': data.setInt32(i * 4, v, littleEndian); break;
      case 'int64': data.setBigInt64(i * 8, BigInt(Math.trunc(v)), littleEndian); break;
      case 'uint8': data.setUint8(i, v); break;
      case 'uint16': data.setUint16(i * 2, v, littleEndian); break;
      case 'uint32': data.setUint32(i * 4, v, littleEndian); break;
      case 'uint64': data.setBigUint64(i * 8, BigInt(Math.trunc(v)), littleEndian); break;
      case 'bool': data.setUint8(i, v ? 1 : 0); break;
    }
  }
  return out;
}

/** Values of any parsed array as float64 (copy only when needed). */
export function toFloat64(array: { readonly data: Float64Array | Int32Array | Uint8Array }): Float64Array {
  return array.data instanceof Float64Array ? array.data : Float64Array.from(array.data);
}
