/**
 * Minimal path arithmetic for the pure core (which may not import node:path): joining a
 * folder and a relative reference, and taking a file's folder. Accepts `/` and `\` separators
 * and keeps the style of the base path, so Windows paths survive.
 */

/** The folder part of a path (`/a/b/c.yaml` → `/a/b`). */
export function dirnameOf(path: string): string {
  const index = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (index < 0) return '.';
  if (index === 0) return path.slice(0, 1);
  return path.slice(0, index);
}

/** True for `/x`, `\\x`, `C:\x` and `C:/x`. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(path);
}

/** Joins and normalises `.` and `..` segments (no file-system access). */
export function joinPath(base: string, relative: string): string {
  if (isAbsolutePath(relative)) return normalise(relative);
  const separator = base.includes('\\') && !base.includes('/') ? '\\' : '/';
  return normalise(`${base}${separator}${relative}`);
}

function normalise(path: string): string {
  const separator = path.includes('\\') && !path.includes('/') ? '\\' : '/';
  const parts = path.split(/[\\/]/);
  const leading = parts[0] === '' ? separator : '';
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!leading) out.push('..');
      continue;
    }
    out.push(part);
  }
  return leading + out.join(separator);
}
