/** The transfer report: model builder and the pure renderers (Markdown, HTML, SVG) shared by the webview and the export. */
export * from './model';
export { buildReportModel, MYTH_EXPLANATION, MAX_SPECTRUM_COMPONENTS, FREEZE_OVERLAP_TOLERANCE } from './build';
export type { ReportExtras } from './build';
export { toMarkdown } from './markdown';
export { renderReportBody, toStandaloneHtml, webviewShellHtml, webviewCsp, STANDALONE_CSP } from './html';
export type { RenderOptions, StandaloneAssets, WebviewShellOptions } from './html';
export { learningCurvesSvg, spectrumSvg, perLayerSvg, phaseDiagramSvg } from './svg';
export { escapeHtml, formatNumber, formatInteger } from './format';
