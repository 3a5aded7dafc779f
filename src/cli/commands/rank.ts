/**
 * `transferlens rank <config> --candidates <glob or comma list>`: runs the same analysis with each
 * candidate checkpoint on the same target sample and prints them sorted by the verdict's predicted
 * gain, with every classic score beside it.
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { rankCheckpoints } from '../../node/rank';
import { choiceOption, intOption, parseArgs, UsageError } from '../args';
import type { CliIo } from '../io';

/** Expands `*` and `?` within path segments (no `**`), relative to cwd; sorted. */
export function expandGlob(pattern: string, cwd: string): string[] {
  const abs = isAbsolute(pattern) ? pattern : join(cwd, pattern);
  const parts = abs.split(sep);
  let paths = [parts[0] === '' ? sep : parts[0]!];
  for (const part of parts.slice(1)) {
    if (!part) continue;
    if (!/[*?]/.test(part)) {
      paths = paths.map((p) => join(p, part));
      continue;
    }
    const re = new RegExp('^' + part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    paths = paths.flatMap((p) => {
      try {
        return readdirSync(p).filter((n) => re.test(n)).map((n) => join(p, n));
      } catch {
        return [];
      }
    });
  }
  return paths.filter((p) => {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  }).sort();
}

export async function runRank(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { options: ['candidates', 'format', 'max-samples', 'seed', 'time-budget'], flags: ['debug', 'quiet', 'verbose'] });
  if (args.positionals.length !== 1) throw new UsageError('rank needs exactly one config: transferlens rank <config> --candidates "<glob or a,b,c>"');
  const spec = args.options.get('candidates');
  if (!spec) throw new UsageError('rank needs --candidates (a glob or a comma-separated list of checkpoints)');
  const format = choiceOption(args, 'format', ['text', 'json'] as const, 'text');
  const candidates = [...new Set(spec.split(',').flatMap((s) => (/[*?]/.test(s) ? expandGlob(s.trim(), io.cwd) : [resolve(io.cwd, s.trim())])))];
  if (candidates.length === 0) {
    io.stderr(`transferlens: --candidates '${spec}' matched no files`);
    return 2;
  }
  const config = resolve(io.cwd, args.positionals[0]!);
  const ranked = await rankCheckpoints(
    config,
    candidates,
    { maxSamples: intOption(args, 'max-samples', 12), seed: intOption(args, 'seed', 0) ?? 0, timeBudgetMs: (intOption(args, 'time-budget', 1) ?? 0) * 1000 || undefined, workspaceRoot: io.cwd },
    { signal: io.signal, onProgress: (e) => io.progress(e.message) },
  );
  io.progress('');
  const rows = ranked.map((r) => ({ ...r, problems: r.error ? [r.error] : [] }));
  if (format === 'json') {
    io.stdout(JSON.stringify({ config, candidates: rows }, null, 2) + '\n');
  } else {
    io.stdout(`Ranking ${rows.length} checkpoints for ${config} (sorted by predicted gain over scratch)\n`);
    rows.forEach((r, i) => {
      const scores = Object.entries(r.scores).map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ');
      io.stdout(`${String(i + 1).padStart(2)}. ${r.verdict ?? 'error'}  gain ${r.gain ? r.gain.mean.toFixed(3) : '—'}  overlap ${r.overlap?.toFixed(2) ?? '—'}  ${r.checkpoint}\n     ${r.problems.length ? r.problems.join('; ') : scores}\n`);
    });
  }
  return rows.some((r) => r.verdict === undefined) ? 2 : 0;
}
