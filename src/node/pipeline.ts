/**
 * The analysis pipeline shared by the CLI and the worker: config file → static checks →
 * checkpoint and dataset loading → features → core analysis → findings on the config's keys.
 * (Being built: see issue #2/#3. The signatures below are the contract the CLI, the worker and
 * the extension code against.)
 */
import type { AnalysisReport } from '../core/model/analysis';
import type { RunControl } from '../core/model/progress';
import type { BackendPreference } from './backend';

export interface AnalyzeOptions {
  /** Upper bound on target rows used by the analysis (stratified sample). Default 2000. */
  readonly maxSamples?: number;
  readonly seed?: number;
  /** Soft time budget in ms; when exceeded, remaining optional steps are skipped (partial-analysis finding). */
  readonly timeBudgetMs?: number;
  readonly backend?: BackendPreference;
  /** Folder that relative references may not escape without a warning. */
  readonly workspaceRoot?: string;
  /** Feature cache folder; no caching when absent. */
  readonly cacheDir?: string;
  /** Max bytes read from any one file. */
  readonly maxBytes?: number;
  /** User key maps / profiles (setting `transferlens.configProfiles`). */
  readonly profiles?: readonly unknown[];
  /** Environment for `${oc.env:…}` and HF_HOME resolution (defaults to process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export declare function analyzeConfigFile(file: string, options: AnalyzeOptions, control?: RunControl): Promise<AnalysisReport>;
