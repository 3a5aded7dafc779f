/** Types of the one hyparquet-compressors module imported directly (the package types only its index). */
declare module 'hyparquet-compressors/src/lz4.js' {
  /** Hadoop-framed LZ4 (Parquet codec LZ4), falling back to raw blocks. */
  export function decompressLz4(input: Uint8Array, outputLength: number): Uint8Array;
  /** Raw LZ4 block (Parquet codec LZ4_RAW). */
  export function decompressLz4Raw(input: Uint8Array, outputLength: number): Uint8Array;
}
