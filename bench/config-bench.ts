/**
 * Benchmark: static checks on a 1 GB dataset stay header-only. Creates (in a temp folder, never
 * committed) a 1 GiB CSV whose first 4 MB are real rows and the rest a sparse extension, a config
 * pointing at it, and times `staticCheck` (config read + resolution + checks), cold and warm.
 * Also times a 1 GiB JSONL and a Parquet-free image folder of 2,000 files for scale.
 *
 * Run: npx tsx bench/config-bench.ts   (prints times; no assertions on timing)
 */
import { mkdtempSync, writeFileSync, openSync, ftruncateSync, closeSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { staticCheck } from '../src/node/resolve/index';

const GIB = 1024 * 1024 * 1024;

function makeLargeText(path: string, header: string, row: string): void {
  const realBytes = 4 * 1024 * 1024;
  const rows = Math.floor(realBytes / row.length);
  writeFileSync(path, header + row.repeat(rows));
  const fd = openSync(path, 'r+');
  ftruncateSync(fd, GIB); // sparse: the size is real, the disk use is not
  closeSync(fd);
}

async function time(label: string, text: string, file: string, workspaceRoot: string): Promise<void> {
  const runs: number[] = [];
  let result: Awaited<ReturnType<typeof staticCheck>> | undefined;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    result = await staticCheck(text, file, { workspaceRoot, env: {}, home: '/nonexistent' });
    runs.push(performance.now() - start);
  }
  const dataset = result!.resolved.dataset;
  console.log(
    `${label.padEnd(28)} first ${runs[0]!.toFixed(1).padStart(7)} ms   median ${[...runs].sort((a, b) => a - b)[2]!.toFixed(1).padStart(6)} ms   ` +
      `rows≈${dataset?.rows} (exact: ${dataset?.rowsExact}) findings: ${result!.findings.map((f) => f.code).join(', ') || 'none'}`,
  );
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'tl-config-bench-'));
  try {
    makeLargeText(join(folder, 'train.csv'), 'x1,x2,x3,x4,label\n', '0.1234,-0.5678,1.2345,0.0001,1\n');
    makeLargeText(join(folder, 'train.jsonl'), '', '{"x": [0.12, -0.56, 1.23, 0.01], "label": 1}\n');
    mkdirSync(join(folder, 'model'));
    copyFileSync(join(__dirname, '../test/fixtures/configs/models/mlp/model.json'), join(folder, 'model', 'model.json'));
    for (const name of ['cat', 'dog']) {
      mkdirSync(join(folder, 'images', name), { recursive: true });
      for (let i = 0; i < 1000; i++) writeFileSync(join(folder, 'images', name, `${i}.png`), '');
    }
    const config = (dataset: string, label = 'label', samples = 1000) =>
      `model_name_or_path: ./model\ntrain_file: ${dataset}\nlabel_column_name: ${label}\nmax_train_samples: ${samples}\nlearning_rate: 2e-5\n`;
    const file = join(folder, 'config.yaml');
    await time('1 GiB CSV', config('train.csv'), file, folder);
    await time('1 GiB CSV, wrong label', config('train.csv', 'target'), file, folder);
    await time('1 GiB CSV, n > rows', config('train.csv', 'label', 100_000_000), file, folder);
    await time('1 GiB JSONL', config('train.jsonl'), file, folder);
    await time('image folder (2,000 files)', config('images'), file, folder);
    console.log('budget: "well under a second" per check on a 1 GB dataset (issue #5)');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
