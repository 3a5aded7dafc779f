/** Shared fixtures for the report tests: the example AnalysisReports and a deep-copy helper to vary them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisReport } from '../../../src/core/model/analysis';

const fixtureDirectory = join(__dirname, '..', '..', 'fixtures', 'reports');

/** Synthetic fixtures (generate.mjs) and the bundled examples' real reports (generate-examples.mjs). */
export type FixtureName = 'helps' | 'hurts' | 'failed' | 'example-helps' | 'example-hurts';
export const ALL_FIXTURES: readonly FixtureName[] = ['helps', 'hurts', 'failed', 'example-helps', 'example-hurts'];

export function loadFixture(name: FixtureName): AnalysisReport {
  return JSON.parse(readFileSync(join(fixtureDirectory, `${name}.json`), 'utf8')) as AnalysisReport;
}

/** A mutable deep copy, for tests that remove or alter one field. */
export function mutable(report: AnalysisReport): any {
  return JSON.parse(JSON.stringify(report));
}
