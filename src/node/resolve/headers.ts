/**
 * Tiny header/metadata parsers the static checks need and src/core/formats does not (yet)
 * provide: the Parquet footer's `num_rows`, top-level column names and which of them are
 * numeric features of what width (Thrift compact protocol, no dependency), and a TF.js `model.json`'s input shape. Pure functions of bytes or
 * JSON; candidates to move into src/core/formats (tfjsModel.ts, parquet.ts) once those exist.
 */
import { parseArrowSchemaMessage } from './arrowHeader';

/** A column the readers take as features, with its values per row (see ParquetFooter.featureWidths). */
export interface FeatureWidth {
  readonly name: string;
  /** 1 for a number or boolean, n for a fixed-size list of n numbers, null for a list whose length only the rows tell. */
  readonly width: number | null;
}

/** What the Parquet footer says about the file. */
export interface ParquetFooter {
  readonly rows: number;
  /** Top-level column names (leaf names of the root schema's direct children). */
  readonly columns: string[];
  /**
   * Top-level columns the readers would take as features (numbers, booleans, lists of numbers;
   * the rules of src/node/readers/parquet.ts), in schema order. Parquet lists have no fixed
   * length; a list counts as its length only when the Arrow schema pyarrow stores in the
   * metadata (`ARROW:schema`) declares a fixed-size list.
   */
  readonly featureWidths: FeatureWidth[];
}

/** Length of the footer metadata from the last 8 bytes (`<u32 length>PAR1`), or undefined if not Parquet. */
export function parquetFooterLength(last8: Uint8Array): number | undefined {
  if (last8.length < 8) return undefined;
  const magic = String.fromCharCode(last8[4]!, last8[5]!, last8[6]!, last8[7]!);
  if (magic !== 'PAR1') return undefined;
  return new DataView(last8.buffer, last8.byteOffset, 8).getUint32(0, true);
}

/**
 * Decodes `FileMetaData` (Thrift compact): field 2 = schema list<SchemaElement>, field 3 =
 * num_rows i64. Everything else is skipped generically. Throws a plain Error on malformed bytes
 * (the caller turns it into a `dataset-invalid` finding naming the file).
 */
export function parseParquetFooter(bytes: Uint8Array): ParquetFooter {
  const reader = new CompactReader(bytes);
  let rows = -1;
  const columns: string[] = [];
  let elements: SchemaElement[] = [];
  let arrowSchema: string | undefined;
  reader.readStruct((field, type) => {
    if (field === 3 && type === I64) {
      rows = Number(reader.readZigZagVarint());
      return true;
    }
    if (field === 2 && type === LIST) {
      const { size } = reader.readListHeader();
      elements = [];
      for (let i = 0; i < size; i++) {
        const element: SchemaElement = { name: '', children: 0 };
        reader.readStruct((elementField, elementFieldType) => {
          if (elementField === 1 && elementFieldType === I32) element.type = Number(reader.readZigZagVarint());
          else if (elementField === 3 && elementFieldType === I32) element.repetition = Number(reader.readZigZagVarint());
          else if (elementField === 4 && elementFieldType === BINARY) element.name = reader.readString();
          else if (elementField === 5 && elementFieldType === I32) element.children = Number(reader.readZigZagVarint());
          else if (elementField === 6 && elementFieldType === I32) element.converted = Number(reader.readZigZagVarint());
          else if (elementField === 10 && elementFieldType === STRUCT) {
            // LogicalType is a union: the id of its one set field names the type.
            reader.readStruct((logicalField, logicalType) => {
              element.logical ??= logicalField;
              reader.skip(logicalType);
              return true;
            });
          } else return false;
          return true;
        });
        elements.push(element);
      }
      columns.push(...topLevelColumns(elements));
      return true;
    }
    if (field === 5 && type === LIST) {
      const { size, elementType } = reader.readListHeader();
      for (let i = 0; i < size; i++) {
        if (elementType !== STRUCT) {
          reader.skip(elementType);
          continue;
        }
        let key: string | undefined;
        let value: string | undefined;
        reader.readStruct((kvField, kvType) => {
          if (kvType !== BINARY || (kvField !== 1 && kvField !== 2)) return false;
          if (kvField === 1) key = reader.readString();
          else value = reader.readString();
          return true;
        });
        if (key === 'ARROW:schema') arrowSchema = value;
      }
      return true;
    }
    return false;
  });
  if (rows < 0) throw new Error('the Parquet footer has no num_rows field (corrupt metadata)');
  return { rows, columns, featureWidths: featureWidths(elements, arrowSchema) };
}

interface SchemaElement {
  name: string;
  children: number;
  /** Physical type: BOOLEAN 0, INT32 1, INT64 2, INT96 3, FLOAT 4, DOUBLE 5, BYTE_ARRAY 6, FIXED_LEN_BYTE_ARRAY 7. */
  type?: number;
  /** REQUIRED 0, OPTIONAL 1, REPEATED 2. */
  repetition?: number;
  /** ConvertedType: LIST 3, DECIMAL 5, DATE 6, TIME_* 7–8, TIMESTAMP_* 9–10, INTERVAL 21, … */
  converted?: number;
  /** Field id of the LogicalType union: LIST 3, DECIMAL 5, DATE 6, TIME 7, TIMESTAMP 8, FLOAT16 15, … */
  logical?: number;
}

interface SchemaNode {
  readonly element: SchemaElement;
  readonly children: SchemaNode[];
}

/** The schema's depth-first flattening back into a tree (the root's children are the columns). */
function schemaTree(elements: readonly SchemaElement[]): SchemaNode[] {
  let index = 0;
  const node = (depth: number): SchemaNode => {
    const element = elements[index++]!;
    const children: SchemaNode[] = [];
    for (let k = 0; k < element.children && index < elements.length && depth < 64; k++) children.push(node(depth + 1));
    return { element, children };
  };
  return elements.length > 0 ? node(0).children : [];
}

/** A primitive the readers decode as a number (src/node/readers/parquet.ts leafInfo). */
function numericLeaf(element: SchemaElement): boolean {
  const logical = element.logical;
  const converted = logical === undefined ? element.converted : undefined;
  if (logical === 5 || converted === 5) return true; // DECIMAL
  const time = (logical !== undefined && logical >= 6 && logical <= 9) || (converted !== undefined && ((converted >= 6 && converted <= 10) || converted === 21));
  if (time || element.type === 3) return false; // dates, times, timestamps, INT96
  if (element.type !== undefined && [0, 1, 2, 4, 5].includes(element.type)) return true;
  return logical === 15; // FLOAT16
}

/** Feature columns and their widths, by the readers' rules (parquetColumnInfo + ColumnarSampler). */
function featureWidths(elements: readonly SchemaElement[], arrowSchema: string | undefined): FeatureWidth[] {
  let fixed: Map<string, number> | undefined;
  const fixedSizes = (): Map<string, number> => {
    if (fixed) return fixed;
    fixed = new Map();
    if (arrowSchema) {
      const columns = parseArrowSchemaMessage(new Uint8Array(Buffer.from(arrowSchema, 'base64')));
      for (const column of columns ?? []) if (typeof column.width === 'number' && column.type.startsWith('fixed-size list')) fixed.set(column.name, column.width);
    }
    return fixed;
  };
  const out: FeatureWidth[] = [];
  for (const column of schemaTree(elements)) {
    const { element } = column;
    const name = element.name;
    if (column.children.length === 0) {
      if (!numericLeaf(element)) continue;
      // A legacy unannotated repeated primitive is a list.
      out.push({ name, width: element.repetition === 2 ? fixedSizes().get(name) ?? null : 1 });
      continue;
    }
    if (element.logical !== 3 && !(element.logical === undefined && element.converted === 3)) continue; // structs, maps
    const repeated = column.children[0]!;
    const item = repeated.children.length === 1 ? repeated.children[0]! : repeated;
    if (item.children.length === 0 && numericLeaf(item.element)) out.push({ name, width: fixedSizes().get(name) ?? null });
  }
  return out;
}

/**
 * The schema is a depth-first flattening of a tree: element 0 is the root with `children`
 * top-level fields, and each group is followed by its own subtree. Returns the top-level names.
 */
function topLevelColumns(elements: readonly { name: string; children: number }[]): string[] {
  const names: string[] = [];
  const skipSubtree = (index: number, depth: number): number => {
    if (depth > 64 || index >= elements.length) return elements.length;
    let next = index + 1;
    for (let k = 0; k < elements[index]!.children; k++) next = skipSubtree(next, depth + 1);
    return next;
  };
  let index = 1;
  for (let c = 0; c < (elements[0]?.children ?? 0) && index < elements.length; c++) {
    names.push(elements[index]!.name);
    index = skipSubtree(index, 0);
  }
  return names;
}

const BOOL_TRUE = 1;
const BOOL_FALSE = 2;
const BYTE = 3;
const I16 = 4;
const I32 = 5;
const I64 = 6;
const DOUBLE = 7;
const BINARY = 8;
const LIST = 9;
const SET = 10;
const MAP = 11;
const STRUCT = 12;

class CompactReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  private byte(): number {
    if (this.offset >= this.bytes.length) throw new Error('the Parquet footer ends early (truncated file)');
    return this.bytes[this.offset++]!;
  }

  readVarint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new Error('malformed varint in the Parquet footer');
  }

  readZigZagVarint(): bigint {
    const n = this.readVarint();
    return (n >> 1n) ^ -(n & 1n);
  }

  readString(): string {
    const length = Number(this.readVarint());
    if (length < 0 || this.offset + length > this.bytes.length) throw new Error('a string in the Parquet footer runs past its end');
    const text = new TextDecoder().decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return text;
  }

  readListHeader(): { size: number; elementType: number } {
    const header = this.byte();
    let size = header >> 4;
    if (size === 15) size = Number(this.readVarint());
    return { size, elementType: header & 0x0f };
  }

  /** Reads a struct; `onField` consumes a field and returns true, or returns false to skip it. */
  readStruct(onField: (field: number, type: number) => boolean): void {
    let lastField = 0;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const header = this.byte();
      if (header === 0) return;
      const type = header & 0x0f;
      const delta = header >> 4;
      const field = delta === 0 ? Number(this.readZigZagVarint()) : lastField + delta;
      lastField = field;
      if (!onField(field, type)) this.skip(type);
    }
    throw new Error('the Parquet footer has an unterminated struct');
  }

  skip(type: number, depth = 0): void {
    if (depth > 64) throw new Error('the Parquet footer nests too deeply (corrupt metadata)');
    switch (type) {
      case BOOL_TRUE:
      case BOOL_FALSE:
        return;
      case BYTE:
        this.byte();
        return;
      case I16:
      case I32:
      case I64:
        this.readVarint();
        return;
      case DOUBLE:
        this.offset += 8;
        return;
      case BINARY: {
        const length = Number(this.readVarint());
        this.offset += length;
        if (this.offset > this.bytes.length) throw new Error('the Parquet footer ends early (truncated file)');
        return;
      }
      case LIST:
      case SET: {
        const { size, elementType } = this.readListHeader();
        for (let i = 0; i < size; i++) {
          if (elementType === BOOL_TRUE || elementType === BOOL_FALSE) this.byte();
          else this.skip(elementType, depth + 1);
        }
        return;
      }
      case MAP: {
        const size = Number(this.readVarint());
        if (size === 0) return;
        const types = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(types >> 4, depth + 1);
          this.skip(types & 0x0f, depth + 1);
        }
        return;
      }
      case STRUCT:
        this.readStruct((_field, fieldType) => {
          this.skip(fieldType, depth + 1);
          return true;
        });
        return;
      default:
        throw new Error(`unknown Thrift type ${type} in the Parquet footer (corrupt metadata)`);
    }
  }
}

/** Input shape of a TF.js model.json (layers or graph format); dims are null when unknown (batch). */
export interface ModelJsonSummary {
  readonly format: 'tfjs-layers' | 'tfjs-graph' | 'unknown';
  readonly inputShape?: (number | null)[];
  readonly layerCount?: number;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function shapeOf(config: Json | undefined): (number | null)[] | undefined {
  if (!config) return undefined;
  const shape = config.batch_input_shape ?? config.batchInputShape ?? config.batch_shape;
  if (Array.isArray(shape)) return shape.map((d) => (typeof d === 'number' ? d : null));
  const inputShape = config.input_shape ?? config.inputShape;
  if (Array.isArray(inputShape)) return [null, ...inputShape.map((d) => (typeof d === 'number' ? d : null))];
  return undefined;
}

/** Reads the format and input shape from a parsed model.json. */
export function summariseModelJson(json: unknown): ModelJsonSummary {
  const root = asObject(json);
  if (!root) return { format: 'unknown' };
  const format = typeof root.format === 'string' ? root.format : '';
  let topology = asObject(root.modelTopology);
  if (topology && asObject(topology.model_config)) topology = asObject(topology.model_config);
  // Graph models: a node list with Placeholder ops, or a signature.
  if (format === 'graph-model' || (topology && Array.isArray(topology.node))) {
    const signatureInputs = asObject(asObject(root.signature)?.inputs) ?? asObject(asObject(root.userDefinedMetadata)?.signature);
    const firstInput = signatureInputs ? asObject(Object.values(signatureInputs)[0]) : undefined;
    let dims = asObject(firstInput?.tensorShape)?.dim;
    if (!Array.isArray(dims) && topology && Array.isArray(topology.node)) {
      const placeholder = (topology.node as unknown[]).map(asObject).find((node) => node?.op === 'Placeholder');
      dims = asObject(asObject(asObject(placeholder?.attr)?.shape)?.shape)?.dim;
    }
    const inputShape = Array.isArray(dims)
      ? dims.map((d) => {
          const size = Number(asObject(d)?.size);
          return Number.isFinite(size) && size >= 0 ? size : null;
        })
      : undefined;
    return { format: 'tfjs-graph', ...(inputShape ? { inputShape } : {}) };
  }
  if (!topology) return { format: format === 'layers-model' ? 'tfjs-layers' : 'unknown' };
  const config = asObject(topology.config);
  const layers = Array.isArray(config?.layers) ? (config!.layers as unknown[]).map(asObject) : Array.isArray(topology.config) ? (topology.config as unknown[]).map(asObject) : [];
  let inputShape: (number | null)[] | undefined;
  const inputNames = Array.isArray(config?.input_layers) ? (config!.input_layers as unknown[]).map((entry) => (Array.isArray(entry) ? entry[0] : undefined)) : [];
  if (inputNames.length > 0) {
    const input = layers.find((layer) => asObject(layer?.config)?.name === inputNames[0] || layer?.name === inputNames[0]);
    inputShape = shapeOf(asObject(input?.config));
  }
  if (!inputShape) {
    for (const layer of layers) {
      inputShape = shapeOf(asObject(layer?.config));
      if (inputShape) break;
    }
  }
  return { format: 'tfjs-layers', layerCount: layers.length, ...(inputShape ? { inputShape } : {}) };
}
