/**
 * The instant tier: static checks of a config on every edit (debounced), in the extension host.
 * The config engine's `staticCheck(text, file, options)` (src/node/resolve, issue #5) reads only
 * file headers and metadata, so it is safe here. Until it is exported, this returns no findings;
 * switching it on is the one marked line below.
 */
import type { Finding } from '../core/model/finding';
import type { AnalyzeOptions } from '../node/pipeline';

export interface StaticCheckResult {
  readonly findings: readonly Finding[];
  /** Absolute paths the config references (for file watchers), when known. */
  readonly referencedFiles: readonly string[];
}

export async function runStaticCheck(_text: string, _file: string, _options: AnalyzeOptions): Promise<StaticCheckResult> {
  // SWITCH: when src/node/resolve exports staticCheck, replace the line below with
  //   const { config, resolved, findings } = await staticCheck(_text, _file, _options);
  //   return { findings, referencedFiles: <paths from resolved> };
  return { findings: [], referencedFiles: [] };
}
