/**
 * Fidelity of the simulated full fine-tune (src/node/textFineTune.ts) to the PyTorch fine-tune the
 * text ground truth trains (scripts/hf-fixtures/text_groundtruth_finetune.py): for each full case
 * and each of the first D draws, the tool's fine-tuning learner is trained on exactly the draw's n
 * training texts with the truth's recipe (AdamW at a constant 3e-4, weight decay 0.01, batch 16,
 * epochs clamp(⌈1600 / n⌉, 4, 30), mean pooling, 64 tokens) and tested on the same 1,000 held-out
 * texts; its error is printed next to PyTorch's on that draw (ft.json). Seeds differ (dropout,
 * batch order, head initialisation), so per-draw differences of a few points are run-to-run
 * variation; the means should agree within it.
 *
 *   npx tsx bench/groundtruth/text/run.ts --generate-only        # writes work/finetune/<case>.json
 *   npx tsx bench/groundtruth/text/finetune-fidelity.ts [--draws 5] [--only S] [--schedule linear]
 * Output: bench/groundtruth/text/published/finetune-fidelity.txt. `--schedule` trains the tool's
 * fine-tune with another lr_scheduler_type than the truth's constant one (how much the schedule
 * matters; output finetune-fidelity-<schedule>.txt).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../../src/node/backend';
import { loadTokenizer } from '../../../src/node/hf/tokenizer';
import { makeTarget, oneHot, perSampleLoss } from '../../../src/core/analysis/learners';
import { remapTokens, scratchTransformerLearner } from '../../../src/node/scratchTransformer';
import { fineTuneRecipe, fineTuneShape, loadPretrainedWeights } from '../../../src/node/textFineTune';

const HERE = __dirname;
const ROOT = join(HERE, '..', '..', '..');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Spec {
  id: string;
  checkpoint: string;
  task: 'classification' | 'regression';
  classNames: string[];
  test: { texts: string[]; labels: (string | number)[] };
  draws: { texts: string[]; labels: (string | number)[] }[];
  out: string;
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const drawCount = Number(option('--draws') ?? 5);
  const only = option('--only');
  const schedule = option('--schedule') ?? 'constant';
  const work = join(HERE, 'work', 'finetune');
  if (!existsSync(work)) throw new Error(`${work} does not exist: run bench/groundtruth/text/run.ts --generate-only first`);
  const lines: string[] = ['case                       draw  tool (TS, WASM)  PyTorch', ''];
  const summary: string[] = [];
  for (const file of readdirSync(work).filter((f) => f.endsWith('.json')).sort()) {
    const spec = JSON.parse(readFileSync(join(work, file), 'utf8')) as Spec;
    if (only && !spec.id.includes(only)) continue;
    if (spec.task !== 'classification') continue;
    const ftFile = join(ROOT, spec.out);
    if (!existsSync(ftFile)) continue;
    const torch = (JSON.parse(readFileSync(ftFile, 'utf8')) as { risks: number[] }).risks;
    const folder = join(ROOT, spec.checkpoint);
    const tokenizer = await loadTokenizer(folder);
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
    const shape = fineTuneShape(config)!;
    const n = spec.draws[0]!.texts.length;
    const epochs = Math.min(30, Math.max(4, Math.ceil(1600 / n)));
    const recipe = fineTuneRecipe({ learningRate: 3e-4, epochs, batchSize: 16, weightDecay: 0.01, lrScheduler: schedule }, 0.1);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let d = 0; d < Math.min(drawCount, spec.draws.length); d++) {
      const draw = spec.draws[d]!;
      const texts = [...draw.texts, ...spec.test.texts];
      const labels = [...draw.labels, ...spec.test.labels];
      const encoded = tokenizer.encodeBatch(texts);
      const encodings = encoded.inputIds.map((ids, r) => ({ ids: ids.filter((_, i) => encoded.attentionMask[r]![i] === 1).slice(0, 64) }));
      const classes = Int32Array.from(labels, (l) => spec.classNames.indexOf(String(l)));
      const target = makeTarget('classification', oneHot(classes, spec.classNames.length), classes, spec.classNames.length);
      const tokens = remapTokens(encodings, 64);
      const learner = scratchTransformerLearner(tokens, target, { id: 'transfer:full', shape, seed: d, recipe, pooling: 'mean', pretrained: () => loadPretrainedWeights(folder, config, shape, tokens, false) });
      const train = Int32Array.from({ length: n }, (_, i) => i);
      const test = Int32Array.from({ length: spec.test.texts.length }, (_, i) => n + i);
      const losses = perSampleLoss(target, test, await learner.fitPredict(train, test));
      const risk = losses.reduce((a, b) => a + b, 0) / losses.length;
      ours.push(risk);
      theirs.push(torch[d]!);
      const line = `${spec.id.padEnd(26)} ${String(d).padStart(4)}  ${risk.toFixed(3).padStart(15)}  ${torch[d]!.toFixed(3).padStart(7)}`;
      console.log(line);
      lines.push(line);
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const diffs = ours.map((v, i) => v - theirs[i]!);
    const sd = Math.sqrt(diffs.reduce((a, b) => a + (b - mean(diffs)) ** 2, 0) / Math.max(1, diffs.length - 1));
    const s = `${spec.id.padEnd(26)} mean over ${ours.length} draws: tool ${mean(ours).toFixed(3)}, PyTorch ${mean(theirs).toFixed(3)}, difference ${mean(diffs) >= 0 ? '+' : ''}${mean(diffs).toFixed(3)} ± ${(sd / Math.sqrt(diffs.length)).toFixed(3)} (SE)`;
    console.log(s);
    summary.push(s);
  }
  mkdirSync(join(HERE, 'published'), { recursive: true });
  writeFileSync(join(HERE, 'published', `finetune-fidelity${schedule === 'constant' ? '' : `-${schedule}`}${only ? '-partial' : ''}.txt`), [...lines, '', ...summary, ''].join('\n'));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
