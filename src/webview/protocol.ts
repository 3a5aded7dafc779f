/**
 * The message protocol between the report panel (extension host, src/vscode/report/panel.ts) and
 * the report webview (this folder). One file, both directions, so the two sides cannot drift;
 * only types here, so both sides import it without pulling code across the boundary.
 *
 * Sequence: the webview posts `ready` once its script runs; the panel answers with `showReport`
 * (and again whenever a new analysis of the same config finishes). User actions travel as the
 * webview→host messages below; the panel answers long-running ones with `status`.
 */
import type { PlotId, ReportModel } from '../core/report/model';

/** Host → webview. */
export type HostToWebviewMessage =
  /** Render (or replace) the report. Sent after `ready` and after every re-run. */
  | { readonly type: 'showReport'; readonly model: ReportModel }
  /** One-line feedback under the action bar, e.g. "Re-running…" or "Saved report.html". */
  | { readonly type: 'status'; readonly message: string; readonly busy?: boolean };

/** Webview → host. */
export type WebviewToHostMessage =
  /** The script has loaded and listens; send the report. */
  | { readonly type: 'ready' }
  /** Apply the quick fix for the finding with this code (same code action as the editor's). */
  | { readonly type: 'applyFix'; readonly code: string }
  /** Analyse the config again, bypassing the cache. */
  | { readonly type: 'rerun' }
  /** Put the report as Markdown on the clipboard (the host renders it from the model it holds). */
  | { readonly type: 'copyMarkdown' }
  /** Save the report as one self-contained HTML file (the host renders it). */
  | { readonly type: 'exportHtml' }
  /** Save one plot as SVG; `svg` is standalone markup with the theme colours inlined. */
  | { readonly type: 'exportSvg'; readonly plot: PlotId; readonly svg: string }
  /** Save one plot as PNG; `dataUrl` is `data:image/png;base64,…` rendered at 2× scale. */
  | { readonly type: 'exportPng'; readonly plot: PlotId; readonly dataUrl: string }
  /** Something failed inside the webview; the host logs it to the output channel. */
  | { readonly type: 'error'; readonly message: string };

/** What the webview keeps with `setState` (restored after a reload by the panel serializer). */
export interface WebviewState {
  readonly stateVersion: 1;
  readonly model: ReportModel;
  /** Indices of the open <details> elements, in document order. */
  readonly openDetails: readonly number[];
  readonly scrollY: number;
}

export const PLOT_IDS: readonly PlotId[] = ['learningCurves', 'spectrum', 'perLayer', 'phaseDiagram'];

/** Runtime guard for messages from the webview (the host must not trust their shape). */
export function isWebviewToHostMessage(value: unknown): value is WebviewToHostMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
    case 'rerun':
    case 'copyMarkdown':
    case 'exportHtml':
      return true;
    case 'applyFix':
      return typeof message.code === 'string' && /^[a-z0-9-]+$/.test(message.code);
    case 'exportSvg':
      return PLOT_IDS.includes(message.plot as PlotId) && typeof message.svg === 'string';
    case 'exportPng':
      return PLOT_IDS.includes(message.plot as PlotId) && typeof message.dataUrl === 'string' && message.dataUrl.startsWith('data:image/png;base64,');
    case 'error':
      return typeof message.message === 'string';
    default:
      return false;
  }
}
