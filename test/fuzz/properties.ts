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
import { chooseTextColumns, TextSampler, type ChatFormatting } from '../../src/core/formats/textTable';
import { formatFunctionCall, formatTools } from '../../src/core/formats/toolPrompts';
import { parseTfjsModelJson } from '../../src/core/formats/tfjsModel';
import { DatasetError, FormatError } from '../../src/core/formats/errors';
import { decodeLz4Frames, Lz4Error } from '../../src/core/formats/lz4';
import * as lz4js from 'lz4js';
import { CheckpointError } from '../../src/core/formats/errors';
import { parseWeightIndex } from '../../src/node/hf/weights';
import { interpretTorchPickle, PickleRefused, tensorsOfStateDict } from '../../src/node/hf/torchZip';

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

/** A valid sharded-checkpoint index (model.safetensors.index.json) and JSON spliced into it. */
const validWeightIndex = JSON.stringify({ metadata: { total_size: 96 }, weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'b.bias': 'model-00002-of-00002.safetensors' } });
const weightIndexText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.nat({ max: validWeightIndex.length }).map((n) => validWeightIndex.slice(0, n)),
  fc.tuple(fc.constantFrom('weight_map', 'metadata', 'a.weight', 'total_size'), fc.jsonValue({ maxDepth: 3 })).map(([key, value]) => validWeightIndex.replace(`"${key}":`, `"${key}": ${JSON.stringify(value)}, "x":`)),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('../../etc/passwd', '/abs.safetensors', 'C:\\w.bin', 'https://x/y'), fc.integer())).map((map) => JSON.stringify({ weight_map: map })),
);

/** A torch.save state-dict pickle (protocol 2, one FloatStorage tensor), as torch writes it. */
export const validTorchPickle = new Uint8Array([
  0x80, 0x02, 0x7d, 0x71, 0x00, 0x28, 0x58, 0x01, 0x00, 0x00, 0x00, 0x77, 0x71, 0x01,
  0x63, ...new TextEncoder().encode('torch._utils\n_rebuild_tensor_v2\n'), 0x71, 0x02,
  0x28, 0x28, 0x58, 0x07, 0x00, 0x00, 0x00, ...new TextEncoder().encode('storage'), 0x63, ...new TextEncoder().encode('torch\nFloatStorage\n'),
  0x58, 0x01, 0x00, 0x00, 0x00, 0x30, 0x58, 0x03, 0x00, 0x00, 0x00, 0x63, 0x70, 0x75, 0x4b, 0x06, 0x74, 0x71, 0x03, 0x51,
  0x4b, 0x00, 0x4b, 0x02, 0x4b, 0x03, 0x86, 0x4b, 0x03, 0x4b, 0x01, 0x86, 0x89,
  0x63, ...new TextEncoder().encode('collections\nOrderedDict\n'), 0x29, 0x52, 0x74, 0x52, 0x71, 0x04, 0x75, 0x2e,
]);
/** Mutations plus pickles assembled from opcodes a state dict uses and some it must refuse. */
const pickleOps = fc.constantFrom(
  [0x80, 0x02], [0x7d], [0x5d], [0x29], [0x28], [0x74], [0x85], [0x86], [0x87], [0x75], [0x73], [0x61], [0x65], [0x62], [0x52], [0x51], [0x2e],
  [0x4b, 0x07], [0x4a, 1, 0, 0, 0], [0x8a, 0x02, 0xff, 0x7f], [0x71, 0x01], [0x68, 0x01], [0x94], [0x88], [0x89], [0x4e],
  [0x58, 0x01, 0, 0, 0, 0x61], [0x8c, 0x01, 0x62], [0x93], [0x95, 1, 0, 0, 0, 0, 0, 0, 0],
  [0x63, ...new TextEncoder().encode('torch\nHalfStorage\n')], [0x63, ...new TextEncoder().encode('os\nsystem\n')], [0x63, ...new TextEncoder().encode('collections\nOrderedDict\n')],
  [0x69], [0x6f], [0x81], [0x30], [0x31],
);
const torchPickleBytes = fc.oneof(mutated(validTorchPickle), fc.array(pickleOps, { maxLength: 60 }).map((ops) => new Uint8Array(ops.flat())), fc.uint8Array({ maxLength: 200 }));

/** Chat / instruction records with damaged fields: messages, tools, tool calls, prompt-completion. */
const anyJson = fc.jsonValue({ maxDepth: 3 });
const chatMessage = fc.oneof(
  fc.record({ role: fc.constantFrom('user', 'assistant', 'system', 'tool', 'human', 'gpt', 'function_call', 'observation', 'x'), content: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null), anyJson) }, { requiredKeys: [] }),
  fc.record({ from: fc.string({ maxLength: 8 }), value: fc.oneof(fc.string({ maxLength: 40 }), anyJson), tool_calls: anyJson }, { requiredKeys: [] }),
  anyJson,
);
const toolsCell = fc.oneof(anyJson, anyJson.map((v) => JSON.stringify(v)), fc.string({ maxLength: 40 }), fc.constant('[{"name": "f", "parameters": {"properties": {"a": {"enum": [1, null]}}}}]'));
const chatRecord = fc.record({
  messages: fc.oneof(fc.array(chatMessage, { maxLength: 4 }), anyJson),
  conversations: fc.oneof(fc.array(chatMessage, { maxLength: 4 }), anyJson),
  tools: toolsCell,
  system: fc.oneof(fc.string({ maxLength: 20 }), anyJson),
  prompt: fc.oneof(fc.string({ maxLength: 20 }), fc.array(chatMessage, { maxLength: 3 }), anyJson),
  completion: fc.oneof(fc.string({ maxLength: 20 }), fc.array(chatMessage, { maxLength: 3 }), anyJson),
}, { requiredKeys: [] });

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
      name: 'chat records (textTable) + tool / function-call formatters',
      property: fc.property(fc.array(chatRecord, { minLength: 1, maxLength: 5 }), fc.constantFrom<ChatFormatting | undefined>(undefined, 'messages', 'sharegpt', 'alpaca', 'prompt-completion'), fc.boolean(), (records, formatting, mapped) => allowTyped(() => {
        const header = [...new Set(records.flatMap((r) => Object.keys(r)))];
        const spec = { generative: true, ...(formatting ? { formatting } : {}), ...(mapped ? { columnMap: { tools: 'tools', system: 'system' } } : {}) };
        const columns = chooseTextColumns(header, spec, 'fuzz.json');
        const sampler = new TextSampler(columns, { maxRows: 10, seed: 1 }, 'fuzz.json');
        const get = (r: Record<string, unknown>) => (name: string) => r[name];
        records.forEach((r, i) => sampler.addLabel(get(r), i + 1));
        sampler.finishLabels('jsonl');
        records.forEach((r, i) => sampler.addText(get(r), i + 1));
        const sample = sampler.finish();
        // The formatters may refuse what LLaMA-Factory refuses (an Error, turned into a finding), nothing else.
        const refused = (run: () => unknown) => {
          try {
            run();
          } catch (e) {
            if (!(e instanceof Error) || e instanceof TypeError || e instanceof RangeError) throw e;
          }
        };
        for (const tools of sample.tools ?? []) if (tools !== '') for (const f of ['default', 'qwen', 'llama3'] as const) refused(() => formatTools(f, tools));
        for (const m of (sample.messages ?? []).flat()) if (m.role === 'function') for (const f of ['default', 'qwen', 'llama3'] as const) refused(() => formatFunctionCall(f, m.content));
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
    {
      name: 'HF weight index (weights.ts parseWeightIndex)',
      property: fc.property(weightIndexText, (text) => {
        try {
          const index = parseWeightIndex(text, 'fuzz/model.safetensors.index.json');
          for (const shard of index.shards) if (shard.split(/[\\/]/).includes('..') || shard.startsWith('/')) throw new Error(`escaping shard accepted: ${shard}`);
        } catch (e) {
          if (!(e instanceof CheckpointError)) throw e;
        }
      }) as unknown as fc.IProperty<unknown[]>,
    },
    {
      name: 'torch state-dict pickle (torchZip.ts, restricted)',
      property: fc.property(torchPickleBytes, (bytes) => {
        try {
          tensorsOfStateDict(interpretTorchPickle(bytes));
        } catch (e) {
          if (!(e instanceof PickleRefused)) throw e;
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
