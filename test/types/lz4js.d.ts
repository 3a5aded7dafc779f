/** Types of lz4js (a dev dependency: the independent LZ4 frame encoder of the decoder's tests). */
declare module 'lz4js' {
  /** LZ4 frame of `src`. */
  export function compress(src: Uint8Array | ArrayLike<number>, maxSize?: number): Uint8Array;
  export function decompress(src: Uint8Array | ArrayLike<number>, maxSize?: number): Uint8Array;
}
