/**
 * package.json `contributes` stays true to the files it names: every path it contributes exists,
 * the schema validations point at the shipped JSON Schemas with patterns that match the configs
 * they are meant for, and the `transferlens.configProfiles` setting carries exactly
 * media/schemas/config-profiles.schema.json (inlined: VS Code resolves no file `$ref`s in
 * settings), so the two cannot drift apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inlineJsonSchema } from '../../../src/vscode/logic/inlineSchema';

const root = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = manifest.contributes;

/** Every string under `node` whose key says it is a file (path, url, icon, light/dark) and that is not a codicon or a URL. */
function contributedPaths(node: unknown, key = ''): string[] {
  if (typeof node === 'string') {
    const looksLikeFile = /^(path|url|icon|light|dark|uri)$/.test(key) && !node.startsWith('$(') && !/^[a-z]+:\/\//.test(node);
    return looksLikeFile ? [node] : [];
  }
  if (Array.isArray(node)) return node.flatMap((item) => contributedPaths(item, key));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([childKey, value]) => contributedPaths(value, childKey));
  return [];
}

/** The glob subset VS Code and the YAML extension use in fileMatch: `**`, `*`, `?` (no braces: patterns are spelled out). */
function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const character = glob[i]!;
    if (character === '*' && glob[i + 1] === '*') {
      pattern += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (character === '*') pattern += '[^/]*';
    else if (character === '?') pattern += '[^/]';
    else pattern += character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

test('every file path package.json contributes exists', () => {
  const paths = contributedPaths(contributes);
  assert.ok(paths.includes('./media/schemas/training-config.schema.json'), `schema paths found: ${paths.join(', ')}`);
  assert.ok(paths.some((path) => path.startsWith('./syntaxes/')), 'grammar path found');
  for (const path of paths) assert.ok(existsSync(join(root, path)), `contributed path ${path} does not exist`);
  for (const path of paths) {
    if (path.endsWith('.json')) assert.doesNotThrow(() => JSON.parse(readFileSync(join(root, path), 'utf8')), `${path} is valid JSON`);
  }
});

test('JSON and YAML validation use the training-config schema for the intended files only', () => {
  const json = contributes.jsonValidation as { fileMatch: string[]; url: string }[];
  const yaml = contributes.yamlValidation as { fileMatch: string[]; url: string }[];
  assert.deepEqual(json.map((entry) => entry.url), ['./media/schemas/training-config.schema.json']);
  assert.deepEqual(yaml.map((entry) => entry.url), ['./media/schemas/training-config.schema.json']);
  const matches = (entries: { fileMatch: string[] }[], file: string): boolean =>
    entries.some((entry) => entry.fileMatch.some((glob) => globToRegExp(glob).test(file)));
  for (const file of ['/w/examples/helps/config.yaml', '/w/examples/hurts/config.yaml', '/w/runs/bert.transferlens.yaml', '/w/transferlens-sweep.yml', '/w/a/b/transferlens.yaml']) {
    assert.ok(matches(yaml, file), `yamlValidation covers ${file}`);
  }
  for (const file of ['/w/runs/bert.transferlens.json', '/w/transferlens-sweep.json']) assert.ok(matches(json, file), `jsonValidation covers ${file}`);
  for (const file of ['/w/package.json', '/w/config.yaml', '/w/examples/helps/data/config.yaml', '/w/tsconfig.json']) {
    assert.ok(!matches(yaml, file) && !matches(json, file), `${file} is not claimed`);
  }
  // The bundled examples really are the files the first pattern names.
  for (const example of ['helps', 'hurts']) assert.ok(existsSync(join(root, 'examples', example, 'config.yaml')));
});

test('the configProfiles setting schema is media/schemas/config-profiles.schema.json, inlined', () => {
  const fileSchema = inlineJsonSchema(JSON.parse(readFileSync(join(root, 'media', 'schemas', 'config-profiles.schema.json'), 'utf8')));
  const setting = contributes.configuration.properties['transferlens.configProfiles'];
  assert.equal(setting.type, fileSchema.type);
  assert.deepEqual(setting.items, fileSchema.items,
    'package.json is out of step with the schema file: set contributes.configuration.properties["transferlens.configProfiles"].items to inlineJsonSchema(<file>).items');
  assert.ok(!JSON.stringify(setting).includes('$ref'), 'no $ref survives (VS Code would not resolve it)');
});

test('inlineJsonSchema resolves nested local references and rejects recursive ones', () => {
  const schema = {
    $schema: 'x', definitions: { leaf: { type: 'string' }, pair: { type: 'array', items: { $ref: '#/definitions/leaf' } } },
    type: 'object', properties: { a: { $ref: '#/definitions/pair', description: 'kept' } },
  };
  assert.deepEqual(inlineJsonSchema(schema as never), { type: 'object', properties: { a: { type: 'array', items: { type: 'string' }, description: 'kept' } } });
  assert.throws(() => inlineJsonSchema({ definitions: { loop: { items: { $ref: '#/definitions/loop' } } }, items: { $ref: '#/definitions/loop' } } as never), /refers to itself/);
  assert.throws(() => inlineJsonSchema({ items: { $ref: '#/definitions/missing' } } as never), /no definition/);
});
