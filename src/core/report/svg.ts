/**
 * Hand-written SVG for the report's four plots, as strings (pure: no DOM), so the webview and
 * the standalone HTML export draw identical pictures. Colours are never written here: elements
 * carry classes (`role-configured`, `region-negative`, ...) that media/report.css maps to VS Code
 * theme variables, which keeps light, dark and high-contrast themes legible. No inline `style`
 * attributes, because the webview's CSP forbids them. Every plot is a labelled `role="img"` with a
 * <title>/<desc>, every point has a <title> (hover) and `data-label` (keyboard read-out).
 */
import { escapeHtml as esc, formatInteger, formatNumber, formatPercent } from './format';
import type { CurveRole, LearningCurvesSection, PerLayerSection, PhaseDiagramSection, PlotId, SpectrumSection } from './model';

const WIDTH = 640;
const MARGIN = { left: 58, right: 58, top: 20, bottom: 46 };
const PLOT_HEIGHT = 270;

interface Frame {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number; // bottom (pixel)
  readonly y1: number; // top (pixel)
}

const frame: Frame = { x0: MARGIN.left, x1: WIDTH - MARGIN.right, y0: PLOT_HEIGHT - MARGIN.bottom, y1: MARGIN.top };

const fixed = (value: number): string => (Math.round(value * 10) / 10).toString();

/** Linear scale from [d0, d1] to [r0, r1]. */
function linear(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** Log10 scale from [d0, d1] (both > 0) to [r0, r1]. */
function logarithmic(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const span = l1 - l0 || 1;
  return (value) => r0 + ((Math.log10(Math.max(value, d0 / 10)) - l0) / span) * (r1 - r0);
}

/** About `count` round ticks covering [low, high]. */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const rawStep = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(rawStep));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= rawStep) ?? rawStep;
  const ticks: number[] = [];
  for (let tick = Math.ceil(low / step - 1e-9) * step; tick <= high + step * 1e-9; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return ticks;
}

/** Ticks at 1, 2, 5 × powers of ten inside [low, high] (fewer multiples when the range is wide). */
export function logTicks(low: number, high: number): number[] {
  const decades = Math.log10(high / low);
  const multiples = decades > 3 ? [1] : decades > 1.5 ? [1, 3] : [1, 2, 5];
  const ticks: number[] = [];
  for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power++) {
    for (const multiple of multiples) {
      const tick = multiple * 10 ** power;
      if (tick >= low * 0.999 && tick <= high * 1.001) ticks.push(tick);
    }
  }
  return ticks;
}

function svgOpen(plot: PlotId, height: number, title: string, description: string): string {
  const id = `plot-${plot}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot" id="${id}" data-plot="${plot}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `width="${WIDTH}" height="${height}" role="img" tabindex="0" aria-labelledby="${id}-title ${id}-desc">` +
    `<title id="${id}-title">${esc(title)}</title><desc id="${id}-desc">${esc(description)}</desc>` +
    `<rect class="plot-background" x="0" y="0" width="${WIDTH}" height="${height}"/>`
  );
}

function xAxis(ticks: readonly number[], scale: (value: number) => number, label: string, format: (value: number) => string): string {
  let out = `<g class="axis axis-x"><line class="axis-line" x1="${frame.x0}" x2="${frame.x1}" y1="${frame.y0}" y2="${frame.y0}"/>`;
  for (const tick of ticks) {
    const x = fixed(scale(tick));
    out += `<line class="grid" x1="${x}" x2="${x}" y1="${frame.y1}" y2="${frame.y0}"/>`;
    out += `<text class="tick-label" x="${x}" y="${frame.y0 + 15}" text-anchor="middle">${esc(format(tick))}</text>`;
  }
  out += `<text class="axis-title" x="${fixed((frame.x0 + frame.x1) / 2)}" y="${frame.y0 + 35}" text-anchor="middle">${esc(label)}</text></g>`;
  return out;
}

function yAxis(ticks: readonly number[], scale: (value: number) => number, label: string, format: (value: number) => string, side: 'left' | 'right' = 'left'): string {
  const x = side === 'left' ? frame.x0 : frame.x1;
  const anchor = side === 'left' ? 'end' : 'start';
  const offset = side === 'left' ? -6 : 6;
  let out = `<g class="axis axis-y axis-${side}"><line class="axis-line" x1="${x}" x2="${x}" y1="${frame.y1}" y2="${frame.y0}"/>`;
  for (const tick of ticks) {
    const y = fixed(scale(tick));
    if (side === 'left') out += `<line class="grid" x1="${frame.x0}" x2="${frame.x1}" y1="${y}" y2="${y}"/>`;
    out += `<text class="tick-label" x="${x + offset}" y="${y}" dy="0.32em" text-anchor="${anchor}">${esc(format(tick))}</text>`;
  }
  const titleX = side === 'left' ? 14 : WIDTH - 10;
  const middle = fixed((frame.y0 + frame.y1) / 2);
  out += `<text class="axis-title" x="${titleX}" y="${middle}" text-anchor="middle" transform="rotate(-90 ${titleX} ${middle})">${esc(label)}</text></g>`;
  return out;
}

/** Font size of `.legend-label` in media/report.css, in SVG user units. */
const LEGEND_FONT_SIZE = 11;
const LEGEND_SWATCH = 24; // swatch (18) + gap before the label (6)
const LEGEND_GAP = 18; // between entries on one row
const LEGEND_LINE_HEIGHT = 15;
const LEGEND_ROW_GAP = 4;

/**
 * Estimated rendered width of `text` at the legend's font size. The SVG is a string (no DOM to
 * measure), so this uses per-character advance widths of a wide sans-serif (DejaVu Sans, the
 * widest common UI font) and errs on the wide side: an over-estimate only costs a line break,
 * an under-estimate makes labels overlap.
 */
export function estimateTextWidth(text: string, fontSize = LEGEND_FONT_SIZE): number {
  let em = 0;
  for (const character of text) {
    if (character === ' ') em += 0.32;
    else if (/[iljtf.,:;'|!()[\]{}]/.test(character)) em += 0.36;
    else if (/[mwMW—@%]/.test(character)) em += 0.92;
    else if (/[A-Z]/.test(character)) em += 0.72;
    else if (/[0-9]/.test(character)) em += 0.64;
    else em += 0.6;
  }
  return em * fontSize;
}

/** Splits `text` at spaces into lines no wider than `width` (a single over-long word gets its own line). */
export function wrapText(text: string, width: number, fontSize = LEGEND_FONT_SIZE): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (current && estimateTextWidth(candidate, fontSize) > width) {
      lines.push(current);
      current = word;
    } else {
      current = candidate;
    }
  }
  if (current) lines.push(current);
  return lines.length ? lines : [''];
}

interface LegendEntry {
  readonly className: string;
  readonly label: string;
  readonly shape: 'line' | 'dashed' | 'box' | 'dot';
}

/** Where each legend entry goes: its row's top, its x, and its label's lines. */
export interface LegendSlot {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly lines: readonly string[];
}

/**
 * Flows legend entries left to right below the plot, starting a new row when the next entry's
 * estimated width does not fit, and wrapping a label that is wider than a whole row onto several
 * lines. Labels are long sentences here ("Scratch: the checkpoint architecture trained from
 * default initialisation"), so fixed columns made them run into each other.
 */
export function layoutLegend(labels: readonly string[], top: number, left = frame.x0, right = WIDTH - 8): { slots: LegendSlot[]; height: number } {
  const rowWidth = right - left;
  const slots: LegendSlot[] = [];
  let x = left;
  let rowTop = top;
  let rowLines = 1;
  for (const label of labels) {
    const oneLine = LEGEND_SWATCH + estimateTextWidth(label);
    const lines = oneLine > rowWidth ? wrapText(label, rowWidth - LEGEND_SWATCH) : [label];
    const width = LEGEND_SWATCH + Math.max(...lines.map((line) => estimateTextWidth(line)));
    if (x > left && x + width > right) {
      rowTop += rowLines * LEGEND_LINE_HEIGHT + LEGEND_ROW_GAP;
      x = left;
      rowLines = 1;
    }
    slots.push({ x, y: rowTop, width, lines });
    rowLines = Math.max(rowLines, lines.length);
    x += width + LEGEND_GAP;
  }
  const height = labels.length ? rowTop - top + rowLines * LEGEND_LINE_HEIGHT + 6 : 0;
  return { slots, height };
}

/** Legend below the plot (see layoutLegend); returns markup and height used. */
function legend(entries: readonly LegendEntry[], top: number): { markup: string; height: number } {
  const layout = layoutLegend(entries.map((entry) => entry.label), top + 4);
  let markup = '<g class="legend">';
  entries.forEach((entry, index) => {
    const { x, y, lines } = layout.slots[index]!;
    const swatch =
      entry.shape === 'box'
        ? `<rect class="${entry.className}" x="${fixed(x)}" y="${y - 6}" width="18" height="10"/>`
        : entry.shape === 'dot'
          ? `<circle class="${entry.className}" cx="${fixed(x + 9)}" cy="${y - 1}" r="4"/>`
          : `<line class="${entry.className}${entry.shape === 'dashed' ? ' dashed' : ''}" x1="${fixed(x)}" x2="${fixed(x + 18)}" y1="${y - 1}" y2="${y - 1}"/>`;
    const text = lines.length === 1
      ? esc(lines[0]!)
      : lines.map((line, lineIndex) => `<tspan x="${fixed(x + LEGEND_SWATCH)}"${lineIndex ? ` dy="${LEGEND_LINE_HEIGHT}"` : ''}>${esc(line)}</tspan>`).join('');
    markup += `<g class="legend-entry">${swatch}<text class="legend-label" x="${fixed(x + LEGEND_SWATCH)}" y="${y}" dy="0.25em">${text}</text></g>`;
  });
  markup += '</g>';
  return { markup, height: layout.height + 4 };
}

function verticalMarker(x: number, className: string, label: string, anchor: 'start' | 'end'): string {
  const dx = anchor === 'start' ? 4 : -4;
  return (
    `<g class="marker ${className}"><line x1="${fixed(x)}" x2="${fixed(x)}" y1="${frame.y1}" y2="${frame.y0}"/>` +
    `<text class="marker-label" x="${fixed(x + dx)}" y="${frame.y1 + 10}" text-anchor="${anchor}">${esc(label)}</text></g>`
  );
}

// ---------------------------------------------------------------------------------------------

const ROLE_SHAPE: Readonly<Record<CurveRole, 'line' | 'dashed'>> = {
  configured: 'line',
  recommended: 'line',
  'transfer-other': 'dashed',
  scratch: 'line',
  'scratch-unregularised': 'dashed',
  other: 'dashed',
};

export function learningCurvesSvg(section: LearningCurvesSection): string {
  const allPoints = section.series.flatMap((series) => series.points);
  const markers = [section.configuredN, section.crossoverN ?? section.configuredN, section.scratchSpike?.low ?? section.configuredN, section.scratchSpike?.high ?? section.configuredN];
  const nMin = Math.min(...allPoints.map((point) => point.n), ...markers);
  const nMax = Math.max(...allPoints.map((point) => point.n), ...markers);
  const xLow = nMin / 1.15;
  const xHigh = nMax * 1.15;
  const riskMax = Math.max(...allPoints.map((point) => point.high), 1e-9);
  const riskMin = Math.min(0, ...allPoints.map((point) => point.low));
  const yTicks = niceTicks(riskMin, riskMax * 1.02, 5);
  // Round ticks can stop short of the data; extend by whole steps so bands are never cut off.
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : riskMax;
  while (yTicks[yTicks.length - 1]! < riskMax) yTicks.push(Number((yTicks[yTicks.length - 1]! + yStep).toPrecision(12)));
  const yTop = yTicks[yTicks.length - 1]!;
  const x = logarithmic(xLow, xHigh, frame.x0, frame.x1);
  const y = linear(yTicks[0]!, yTop, frame.y0, frame.y1);
  const clampY = (value: number): number => Math.min(frame.y0, Math.max(frame.y1, y(value)));
  const legendParts = legend(
    [
      ...section.series.map((series) => ({ className: `line role-${series.role}`, label: series.label, shape: ROLE_SHAPE[series.role] })),
      ...(section.scratchSpike ? [{ className: 'spike', label: 'scratch double-descent region', shape: 'box' as const }] : []),
    ],
    PLOT_HEIGHT + 2,
  );
  const height = PLOT_HEIGHT + legendParts.height;
  const description = `Risk against training-set size for ${section.series.map((series) => series.label).join(', ')}. ${section.caption}`;
  let out = svgOpen('learningCurves', height, `Predicted learning curves (${section.riskName})`, description);
  out += `<g class="clip-area">`;
  if (section.scratchSpike) {
    const left = x(section.scratchSpike.low);
    const right = x(section.scratchSpike.high);
    out += `<rect class="spike" x="${fixed(left)}" y="${frame.y1}" width="${fixed(Math.max(1, right - left))}" height="${frame.y0 - frame.y1}"><title>Scratch near its interpolation threshold: n ≈ ${formatInteger(section.scratchSpike.low)}–${formatInteger(section.scratchSpike.high)}</title></rect>`;
  }
  out += '</g>';
  out += xAxis(logTicks(xLow, xHigh), x, 'training samples n (log scale)', formatInteger);
  out += yAxis(yTicks, y, `${section.riskName} (lower is better)`, (value) => formatNumber(value));
  // Draw baselines first and the configured/recommended curves last, so the curves the advice is
  // about are never hidden under a comparison curve.
  for (const [rank, series] of [...section.series.entries()].reverse()) {
    const upper = series.points.map((point) => `${fixed(x(point.n))},${fixed(clampY(point.high))}`);
    const lower = series.points.map((point) => `${fixed(x(point.n))},${fixed(clampY(point.low))}`).reverse();
    out += `<g class="series role-${series.role}" data-series="${esc(series.id)}" data-rank="${rank}">`;
    // The unregularised baseline is shown for context only: its band would bury the tuned one.
    if (series.role !== 'scratch-unregularised') out += `<polygon class="band role-${series.role}" points="${[...upper, ...lower].join(' ')}"/>`;
    out += `<polyline class="line role-${series.role}${ROLE_SHAPE[series.role] === 'dashed' ? ' dashed' : ''}" points="${series.points.map((point) => `${fixed(x(point.n))},${fixed(clampY(point.mean))}`).join(' ')}"/>`;
    for (const point of series.points) {
      const label = `${series.label}: n = ${formatInteger(point.n)}, ${section.riskName} ${formatNumber(point.mean)} (90% interval ${formatNumber(point.low)}–${formatNumber(point.high)}), ${point.measured ? 'measured' : 'extrapolated'}`;
      out += `<circle class="point role-${series.role} ${point.measured ? 'measured' : 'extrapolated'}" cx="${fixed(x(point.n))}" cy="${fixed(clampY(point.mean))}" r="3.5" data-label="${esc(label)}"><title>${esc(label)}</title></circle>`;
    }
    out += '</g>';
  }
  const nX = x(section.configuredN);
  out += verticalMarker(nX, 'marker-n', `your n = ${formatInteger(section.configuredN)}`, nX > (frame.x0 + frame.x1) / 2 ? 'end' : 'start');
  if (section.crossoverN !== null) {
    const crossX = x(section.crossoverN);
    // Put the n* label on the side away from the n label so they never overlap.
    out += verticalMarker(crossX, 'marker-crossover', `n* ≈ ${formatInteger(section.crossoverN)}`, crossX < nX ? 'end' : 'start').replace(
      `y="${frame.y1 + 10}"`,
      `y="${frame.y1 + 24}"`,
    );
  }
  out += legendParts.markup + '</svg>';
  return out;
}

// ---------------------------------------------------------------------------------------------

export function spectrumSvg(section: SpectrumSection): string {
  const count = section.components.length;
  const band = (frame.x1 - frame.x0) / count;
  const xCenter = (index: number): number => frame.x0 + band * (index - 0.5);
  const y = linear(0, 1, frame.y0, frame.y1);
  const positiveVariances = section.components.map((component) => component.variance).filter((value) => value > 0);
  const varianceLow = positiveVariances.length ? Math.min(...positiveVariances) : 1e-3;
  const varianceHigh = positiveVariances.length ? Math.max(...positiveVariances) : 1;
  const vLow = 10 ** Math.floor(Math.log10(varianceLow));
  const vHigh = 10 ** Math.ceil(Math.log10(varianceHigh * 1.0001));
  const yVariance = logarithmic(vLow, vHigh === vLow ? vLow * 10 : vHigh, frame.y0, frame.y1);
  const legendParts = legend(
    [
      { className: 'bar', label: 'target share per direction', shape: 'box' },
      { className: 'line cumulative', label: 'cumulative share', shape: 'line' },
      { className: 'variance-dot', label: 'feature variance (right axis)', shape: 'dot' },
    ],
    PLOT_HEIGHT + 2,
  );
  const height = PLOT_HEIGHT + legendParts.height;
  let out = svgOpen('spectrum', height, 'Feature-overlap spectrum', section.caption);
  const xTicks = niceTicks(1, count, Math.min(8, count)).filter((tick) => Number.isInteger(tick) && tick >= 1 && tick <= count);
  out += xAxis(xTicks, xCenter, 'principal feature direction (by variance)', formatInteger);
  out += yAxis([0, 0.25, 0.5, 0.75, 1], y, 'share of target signal', formatPercent);
  out += yAxis(logTicks(vLow, vHigh === vLow ? vLow * 10 : vHigh).filter((_, i, all) => all.length <= 6 || i % 2 === 0), yVariance, 'feature variance', (value) => formatNumber(value), 'right');
  out += '<g class="bars">';
  for (const component of section.components) {
    const top = y(Math.max(0, Math.min(1, component.share)));
    const label = `Direction ${component.index}: ${formatPercent(component.share)} of the target (cumulative ${formatPercent(component.cumulative)}), variance ${formatNumber(component.variance)}`;
    out += `<rect class="bar point" x="${fixed(xCenter(component.index) - band * 0.4)}" y="${fixed(top)}" width="${fixed(band * 0.8)}" height="${fixed(Math.max(0, frame.y0 - top))}" data-label="${esc(label)}"><title>${esc(label)}</title></rect>`;
  }
  out += '</g>';
  out += `<polyline class="line cumulative" points="${section.components.map((component) => `${fixed(xCenter(component.index))},${fixed(y(Math.min(1, component.cumulative)))}`).join(' ')}"/>`;
  out += '<g class="variance">';
  for (const component of section.components) {
    if (component.variance > 0) out += `<circle class="variance-dot" cx="${fixed(xCenter(component.index))}" cy="${fixed(yVariance(component.variance))}" r="2.2"/>`;
  }
  out += '</g>';
  out += `<g class="marker marker-90"><line x1="${frame.x0}" x2="${frame.x1}" y1="${fixed(y(0.9))}" y2="${fixed(y(0.9))}"/>`;
  if (section.directionsFor90 !== null && section.directionsFor90 <= count) {
    const x90 = xCenter(section.directionsFor90) + band / 2;
    out += `<line x1="${fixed(x90)}" x2="${fixed(x90)}" y1="${frame.y1}" y2="${frame.y0}"/>`;
    out += `<text class="marker-label" x="${fixed(Math.min(x90 + 4, frame.x1 - 4))}" y="${fixed(y(0.9) + 14)}" text-anchor="${x90 > frame.x1 - 160 ? 'end' : 'start'}">90% of the target in ${formatInteger(section.directionsFor90)} direction${section.directionsFor90 === 1 ? '' : 's'}</text>`;
  } else {
    out += `<text class="marker-label" x="${frame.x1 - 4}" y="${fixed(y(0.9) - 6)}" text-anchor="end">90% not reached</text>`;
  }
  out += '</g>';
  out += legendParts.markup + '</svg>';
  return out;
}

// ---------------------------------------------------------------------------------------------

export function perLayerSvg(section: PerLayerSection): string {
  const count = section.layers.length;
  const band = (frame.x1 - frame.x0) / count;
  const xCenter = (index: number): number => frame.x0 + band * (index + 0.5);
  const y = linear(0, 1, frame.y0, frame.y1);
  const legendParts = legend(
    [
      { className: 'line overlap-line', label: 'overlap (90% interval)', shape: 'line' },
      ...(section.freezeDepth !== null ? [{ className: 'freeze-region', label: 'suggested frozen blocks', shape: 'box' as const }] : []),
    ],
    PLOT_HEIGHT + 2,
  );
  const height = PLOT_HEIGHT + legendParts.height;
  let out = svgOpen('perLayer', height, 'Feature overlap per layer', section.caption);
  const freezeIndex = section.freezeDepth === null ? -1 : section.layers.findIndex((layer) => layer.depth === section.freezeDepth || layer.layer === section.freezeUpTo);
  if (freezeIndex >= 0) {
    const right = frame.x0 + band * (freezeIndex + 1);
    out += `<rect class="freeze-region" x="${frame.x0}" y="${frame.y1}" width="${fixed(right - frame.x0)}" height="${frame.y0 - frame.y1}"/>`;
    // Freezing up to the last block read leaves nothing to fine-tune among them: say "freeze all"
    // instead of a "fine-tune" label that would sit outside the plot.
    const freezesAll = freezeIndex === count - 1;
    out += `<text class="marker-label freeze-label" x="${fixed(right - 4)}" y="${frame.y1 + 12}" text-anchor="end">${freezesAll ? 'freeze all (train a new head)' : 'freeze'}</text>`;
    if (!freezesAll) out += `<text class="marker-label" x="${fixed(right + 4)}" y="${frame.y1 + 12}" text-anchor="start">fine-tune</text>`;
    out += `<line class="marker-freeze" x1="${fixed(right)}" x2="${fixed(right)}" y1="${frame.y1}" y2="${frame.y0}"/>`;
  }
  let axis = `<g class="axis axis-x"><line class="axis-line" x1="${frame.x0}" x2="${frame.x1}" y1="${frame.y0}" y2="${frame.y0}"/>`;
  section.layers.forEach((layer, index) => {
    axis += `<text class="tick-label" x="${fixed(xCenter(index))}" y="${frame.y0 + 15}" text-anchor="middle">${esc(layer.layer)}</text>`;
  });
  axis += `<text class="axis-title" x="${fixed((frame.x0 + frame.x1) / 2)}" y="${frame.y0 + 35}" text-anchor="middle">layer (input side → output side)</text></g>`;
  out += axis;
  out += yAxis([0, 0.25, 0.5, 0.75, 1], y, 'feature overlap', (value) => formatNumber(value));
  out += `<polyline class="line overlap-line" points="${section.layers.map((layer, index) => `${fixed(xCenter(index))},${fixed(y(layer.value))}`).join(' ')}"/>`;
  section.layers.forEach((layer, index) => {
    const cx = fixed(xCenter(index));
    const label = `${layer.layer} (depth ${layer.depth}): overlap ${formatNumber(layer.value, 2)} (90% interval ${formatNumber(layer.low, 2)}–${formatNumber(layer.high, 2)})`;
    out += `<line class="error-bar" x1="${cx}" x2="${cx}" y1="${fixed(y(layer.low))}" y2="${fixed(y(layer.high))}"/>`;
    out += `<circle class="point overlap-point" cx="${cx}" cy="${fixed(y(layer.value))}" r="4.5" data-label="${esc(label)}"><title>${esc(label)}</title></circle>`;
  });
  out += legendParts.markup + '</svg>';
  return out;
}

// ---------------------------------------------------------------------------------------------

export function phaseDiagramSvg(section: PhaseDiagramSection): string {
  const x = linear(0, 1, frame.x0, frame.x1);
  const y = linear(0, section.gammaMax, frame.y0, frame.y1);
  const legendParts = legend(
    [
      { className: 'region-positive', label: 'transfer helps (T > 0)', shape: 'box' },
      { className: 'region-negative legend-hatched', label: 'negative transfer (T < 0)', shape: 'box' },
      { className: 'position', label: 'this config (90% interval)', shape: 'dot' },
    ],
    PLOT_HEIGHT + 2,
  );
  const height = PLOT_HEIGHT + legendParts.height;
  let out = svgOpen('phaseDiagram', height, 'Phase diagram of linear transfer', section.caption);
  out += `<rect class="region-positive" x="${frame.x0}" y="${frame.y1}" width="${frame.x1 - frame.x0}" height="${frame.y0 - frame.y1}"/>`;
  // Hatching as well as colour, so the regions stay distinct without colour vision or in print.
  out += '<defs><pattern id="phase-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line class="hatch" x1="0" y1="0" x2="0" y2="8"/></pattern></defs>';
  for (const polygon of section.negativeRegions) {
    const points = polygon.map(([overlap, gamma]) => `${fixed(x(overlap))},${fixed(y(gamma))}`).join(' ');
    out += `<polygon class="region-negative" points="${points}"/><polygon class="region-hatch" fill="url(#phase-hatch)" points="${points}"/>`;
  }
  out += xAxis([0, 0.2, 0.4, 0.6, 0.8, 1], x, 'feature overlap (cos²θ)', (value) => formatNumber(value));
  out += yAxis(niceTicks(0, section.gammaMax, 5), y, 'n / d (samples per parameter)', (value) => formatNumber(value));
  out += `<g class="marker marker-threshold"><line x1="${frame.x0}" x2="${frame.x1}" y1="${fixed(y(1))}" y2="${fixed(y(1))}"/><text class="marker-label" x="${frame.x0 + 4}" y="${fixed(y(1) - 4)}">n = d: scratch interpolation threshold</text></g>`;
  const { position } = section;
  const py = position.gammaClipped ? frame.y1 + 4 : y(position.gamma);
  const label = `This config: overlap ${formatNumber(position.overlap, 2)} (${formatNumber(position.overlapLow, 2)}–${formatNumber(position.overlapHigh, 2)}), n/d = ${formatNumber(position.gamma, 3)}, ${section.region === 'positive' ? 'transfer-helps' : 'negative-transfer'} region`;
  out += `<g class="position-group"><line class="error-bar position-interval" x1="${fixed(x(position.overlapLow))}" x2="${fixed(x(position.overlapHigh))}" y1="${fixed(py)}" y2="${fixed(py)}"/>`;
  out += position.gammaClipped
    ? `<path class="position point" d="M ${fixed(x(position.overlap))} ${fixed(py - 5)} l 6 10 l -12 0 z" data-label="${esc(label)}"><title>${esc(label)}</title></path>`
    : `<circle class="position point" cx="${fixed(x(position.overlap))}" cy="${fixed(py)}" r="5.5" data-label="${esc(label)}"><title>${esc(label)}</title></circle>`;
  const labelRight = x(position.overlap) < (frame.x0 + frame.x1) / 2;
  out += `<text class="marker-label position-label" x="${fixed(x(position.overlap) + (labelRight ? 10 : -10))}" y="${fixed(py + (position.gammaClipped ? 14 : -8))}" text-anchor="${labelRight ? 'start' : 'end'}">this config</text></g>`;
  out += legendParts.markup + '</svg>';
  return out;
}
