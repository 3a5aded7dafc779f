/**
 * The report webview's script (bundled to dist/webview.js, browser only: no Node, no vscode).
 * It renders the ReportModel the panel posts, using the same pure renderer as the HTML export,
 * then adds behaviour: action buttons post protocol messages, plots can be explored with the
 * keyboard (arrow keys step through points, read out in a live region), plots export as SVG/PNG
 * with the theme colours inlined, and open sections and scroll position survive reloads through
 * getState/setState. Outside VS Code (the static test harness) a stand-in API records messages.
 */
import { renderReportBody } from '../core/report/html';
import type { PlotId, ReportModel } from '../core/report/model';
import { REPORT_SCHEMA_VERSION } from '../core/report/model';
import type { HostToWebviewMessage, WebviewState, WebviewToHostMessage } from './protocol';
import { PLOT_IDS } from './protocol';
import { plotToPngDataUrl, plotToStandaloneSvg } from './export';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

declare global {
  interface Window {
    /** Messages posted while running outside VS Code (the browser test reads them). */
    transferlensMessages?: WebviewToHostMessage[];
  }
}

/** The VS Code API when inside a webview; otherwise a recorder so the page works standalone. */
function hostApi(): VsCodeApi {
  if (typeof acquireVsCodeApi === 'function') return acquireVsCodeApi();
  let state: unknown;
  const messages: WebviewToHostMessage[] = (window.transferlensMessages = []);
  return {
    postMessage: (message) => {
      messages.push(message as WebviewToHostMessage);
      window.dispatchEvent(new CustomEvent('transferlens-message', { detail: message }));
    },
    getState: () => state,
    setState: (next) => {
      state = next;
    },
  };
}

const api = hostApi();
const root = document.getElementById('root') ?? document.body;
let currentModel: ReportModel | null = null;

function post(message: WebviewToHostMessage): void {
  api.postMessage(message);
}

function isState(value: unknown): value is WebviewState {
  const state = value as WebviewState | undefined;
  return !!state && state.stateVersion === 1 && !!state.model && state.model.schemaVersion === REPORT_SCHEMA_VERSION;
}

function saveState(): void {
  if (!currentModel) return;
  const openDetails: number[] = [];
  root.querySelectorAll('details').forEach((element, index) => {
    if (element.open) openDetails.push(index);
  });
  const state: WebviewState = { stateVersion: 1, model: currentModel, openDetails, scrollY: Math.round(window.scrollY) };
  api.setState(state);
}

function render(model: ReportModel, restore?: { openDetails: readonly number[]; scrollY: number }): void {
  currentModel = model;
  root.innerHTML = renderReportBody(model, { interactive: true }) + '<p class="status-line" role="status" id="status-line"></p>';
  document.title = model.title;
  if (restore) {
    const open = new Set(restore.openDetails);
    root.querySelectorAll('details').forEach((element, index) => {
      element.open = open.has(index);
    });
    window.scrollTo(0, restore.scrollY);
  }
  root.querySelectorAll('details').forEach((element) => element.addEventListener('toggle', saveState));
  saveState();
}

function setStatus(message: string, busy = false): void {
  const line = document.getElementById('status-line');
  if (line) line.textContent = message;
  root.querySelectorAll<HTMLButtonElement>('button[data-action="rerun"]').forEach((button) => {
    button.disabled = busy;
  });
}

function findPlot(plot: string): SVGSVGElement | null {
  return root.querySelector<SVGSVGElement>(`svg.plot[data-plot="${plot}"]`);
}

async function onAction(button: HTMLElement): Promise<void> {
  const action = button.dataset.action;
  switch (action) {
    case 'applyFix':
      if (button.dataset.code) post({ type: 'applyFix', code: button.dataset.code });
      return;
    case 'rerun':
      setStatus('Re-running the analysis…', true);
      post({ type: 'rerun' });
      return;
    case 'copyMarkdown':
      post({ type: 'copyMarkdown' });
      return;
    case 'exportHtml':
      post({ type: 'exportHtml' });
      return;
    case 'exportSvg':
    case 'exportPng': {
      const plot = button.dataset.plot as PlotId;
      const svg = PLOT_IDS.includes(plot) ? findPlot(plot) : null;
      if (!svg) return;
      const markup = plotToStandaloneSvg(svg);
      if (action === 'exportSvg') post({ type: 'exportSvg', plot, svg: markup });
      else post({ type: 'exportPng', plot, dataUrl: await plotToPngDataUrl(markup, svg.viewBox.baseVal.width, svg.viewBox.baseVal.height) });
      return;
    }
  }
}

root.addEventListener('click', (event) => {
  const button = (event.target as Element | null)?.closest<HTMLElement>('button[data-action]');
  if (!button) return;
  onAction(button).catch((error: unknown) => post({ type: 'error', message: `report action ${button.dataset.action} failed: ${String(error)}` }));
});

/** Arrow keys step through a focused plot's points; the live region reads each one out. */
root.addEventListener('keydown', (event) => {
  const svg = (event.target as Element | null)?.closest?.('svg.plot');
  if (!svg || !['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'Escape'].includes(event.key)) return;
  // Step through series in legend order (data-rank), even though they are drawn back to front.
  const rankOf = (point: SVGElement): number => Number(point.closest('[data-rank]')?.getAttribute('data-rank') ?? 0);
  const points = Array.from(svg.querySelectorAll<SVGElement>('.point[data-label]')).sort((a, b) => rankOf(a) - rankOf(b));
  if (points.length === 0) return;
  event.preventDefault();
  const current = points.findIndex((point) => point.classList.contains('focused'));
  points.forEach((point) => point.classList.remove('focused'));
  if (event.key === 'Escape') return;
  let next: number;
  if (event.key === 'Home') next = 0;
  else if (event.key === 'End') next = points.length - 1;
  else if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = current < 0 ? 0 : (current + 1) % points.length;
  else next = current <= 0 ? points.length - 1 : current - 1;
  const point = points[next]!;
  point.classList.add('focused');
  const live = document.getElementById('live-region');
  if (live) live.textContent = `${next + 1} of ${points.length}. ${point.dataset.label ?? ''}`;
});

let scrollTimer: number | undefined;
window.addEventListener('scroll', () => {
  window.clearTimeout(scrollTimer);
  scrollTimer = window.setTimeout(saveState, 200);
});

window.addEventListener('message', (event: MessageEvent<HostToWebviewMessage>) => {
  const message = event.data;
  if (!message || typeof message !== 'object') return;
  try {
    if (message.type === 'showReport' && message.model?.schemaVersion === REPORT_SCHEMA_VERSION) {
      const previous = api.getState();
      // Keep the reader's place when the same config's report is refreshed.
      const keep = isState(previous) && previous.model.file === message.model.file ? previous : undefined;
      render(message.model, keep ? { openDetails: keep.openDetails, scrollY: keep.scrollY } : undefined);
    } else if (message.type === 'status') {
      setStatus(message.message, message.busy === true);
    }
  } catch (error) {
    post({ type: 'error', message: `report rendering failed: ${String(error)}` });
  }
});

window.addEventListener('error', (event) => post({ type: 'error', message: `${event.message} (${event.filename}:${event.lineno})` }));

const saved = api.getState();
if (isState(saved)) render(saved.model, { openDetails: saved.openDetails, scrollY: saved.scrollY });
post({ type: 'ready' });
