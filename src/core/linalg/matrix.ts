/**
 * Dense row-major float64 matrices: the numeric currency of the core. Metrics and the analysis
 * take `Matrix` values (rows = samples, cols = features) and return plain numbers.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major, length rows × cols. */
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`matrix: invalid shape ${rows}×${cols}`);
  }
  const d = new Float64Array(rows * cols);
  if (data) {
    if (data.length !== rows * cols) {
      throw new RangeError(`matrix: data has ${data.length} values, shape ${rows}×${cols} needs ${rows * cols}`);
    }
    d.set(data);
  }
  return { rows, cols, data: d };
}

export function fromRows(rowsArr: readonly (readonly number[])[]): Matrix {
  const rows = rowsArr.length;
  const cols = rows ? rowsArr[0]!.length : 0;
  const m = matrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    const r = rowsArr[i]!;
    if (r.length !== cols) throw new RangeError(`fromRows: row ${i} has ${r.length} values, expected ${cols}`);
    m.data.set(r, i * cols);
  }
  return m;
}

export function get(m: Matrix, i: number, j: number): number {
  return m.data[i * m.cols + j]!;
}

/** Rows selected by index (copy). */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = matrix(indices.length, m.cols);
  for (let r = 0; r < indices.length; r++) {
    const src = indices[r]! * m.cols;
    out.data.set(m.data.subarray(src, src + m.cols), r * m.cols);
  }
  return out;
}

/** Throws a RangeError naming `what` when any value is NaN or ±∞. */
export function assertFinite(m: Matrix | ArrayLike<number>, what: string): void {
  const d = 'data' in m ? m.data : m;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      throw new RangeError(`${what} contains a non-finite value (${d[i]}) at flat index ${i}`);
    }
  }
}
