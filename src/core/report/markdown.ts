/**
 * toMarkdown: the report as Markdown, for "Copy as Markdown" (pasting into an issue, a PR or a
 * notebook). Same model, same wording as the webview; plots become their captions plus compact
 * tables, absent sections keep their reason so a reader knows what was not computed.
 */
import { escapeMarkdown as md, formatInteger, formatMilliseconds, formatNumber } from './format';
import type { ReportModel, SectionId } from './model';
import { SECTION_IDS, SECTION_TITLES } from './model';

/** Most rows a Markdown table gets; longer series are summarised (a paste should stay readable). */
const MAX_TABLE_ROWS = 12;

export function toMarkdown(model: ReportModel): string {
  const lines: string[] = [`# ${md(model.title)}`, '', `Config: ${md(model.file)}`];
  if (model.finishedAt) lines.push(`Analysed: ${md(model.finishedAt)}`);
  for (const id of SECTION_IDS) {
    if (id === 'actions') continue; // buttons mean nothing on paper
    lines.push('', `## ${SECTION_TITLES[id]}`, '');
    lines.push(...sectionLines(model, id));
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cell = (text: string): string => md(text).replace(/\n/g, ' ');
  const out = [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) out.push(`| ${row.map(cell).join(' | ')} |`);
  return out;
}

function sectionLines(model: ReportModel, id: SectionId): string[] {
  const section = model.sections[id];
  if (section.status === 'absent') return [`_Not shown: ${md(section.reason)}_`];
  const s = model.sections;
  switch (id) {
    case 'headline': {
      if (s.headline.status !== 'present') return [];
      const h = s.headline.data;
      const out = [`**${md(h.badge)}.** ${md(h.sentence)}`];
      if (h.recommendation.reason) out.push('', `Why: ${md(h.recommendation.reason)}`);
      return out;
    }
    case 'learningCurves': {
      if (s.learningCurves.status !== 'present') return [];
      const c = s.learningCurves.data;
      const sizes = [...new Set(c.series.flatMap((series) => series.points.map((point) => point.n)))].sort((a, b) => a - b);
      const picked = sizes.length <= MAX_TABLE_ROWS ? sizes : sizes.filter((_, i) => i % Math.ceil(sizes.length / MAX_TABLE_ROWS) === 0);
      const rows = picked.map((n) => [
        formatInteger(n),
        ...c.series.map((series) => {
          const point = series.points.find((p) => p.n === n);
          return point ? `${formatNumber(point.mean)} (${formatNumber(point.low)}–${formatNumber(point.high)})${point.measured ? '' : '*'}` : '—';
        }),
      ]);
      return [md(c.caption), '', ...table(['n', ...c.series.map((series) => series.label)], rows), '', '\\* extrapolated'];
    }
    case 'spectrum': {
      if (s.spectrum.status !== 'present') return [];
      const sp = s.spectrum.data;
      const rows = sp.components.slice(0, MAX_TABLE_ROWS).map((component) => [String(component.index), formatNumber(component.variance), formatNumber(component.share), formatNumber(component.cumulative)]);
      return [md(sp.caption), '', ...table(['direction', 'variance', 'target share', 'cumulative'], rows)];
    }
    case 'perLayer': {
      if (s.perLayer.status !== 'present') return [];
      const p = s.perLayer.data;
      const rows = p.layers.map((layer) => [layer.layer, String(layer.depth), `${formatNumber(layer.value, 2)} (${formatNumber(layer.low, 2)}–${formatNumber(layer.high, 2)})`, layer.layer === p.freezeUpTo ? 'freeze up to here' : '']);
      return [md(p.caption), '', ...table(['layer', 'depth', 'overlap', ''], rows)];
    }
    case 'phaseDiagram':
      return s.phaseDiagram.status === 'present' ? [md(s.phaseDiagram.data.caption)] : [];
    case 'mythCheck': {
      if (s.mythCheck.status !== 'present') return [];
      const m = s.mythCheck.data;
      return [md(m.summary), '', md(m.explanation), '', ...table(['distance', 'value'], m.distances.map((d) => [d.name, formatNumber(d.value)]))];
    }
    case 'scores': {
      if (s.scores.status !== 'present') return [];
      const sc = s.scores.data;
      return [md(sc.caption), '', ...table(['score', 'value', 'meaning'], sc.rows.map((row) => [row.name, row.formatted, row.explanation]))];
    }
    case 'candidates': {
      if (s.candidates.status !== 'present') return [];
      const c = s.candidates.data;
      return [
        `Ranked by ${md(c.rankedBy)}.`,
        '',
        ...table(['#', 'checkpoint', ...c.columns.map((column) => column.name), 'verdict', 'gain at n'], c.rows.map((row) => [String(row.rank), row.label + (row.isCurrent ? ' (this config)' : ''), ...row.values, row.verdict, row.gain])),
      ];
    }
    case 'details': {
      if (s.details.status !== 'present') return [];
      const d = s.details.data;
      const out = d.rows.map((row) => `- **${md(row.label)}:** ${md(row.value)}`);
      if (d.datasets && d.datasets.length > 0) {
        out.push('', '**Datasets mixed**', '', ...table(['#', 'dataset', 'listed at', 'format', 'rows used', 'rows'],
          d.datasets.map((dataset, index) => [String(index + 1), dataset.path, dataset.keyPath, dataset.format, formatInteger(dataset.rowsUsed), formatInteger(dataset.rows)])));
      }
      if (d.warnings.length > 0) out.push('', '**Warnings and caveats**', '', ...d.warnings.map((warning) => `- ${md(warning)}`));
      if (d.timings.length > 0) out.push('', `Timings: ${d.timings.map((t) => `${md(t.step)} ${formatMilliseconds(t.milliseconds)}`).join(', ')}.`);
      return out;
    }
    case 'actions':
      return [];
  }
}
