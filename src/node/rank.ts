/**
 * Checkpoint ranking (issue #4): the same analysis run with each candidate checkpoint on the same
 * target sample, sorted by the verdict's predicted gain. Shared by `transferlens rank` and the
 * worker's `rank` request (the editor's "Compare Checkpoints…").
 */
import type { RunControl } from '../core/model/progress';
import { throwIfAborted } from '../core/model/progress';
import { analyzeConfigFile, type AnalyzeOptions } from './pipeline';
import type { RankedCandidate } from './worker/protocol';

/** A ranked candidate: the worker protocol's shape plus overlap and recommendation. */
export interface RankRow extends RankedCandidate {
  readonly overlap?: number;
  readonly recommendation?: string;
}

export async function rankCheckpoints(file: string, candidates: readonly string[], options: AnalyzeOptions, control: RunControl = {}): Promise<RankRow[]> {
  const rows: RankRow[] = [];
  for (const [i, checkpoint] of candidates.entries()) {
    throwIfAborted(control.signal);
    control.onProgress?.({ step: 'rank', message: `[${i + 1}/${candidates.length}] ${checkpoint}`, fraction: i / candidates.length });
    const report = await analyzeConfigFile(file, { ...options, checkpointOverride: checkpoint }, { signal: control.signal });
    const a = report.analysis;
    rows.push(
      a
        ? { checkpoint, scores: a.scores ?? {}, verdict: a.verdict, gain: a.gain, overlap: a.overlap.value, recommendation: a.recommendation.strategy }
        : { checkpoint, scores: {}, error: report.findings.filter((f) => f.severity === 'error').map((f) => `${f.code}: ${f.message.split('\n')[0]}`).join('; ') || 'no analysis' },
    );
  }
  return rows.sort((x, y) => (y.gain?.mean ?? -Infinity) - (x.gain?.mean ?? -Infinity));
}
