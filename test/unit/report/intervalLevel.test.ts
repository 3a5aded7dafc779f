/**
 * The gain interval's level in every text that prints it: the report headline (sentence, HTML key
 * number, Markdown), the CLI text output, the verdict finding (diagnostic, hover details, SARIF
 * message) and the editor hover. A closed-form (linear checkpoint) verdict has an 80% interval, a
 * cross-validated one 90%; both come from the analysis' own `gainLevel`, and an analysis written
 * before that field existed (95% intervals then) says 95%.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeTransfer, CLOSED_FORM_LEVEL, VERDICT_LEVEL } from '../../../src/core/analysis/analyze';
import { makeTarget } from '../../../src/core/analysis/learners';
import { verdictFindings } from '../../../src/core/analysis/findings';
import { gainIntervalLevel, levelPercent, type AnalysisReport, type TransferAnalysis } from '../../../src/core/model/analysis';
import type { NormalizedConfig } from '../../../src/core/model/config';
import { buildReportModel, renderReportBody, toMarkdown } from '../../../src/core/report/index';
import { toText } from '../../../src/cli/format/text';
import { toSarif } from '../../../src/cli/format/sarif';
import { hoverMarkdown } from '../../../src/vscode/logic/presentation';
import { loadFixture, mutable } from './helpers';
import { task } from '../analysis/teacherStudent';

const CONFIG = { file: '/w/config.yaml', profile: 'test' } as unknown as NormalizedConfig;

async function analyse(closedForm: boolean): Promise<TransferAnalysis> {
  // Target outside the 4 feature directions of 40 inputs, noise 1 (analyze.test.ts' interior REML case).
  const t = task({ n: closedForm ? 24 : 200, d: 40, k: 4, inside: false, noise: 1, seed: closedForm ? 52 : 7 });
  return analyzeTransfer({
    features: t.phi, inputs: t.x, target: makeTarget('regression', t.y), plannedN: closedForm ? 24 : 200, nSource: 'test',
    strategy: 'linear-probe', backend: 'none', seed: 1, ...(closedForm ? { linearMaps: { featureMap: t.featureMap } } : {}),
  });
}

/** Every text that prints the gain interval, for one report. */
function gainTexts(report: AnalysisReport): Record<string, string> {
  const model = buildReportModel(report);
  const headline = model.sections.headline;
  assert.equal(headline.status, 'present');
  const html = renderReportBody(model, { interactive: false });
  const keyNumber = html.match(/Predicted gain[\s\S]*?transfer helps\)/)?.[0] ?? '';
  const verdictFinding = report.findings.find((f) => /transfer|too-close/.test(f.code))!;
  const sarif = toSarif([report], '0.0.0', '/w') as { runs: { results: { ruleId: string; message: { text: string } }[] }[] };
  return {
    sentence: headline.status === 'present' ? headline.data.sentence : '',
    html: keyNumber,
    markdown: toMarkdown(model).split('\n').find((line) => line.startsWith('**')) ?? '',
    cli: toText(report, '/w').split('\n').find((line) => line.includes('Gain (scratch')) ?? '',
    finding: verdictFinding.message,
    sarif: sarif.runs[0]!.results.find((r) => r.ruleId === verdictFinding.code)!.message.text,
    hover: hoverMarkdown(report, 'checkpoint')!.split('\n').find((line) => line.startsWith('- Verdict')) ?? '',
  };
}

function assertLevel(report: AnalysisReport, percent: string): void {
  for (const [where, text] of Object.entries(gainTexts(report))) {
    assert.ok(text.includes(`${percent} interval`), `${where} should say "${percent} interval": ${text}`);
    assert.ok(!/\d+(\.\d+)?% interval/.test(text.replaceAll(`${percent} interval`, '')), `${where} names another level: ${text}`);
  }
}

test('a closed-form (linear checkpoint) verdict is printed as an 80% interval everywhere', async () => {
  const a = await analyse(true);
  assert.ok(a.notes.some((n) => /exact finite-n risks/.test(n)), 'the closed form ran');
  assert.equal(a.gainLevel, CLOSED_FORM_LEVEL);
  assert.ok(a.gain, 'a finite gain');
  assertLevel({ file: '/w/config.yaml', findings: verdictFindings(a, CONFIG), analysis: a }, '80%');
});

test('a cross-validated verdict is printed at the verdict level (90%) everywhere', async () => {
  const a = await analyse(false);
  assert.ok(!a.notes.some((n) => /exact finite-n risks/.test(n)), 'no closed form');
  assert.equal(a.gainLevel, VERDICT_LEVEL);
  assertLevel({ file: '/w/config.yaml', findings: verdictFindings(a, CONFIG), analysis: a }, levelPercent(VERDICT_LEVEL));
  assert.equal(levelPercent(VERDICT_LEVEL), '90%');
});

test('a REML fit at the boundary prints its 95% interval', async () => {
  const report = mutable(loadFixture('hurts'));
  report.analysis.gainLevel = 0.95;
  const headline = buildReportModel(report).sections.headline;
  if (headline.status !== 'present') return assert.fail('headline absent');
  assert.match(headline.data.sentence, /\(95% interval 0\.07 to 0\.19\)/);
  assert.equal(headline.data.gainLevel, 0.95);
});

test('an analysis without gainLevel (written before the field) reads as 95%, as its intervals were; nonsense levels too', () => {
  const report = mutable(loadFixture('example-hurts'));
  assert.equal(report.analysis.gainLevel, undefined);
  assert.equal(gainIntervalLevel(report.analysis), 0.95);
  const headline = buildReportModel(report).sections.headline;
  if (headline.status !== 'present') return assert.fail('headline absent');
  assert.match(headline.data.sentence, /\(95% interval /);
  for (const bad of [0, 1, 95, -0.5, Number.NaN, '0.8', null]) assert.equal(gainIntervalLevel({ gainLevel: bad }), 0.95, String(bad));
  assert.equal(levelPercent(0.8), '80%');
  assert.equal(levelPercent(0.975), '97.5%');
});
