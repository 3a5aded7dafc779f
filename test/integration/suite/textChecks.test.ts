/**
 * Tokenizer checks of a generative text config in the editor (issue #15): an Axolotl chat config
 * whose conversations, rendered with the checkpoint's chat template, are longer than
 * `sequence_len` gets `sequence-truncated` on that key with the share, one
 * `generative-no-verdict` and no verdict; the preferred quick fix raises `sequence_len` to the
 * suggested length (capped at the model's limit), keeps the comments, and undo reverts it.
 *
 * Fixtures: test/fixtures/hf-models/llama-chat (a Llama-3-style template in chat_template.jinja,
 * 128 positions) and test/fixtures/text/chat.jsonl (50 conversations).
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activeExtensionApi, codeOf, openFile, VERDICT_CODES, waitFor, workspaceRoot, type TransferLensTestApi } from '../helpers';

const REPO = path.resolve(__dirname, '..', '..', '..');

suite('Text tokenizer checks in the editor (issue #15)', function () {
  test('Axolotl chat config: sequence-truncated on sequence_len, no verdict; the quick fix raises it and undo reverts', async function () {
    this.timeout(240_000);
    const api = await activeExtensionApi<TransferLensTestApi>();
    const folder = path.join(workspaceRoot(), 'runs', `axolotl-${Date.now().toString(36)}`);
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(path.join(REPO, 'test', 'fixtures', 'text', 'chat.jsonl'), path.join(folder, 'chat.jsonl'));
    fs.cpSync(path.join(REPO, 'test', 'fixtures', 'hf-models', 'llama-chat'), path.join(folder, 'llama-chat'), { recursive: true });
    const config = path.join(folder, 'axolotl.yml');
    fs.writeFileSync(config, [
      '# Axolotl chat fine-tune (e2e): the lengths are counted with the chat template rendered.',
      'base_model: ./llama-chat',
      'datasets:',
      '  - path: ./chat.jsonl',
      '    type: chat_template',
      'sequence_len: 64  # too short for most conversations',
      'adapter: lora',
      'learning_rate: 2.0e-4',
      '',
    ].join('\n'));
    const editor = await openFile(config);
    const document = editor.document;
    const uri = document.uri;
    if (api?.analyze) await api.analyze(uri, { noCache: true });
    const truncated = await waitFor('a sequence-truncated diagnostic', () => vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'sequence-truncated'), 120_000);
    const keyLine = document.getText().split('\n').findIndex((l) => l.startsWith('sequence_len'));
    assert.equal(truncated.range.start.line, keyLine, 'the finding sits on the sequence_len key');
    assert.match(truncated.message, /of 50\) are longer than sequence_len = 64/);
    const codes = vscode.languages.getDiagnostics(uri).map((d) => codeOf(d) ?? '');
    assert.equal(codes.filter((c) => c === 'generative-no-verdict').length, 1, codes.join(', '));
    assert.ok(!codes.some((c) => VERDICT_CODES.includes(c)), `no verdict for a generative config: ${codes.join(', ')}`);

    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, truncated.range, vscode.CodeActionKind.QuickFix.value)) ?? [];
    const fix = actions.find((a) => a.isPreferred && a.edit && /Raise sequence_len to \d+/.test(a.title));
    assert.ok(fix, `offered: ${actions.map((a) => `${a.title}${a.isPreferred ? '*' : ''}`).join(' | ')}`);
    const before = document.getText();
    assert.equal(await vscode.workspace.applyEdit(fix.edit!), true);
    const after = document.getText();
    const raised = Number(/^sequence_len:\s*(\d+)/m.exec(after)?.[1]);
    assert.ok(raised > 64 && raised <= 128 && raised % 64 === 0, `sequence_len after the fix: ${raised} (the fixture's limit is 128)`);
    assert.ok(after.includes('# too short for most conversations') && after.includes('# Axolotl chat fine-tune'), 'comments kept');
    assert.equal(after.replace(/^sequence_len:\s*\d+/m, 'sequence_len: 64'), before, 'only the value changed');
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo to restore the text before the fix', () => document.getText() === before, 5_000);
  });
});
