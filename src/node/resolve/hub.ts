/**
 * Offline lookup of Hugging Face Hub IDs in the local cache, never touching the network:
 * `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`, with the layout
 * `models--org--name/snapshots/<rev>/` and `refs/<branch>` naming the revision (the
 * huggingface_hub cache convention). Datasets live under `datasets--org--name`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type HubRepoType = 'model' | 'dataset';

/** `org/name` or a legacy single name; never something that looks like a relative file path. */
export function looksLikeHubId(reference: string): boolean {
  if (reference.startsWith('.') || reference.startsWith('/') || reference.startsWith('~') || reference.includes('\\')) return false;
  if (/^[A-Za-z]:/.test(reference)) return false;
  const parts = reference.split('/');
  if (parts.length > 2) return false;
  // A file extension on the last part (train.csv, model.json) means a path, not a repo.
  if (/\.(csv|tsv|jsonl?|ndjson|npy|npz|parquet|arrow|safetensors|pt|pth|bin|ckpt|onnx|h5|keras|ya?ml|txt)$/i.test(reference)) return false;
  return parts.every((part) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(part));
}

/** Candidate hub cache folders, most specific first. */
export function hubCacheRoots(env: Readonly<Record<string, string | undefined>>, home: string | undefined, hfHome?: string): string[] {
  const roots: string[] = [];
  if (env.HF_HUB_CACHE) roots.push(env.HF_HUB_CACHE);
  if (hfHome) roots.push(join(hfHome, 'hub'));
  if (env.HF_HOME) roots.push(join(env.HF_HOME, 'hub'));
  if (env.XDG_CACHE_HOME) roots.push(join(env.XDG_CACHE_HOME, 'huggingface', 'hub'));
  if (home) roots.push(join(home, '.cache', 'huggingface', 'hub'));
  return [...new Set(roots)];
}

export interface HubLookup {
  /** Snapshot folder when found. */
  readonly snapshot?: string;
  /** Repo folder that was looked for (for the message when absent). */
  readonly searched: string[];
  readonly revision?: string;
}

/** Finds the snapshot folder of a Hub repo in the cache (revision: a branch name or commit hash). */
export function findHubSnapshot(id: string, type: HubRepoType, roots: readonly string[], revision = 'main'): HubLookup {
  const folderName = `${type === 'model' ? 'models' : 'datasets'}--${id.split('/').join('--')}`;
  const searched: string[] = [];
  for (const root of roots) {
    const repo = join(root, folderName);
    searched.push(repo);
    if (!existsSync(repo)) continue;
    const snapshots = join(repo, 'snapshots');
    let commit: string | undefined;
    const ref = join(repo, 'refs', revision);
    if (existsSync(ref)) {
      try {
        commit = readFileSync(ref, 'utf8').trim();
      } catch {
        commit = undefined;
      }
    } else if (/^[0-9a-f]{40}$/.test(revision)) commit = revision;
    if (commit && isDirectory(join(snapshots, commit))) return { snapshot: join(snapshots, commit), searched, revision: commit };
    // No usable ref: take the only (or newest) snapshot, which is what an offline load would use.
    let names: string[] = [];
    try {
      names = readdirSync(snapshots).filter((name) => isDirectory(join(snapshots, name)));
    } catch {
      names = [];
    }
    if (names.length > 0) {
      names.sort((a, b) => statSync(join(snapshots, b)).mtimeMs - statSync(join(snapshots, a)).mtimeMs);
      return { snapshot: join(snapshots, names[0]!), searched, revision: names[0]! };
    }
  }
  return { searched };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
