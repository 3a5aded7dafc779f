/**
 * `transferlens analyze <config…> [--format text|json|sarif] [--fail-on error|warning|never]
 * [--max-samples N] [--seed N] [--time-budget S] [--backend auto|wasm|cpu|tensorflow]
 * [--engine auto|onnx|tfjs] [--max-model-parameters N]` (engine: for Hugging Face checkpoints, see src/node/hf/engine.ts;
 * max-model-parameters: the guard rails of src/node/hf/guard.ts)
 */
import { resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import type { AnalysisReport } from '../../core/model/analysis';
import { atLeast, type Severity } from '../../core/model/finding';
import { analyzeConfigFile } from '../../node/pipeline';
import { choiceOption, intOption, parseArgs, UsageError } from '../args';
import { toSarif } from '../format/sarif';
import { toText } from '../format/text';
import type { CliIo } from '../io';

export async function runAnalyze(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { options: ['format', 'fail-on', 'max-samples', 'seed', 'time-budget', 'backend', 'engine', 'max-model-parameters', 'workspace', 'cache-dir', 'max-bytes'], flags: ['debug', 'verbose', 'quiet'] });
  if (args.positionals.length === 0) throw new UsageError('analyze needs a config file: transferlens analyze <config.yaml>');
  const format = choiceOption(args, 'format', ['text', 'json', 'sarif'] as const, 'text');
  const failOn = choiceOption(args, 'fail-on', ['error', 'warning', 'never'] as const, 'error');
  const maxSamples = intOption(args, 'max-samples', 12);
  const seed = intOption(args, 'seed', 0) ?? 0;
  const budget = intOption(args, 'time-budget', 1);
  const backend = choiceOption(args, 'backend', ['auto', 'wasm', 'cpu', 'tensorflow'] as const, 'auto');
  const engine = choiceOption(args, 'engine', ['auto', 'onnx', 'tfjs'] as const, 'auto');
  const reports: AnalysisReport[] = [];
  for (const p of args.positionals) {
    const file = resolve(io.cwd, p);
    if (!existsSync(file)) {
      io.stderr(`transferlens: ${p}: no such file. Pass the path of a training config (YAML or JSON).`);
      return 2;
    }
    if (statSync(file).isDirectory()) {
      io.stderr(`transferlens: ${p} is a directory. Pass the path of a training config (YAML or JSON).`);
      return 2;
    }
    const report = await analyzeConfigFile(
      file,
      { maxSamples, seed, timeBudgetMs: budget ? budget * 1000 : undefined, backend, engine, maxModelParameters: intOption(args, 'max-model-parameters', 1), cacheDir: args.options.get('cache-dir') ? resolve(io.cwd, args.options.get('cache-dir')!) : undefined, maxBytes: intOption(args, 'max-bytes', 1), workspaceRoot: args.options.get('workspace') ? resolve(io.cwd, args.options.get('workspace')!) : io.cwd },
      { signal: io.signal, onProgress: io.isTTY && !args.flags.has('quiet') ? (e) => io.progress(`${e.fraction !== undefined ? Math.round(e.fraction * 100) + '% ' : ''}${e.message}`) : undefined },
    );
    io.progress('');
    if (args.flags.has('verbose') && report.analysis) io.stderr(`transferlens: backend ${report.analysis.backend}; timings ${JSON.stringify(report.analysis.timings)}`);
    reports.push(report);
  }
  if (format === 'json') {
    const toJson = (r: AnalysisReport) => ({ file: r.file, findings: r.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message, range: f.range, file: f.file, ...(f.field ? { field: f.field } : {}), ...(f.data ? { data: f.data } : {}) })), analysis: r.analysis ?? null, finishedAt: r.finishedAt });
    io.stdout(JSON.stringify(reports.length === 1 ? toJson(reports[0]!) : reports.map(toJson), null, 2) + '\n');
  } else if (format === 'sarif') {
    io.stdout(JSON.stringify(toSarif(reports, io.version, io.cwd), null, 2) + '\n');
  } else {
    for (const r of reports) io.stdout(toText(r, io.cwd));
  }
  const hasInvalid = reports.some((r) => r.findings.some((f) => f.severity === 'error' && /^(config-syntax|checkpoint-|dataset-|label-column|shape-mismatch|non-finite|single-class)/.test(f.code)));
  if (failOn === 'never') return hasInvalid ? 2 : 0;
  const threshold: Severity = failOn;
  if (hasInvalid) return 2;
  return reports.some((r) => r.findings.some((f) => atLeast(f.severity, threshold))) ? 1 : 0;
}
