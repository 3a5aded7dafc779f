/** Human-readable text output of `transferlens analyze`. */
import { relative } from 'node:path';
import { gainIntervalLevel, levelPercent, type AnalysisReport } from '../../core/model/analysis';
import { hfModelRows } from '../../core/report/hfModel';

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const f3 = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(3);

/** Phases in the order they run (analysis.timings keys); `arms` is the verdict's training of every arm. */
const PHASES = ['dataset', 'tokenize', 'checkpoint', 'features', 'layerFeatures', 'tfidf', 'scores', 'arms'] as const;

/** `tokenize 63 ms · features 12 ms (cached) · … · arms 0.9 s (113 of 113 fits cached)`, or '' without phase timings. */
export function phaseLine(a: NonNullable<AnalysisReport['analysis']>): string {
  const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${n(v)} ms`);
  const cache = a.cache;
  // Analyses without an `arms` phase (tables, images) show the verdict's cross-validation instead.
  const phases: readonly string[] = typeof a.timings.arms === 'number' ? PHASES : [...PHASES.slice(0, -1), 'crossValidation'];
  const parts = phases.filter((p) => typeof a.timings[p] === 'number').map((p) => {
    let note = '';
    if (p === 'features' && cache?.features && cache.features !== 'off') note = cache.features === 'hit' ? ' (cached)' : ' (extracted, stored)';
    if ((p === 'tokenize' || p === 'checkpoint' || p === 'tfidf' || p === 'scores') && cache?.steps?.[p]) note = cache.steps[p] === 'hit' ? ' (cached)' : '';
    if (p === 'arms' && cache?.arms) {
      const all = cache.arms.hits + cache.arms.misses + cache.arms.uncached;
      note = ` (${n(cache.arms.hits)} of ${n(all)} fits cached)`;
    }
    return `${p} ${ms(a.timings[p]!)}${note}`;
  });
  return parts.length >= 2 ? parts.join(' · ') : '';
}

export function toText(report: AnalysisReport, cwd: string): string {
  const lines: string[] = [];
  const rel = relative(cwd, report.file) || report.file;
  lines.push(`TransferLens · ${rel}`);
  const a = report.analysis;
  if (a) {
    const headline = a.verdict === 'positive' ? 'TRANSFER HELPS' : a.verdict === 'negative' ? 'NEGATIVE TRANSFER' : 'TOO CLOSE TO CALL';
    lines.push('');
    lines.push(`  Verdict at n=${n(a.n)} (${a.nSource}): ${headline}`);
    lines.push(a.gain ? `  Gain (scratch − transfer ${a.curves.riskName}): ${f3(a.gain.mean)}  ${levelPercent(gainIntervalLevel(a))} interval [${f3(a.gain.low)}, ${f3(a.gain.high)}]` : `  Gain (scratch − transfer ${a.curves.riskName}): not a finite number at this n (see the notes)`);
    lines.push(`  Crossover n*: ${a.crossoverN === null ? 'none in range' : '≈' + n(a.crossoverN)}`);
    lines.push(`  Feature overlap Ω: ${a.overlap.value.toFixed(2)} [${a.overlap.low.toFixed(2)}, ${a.overlap.high.toFixed(2)}] (${a.overlap.method}); ${a.spectrum.directionsFor90 ?? '–'} of ${a.featureDim} directions carry 90% of the target; effective rank ${a.spectrum.effectiveRank.toFixed(1)}`);
    lines.push(`  Recommendation: ${a.recommendation.strategy} — ${a.recommendation.reason}`);
    const atN = a.curves.curves.map((c) => {
      const p = c.points.find((pt) => pt.n === a.n);
      // With several scratch arms (text), the one the gain is measured against is marked.
      return p ? `${c.id}${c.id === a.scratchArm ? ' (verdict\'s scratch arm)' : ''} ${p.risk.mean.toFixed(3)}` : undefined;
    }).filter(Boolean);
    lines.push(`  ${a.curves.riskName} at n: ${atN.join(' · ')}`);
    if (a.mythCheck) lines.push(`  Myth check: inputs look ${a.mythCheck.naiveReading} (KL ${a.mythCheck.gaussianKl.toFixed(2)}, sliced W1 ${a.mythCheck.slicedWasserstein.toFixed(3)}, MMD² ${a.mythCheck.mmd.toFixed(3)}) — distances do not decide transfer.`);
    if (a.logmeVsRaw !== undefined) lines.push(`  LogME(features) − LogME(raw inputs): ${f3(a.logmeVsRaw)} per sample`);
    if (a.datasets && a.datasets.length > 1) {
      // Several listed datasets: how many rows of each the analysis mixed (paths as the other paths here: relative to cwd).
      lines.push(`  Datasets mixed (${a.datasets.length}):`);
      for (const d of a.datasets) lines.push(`    ${relative(cwd, d.path) || d.path} (${d.format}): ${n(d.rowsUsed)} of ${n(d.rows)} rows used · ${d.keyPath}`);
    }
    for (const row of hfModelRows(a.hfModel)) lines.push(`  ${row.label}: ${row.value}`);
    lines.push(`  Samples used: ${n(a.samplesUsed)} of ${a.datasetRows !== undefined ? n(a.datasetRows) : '?'} · backend ${a.backend} · ${n(a.timings.total ?? a.timings.analysis ?? 0)} ms`);
    const phases = phaseLine(a);
    if (phases) lines.push(`  Time per phase: ${phases}`);
    for (const note of a.notes) lines.push(`  note: ${note}`);
  }
  lines.push('');
  if (report.findings.length === 0) lines.push('  No findings.');
  for (const fd of report.findings) {
    const where = `${relative(cwd, fd.file) || fd.file}:${fd.range.start.line + 1}:${fd.range.start.character + 1}`;
    const [first, ...rest] = fd.message.split('\n');
    lines.push(`  ${where}  ${fd.severity}  ${first}  [${fd.code}]`);
    for (const r of rest) lines.push(`      ${r}`);
  }
  return lines.join('\n') + '\n';
}
