/**
 * The TF-IDF scratch arm as a practitioner trains it, for the text ground truth: the vectoriser
 * (vocabulary, IDF) is fitted on the n training texts only — exactly `tfidfMatrix(train)` of
 * src/core/analysis/tfidf.ts, the matrix the tool builds from the user's n rows — and held-out
 * texts are transformed with that vocabulary and IDF (scikit-learn's fit / transform). The
 * transform re-derives the document frequencies from the training texts with the same term
 * extraction (callers may pass the held-out texts' terms precomputed: they do not depend on the
 * draw); `trainTestTfidf` checks on every call that re-transforming the training texts
 * reproduces tfidfMatrix's rows, so the two cannot drift apart silently.
 */
import { tfidfMatrix, wordTokens, type SparseRows } from '../../../src/core/analysis/tfidf';

const WORD_NGRAMS = [1, 2];
const CHAR_NGRAMS = [2, 3, 4];

export type Terms = { word: Map<string, number>; char: Map<string, number> };

export function termsOf(text: string): Terms {
  const word = new Map<string, number>();
  const char = new Map<string, number>();
  const add = (m: Map<string, number>, t: string) => m.set(t, (m.get(t) ?? 0) + 1);
  const tokens = wordTokens(text);
  for (const n of WORD_NGRAMS) for (let i = 0; i + n <= tokens.length; i++) add(word, tokens.slice(i, i + n).join(' '));
  for (const token of tokens) {
    const padded = ` ${token} `;
    for (const n of CHAR_NGRAMS) for (let i = 0; i + n <= padded.length; i++) add(char, padded.slice(i, i + n));
  }
  return { word, char };
}

/** Rows [train; test] in one CSR matrix: train rows = tfidfMatrix(train), test rows transformed. */
export function trainTestTfidf(train: readonly string[], test: readonly string[] | readonly Terms[]): SparseRows {
  const fitted = tfidfMatrix(train);
  const column = new Map<string, number>();
  fitted.vocabulary.forEach((t, j) => column.set(t, j));
  const df = new Float64Array(fitted.cols);
  const trainTerms = train.map(termsOf);
  for (const d of trainTerms) {
    for (const t of d.word.keys()) {
      const j = column.get(`word:${t}`);
      if (j !== undefined) df[j]++;
    }
    for (const t of d.char.keys()) {
      const j = column.get(`char:${t}`);
      if (j !== undefined) df[j]++;
    }
  }
  const n = train.length;
  const idf = Float64Array.from(df, (c) => Math.log((1 + n) / (1 + c)) + 1);
  const isChar = fitted.vocabulary.map((t) => t.startsWith('char:'));
  const rowOf = (d: { word: Map<string, number>; char: Map<string, number> }): [number, number][] => {
    const entries: [number, number][] = [];
    for (const [t, tf] of d.word) {
      const j = column.get(`word:${t}`);
      if (j !== undefined) entries.push([j, (1 + Math.log(tf)) * idf[j]!]);
    }
    for (const [t, tf] of d.char) {
      const j = column.get(`char:${t}`);
      if (j !== undefined) entries.push([j, (1 + Math.log(tf)) * idf[j]!]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    const norms = [0, 0];
    for (const [j, v] of entries) norms[isChar[j] ? 1 : 0]! += v * v;
    const present = norms.filter((s) => s > 0).length;
    return entries.map(([j, v]) => [j, v / Math.sqrt(norms[isChar[j] ? 1 : 0]!) / Math.sqrt(Math.max(1, present))]);
  };
  // The consistency check: the transform of the first training texts equals tfidfMatrix's rows.
  for (let i = 0; i < Math.min(3, n); i++) {
    const mine = rowOf(trainTerms[i]!);
    const start = fitted.indptr[i]!;
    const count = fitted.indptr[i + 1]! - start;
    const same = mine.length === count && mine.every(([j, v], k) => fitted.indices[start + k] === j && Math.abs(fitted.values[start + k]! - v) < 1e-9);
    if (!same) throw new Error('trainTestTfidf: the transform no longer reproduces tfidfMatrix (src/core/analysis/tfidf.ts changed): update bench/groundtruth/text/vectorize.ts');
  }
  const indptr = new Int32Array(n + test.length + 1);
  indptr.set(fitted.indptr);
  const indices: number[] = Array.from(fitted.indices);
  const values: number[] = Array.from(fitted.values);
  test.forEach((item: string | Terms, k: number) => {
    for (const [j, v] of rowOf(typeof item === 'string' ? termsOf(item) : item)) {
      indices.push(j);
      values.push(v);
    }
    indptr[n + k + 1] = indices.length;
  });
  return { rows: n + test.length, cols: fitted.cols, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) };
}
