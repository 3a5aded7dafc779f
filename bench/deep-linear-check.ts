/**
 * Independent check of the verdict on the deep-linear family of issue #17: a two-layer linear
 * checkpoint Dense(d → k, linear) → Dense(k → 1) with generic (Gaussian, non-orthogonal) weights,
 * isotropic Gaussian inputs, config `finetuning_type: freeze` + `freeze_trainable_layers: 1` (only
 * the top layer trains: a linear head on the k hidden features), n from 10 to 180,
 * d, k ∈ {20, 40, 60}, noiseless and noisy targets.
 *
 * Truth: both arms trained to convergence on `--draws` independent draws of n rows, exact float64
 * solutions and exact population risk σ² + ‖β̂ − β_t‖²:
 *   scratch = the min-norm least-squares fit on x (where gradient descent from zero converges);
 *   probe   = the min-norm least-squares head on the hidden features Φ = X·W1 (pseudo-inverse:
 *             k may exceed d, then Φ has rank d), from a zero head — the "linear probe" the verdict
 *             models; and, reported beside it, the same head trained from the pretrained head
 *             (gradient descent from w0 converges to w0 + Φ⁺(y − Φw0)), which differs only when
 *             n < rank Φ.
 * The sign rule is the ground-truth benchmark's (bench/groundtruth/stats.ts: 95% t-interval of the
 * mean gain excludes 0 and |mean| ≥ 2% of Var(y)). The tool runs in-process through
 * `analyzeConfigFile` (what the CLI calls) on the first draw written as train.csv.
 *
 *   node --import tsx bench/deep-linear-check.ts [--draws 64] [--out /tmp/deep-linear] [--only SUBSTRING] [--probe-prior source|isotropic]
 *
 * Prints (a) accuracy when committing, (b) commit rate on decisive cases, (c) commit rate on
 * within-noise cases, per noise level, plus every committed verdict whose interval is not finite
 * or does not clear zero (must be none), and writes results.json into the output folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/node/backend';
import { analyzeConfigFile } from '../src/node/pipeline';
import { createRandom, leastSquaresFrom, squaredDistance, type RandomSource } from '../src/core/theory';
import { matrix } from '../src/core/linalg/matrix';
import { symmetricEigen } from '../src/core/linalg/eigen';
import { saveCheckpoint, toFloat32Values } from './groundtruth/checkpoint';
import { classifyGain, type TrueSign } from './groundtruth/stats';
import { roundForCsv } from './groundtruth/csv';
import { setProbeDirectionPrior } from '../src/core/analysis/linearClosedForm';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

interface Spec {
  readonly id: string;
  readonly d: number;
  readonly k: number;
  readonly n: number;
  readonly sigma: number;
  readonly theta: number;
}

function specs(): Spec[] {
  const out: Spec[] = [];
  const thetas = [Math.PI / 8, Math.PI / 4, Math.PI / 3, Math.PI / 2];
  let i = 0;
  for (const d of [20, 40, 60]) {
    for (const k of [20, 40, 60]) {
      for (const n of [10, 20, 30, 45, 60, 90, 180]) {
        for (const sigma of [0, 0.5]) {
          const theta = thetas[i++ % thetas.length]!;
          out.push({ id: `deep-linear-d${d}-k${k}-n${n}-s${sigma}-t${Math.round((theta * 180) / Math.PI)}`, d, k, n, sigma, theta });
        }
      }
    }
  }
  return out;
}

function seedOf(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** Minimum-norm solution of Φw ≈ r (Φ: n × k, any rank) by the eigen-decomposition of ΦᵀΦ. */
function pinvSolve(phi: Float64Array, n: number, k: number, r: Float64Array): Float64Array {
  const g = matrix(k, k);
  const b = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      const va = phi[i * k + a]!;
      b[a]! += va * r[i]!;
      for (let c = 0; c <= a; c++) g.data[a * k + c]! += va * phi[i * k + c]!;
    }
  }
  for (let a = 0; a < k; a++) for (let c = 0; c < a; c++) g.data[c * k + a] = g.data[a * k + c]!;
  const { values, vectors } = symmetricEigen(g);
  const top = Math.max(values[0]!, 1e-300);
  const w = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const lam = values[j]!;
    if (lam <= 1e-10 * top) continue;
    let proj = 0;
    for (let a = 0; a < k; a++) proj += vectors.data[a * k + j]! * b[a]!;
    for (let a = 0; a < k; a++) w[a]! += (vectors.data[a * k + j]! * proj) / lam;
  }
  return w;
}

interface Result {
  readonly id: string;
  readonly d: number;
  readonly k: number;
  readonly n: number;
  readonly sigma: number;
  readonly truth: TrueSign;
  readonly truthGain: number;
  readonly truthFromPretrainedHead: TrueSign;
  readonly truthGainFromPretrainedHead: number;
  readonly verdict: string;
  readonly gain?: { mean: number; low: number; high: number };
  readonly notes: readonly string[];
}

async function runCase(spec: Spec, draws: number, root: string): Promise<Result> {
  const random: RandomSource = createRandom(seedOf(spec.id));
  const { d, k, n, sigma } = spec;
  const w1 = toFloat32Values(Float64Array.from({ length: d * k }, () => random.normal() / Math.sqrt(d)));
  const w2raw = Float64Array.from({ length: k }, () => random.normal());
  const source0 = new Float64Array(d);
  for (let j = 0; j < d; j++) for (let a = 0; a < k; a++) source0[j]! += w1[j * k + a]! * w2raw[a]!;
  const sn = Math.hypot(...source0);
  const w2 = toFloat32Values(w2raw.map((v) => v / sn));
  const source = new Float64Array(d);
  for (let j = 0; j < d; j++) for (let a = 0; a < k; a++) source[j]! += w1[j * k + a]! * w2[a]!;
  // β_t = cos θ·β̂_s + sin θ·u, u ⊥ β_s a random unit vector.
  const u = Float64Array.from({ length: d }, () => random.normal());
  const s2 = source.reduce((s, v) => s + v * v, 0);
  const dot = u.reduce((s, v, j) => s + v * source[j]!, 0);
  for (let j = 0; j < d; j++) u[j] = u[j]! - (dot / s2) * source[j]!;
  const un = Math.hypot(...u);
  const beta = Float64Array.from(source, (v, j) => (Math.cos(spec.theta) * v) / Math.sqrt(s2) + (Math.sin(spec.theta) * u[j]!) / un);

  const folder = join(root, spec.id);
  mkdirSync(folder, { recursive: true });
  await saveCheckpoint(folder, d, [
    { name: 'features', units: k, activation: 'linear', kernel: w1 },
    { name: 'head', units: 1, activation: 'linear', kernel: w2 },
  ], `deep-linear check: Dense(${k}) Gaussian features, head = the source map`);

  const gains: number[] = [];
  const gainsPre: number[] = [];
  for (let r = 0; r < draws; r++) {
    const x = Float64Array.from({ length: n * d }, () => roundForCsv(random.normal()));
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < d; j++) v += x[i * d + j]! * beta[j]!;
      y[i] = roundForCsv(v + sigma * random.normal());
    }
    if (r === 0) {
      const lines = [[...Array.from({ length: d }, (_, j) => `x${j}`), 'label'].join(',')];
      for (let i = 0; i < n; i++) lines.push([...Array.from(x.subarray(i * d, (i + 1) * d)), y[i]!].join(','));
      writeFileSync(join(folder, 'train.csv'), lines.join('\n') + '\n');
    }
    const phi = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let a = 0; a < k; a++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[i * d + j]! * w1[j * k + a]!;
      phi[i * k + a] = s;
    }
    const endToEnd = (w: Float64Array) => {
      const b = new Float64Array(d);
      for (let j = 0; j < d; j++) for (let a = 0; a < k; a++) b[j]! += w1[j * k + a]! * w[a]!;
      return b;
    };
    const scratchRisk = squaredDistance(leastSquaresFrom(x, y, d), beta);
    const probeRisk = squaredDistance(endToEnd(pinvSolve(phi, n, k, y)), beta);
    const resid = Float64Array.from(y, (v, i) => {
      let f = 0;
      for (let a = 0; a < k; a++) f += phi[i * k + a]! * w2[a]!;
      return v - f;
    });
    const correction = pinvSolve(phi, n, k, resid);
    const preRisk = squaredDistance(endToEnd(Float64Array.from(w2, (v, a) => v + correction[a]!)), beta);
    gains.push(scratchRisk - probeRisk);
    gainsPre.push(scratchRisk - preRisk);
  }
  const labelVariance = 1 + sigma * sigma;
  const truth = classifyGain(gains, 0.02 * labelVariance);
  const truthPre = classifyGain(gainsPre, 0.02 * labelVariance);
  writeFileSync(join(folder, 'config.yaml'), [
    `# deep-linear check case ${spec.id} (bench/deep-linear-check.ts)`,
    'model_name_or_path: ./model.json',
    'train_file: ./train.csv',
    'label_column_name: label',
    'problem_type: regression',
    `max_train_samples: ${n}`,
    'finetuning_type: freeze',
    'freeze_trainable_layers: 1',
    'seed: 0',
    '',
  ].join('\n'));
  const report = await analyzeConfigFile(join(folder, 'config.yaml'), {});
  const a = report.analysis;
  return {
    id: spec.id, d, k, n, sigma,
    truth: truth.sign, truthGain: truth.mean / labelVariance,
    truthFromPretrainedHead: truthPre.sign, truthGainFromPretrainedHead: truthPre.mean / labelVariance,
    verdict: a?.verdict ?? `no-answer: ${report.findings.map((f) => f.code).join(',')}`,
    gain: a?.gain,
    notes: a?.notes ?? [],
  };
}

function score(results: readonly Result[], truthOf: (r: Result) => TrueSign): string {
  const decisive = results.filter((r) => truthOf(r) !== 'within-noise');
  const within = results.filter((r) => truthOf(r) === 'within-noise');
  const committed = decisive.filter((r) => r.verdict === 'positive' || r.verdict === 'negative');
  const right = committed.filter((r) => r.verdict === truthOf(r));
  const withinCommitted = within.filter((r) => r.verdict === 'positive' || r.verdict === 'negative');
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}% (${a}/${b})` : '–');
  return `(a) ${pct(right.length, committed.length)}  (b) ${pct(committed.length, decisive.length)}  (c) ${pct(withinCommitted.length, within.length)}`;
}

async function main(): Promise<void> {
  const draws = Number(option('draws', '64'));
  // Prior on the target's in-span direction for the non-whitened probe (linearClosedForm.ts).
  const prior = option('probe-prior', 'source');
  if (prior !== 'source' && prior !== 'isotropic') throw new Error(`--probe-prior must be source or isotropic, not ${prior}`);
  setProbeDirectionPrior(prior);
  const root = option('out', '/tmp/deep-linear');
  const only = option('only', '');
  await initBackend('wasm');
  const results: Result[] = [];
  const started = Date.now();
  for (const spec of specs().filter((s) => s.id.includes(only))) {
    const r = await runCase(spec, draws, root);
    results.push(r);
    const g = r.gain ? `${r.gain.mean.toFixed(3)} [${r.gain.low.toFixed(3)}, ${r.gain.high.toFixed(3)}]` : 'absent';
    console.log(`${r.id}: truth ${r.truth} ${r.truthGain.toFixed(3)} (from head ${r.truthFromPretrainedHead} ${r.truthGainFromPretrainedHead.toFixed(3)}) · tool ${r.verdict} ${g}`);
  }
  const bad = results.filter((r) => (r.verdict === 'positive' || r.verdict === 'negative') && (!r.gain || ![r.gain.mean, r.gain.low, r.gain.high].every(Number.isFinite) || (r.verdict === 'positive' ? r.gain.low <= 1e-6 : r.gain.high >= -1e-6)));
  console.log(`\n${results.length} cases, ${draws} draws each, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`truth = zero-initialised head:   all ${score(results, (r) => r.truth)}`);
  for (const sigma of [0, 0.5]) console.log(`   σ = ${sigma}: ${score(results.filter((r) => r.sigma === sigma), (r) => r.truth)}`);
  console.log(`   n < k: ${score(results.filter((r) => r.n < Math.min(r.k, r.d)), (r) => r.truth)};  n ≥ k: ${score(results.filter((r) => r.n >= Math.min(r.k, r.d)), (r) => r.truth)}`);
  console.log(`truth = head trained from the pretrained head: all ${score(results, (r) => r.truthFromPretrainedHead)}`);
  console.log(`committed verdicts with a non-finite or zero-touching interval: ${bad.length}${bad.length ? ': ' + bad.map((r) => r.id).join(', ') : ''}`);
  console.log(`gains absent (an infinite expected risk at n): ${results.filter((r) => !r.gain).length}`);
  const wrong = results.filter((r) => (r.verdict === 'positive' || r.verdict === 'negative') && r.verdict !== r.truth);
  if (wrong.length) console.log(`wrong or within-noise commits: ${wrong.map((r) => `${r.id} (tool ${r.verdict} ${r.gain?.mean.toFixed(3)}, truth ${r.truth} ${r.truthGain.toFixed(3)})`).join('; ')}`);
  writeFileSync(join(root, 'results.json'), JSON.stringify(results, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
