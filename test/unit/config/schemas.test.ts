/**
 * The shipped JSON Schemas stay in step with the code: every key the Hugging Face profile reads
 * is described, every enum matches the profile's value map, and every built-in profile is a
 * valid key map by the settings schema's own structure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUILTIN_PROFILES, builtinProfile } from '../../../src/core/config/index';
import { FIELD_NAMES } from '../../../src/core/config/keymap';

const schemaDir = resolve(__dirname, '../../../media/schemas');
const training = JSON.parse(readFileSync(resolve(schemaDir, 'training-config.schema.json'), 'utf8'));
const profiles = JSON.parse(readFileSync(resolve(schemaDir, 'config-profiles.schema.json'), 'utf8'));

function keysOf(spec: unknown): string[] {
  const items = Array.isArray(spec) ? spec : [spec];
  return items.flatMap((item) => (typeof item === 'string' ? [item] : typeof item.from === 'string' ? [item.from] : item.from));
}

test('every top-level key the huggingface profile reads is in the training-config schema', () => {
  const hf = builtinProfile('huggingface')!;
  // `train_file[*]` (a list of files) is the `train_file` key.
  const keys = [...new Set(Object.values(hf.keyMap.fields).flatMap(keysOf).filter((key) => !key.includes('.')).map((key) => key.replace(/\[\*\]$/, '')))];
  assert.ok(keys.length > 10);
  for (const key of keys) assert.ok(training.properties[key], `schema lacks ${key}`);
  const finetuning = (hf.keyMap.fields.strategy as unknown[]).find((item: any) => item.from === 'finetuning_type') as { map: Record<string, string> };
  assert.deepEqual([...training.properties.finetuning_type.enum].sort(), Object.keys(finetuning.map).filter((k) => k !== 'oft').sort());
  assert.deepEqual(training.properties.$transferlens.properties.profile.enum, BUILTIN_PROFILES.map((p) => p.keyMap.name));
});

test('the settings schema lists exactly the normalised fields, and built-in profiles fit it', () => {
  const fieldProps = Object.keys(profiles.items.properties.fields.properties);
  assert.deepEqual(fieldProps.sort(), [...FIELD_NAMES].sort());
  const allowed = new Set(Object.keys(profiles.items.properties));
  for (const profile of BUILTIN_PROFILES) {
    for (const key of Object.keys(profile.keyMap)) assert.ok(allowed.has(key), `${profile.keyMap.name}: ${key} not in schema`);
    assert.match(profile.keyMap.name, new RegExp(profiles.items.properties.name.pattern));
  }
});
