/**
 * The extension's settings (`transferlens.*`) read through a getter, validated and defaulted,
 * and turned into the pipeline's AnalyzeOptions. No vscode import: the adapter passes
 * `workspace.getConfiguration('transferlens').get`.
 */
import type { AnalyzeOptions } from '../../node/pipeline';
import type { BackendPreference } from '../../node/backend';
import type { EnginePreference } from '../../node/hf/engine';
import type { Severity } from '../../core/model/finding';

export type SeverityOverride = Severity | 'off';

export interface ExtensionSettings {
  readonly maxSamples: number;
  readonly timeBudgetSeconds: number;
  readonly backend: BackendPreference;
  /** Engine for Hugging Face checkpoints: auto | onnx | tfjs (issue #16). */
  readonly engine: EnginePreference;
  /** Hugging Face checkpoints above this run on fewer samples or not at all (issue #14 guard rails). */
  readonly maxModelParameters: number;
  /** Per finding code: a new severity, or `off` to hide it. */
  readonly severityOverrides: Readonly<Record<string, SeverityOverride>>;
  /** User key maps, passed through to the config engine untouched. */
  readonly configProfiles: readonly unknown[];
  readonly analyzeOnSave: boolean;
  readonly analyzeOnOpen: boolean;
  readonly workerMemoryMb: number;
  /** Delay of the instant static checks after an edit. */
  readonly staticCheckDelayMs: number;
}

export const DEFAULT_SETTINGS: ExtensionSettings = {
  maxSamples: 2000,
  timeBudgetSeconds: 60,
  backend: 'auto',
  engine: 'auto',
  maxModelParameters: 350_000_000,
  severityOverrides: {},
  configProfiles: [],
  analyzeOnSave: true,
  analyzeOnOpen: true,
  workerMemoryMb: 2048,
  staticCheckDelayMs: 300,
};

const BACKENDS: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];
/** Kept here (not imported from node/hf/engine) so the extension host bundle stays free of engine code. */
const ENGINES: readonly EnginePreference[] = ['auto', 'onnx', 'tfjs'];
const OVERRIDES: readonly SeverityOverride[] = ['error', 'warning', 'info', 'hint', 'off'];

function clampedInteger(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : fallback;
}

/** Reads every setting; wrong types fall back to the default (settings are user input). */
export function readSettings(get: (key: string) => unknown): ExtensionSettings {
  const backend = get('backend');
  const engine = get('engine');
  const overrides = get('severityOverrides');
  const severityOverrides: Record<string, SeverityOverride> = {};
  if (overrides && typeof overrides === 'object') {
    for (const [code, value] of Object.entries(overrides as Record<string, unknown>)) {
      const normalised = value === 'information' ? 'info' : value;
      if (OVERRIDES.includes(normalised as SeverityOverride)) severityOverrides[code] = normalised as SeverityOverride;
    }
  }
  const profiles = get('configProfiles');
  const onSave = get('analyzeOnSave');
  const onOpen = get('analyzeOnOpen');
  return {
    maxSamples: clampedInteger(get('maxSamples'), DEFAULT_SETTINGS.maxSamples, 50, 1_000_000),
    timeBudgetSeconds: clampedInteger(get('timeBudgetSeconds'), DEFAULT_SETTINGS.timeBudgetSeconds, 5, 3600),
    backend: BACKENDS.includes(backend as BackendPreference) ? (backend as BackendPreference) : 'auto',
    engine: ENGINES.includes(engine as EnginePreference) ? (engine as EnginePreference) : 'auto',
    maxModelParameters: clampedInteger(get('maxModelParameters'), DEFAULT_SETTINGS.maxModelParameters, 1_000_000, 100_000_000_000),
    severityOverrides,
    configProfiles: Array.isArray(profiles) ? profiles : [],
    analyzeOnSave: typeof onSave === 'boolean' ? onSave : DEFAULT_SETTINGS.analyzeOnSave,
    analyzeOnOpen: typeof onOpen === 'boolean' ? onOpen : DEFAULT_SETTINGS.analyzeOnOpen,
    workerMemoryMb: clampedInteger(get('workerMemoryMb'), DEFAULT_SETTINGS.workerMemoryMb, 256, 65_536),
    staticCheckDelayMs: clampedInteger(get('staticCheckDelayMs'), DEFAULT_SETTINGS.staticCheckDelayMs, 0, 5000),
  };
}

/** The pipeline options for one analysis. */
export function analyzeOptionsFrom(settings: ExtensionSettings, workspaceRoot: string | undefined, cacheDir?: string): AnalyzeOptions {
  return {
    maxSamples: settings.maxSamples,
    timeBudgetMs: settings.timeBudgetSeconds * 1000,
    // The worker host stops an analysis at about this budget (src/node/worker/host.ts).
    hardTimeLimit: true,
    backend: settings.backend,
    engine: settings.engine,
    maxModelParameters: settings.maxModelParameters,
    workspaceRoot,
    cacheDir,
    profiles: settings.configProfiles,
  };
}
