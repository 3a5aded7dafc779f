/**
 * Ground truth for the text verdict (issue #15): synthetic tasks on a fixed text pool whose label is
 * (a) a function of a fixed random tiny encoder's features (transfer should win), (b) a function
 * of word counts (TF-IDF should win), (c) a mix, (d) random (within noise). For every case the
 * truth comes from actually training both arms — the linear probe on the encoder's features and
 * the tuned TF-IDF ridge — on R independent draws of n rows, each tested on 400 held-out rows;
 * the tool's verdict comes from analyzeTransfer on ONE sample of n rows (what a user has), exactly
 * as the text branch calls it. Scored like bench/groundtruth: (a) accuracy when committing on
 * decisive cases, (b) share of decisive cases committed, (c) commits on within-noise cases.
 *
 * Encoder: test/fixtures/hf-models/bert (2 layers, hidden 32, random init) — the point is a known
 * function of its features, not a good model. Run: npx tsx bench/text-groundtruth.ts [--draws 12]
 * The tool's side is the TF-IDF scratch arm only (the scratch transformer needs token ids, which
 * this in-process bench does not pass); the CV repeats are the text branch's.
 */
import { join } from 'node:path';
import { analyzeTransfer } from '../src/core/analysis/analyze';
import { makeTarget, oneHot, perSampleLoss, ridgeLearner, type Target } from '../src/core/analysis/learners';
import { pca } from '../src/core/analysis/overlap';
import { hashedDense, tfidfLearner, tfidfMatrix } from '../src/core/analysis/tfidf';
import { createRandom, normal } from '../src/core/formats/random';
import type { Matrix } from '../src/core/linalg/matrix';
import { initBackend } from '../src/node/backend';
import { loadHfCheckpoint } from '../src/node/hf/checkpoint';
import { findTokenizer } from '../src/node/hf/tokenizer';
import { option } from './common';
import { TEXT_CV_REPEATS } from '../src/node/textDataset';

const ROOT = join(__dirname, '..');
const POOL = 1400;
const TEST = 400;

function rowsOf(m: Matrix, rows: ArrayLike<number>): Matrix {
  const out = new Float64Array(rows.length * m.cols);
  for (let k = 0; k < rows.length; k++) out.set(m.data.subarray(rows[k]! * m.cols, (rows[k]! + 1) * m.cols), k * m.cols);
  return { rows: rows.length, cols: m.cols, data: out };
}

function standardised(v: Float64Array): Float64Array {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) || 1;
  return v.map((x) => (x - mean) / sd);
}

async function main(): Promise<void> {
  const draws = Number(option('--draws', '12'));
  await initBackend('wasm');
  const folder = join(ROOT, 'test', 'fixtures', 'hf-models', 'bert');
  const checkpoint = await loadHfCheckpoint(folder, { deps: { loadTokenizer: findTokenizer } });
  const tokenizer = checkpoint.tokenizer!;
  // Words the tokenizer keeps whole (so texts are made of real vocabulary items).
  const words = [...new Set(['the', 'an', 'and', 'on', 'of', 'to', 'do', 'is', 'over', 'for', 'in', 'small', 'layer', 'token', 'overlap', 'dog', 'domain', 'lazy', 'tokyo', 'corner', 'corpus', 'training', 'works', 'world', 'layers', 'tokens', 'art', 'appear', 'attention', 'beats', 'brown', 'batch', 'blocks', 'between', 'cafe', 'then', 'them', 'one', 'often', 'too'])].filter((w) => tokenizer.encode(w, undefined, { addSpecialTokens: false }).ids.length === 1);
  const rng = createRandom(42);
  const texts = Array.from({ length: POOL }, () => Array.from({ length: 5 + rng.nextInt(8) }, () => words[rng.nextInt(words.length)]!).join(' '));
  const t0 = performance.now();
  const phi = await checkpoint.extract({ texts }, { maxLength: 64, batchSize: 32 });
  console.log(`${words.length} words, ${POOL} texts, features ${phi.cols} dims in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const x = tfidfMatrix(texts);
  const hashed = hashedDense(x, 256);

  // Latent scores: encoder (random direction in feature space, then a nonlinearity) and n-grams.
  const w = Float64Array.from({ length: phi.cols }, () => normal(rng));
  const enc = standardised(Float64Array.from({ length: POOL }, (_, i) => {
    let s = 0;
    for (let j = 0; j < phi.cols; j++) s += phi.data[i * phi.cols + j]! * w[j]!;
    return s;
  }));
  const setA = new Set(words.filter((_, i) => i % 5 === 0));
  const setB = new Set(words.filter((_, i) => i % 5 === 1));
  const gram = standardised(Float64Array.from(texts, (t) => t.split(' ').reduce((s, word) => s + (setA.has(word) ? 1 : setB.has(word) ? -1 : 0), 0) + 0.01 * normal(rng)));

  interface Case { kind: string; n: number; flip: number; truth: { mean: number; se: number; sign: string }; verdict: string; gain: number }
  const results: Case[] = [];
  for (const kind of ['encoder', 'ngram', 'mixed', 'random']) {
    for (const flip of [0.05, 0.25]) {
      if (kind === 'random' && flip > 0.05) continue;
      const lrng = createRandom(7 + results.length);
      const labels = Int32Array.from({ length: POOL }, (_, i) => {
        const z = kind === 'encoder' ? enc[i]! : kind === 'ngram' ? gram[i]! : kind === 'mixed' ? 0.6 * enc[i]! + 0.6 * gram[i]! : normal(lrng);
        const y = z > 0 ? 1 : 0;
        return lrng.next() < flip ? 1 - y : y;
      });
      const target: Target = makeTarget('classification', oneHot(labels, 2), labels, 2);
      const probe = ridgeLearner('transfer:linear-probe', 'probe', pca(phi, Math.min(256, phi.cols)).scores, target);
      const scratch = tfidfLearner(x, target);
      for (const n of [60, 200]) {
        // Truth: R draws of n training rows, each tested on TEST rows outside the draw.
        const gains: number[] = [];
        for (let r = 0; r < draws; r++) {
          const drng = createRandom(1000 * r + n + results.length);
          const order = Array.from({ length: POOL }, (_, i) => i);
          for (let i = order.length - 1; i > 0; i--) {
            const j = drng.nextInt(i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const train = Int32Array.from(order.slice(0, n));
          const test = Int32Array.from(order.slice(n, n + TEST));
          const lp = perSampleLoss(target, test, await probe.fitPredict(train, test));
          const ls = perSampleLoss(target, test, await scratch.fitPredict(train, test));
          gains.push((ls.reduce((a, b) => a + b, 0) - lp.reduce((a, b) => a + b, 0)) / test.length);
        }
        const mean = gains.reduce((a, b) => a + b, 0) / gains.length;
        const se = Math.sqrt(gains.reduce((a, b) => a + (b - mean) ** 2, 0) / (gains.length - 1) / gains.length);
        const sign = Math.abs(mean) < 2 * se || Math.abs(mean) < 0.01 ? 'within-noise' : mean > 0 ? 'positive' : 'negative';
        // The tool: one sample of n rows (the user's training file), the text branch's inputs.
        const srng = createRandom(99 + n + results.length);
        const sampleRows = Int32Array.from({ length: n }, () => 0);
        const picked = new Set<number>();
        for (let k = 0; k < n; ) {
          const i = srng.nextInt(POOL);
          if (!picked.has(i)) {
            picked.add(i);
            sampleRows[k++] = i;
          }
        }
        const sampleTexts = Array.from(sampleRows, (i) => texts[i]!);
        const sx = tfidfMatrix(sampleTexts);
        const sLabels = Int32Array.from(sampleRows, (i) => labels[i]!);
        const sTarget = makeTarget('classification', oneHot(sLabels, 2), sLabels, 2);
        const analysis = await analyzeTransfer({
          features: rowsOf(phi, sampleRows),
          inputs: rowsOf(hashed, sampleRows),
          target: sTarget,
          plannedN: n,
          nSource: 'bench',
          strategy: 'linear-probe',
          // As the text branch asks (src/node/textDataset.ts): repeated 5-fold CV at small n.
          cvRepeats: TEXT_CV_REPEATS,
          scratchLearner: tfidfLearner(sx, sTarget),
          backend: 'wasm',
          seed: 0,
        });
        results.push({ kind, n, flip, truth: { mean, se, sign }, verdict: analysis.verdict, gain: analysis.gain?.mean ?? NaN });
        console.log(`${kind.padEnd(8)} flip ${flip.toFixed(2)} n ${String(n).padStart(3)}  truth ${sign.padEnd(12)} gain ${mean.toFixed(3)} ± ${se.toFixed(3)}  tool ${analysis.verdict.padEnd(9)} gain ${(analysis.gain?.mean ?? NaN).toFixed(3)} [${(analysis.gain?.low ?? NaN).toFixed(3)}, ${(analysis.gain?.high ?? NaN).toFixed(3)}]`);
      }
    }
  }
  checkpoint.dispose();
  const decisive = results.filter((r) => r.truth.sign !== 'within-noise');
  const within = results.filter((r) => r.truth.sign === 'within-noise');
  const commits = (r: Case) => r.verdict !== 'too-close';
  const committed = decisive.filter(commits);
  const correct = committed.filter((r) => r.verdict === r.truth.sign);
  const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}% (${a}/${b})`);
  console.log(`\ncases ${results.length}, decisive ${decisive.length}, within noise ${within.length} (truth: ${draws} draws each, ${TEST} test rows)`);
  console.log(`(a) accuracy when committing on decisive cases: ${pct(correct.length, committed.length)}`);
  console.log(`(b) decisive cases committed: ${pct(committed.length, decisive.length)}`);
  console.log(`(c) within-noise cases committed: ${pct(within.filter(commits).length, within.length)}`);
}

void main();
