/**
 * The worker's result cache: reopening or re-saving an unchanged config answers instantly.
 * A result is valid for (config text hash, analysis options hash, size + mtime of every file the
 * report says it read). The text is hashed when the analysis STARTS, so an edit made while it
 * ran never gets the old result. Only reports that carry an analysis are cached: reports made of
 * input problems (missing files, ...) are cheap to recompute and may be fixed by creating a file
 * the report could not name.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { AnalysisReport } from '../../core/model/analysis';
import type { AnalyzeOptions } from '../pipeline';

/** A file a report depends on, as it was when the analysis started or finished. */
export interface DependencyStamp {
  readonly path: string;
  /** -1 when the file did not exist. */
  readonly size: number;
  readonly mtimeMs: number;
}

interface CacheEntry {
  readonly textHash: string;
  readonly optionsHash: string;
  readonly dependencies: readonly DependencyStamp[];
  readonly report: AnalysisReport;
}

/** The files a report says it read: the checkpoint, the dataset and the targets of related locations. */
export function referencedFiles(report: AnalysisReport): string[] {
  const files = new Set<string>();
  const analysis = report.analysis;
  if (analysis?.checkpoint?.path) files.add(analysis.checkpoint.path);
  if (analysis?.dataset?.path) files.add(analysis.dataset.path);
  for (const dataset of analysis?.datasets ?? []) files.add(dataset.path);
  if (analysis?.mythCheck?.sourceFile) files.add(analysis.mythCheck.sourceFile);
  for (const finding of report.findings) {
    if (finding.file && finding.file !== report.file) files.add(finding.file);
    for (const related of finding.related ?? []) files.add(related.file);
  }
  files.delete(report.file);
  return [...files].sort();
}

/** JSON with sorted keys, so two equal option objects hash equally whatever their key order. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(stableStringify).join(',') + ']';
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return '{' + Object.keys(record).sort().filter((k) => record[k] !== undefined)
      .map((k) => JSON.stringify(k) + ':' + stableStringify(record[k])).join(',') + '}';
  }
  return JSON.stringify(value) ?? 'null';
}

export function hashText(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export function hashOptions(options: AnalyzeOptions): string {
  return hashText(stableStringify(options));
}

export async function stampOf(path: string): Promise<DependencyStamp> {
  try {
    const stat = await fs.stat(path);
    return { path, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch {
    return { path, size: -1, mtimeMs: 0 };
  }
}

/** Reads and hashes a config file; undefined when it cannot be read (then nothing is cached). */
export async function hashFile(path: string): Promise<string | undefined> {
  try {
    return hashText(await fs.readFile(path));
  } catch {
    return undefined;
  }
}

/** An in-memory LRU of analysis results keyed by config file. */
export class ResultCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(private readonly maxEntries = 64) {}

  /** The cached report when the config text, the options and every dependency are unchanged. */
  async lookup(file: string, options: AnalyzeOptions, textHash: string | undefined): Promise<AnalysisReport | undefined> {
    const entry = this.entries.get(file);
    if (!entry || textHash === undefined) return undefined;
    if (entry.textHash !== textHash || entry.optionsHash !== hashOptions(options)) return undefined;
    for (const dependency of entry.dependencies) {
      const now = await stampOf(dependency.path);
      if (now.size !== dependency.size || now.mtimeMs !== dependency.mtimeMs) return undefined;
    }
    // Refresh the LRU position.
    this.entries.delete(file);
    this.entries.set(file, entry);
    return entry.report;
  }

  /** Remembers `report` for the text hashed at the start of the run. */
  async store(file: string, options: AnalyzeOptions, textHash: string | undefined, report: AnalysisReport): Promise<void> {
    if (textHash === undefined || !report.analysis) return;
    const dependencies = await Promise.all(referencedFiles(report).map(stampOf));
    this.entries.delete(file);
    this.entries.set(file, { textHash, optionsHash: hashOptions(options), dependencies, report });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
