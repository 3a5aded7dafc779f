/**
 * OmegaConf-style interpolation (`${a.b}`, `${oc.env:VAR}`, `${oc.env:VAR,default}`), used by
 * Hydra and torchtune configs. Pure: the environment is passed in. A resolved value keeps the
 * range of the place where the `${…}` was written, because that is the text a user edits;
 * unknown resolvers (e.g. `${hydra:runtime.cwd}`) are left as written.
 */
import type { Finding } from '../model/finding';
import { selectAll, type TreeNode, type ScalarNode } from './tree';

const WHOLE = /^\$\{([^${}]+)\}$/;
const ANY = /\$\{([^${}]+)\}/g;
const MAX_DEPTH = 10;

export interface InterpolationResult {
  readonly root: TreeNode | undefined;
  readonly problems: Finding[];
}

/**
 * Resolves interpolations everywhere in the tree. `env` undefined means "leave `${oc.env:…}`
 * for the resolver stage"; a missing key is a `config-invalid-value` finding on the key that
 * holds the interpolation.
 */
export function interpolate(root: TreeNode | undefined, env?: Readonly<Record<string, string | undefined>>): InterpolationResult {
  const problems: Finding[] = [];
  if (!root) return { root, problems };

  const lookup = (expression: string, depth: number, at: ScalarNode): { found: boolean; value?: unknown } => {
    const expr = expression.trim();
    if (expr.startsWith('oc.env:')) {
      const [name, ...rest] = expr.slice('oc.env:'.length).split(',');
      if (!env) return { found: false };
      const value = env[name!.trim()];
      if (value !== undefined) return { found: true, value };
      if (rest.length > 0) return { found: true, value: rest.join(',').trim().replace(/^['"]|['"]$/g, '') };
      problems.push({
        code: 'config-invalid-value', severity: 'error', file: at.file, range: at.keyRange,
        message: `Environment variable ${name!.trim()} is not set. Set it, or give a default: \${oc.env:${name!.trim()},<default>}.`,
      });
      return { found: false };
    }
    if (expr.includes(':')) return { found: false }; // another resolver: not ours to evaluate
    const target = selectAll(root, expr.replace(/^\./, ''))[0];
    if (!target) {
      problems.push({
        code: 'config-invalid-value', severity: 'error', file: at.file, range: at.keyRange,
        message: `Interpolation \${${expr}} refers to a key that does not exist in the composed config. Fix the key path.`,
      });
      return { found: false };
    }
    if (target.node.kind !== 'scalar') return { found: false };
    return { found: true, value: resolveScalar(target.node, depth + 1) };
  };

  const resolveScalar = (node: ScalarNode, depth: number): unknown => {
    if (typeof node.value !== 'string' || depth > MAX_DEPTH || !node.value.includes('${')) return node.value;
    const whole = WHOLE.exec(node.value);
    if (whole) {
      const result = lookup(whole[1]!, depth, node);
      return result.found ? result.value : node.value;
    }
    return node.value.replace(ANY, (text, expression: string) => {
      const result = lookup(expression, depth, node);
      return result.found ? String(result.value) : text;
    });
  };

  const walk = (node: TreeNode): TreeNode => {
    if (node.kind === 'scalar') {
      const value = resolveScalar(node, 0);
      if (value === node.value) return node;
      const typed = typeof value === 'number' || typeof value === 'boolean' || value === null ? value : String(value);
      return { ...node, value: typed };
    }
    if (node.kind === 'seq') return { ...node, items: node.items.map(walk) };
    const entries = new Map<string, TreeNode>();
    for (const [key, value] of node.entries) entries.set(key, walk(value));
    return { ...node, entries };
  };
  return { root: walk(root), problems };
}
