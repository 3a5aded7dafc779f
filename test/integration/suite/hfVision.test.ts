/**
 * A Hugging Face vision checkpoint in the editor (issue #14): a config that names a Hub id
 * (`tiny-org/vit-mnist`) resolved in a local cache laid out as huggingface_hub writes it
 * (test/fixtures/hf-vision-cache/hub: refs/main, snapshots/<rev>/ symlinks into blobs/), on an
 * image folder of mnist digits, gets a verdict in the editor, and the hover on the checkpoint key
 * names the model type, pooling and image processor. A 7B llama (a sparse file whose header lists
 * 6.7 B parameters) gets a finding with the estimate while the worker stays alive.
 *
 * The fixture cache is set up for the extension host and the worker by `useHfCache` (helpers.ts).
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { codeOf, openFile, useHfCache, waitFor, workerPid, workspaceRoot, type TransferLensTestApi } from '../helpers';
import { writeSparseLlama7b } from '../../unit/hf/llama7b';
import type { AnalysisReport } from '../../../src/core/model/analysis';

const REPO = path.resolve(__dirname, '..', '..', '..');
const CACHE = path.join(REPO, 'test', 'fixtures', 'hf-vision-cache');

/** The extension's analyze(), typed with the full report. */
async function analyzeNow(api: TransferLensTestApi, uri: vscode.Uri): Promise<AnalysisReport | undefined> {
  assert.equal(typeof api.analyze, 'function', 'the test API offers analyze()');
  return (await api.analyze!(uri, { noCache: true })) as AnalysisReport | undefined;
}

async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers.flatMap((hover) => hover.contents).map((content) => (typeof content === 'string' ? content : 'value' in content ? content.value : '')).join('\n');
}

/** A fresh copy of the fixture project (config + images) in the workspace. */
function copyProject(testName: string): string {
  const target = path.join(workspaceRoot(), 'runs', `${testName}-${Date.now().toString(36)}`);
  fs.cpSync(path.join(CACHE, 'project'), target, { recursive: true });
  return target;
}

suite('Hugging Face vision checkpoints from the local cache (issue #14)', function () {
  const fixture = useHfCache(path.join(CACHE, 'hub'));

  test('a Hub id in the cache on an image folder: verdict, hover with the model, pooling and processor', async function () {
    this.timeout(240_000);
    const api = fixture.api;
    assert.ok(api, 'the extension exposes its test API');
    const folder = copyProject('hf-vision');
    const editor = await openFile(path.join(folder, 'config.yaml'));
    const uri = editor.document.uri;
    // A run cut short by a late worker restart (settings event) leaves no report: ask once more.
    const report = (await analyzeNow(api, uri)) ?? (await analyzeNow(api, uri));
    assert.ok(report?.analysis, `no analysis: ${JSON.stringify(report?.findings.map((f) => `${f.code}: ${f.message}`))}`);
    const hf = report.analysis.hfModel;
    assert.equal(hf?.modelType, 'vit');
    assert.equal(hf?.hubId, 'tiny-org/vit-mnist');
    assert.equal(hf?.revision, fs.readFileSync(path.join(CACHE, 'hub', 'models--tiny-org--vit-mnist', 'refs', 'main'), 'utf8'));
    assert.equal(hf?.pooling, 'cls');
    assert.equal(report.analysis.dataset?.format, 'image-folder');
    const verdict = await waitFor('a verdict diagnostic', () => vscode.languages.getDiagnostics(uri).find((d) => ['positive-transfer', 'negative-transfer', 'too-close-to-call'].includes(codeOf(d) ?? '')), 60_000);
    assert.ok(verdict);
    assert.ok(!vscode.languages.getDiagnostics(uri).some((d) => (codeOf(d) ?? '').startsWith('checkpoint-')), 'the static tier accepts the Hub id');
    const line = editor.document.getText().split('\n').findIndex((l) => l.startsWith('model_name_or_path'));
    const hover = await hoverText(uri, new vscode.Position(line, 2));
    assert.match(hover, /Model: vit \(image/);
    assert.match(hover, /pooling cls/);
    assert.match(hover, /Image processor: ViTImageProcessor/);
  });

  test('a 7B llama in the editor: a finding with the estimate on the checkpoint key, the worker survives', async function () {
    this.timeout(120_000);
    const api = fixture.api;
    assert.ok(api, 'the extension exposes its test API');
    const folder = copyProject('hf-llama7b');
    const model = writeSparseLlama7b(path.join(folder, 'llama-7b'), path.join(REPO, 'test', 'fixtures', 'hf-models', 'llama'));
    fs.writeFileSync(path.join(folder, 'config.yaml'), 'model_name_or_path: ./llama-7b\ntrain_dir: ./data/train\n');
    const editor = await openFile(path.join(folder, 'config.yaml'));
    const report = (await analyzeNow(api, editor.document.uri)) ?? (await analyzeNow(api, editor.document.uri));
    const pid = workerPid(api);
    const guard = report?.findings.find((f) => /6\.7 B parameters/.test(f.message));
    assert.ok(guard, JSON.stringify(report?.findings.map((f) => `${f.code}: ${f.message.slice(0, 120)}`)));
    assert.equal(guard.field, 'checkpoint');
    assert.match(guard.message, /not loaded/);
    assert.ok(pid !== undefined, 'the worker runs');
    process.kill(pid, 0); // throws when the worker died
    const diagnostic = await waitFor('the guard-rail diagnostic', () => vscode.languages.getDiagnostics(editor.document.uri).find((d) => /6\.7 B parameters/.test(d.message)), 30_000);
    assert.equal(diagnostic.range.start.line, 0, 'on the model_name_or_path key');
    fs.rmSync(model, { recursive: true, force: true });
  });
});
