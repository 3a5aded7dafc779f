/**
 * TF.js `model.json` parsing and validation, pure (text and byte counts in, plain data out):
 * which format it is (layers or graph), the layer / node list, the weights manifest with every
 * weight's byte range, and checks that turn corrupt checkpoints into precise messages before
 * TensorFlow.js sees them — unknown dtypes, quantization without scale/min, shard paths that
 * leave the model folder or point at a server, shard files shorter or longer than the manifest
 * says (truncated download, wrong file).
 *
 * Layout (tfjs converter and `model.save`): `{format?, modelTopology, weightsManifest: [{paths,
 * weights: [{name, shape, dtype, quantization?}]}], signature?, userDefinedMetadata?}`. Each
 * group's shards are concatenated in `paths` order and hold its weights back to back; a
 * quantized weight takes 1 (uint8) or 2 (uint16, float16) bytes per value instead of 4.
 */
import { FormatError } from './errors';

export type TfjsFormat = 'tfjs-layers' | 'tfjs-graph';

export interface TfjsQuantization {
  readonly dtype: 'uint8' | 'uint16' | 'float16';
  readonly scale?: number;
  readonly min?: number;
}

/** A manifest weight with its place in the group's concatenated shard bytes. */
export interface TfjsWeight {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly quantization?: TfjsQuantization;
  readonly group: number;
  readonly byteOffset: number;
  readonly byteLength: number;
}

export interface TfjsWeightGroup {
  readonly paths: string[];
  readonly byteLength: number;
}

/** A layer (layers format) or an op node (graph format) as the topology declares it. */
export interface TfjsTopologyLayer {
  readonly name: string;
  /** Keras class name (`Dense`) or graph op (`MatMul`). */
  readonly className: string;
  /** Graph format: names of the input nodes (without `:0` / `^`). */
  readonly inputs?: string[];
}

export interface ParsedTfjsModel {
  readonly format: TfjsFormat;
  /** The parsed JSON, handed to TensorFlow.js unchanged. */
  readonly json: Record<string, unknown>;
  readonly modelTopology: Record<string, unknown>;
  readonly layers: TfjsTopologyLayer[];
  readonly weights: TfjsWeight[];
  readonly groups: TfjsWeightGroup[];
  /** Layers format only: the Keras model class (`Sequential`, `Model`/`Functional`). */
  readonly modelClass?: string;
}

/** Bytes per stored value. */
function storedSize(dtype: string, quantization: TfjsQuantization | undefined): number {
  if (quantization) return quantization.dtype === 'uint8' ? 1 : 2;
  return dtype === 'bool' ? 1 : 4;
}

/** Parses and validates `model.json` text. `source` names the file in messages. */
export function parseTfjsModelJson(text: string, source = 'model.json'): ParsedTfjsModel {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new FormatError(source, `is not valid JSON (${e instanceof Error ? e.message : String(e)}); the file is truncated or not a TF.js model.json`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FormatError(source, 'is not a JSON object, so not a TF.js model.json');
  const root = json as Record<string, unknown>;
  const topology = root['modelTopology'];
  if (typeof topology !== 'object' || topology === null) {
    throw new FormatError(source, "has no 'modelTopology': it is not a TF.js model.json (convert the model with tensorflowjs_converter)");
  }
  const modelTopology = topology as Record<string, unknown>;
  const declared = root['format'];
  let format: TfjsFormat;
  if (declared === 'graph-model' || (declared === undefined && Array.isArray(modelTopology['node']))) format = 'tfjs-graph';
  else if (declared === 'layers-model' || (declared === undefined && ('model_config' in modelTopology || 'class_name' in modelTopology))) format = 'tfjs-layers';
  else throw new FormatError(source, `has format ${JSON.stringify(declared)}; expected 'layers-model' or 'graph-model'`);

  const { weights, groups } = parseManifest(root['weightsManifest'], source);
  if (format === 'tfjs-layers') {
    const { layers, modelClass } = layersOf(modelTopology, source);
    return { format, json: root, modelTopology, layers, weights, groups, modelClass };
  }
  return { format, json: root, modelTopology, layers: nodesOf(modelTopology, source), weights, groups };
}

function parseManifest(manifest: unknown, source: string): { weights: TfjsWeight[]; groups: TfjsWeightGroup[] } {
  if (manifest === undefined) return { weights: [], groups: [] };
  if (!Array.isArray(manifest)) throw new FormatError(source, "has a 'weightsManifest' that is not a list");
  const weights: TfjsWeight[] = [];
  const groups: TfjsWeightGroup[] = [];
  manifest.forEach((groupValue: unknown, g) => {
    const where = `weightsManifest[${g}]`;
    if (typeof groupValue !== 'object' || groupValue === null) throw new FormatError(source, `has ${where} that is not an object`);
    const { paths, weights: entries } = groupValue as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p.length > 0)) {
      throw new FormatError(source, `has ${where}.paths that is not a list of file names`);
    }
    for (const p of paths as string[]) checkShardPath(p, `${where}.paths`, source);
    if (!Array.isArray(entries)) throw new FormatError(source, `has ${where}.weights that is not a list`);
    let offset = 0;
    entries.forEach((entry: unknown, w) => {
      const at = `${where}.weights[${w}]`;
      if (typeof entry !== 'object' || entry === null) throw new FormatError(source, `has ${at} that is not an object`);
      const e = entry as { name?: unknown; shape?: unknown; dtype?: unknown; quantization?: unknown };
      if (typeof e.name !== 'string') throw new FormatError(source, `has ${at} without a name`);
      const label = `weight '${e.name}' (${at})`;
      if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw new FormatError(source, `has ${label} with an invalid shape ${JSON.stringify(e.shape)}`);
      }
      if (e.dtype !== 'float32' && e.dtype !== 'int32' && e.dtype !== 'bool') {
        throw new FormatError(source, `has ${label} of dtype ${JSON.stringify(e.dtype)}; only float32, int32 and bool weights are supported`);
      }
      const quantization = parseQuantization(e.quantization, label, source);
      const count = (e.shape as number[]).reduce((a, b) => a * b, 1);
      const byteLength = count * storedSize(e.dtype, quantization);
      weights.push({ name: e.name, shape: e.shape as number[], dtype: e.dtype, quantization, group: g, byteOffset: offset, byteLength });
      offset += byteLength;
    });
    groups.push({ paths: paths as string[], byteLength: offset });
  });
  const seen = new Set<string>();
  for (const w of weights) {
    if (seen.has(w.name)) throw new FormatError(source, `lists weight '${w.name}' twice in its weightsManifest`);
    seen.add(w.name);
  }
  return { weights, groups };
}

function parseQuantization(value: unknown, label: string, source: string): TfjsQuantization | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') throw new FormatError(source, `has ${label} with a quantization that is not an object`);
  const q = value as { dtype?: unknown; scale?: unknown; min?: unknown };
  if (q.dtype === 'float16') return { dtype: 'float16' };
  if (q.dtype !== 'uint8' && q.dtype !== 'uint16') {
    throw new FormatError(source, `has ${label} quantized to ${JSON.stringify(q.dtype)}; TF.js supports uint8, uint16 and float16`);
  }
  if (typeof q.scale !== 'number' || !Number.isFinite(q.scale) || typeof q.min !== 'number' || !Number.isFinite(q.min)) {
    throw new FormatError(source, `has ${label} quantized to ${q.dtype} without a finite 'scale' and 'min' to dequantize it`);
  }
  return { dtype: q.dtype, scale: q.scale, min: q.min };
}

/** Shards must be plain relative files inside the model folder: no URLs, no absolute paths, no `..`. */
function checkShardPath(path: string, where: string, source: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new FormatError(source, `has ${where} entry '${path}' on a server; download the shards next to model.json (nothing is fetched)`);
  }
  if (path.startsWith('/') || /^[a-z]:[\\/]/i.test(path) || path.split(/[\\/]/).includes('..')) {
    throw new FormatError(source, `has ${where} entry '${path}' outside the model folder; shard paths must be relative to model.json`);
  }
}

function layersOf(topology: Record<string, unknown>, source: string): { layers: TfjsTopologyLayer[]; modelClass: string } {
  // model.save() writes {class_name, config}; the Python converter wraps it in model_config.
  const modelConfig = (topology['model_config'] ?? topology) as { class_name?: unknown; config?: unknown };
  const modelClass = typeof modelConfig.class_name === 'string' ? modelConfig.class_name : 'unknown';
  const config = modelConfig.config as { layers?: unknown } | unknown[] | undefined;
  const list = Array.isArray(config) ? config : config && typeof config === 'object' ? (config as { layers?: unknown }).layers : undefined;
  if (!Array.isArray(list)) throw new FormatError(source, 'has a layers-model topology without a list of layers');
  const layers = list.map((layer: unknown, i): TfjsTopologyLayer => {
    const l = layer as { class_name?: unknown; config?: { name?: unknown }; name?: unknown };
    if (typeof l?.class_name !== 'string') throw new FormatError(source, `has layer ${i} without a class_name`);
    const name = typeof l.config?.name === 'string' ? l.config.name : typeof l.name === 'string' ? l.name : `layer_${i}`;
    return { name, className: l.class_name };
  });
  return { layers, modelClass };
}

function nodesOf(topology: Record<string, unknown>, source: string): TfjsTopologyLayer[] {
  const nodes = topology['node'];
  if (!Array.isArray(nodes)) throw new FormatError(source, "has a graph-model topology without a 'node' list");
  return nodes.map((node: unknown, i): TfjsTopologyLayer => {
    const n = node as { name?: unknown; op?: unknown; input?: unknown };
    if (typeof n?.name !== 'string' || typeof n.op !== 'string') throw new FormatError(source, `has graph node ${i} without a name and op`);
    const inputs = Array.isArray(n.input)
      ? n.input.filter((x): x is string => typeof x === 'string' && !x.startsWith('^')).map((x) => x.replace(/:\d+$/, ''))
      : [];
    return { name: n.name, className: n.op, inputs };
  });
}

/**
 * Checks the shard files against the manifest. `shardSizes[g][i]` is the size of
 * `groups[g].paths[i]`, or undefined when the file is missing.
 */
export function checkShardSizes(model: ParsedTfjsModel, shardSizes: readonly (readonly (number | undefined)[])[], source = 'model.json'): void {
  model.groups.forEach((group, g) => {
    const sizes = shardSizes[g] ?? [];
    group.paths.forEach((path, i) => {
      if (sizes[i] === undefined) {
        throw new FormatError(source, `references weight shard '${path}' (weightsManifest[${g}].paths[${i}]), which does not exist next to it`);
      }
    });
    const total = sizes.reduce<number>((a, b) => a + (b ?? 0), 0);
    if (total !== group.byteLength) {
      const names = group.paths.map((p) => `'${p}'`).join(', ');
      const weightsInGroup = model.weights.filter((w) => w.group === g).length;
      throw new FormatError(
        source,
        total < group.byteLength
          ? `has weight shards ${names} holding ${total} bytes, but its ${weightsInGroup} weights need ${group.byteLength}: a shard is truncated (re-download or re-export the model)`
          : `has weight shards ${names} holding ${total} bytes, more than the ${group.byteLength} its ${weightsInGroup} weights need: a shard belongs to another model or the manifest is wrong`,
      );
    }
  });
}

/** Ops that only pass their input through or normalise it: skipped when looking for the head. */
const GRAPH_PASS_THROUGH = new Set(['Identity', 'Softmax', 'Sigmoid', 'LogSoftmax', 'BiasAdd', 'Add', 'AddV2', 'Reshape', 'Squeeze', 'StopGradient']);
const GRAPH_HEAD_OPS = new Set(['MatMul', 'BatchMatMul', 'BatchMatMulV2', 'Conv2D', '_FusedMatMul', 'Einsum']);

/**
 * The graph node whose output feeds the model's last dense/conv op (the classifier head), i.e.
 * the penultimate features; undefined when the graph has no such shape. `outputNode` is the
 * model's output node (default: the last node that no other node reads).
 */
export function graphPenultimateNode(model: ParsedTfjsModel, outputNode?: string): string | undefined {
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const weightNames = new Set(model.weights.map((w) => w.name));
  const isConstant = (name: string): boolean => weightNames.has(name) || byName.get(name)?.className === 'Const';
  let current = outputNode ?? lastSink(model.layers);
  for (let guard = 0; current !== undefined && guard < 64; guard++) {
    const node = byName.get(current);
    if (!node) return undefined;
    const dataInputs = (node.inputs ?? []).filter((i) => !isConstant(i));
    if (GRAPH_HEAD_OPS.has(node.className)) return dataInputs[0];
    if (!GRAPH_PASS_THROUGH.has(node.className) || dataInputs.length !== 1) return undefined;
    current = dataInputs[0];
  }
  return undefined;
}

function lastSink(nodes: readonly TfjsTopologyLayer[]): string | undefined {
  const read = new Set(nodes.flatMap((n) => n.inputs ?? []));
  for (let i = nodes.length - 1; i >= 0; i--) if (!read.has(nodes[i]!.name)) return nodes[i]!.name;
  return undefined;
}
