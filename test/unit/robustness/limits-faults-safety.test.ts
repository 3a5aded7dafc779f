/**
 * Limits, faults and safety of issue #9 §3–§5, in-process against the real pipeline and readers:
 *   - maxBytes reaches the dataset reader (a clear finding naming the limit, not a failure);
 *   - maxSamples bounds the rows an analysis uses;
 *   - a file rewritten while it is being read, and a config deleted before its analysis, give
 *     typed errors / findings, never an exception;
 *   - 1,000 rapid edits through the editor's scheduler start at most a handful of analyses;
 *   - no socket is opened and no DNS lookup made during a whole analysis;
 *   - a config value containing <script> reaches the report as escaped text.
 * The worker's memory cap (OOM reported, worker restarted), kill and time budget are covered by
 * test/unit/worker/host.test.ts; Restricted Mode by the e2e suite (test/integration/suite/restricted.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import dns from 'node:dns';
import { mkdtempSync, writeFileSync, rmSync, truncateSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeConfigFile } from '../../../src/node/pipeline';
import { readTable } from '../../../src/node/readers/table';
import { DatasetError } from '../../../src/core/formats/errors';
import { writeNpy } from '../../../src/core/formats/npy';
import { KeyedScheduler } from '../../../src/vscode/logic/scheduler';
import { buildReportModel } from '../../../src/core/report/build';
import { renderReportBody } from '../../../src/core/report/html';
import { badRoot, repoRoot } from './corpus';

const folder = mkdtempSync(join(tmpdir(), 'tl-limits-'));
test.after(() => rmSync(folder, { recursive: true, force: true }));
const sharedModel = join(badRoot, 'shared', 'mlp', 'model.json');

test('maxBytes: a dataset over the byte limit is a finding that names the file and the limit', async () => {
  const rows = 60;
  const data = Array.from({ length: rows * 5 }, (_, k) => (k % 5 === 4 ? k % 2 : Math.sin(k)));
  writeFileSync(join(folder, 'big.npy'), writeNpy({ shape: [rows, 5], dtype: 'float64', data }));
  const config = join(folder, 'limit.yaml');
  writeFileSync(config, `model_name_or_path: ${sharedModel}\ntrain_file: big.npy\nlabel_column_name: "-1"\n`);
  const report = await analyzeConfigFile(config, { maxBytes: 1000, workspaceRoot: folder, backend: 'cpu' });
  const finding = report.findings.find((f) => f.code === 'dataset-invalid');
  assert.ok(finding, JSON.stringify(report.findings));
  assert.match(finding.message, /big\.npy/);
  assert.match(finding.message, /limit of 1000/);
});

test('maxSamples: the reader keeps at most maxRows of a larger table', async () => {
  const lines = ['a,b,label', ...Array.from({ length: 500 }, (_, i) => `${i},${i % 7},${i % 2 ? 'x' : 'y'}`)];
  writeFileSync(join(folder, 'rows.csv'), lines.join('\n') + '\n');
  const table = await readTable(join(folder, 'rows.csv'), { labelColumn: 'label', maxRows: 50, seed: 3 });
  assert.equal(table.rowsTotal, 500);
  assert.equal(table.rowsUsed, 50);
  assert.equal(table.features.rows, 50);
});

test('a CSV truncated and rewritten while it is being read gives a table or a DatasetError', async () => {
  const path = join(folder, 'changing.csv');
  const row = '0.1,0.2,0.3,up\n';
  writeFileSync(path, 'a,b,c,label\n' + row.repeat(200_000));
  const reading = readTable(path, { labelColumn: 'label', maxRows: 100, seed: 0 }).then(
    (table) => `table of ${table.rowsTotal} rows`,
    (e: unknown) => {
      if (e instanceof DatasetError) return `DatasetError: ${e.message}`;
      throw e;
    },
  );
  // Change the file under the reader: cut it mid-row, then append a ragged tail.
  await new Promise((r) => setTimeout(r, 5));
  truncateSync(path, 1_000_003);
  appendFileSync(path, '1,2\n"unclosed');
  const outcome = await reading;
  assert.match(outcome, /^(table of \d+ rows|DatasetError: .*changing\.csv)/);
});

test('a config deleted before (or while) its analysis runs is a finding, not an exception', async () => {
  const config = join(folder, 'gone.yaml');
  writeFileSync(config, `model_name_or_path: ${sharedModel}\ntrain_file: ${join(badRoot, 'shared', 'train.csv')}\n`);
  const running = analyzeConfigFile(config, { workspaceRoot: folder, backend: 'cpu', maxSamples: 100 });
  rmSync(config);
  const report = await running; // either read in time (a verdict) or not (a finding)
  assert.ok(report.findings.length > 0);
  const after = await analyzeConfigFile(config, { workspaceRoot: folder, backend: 'cpu' });
  assert.equal(after.findings[0]?.code, 'config-syntax');
  assert.match(after.findings[0]!.message, /Cannot read the config file.*gone\.yaml|ENOENT/);
});

test('1,000 rapid edits through the scheduler start at most a few analyses and only the last finishes', async () => {
  const scheduler = new KeyedScheduler();
  let started = 0;
  let finished = 0;
  let lastFinished = -1;
  // Four bursts of 250 keystrokes (synchronous, so faster than any debounce), each followed by a
  // pause longer than the debounce delay: at most one analysis per burst may start.
  for (let edit = 0; edit < 1000; edit++) {
    const current = edit;
    scheduler.schedule('/workspace/config.yaml', 20, async (signal) => {
      started++;
      await new Promise((r) => setTimeout(r, 30));
      if (signal.aborted) return;
      finished++;
      lastFinished = current;
    });
    if (edit % 250 === 249) await new Promise((r) => setTimeout(r, 60));
  }
  await scheduler.whenIdle();
  console.log(`1000 edits → ${started} analyses started, ${finished} finished`);
  assert.ok(started <= 4, `debounce should allow one analysis per burst, ${started} started`);
  assert.ok(finished >= 1);
  assert.equal(lastFinished, 999, 'the newest edit is the one analysed to the end');
});

test('no socket is opened and no DNS lookup made during a whole analysis', async () => {
  const attempts: string[] = [];
  const originalConnect = net.Socket.prototype.connect;
  const originalLookup = dns.lookup;
  const originalPromisesLookup = dns.promises.lookup;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    attempts.push(`connect ${JSON.stringify(args[0])}`);
    return originalConnect.apply(this, args as never);
  } as typeof originalConnect;
  (dns as { lookup: unknown }).lookup = (...args: unknown[]) => {
    attempts.push(`dns.lookup ${String(args[0])}`);
    return (originalLookup as (...a: unknown[]) => unknown)(...args);
  };
  (dns.promises as { lookup: unknown }).lookup = (...args: unknown[]) => {
    attempts.push(`dns.promises.lookup ${String(args[0])}`);
    return (originalPromisesLookup as (...a: unknown[]) => unknown)(...args);
  };
  try {
    const report = await analyzeConfigFile(join(repoRoot, 'examples', 'helps', 'config.yaml'), { maxSamples: 150, timeBudgetMs: 5000, backend: 'cpu', workspaceRoot: join(repoRoot, 'examples') });
    assert.ok(report.analysis, 'the example is analysed to a verdict');
    // The hub reference of the corpus goes through the offline Hugging Face cache lookup.
    await analyzeConfigFile(join(badRoot, 'cases', 'checkpoint-hub-id-offline', 'config.yaml'), { workspaceRoot: badRoot, backend: 'cpu' });
  } finally {
    net.Socket.prototype.connect = originalConnect;
    (dns as { lookup: unknown }).lookup = originalLookup;
    (dns.promises as { lookup: unknown }).lookup = originalPromisesLookup;
  }
  assert.deepEqual(attempts, []);
});

test('a config value containing <script> is shown as text in the report', async () => {
  const report = await analyzeConfigFile(join(badRoot, 'cases', 'script-in-value', 'config.yaml'), { workspaceRoot: badRoot, backend: 'cpu' });
  assert.ok(report.findings.some((f) => f.message.includes('<script>alert(1)</script>')), 'the finding quotes the value');
  const html = renderReportBody(buildReportModel(report), { interactive: true });
  assert.ok(!html.includes('<script>alert(1)'), 'no live script element');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the value is shown escaped');
});
