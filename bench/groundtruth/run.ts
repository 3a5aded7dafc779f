/**
 * Ground-truth benchmark entry point: generates the case folders (cached under
 * bench/groundtruth/cases/, seeded, regenerated only when missing or outdated) and scores the
 * real CLI plus naive baselines on them.
 *
 *   node --import tsx bench/groundtruth/run.ts [--quick] [--generate-only] [--score-only]
 *        [--force] [--cases DIR] [--cli dist/cli.js] [--timeout SECONDS] [--only SUBSTRING]
 *        [--replicate R]   (R > 0: an independent redraw of every case, in cases-rR/, results latest-rR.json)
 *        [--pool F]        (train.csv holds F·n rows, truth unchanged at n: cases-poolF/, latest-poolF.json)
 *
 * Run `npm run build` first so dist/cli.js exists; without it only the baselines are scored.
 */
import { existsSync, readFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend } from '../../src/node/backend';
import { benchmarkCases } from './cases';
import { generateCase, setPoolFactor, setReplicate, writeCaseConfig, TRUTH_SCHEMA, type Truth } from './generate';
import { scoreCases } from './score';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const replicate = Number(option('--replicate') ?? 0);
  setReplicate(replicate);
  const pool = Number(option('--pool') ?? 1);
  setPoolFactor(pool);
  const suffix = `${replicate ? `-r${replicate}` : ''}${pool > 1 ? `-pool${pool}` : ''}`;
  const casesDir = resolve(option('--cases') ?? join(__dirname, `cases${suffix}`));
  const only = option('--only');
  const specs = benchmarkCases(quick).filter((s) => !only || s.id.includes(only));
  mkdirSync(casesDir, { recursive: true });
  // Folders of cases no longer in the list (renamed specs) would only confuse readers: remove them.
  const known = new Set(benchmarkCases(false).map((s) => s.id));
  for (const name of readdirSync(casesDir)) {
    if (!known.has(name) && existsSync(join(casesDir, name, 'truth.json'))) rmSync(join(casesDir, name), { recursive: true });
  }

  if (!process.argv.includes('--score-only')) {
    const backend = await initBackend('wasm');
    console.log(`generating ${specs.length} cases into ${casesDir} (TF.js backend: ${backend.name})`);
    const started = Date.now();
    for (const [i, spec] of specs.entries()) {
      const folder = join(casesDir, spec.id);
      const truthFile = join(folder, 'truth.json');
      const fresh =
        !process.argv.includes('--force') &&
        existsSync(truthFile) &&
        existsSync(join(folder, 'config.yaml')) &&
        (JSON.parse(readFileSync(truthFile, 'utf8')) as Truth).schema === TRUTH_SCHEMA;
      if (fresh) continue;
      const truth = await generateCase(spec, folder);
      writeCaseConfig(spec, folder);
      console.log(
        `[${i + 1}/${specs.length}] ${spec.id}: gain ${truth.gainMean.toFixed(4)} ± ${truth.gainSE.toFixed(4)} → ${truth.trueSign}` +
          (truth.theoryGain !== undefined ? ` (theory ${truth.theoryGain.toFixed(4)})` : '') +
          ` [${truth.generationSeconds}s]`,
      );
    }
    console.log(`generation done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  if (!process.argv.includes('--generate-only')) {
    await scoreCases({
      casesDir,
      caseIds: specs.map((s) => s.id),
      cli: resolve(option('--cli') ?? 'dist/cli.js'),
      timeoutSeconds: Number(option('--timeout') ?? 180),
      resultsFile: join(__dirname, 'results', `${quick ? 'latest-quick' : 'latest'}${suffix}${option('--only') ? '-partial' : ''}.json`),
    });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
