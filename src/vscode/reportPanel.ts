/**
 * "Open Transfer Report": the one place that calls the report engineer's panel
 * (src/vscode/report/panel.ts). It routes the panel's editor-side actions back to the extension:
 * "apply fix" applies the preferred quick fix of that finding code, "re-run" analyses again and
 * shows the new report in the same panel. The config's current text goes to the report model so
 * it offers only fixes that really change the config.
 */
import * as vscode from 'vscode';
import type { AnalysisReport } from '../core/model/analysis';
import type { Finding } from '../core/model/finding';
import { fixesForFinding } from '../core/fixes/fixes';
import { showReport, registerReportSerializer, type ReportPanelAction, type ReportPanelOptions } from './report/panel';
import type { Controller } from './controller';
import { toRange } from './controller';

export interface OpenReportOptions {
  /** The finding the user came from. */
  readonly finding?: Finding;
}

/** Applies the preferred text fix of `code` to `file` (report panel "apply fix"). */
async function applyPreferredFix(controller: Controller, file: string, code: string): Promise<void> {
  const finding = controller.states.get(file)?.report?.findings.find((f) => f.code === code);
  if (!finding) throw new Error(`no '${code}' finding in the last analysis of ${file}`);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const fix = fixesForFinding(finding, document.getText()).find((f) => f.isPreferred);
  if (!fix) throw new Error(`no automatic fix for '${code}': see the report's advice`);
  const edit = new vscode.WorkspaceEdit();
  for (const e of fix.edits) edit.replace(document.uri, toRange(e.range), e.newText);
  await vscode.workspace.applyEdit(edit);
  await vscode.window.showTextDocument(document);
}

/** The config's text as the editor has it (unsaved edits included), or undefined when unreadable. */
async function configText(file: string): Promise<string | undefined> {
  try {
    return (await vscode.workspace.openTextDocument(vscode.Uri.file(file))).getText();
  } catch {
    return undefined; // deleted or unreadable: the model then offers every fixable finding
  }
}

function panelOptions(context: vscode.ExtensionContext, controller: Controller, text?: string): ReportPanelOptions {
  return {
    log: (message) => controller.log.info(`[report] ${message}`),
    extras: text === undefined ? undefined : { configText: text },
    onAction: async (action: ReportPanelAction) => {
      if (action.kind === 'applyFix') await applyPreferredFix(controller, action.file, action.code);
      else await controller.runAnalysis(action.file, true, new AbortController().signal, true);
      // Both change what the report should say: the fix changes the config, the run the numbers.
      const report = controller.states.get(action.file)?.report;
      if (report) showReport(context, report, panelOptions(context, controller, await configText(action.file)));
    },
  };
}

/** Registers the panel serializer (reload restores open reports). Call once on activation. */
export function registerReportPanel(context: vscode.ExtensionContext, controller: Controller): void {
  registerReportSerializer(context, panelOptions(context, controller));
}

export async function openReport(context: vscode.ExtensionContext, controller: Controller, report: AnalysisReport, _options: OpenReportOptions = {}): Promise<void> {
  showReport(context, report, panelOptions(context, controller, await configText(report.file)));
}
