/**
 * The cheap tier of the analysis, run by the extension on every (debounced) edit and by the
 * pipeline before heavy work: read the config (Hydra includes from disk), resolve its
 * references offline, and run the header-only static checks. `staticCheck` never throws on user
 * input and never reads more than file headers or metadata.
 */
import { readFileSync } from 'node:fs';
import type { Finding } from '../../core/model/finding';
import type { NormalizedConfig } from '../../core/model/config';
import { readConfig, type ReadConfigOptions } from '../../core/config/readConfig';
import { resolveReferences, type ResolveOptions, type ResolvedReferences } from './resolve';
import { staticChecks } from './checks';

export interface StaticCheckOptions extends ResolveOptions {
  /** Force a profile (same as the modeline `# transferlens: profile=…`). */
  readonly profile?: string;
  /** User key maps from the setting `transferlens.configProfiles`. */
  readonly keyMaps?: ReadConfigOptions['keyMaps'];
}

export interface StaticCheckResult {
  readonly config: NormalizedConfig | undefined;
  readonly resolved: Omit<ResolvedReferences, 'findings'>;
  /** Config problems, resolution findings and static-check findings, minus suppressed codes. */
  readonly findings: Finding[];
}

/** Synchronous include reader for Hydra composition (group files are small). */
export function readIncludeFromDisk(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Codes a `disable=` modeline can never hide: the file must at least parse. */
const UNSUPPRESSIBLE = new Set(['config-syntax']);

export async function staticCheck(text: string, file: string, options: StaticCheckOptions = {}): Promise<StaticCheckResult> {
  const env = options.env ?? process.env;
  const { config, problems } = readConfig(text, file, {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.keyMaps ? { keyMaps: options.keyMaps } : {}),
    env,
    readInclude: readIncludeFromDisk,
  });
  const findings: Finding[] = [...problems];
  let resolved: Omit<ResolvedReferences, 'findings'> = {};
  if (config) {
    const references = await resolveReferences(config, { ...options, env });
    const { findings: resolutionFindings, ...rest } = references;
    resolved = rest;
    findings.push(...resolutionFindings, ...staticChecks(config, references));
  }
  const suppressed = new Set(config?.suppressed ?? []);
  return { config, resolved, findings: findings.filter((f) => UNSUPPRESSIBLE.has(f.code) || !suppressed.has(f.code)) };
}

export { resolveReferences, type ResolveOptions, type ResolvedReferences } from './resolve';
export type { Resolved, ResolvedFormat } from './inspect';
export { inspectPath } from './inspect';
export { staticChecks } from './checks';
export { findHubSnapshot, hubCacheRoots, looksLikeHubId } from './hub';
