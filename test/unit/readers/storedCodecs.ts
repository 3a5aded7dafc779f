/**
 * Compressed frames built without a compressor (none is available offline for zstd): stored
 * blocks that any conforming decoder must accept. Shared by the Parquet and Arrow reader tests.
 */

/** zstd frame of raw (stored) blocks: valid zstd that any decoder must accept. */
export function zstdStored(input: Uint8Array): Uint8Array {
  const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0xa0, ...u32(input.length)]; // single segment, 4-byte content size
  const max = 1 << 17;
  for (let start = 0; start < input.length || start === 0; start += max) {
    const block = input.subarray(start, Math.min(input.length, start + max));
    const last = start + max >= input.length ? 1 : 0;
    const header = (block.length << 3) | last; // block type 0 = raw
    parts.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, ...block);
    if (input.length === 0) break;
  }
  return Uint8Array.from(parts);
}

function u32(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
}
