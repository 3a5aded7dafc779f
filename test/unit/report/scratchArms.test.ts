/**
 * Several scratch arms in the report (issue #15 item 2): the curve named by analysis.scratchArm is
 * drawn as "scratch", the other scratch arm as an alternative, each with its own label in the
 * legend; without scratchArm the curve `scratch` keeps the role as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReportModel } from '../../../src/core/report/index';
import { learningCurvesSvg } from '../../../src/core/report/svg';
import { loadFixture, mutable } from './helpers';

function withTransformerCurve(scratchArm?: string) {
  const report = mutable(loadFixture('helps'));
  const scratch = report.analysis.curves.curves.find((c: { id: string }) => c.id === 'scratch');
  report.analysis.curves.curves.push({ ...scratch, id: 'scratch-transformer', label: 'Scratch: bert architecture trained from random initialisation' });
  if (scratchArm) report.analysis.scratchArm = scratchArm;
  return buildReportModel(report).sections.learningCurves;
}

test('the verdict\'s scratch arm is drawn as scratch, the other as an alternative, both labelled', () => {
  const curves = withTransformerCurve('scratch-transformer');
  if (curves.status !== 'present') return assert.fail('absent');
  const role = (id: string) => curves.data.series.find((s) => s.id === id)!.role;
  assert.equal(role('scratch-transformer'), 'scratch');
  assert.equal(role('scratch'), 'other');
  const svg = learningCurvesSvg(curves.data);
  assert.match(svg, /bert architecture trained from random initialisation/);
  assert.match(svg, /TF-IDF|Scratch/);
});

test('without analysis.scratchArm the curve `scratch` keeps its role', () => {
  const curves = withTransformerCurve();
  if (curves.status !== 'present') return assert.fail('absent');
  assert.equal(curves.data.series.find((s) => s.id === 'scratch')!.role, 'scratch');
  assert.equal(curves.data.series.find((s) => s.id === 'scratch-transformer')!.role, 'other');
});
