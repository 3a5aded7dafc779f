/** Shared fixtures for the report tests: the example AnalysisReports and a deep-copy helper to vary them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisReport } from '../../../src/core/model/analysis';

const fixtureDirectory = join(__dirname, '..', '..', 'fixtures', 'reports');

export function loadFixture(name: 'helps' | 'hurts' | 'failed'): AnalysisReport {
  return JSON.parse(readFileSync(join(fixtureDirectory, `${name}.json`), 'utf8')) as AnalysisReport;
}

/** A mutable deep copy, for tests that remove or alter one field. */
export function mutable(report: AnalysisReport): any {
  return JSON.parse(JSON.stringify(report));
}
