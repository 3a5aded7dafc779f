/**
 * LZ4 frame decoding (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), for Arrow IPC
 * buffers compressed with LZ4_FRAME — pyarrow's Feather v2 default. Pure: bytes in, bytes out.
 *
 * Handles concatenated and skippable frames, linked and independent blocks, uncompressed blocks
 * and the optional content-size and checksum fields (checksums are skipped, not verified: the
 * Arrow reader checks the decoded lengths). Output is capped at `maxOutput` bytes so a crafted
 * frame cannot exhaust memory. Errors are `Lz4Error`s that say what is wrong.
 */

export class Lz4Error extends Error {
  override readonly name = 'Lz4Error';
}

const FRAME_MAGIC = 0x184d2204;

/** A growable output buffer (matches of linked blocks reach back into earlier blocks). */
class Output {
  buf: Uint8Array;
  len = 0;
  constructor(initial: number, private readonly max: number) {
    this.buf = new Uint8Array(Math.min(max, Math.max(1024, initial)));
  }
  /** Makes room for `extra` more bytes. */
  reserve(extra: number): void {
    const needed = this.len + extra;
    if (needed <= this.buf.length) return;
    if (needed > this.max) throw new Lz4Error(`LZ4 data decodes to more than ${this.max} bytes`);
    let size = this.buf.length;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(Math.min(size, this.max));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }
}

/** Decodes one or more LZ4 frames. */
export function decodeLz4Frames(input: Uint8Array, maxOutput = 1 << 30): Uint8Array {
  const out = new Output(input.length * 4, maxOutput);
  const u32 = (at: number) => {
    if (at + 4 > input.length) throw new Lz4Error('LZ4 frame is truncated');
    return (input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16) | (input[at + 3]! << 24)) >>> 0;
  };
  let i = 0;
  let frames = 0;
  while (i < input.length) {
    const magic = u32(i);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      i += 8 + u32(i + 4); // skippable frame
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new Lz4Error(frames ? 'bytes after the last LZ4 frame' : 'not an LZ4 frame (bad magic number)');
    frames++;
    i += 4;
    if (i + 3 > input.length) throw new Lz4Error('LZ4 frame is truncated');
    const flg = input[i]!;
    if (flg >> 6 !== 1) throw new Lz4Error(`unsupported LZ4 frame version ${flg >> 6}`);
    if (flg & 0x01) throw new Lz4Error('LZ4 frames with a dictionary are not supported');
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    i += 2 + (flg & 0x08 ? 8 : 0) + 1; // FLG, BD, content size, header checksum
    for (;;) {
      const word = u32(i);
      i += 4;
      if (word === 0) break; // end mark
      const size = word & 0x7fffffff;
      if (i + size > input.length) throw new Lz4Error('LZ4 block is truncated');
      if (word & 0x80000000) {
        out.reserve(size);
        out.buf.set(input.subarray(i, i + size), out.len);
        out.len += size;
      } else {
        decodeBlock(input, i, i + size, out);
      }
      i += size + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) i += 4;
    if (i > input.length) throw new Lz4Error('LZ4 frame is truncated');
  }
  if (frames === 0) throw new Lz4Error('no LZ4 frame');
  return out.buf.slice(0, out.len);
}

/** Reads an LZ4 length extension (bytes of 255 continue it). */
function extendedLength(input: Uint8Array, at: { i: number }, end: number, base: number, what: string): number {
  let value = base;
  let b: number;
  do {
    if (at.i >= end) throw new Lz4Error(`LZ4 block is truncated (${what})`);
    b = input[at.i++]!;
    value += b;
  } while (b === 255);
  return value;
}

/** Decodes one LZ4 block (sequences of literals + match) onto the end of `out`. */
function decodeBlock(input: Uint8Array, start: number, end: number, out: Output): void {
  const at = { i: start };
  while (at.i < end) {
    const token = input[at.i++]!;
    const literals = token >> 4 === 15 ? extendedLength(input, at, end, 15, 'literal length') : token >> 4;
    if (at.i + literals > end) throw new Lz4Error('LZ4 block is truncated (literals)');
    out.reserve(literals);
    out.buf.set(input.subarray(at.i, at.i + literals), out.len);
    out.len += literals;
    at.i += literals;
    if (at.i >= end) break; // the last sequence carries literals only
    if (at.i + 2 > end) throw new Lz4Error('LZ4 block is truncated (match offset)');
    const offset = input[at.i]! | (input[at.i + 1]! << 8);
    at.i += 2;
    if (offset === 0 || offset > out.len) throw new Lz4Error(`LZ4 match offset ${offset} points before the start of the data`);
    const match = (token & 15) === 15 ? extendedLength(input, at, end, 19, 'match length') : (token & 15) + 4;
    out.reserve(match);
    const buf = out.buf;
    let o = out.len;
    // Overlapping copies repeat the last `offset` bytes, so copy forward byte by byte.
    for (let k = 0; k < match; k++, o++) buf[o] = buf[o - offset]!;
    out.len = o;
  }
}
