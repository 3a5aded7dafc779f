/**
 * safetensors reading from bytes: an 8-byte little-endian u64 header length N, N bytes of UTF-8
 * JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}` (may be
 * space-padded), then the data buffer; offsets are relative to the buffer's start. Validation
 * follows the reference implementation: offsets must tile the buffer without holes or overlap,
 * each tensor's byte length must equal its element count × dtype size.
 *
 * `parseSafetensorsHeader` needs only the first 8 + N bytes (readers read just those to list a
 * checkpoint's tensors); `parseSafetensors` decodes tensors too.
 */
import { FormatError } from './errors';
import { bfloat16ToNumber, float16ToNumber, numberToFloat16 as numberToFloat16Bits } from './float16';

/** The reference implementation refuses headers above 100 MB; so do we. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

const DTYPE_SIZES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

/** dtypes whose values `parseSafetensors` can decode. */
export const DECODABLE_SAFETENSORS_DTYPES = ['F16', 'BF16', 'F32', 'F64', 'I8', 'I16', 'I32', 'I64', 'U8', 'U16', 'U32', 'BOOL'] as const;

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte range within the data buffer. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** Byte offset of the data buffer in the file (8 + N). */
  readonly dataOffset: number;
  readonly tensors: readonly SafetensorsEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Bytes the data buffer must have (the largest end offset). */
  readonly dataLength: number;
}

export interface SafetensorsTensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Floats, U32 and I64 → Float64Array; smaller integers → Int32Array; BOOL → Uint8Array. */
  readonly data: Float64Array | Int32Array | Uint8Array;
}

/**
 * Reads the header length from the first 8 bytes. Throws for a length that no real file has, so
 * a reader never allocates gigabytes for a corrupt or non-safetensors file.
 */
export function safetensorsHeaderLength(first8: Uint8Array, source = 'safetensors data'): number {
  if (first8.length < 8) throw new FormatError(source, `is only ${first8.length} bytes long: too short to be a safetensors file`);
  const length = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new FormatError(source, `declares a safetensors header of ${length} bytes (limit ${MAX_SAFETENSORS_HEADER_BYTES}): the file is corrupt or not safetensors`);
  }
  if (length < 2n) throw new FormatError(source, `declares a safetensors header of ${length} bytes: too small to hold '{}'`);
  return Number(length);
}

/**
 * Parses the header from the first 8 + N bytes (more is fine). `fileSize`, when known, lets the
 * header check that the data buffer is complete without reading it.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, source = 'safetensors data', fileSize?: number): SafetensorsHeader {
  const length = safetensorsHeaderLength(bytes, source);
  if (bytes.length < 8 + length) {
    throw new FormatError(source, `declares a safetensors header of ${length} bytes but only ${bytes.length - 8} follow: the file is truncated`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + length));
  } catch {
    throw new FormatError(source, 'has a safetensors header that is not valid UTF-8: the file is corrupt');
  }
  if (!text.startsWith('{')) throw new FormatError(source, "has a safetensors header that does not start with '{': the file is corrupt or not safetensors");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(source, `has a safetensors header that is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FormatError(source, 'has a safetensors header that is not a JSON object');
  const tensors: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = validateMetadata(value, source);
      continue;
    }
    tensors.push(validateEntry(name, value, source));
  }
  // Offsets must tile [0, dataLength) exactly: sorted by begin, each starting where the last ended.
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const t of sorted) {
    if (t.begin !== expected) {
      throw new FormatError(
        source,
        t.begin > expected
          ? `has a hole in its data buffer before tensor '${t.name}' (bytes ${expected}–${t.begin} belong to no tensor)`
          : `has tensor '${t.name}' overlapping another tensor's bytes (offset ${t.begin} < ${expected})`,
      );
    }
    expected = t.end;
  }
  const dataOffset = 8 + length;
  if (fileSize !== undefined && dataOffset + expected > fileSize) {
    throw new FormatError(source, `needs ${dataOffset + expected} bytes for its tensors but the file has ${fileSize}: it is truncated`);
  }
  return { dataOffset, tensors, metadata, dataLength: expected };
}

function validateMetadata(value: unknown, source: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FormatError(source, "has a '__metadata__' that is not an object of strings");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new FormatError(source, `has '__metadata__.${k}' that is not a string`);
    out[k] = v;
  }
  return out;
}

function validateEntry(name: string, value: unknown, source: string): SafetensorsEntry {
  const where = `tensor '${name}'`;
  if (typeof value !== 'object' || value === null) throw new FormatError(source, `has ${where} that is not an object`);
  const { dtype, shape, data_offsets: offsets } = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZES)) {
    throw new FormatError(source, `has ${where} with unknown dtype ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(source, `has ${where} with an invalid shape ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    throw new FormatError(source, `has ${where} with invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const bytes = count * DTYPE_SIZES[dtype]!;
  if (offsets[1] - offsets[0] !== bytes) {
    throw new FormatError(
      source,
      `has ${where} of shape [${shape.join(', ')}] ${dtype} (${bytes} bytes) but data_offsets [${offsets[0]}, ${offsets[1]}] span ${offsets[1] - offsets[0]} bytes`,
    );
  }
  return { name, dtype, shape: shape as number[], begin: offsets[0], end: offsets[1] };
}

/** Parses header and tensors (all, or only `names`). */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors data', names?: readonly string[]): {
  header: SafetensorsHeader;
  tensors: Map<string, SafetensorsTensor>;
} {
  const header = parseSafetensorsHeader(bytes, source, bytes.length);
  const wanted = names ? new Set(names) : undefined;
  if (wanted) {
    for (const name of wanted) {
      if (!header.tensors.some((t) => t.name === name)) {
        throw new FormatError(source, `has no tensor '${name}'; it holds ${header.tensors.map((t) => `'${t.name}'`).join(', ') || 'none'}`);
      }
    }
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const entry of header.tensors) {
    if (wanted && !wanted.has(entry.name)) continue;
    const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset + entry.begin, entry.end - entry.begin);
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data: decode(view, entry, source) });
  }
  return { header, tensors };
}

function decode(view: DataView, entry: SafetensorsEntry, source: string): Float64Array | Int32Array | Uint8Array {
  const size = DTYPE_SIZES[entry.dtype]!;
  const count = (entry.end - entry.begin) / size;
  const read = (get: (offset: number) => number, Out: Float64ArrayConstructor | Int32ArrayConstructor): Float64Array | Int32Array => {
    const out = new Out(count);
    for (let i = 0; i < count; i++) out[i] = get(i * size);
    return out;
  };
  switch (entry.dtype) {
    case 'F16': return read((o) => float16ToNumber(view.getUint16(o, true)), Float64Array);
    case 'BF16': return read((o) => bfloat16ToNumber(view.getUint16(o, true)), Float64Array);
    case 'F32': return read((o) => view.getFloat32(o, true), Float64Array);
    case 'F64': return read((o) => view.getFloat64(o, true), Float64Array);
    case 'I8': return read((o) => view.getInt8(o), Int32Array);
    case 'I16': return read((o) => view.getInt16(o, true), Int32Array);
    case 'I32': return read((o) => view.getInt32(o, true), Int32Array);
    case 'U8': return read((o) => view.getUint8(o), Int32Array);
    case 'U16': return read((o) => view.getUint16(o, true), Int32Array);
    case 'U32': return read((o) => view.getUint32(o, true), Float64Array);
    case 'BOOL': {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i) ? 1 : 0;
      return out;
    }
    case 'I64':
    case 'U64':
      return read((o) => {
        const v = entry.dtype === 'I64' ? view.getBigInt64(o, true) : view.getBigUint64(o, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new FormatError(source, `tensor '${entry.name}' holds ${v}, beyond ±2^53 where numbers lose precision`);
        }
        return Number(v);
      }, Float64Array);
    default:
      throw new FormatError(source, `tensor '${entry.name}' has dtype ${entry.dtype}, which cannot be decoded here (use F16/BF16/F32/F64 or an integer type)`);
  }
}

/** bfloat16 bits of a number: float32, then rounded to nearest even on the top 16 bits (NaN stays NaN). */
export function numberToBfloat16Bits(value: number): number {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0]!;
  if (Number.isNaN(value)) return 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export interface SafetensorsWriteTensor {
  readonly dtype: 'F16' | 'BF16' | 'F32' | 'F64' | 'I32' | 'I64' | 'U8' | 'BOOL';
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** Encodes tensors as safetensors bytes (for fixtures and tests); header padded to 8 bytes like the reference. */
export function writeSafetensors(tensors: Readonly<Record<string, SafetensorsWriteTensor>>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header['__metadata__'] = metadata;
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name]!;
    const bytes = t.data.length * DTYPE_SIZES[t.dtype]!;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + jsonBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let position = 8 + jsonBytes.length;
  for (const name of names) {
    const t = tensors[name]!;
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i]!;
      switch (t.dtype) {
        case 'F16': view.setUint16(position, numberToFloat16Bits(v), true); position += 2; break;
        case 'BF16': view.setUint16(position, numberToBfloat16Bits(v), true); position += 2; break;
        case 'F32': view.setFloat32(position, v, true); position += 4; break;
        case 'F64': view.setFloat64(position, v, true); position += 8; break;
        case 'I32': view.setInt32(position, v, true); position += 4; break;
        case 'I64': view.setBigInt64(position, BigInt(Math.trunc(v)), true); position += 8; break;
        case 'U8': view.setUint8(position, v); position += 1; break;
        case 'BOOL': view.setUint8(position, v ? 1 : 0); position += 1; break;
      }
    }
  }
  return out;
}


/** Bytes per element of a safetensors dtype, or undefined for a dtype this reader does not know. */
export function safetensorsDtypeSize(dtype: string): number | undefined {
  return DTYPE_SIZES[dtype];
}

/** dtypes `toFloat32` converts (floats exactly or by rounding F64; integers exactly up to 2^24). */
export const FLOAT32_CONVERTIBLE_DTYPES = ['F32', 'F16', 'BF16', 'F64', 'I8', 'U8', 'I16', 'U16', 'I32', 'U32', 'I64', 'U64', 'BOOL'] as const;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
let float16Table: Float32Array | undefined;

/** All 65,536 binary16 values as float32 (256 KB, built on first use): F16 → F32 is one lookup per element. */
function float16Lookup(): Float32Array {
  if (!float16Table) {
    float16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) float16Table[bits] = float16ToNumber(bits);
  }
  return float16Table;
}

/**
 * Converts one tensor's raw little-endian bytes to float32 with typed-array loops (no per-element
 * DataView calls): F32 is a copy (or a view when `bytes` owns its aligned buffer), BF16 a 16-bit
 * shift into the high half of a uint32, F16 a table lookup, F64 a narrowing copy. Returns undefined
 * for a dtype that is not in FLOAT32_CONVERTIBLE_DTYPES (the caller names the file and tensor).
 * `bytes.length` must be a multiple of the dtype size.
 */
export function toFloat32(bytes: Uint8Array, dtype: string): Float32Array | undefined {
  const size = DTYPE_SIZES[dtype];
  if (size === undefined || !(FLOAT32_CONVERTIBLE_DTYPES as readonly string[]).includes(dtype)) return undefined;
  const count = bytes.length / size;
  // Typed views need an aligned offset and a little-endian host; otherwise copy into a fresh buffer.
  const aligned = LITTLE_ENDIAN_HOST && bytes.byteOffset % size === 0 ? bytes : LITTLE_ENDIAN_HOST ? bytes.slice() : undefined;
  if (!aligned) return toFloat32Portable(bytes, dtype, count);
  const { buffer, byteOffset } = aligned;
  switch (dtype) {
    case 'F32':
      // A view when the bytes are exactly their own buffer (the weights reader allocates them so):
      // no second copy.
      return byteOffset === 0 && buffer.byteLength === bytes.length ? new Float32Array(buffer, 0, count) : new Float32Array(buffer.slice(byteOffset, byteOffset + bytes.length));
    case 'BF16': {
      const half = new Uint16Array(buffer, byteOffset, count);
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = half[i]! << 16;
      return new Float32Array(out.buffer);
    }
    case 'F16': {
      const half = new Uint16Array(buffer, byteOffset, count);
      const table = float16Lookup();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[half[i]!]!;
      return out;
    }
    case 'F64': return Float32Array.from(new Float64Array(buffer, byteOffset, count));
    case 'I8': return Float32Array.from(new Int8Array(buffer, byteOffset, count));
    case 'U8': return Float32Array.from(new Uint8Array(buffer, byteOffset, count));
    case 'BOOL': return Float32Array.from(new Uint8Array(buffer, byteOffset, count), (v) => (v ? 1 : 0));
    case 'I16': return Float32Array.from(new Int16Array(buffer, byteOffset, count));
    case 'U16': return Float32Array.from(new Uint16Array(buffer, byteOffset, count));
    case 'I32': return Float32Array.from(new Int32Array(buffer, byteOffset, count));
    case 'U32': return Float32Array.from(new Uint32Array(buffer, byteOffset, count));
    case 'I64': return Float32Array.from(new BigInt64Array(buffer, byteOffset, count), (v) => Number(v));
    case 'U64': return Float32Array.from(new BigUint64Array(buffer, byteOffset, count), (v) => Number(v));
    default: return undefined;
  }
}

/** Big-endian hosts: the same conversion through a DataView. */
function toFloat32Portable(bytes: Uint8Array, dtype: string, count: number): Float32Array | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(count);
  const size = DTYPE_SIZES[dtype]!;
  const get: Record<string, (o: number) => number> = {
    F32: (o) => view.getFloat32(o, true), F64: (o) => view.getFloat64(o, true),
    F16: (o) => float16ToNumber(view.getUint16(o, true)), BF16: (o) => bfloat16ToNumber(view.getUint16(o, true)),
    I8: (o) => view.getInt8(o), U8: (o) => view.getUint8(o), BOOL: (o) => (view.getUint8(o) ? 1 : 0),
    I16: (o) => view.getInt16(o, true), U16: (o) => view.getUint16(o, true), I32: (o) => view.getInt32(o, true), U32: (o) => view.getUint32(o, true),
    I64: (o) => Number(view.getBigInt64(o, true)), U64: (o) => Number(view.getBigUint64(o, true)),
  };
  const read = get[dtype];
  if (!read) return undefined;
  for (let i = 0; i < count; i++) out[i] = read(i * size);
  return out;
}
