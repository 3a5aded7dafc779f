/**
 * Why the closed-form verdict uses least squares / REML rather than Dicker's moment estimates
 * (src/core/analysis/linearClosedForm.ts): the same verdict rule (80% interval excludes 0) with
 * both estimators on many fresh draws of the paper's linear teacher–student task, scored against
 * the theory's gain at the true parameters. A script, not a test.
 *
 *   npx tsx bench/closed-form-estimators.ts [--draws 20]
 *
 * Grid: arm ∈ {probe (frozen feature), full fine-tune}, θ ∈ {π/8, π/4, π/3, π/2}, (d, σ) ∈
 * {(40, 0.5), (100, 0.2), (40, 1)}, n/d ∈ {0.25, 0.5, 0.9, 1.5, 3}; k = 1 feature, ‖β_t‖ = 1.
 * "Decisive" = true gain beyond 0.025·Var(y) (the ground-truth benchmark's minimum effect).
 */
import { linearClosedForm, type LinearArm } from '../src/core/analysis/linearClosedForm';
import { matrix } from '../src/core/linalg/matrix';
import { makeRng, gaussian } from '../src/core/analysis/random';
import { CLOSED_FORM_LEVEL } from '../src/core/analysis/analyze';

const draws = process.argv.includes('--draws') ? Number(process.argv[process.argv.indexOf('--draws') + 1]) : 20;

interface Tally {
  decisive: number;
  committed: number;
  wrong: number;
  within: number;
  withinCommitted: number;
  covered: number;
  seconds: number;
}

const tallies: Record<'auto' | 'moments', Tally> = {
  auto: { decisive: 0, committed: 0, wrong: 0, within: 0, withinCommitted: 0, covered: 0, seconds: 0 },
  moments: { decisive: 0, committed: 0, wrong: 0, within: 0, withinCommitted: 0, covered: 0, seconds: 0 },
};
const rng = makeRng(11);
for (const arm of ['probe', 'full'] as const) {
  for (const theta of [Math.PI / 8, Math.PI / 4, Math.PI / 3, Math.PI / 2]) {
    for (const [d, sigma] of [[40, 0.5], [100, 0.2], [40, 1]] as const) {
      for (const ratio of [0.25, 0.5, 0.9, 1.5, 3]) {
        const n = Math.round(ratio * d);
        const c = Math.cos(theta);
        const s = Math.sin(theta);
        for (let r = 0; r < draws; r++) {
          const x = matrix(n, d);
          for (let i = 0; i < n * d; i++) x.data[i] = gaussian(rng);
          const y = new Float64Array(n);
          for (let i = 0; i < n; i++) y[i] = c * x.data[i * d + 1]! + s * x.data[i * d]! + sigma * gaussian(rng);
          const featureMap = matrix(d, 1);
          featureMap.data[1] = 1;
          const headMap = new Float64Array(d);
          headMap[1] = 1;
          for (const estimator of ['auto', 'moments'] as const) {
            const started = performance.now();
            const cf = linearClosedForm(x, y, { featureMap, headMap }, r, 200, estimator);
            const truth = { signal: 1, noise: sigma * sigma, inside: c * c, crossTerm: c };
            // risk() is in units of the estimated Var(y); convert the true gain to the true Var(y).
            const v = cf.estimates.signal + cf.estimates.noise;
            const trueGain = ((cf.risk('scratch', n, truth) - cf.risk(arm as LinearArm, n, truth)) * v) / (1 + sigma * sigma);
            const g = cf.gain(arm, n, CLOSED_FORM_LEVEL);
            const gTrueScale = { low: (g.low * v) / (1 + sigma * sigma), high: (g.high * v) / (1 + sigma * sigma) };
            tallies[estimator].seconds += (performance.now() - started) / 1000;
            const verdict = g.low > 0 ? 1 : g.high < 0 ? -1 : 0;
            const t = tallies[estimator];
            if (Number.isFinite(trueGain) && gTrueScale.low <= trueGain && trueGain <= gTrueScale.high) t.covered++;
            if (!Number.isFinite(trueGain) || Math.abs(trueGain) >= 0.025) {
              t.decisive++;
              if (verdict !== 0) {
                t.committed++;
                if (verdict !== Math.sign(trueGain === Infinity ? 1 : trueGain)) t.wrong++;
              }
            } else {
              t.within++;
              if (verdict !== 0) t.withinCommitted++;
            }
          }
        }
      }
    }
  }
}
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
console.log(`${draws} draws per grid point, ${CLOSED_FORM_LEVEL * 100}% intervals`);
console.log('estimator            (a) acc|commit   (b) commit|decisive   (c) commit|within   coverage   seconds');
for (const [name, t] of Object.entries(tallies)) {
  console.log(
    `${(name === 'auto' ? 'least squares / REML' : 'moments (Dicker)').padEnd(20)} ${pct(t.committed - t.wrong, t.committed).padStart(7)} (${t.committed - t.wrong}/${t.committed})`.padEnd(40) +
      `${pct(t.committed, t.decisive).padStart(8)}              ${pct(t.withinCommitted, t.within).padStart(6)}        ${pct(t.covered, t.decisive + t.within).padStart(6)}   ${t.seconds.toFixed(1)}`,
  );
}
