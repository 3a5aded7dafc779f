/**
 * Text helpers shared by the report builder and its renderers: escaping (every piece of user or
 * file text goes through `escapeHtml` before it reaches markup) and locale-independent number
 * formatting (reports must read the same on every machine and in snapshot tests).
 */
import type { RecommendedStrategy } from '../model/analysis';
import type { Strategy } from '../model/config';

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML/SVG element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]!);
}

/** Escapes Markdown's inline control characters so file names cannot start links or emphasis. */
export function escapeMarkdown(text: string): string {
  // Parentheses, '+' and '!' only matter next to brackets, which are escaped; leaving them keeps text readable.
  return text.replace(/[\\`*_[\]|<>]/g, (character) => '\\' + character);
}

/**
 * `path` relative to the folder of `configFile` when it lies inside it (the way a config usually
 * refers to its data), else unchanged. Pure string work (the core has no node:path): both `/`
 * and `\` separate folders.
 */
export function pathFromConfig(path: string, configFile: string): string {
  const cut = Math.max(configFile.lastIndexOf('/'), configFile.lastIndexOf('\\'));
  if (cut < 0) return path;
  const folder = configFile.slice(0, cut + 1);
  return path.length > folder.length && path.startsWith(folder) ? path.slice(folder.length) : path;
}

/** Integer with thin-space-free thousands separators: 12000 → "12,000". */
export function formatInteger(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = Math.round(value);
  const sign = rounded < 0 ? '-' : '';
  const digits = String(Math.abs(rounded));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A number with about three significant digits, plain notation for everyday magnitudes and
 * exponent notation for very small or large ones ("1e-4" reads better than "0.0001000").
 */
export function formatNumber(value: number, significant = 3): string {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  // A real minus sign: it matches formatSigned and lines up with digits in tables.
  if (value < 0) return '−' + formatNumber(-value, significant);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) {
    const [mantissa, exponent] = value.toExponential(Math.max(0, significant - 1)).split('e');
    return `${trimZeros(mantissa!)}e${Number(exponent)}`;
  }
  if (magnitude >= 10 ** significant) return formatInteger(value);
  const decimals = Math.max(0, significant - 1 - Math.floor(Math.log10(magnitude)));
  return trimZeros(value.toFixed(decimals));
}

/** Signed number: "+0.32" / "−0.13" (a real minus sign reads better than a hyphen). */
export function formatSigned(value: number, significant = 2): string {
  const text = formatNumber(Math.abs(value), significant);
  if (value > 0) return '+' + text;
  if (value < 0) return '−' + text;
  return text;
}

/** Fraction as a percentage: 0.823 → "82%". */
export function formatPercent(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${Math.round(value * 100)}%`;
}

export function formatMilliseconds(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  return `${formatNumber(milliseconds / 1000, 3)} s`;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

const STRATEGY_LABELS: Readonly<Record<RecommendedStrategy | Strategy, string>> = {
  'linear-probe': 'linear probe (frozen features)',
  'lp-ft': 'LP-FT (fit the head, then fine-tune)',
  full: 'full fine-tuning',
  'partial-freeze': 'partial freeze',
  scratch: 'training from scratch',
  lora: 'LoRA',
  qlora: 'QLoRA',
  'adapter-other': 'adapter fine-tuning',
};

/** Human words for a strategy id. */
export function strategyLabel(strategy: string): string {
  return (STRATEGY_LABELS as Record<string, string>)[strategy] ?? strategy;
}

/** Upper-cases the first character (labels start sentences in tables). */
export function capitalise(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** The last path segment, for compact labels (full paths stay in Details). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}
