/**
 * Header-only reading of Arrow IPC files (the stream format Hugging Face `datasets` writes to
 * its cache and `save_to_disk` folders, and the file format of Feather v2 / `.arrow` files):
 * column names and types from the schema message, and the row count summed over the record
 * batch messages — reading only the small flatbuffer headers and seeking past every body, so a
 * 1 GB file costs a few hundred small reads. No dependency (apache-arrow stays out of the
 * extension bundle); the full reader is src/node/readers/arrow.ts.
 *
 * Layout (Arrow columnar format, "Encapsulated message format"): each message is
 * `0xFFFFFFFF <int32 metadata length> <flatbuffer Message, padded to 8> <body>`; a length of 0 is
 * the end-of-stream marker. The file format wraps the same stream in `ARROW1\0\0 … footer
 * <int32 footer length> ARROW1`.
 */
import { open } from 'node:fs/promises';

/** Arrow `Type` union ids (Schema.fbs) that matter to us. */
const TYPE_NAMES: Record<number, string> = {
  1: 'null', 2: 'int', 3: 'float', 4: 'binary', 5: 'string', 6: 'bool', 7: 'decimal', 8: 'date', 9: 'time',
  10: 'timestamp', 11: 'interval', 12: 'list', 13: 'struct', 14: 'union', 15: 'fixed-size binary',
  16: 'fixed-size list', 17: 'map', 18: 'duration', 19: 'large binary', 20: 'large string', 21: 'large list',
  22: 'run-end encoded', 23: 'binary view', 24: 'string view', 25: 'list view', 26: 'large list view',
};

export interface ArrowColumnHeader {
  readonly name: string;
  /** 'int', 'float', 'bool', 'string', 'list<float>', 'fixed-size list<float>[16]', 'struct', … */
  readonly type: string;
  /** A number per row (int, float, bool), or a list of numbers per row. */
  readonly numeric: boolean;
  /**
   * Values per row the readers take from this column as features: 1 for a number or boolean
   * (dictionary-encoded numbers too), the length of a fixed-size list of numbers; null for a
   * variable-length list of numbers (its width is only known from the rows); absent when the
   * readers skip the column (text, structs, nested lists, …).
   */
  readonly width?: number | null;
}

export interface ArrowHeader {
  readonly format: 'stream' | 'file';
  readonly rows: number;
  readonly batches: number;
  /** Largest record batch body (bytes held in memory at once when reading it). */
  readonly maxBodyBytes: number;
  readonly columns: ArrowColumnHeader[];
}

const MAX_METADATA_BYTES = 64 * 1024 * 1024;
const MAX_MESSAGES = 5_000_000;
const MAGIC = 'ARROW1';

/** Minimal flatbuffer table access with bounds checks (DataView throws RangeError past the end). */
class Flat {
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(o: number): number { return this.view.getUint8(o); }
  u16(o: number): number { return this.view.getUint16(o, true); }
  i32(o: number): number { return this.view.getInt32(o, true); }
  u32(o: number): number { return this.view.getUint32(o, true); }
  i64(o: number): number { return Number(this.view.getBigInt64(o, true)); }
  root(): number { return this.u32(0); }
  /** Absolute position of field `index` of the table at `table`, or 0 when absent. */
  field(table: number, index: number): number {
    const vtable = table - this.i32(table);
    const vtableLength = this.u16(vtable);
    const slot = 4 + 2 * index;
    if (slot >= vtableLength) return 0;
    const offset = this.u16(vtable + slot);
    return offset === 0 ? 0 : table + offset;
  }
  indirect(position: number): number { return position + this.u32(position); }
  string(position: number): string {
    const start = this.indirect(position);
    const length = this.u32(start);
    if (start + 4 + length > this.bytes.length) throw new RangeError('string past the end');
    return new TextDecoder().decode(this.bytes.subarray(start + 4, start + 4 + length));
  }
  /** Positions of the tables of a vector of tables. */
  tables(position: number): number[] {
    const start = this.indirect(position);
    const length = this.u32(start);
    if (length > 1_000_000 || start + 4 + 4 * length > this.bytes.length) throw new RangeError('vector past the end');
    return Array.from({ length }, (_, k) => this.indirect(start + 4 + 4 * k));
  }
}

/** Column name and type text of a Field table. */
function describeField(fb: Flat, field: number, depth = 0): ArrowColumnHeader {
  const namePosition = fb.field(field, 0);
  const name = namePosition ? fb.string(namePosition) : '';
  const typeTypePosition = fb.field(field, 2);
  const typeId = typeTypePosition ? fb.u8(typeTypePosition) : 0;
  const typePosition = fb.field(field, 3);
  const dictionary = fb.field(field, 4) !== 0;
  let type = TYPE_NAMES[typeId] ?? `type ${typeId}`;
  let numeric = typeId === 2 || typeId === 3 || typeId === 6;
  let width: number | null | undefined = numeric ? 1 : undefined;
  if (typeId === 3 && typePosition) {
    const precisionPosition = fb.field(fb.indirect(typePosition), 0);
    type = ['float16', 'float32', 'float64'][precisionPosition ? fb.u16(precisionPosition) : 0] ?? 'float';
  }
  if ((typeId === 12 || typeId === 16 || typeId === 21) && depth < 8) {
    const childrenPosition = fb.field(field, 5);
    const child = childrenPosition ? fb.tables(childrenPosition)[0] : undefined;
    const element = child !== undefined ? describeField(fb, child, depth + 1) : undefined;
    let size = '';
    let listSize: number | undefined;
    if (typeId === 16 && typePosition) {
      const sizePosition = fb.field(fb.indirect(typePosition), 0);
      listSize = sizePosition ? fb.i32(sizePosition) : 0;
      size = `[${listSize}]`;
    }
    type = `${type}<${element?.type ?? '?'}>${size}`;
    numeric = element !== undefined && element.numeric && !element.type.includes('list');
    width = numeric ? (listSize !== undefined && listSize > 0 ? listSize : null) : undefined;
  }
  if (dictionary) {
    type = `dictionary<${type}>`;
    numeric = false;
    // The readers decode dictionary-encoded numbers as numbers (pandas categoricals of ints).
    if (width !== 1 || type.includes('list')) width = undefined;
  }
  return { name, type, numeric, ...(width !== undefined ? { width } : {}) };
}

/**
 * Columns of one encapsulated IPC Schema message (`[0xFFFFFFFF] <int32 length> <flatbuffer>`),
 * as pyarrow stores it base64-encoded under the Parquet key `ARROW:schema`. Undefined when the
 * bytes are not a Schema message.
 */
export function parseArrowSchemaMessage(bytes: Uint8Array): ArrowColumnHeader[] | undefined {
  try {
    if (bytes.length < 8) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let length = view.getInt32(0, true);
    let start = 4;
    if (length === -1) {
      length = view.getInt32(4, true);
      start = 8;
    }
    if (length <= 0 || start + length > bytes.length) return undefined;
    const fb = new Flat(bytes.subarray(start, start + length));
    const message = fb.root();
    const headerType = fb.field(message, 1) ? fb.u8(fb.field(message, 1)) : 0;
    const headerPosition = fb.field(message, 2);
    if (headerType !== 1 || !headerPosition) return undefined;
    const fieldsPosition = fb.field(fb.indirect(headerPosition), 1);
    return fieldsPosition ? fb.tables(fieldsPosition).map((field) => describeField(fb, field)) : [];
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Reads the schema and counts rows of an Arrow IPC file (stream or file format). Throws plain Errors on corrupt input. */
export async function readArrowHeader(path: string): Promise<ArrowHeader> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const read = async (position: number, length: number): Promise<Uint8Array> => {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      if (bytesRead < length) throw new Error(`the file ends at byte ${size} inside a message (truncated)`);
      return buffer;
    };
    if (size < 8) throw new Error(`${size} bytes is too short for Arrow IPC`);
    const head = await read(0, 8);
    const isFile = new TextDecoder().decode(head.subarray(0, 6)) === MAGIC;
    let end = size;
    let offset = 0;
    let footerColumns: ArrowColumnHeader[] | undefined;
    if (isFile) {
      if (size < 18) throw new Error('too short for the Arrow file format (truncated)');
      const tail = await read(size - 10, 10);
      if (new TextDecoder().decode(tail.subarray(4, 10)) !== MAGIC) throw new Error('starts like an Arrow file but has no closing ARROW1 magic (truncated)');
      const footerLength = new DataView(tail.buffer).getInt32(0, true);
      if (footerLength <= 0 || footerLength > size - 18) throw new Error('the Arrow file footer length is invalid (corrupt)');
      end = size - 10 - footerLength;
      offset = 8;
      // The footer repeats the schema (some writers, e.g. apache-arrow JS, put it only there).
      try {
        const footer = new Flat(await read(end, footerLength));
        const schemaPosition = footer.field(footer.root(), 1);
        const fieldsPosition = schemaPosition ? footer.field(footer.indirect(schemaPosition), 1) : 0;
        if (schemaPosition) footerColumns = fieldsPosition ? footer.tables(fieldsPosition).map((field) => describeField(footer, field)) : [];
      } catch (error) {
        if (error instanceof RangeError) throw new Error('the Arrow file footer is malformed (corrupt)');
        throw error;
      }
    }
    let rows = 0;
    let batches = 0;
    let maxBodyBytes = 0;
    let columns: ArrowColumnHeader[] | undefined;
    for (let messages = 0; messages < MAX_MESSAGES; messages++) {
      if (offset + 4 > end) {
        if (isFile && offset >= end) break; // file format: the stream may end without an EOS marker
        if (offset === end) break; // a stream without its end-of-stream marker (still readable)
        throw new Error(`the file ends inside a message header at byte ${offset} (truncated)`);
      }
      const prefix = await read(offset, Math.min(8, end - offset));
      const view = new DataView(prefix.buffer);
      let length = view.getInt32(0, true);
      let headerBytes = 4;
      if (length === -1) {
        if (prefix.length < 8) throw new Error(`the file ends inside a message header at byte ${offset} (truncated)`);
        length = view.getInt32(4, true);
        headerBytes = 8;
      }
      if (length === 0) break; // end-of-stream marker
      if (length < 0 || length > MAX_METADATA_BYTES) throw new Error(`message at byte ${offset} declares ${length} bytes of metadata (corrupt; not Arrow IPC?)`);
      if (offset + headerBytes + length > end) throw new Error(`the file ends inside the message at byte ${offset} (truncated)`);
      const fb = new Flat(await read(offset + headerBytes, length));
      let bodyLength: number;
      try {
        const message = fb.root();
        const headerType = fb.field(message, 1) ? fb.u8(fb.field(message, 1)) : 0;
        const headerPosition = fb.field(message, 2);
        bodyLength = fb.field(message, 3) ? fb.i64(fb.field(message, 3)) : 0;
        if (headerType === 1 && headerPosition && !columns) {
          const schema = fb.indirect(headerPosition);
          const fieldsPosition = fb.field(schema, 1);
          columns = fieldsPosition ? fb.tables(fieldsPosition).map((field) => describeField(fb, field)) : [];
        } else if (headerType === 3 && headerPosition) {
          const batch = fb.indirect(headerPosition);
          const lengthPosition = fb.field(batch, 0);
          rows += lengthPosition ? fb.i64(lengthPosition) : 0;
          batches++;
        } else if (headerType !== 1 && headerType !== 2) {
          throw new Error(`message at byte ${offset} has unknown header type ${headerType} (not an Arrow table)`);
        }
      } catch (error) {
        if (error instanceof RangeError) throw new Error(`the message at byte ${offset} is malformed (corrupt)`);
        throw error;
      }
      if (!(bodyLength >= 0)) throw new Error(`message at byte ${offset} declares a negative body length (corrupt)`);
      maxBodyBytes = Math.max(maxBodyBytes, bodyLength);
      offset += headerBytes + length + bodyLength;
      if (offset > end) throw new Error(`the file ends inside a record batch body (truncated: ${size} bytes, the batch needs ${offset})`);
    }
    columns ??= footerColumns;
    if (!columns) throw new Error('no schema message (not an Arrow IPC stream or file)');
    if (!Number.isSafeInteger(rows) || rows < 0) throw new Error('record batch lengths are invalid (corrupt)');
    return { format: isFile ? 'file' : 'stream', rows, batches, maxBodyBytes, columns };
  } finally {
    await handle.close();
  }
}
