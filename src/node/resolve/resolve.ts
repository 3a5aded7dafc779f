/**
 * Reference resolution: turns the config's checkpoint, dataset, source-sample and features
 * references into files or folders on disk (or snapshots in the local Hugging Face cache), with
 * findings on the exact value when something is missing, outside the workspace, or in a format
 * we cannot use — each message saying what the user can do. Reads headers and metadata only.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve as resolvePath, basename } from 'node:path';
import type { Finding } from '../../core/model/finding';
import type { NormalizedConfig, SourceValue } from '../../core/model/config';
import { datasetEntries } from '../../core/config/datasetList';
import { isGenerativeConfig } from '../../core/config/generative';
import { expandReference, stripFileScheme } from './expand';
import { findHubSnapshot, hubCacheRoots, looksLikeHubId, type HubRepoType } from './hub';
import { inspectFolder, inspectPath, type DatasetInfoEntry, type Resolved, type ResolvedFormat } from './inspect';
import { hfCheckpointFindings, safetensorsFileInModelFolder, withRepo } from './hfModel';

export interface ResolveOptions {
  /** Workspace folder: base for workspace-relative profiles and the `path-outside-workspace` check. */
  readonly workspaceRoot?: string;
  /** Environment for `$VAR`, `${oc.env:VAR}`, HF_HOME / HF_HUB_CACHE (defaults to process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Hugging Face home (its `hub/` subfolder is searched first); overrides `$HF_HOME`. */
  readonly hfHome?: string;
  /** Home folder for `~` and the default cache (defaults to os.homedir()). */
  readonly home?: string;
}

/** One listed training dataset: the config value (with its own range) and what it resolved to. */
export interface ResolvedDatasetEntry {
  readonly reference: SourceValue<string>;
  /** Undefined when the entry does not resolve (a finding says why). */
  readonly resolved?: Resolved;
  /** Position in the config's list (0-based); findings about this entry carry it as `data.datasetIndex`. */
  readonly index: number;
}

export interface ResolvedReferences {
  readonly checkpoint?: Resolved;
  /** The first listed dataset (the only one for most configs). */
  readonly dataset?: Resolved;
  /** Every listed dataset, in order, when the config names more than one. */
  readonly datasets?: readonly ResolvedDatasetEntry[];
  readonly validation?: Resolved;
  readonly source?: Resolved;
  readonly features?: Resolved;
  readonly findings: Finding[];
}

/** Formats the analysis can run or read today (the readers in src/node/readers). */
/** Hugging Face model folders the pipeline runs through src/node/hf (loadHfCheckpoint: openWeights + an architecture, or the ONNX engine). */
export const HF_CHECKPOINT_FORMATS: readonly ResolvedFormat[] = ['hf-safetensors', 'hf-pytorch', 'hf-onnx'];
export const RUNNABLE_CHECKPOINT_FORMATS: readonly ResolvedFormat[] = ['tfjs-layers', 'tfjs-graph', ...HF_CHECKPOINT_FORMATS];
export const READABLE_DATASET_FORMATS: readonly ResolvedFormat[] = ['csv', 'jsonl', 'json', 'npy', 'parquet', 'arrow', 'image-folder'];
export const READABLE_FEATURE_FORMATS: readonly ResolvedFormat[] = ['npy', 'npz', 'safetensors'];

type Role = 'checkpoint' | 'dataset' | 'validation' | 'source' | 'features';

function finding(code: string, severity: Finding['severity'], value: SourceValue<unknown>, message: string, field: string, data?: Record<string, unknown>): Finding {
  return { code, severity, message, file: value.file, range: value.range, field, ...(data ? { data } : {}) };
}

/** Resolves every reference of a config. Never throws on user input. */
export async function resolveReferences(config: NormalizedConfig, options: ResolveOptions = {}): Promise<ResolvedReferences> {
  const env = options.env ?? process.env;
  const home = options.home ?? safeHome();
  const findings: Finding[] = [];
  const context = { config, env, home, options, findings };
  const result: { -readonly [K in keyof ResolvedReferences]: ResolvedReferences[K] } = { findings };
  if (config.checkpoint) result.checkpoint = await resolveOne(context, config.checkpoint, 'checkpoint');
  const entries = datasetEntries(config);
  if (entries.length > 0) {
    const list = config.profile === 'llama-factory' ? await resolveLlamaFactoryDatasets(context, entries) : await resolveDatasetList(context, entries);
    result.dataset = list[0]?.resolved;
    if (entries.length > 1) result.datasets = list;
  }
  if (config.validationDataset && config.profile !== 'llama-factory') result.validation = await resolveOne(context, config.validationDataset, 'validation');
  if (config.sourceTrainFile) result.source = await resolveOne(context, config.sourceTrainFile, 'source');
  if (config.featuresFile) result.features = await resolveOne(context, config.featuresFile, 'features');
  return result;
}

/**
 * Resolves each listed dataset in order; with several, the findings about one entry carry
 * `data.datasetIndex` so the analysis can go on with the others.
 */
async function resolveDatasetList(context: Context, entries: readonly SourceValue<string>[], resolveEntry: (value: SourceValue<string>) => Promise<Resolved | undefined> = (value) => resolveOne(context, value, 'dataset')): Promise<ResolvedDatasetEntry[]> {
  const list: ResolvedDatasetEntry[] = [];
  for (const [index, reference] of entries.entries()) {
    const before = context.findings.length;
    const resolved = await resolveEntry(reference);
    if (entries.length > 1) tagEntryFindings(context.findings, before, index);
    list.push({ reference, index, ...(resolved ? { resolved } : {}) });
  }
  return list;
}

function tagEntryFindings(findings: Finding[], from: number, index: number): void {
  for (let i = from; i < findings.length; i++) findings[i] = { ...findings[i]!, data: { ...(findings[i]!.data ?? {}), datasetIndex: index } };
}

interface Context {
  readonly config: NormalizedConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string | undefined;
  readonly options: ResolveOptions;
  readonly findings: Finding[];
}

function safeHome(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

/** Folders a relative reference is tried against, preferred first. */
function bases(context: Context): string[] {
  const configFolder = dirname(context.config.file);
  const workspace = context.options.workspaceRoot;
  if (context.config.pathBase === 'workspace' && workspace) return [workspace, configFolder];
  return workspace ? [configFolder, workspace] : [configFolder];
}

function missingCode(role: Role): string {
  return role === 'checkpoint' ? 'checkpoint-missing' : 'dataset-missing';
}

async function resolveOne(context: Context, value: SourceValue<string>, role: Role): Promise<Resolved | undefined> {
  const { findings } = context;
  const expanded = expandReference(stripFileScheme(value.value), context.env, context.home);
  if (expanded.missing.length > 0) {
    findings.push(finding('config-invalid-value', 'error', value,
      `Environment variable ${expanded.missing.join(', ')} is not set, so ${value.keyPath} cannot be resolved. Set it before starting VS Code or the CLI, or write the path directly.`, role));
    return undefined;
  }
  const reference = expanded.text;
  const candidates = isAbsolute(reference) ? [reference] : bases(context).map((base) => resolvePath(base, reference));
  for (const candidate of candidates) {
    const found = await inspectPath(candidate);
    if (found) {
      checkWorkspace(context, value, found.path, role);
      reportFormat(context, value, found, role);
      return found;
    }
  }
  if (looksLikeHubId(reference)) {
    const type: HubRepoType = role === 'checkpoint' ? 'model' : 'dataset';
    const roots = hubCacheRoots(context.env, context.home, context.options.hfHome);
    const lookup = findHubSnapshot(reference, type, roots);
    if (lookup.snapshot) {
      const inner = await inspectFolder(lookup.snapshot);
      const resolved: Resolved = { ...inner, kind: 'hub-cache', hubId: reference };
      reportFormat(context, value, resolved, role);
      return resolved;
    }
    const where = lookup.searched.length > 0 ? lookup.searched[0]! : `${type}s--${reference.replace('/', '--')} in the Hugging Face cache`;
    findings.push(finding(missingCode(role), 'error', value,
      `'${reference}' is not a local path and is not in the local Hugging Face cache (looked for ${where}). ` +
      `TransferLens never downloads: run \`huggingface-cli download ${type === 'dataset' ? '--repo-type dataset ' : ''}${reference}\`, set HF_HOME to the cache that has it, or set ${value.keyPath} to a local ${role === 'checkpoint' ? 'model folder' : 'file'}.`,
      role, { hubId: reference, searched: lookup.searched }));
    return undefined;
  }
  const tried = candidates[0]!;
  findings.push(finding(missingCode(role), 'error', value,
    `${value.keyPath}: '${value.value}' does not exist (looked for ${tried}${candidates.length > 1 ? ` and ${candidates.slice(1).join(', ')}` : ''}). ` +
    `Fix the path; relative paths are resolved from ${context.config.pathBase === 'workspace' ? 'the workspace folder' : "the config file's folder"}.`,
    role, { tried: candidates }));
  return undefined;
}

function checkWorkspace(context: Context, value: SourceValue<string>, path: string, role: Role): void {
  const workspace = context.options.workspaceRoot;
  if (!workspace) return;
  const rel = relative(resolvePath(workspace), resolvePath(path));
  if (rel.startsWith('..') || isAbsolute(rel)) {
    context.findings.push(finding('path-outside-workspace', 'warning', value,
      `${value.keyPath} points outside the workspace (${path}). Results will not be reproducible for others who open this workspace; move the file into the workspace or disable this check with '# transferlens: disable=path-outside-workspace'.`,
      role));
  }
}

/** Findings about a format we cannot use, phrased as what to do instead. */
function reportFormat(context: Context, value: SourceValue<string>, resolved: Resolved, role: Role): void {
  const { findings, config } = context;
  const name = resolved.kind === 'hub-cache' ? resolved.hubId! : basename(resolved.path);
  if (resolved.problem) {
    findings.push(finding(role === 'checkpoint' ? 'checkpoint-invalid' : 'dataset-invalid', 'error', value, withRepo(resolved.problem, resolved), role));
    return;
  }
  if (role === 'checkpoint' && resolved.hf) {
    // Hugging Face folders: weights missing, unsupported model_type, damaged tokenizer.json (hfModel.ts).
    for (const f of hfCheckpointFindings(resolved, value.keyPath, !!config.featuresFile, HF_CHECKPOINT_FORMATS.includes('hf-pytorch'), isGenerativeConfig(config))) {
      findings.push(finding(f.code, f.severity, value, f.message, role, { ...(f.data ?? {}), format: resolved.format }));
    }
    if (resolved.format.startsWith('hf-') || resolved.format === 'onnx') return;
  }
  if (role === 'checkpoint') {
    if (RUNNABLE_CHECKPOINT_FORMATS.includes(resolved.format)) return;
    if (config.featuresFile) return; // the user supplies precomputed features: the checkpoint is not run
    const featuresHint =
      'or export the penultimate-layer features of your training inputs (one row per sample, same order as the dataset) to a .npy and set features_file: path/to/features.npy.';
    const how: Partial<Record<ResolvedFormat, string>> = {
      pytorch: `${name} is a PyTorch checkpoint, which cannot run here. Convert it (PyTorch → ONNX → TF.js with tensorflowjs_converter) and point ${value.keyPath} at model.json, ${featuresHint}`,
      safetensors: safetensorsFileInModelFolder(resolved, value.keyPath) ?? `${name} holds safetensors weights but no config.json, so nothing says which architecture they belong to. Put the config.json saved with them beside them (save_pretrained writes it; \`huggingface-cli download ORG/NAME config.json\` fetches it) and point ${value.keyPath} at that folder, ${featuresHint}`,
      onnx: `${name} is an ONNX model, which cannot run here yet. Convert it to TF.js (onnx-tf, then tensorflowjs_converter) ${featuresHint}`,
      keras: `${name} is a Keras model file. Convert it with \`tensorflowjs_converter --input_format keras ${name} out/\` and point ${value.keyPath} at out/model.json, ${featuresHint}`,
      unknown: `${name} is not a model TransferLens recognises (expected a TF.js model.json or a folder containing one). Point ${value.keyPath} at model.json, ${featuresHint}`,
    };
    findings.push(finding('checkpoint-unsupported', 'warning', value, how[resolved.format] ?? how.unknown!, role, { format: resolved.format }));
    return;
  }
  if (role === 'features') {
    if (READABLE_FEATURE_FORMATS.includes(resolved.format)) return;
    findings.push(finding('dataset-unsupported', 'warning', value,
      `${name} is not a features file TransferLens reads. Save the features as a 2-D float array in .npy (numpy.save), .npz or safetensors.`, role, { format: resolved.format }));
    return;
  }
  if (READABLE_DATASET_FORMATS.includes(resolved.format)) return;
  const hint: Partial<Record<ResolvedFormat, string>> = {
    npz: `${name} is .npz; as a dataset use a CSV/JSONL with a label column, or set features_file to this file and keep the labels in the dataset.`,
  };
  findings.push(finding('dataset-unsupported', 'warning', value,
    hint[resolved.format] ?? `${name} is not a dataset format TransferLens reads (CSV, JSONL, .npy, Parquet, Arrow/Feather, a Hugging Face save_to_disk folder, or an image folder with one subfolder per class). Convert it to one of those.`,
    role, { format: resolved.format }));
}

/**
 * LLaMA-Factory `dataset: name1,name2` → `<dataset_dir>/dataset_info.json` → `file_name`
 * (or `hf_hub_url`, looked up in the offline cache), for every name; each finding lands on
 * its name inside the value.
 */
async function resolveLlamaFactoryDatasets(context: Context, entries: readonly SourceValue<string>[]): Promise<ResolvedDatasetEntry[]> {
  // A single entry may still be written `name,` : its first name is the dataset.
  const names = entries.length > 1 ? entries : entries.flatMap((entry) => {
    const first = entry.value.split(',').map((name) => name.trim()).find(Boolean);
    return first ? [{ ...entry, value: first }] : [];
  });
  if (names.length === 0) return [];
  const whole = context.config.dataset ?? names[0]!;
  const datasetDirValue = context.config.extras?.datasetDir as SourceValue<unknown> | undefined;
  const datasetDir = typeof datasetDirValue?.value === 'string' ? datasetDirValue.value : 'data';
  let infoPath: string | undefined;
  let info: Record<string, Record<string, unknown>> | undefined;
  const tried: string[] = [];
  for (const base of bases(context)) {
    const candidate = join(resolvePath(base, expandReference(datasetDir, context.env, context.home).text), 'dataset_info.json');
    tried.push(candidate);
    try {
      info = JSON.parse(await readFile(candidate, 'utf8')) as Record<string, Record<string, unknown>>;
      infoPath = candidate;
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        const listed = names.map((n) => `'${n.value}'`).join(', ');
        context.findings.push(finding('dataset-invalid', 'error', whole, `${candidate} is not valid JSON (${(error as Error).message}); fix it so dataset ${listed} can be looked up.`, 'dataset'));
        return names.map((reference, index) => ({ reference, index }));
      }
    }
  }
  if (!info || !infoPath) {
    // A dataset given as a path still works (some users write a file directly).
    const registered = names.filter((n) => !/[./\\]/.test(n.value));
    if (registered.length > 0) {
      const at = registered.length === 1 ? registered[0]! : whole;
      const listed = registered.map((n) => `'${n.value}'`).join(', ');
      context.findings.push(finding('dataset-missing', 'error', at,
        `Dataset${registered.length === 1 ? '' : 's'} ${listed} need${registered.length === 1 ? 's' : ''} ${tried[0]} (LLaMA-Factory's dataset registry), which does not exist. Set dataset_dir to the folder holding dataset_info.json.`, 'dataset'));
    }
    return resolveDatasetList(context, names, async (value) => (/[./\\]/.test(value.value) ? resolveOne(context, value, 'dataset') : undefined));
  }
  const registry = { info, infoPath };
  return resolveDatasetList(context, names, (value) => resolveLlamaFactoryName(context, value, registry));
}

async function resolveLlamaFactoryName(context: Context, value: SourceValue<string>, registry: { info: Record<string, Record<string, unknown>>; infoPath: string }): Promise<Resolved | undefined> {
  const { info, infoPath } = registry;
  const name = value.value;
  const entry = info[name];
  if (!entry || typeof entry !== 'object') {
    const defined = Object.keys(info).slice(0, 12).join(', ');
    context.findings.push(finding('dataset-missing', 'error', value,
      `Dataset '${name}' is not defined in ${infoPath} (defined: ${defined || 'none'}). Add an entry with "file_name", or fix the name.`, 'dataset', { defined: Object.keys(info) }));
    return undefined;
  }
  const folder = dirname(infoPath);
  const fileName = typeof entry.file_name === 'string' ? entry.file_name : undefined;
  if (fileName) {
    const path = resolvePath(folder, fileName);
    const found = await inspectPath(path);
    if (!found) {
      context.findings.push(finding('dataset-missing', 'error', value,
        `Dataset '${name}' points to ${path} (file_name in ${basename(infoPath)}), which does not exist. Fix file_name or add the file.`, 'dataset'));
      return undefined;
    }
    checkWorkspace(context, value, found.path, 'dataset');
    reportFormat(context, value, found, 'dataset');
    return { ...found, datasetInfo: datasetInfoEntry(name, infoPath, entry) };
  }
  const hubId = typeof entry.hf_hub_url === 'string' ? entry.hf_hub_url : undefined;
  if (hubId) return resolveOne(context, { ...value, value: hubId }, 'dataset');
  context.findings.push(finding('dataset-unsupported', 'warning', value,
    `Dataset '${name}' in ${basename(infoPath)} has no file_name or hf_hub_url that TransferLens can read offline. Add "file_name" pointing at a local CSV/JSONL.`, 'dataset'));
  return undefined;
}

/** The parts of a dataset_info.json entry that say how records become text (LLaMA-Factory's defaults when absent). */
function datasetInfoEntry(name: string, infoPath: string, entry: Record<string, unknown>): DatasetInfoEntry {
  const strings = (value: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    if (value && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
    return out;
  };
  return {
    name,
    infoPath,
    formatting: entry.formatting === 'sharegpt' ? 'sharegpt' : 'alpaca',
    columns: strings(entry.columns),
    tags: strings(entry.tags),
    ...(entry.ranking === true ? { ranking: true } : {}),
  };
}
