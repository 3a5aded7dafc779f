/**
 * `transferlens` command line: the same engine as the editor, for people and CI.
 * Exit codes: 0 done and nothing at or above --fail-on; 1 findings at or above it;
 * 2 usage error, unreadable or invalid input.
 */
import { UsageError } from './args';
import type { CliIo } from './io';
import { runAnalyze } from './commands/analyze';
import { runScore } from './commands/score';
import { runRank } from './commands/rank';
import { runFeatures } from './commands/features';

declare const TRANSFERLENS_VERSION: string | undefined;
const VERSION = typeof TRANSFERLENS_VERSION === 'string' ? TRANSFERLENS_VERSION : '0.1.0';

const USAGE = `Usage:
  transferlens analyze <config> [--format text|json|sarif] [--fail-on error|warning|never]
                      [--max-samples N] [--seed N] [--time-budget SECONDS] [--backend auto|wasm|cpu|tensorflow]
                      [--cache-dir DIR] [--max-bytes N] [--max-model-parameters N] [--engine auto|onnx|tfjs]
  transferlens score --features F.npy --labels Y.(npy|csv) [--source-probs P.npy]
                      [--task classification|regression] [--scores logme,leep,…] [--format json|text] [--exact]
  transferlens rank <config> --candidates <glob or comma list> [--format text|json]
  transferlens features <model folder or Hub id> (--text T … | --image F … | --dataset D)
                      [--out F.npy] [--format json|none] [--pooling mean|cls|last|pooler|gap] [--layer N|-k]
                      [--batch-size N] [--max-length N] [--max-samples N] [--max-model-parameters N] [--engine auto|tfjs|onnx]
Options: --debug (stack traces), --verbose, --quiet, --help, --version
Exit codes: 0 ok · 1 findings at/above --fail-on · 2 usage or invalid input`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const debug = argv.includes('--debug');
  try {
    switch (command) {
      case 'analyze':
        return await runAnalyze(rest, io);
      case 'score':
        return await runScore(rest.filter((a) => a !== '--debug'), io);
      case 'rank':
        return await runRank(rest, io);
      case 'features':
        return await runFeatures(rest, io);
      case '--version':
      case 'version':
        io.stdout(VERSION + '\n');
        return 0;
      case undefined:
      case '--help':
      case 'help':
        io.stdout(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`transferlens: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof Error && e.name === 'CancelledError') {
      io.stderr('transferlens: cancelled');
      return 130;
    }
    io.stderr(`transferlens: ${e instanceof Error ? e.message : String(e)}${debug && e instanceof Error ? '\n' + e.stack : ' (run with --debug for a stack trace)'}`);
    return 2;
  }
}

if (require.main === module) {
  const ac = new AbortController();
  process.on('SIGINT', () => ac.abort());
  const isTTY = Boolean(process.stderr.isTTY);
  let lastLen = 0;
  const io: CliIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (l) => process.stderr.write(l + '\n'),
    progress: (line) => {
      if (!isTTY) return;
      const text = line.slice(0, (process.stderr.columns ?? 80) - 1);
      process.stderr.write('\r' + text + ' '.repeat(Math.max(0, lastLen - text.length)) + (line ? '' : '\r'));
      lastLen = text.length;
    },
    cwd: process.cwd(),
    isTTY,
    version: VERSION,
    signal: ac.signal,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`transferlens: internal error: ${String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
