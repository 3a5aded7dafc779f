/**
 * The instant tier: static checks of a config on every edit (debounced), in the extension host.
 * The config engine's `staticCheck(text, file, options)` (src/node/resolve, issue #5) reads only
 * file headers and metadata, so it is safe here.
 */
import type { Finding } from '../core/model/finding';
import type { AnalyzeOptions } from '../node/pipeline';
import { staticCheck } from '../node/resolve';

export interface StaticCheckResult {
  readonly findings: readonly Finding[];
  /** Absolute paths the config references (for file watchers), when known. */
  readonly referencedFiles: readonly string[];
}

export async function runStaticCheck(text: string, file: string, options: AnalyzeOptions): Promise<StaticCheckResult> {
  const { resolved, findings } = await staticCheck(text, file, { workspaceRoot: options.workspaceRoot, env: options.env ?? process.env, keyMaps: options.profiles as never });
  // Every dataset of a list (Axolotl datasets[], LLaMA-Factory `a,b`), not only the first.
  const listed = resolved?.datasets?.map((e) => e.resolved) ?? [];
  const referencedFiles = [resolved?.checkpoint, resolved?.dataset, ...listed, resolved?.source, resolved?.features]
    .filter((r): r is NonNullable<typeof r> => Boolean(r?.path))
    .map((r) => r.path);
  return { findings, referencedFiles: [...new Set(referencedFiles)] };
}
