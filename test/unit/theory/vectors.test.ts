/**
 * Every value of paper-test-vectors.md (summary tables and full grids A–E) reproduced by the
 * theory module to 1e-4. The markdown is parsed, not transcribed, so a changed vector fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  scratchRiskAsymptotic,
  linearTransferRiskAsymptotic,
  linearTransferGainAsymptotic,
  fineTuningGainPaper,
  fineTuningGain,
  noiseCorrectedScale,
  linearTransferNegativeInterval,
  linearTransferNegativeAbove,
  minimumNegativeTransferAngle,
  ridgeHeadRiskAsymptotic,
  ridgeHeadRiskFinite,
  fineTuningThresholdFiniteSource,
  fineTuningGainFiniteSource,
  linearTransferRiskFiniteSource,
  tunedRidgeScratchRisk,
  optimalRidgePenalty,
  scratchRiskFinite,
  linearTransferRiskFinite,
  linearTransferGainFinite,
  fineTuningRiskFinite,
  fineTuningGainFinite,
} from '../../../src/core/theory';
import { column, parseAngle, parseAssignments, parseNumber, parseTables, readVectorsFile, type MarkdownTable } from './markdownTables';

const TOLERANCE = 1e-4;
const tables = parseTables(readVectorsFile());

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOLERANCE, `${what}: got ${actual}, expected ${expected}`);
}

function tablesWithHeader(first: string[]): MarkdownTable[] {
  return tables.filter((t) => first.includes(t.header[0]!));
}

test('the vectors file parses into the expected tables', () => {
  assert.equal(tablesWithHeader(['γ', 'gamma']).length, 2);
  assert.equal(tables.filter((t) => t.header.some((h) => /negative for (γ|gamma) >/.test(h))).length, 2);
  assert.equal(tablesWithHeader(['d']).length, 2);
  assert.equal(tablesWithHeader(['quantity']).length, 2);
  assert.equal(tablesWithHeader(['lam']).length, 1);
});

test('asymptotic closed forms: summary table and grid A', () => {
  let checked = 0;
  for (const table of tablesWithHeader(['γ', 'gamma'])) {
    const verdictLt = table.header.indexOf('verdict LT');
    const verdictFt = table.header.indexOf('verdict FT');
    for (const row of table.rows) {
      const gamma = parseNumber(row[0]!);
      const cosTheta = Math.cos(parseAngle(row[1]!));
      const sigma = parseNumber(row[2]!);
      const noise = sigma * sigma;
      const label = `γ=${row[0]} θ=${row[1]} σ=${row[2]}`;
      close(scratchRiskAsymptotic(gamma, noise), parseNumber(row[3]!), `${label} R_sc`);
      close(linearTransferRiskAsymptotic(cosTheta), parseNumber(row[4]!), `${label} R_lt`);
      const tLt = linearTransferGainAsymptotic(gamma, cosTheta, noise);
      close(tLt, parseNumber(row[5]!), `${label} T_lt`);
      close(fineTuningGainPaper(gamma, cosTheta), parseNumber(row[6]!), `${label} T_ft paper`);
      const expectedC = parseNumber(row[7]!);
      const c = noiseCorrectedScale(gamma, noise);
      if (Number.isNaN(expectedC)) assert.equal(c, null, `${label} c undefined for γ ≥ 1`);
      else close(c!, expectedC, `${label} c`);
      const tFt = fineTuningGain(gamma, cosTheta, noise);
      close(tFt, parseNumber(row[8]!), `${label} T_ft with c`);
      const sign = (v: number): string => (Math.abs(v) < 1e-9 ? '0' : v > 0 ? '+' : '-');
      if (verdictLt >= 0) assert.equal(sign(tLt), row[verdictLt], `${label} verdict LT`);
      if (verdictFt >= 0) assert.equal(sign(tFt), row[verdictFt], `${label} verdict FT`);
      checked++;
    }
  }
  assert.equal(checked, 17 + 94);
});

test('sign boundaries of linear transfer: summary table and grid B', () => {
  let checked = 0;
  for (const table of tables.filter((t) => t.header.some((h) => /negative for (γ|gamma) >/.test(h)))) {
    const thetaColumn = column(table, (h) => h === 'θ' || h === 'theta');
    const sigmaColumn = column(table, (h) => h === 'σ' || h === 'sigma');
    const intervalColumn = column(table, (h) => /interval|\(g-, g\+\)/.test(h));
    const aboveColumn = column(table, (h) => /negative for (γ|gamma) >/.test(h));
    const minimumColumn = table.header.findIndex((h) => h.startsWith('theta_min'));
    for (const row of table.rows) {
      const sigma = parseNumber(row[sigmaColumn]!);
      const thetaCell = row[thetaColumn]!;
      // "20° or 30°" lists two angles whose γ>1 boundaries are "1.3419 / 1.16";
      // "≤ 60°" means every angle up to 60°, checked on a sweep.
      const atMost = /^≤\s*(.*)$/.exec(thetaCell);
      const angles = atMost
        ? Array.from({ length: 61 }, (_, i) => (i * parseAngle(atMost[1]!)) / 60)
        : thetaCell.split(' or ').map(parseAngle);
      const aboveCells = row[aboveColumn]!.split('/').map((s) => s.trim());
      angles.forEach((theta, i) => {
        const cosTheta = Math.cos(theta);
        const label = `σ=${sigma} θ=${((theta * 180) / Math.PI).toFixed(2)}°`;
        const intervalCell = row[intervalColumn]!;
        const interval = linearTransferNegativeInterval(cosTheta, sigma * sigma);
        if (intervalCell === 'none') {
          assert.equal(interval, null, `${label} no negative window`);
        } else {
          const match = /^\(([\d.]+),\s*([\d.]+)\)$/.exec(intervalCell);
          assert.ok(match, `interval cell '${intervalCell}'`);
          assert.ok(interval, `${label} has a negative window`);
          close(interval.low, Number(match[1]), `${label} γ−`);
          close(interval.high, Number(match[2]), `${label} γ+`);
        }
        const aboveCell = aboveCells[Math.min(i, aboveCells.length - 1)]!;
        if (aboveCell !== '—') close(linearTransferNegativeAbove(cosTheta, sigma * sigma), parseNumber(aboveCell), `${label} γ>1 boundary`);
        if (minimumColumn >= 0) {
          // Printed in degrees with 2 decimals: compare to that printed precision.
          const printed = parseNumber(row[minimumColumn]!.replace(/\s*deg$/, ''));
          const degrees = (minimumNegativeTransferAngle(sigma * sigma) * 180) / Math.PI;
          assert.ok(Math.abs(degrees - printed) <= 0.005 + 1e-9, `${label} θ_min: got ${degrees}°, expected ${printed}°`);
        }
        checked++;
      });
    }
  }
  assert.ok(checked >= 8 + 24, `checked ${checked}`);
});

test('θ_min sentence: arccos(1 − σ) = 36.87° at σ = 0.2', () => {
  const text = readVectorsFile();
  const match = /θ_min = arccos\(1 − σ\) = (\d+\.\d+)° at σ = (\d+(?:\.\d+)?)/.exec(text);
  assert.ok(match);
  const sigma = Number(match[2]);
  const degrees = (minimumNegativeTransferAngle(sigma * sigma) * 180) / Math.PI;
  assert.ok(Math.abs(degrees - Number(match[1])) <= 0.005 + 1e-9, `θ_min: got ${degrees}°`);
});

test('finite-size exact expectations: summary table and grid C', () => {
  let checked = 0;
  for (const table of tablesWithHeader(['d'])) {
    for (const row of table.rows) {
      const dimension = parseNumber(row[0]!);
      const n = parseNumber(row[1]!);
      const cosTheta = Math.cos(parseAngle(row[2]!));
      const sigma = parseNumber(row[3]!);
      const noise = sigma * sigma;
      const label = `d=${dimension} n=${n} θ=${row[2]} σ=${sigma}`;
      const scratch = scratchRiskFinite(n, dimension, noise);
      close(scratch, parseNumber(row[4]!), `${label} R_sc`);
      close(linearTransferRiskFinite(n, cosTheta, noise), parseNumber(row[5]!), `${label} R_lt`);
      close(linearTransferGainFinite(n, dimension, cosTheta, noise), parseNumber(row[6]!), `${label} T_lt`);
      const ftCell = row[7]!;
      const expectedFt = ftCell === '= R_sc' ? parseNumber(row[4]!) : parseNumber(ftCell);
      close(fineTuningRiskFinite(n, dimension, cosTheta, noise), expectedFt, `${label} R_ft`);
      close(fineTuningGainFinite(n, dimension, cosTheta), parseNumber(row[8]!), `${label} T_ft`);
      close(scratch - fineTuningRiskFinite(n, dimension, cosTheta, noise), parseNumber(row[8]!), `${label} R_sc − R_ft`);
      checked++;
    }
  }
  assert.equal(checked, 6 + 10);
});

test('grid D: ridge head, finite source, tuned-ridge scratch', () => {
  const table = tables.find((t) => t.header[0] === 'quantity' && t.title.startsWith('D.'));
  assert.ok(table);
  let checked = 0;
  for (const [quantity, parameterCell, valueCell] of table.rows) {
    const p = parseAssignments(parameterCell!);
    const value = parseNumber(valueCell!);
    const label = `${quantity} (${parameterCell})`;
    const num = (key: string): number => parseNumber(p.get(key)!);
    const cos = (): number => Math.cos(parseAngle(p.get('theta')!));
    if (quantity!.startsWith('R_lt asym')) close(ridgeHeadRiskAsymptotic(cos(), num('lam')), value, label);
    else if (quantity!.startsWith('R_lt finite-n ridge')) close(ridgeHeadRiskFinite(num('n'), cos(), num('sigma') ** 2, num('lam')), value, label);
    else if (quantity!.startsWith('cos theta*')) close(fineTuningThresholdFiniteSource(num('gamma_s'), num('sigma_s^2')), value, label);
    else if (quantity!.startsWith('T_ft finite source')) close(fineTuningGainFiniteSource(num('gamma_t'), num('gamma_s'), cos(), num('sigma_s^2')), value, label);
    else if (quantity!.startsWith('R_lt finite source')) close(linearTransferRiskFiniteSource(num('gamma_s'), cos(), num('sigma_s^2')), value, label);
    else if (quantity!.startsWith('optimally tuned ridge scratch')) {
      close(tunedRidgeScratchRisk(num('gamma'), num('sigma^2')), value, label);
      close(optimalRidgePenalty(num('gamma'), num('sigma^2')), num('lam*'), `${label} λ*`);
    } else assert.fail(`unrecognised quantity '${quantity}'`);
    checked++;
  }
  assert.equal(checked, 30);
});

test('table E: the finite-n ridge formula column', () => {
  const table = tablesWithHeader(['lam'])[0]!;
  const heading = /n=(\d+), theta=(pi\/\d+), sigma=([\d.]+)/.exec(table.title);
  assert.ok(heading, table.title);
  for (const row of table.rows) {
    const formula = ridgeHeadRiskFinite(Number(heading[1]), Math.cos(parseAngle(heading[2]!)), Number(heading[3]) ** 2, parseNumber(row[0]!));
    close(formula, parseNumber(row[2]!), `λ=${row[0]} formula`);
    // The published Monte Carlo mean must sit within 3 standard errors of the formula too.
    const mc = /^([\d.]+) \(([\d.]+)\)$/.exec(row[1]!);
    assert.ok(mc);
    assert.ok(Math.abs(Number(mc[1]) - formula) <= 3 * Number(mc[2]), `λ=${row[0]} MC within 3 se`);
  }
});

test('"Other values" summary table', () => {
  const table = tables.find((t) => t.header[0] === 'quantity' && t.title.startsWith('Other values'));
  assert.ok(table);
  const values = (cell: string): number[] => cell.split(/[,/]/).map((s) => parseNumber(s));
  let checked = 0;
  for (const [quantity, parameters, valueCell] of table.rows) {
    const expected = values(valueCell!);
    let actual: number[];
    if (quantity === 'ridge LT, n → ∞') {
      const match = /θ = (π\/\d+), λ = (.*)$/.exec(parameters!);
      assert.ok(match, parameters);
      actual = values(match[2]!).map((lambda) => ridgeHeadRiskAsymptotic(Math.cos(parseAngle(match[1]!)), lambda));
    } else if (quantity === 'finite-n ridge LT') {
      const match = /n = (\d+), θ = (π\/\d+), σ = ([\d.]+), λ = (.*)$/.exec(parameters!);
      assert.ok(match, parameters);
      actual = values(match[4]!).map((lambda) => ridgeHeadRiskFinite(Number(match[1]), Math.cos(parseAngle(match[2]!)), Number(match[3]) ** 2, lambda));
    } else if (quantity === 'cos θ* (finite source)') {
      const pairs = [...parameters!.split('=')[1]!.matchAll(/\(([\d.]+), ([\d.]+)\)/g)];
      actual = pairs.map((m) => fineTuningThresholdFiniteSource(Number(m[1]), Number(m[2])));
    } else if (quantity === 'tuned-ridge scratch R*') {
      const match = /σ² = ([\d.]+), γ = (.*)$/.exec(parameters!);
      assert.ok(match, parameters);
      actual = values(match[2]!).map((gamma) => tunedRidgeScratchRisk(gamma, Number(match[1])));
    } else {
      assert.fail(`unrecognised quantity '${quantity}'`);
    }
    assert.equal(actual.length, expected.length, `${quantity}: value count`);
    actual.forEach((v, i) => close(v, expected[i]!, `${quantity} #${i}`));
    checked += actual.length;
  }
  assert.equal(checked, 3 + 3 + 4 + 5 + 4 + 2);
});
