// Builds test/fixtures/hf-vision-cache: a Hugging Face Hub cache exactly as huggingface_hub writes
// it, holding the tiny ViT parity fixture (test/fixtures/hf-models/vit) as the Hub repo
// `tiny-org/vit-mnist`, plus a project that references it by Hub id and an image-folder dataset
// (real mnist digits from examples/vision/data/train, two classes):
//
//   hub/models--tiny-org--vit-mnist/
//     refs/main                      the snapshot's commit hash (40 hex, no newline)
//     blobs/<sha256>                 model.safetensors (LFS files are named by their sha256)
//     blobs/<git sha1>               config.json, preprocessor_config.json (regular files: git blob ids)
//     snapshots/<commit>/<file>  ->  ../../blobs/<hash>   RELATIVE symlinks, as on Linux/macOS
//   project/config.yaml              model_name_or_path: tiny-org/vit-mnist (run_image_classification keys)
//   project/data/train/<digit>/*.png
//
// Tests point HF_HUB_CACHE at hub/. Git stores the symlinks as links (mode 120000), so a checkout
// on Linux/macOS restores them; on Windows without symlink support git writes text files holding
// the target, which the cache then cannot read (huggingface_hub itself falls back to copies there).
// Deterministic: rerunning writes the same bytes. Usage: node scripts/hf-fixtures/make_cache.mjs
/* global console */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const source = join(root, 'test/fixtures/hf-models/vit');
const digits = join(root, 'examples/vision/data/train');
const out = join(root, 'test/fixtures/hf-vision-cache');
const REPO = 'tiny-org/vit-mnist';
const CLASSES = ['0', '1'];
const PER_CLASS = 20;
const FILES = { 'config.json': 'git', 'preprocessor_config.json': 'git', 'model.safetensors': 'lfs' };

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const gitBlobSha1 = (bytes) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

/** Writes hub/models--org--name (blobs, refs/main, snapshots/<commit>/ relative symlinks) under `cacheRoot`; returns the commit. */
function writeHubRepo(cacheRoot, repoId, sourceFolder, files) {
  const repo = join(cacheRoot, 'hub', `models--${repoId.replace('/', '--')}`);
  const manifest = [];
  for (const [name, kind] of Object.entries(files)) {
    const bytes = readFileSync(join(sourceFolder, name));
    const blob = kind === 'lfs' ? sha256(bytes) : gitBlobSha1(bytes);
    mkdirSync(join(repo, 'blobs'), { recursive: true });
    writeFileSync(join(repo, 'blobs', blob), bytes);
    manifest.push(`${name}\t${blob}`);
  }
  // The commit id stands for the tree: a hash of the file names and blob ids.
  const commit = createHash('sha1').update(manifest.join('\n')).digest('hex');
  mkdirSync(join(repo, 'refs'), { recursive: true });
  writeFileSync(join(repo, 'refs', 'main'), commit);
  const snapshot = join(repo, 'snapshots', commit);
  for (const line of manifest) {
    const [name, blob] = line.split('\t');
    const depth = name.split('/').length - 1;
    mkdirSync(dirname(join(snapshot, name)), { recursive: true });
    symlinkSync(join(...Array(2 + depth).fill('..'), 'blobs', blob), join(snapshot, name));
  }
  return { commit, files: manifest.length };
}

rmSync(out, { recursive: true, force: true });
const { commit, files: fileCount } = writeHubRepo(out, REPO, source, FILES);

const project = join(out, 'project');
for (const label of CLASSES) {
  const from = join(digits, label);
  const to = join(project, 'data', 'train', label);
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from).filter((f) => f.endsWith('.png')).sort().slice(0, PER_CLASS)) copyFileSync(join(from, file), join(to, file));
}
writeFileSync(join(project, 'config.yaml'), `# A Hugging Face vision checkpoint referenced by Hub id, resolved in the local cache (HF_HUB_CACHE=../hub),
# on an image folder: built by scripts/hf-fixtures/make_cache.mjs (issue #14).
model_name_or_path: ${REPO}
train_dir: ./data/train
max_train_samples: ${CLASSES.length * PER_CLASS}
learning_rate: 0.0001
num_train_epochs: 3
`);
console.log(`wrote ${out}: ${REPO} at ${commit} (${fileCount} files as relative symlinks), ${CLASSES.length * PER_CLASS} images`);

// The text counterpart (issue #14 "Must show", text config): examples/text's small BERT (a
// sentence-transformers folder: 1_Pooling/config.json sits in a subfolder, linked ../../../blobs)
// as the Hub repo `tiny-org/bert-reviews`, 200 of examples/text's labelled reviews, and a
// run_classification config that names the model by Hub id.
const TEXT_REPO = 'tiny-org/bert-reviews';
const textOut = join(root, 'test/fixtures/hf-text-cache');
rmSync(textOut, { recursive: true, force: true });
const text = writeHubRepo(textOut, TEXT_REPO, join(root, 'examples/text/checkpoint'), {
  'config.json': 'git', 'model.safetensors': 'lfs', 'modules.json': 'git', '1_Pooling/config.json': 'git', 'tokenizer.json': 'git', 'tokenizer_config.json': 'git',
});
const reviews = readFileSync(join(root, 'examples/text/data/reviews.csv'), 'utf8').split('\n').filter((l) => l.length > 0);
mkdirSync(join(textOut, 'project', 'data'), { recursive: true });
writeFileSync(join(textOut, 'project', 'data', 'train.csv'), reviews.slice(0, 201).join('\n') + '\n');
writeFileSync(join(textOut, 'project', 'config.yaml'), `# A Hugging Face text checkpoint referenced by Hub id, resolved in the local cache (HF_HUB_CACHE=../hub),
# on a CSV of labelled texts: built by scripts/hf-fixtures/make_cache.mjs (issue #14).
model_name_or_path: ${TEXT_REPO}
train_file: ./data/train.csv
text_column_names: text
label_column_name: label
max_seq_length: 64
max_train_samples: 100
finetuning_type: freeze
freeze_trainable_layers: 0
learning_rate: 1.0e-3
num_train_epochs: 5
`);
console.log(`wrote ${textOut}: ${TEXT_REPO} at ${text.commit} (${text.files} files as relative symlinks), 200 texts`);
