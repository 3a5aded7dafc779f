/**
 * A restricted reader for `pytorch_model.bin` (issue #14 §1): since PyTorch 1.6 `torch.save`
 * writes a zip holding `<archive>/data.pkl` (a pickle of the state dict) and one uncompressed
 * member `<archive>/data/<key>` per storage. Unpickling runs arbitrary code, so this never
 * unpickles: a small opcode interpreter accepts only what a state dict of tensors needs —
 * dicts/OrderedDicts, tuples, lists, strings, numbers, the persistent ids of storages
 * (`torch.FloatStorage`, `HalfStorage`, `BFloat16Storage`, …) and the calls
 * `torch._utils._rebuild_tensor_v2` / `_rebuild_parameter` / `collections.OrderedDict`, which it
 * evaluates itself into plain records. Any other global, or an opcode outside that set (e.g.
 * `os.system`, `builtins.eval`, INST/OBJ/NEWOBJ), is refused with a CheckpointError and nothing is
 * called. Tensors then read like safetensors: a byte range of the zip file, lazily, per tensor.
 *
 * The zip is read through its central directory (zip64 included) with a few bounded reads; the
 * file is never loaded whole. The legacy pre-1.6 format (a bare pickle stream) is refused with the
 * conversion command.
 */
import { open, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError } from '../../core/formats/errors';
import { safetensorsDtypeSize } from '../../core/formats/safetensors';
import { CONVERT_COMMAND, makeSource, parseWeightIndex, readRange, type OpenedWeights, type ReadStats, type StoredTensorLocation } from './weights';

/** torch storage classes → safetensors dtype names. */
const STORAGE_DTYPES: Readonly<Record<string, string>> = {
  FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', DoubleStorage: 'F64',
  LongStorage: 'I64', IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8', BoolStorage: 'BOOL',
};

/** data.pkl larger than this is not a state dict of tensors (a 7B model's is ~100 KB). */
export const MAX_PICKLE_BYTES = 64 * 1024 * 1024;
const MAX_STACK = 1_000_000;
const MAX_CENTRAL_DIRECTORY_BYTES = 256 * 1024 * 1024;

// ── The restricted pickle interpreter (pure; exported for tests and fuzzing) ───────────────

/** A pickle-level tuple (kept apart from lists). */
class Tuple {
  constructor(readonly items: PickleValue[]) {}
}
/** A global the interpreter resolved from the allow-list (never a real callable). */
class Global {
  constructor(readonly module: string, readonly name: string) {}
}
class Mark {}

export interface StorageRef {
  readonly kind: 'storage';
  readonly dtype: string;
  readonly key: string;
  /** Elements in the storage. */
  readonly numel: number;
}
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  /** Element offset into the storage. */
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

export type PickleValue = null | boolean | number | string | PickleValue[] | Tuple | Map<PickleValue, PickleValue> | Global | StorageRef | TensorRef | Mark;

const ALLOWED_GLOBALS = new Set([
  'collections OrderedDict',
  'torch._utils _rebuild_tensor_v2',
  'torch._utils _rebuild_parameter',
  'torch._utils _rebuild_parameter_with_state',
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch ${s}`),
]);

/** The pickle failed a check; `reason` says which (the caller names the file). */
export class PickleRefused extends Error {
  override readonly name = 'PickleRefused';
}

function isTensor(value: PickleValue): value is TensorRef {
  return typeof value === 'object' && value !== null && !(value instanceof Map) && !Array.isArray(value) && (value as { kind?: string }).kind === 'tensor';
}

function isStorage(value: PickleValue): value is StorageRef {
  return typeof value === 'object' && value !== null && !(value instanceof Map) && !Array.isArray(value) && (value as { kind?: string }).kind === 'storage';
}

function intList(value: PickleValue, what: string): number[] {
  const items = value instanceof Tuple ? value.items : Array.isArray(value) ? value : undefined;
  if (!items || !items.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) throw new PickleRefused(`${what} is not a tuple of non-negative integers`);
  return items as number[];
}

/** REDUCE of an allowed global: evaluated here into plain records, nothing is called. */
function reduce(callable: PickleValue, args: PickleValue): PickleValue {
  if (!(callable instanceof Global)) throw new PickleRefused('REDUCE on something that is not an allowed global');
  if (!(args instanceof Tuple)) throw new PickleRefused(`arguments of ${callable.module}.${callable.name} are not a tuple`);
  const a = args.items;
  switch (`${callable.module} ${callable.name}`) {
    case 'collections OrderedDict':
      if (a.length !== 0) throw new PickleRefused('collections.OrderedDict called with arguments');
      return new Map();
    case 'torch._utils _rebuild_tensor_v2': {
      const [storage, offset] = a;
      if (a.length < 4 || !isStorage(storage!) || typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw new PickleRefused('_rebuild_tensor_v2 called with arguments that are not (storage, offset, size, stride, …)');
      return { kind: 'tensor', storage, offset, shape: intList(a[2]!, 'a tensor size'), stride: intList(a[3]!, 'a tensor stride') };
    }
    case 'torch._utils _rebuild_parameter':
    case 'torch._utils _rebuild_parameter_with_state':
      if (!isTensor(a[0] ?? null)) throw new PickleRefused('_rebuild_parameter called without a tensor');
      return a[0]!;
    default:
      throw new PickleRefused(`${callable.module}.${callable.name} cannot be called`);
  }
}

/**
 * Interprets a torch state-dict pickle without executing anything. Returns the top-level value
 * (a Map for a state dict). Throws PickleRefused for anything outside the allowed subset.
 */
export function interpretTorchPickle(bytes: Uint8Array): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const text = new TextDecoder('utf-8', { fatal: true });
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > bytes.length) throw new PickleRefused('the pickle ends in the middle of an instruction (truncated)');
  };
  const u8 = (): number => (need(1), bytes[pos++]!);
  const u16 = (): number => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = (): number => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const str = (n: number): string => {
    need(n);
    pos += n;
    try {
      return text.decode(bytes.subarray(pos - n, pos));
    } catch {
      throw new PickleRefused('a string in the pickle is not valid UTF-8');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(10, pos);
    if (end < 0 || end - pos > 256) throw new PickleRefused('a GLOBAL name is not terminated');
    const s = str(end - pos);
    pos++;
    return s;
  };
  const push = (v: PickleValue): void => {
    if (stack.length >= MAX_STACK) throw new PickleRefused('the pickle stack grows beyond a million items');
    stack.push(v);
  };
  const pop = (): PickleValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) throw new PickleRefused('the pickle pops an empty stack');
    return stack.pop()!;
  };
  const popMark = (): PickleValue[] => {
    const mark = marks.pop();
    if (mark === undefined) throw new PickleRefused('the pickle uses a MARK it never set');
    return stack.splice(mark);
  };
  const top = (): PickleValue => {
    if (stack.length === 0) throw new PickleRefused('the pickle reads an empty stack');
    return stack[stack.length - 1]!;
  };
  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof Map)) throw new PickleRefused('SETITEMS on something that is not a dict');
    if (items.length % 2 !== 0) throw new PickleRefused('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!;
      if (typeof key !== 'string' && typeof key !== 'number') throw new PickleRefused('a dict key is not a string or number');
      target.set(key, items[i + 1]!);
    }
  };
  const global = (module: string, name: string): Global => {
    if (!ALLOWED_GLOBALS.has(`${module} ${name}`)) throw new PickleRefused(`it references ${module}.${name}, which is not a tensor-storage global: TransferLens reads only tensors and never runs pickled code`);
    return new Global(module, name);
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: need(8); pos += 8; break; // FRAME
      case 0x2e: { // STOP
        if (stack.length !== 1 || marks.length > 0) throw new PickleRefused('the pickle stops with a malformed stack');
        return stack[0]!;
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(new Tuple([])); break; // EMPTY_TUPLE
      case 0x74: push(new Tuple(popMark())); break; // TUPLE
      case 0x85: push(new Tuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push(new Tuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(new Tuple([a, b, c])); break; } // TUPLE3
      case 0x6c: push(popMark()); break; // LIST
      case 0x64: { const d = new Map<PickleValue, PickleValue>(); setItems(d, popMark()); push(d); break; } // DICT
      case 0x58: push(str(u32())); break; // BINUNICODE
      case 0x8c: push(str(u8())); break; // SHORT_BINUNICODE
      case 0x55: push(str(u8())); break; // SHORT_BINSTRING
      case 0x54: { const n = i32(); if (n < 0) throw new PickleRefused('negative string length'); push(str(n)); break; } // BINSTRING
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: { // LONG1
        const n = u8();
        if (n > 7) throw new PickleRefused('an integer wider than 7 bytes');
        need(n);
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[pos + i]!;
        if (n > 0 && bytes[pos + n - 1]! >= 0x80) v -= 2 ** (8 * n);
        pos += n;
        push(v);
        break;
      }
      case 0x47: need(8); push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) throw new PickleRefused(`the pickle reads memo ${key}, which was never stored`);
        push(memo.get(key)!);
        break;
      }
      case 0x63: { const module = line(); const name = line(); push(global(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleRefused('STACK_GLOBAL without two strings');
        push(global(module, name));
        break;
      }
      case 0x51: { // BINPERSID: ('storage', torch.XStorage, key, location, numel)
        const pid = pop();
        const items = pid instanceof Tuple ? pid.items : undefined;
        const [tag, type, key, , numel] = items ?? [];
        if (!items || items.length < 5 || tag !== 'storage' || !(type instanceof Global) || typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
          throw new PickleRefused('a persistent id that is not a torch storage reference');
        }
        const dtype = STORAGE_DTYPES[type.name];
        if (type.module !== 'torch' || !dtype) throw new PickleRefused(`storage type ${type.module}.${type.name} is not a tensor storage`);
        push({ kind: 'storage', dtype, key, numel });
        break;
      }
      case 0x52: { const args = pop(); const callable = pop(); push(reduce(callable, args)); break; } // REDUCE
      case 0x62: { // BUILD: an OrderedDict's state (its _metadata attribute) is dropped
        pop();
        if (!(top() instanceof Map)) throw new PickleRefused('BUILD on something that is not a dict');
        break;
      }
      case 0x73: { const value = pop(); const key = pop(); setItems(top(), [key, value]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const value = pop(); const list = top(); if (!Array.isArray(list)) throw new PickleRefused('APPEND to something that is not a list'); list.push(value); break; } // APPEND
      case 0x65: { const items = popMark(); const list = top(); if (!Array.isArray(list)) throw new PickleRefused('APPENDS to something that is not a list'); list.push(...items); break; } // APPENDS
      default:
        throw new PickleRefused(`it uses pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1}, which a state dict of tensors never needs; nothing was executed`);
    }
  }
}

/** The named tensors of an interpreted state dict (one level of {'state_dict': …} / {'model': …} nesting accepted). */
export function tensorsOfStateDict(value: PickleValue): Map<string, TensorRef> {
  const out = new Map<string, TensorRef>();
  if (!(value instanceof Map)) throw new PickleRefused('its top level is not a dict of tensors');
  for (const [key, v] of value) if (typeof key === 'string' && isTensor(v)) out.set(key, v);
  if (out.size === 0) {
    for (const wrapper of ['state_dict', 'model', 'module']) {
      const inner = value.get(wrapper);
      if (inner instanceof Map) return tensorsOfStateDict(inner);
    }
  }
  return out;
}

// ── The zip container ─────────────────────────────────────────────────────────────────────

interface ZipMember {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

async function readAt(handle: import('node:fs/promises').FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead < length) throw new PickleRefused(`the file ends at byte ${position + bytesRead}, before the zip structure it declares`);
  return buffer;
}

/** Reads the central directory (zip64 aware) with bounded reads. */
async function zipMembers(handle: import('node:fs/promises').FileHandle, size: number): Promise<ZipMember[]> {
  const tailLength = Math.min(size, 65_557);
  const tail = await readAt(handle, size - tailLength, tailLength);
  const tv = new DataView(tail.buffer);
  let eocd = -1;
  for (let i = tailLength - 22; i >= 0; i--) if (tv.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw new PickleRefused('it is not a zip archive (no end-of-central-directory record)');
  let entries = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if ((entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) && eocd >= 20 && tv.getUint32(eocd - 20, true) === 0x07064b50) {
    const at = Number(tv.getBigUint64(eocd - 20 + 8, true));
    const record = new DataView((await readAt(handle, at, 56)).buffer);
    if (record.getUint32(0, true) !== 0x06064b50) throw new PickleRefused('its zip64 end-of-central-directory record is missing');
    entries = Number(record.getBigUint64(32, true));
    cdSize = Number(record.getBigUint64(40, true));
    cdOffset = Number(record.getBigUint64(48, true));
  }
  if (cdSize > MAX_CENTRAL_DIRECTORY_BYTES || cdOffset + cdSize > size) throw new PickleRefused('its zip central directory lies outside the file');
  const cd = await readAt(handle, cdOffset, cdSize);
  const v = new DataView(cd.buffer);
  const members: ZipMember[] = [];
  let p = 0;
  for (let n = 0; n < entries; n++) {
    if (p + 46 > cd.length || v.getUint32(p, true) !== 0x02014b50) throw new PickleRefused('its zip central directory is damaged');
    const nameLength = v.getUint16(p + 28, true);
    const extraLength = v.getUint16(p + 30, true);
    const commentLength = v.getUint16(p + 32, true);
    if (p + 46 + nameLength + extraLength + commentLength > cd.length) throw new PickleRefused('its zip central directory is damaged');
    let compressedSize = v.getUint32(p + 20, true);
    let uncompressed = v.getUint32(p + 24, true);
    let localHeaderOffset = v.getUint32(p + 42, true);
    const name = new TextDecoder().decode(cd.subarray(p + 46, p + 46 + nameLength));
    // zip64 extra field: the 0xFFFFFFFF fields, in order uncompressed, compressed, offset.
    for (let e = p + 46 + nameLength; e + 4 <= p + 46 + nameLength + extraLength;) {
      const id = v.getUint16(e, true);
      const length = v.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + length) throw new PickleRefused('its zip64 extra field is too short');
          const value = Number(v.getBigUint64(q, true));
          q += 8;
          return value;
        };
        if (uncompressed === 0xffffffff) uncompressed = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      e += 4 + length;
    }
    members.push({ name, method: v.getUint16(p + 10, true), compressedSize, size: uncompressed, localHeaderOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return members;
}

/** Absolute offset of a stored member's data (after its local header). */
async function dataOffset(handle: import('node:fs/promises').FileHandle, member: ZipMember, size: number): Promise<number> {
  if (member.localHeaderOffset + 30 > size) throw new PickleRefused(`zip member ${member.name} starts outside the file`);
  const local = new DataView((await readAt(handle, member.localHeaderOffset, 30)).buffer);
  if (local.getUint32(0, true) !== 0x04034b50) throw new PickleRefused(`zip member ${member.name} has no local header`);
  const start = member.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  if (start + member.compressedSize > size) throw new PickleRefused(`zip member ${member.name} runs past the end of the file (truncated)`);
  return start;
}

function contiguous(shape: readonly number[], stride: readonly number[]): boolean {
  if (shape.length !== stride.length) return false;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/** Reads one torch zip: tensor locations (absolute byte ranges in `file`) and the bytes read. */
async function readTorchZip(file: string, stored: Map<string, StoredTensorLocation>, stats: ReadStats): Promise<void> {
  const fail = (detail: string): CheckpointError =>
    new CheckpointError('checkpoint-invalid', `${file}: ${detail}. Convert it to safetensors in your own Python: ${CONVERT_COMMAND(dirname(file))}`);
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new CheckpointError('checkpoint-missing', `${file}: cannot be opened (${error instanceof Error ? error.message : String(error)}).`);
  }
  try {
    const { size } = await handle.stat();
    const magic = await readAt(handle, 0, Math.min(4, size)).catch(() => new Uint8Array(0));
    if (magic.length < 4 || magic[0] !== 0x50 || magic[1] !== 0x4b) {
      throw new CheckpointError('checkpoint-unsupported', `${file}: is not a zip archive — a legacy (pre-1.6) PyTorch pickle or not a checkpoint at all — and TransferLens never unpickles. Convert it to safetensors in your own Python: ${CONVERT_COMMAND(dirname(file))}`);
    }
    const members = await zipMembers(handle, size);
    stats.headerBytes += Math.min(size, 65_557);
    const pickleMember = members.find((m) => m.name.endsWith('/data.pkl') && m.name.split('/').length === 2);
    if (!pickleMember) throw new PickleRefused('the zip holds no <archive>/data.pkl: it is not a torch.save checkpoint');
    const prefix = pickleMember.name.slice(0, -'data.pkl'.length);
    if (pickleMember.method !== 0) throw new PickleRefused('its data.pkl is compressed, which torch.save never does');
    if (pickleMember.size > MAX_PICKLE_BYTES) throw new PickleRefused(`its data.pkl is ${pickleMember.size} bytes, more than a state dict of tensors holds`);
    const pickle = await readAt(handle, await dataOffset(handle, pickleMember, size), pickleMember.size);
    stats.headerBytes += pickle.length;
    const tensors = tensorsOfStateDict(interpretTorchPickle(pickle));
    if (tensors.size === 0) throw new PickleRefused('it holds no tensors');
    const byName = new Map(members.map((m) => [m.name, m]));
    const storageStart = new Map<string, { start: number; bytes: number }>();
    for (const [name, t] of tensors) {
      const elementSize = safetensorsDtypeSize(t.storage.dtype)!;
      let location = storageStart.get(t.storage.key);
      if (!location) {
        const member = byName.get(`${prefix}data/${t.storage.key}`);
        if (!member) throw new PickleRefused(`tensor '${name}' refers to storage ${t.storage.key}, which is not in the zip`);
        if (member.method !== 0) throw new PickleRefused(`storage ${t.storage.key} is compressed, which torch.save never does`);
        location = { start: await dataOffset(handle, member, size), bytes: member.size };
        storageStart.set(t.storage.key, location);
      }
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (!contiguous(t.shape, t.stride) && count > 1) throw new PickleRefused(`tensor '${name}' is stored non-contiguously (strides [${t.stride.join(', ')}] for shape [${t.shape.join(', ')}])`);
      const start = location.start + t.offset * elementSize;
      const end = start + count * elementSize;
      if ((t.offset + count) * elementSize > location.bytes || t.offset + count > t.storage.numel) throw new PickleRefused(`tensor '${name}' reaches past the end of its storage ${t.storage.key} (the file is damaged)`);
      if (stored.has(name)) throw new PickleRefused(`tensor '${name}' appears in two files`);
      stored.set(name, { name, dtype: t.storage.dtype, shape: t.shape, file, start, end });
    }
  } catch (error) {
    if (error instanceof PickleRefused) throw fail(`cannot be read as a state dict of tensors: ${error.message}`);
    throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Opens `pytorch_model.bin` (kind 'file') or `pytorch_model.bin.index.json` and its shards
 * (kind 'index') as a WeightSource, reading only the zip directories and data.pkl.
 */
export async function openTorchWeights(path: string, kind: 'file' | 'index'): Promise<OpenedWeights> {
  const stats: ReadStats = { headerBytes: 0, tensorBytes: 0, tensorsRead: 0 };
  const stored = new Map<string, StoredTensorLocation>();
  const files: string[] = [];
  if (kind === 'file') {
    await readTorchZip(path, stored, stats);
    files.push(path);
  } else {
    const folder = dirname(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new CheckpointError('checkpoint-invalid', `${path}: cannot be read (${error instanceof Error ? error.message : String(error)}).`);
    }
    const index = parseWeightIndex(text, path);
    files.push(path);
    for (const shard of index.shards) {
      const file = join(folder, shard);
      try {
        await readTorchZip(file, stored, stats);
      } catch (error) {
        if (error instanceof CheckpointError && error.code === 'checkpoint-missing') {
          throw new CheckpointError('checkpoint-missing', `${basename(path)} lists ${shard}, which is not in ${folder}: the download is incomplete. Fetch it with \`huggingface-cli download ORG/NAME --include "*.bin"\` (or the safetensors weights with --include "*.safetensors").`);
        }
        throw error;
      }
      files.push(file);
    }
  }
  return makeSource('pytorch-zip', files, stored, stats, readRange);
}
