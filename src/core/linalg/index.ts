/**
 * The numeric linear algebra of the core, float64 throughout: products, symmetric
 * eigendecomposition, Cholesky-based solves, ridge regression and the thin SVD.
 */
export * from './matrix';
export * from './products';
export * from './eigen';
export * from './solve';
export * from './svd';
