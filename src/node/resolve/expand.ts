/**
 * Expansion of a config reference before it is looked up: `~` (home folder), `$VAR`, `${VAR}`
 * and OmegaConf's `${oc.env:VAR}` / `${oc.env:VAR,default}`. Unset variables are reported by
 * name (the caller turns them into a finding on the value) instead of silently becoming ''.
 */

export interface Expansion {
  readonly text: string;
  /** Names of variables that were referenced but not set (and had no default). */
  readonly missing: string[];
}

export function expandReference(value: string, env: Readonly<Record<string, string | undefined>>, home: string | undefined): Expansion {
  const missing: string[] = [];
  let text = value.trim().replace(/\$\{oc\.env:([^,}]+)(?:,([^}]*))?\}/g, (whole, name: string, fallback: string | undefined) => {
    const found = env[name.trim()];
    if (found !== undefined) return found;
    if (fallback !== undefined) return fallback.trim().replace(/^['"]|['"]$/g, '');
    missing.push(name.trim());
    return whole;
  });
  text = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const found = env[name];
    if (found !== undefined) return found;
    missing.push(name);
    return whole;
  });
  if (home && (text === '~' || text.startsWith('~/') || text.startsWith('~\\'))) text = home + text.slice(1);
  return { text, missing };
}

/** Strips a `file://` prefix that some tools write. */
export function stripFileScheme(value: string): string {
  return value.startsWith('file://') ? decodeURIComponent(value.slice('file://'.length)) : value;
}
