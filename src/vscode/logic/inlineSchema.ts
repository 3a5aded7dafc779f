/**
 * Inlines a JSON Schema's local `#/definitions/<name>` references, because VS Code's
 * `contributes.configuration` accepts only a self-contained schema per setting (relative `$ref`s
 * to files and a shared `definitions` block are not resolved there). The package.json schema of
 * `transferlens.configProfiles` is this function applied to media/schemas/config-profiles.schema.json;
 * test/unit/vscode/contributes.test.ts keeps the two equal. Pure; no vscode import.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const LOCAL_REF = /^#\/definitions\/([^/]+)$/;
const TOP_LEVEL_ONLY = new Set(['$schema', '$id', 'definitions']);

/** Returns a copy of `schema` with every `#/definitions/x` reference replaced by a copy of `x`, and the top-level `$schema`, `$id` and `definitions` removed. */
export function inlineJsonSchema(schema: { [key: string]: Json }): { [key: string]: Json } {
  const definitions = (schema.definitions ?? {}) as { [key: string]: Json };
  const resolve = (node: Json, trail: readonly string[]): Json => {
    if (Array.isArray(node)) return node.map((item) => resolve(item, trail));
    if (node === null || typeof node !== 'object') return node;
    const ref = typeof node.$ref === 'string' ? LOCAL_REF.exec(node.$ref) : null;
    if (ref) {
      const name = ref[1]!;
      // A recursive definition cannot be inlined; say so instead of looping forever.
      if (trail.includes(name)) throw new Error(`schema definition '${name}' refers to itself (${[...trail, name].join(' → ')}); it cannot be inlined`);
      if (!(name in definitions)) throw new Error(`schema reference '#/definitions/${name}' has no definition`);
      const { $ref: _ref, ...siblings } = node;
      const target = resolve(definitions[name]!, [...trail, name]) as { [key: string]: Json };
      return { ...target, ...(resolve(siblings, trail) as { [key: string]: Json }) };
    }
    const out: { [key: string]: Json } = {};
    for (const [key, value] of Object.entries(node)) out[key] = resolve(value, trail);
    return out;
  };
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(schema)) if (!TOP_LEVEL_ONLY.has(key)) out[key] = resolve(value, []);
  return out;
}
