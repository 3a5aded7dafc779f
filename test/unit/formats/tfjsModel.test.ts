/** Tests of the pure model.json parser/validator (no TensorFlow.js involved). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkShardSizes, graphPenultimateNode, parseTfjsModelJson } from '../../../src/core/formats/tfjsModel';
import { FormatError } from '../../../src/core/formats/errors';

const models = join(__dirname, '..', '..', 'fixtures', 'models');
const mlpText = readFileSync(join(models, 'mlp', 'model.json'), 'utf8');
const graphText = readFileSync(join(models, 'graph-mlp', 'model.json'), 'utf8');

function withChange(text: string, change: (json: any) => void): string {
  const json = JSON.parse(text);
  change(json);
  return JSON.stringify(json);
}

function rejects(text: string, pattern: RegExp): void {
  assert.throws(() => parseTfjsModelJson(text, 'm/model.json'), (e: unknown) => e instanceof FormatError && /^m\/model\.json: /.test(e.message) && pattern.test(e.message));
}

test('layers model: format, layer list, weight byte ranges across groups', () => {
  const parsed = parseTfjsModelJson(mlpText, 'm/model.json');
  assert.equal(parsed.format, 'tfjs-layers');
  assert.equal(parsed.modelClass, 'Sequential');
  assert.deepEqual(parsed.layers.map((l) => `${l.name}:${l.className}`), ['hidden1:Dense', 'hidden2:Dense', 'drop:Dropout', 'head:Dense']);
  assert.deepEqual(parsed.weights.map((w) => [w.byteOffset, w.byteLength]), [[0, 128], [128, 32], [160, 192], [352, 24], [376, 72], [448, 12]]);
  assert.deepEqual(parsed.groups, [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], byteLength: 460 }]);
  checkShardSizes(parsed, [[230, 230]]);
  assert.throws(() => checkShardSizes(parsed, [[230, 200]], 'm/model.json'), /holding 430 bytes, but its 6 weights need 460: a shard is truncated/);
  assert.throws(() => checkShardSizes(parsed, [[230, 240]], 'm/model.json'), /holding 470 bytes, more than the 460/);
  assert.throws(() => checkShardSizes(parsed, [[230, undefined]], 'm/model.json'), /references weight shard 'group1-shard2of2\.bin' \(weightsManifest\[0\]\.paths\[1\]\), which does not exist/);
});

test('quantized sizes: uint8 = 1 byte, float16 = 2 bytes per value', () => {
  const uint8 = parseTfjsModelJson(readFileSync(join(models, 'mlp-uint8', 'model.json'), 'utf8'));
  const half = parseTfjsModelJson(readFileSync(join(models, 'mlp-float16', 'model.json'), 'utf8'));
  assert.equal(uint8.groups[0]!.byteLength, 115);
  assert.equal(half.groups[0]!.byteLength, 230);
  assert.equal(uint8.weights[0]!.quantization!.dtype, 'uint8');
});

test('graph model: nodes and the penultimate node behind the dense head', () => {
  const parsed = parseTfjsModelJson(graphText);
  assert.equal(parsed.format, 'tfjs-graph');
  assert.equal(graphPenultimateNode(parsed), 'hidden/Relu');
  assert.equal(graphPenultimateNode(parsed, 'Identity'), 'hidden/Relu');
  // Without a dense head there is no penultimate node.
  const noHead = parseTfjsModelJson(withChange(graphText, (j) => {
    j.modelTopology.node.find((n: any) => n.name === 'head/MatMul').op = 'Mul';
  }));
  assert.equal(graphPenultimateNode(noHead), undefined);
});

test('corrupt model.json files are named precisely', () => {
  rejects(mlpText.slice(0, 200), /not valid JSON/);
  rejects('[]', /not a JSON object/);
  rejects('{"weightsManifest": []}', /no 'modelTopology'/);
  rejects(withChange(mlpText, (j) => (j.format = 'saved-model')), /format "saved-model"/);
  rejects(withChange(mlpText, (j) => (j.weightsManifest[0].paths[0] = 'https://example.invalid/shard.bin')), /on a server/);
  rejects(withChange(mlpText, (j) => (j.weightsManifest[0].paths[0] = '../../secret.bin')), /outside the model folder/);
  rejects(withChange(mlpText, (j) => (j.weightsManifest[0].paths[0] = '/etc/passwd')), /outside the model folder/);
  rejects(withChange(mlpText, (j) => (j.weightsManifest[0].weights[0].dtype = 'string')), /weight 'hidden1\/kernel' .*dtype "string"/);
  rejects(withChange(mlpText, (j) => (j.weightsManifest[0].weights[1].shape = [-1])), /invalid shape \[-1\]/);
  rejects(withChange(mlpText, (j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'uint8' })), /without a finite 'scale' and 'min'/);
  rejects(withChange(mlpText, (j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'int4' })), /quantized to "int4"/);
  rejects(withChange(mlpText, (j) => (j.weightsManifest[0].weights[1].name = 'hidden1/kernel')), /lists weight 'hidden1\/kernel' twice/);
  rejects(withChange(mlpText, (j) => (j.modelTopology.config.layers = 'x')), /without a list of layers/);
  rejects(withChange(graphText, (j) => (j.modelTopology.node[0] = { op: 'Placeholder' })), /graph node 0 without a name/);
});
