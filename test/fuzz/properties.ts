/**
 * Property-based fuzzing of the parsers that read user bytes (issue #9 §2), shared by the CI-sized
 * run (test/fuzz/parsers.test.ts, ~1,000 cases each) and the long run (scripts/fuzz.ts,
 * ≥ 10,000 each). The property for every parser is the same: on ANY input it either returns or
 * throws its typed error (FormatError / DatasetError, which the pipeline turns into a finding);
 * anything else (TypeError, RangeError, a stack overflow) is a crash. Inputs mix pure noise with
 * mutations of valid files (truncation, byte flips, spliced JSON), which reach deeper code.
 */
import fc from 'fast-check';
import { readConfig } from '../../src/core/config/readConfig';
import { parseNpy, writeNpy } from '../../src/core/formats/npy';
import { parseSafetensorsHeader, safetensorsHeaderLength, writeSafetensors } from '../../src/core/formats/safetensors';
import { CsvTokenizer } from '../../src/core/formats/csv';
import { TableSampler } from '../../src/core/formats/table';
import { parseTfjsModelJson } from '../../src/core/formats/tfjsModel';
import { DatasetError, FormatError } from '../../src/core/formats/errors';
import { decodeLz4Frames, Lz4Error } from '../../src/core/formats/lz4';
import * as lz4js from 'lz4js';

/** Fixed seed: a failure is reproducible with the printed path. */
export const FUZZ_SEED = 20_250_909;

/** Re-throws anything that is not a typed, user-facing parser error. */
function allowTyped(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (e instanceof FormatError || e instanceof DatasetError) return;
    throw e;
  }
}

/** Valid bytes with random damage: truncation, overwritten bytes, or appended noise. */
function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.nat({ max: valid.length }).map((n) => valid.slice(0, n)),
    fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
      const out = valid.slice();
      for (const [at, value] of edits) out[at] = value;
      return out;
    }),
    fc.uint8Array({ maxLength: 64 }).map((tail) => new Uint8Array([...valid, ...tail])),
  );
}

const yamlTokens = fc.constantFrom(
  'model_name_or_path: ', 'train_file: ', 'learning_rate: ', 'max_train_samples: ', 'defaults:', '- ', '  ', '\n', '\t',
  '[', ']', '{', '}', ', ', ': ', '"', "'", '&a ', '*a ', '!!str ', '!!binary ', '# transferlens: profile=huggingface\n', '#',
  '---\n', '...\n', '|', '>', '? ', '${oc.env:HOME}', '${a.b}', '1e-5', '-3', '.nan', '~', 'null', 'true', '<script>', '\u0000', '\ufeff',
);
const configText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.array(yamlTokens, { maxLength: 60 }).map((parts) => parts.join('')),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
);

const validLz4 = Uint8Array.from(lz4js.compress(new TextEncoder().encode('x0,x1,label\n' + '0.25,1.5,cat\n'.repeat(40) + 'tail')));
const lz4Bytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated(validLz4), fc.uint8Array({ maxLength: 120 }).map((body) => new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x40, 0x70, 0xdf, body.length, 0, 0, 0, ...body, 0, 0, 0, 0])));

const validNpy = writeNpy({ shape: [3, 4], dtype: 'float32', data: Array.from({ length: 12 }, (_, i) => i / 3) });
const npyBytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(validNpy), fc.string({ maxLength: 120 }).map((dict) => {
  // A well-formed preamble around an arbitrary header dict.
  const header = new TextEncoder().encode(dict + '\n');
  const out = new Uint8Array(10 + header.length + 48);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(header, 10);
  return out;
}));

const validSafetensors = writeSafetensors({ a: { dtype: 'F32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, b: { dtype: 'I64', shape: [2], data: [7, 8] } }, { format: 'pt' });
const safetensorsBytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(validSafetensors), fc.jsonValue({ maxDepth: 3 }).map((value) => {
  const json = new TextEncoder().encode(JSON.stringify(value));
  const out = new Uint8Array(8 + json.length + 16);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}));

const csvText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.array(fc.constantFrom('a', 'label', '1', '-2.5', 'NaN', 'inf', ',', ';', '\t', '"', '""', '\n', '\r\n', '\r', ' ', 'x', '\ufeff', '1e309'), { maxLength: 80 }).map((p) => p.join('')),
);

const validModelJson = JSON.stringify({
  format: 'layers-model',
  modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3] } }] } },
  weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'd/bias', shape: [2], dtype: 'float32' }] }],
});
/** The valid model.json with one value replaced by arbitrary JSON at a random path. */
const splicedModelJson = fc.tuple(fc.array(fc.oneof(fc.constantFrom('format', 'modelTopology', 'config', 'layers', 'weightsManifest', 'paths', 'weights', 'shape', 'dtype', 'name', 'class_name', 'quantization'), fc.nat({ max: 3 })), { minLength: 1, maxLength: 6 }), fc.jsonValue({ maxDepth: 3 })).map(([path, value]) => {
  const root = JSON.parse(validModelJson) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const next = node[path[i]!];
    if (typeof next !== 'object' || next === null) break;
    node = next as Record<string | number, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return JSON.stringify(root);
});
const modelJsonText = fc.oneof(fc.string({ maxLength: 200 }), splicedModelJson, fc.nat({ max: validModelJson.length }).map((n) => validModelJson.slice(0, n)));

export interface FuzzTarget {
  readonly name: string;
  readonly property: fc.IProperty<unknown[]>;
}

export function fuzzTargets(): FuzzTarget[] {
  return [
    {
      name: 'readConfig',
      property: fc.property(configText, (text) => {
        // readConfig must never throw on user input.
        readConfig(text, '/workspace/config.yaml', { env: { HOME: '/home/user' } });
      }) as unknown as fc.IProperty<unknown[]>,
    },
    { name: 'parseNpy', property: fc.property(npyBytes, (bytes) => allowTyped(() => parseNpy(bytes, 'fuzz.npy'))) as unknown as fc.IProperty<unknown[]> },
    {
      name: 'safetensors header',
      property: fc.property(safetensorsBytes, (bytes) => allowTyped(() => {
        const length = safetensorsHeaderLength(bytes.subarray(0, 8), 'fuzz.safetensors');
        parseSafetensorsHeader(bytes.subarray(0, 8 + length), 'fuzz.safetensors', bytes.length);
      })) as unknown as fc.IProperty<unknown[]>,
    },
    {
      name: 'CSV tokenizer + table sampler',
      property: fc.property(csvText, fc.array(fc.nat({ max: 40 }), { maxLength: 4 }), fc.constantFrom(',', ';', '\t'), fc.constantFrom<'classification' | 'regression' | undefined>(undefined, 'classification', 'regression'), (text, cuts, delimiter, task) => allowTyped(() => {
        // Chunk boundaries anywhere (streaming), then the sampler on whatever records came out.
        const tokenizer = new CsvTokenizer({ delimiter, source: 'fuzz.csv' });
        const records = [];
        let from = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          records.push(...tokenizer.push(text.slice(from, cut)));
          from = Math.max(from, cut);
        }
        records.push(...tokenizer.push(text.slice(from)), ...tokenizer.end());
        if (records.length === 0) return;
        const sampler = new TableSampler(records[0]!.fields, { labelColumn: records[0]!.fields[records[0]!.fields.length - 1] ?? 'label', maxRows: 5, seed: 1, task }, 'fuzz.csv');
        for (const record of records.slice(1)) sampler.addRow(record.fields, record.line);
        sampler.finish('csv');
      })) as unknown as fc.IProperty<unknown[]>,
    },
    {
      name: 'LZ4 frames',
      property: fc.property(lz4Bytes, (bytes) => {
        try {
          decodeLz4Frames(bytes, 1 << 20);
        } catch (e) {
          if (!(e instanceof Lz4Error)) throw e;
        }
      }) as unknown as fc.IProperty<unknown[]>,
    },
    { name: 'parseTfjsModelJson', property: fc.property(modelJsonText, (text) => allowTyped(() => parseTfjsModelJson(text, 'fuzz/model.json'))) as unknown as fc.IProperty<unknown[]> },
  ];
}

/** Runs one target for `numRuns` cases; returns the failure report or undefined. */
export function runTarget(target: FuzzTarget, numRuns: number, seed = FUZZ_SEED): string | undefined {
  const details = fc.check(target.property, { numRuns, seed });
  return details.failed ? fc.defaultReportMessage(details) : undefined;
}
