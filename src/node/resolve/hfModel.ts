/**
 * Hugging Face model folders and cache snapshots in the static tier (issue #14 §1): a folder with
 * config.json and safetensors (single or sharded) resolves to the runnable format
 * 'hf-safetensors'; pytorch_model.bin alone to 'hf-pytorch' (runnable through the restricted
 * reader, torchZip.ts; a pickle it refuses is a checkpoint-invalid problem); ONNX exports without weights to
 * 'hf-onnx' (the ONNX engine runs them); a folder whose weights were never downloaded (only
 * *.json, or an index whose shards are absent) to 'hf-no-weights'. The findings
 * say which: weights missing (which files, and the `huggingface-cli download` command), a
 * model_type no architecture handles (the supported ones and the two ways out: features_file or an
 * ONNX export), a config.json whose size disagrees with the weights' headers, a damaged header,
 * config.json or tokenizer.json (naming the file). Everything
 * comes from inspectHfSnapshot (headers and JSON only).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { inspectHfSnapshot, type HfSnapshotInfo } from '../hf/snapshot';
import { architectureFor, modelTypeOf, supportedModelTypes } from '../hf/architectures/registry';
import { CONVERT_COMMAND } from '../hf/weights';
import type { Resolved } from './inspect';

const HF_FILES = ['config.json', 'model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json', 'modules.json'];

/**
 * Describes `path` as a Hugging Face model folder, or returns undefined when it is not one (a
 * config.json that is neither a model config nor beside weights leaves the folder to the dataset
 * and image-folder checks).
 */
export async function inspectHfModelFolder(path: string, names: readonly string[]): Promise<Resolved | undefined> {
  if (!names.some((n) => HF_FILES.includes(n))) return undefined;
  const info = await inspectHfSnapshot(path);
  const isModelConfig = !!info.config && (typeof info.config.model_type === 'string' || Array.isArray(info.config.architectures));
  const hasWeights = info.weights.layout !== 'none';
  if (!isModelConfig && !hasWeights && !info.sentenceTransformers && !info.configProblem) return undefined;
  const base = { path, kind: 'folder' as const, hf: info, ...(info.storedBytes !== undefined ? { bytes: info.storedBytes } : {}) };
  const problem = info.configProblem ?? info.weights.problem;
  switch (info.status) {
    case 'runnable':
      return { ...base, format: 'hf-safetensors', ...(problem ? { problem } : {}) };
    case 'pytorch-bin-only':
      return { ...base, format: 'hf-pytorch', ...(problem ? { problem } : {}) };
    case 'weights-not-downloaded':
    case 'onnx-only':
      // The ONNX engine (src/node/hf/engine.ts) runs an export when onnxruntime-node loads; the runner says when it does not.
      return { ...base, format: info.onnx.length > 0 ? 'hf-onnx' : 'hf-no-weights', ...(info.configProblem ? { problem: info.configProblem } : {}) };
    case 'no-config':
      return { ...base, format: info.weights.layout.startsWith('safetensors') ? 'safetensors' : info.weights.layout.startsWith('pytorch') ? 'pytorch' : 'unknown', ...(info.weights.problem ? { problem: info.weights.problem } : {}) };
  }
}

export interface HfCheckpointFinding {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

/** Header parameters over what config.json implies, outside which the two cannot belong together. */
const DISAGREEMENT_LOW = 0.5;
const DISAGREEMENT_HIGH = 3;

const FEATURES_WAY = 'set features_file: path/to/features.npy to features you computed yourself (one row per sample, dataset order)';

/** The Hub id for commands, or a placeholder the user fills in. */
function repoOf(resolved: Resolved): string {
  return resolved.hubId ?? 'ORG/NAME';
}

/** Messages from the weights reader say ORG/NAME; with a Hub id, the command is complete. */
export function withRepo(message: string, resolved: Resolved): string {
  return resolved.hubId ? message.split('ORG/NAME').join(resolved.hubId) : message;
}

/** A usable tokenizer is in the folder (tokenizer.json that parses): the tokenizer checks can run without weights. */
function hasTokenizer(info: NonNullable<Resolved['hf']>): boolean {
  return info.tokenizer.files.includes('tokenizer.json') && !info.tokenizer.problem;
}

/**
 * Findings for a checkpoint that resolved to a Hugging Face folder (formats hf-*, or onnx /
 * safetensors / pytorch with `hf` set). `keyPath` is the config key; `hasFeatures`: the config
 * names a features file, so the checkpoint is not run and only damage is reported.
 */
export function hfCheckpointFindings(resolved: Resolved, keyPath: string, hasFeatures: boolean, pytorchReadable: boolean, generative = false): HfCheckpointFinding[] {
  const info = resolved.hf;
  if (!info) return [];
  const name = resolved.kind === 'hub-cache' ? resolved.hubId! : basename(resolved.path);
  const repo = repoOf(resolved);
  const out: HfCheckpointFinding[] = [];
  if (info.tokenizer.problem) out.push({ code: 'checkpoint-invalid', severity: 'error', message: withRepo(info.tokenizer.problem, resolved), data: { file: 'tokenizer.json' } });
  if (hasFeatures) return out;
  const download = `huggingface-cli download ${repo} --include "*.safetensors"`;
  const shared = { status: info.status, modelType: info.modelType, ...(info.parameters !== undefined ? { parameters: info.parameters } : {}) };
  if (resolved.format === 'hf-no-weights') {
    const missing = info.weights.missingShards;
    const message = info.weights.layout === 'safetensors-sharded' || info.weights.layout === 'pytorch-sharded'
      ? `${name}: ${basename(info.weights.files[0] ?? 'the index')} lists ${info.weights.shards.length} weight shard${info.weights.shards.length === 1 ? '' : 's'} but ${missing.length === info.weights.shards.length ? 'none of them is' : `${missing.length} ${missing.length === 1 ? 'is' : 'are'}`} downloaded (${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', …' : ''}): the download is incomplete. TransferLens never downloads: run \`${download}\`${info.parameters !== undefined ? ` (about ${formatCount(info.parameters)} parameters)` : ''}, or ${FEATURES_WAY}.`
      : `${name} holds only ${describeJsonOnly(info)} — its weights were never downloaded (common when only the tokenizer and config are fetched). TransferLens never downloads: run \`${download}\`, or ${FEATURES_WAY}.`;
    // Generative fine-tuning gets no verdict, only the tokenizer checks, and those need the
    // tokenizer alone: weights the training run will download are nothing TransferLens lacks.
    if (generative && hasTokenizer(info)) {
      out.push({ code: 'checkpoint-missing', severity: 'info', message: `${name}: the weights are not downloaded${info.parameters !== undefined ? ` (about ${formatCount(info.parameters)} parameters)` : ''}. Nothing is missing for TransferLens: generative fine-tuning gets the tokenizer checks only, and they need the tokenizer, which is here. Your training run downloads the weights (or \`${download}\` beforehand).`, data: { ...shared, missingShards: missing, tokenizerOnly: true } });
      return out;
    }
    out.push({ code: 'checkpoint-missing', severity: 'error', message, data: { ...shared, missingShards: missing, ...(hasTokenizer(info) ? { tokenizerOnly: true } : {}) } });
    return out;
  }
  if (resolved.format === 'hf-pytorch' && !pytorchReadable) {
    out.push({
      code: 'checkpoint-unsupported', severity: 'warning',
      message: `${name} holds only ${info.weights.layout === 'pytorch-sharded' ? 'sharded pytorch_model-*.bin files' : 'pytorch_model.bin'} (pickled PyTorch), which TransferLens never unpickles. Convert it to safetensors once: \`${CONVERT_COMMAND(info.modelFolder)}\` and point ${keyPath} at the new folder, or ${FEATURES_WAY}.`,
      data: shared,
    });
    return out;
  }
  if (resolved.format === 'hf-safetensors' || resolved.format === 'hf-pytorch') {
    if (!info.config) return out; // config.json unreadable: already a checkpoint-invalid problem
    const modelType = modelTypeOf(info.config);
    // With an ONNX export beside the weights the ONNX engine may run what TF.js does not implement.
    if (info.onnx.length > 0) return out;
    if (!modelType) {
      out.push({ code: 'checkpoint-unsupported', severity: 'warning', message: `${join(info.modelFolder, 'config.json')} has no "model_type", so TransferLens cannot tell which architecture to build. Use the config.json saved with these weights (save_pretrained writes model_type), or ${FEATURES_WAY}.`, data: shared });
      return out;
    }
    const architecture = architectureFor(modelType);
    const expected = architecture?.estimateParameters?.(info.config);
    if (expected && info.parameters !== undefined && !info.parametersEstimated && !info.weights.problem) {
      // Header vs config.json: task heads, buffers and a second CLIP tower keep the ratio within
      // [0.77, 1.2] on every fixture; outside [0.5, 3] the config cannot belong to these weights.
      const ratio = info.parameters / expected;
      if (ratio < DISAGREEMENT_LOW || ratio > DISAGREEMENT_HIGH) {
        const keys = ['hidden_size', 'num_hidden_layers', 'intermediate_size', 'vocab_size', 'num_attention_heads', 'dim', 'n_layer', 'n_embd'].filter((k) => typeof info.config![k] === 'number').map((k) => `${k} ${String(info.config![k])}`);
        out.push({
          code: 'checkpoint-invalid', severity: 'error',
          message: `${join(info.modelFolder, 'config.json')} disagrees with the weights: it describes a '${modelType}' model of about ${formatCount(expected)} parameters (${keys.slice(0, 5).join(', ')}), but the weight files hold ${formatCount(info.parameters)}. Use the config.json saved with these weights (save_pretrained writes both).`,
          data: { ...shared, expectedParameters: expected },
        });
        return out;
      }
    }
    if (!architecture) {
      const supported = supportedModelTypes();
      out.push({
        code: 'checkpoint-unsupported', severity: 'warning',
        message: `${name} is a '${modelType}' model${info.architectures?.length ? ` (${info.architectures.join(', ')})` : ''}, which TransferLens cannot run in TypeScript yet (supported model_type: ${supported.length > 0 ? supported.join(', ') : 'none registered'}). Two ways out: ${FEATURES_WAY}, or export it to ONNX with \`optimum-cli export onnx --model ${repo} out/\` and point ${keyPath} at out/.`,
        data: { ...shared, supported },
      });
    }
  }
  return out;
}

function describeJsonOnly(info: HfSnapshotInfo): string {
  const files = [info.config ? 'config.json' : undefined, ...info.tokenizer.files, info.preprocessor ? 'preprocessor_config.json' : undefined].filter((f): f is string => !!f);
  return files.length > 0 ? files.slice(0, 5).join(', ') + (files.length > 5 ? ', …' : '') : 'JSON files';
}

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)} M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)} k`;
  return String(n);
}

/**
 * A checkpoint reference to one `.safetensors` file of a Hugging Face model folder (config.json
 * beside it): the folder is what runs. Undefined when the file stands alone.
 */
export function safetensorsFileInModelFolder(resolved: Resolved, keyPath: string): string | undefined {
  if (resolved.kind !== 'file' || !existsSync(join(dirname(resolved.path), 'config.json'))) return undefined;
  return `${basename(resolved.path)} is one weight file of the Hugging Face model folder ${dirname(resolved.path)}, whose config.json says what architecture it is: point ${keyPath} at the folder instead (${dirname(resolved.path)}).`;
}
