/**
 * The report model and plots for the bundled examples' REAL reports (test/fixtures/reports/
 * example-*.json, written by generate-examples.mjs from the shipped CLI): every section present or
 * absent with a reason, the headline follows the engine's verdict, and the learning-curve legend
 * labels never overlap or run off the plot (they did: fixed three-per-row columns could not hold
 * the engine's long curve labels).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReportModel, SECTION_IDS, learningCurvesSvg, perLayerSvg, phaseDiagramSvg, spectrumSvg } from '../../../src/core/report/index';
import { estimateTextWidth, layoutLegend, wrapText } from '../../../src/core/report/svg';
import { ALL_FIXTURES, loadFixture } from './helpers';

test('the real example reports build a complete model whose headline follows the engine', () => {
  for (const name of ['example-helps', 'example-hurts'] as const) {
    const report = loadFixture(name);
    const model = buildReportModel(report);
    assert.deepEqual(Object.keys(model.sections).sort(), [...SECTION_IDS].sort(), name);
    for (const id of SECTION_IDS) {
      const section = model.sections[id];
      if (section.status === 'absent') assert.ok(section.reason.length > 20, `${name}/${id} needs a reason`);
    }
    assert.equal(model.sections.learningCurves.status, 'present', `${name} has learning curves`);
    assert.equal(model.sections.headline.status, 'present');
    const headline = model.sections.headline.status === 'present' ? JSON.stringify(model.sections.headline.data) : '';
    assert.match(headline, report.analysis!.verdict === 'negative' ? /lose|hurts/i : /beat|helps/i, name);
  }
});

interface LegendBox { readonly row: number; readonly left: number; readonly right: number; readonly top: number; readonly bottom: number; readonly text: string }

/** Legend label boxes read back from the SVG markup, widths estimated from their text. */
function legendBoxes(svg: string): LegendBox[] {
  const legend = /<g class="legend">([\s\S]*?)<\/g><\/svg>/.exec(svg)?.[1] ?? '';
  const boxes: LegendBox[] = [];
  for (const match of legend.matchAll(/<text class="legend-label" x="([\d.]+)" y="([\d.]+)"[^>]*>([\s\S]*?)<\/text>/g)) {
    const x = Number(match[1]);
    const y = Number(match[2]);
    const lines = match[3]!.includes('<tspan') ? [...match[3]!.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1]!) : [match[3]!];
    const width = Math.max(...lines.map((line) => estimateTextWidth(line.replace(/&[a-z]+;/g, '&'))));
    // The swatch sits 24 units left of the label.
    boxes.push({ row: y, left: x - 24, right: x + width, top: y - 8, bottom: y + 15 * (lines.length - 1) + 6, text: lines.join(' ') });
  }
  return boxes;
}

test('legend labels never overlap and stay inside the plot, for every fixture and plot', () => {
  for (const name of ALL_FIXTURES) {
    const model = buildReportModel(loadFixture(name));
    const svgs: [string, string][] = [];
    if (model.sections.learningCurves.status === 'present') svgs.push(['learningCurves', learningCurvesSvg(model.sections.learningCurves.data)]);
    if (model.sections.spectrum.status === 'present') svgs.push(['spectrum', spectrumSvg(model.sections.spectrum.data)]);
    if (model.sections.perLayer.status === 'present') svgs.push(['perLayer', perLayerSvg(model.sections.perLayer.data)]);
    if (model.sections.phaseDiagram.status === 'present') svgs.push(['phaseDiagram', phaseDiagramSvg(model.sections.phaseDiagram.data)]);
    for (const [plot, svg] of svgs) {
      const boxes = legendBoxes(svg);
      assert.ok(boxes.length >= 2, `${name}/${plot} has a legend`);
      const height = Number(/viewBox="0 0 \d+ ([\d.]+)"/.exec(svg)![1]);
      for (const box of boxes) {
        assert.ok(box.right <= 640, `${name}/${plot}: '${box.text}' ends at ${box.right.toFixed(0)} > 640`);
        assert.ok(box.bottom <= height, `${name}/${plot}: '${box.text}' below the picture (${box.bottom} > ${height})`);
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i]!;
          const b = boxes[j]!;
          const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
          assert.ok(!overlap, `${name}/${plot}: '${a.text}' overlaps '${b.text}'`);
        }
      }
    }
  }
});

test('legend layout: short labels share a row, a label wider than a row wraps', () => {
  const short = layoutLegend(['a', 'b', 'c'], 100, 0, 600);
  assert.deepEqual(short.slots.map((slot) => slot.y), [100, 100, 100]);
  const long = 'Scratch: the checkpoint architecture trained from default initialisation, which is a long label indeed, longer than one row';
  const layout = layoutLegend(['Linear probe (frozen features, as configured)', long, 'tuned ridge'], 0, 0, 400);
  assert.ok(layout.slots[1]!.lines.length >= 2, 'wrapped');
  assert.ok(layout.slots[1]!.y > layout.slots[0]!.y, 'a long entry starts its own row');
  assert.ok(layout.slots[2]!.y > layout.slots[1]!.y, 'the next entry goes below all the wrapped lines');
  for (const line of layout.slots[1]!.lines) assert.ok(estimateTextWidth(line) <= 400 - 24);
  assert.equal(wrapText(long, 10_000).length, 1);
  assert.ok(estimateTextWidth('MMMM') > estimateTextWidth('iiii'));
});

test('with the config text, Apply-fix buttons are only the fixes that change it, titled as the quick fix', () => {
  const root = join(__dirname, '..', '..', '..');
  const actionsOf = (name: 'example-helps' | 'example-hurts', configText?: string) => {
    const model = buildReportModel(loadFixture(name), { configText });
    assert.equal(model.sections.actions.status, 'present');
    return model.sections.actions.status === 'present' ? model.sections.actions.data.actions.filter((a) => a.kind === 'applyFix') : [];
  };
  // helps: the advice (keep the linear probe) is what the config already says → nothing to apply.
  const helpsText = readFileSync(join(root, 'examples', 'helps', 'config.yaml'), 'utf8');
  assert.deepEqual(actionsOf('example-helps', helpsText), []);
  assert.equal(actionsOf('example-helps').length, 1, 'without the text the payload heuristic still offers it');
  // hurts: train from scratch, as the preferred fix, first and primary.
  const hurtsText = readFileSync(join(root, 'examples', 'hurts', 'config.yaml'), 'utf8');
  const hurts = actionsOf('example-hurts', hurtsText);
  assert.ok(hurts.length >= 1);
  assert.match(hurts[0]!.label, /^Apply fix: Train from scratch: comment out model_name_or_path/);
  assert.equal(hurts[0]!.primary, true);
  // Once applied (checkpoint commented out), the button goes away.
  const applied = hurtsText.replace(/^model_name_or_path:/m, '# transferlens: train from scratch — was: model_name_or_path:');
  assert.deepEqual(actionsOf('example-hurts', applied), []);
});

test('per-layer plot: freezing every block read says so instead of a fine-tune label outside the plot', () => {
  const model = buildReportModel(loadFixture('example-helps'));
  assert.equal(model.sections.perLayer.status, 'present');
  if (model.sections.perLayer.status !== 'present') return;
  const data = model.sections.perLayer.data;
  const last = data.layers[data.layers.length - 1]!;
  const all = perLayerSvg({ ...data, freezeDepth: last.depth, freezeUpTo: last.layer });
  assert.match(all, /freeze all \(train a new head\)/);
  assert.doesNotMatch(all, />fine-tune</);
  const some = perLayerSvg({ ...data, freezeDepth: data.layers[0]!.depth, freezeUpTo: data.layers[0]!.layer });
  assert.match(some, />freeze</);
  assert.match(some, />fine-tune</);
});
