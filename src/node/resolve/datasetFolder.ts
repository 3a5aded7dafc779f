/**
 * Which files a dataset folder means, for the columnar formats: a Hugging Face `save_to_disk`
 * folder (`data-00000-of-0000N.arrow` + `dataset_info.json` + `state.json`; a `DatasetDict` adds
 * `dataset_dict.json` and one subfolder per split), a `datasets` cache folder
 * (`<builder>-train-00000-of-00003.arrow`, `<builder>-test.arrow`, `cache-<fingerprint>.arrow`
 * from `map()`), a Hub snapshot (`train-….parquet` at the top or under `data/`), or simply a
 * folder of Parquet shards. The train split is chosen when files name their split; shards are
 * read in name order (or `state.json` order), concatenated. Used by resolution (headers only)
 * and by readTable (the rows), so both see the same files.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface DatasetShards {
  readonly format: 'arrow' | 'parquet';
  /** Absolute paths, in reading order. */
  readonly files: string[];
  /** The split the files belong to when the folder holds several ('train' preferred). */
  readonly split?: string;
  /** Splits present besides the chosen one (for messages). */
  readonly otherSplits?: string[];
}

const SPLIT_NAMES = ['train', 'validation', 'valid', 'val', 'dev', 'test'];
/** A split named in a file name: `glue-train.arrow`, `train-00000-of-00002.parquet`, `test.parquet`. */
const SPLIT_PATTERN = new RegExp(`(?:^|[-_.])(${SPLIT_NAMES.join('|')})(?=[-_.]|$)`);

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function splitOf(name: string): string | undefined {
  return SPLIT_PATTERN.exec(name.replace(/\.(arrow|parquet)$/i, ''))?.[1];
}

/** The train split's files (or the first split's) among `names`, with the split when files name one. */
function chooseSplit(names: string[]): { names: string[]; split?: string; otherSplits?: string[] } {
  const bySplit = new Map<string, string[]>();
  for (const name of names) {
    const split = splitOf(name) ?? '';
    bySplit.set(split, [...(bySplit.get(split) ?? []), name]);
  }
  if (bySplit.size === 1 && bySplit.has('')) return { names };
  const chosen = bySplit.has('train') ? 'train' : SPLIT_NAMES.find((s) => bySplit.has(s)) ?? '';
  const others = [...bySplit.keys()].filter((s) => s !== chosen && s !== '');
  return { names: bySplit.get(chosen) ?? [], ...(chosen ? { split: chosen } : {}), ...(others.length ? { otherSplits: others } : {}) };
}

/** Data files of one folder level (no recursion), or undefined when it holds none. */
async function shardsIn(folder: string, names: string[], depth: number): Promise<DatasetShards | undefined> {
  // DatasetDict.save_to_disk: dataset_dict.json lists the split subfolders.
  if (names.includes('dataset_dict.json') && depth < 2) {
    const dict = (await readJson(join(folder, 'dataset_dict.json'))) as { splits?: unknown } | undefined;
    const splits = Array.isArray(dict?.splits) ? dict!.splits.filter((s): s is string => typeof s === 'string') : [];
    const present: string[] = [];
    for (const s of splits) if (await isDirectory(join(folder, s))) present.push(s);
    const chosen = present.includes('train') ? 'train' : present[0];
    if (chosen) {
      const inner = await shardsIn(join(folder, chosen), await readdir(join(folder, chosen)), depth + 1);
      if (inner) {
        const others = present.filter((s) => s !== chosen);
        return { ...inner, split: chosen, ...(others.length ? { otherSplits: others } : {}) };
      }
    }
  }
  // Dataset.save_to_disk: state.json lists the shards in order.
  if (names.includes('state.json')) {
    const state = (await readJson(join(folder, 'state.json'))) as { _data_files?: { filename?: unknown }[] } | undefined;
    const files = (state?._data_files ?? []).map((f) => f?.filename).filter((f): f is string => typeof f === 'string' && !f.includes('/') && !f.includes('\\') && f.endsWith('.arrow'));
    if (files.length > 0 && files.every((f) => names.includes(f))) return { format: 'arrow', files: files.map((f) => join(folder, f)) };
  }
  // `cache-<fingerprint>.arrow` are results of map()/filter() in the datasets cache, not the data.
  const arrow = names.filter((n) => n.toLowerCase().endsWith('.arrow') && !n.startsWith('cache-') && !n.startsWith('tmp')).sort();
  if (arrow.length > 0) {
    const chosen = chooseSplit(arrow);
    return { format: 'arrow', files: chosen.names.map((n) => join(folder, n)), ...(chosen.split ? { split: chosen.split } : {}), ...(chosen.otherSplits ? { otherSplits: chosen.otherSplits } : {}) };
  }
  const parquet = names.filter((n) => n.toLowerCase().endsWith('.parquet')).sort();
  if (parquet.length > 0) {
    const chosen = chooseSplit(parquet);
    return { format: 'parquet', files: chosen.names.map((n) => join(folder, n)), ...(chosen.split ? { split: chosen.split } : {}), ...(chosen.otherSplits ? { otherSplits: chosen.otherSplits } : {}) };
  }
  // Hub dataset snapshots keep their shards under data/.
  if (names.includes('data') && depth < 2 && (await isDirectory(join(folder, 'data')))) {
    return shardsIn(join(folder, 'data'), await readdir(join(folder, 'data')), depth + 1);
  }
  return undefined;
}

/** The Arrow/Parquet files a dataset folder stands for, or undefined when it holds none. */
export async function datasetShards(folder: string): Promise<DatasetShards | undefined> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return undefined;
  }
  return shardsIn(folder, names, 0);
}
