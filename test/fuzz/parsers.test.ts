/**
 * CI-sized property-based fuzzing of the parsers (issue #9 §2): ~1,000 seeded cases per parser,
 * each must return or throw its typed error. The long run is `node --import tsx scripts/fuzz.ts`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzTargets, runTarget } from './properties';

const CI_RUNS = 1000;

for (const target of fuzzTargets()) {
  test(`fuzz ${target.name}: ${CI_RUNS} seeded cases, typed errors only`, () => {
    assert.equal(runTarget(target, CI_RUNS), undefined);
  });
}
