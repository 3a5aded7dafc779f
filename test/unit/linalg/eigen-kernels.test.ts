/**
 * Tests of the tridiagonalisation kernels: the WebAssembly SIMD kernels must give the same
 * decomposition as the JavaScript loops (to rounding) on sizes that exercise the odd/even row
 * tails, and a known spectrum must come out of the WebAssembly path at the sizes LogME uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../../src/core/linalg/matrix';
import { symmetricEigen, symmetricEigenProjected, webassemblyKernelsAvailable } from '../../../src/core/linalg/eigen';
import { gram, matMul, transpose } from '../../../src/core/linalg/products';
import { assertClose, randomMatrix, randomOrthogonal } from './helpers';

test('WebAssembly SIMD kernels load in Node', () => {
  assert.equal(webassemblyKernelsAvailable(), true);
});

test('WebAssembly and JavaScript kernels agree (odd and even sizes, projections included)', () => {
  for (const n of [3, 4, 7, 8, 65, 130]) {
    const a = gram(randomMatrix(n + 5, n, n));
    const b = randomMatrix(n, 3, 100 + n);
    const js = symmetricEigenProjected(a, b, { kernels: 'javascript' });
    const wasm = symmetricEigenProjected(a, b, { kernels: 'webassembly' });
    const scale = Math.abs(js.values[0]!);
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(js.values[i]! - wasm.values[i]!) <= 1e-12 * scale, `n=${n} value ${i}: ${js.values[i]} vs ${wasm.values[i]}`);
    }
    // Projections are defined up to the sign of each eigenvector; compare |·| for well-separated values.
    for (let i = 0; i < n; i++) {
      const gapBelow = i + 1 < n ? js.values[i]! - js.values[i + 1]! : Infinity;
      const gapAbove = i > 0 ? js.values[i - 1]! - js.values[i]! : Infinity;
      if (Math.min(gapBelow, gapAbove) < 1e-6 * scale) continue;
      for (let c = 0; c < 3; c++) {
        const x = Math.abs(js.projections.data[i * 3 + c]!);
        const y = Math.abs(wasm.projections.data[i * 3 + c]!);
        assert.ok(Math.abs(x - y) <= 1e-8 * (1 + x), `n=${n} projection ${i},${c}: ${x} vs ${y}`);
      }
    }
  }
});

test('WebAssembly path recovers a chosen spectrum and reconstructs A at n = 200', () => {
  const n = 200;
  const q = randomOrthogonal(n, 7);
  const spectrum = Array.from({ length: n }, (_, i) => 10 / (1 + i) + (i % 3));
  const scaled = matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scaled.data[i * n + j] = q.data[i * n + j]! * spectrum[j]!;
  const a = matMul(scaled, transpose(q));
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a.data[i * n + j] = a.data[j * n + i]!;
  const { values, vectors } = symmetricEigen(a, { kernels: 'webassembly' });
  assertClose(values, [...spectrum].sort((x, y) => y - x), 1e-11, 'spectrum');
  // A·V = V·diag(values)
  const av = matMul(a, vectors);
  let worst = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    worst = Math.max(worst, Math.abs(av.data[i * n + j]! - vectors.data[i * n + j]! * values[j]!));
  }
  assert.ok(worst < 1e-11 * values[0]!, `residual ${worst}`);
});

test('columns that are already reduced (identity reflectors) between ordinary ones, both kernels', () => {
  // Block diagonal: 2×2 blocks [[c, 1], [1, c]] (eigenvalues c ± 1) interleaved with a dense block.
  const n = 90;
  const a = matrix(n, n);
  const spectrum: number[] = [];
  for (let b = 0; b < 20; b++) {
    const c = 3 + b;
    a.data[2 * b * n + 2 * b] = c;
    a.data[(2 * b + 1) * n + 2 * b + 1] = c;
    a.data[2 * b * n + 2 * b + 1] = 1;
    a.data[(2 * b + 1) * n + 2 * b] = 1;
    spectrum.push(c + 1, c - 1);
  }
  const dense = gram(randomMatrix(60, 50, 3));
  const denseValues = symmetricEigen(dense, { kernels: 'javascript' }).values;
  for (let i = 0; i < 50; i++) for (let j = 0; j < 50; j++) a.data[(40 + i) * n + 40 + j] = dense.data[i * 50 + j]!;
  spectrum.push(...denseValues);
  spectrum.sort((x, y) => y - x);
  for (const kernels of ['javascript', 'webassembly'] as const) {
    assertClose(symmetricEigen(a, { kernels }).values, spectrum, 1e-12, kernels);
  }
});
