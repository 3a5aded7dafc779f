/**
 * The bad-input corpus (test/fixtures/bad, issue #9 §1) through the CLI (the worker path is
 * corpus-worker.test.ts, a separate file so the two run side by side):
 *   - the CLI (dist/cli.js in a child process, killed after a timeout): no stack trace, no hang,
 *     exit 0/1/2 as the manifest says, and a finding with the expected code whose message names
 *     the problem;
 *   - the worker request path (dist/worker.js forked by WorkerHost, the real pipeline): every
 *     case is answered with a report (never an error or a dead worker) holding the same finding.
 * Prints "N bad inputs, 0 crashes, 0 hangs". Needs `npm run build` first (npm test does it).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { prepareCorpus, runCli, findingsOf, expectationProblems, hasStackTrace, cliPath } from './corpus';

const CLI_TIMEOUT_MS = 30_000;
const { cases, runtimeFolder } = prepareCorpus();
after(() => rmSync(runtimeFolder, { recursive: true, force: true }));

test('the corpus covers every item of issue #9 §1 with at least 60 inputs', () => {
  assert.ok(cases.length >= 60, `only ${cases.length} cases`);
  const covers = cases.map((c) => c.meta.covers).join('\n');
  for (const item of ['malformed YAML/JSON', 'wrong types', 'paths to directories', 'missing files', 'outside the workspace', 'special files', 'symlink loops', 'empty files', 'truncated weight shards', 'oversized weight shards', 'inconsistent manifests', 'unknown layer types', 'shape mismatches', 'NaN/∞ in features', 'NaN/∞ in labels', 'one class', 'ragged rows', 'non-UTF-8', 'lying header', 'gigantic header lengths in safetensors', 'zip bomb', 'HF: truncated safetensors', 'HF: a safetensors header that lies about offsets', 'HF: a missing shard', 'HF: an unknown dtype', 'HF: a config.json that disagrees with the weights', 'HF: a tokenizer.json that does not parse']) {
    assert.ok(covers.includes(item), `no case covers '${item}'`);
  }
});

test('every bad input through the CLI: a finding or exit 2, never a crash or a hang', { skip: !existsSync(cliPath) && 'run npm run build first' }, async () => {
  const failures: string[] = [];
  let crashes = 0;
  let hangs = 0;
  const queue = [...cases];
  // Two at a time: the machine has two cores shared with everything else.
  const runNext = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const outcome = await runCli(next, CLI_TIMEOUT_MS);
      if (outcome.timedOut) {
        hangs++;
        failures.push(`${next.meta.name}: no answer within ${CLI_TIMEOUT_MS} ms`);
        continue;
      }
      if (outcome.status === null || ![0, 1, 2].includes(outcome.status) || hasStackTrace(outcome.stderr) || hasStackTrace(outcome.stdout)) {
        crashes++;
        failures.push(`${next.meta.name}: crashed (exit ${outcome.status}, signal ${outcome.signal}): ${outcome.stderr.slice(0, 400)}`);
        continue;
      }
      if (outcome.status !== next.meta.expect.exit) failures.push(`${next.meta.name}: exit ${outcome.status}, expected ${next.meta.expect.exit}`);
      failures.push(...expectationProblems(next.meta, findingsOf(outcome.stdout), outcome.stderr).map((p) => `${next.meta.name}: ${p}`));
    }
  };
  await Promise.all([runNext(), runNext()]);
  console.log(`CLI: ${cases.length} bad inputs, ${crashes} crashes, ${hangs} hangs`);
  assert.deepEqual(failures, []);
});
