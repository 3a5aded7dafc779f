/**
 * What the editor shows, computed without the vscode API so it is unit-tested in plain Node:
 * diagnostic data for a finding (severity after overrides, code + README link, related
 * locations), which reports to show for which files, the CodeLens text above the checkpoint key,
 * the hover on the checkpoint and dataset keys, and the status bar item's text.
 * The adapter (src/vscode/extension.ts) only converts these plain objects to vscode types.
 */
import { gainIntervalLevel, levelPercent, type AnalysisReport, type TransferAnalysis, type Verdict } from '../../core/model/analysis';
import type { Finding, RelatedLocation, Severity } from '../../core/model/finding';
import type { Range } from '../../core/model/range';
import { CODES } from '../../core/model/codes';
import { pathFromConfig } from '../../core/report/format';
import { hfModelRows } from '../../core/report/hfModel';
import type { SeverityOverride } from './settings';

/** Where each code is documented: README section "Diagnostic codes", anchor = the code. */
export const README_URL = 'https://github.com/transferlens/transferlens/blob/main/README.md';

export const DIAGNOSTIC_SOURCE = 'transferlens';

export interface DiagnosticData {
  readonly range: Range;
  readonly message: string;
  readonly severity: Severity;
  readonly source: string;
  readonly code: { readonly value: string; readonly target: string };
  readonly related: readonly RelatedLocation[];
  /** Normalised field the finding is about (checkpoint, dataset, ...), for hovers and code actions. */
  readonly field?: string;
}

/** Diagnostic data for a finding, or undefined when the user turned its code off. */
export function diagnosticFor(finding: Finding, overrides: Readonly<Record<string, SeverityOverride>>): DiagnosticData | undefined {
  const override = overrides[finding.code];
  if (override === 'off') return undefined;
  return {
    range: finding.range,
    message: finding.message,
    severity: override ?? finding.severity,
    source: DIAGNOSTIC_SOURCE,
    code: { value: finding.code, target: `${README_URL}#${finding.code}` },
    related: finding.related ?? [],
    field: finding.field,
  };
}

/** First line of a message (what inline tools such as Error Lens show). */
export function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.trim();
}

/**
 * Findings to show per file: static findings and the latest analysis' findings are merged (the
 * analysis wins for codes both produce), suppressed codes removed. An automatic run on a file
 * no profile recognises shows nothing, so random YAML files never get TransferLens noise.
 */
export function findingsByFile(
  configFile: string,
  staticFindings: readonly Finding[],
  report: AnalysisReport | undefined,
  suppressed: readonly string[],
  explicit: boolean,
): Map<string, Finding[]> {
  const fromReport = report?.findings ?? [];
  const reportKeys = new Set(fromReport.map((f) => `${f.code}@${f.file}:${f.range.start.line}`));
  const merged = [...fromReport, ...staticFindings.filter((f) => !reportKeys.has(`${f.code}@${f.file}:${f.range.start.line}`))];
  const shown = merged.filter((f) => !suppressed.includes(f.code));
  const byFile = new Map<string, Finding[]>([[configFile, []]]);
  if (!explicit && shown.length > 0 && shown.every((f) => f.code === 'config-unrecognised')) return byFile;
  for (const finding of shown) {
    const file = finding.file || configFile;
    byFile.set(file, [...(byFile.get(file) ?? []), finding]);
  }
  return byFile;
}

/** Cheap sniff before anything runs: does this text look like a training config at all? */
export function looksLikeTrainingConfig(text: string): boolean {
  return /(^|["\s{,])(model_name_or_path|base_model|pretrained_model_name_or_path|init_checkpoint|checkpoint_dir|load_from|initial_checkpoint|ckpt_path|train_file|datasets?|finetuning_type|max_train_samples|class_path|_target_)["']?\s*:/m.test(text)
    || /#\s*transferlens\s*:/i.test(text);
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A sample count the way people read it: 1,400. */
export function formatCount(n: number): string {
  return integer.format(n);
}

function signed(value: number): string {
  const rounded = Number(value.toPrecision(2));
  return (rounded > 0 ? '+' : rounded < 0 ? '−' : '') + String(Math.abs(rounded));
}

const VERDICT_WORDS: Record<Verdict, string> = {
  'positive': 'helps',
  'negative': 'negative',
  'too-close': 'too close to call',
};

/** "Transfer: negative at n=200 · crossover n≈1,400" (undefined without an analysis). */
export function codeLensTitle(analysis: TransferAnalysis | undefined): string | undefined {
  if (!analysis) return undefined;
  const parts = [`Transfer: ${VERDICT_WORDS[analysis.verdict]} at n=${formatCount(analysis.n)}`];
  if (analysis.crossoverN !== null && Number.isFinite(analysis.crossoverN)) parts.push(`crossover n≈${formatCount(analysis.crossoverN)}`);
  return parts.join(' · ');
}

function interval(estimate: { value?: number; mean?: number; low: number; high: number }, digits = 2): string {
  const centre = estimate.value ?? estimate.mean ?? NaN;
  return `${centre.toFixed(digits)} [${estimate.low.toFixed(digits)}, ${estimate.high.toFixed(digits)}]`;
}

/** Inline code for a file name, with a fence longer than any backtick run inside it. */
function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

/** Markdown for the hover on the checkpoint or dataset key (one line per dataset when the config lists several). */
export function hoverMarkdown(report: AnalysisReport, field: 'checkpoint' | 'dataset', durationMs?: number): string | undefined {
  const analysis = report.analysis;
  if (!analysis) return undefined;
  const lines: string[] = [];
  const listed = analysis.datasets && analysis.datasets.length > 1 ? analysis.datasets : undefined;
  if (field === 'checkpoint' && analysis.checkpoint) {
    const c = analysis.checkpoint;
    lines.push(`**TransferLens** · checkpoint \`${c.path}\``, '',
      `- Loaded: ${c.format}, features from layer \`${c.layer}\` (${formatCount(analysis.featureDim)} dims)` +
      (c.parameters !== undefined ? `, ${formatCount(c.parameters)} parameters` : ''),
      // Hugging Face checkpoints: model type, engine, pooling, tokenizer / processor (issue #14).
      ...hfModelRows(analysis.hfModel).map((row) => `- ${row.label}: ${row.value}`));
  } else if (field === 'dataset' && listed) {
    // Several listed datasets: one line each (analysis.dataset is the first file with the rows of all).
    const columns = analysis.dataset?.columns;
    lines.push(`**TransferLens** · ${listed.length} datasets, mixed`, '',
      ...listed.map((d) => `- ${codeSpan(pathFromConfig(d.path, report.file))}` + (d.keyPath ? ` (${d.keyPath})` : '') +
        `: ${d.format}, ${formatCount(d.rowsUsed)} of ${formatCount(d.rows)} rows used`),
      `- Together: ${formatCount(listed.reduce((sum, d) => sum + d.rows, 0))} rows` + (columns !== undefined ? `, ${formatCount(columns)} columns` : '') +
      `, task ${analysis.task}` + (analysis.numClasses !== undefined ? ` (${analysis.numClasses} classes)` : ''));
  } else if (field === 'dataset' && analysis.dataset) {
    const d = analysis.dataset;
    lines.push(`**TransferLens** · dataset \`${d.path}\``, '',
      `- Loaded: ${d.format}, ${formatCount(d.rows)} rows` + (d.columns !== undefined ? `, ${formatCount(d.columns)} columns` : '') +
      `, task ${analysis.task}` + (analysis.numClasses !== undefined ? ` (${analysis.numClasses} classes)` : ''));
  } else {
    lines.push('**TransferLens**', '');
  }
  lines.push(
    `- Verdict: **${VERDICT_WORDS[analysis.verdict]}** at n=${formatCount(analysis.n)} (${analysis.nSource}); ` + (analysis.gain ? `gain ${signed(analysis.gain.mean)} [${signed(analysis.gain.low)}, ${signed(analysis.gain.high)}] (${levelPercent(gainIntervalLevel(analysis))} interval)` : 'gain not finite at this n (see the notes)'),
    `- Feature overlap Ω: ${interval(analysis.overlap)} (${analysis.overlap.method})`,
    `- Samples used: ${formatCount(analysis.samplesUsed)}` + (analysis.datasetRows !== undefined ? ` of ${formatCount(analysis.datasetRows)} rows` : ''),
  );
  if (analysis.crossoverN !== null) lines.push(`- Crossover: n≈${formatCount(analysis.crossoverN)}`);
  lines.push(`- Recommendation: ${analysis.recommendation.strategy} — ${analysis.recommendation.reason}`);
  const when = report.finishedAt ? new Date(report.finishedAt) : undefined;
  lines.push(`- Backend ${analysis.backend}` + (when && !Number.isNaN(when.getTime()) ? ` · analysed ${when.toLocaleTimeString('en-GB')}` : '') +
    (durationMs !== undefined ? ` in ${(durationMs / 1000).toFixed(1)} s` : ''));
  return lines.join('\n');
}

export type StatusState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'restricted' }
  | { readonly kind: 'analyzing'; readonly file: string; readonly message?: string; readonly fraction?: number; readonly elapsedMs: number; readonly budgetMs: number; readonly queued: number }
  | { readonly kind: 'result'; readonly file: string; readonly verdict?: Verdict; readonly n?: number; readonly errors: number; readonly cached: boolean }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'restarted'; readonly reason: string };

export interface StatusPresentation {
  readonly text: string;
  readonly tooltip: string;
  /** `warning`/`error` map to the status bar's warning/error background. */
  readonly tone: 'normal' | 'warning' | 'error';
}

function base(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** Text of the status bar item for a state. */
export function statusPresentation(state: StatusState): StatusPresentation {
  switch (state.kind) {
    case 'idle':
      return { text: '$(beaker) TransferLens', tooltip: 'TransferLens: open or save a training config to analyse it', tone: 'normal' };
    case 'restricted':
      return {
        text: '$(shield) TransferLens: static checks only',
        tooltip: 'Restricted Mode: this workspace is not trusted, so TransferLens only runs the static checks (no checkpoint is loaded). Trust the workspace to analyse transfer.',
        tone: 'warning',
      };
    case 'analyzing': {
      const percent = state.fraction !== undefined ? ` ${Math.round(state.fraction * 100)}%` : '';
      const seconds = `${Math.round(state.elapsedMs / 1000)}/${Math.round(state.budgetMs / 1000)} s`;
      return {
        text: `$(sync~spin) TransferLens${percent} · ${seconds}`,
        tooltip: `Analysing ${base(state.file)}${state.message ? `: ${state.message}` : ''}` +
          `\nTime budget ${Math.round(state.budgetMs / 1000)} s (transferlens.timeBudgetSeconds)` +
          (state.queued > 0 ? `\n${state.queued} more queued` : '') + '\nClick to cancel.',
        tone: 'normal',
      };
    }
    case 'result': {
      if (!state.verdict) {
        return {
          text: state.errors > 0 ? `$(error) TransferLens: ${state.errors} problem${state.errors === 1 ? '' : 's'}` : '$(check) TransferLens',
          tooltip: `${base(state.file)}: no transfer verdict (see the Problems panel)`,
          tone: state.errors > 0 ? 'error' : 'normal',
        };
      }
      const icon = state.verdict === 'positive' ? '$(pass)' : state.verdict === 'negative' ? '$(warning)' : '$(question)';
      return {
        text: `${icon} Transfer: ${VERDICT_WORDS[state.verdict]}` + (state.n !== undefined ? ` at n=${formatCount(state.n)}` : ''),
        tooltip: `${base(state.file)}: last verdict${state.cached ? ' (cached: inputs unchanged)' : ''}. Click to open the report.`,
        tone: state.verdict === 'negative' ? 'warning' : 'normal',
      };
    }
    case 'error':
      return { text: '$(error) TransferLens', tooltip: `TransferLens: ${state.message}\nClick to show the log.`, tone: 'error' };
    case 'restarted':
      return { text: '$(debug-restart) TransferLens: worker restarted', tooltip: `The analysis worker ${state.reason}. It was restarted; run the analysis again.`, tone: 'warning' };
  }
}

/** Every code known to the catalogue, for the settings schema and validation. */
export function knownCodes(): string[] {
  return [...CODES.keys()];
}
