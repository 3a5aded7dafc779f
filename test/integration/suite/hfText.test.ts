/**
 * A Hugging Face text checkpoint in the editor (issue #14 "Must show", text config): a
 * run_classification config that names a Hub id (`tiny-org/bert-reviews`) resolved in a local
 * cache laid out as huggingface_hub writes it (test/fixtures/hf-text-cache/hub), on a CSV of
 * labelled reviews, gets a verdict in the editor; the hover on the checkpoint key names the model
 * type, the pooling, the tokenizer and the max length used.
 *
 * The fixture cache is set up for the extension host and the worker by `useHfCache` (helpers.ts).
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { codeOf, openFile, useHfCache, waitFor, workspaceRoot } from '../helpers';
import type { AnalysisReport } from '../../../src/core/model/analysis';

const REPO = path.resolve(__dirname, '..', '..', '..');
const CACHE = path.join(REPO, 'test', 'fixtures', 'hf-text-cache');

suite('Hugging Face text checkpoints from the local cache (issue #14)', function () {
  const fixture = useHfCache(path.join(CACHE, 'hub'));

  test('a Hub id in the cache on a text CSV: verdict, hover with the model, tokenizer, max length and pooling', async function () {
    this.timeout(240_000);
    const api = fixture.api;
    assert.ok(api, 'the extension exposes its test API');
    assert.equal(typeof api.analyze, 'function', 'the test API offers analyze()');
    const folder = path.join(workspaceRoot(), 'runs', `hf-text-${Date.now().toString(36)}`);
    fs.cpSync(path.join(CACHE, 'project'), folder, { recursive: true });
    const editor = await openFile(path.join(folder, 'config.yaml'));
    const uri = editor.document.uri;
    // A run cut short by a late worker restart (settings event) leaves no report: ask once more.
    const report = ((await api.analyze!(uri, { noCache: true })) ?? (await api.analyze!(uri, { noCache: true }))) as AnalysisReport | undefined;
    assert.ok(report?.analysis, `no analysis: ${JSON.stringify(report?.findings.map((f) => `${f.code}: ${f.message}`))}`);
    const hf = report.analysis.hfModel;
    assert.equal(hf?.modelType, 'bert');
    assert.equal(hf?.hubId, 'tiny-org/bert-reviews');
    assert.equal(hf?.pooling, 'mean');
    assert.equal(hf?.maxLength, 64);
    const verdict = await waitFor('a verdict diagnostic', () => vscode.languages.getDiagnostics(uri).find((d) => ['positive-transfer', 'negative-transfer', 'too-close-to-call'].includes(codeOf(d) ?? '')), 60_000);
    assert.ok(verdict);
    assert.ok(!vscode.languages.getDiagnostics(uri).some((d) => (codeOf(d) ?? '').startsWith('checkpoint-')), 'the static tier accepts the Hub id');
    const line = editor.document.getText().split('\n').findIndex((l) => l.startsWith('model_name_or_path'));
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, 2))) ?? [];
    const hover = hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
    assert.match(hover, /Model: bert \(text/);
    assert.match(hover, /pooling mean/);
    assert.match(hover, /Tokenizer: WordPiece/);
    assert.match(hover, /max length 64/);
  });
});
