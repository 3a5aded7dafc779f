/**
 * readFeatures: a precomputed-features file (.npy, .npz, .safetensors) → Matrix (rows =
 * samples). This is how users of checkpoints we cannot run (PyTorch, ONNX ...) hand us
 * penultimate features exported with their own script, e.g. `np.save('feats.npy', feats)`.
 * readArray does the same for label or source-probability files and keeps the shape.
 */
import { extname } from 'node:path';
import type { Matrix } from '../../core/linalg/matrix';
import { DatasetError, FormatError } from '../../core/formats/errors';
import { parseNpy, toFloat64 } from '../../core/formats/npy';
import { parseNpz } from '../../core/formats/npz';
import { parseSafetensors, parseSafetensorsHeader } from '../../core/formats/safetensors';
import { DEFAULT_MAX_BYTES, readFileLimited } from './files';

export interface ReadArrayOptions {
  /** Array (npz member / safetensors tensor) to read; default: the only one, else `features`. */
  readonly name?: string;
  readonly maxBytes?: number;
}

export interface LoadedArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
  /** Name of the member/tensor read (undefined for .npy). */
  readonly name?: string;
}

const PREFERRED_NAMES = ['features', 'feats', 'x', 'X', 'embeddings'];

/** Reads one numeric array from a .npy, .npz or .safetensors file as float64. */
export async function readArray(path: string, options: ReadArrayOptions = {}): Promise<LoadedArray> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.npy' && ext !== '.npz' && ext !== '.safetensors') {
    throw new DatasetError('dataset-unsupported', `${path}: array files must be .npy, .npz or .safetensors (save with numpy.save or safetensors.numpy.save_file)`);
  }
  const bytes = await readFileLimited(path, 'dataset', options.maxBytes ?? DEFAULT_MAX_BYTES);
  try {
    if (ext === '.npy') {
      const array = parseNpy(bytes, path);
      return { shape: array.shape, data: toFloat64(array) };
    }
    if (ext === '.npz') {
      const arrays = await parseNpz(bytes, { source: path, maxUncompressedBytes: options.maxBytes });
      const name = pickName([...arrays.keys()], options.name, path);
      const array = arrays.get(name)!;
      return { shape: array.shape, data: toFloat64(array), name };
    }
    const header = parseSafetensorsHeader(bytes, path, bytes.length);
    const name = pickName(header.tensors.map((t) => t.name), options.name, path);
    const tensor = parseSafetensors(bytes, path, [name]).tensors.get(name)!;
    return { shape: tensor.shape, data: toFloat64(tensor), name };
  } catch (e) {
    if (e instanceof FormatError) throw new DatasetError('dataset-invalid', e.message);
    throw e;
  }
}

function pickName(names: string[], requested: string | undefined, path: string): string {
  if (requested !== undefined) {
    if (!names.includes(requested)) {
      throw new DatasetError('dataset-invalid', `${path}: has no array '${requested}'; it holds ${names.map((n) => `'${n}'`).join(', ')}`);
    }
    return requested;
  }
  if (names.length === 1) return names[0]!;
  const preferred = PREFERRED_NAMES.find((n) => names.includes(n));
  if (preferred) return preferred;
  throw new DatasetError('dataset-invalid', `${path}: holds several arrays (${names.map((n) => `'${n}'`).join(', ')}); name the one with the features, or call it 'features'`);
}

/**
 * Reads a features file as an N×k matrix: 1-D arrays become N×1, higher ranks are flattened per
 * sample (N × product of the rest). NaN/∞ → DatasetError 'non-finite-values'.
 */
export async function readFeatures(path: string, options: ReadArrayOptions = {}): Promise<Matrix> {
  const array = await readArray(path, options);
  if (array.shape.length === 0) throw new DatasetError('dataset-invalid', `${path}: holds a scalar, not a samples × features array`);
  const rows = array.shape[0]!;
  const cols = rows === 0 ? 0 : array.data.length / rows;
  for (let i = 0; i < array.data.length; i++) {
    if (!Number.isFinite(array.data[i]!)) {
      throw new DatasetError('non-finite-values', `${path}: sample ${Math.floor(i / cols)}, feature ${i % cols} is ${array.data[i]}; features must be finite`);
    }
  }
  return { rows, cols, data: array.data };
}
