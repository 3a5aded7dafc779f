/**
 * IEEE half-precision (float16) and bfloat16 conversion, needed to read float16 .npy files,
 * F16/BF16 safetensors and float16-quantised TF.js weights, and to write fixtures.
 */

/** Decodes the 16 bits of an IEEE 754 binary16 value. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Encodes a number as binary16 bits, rounding to nearest even (overflow → ±∞). */
export function numberToFloat16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return sign | 0x7c00;
  if (magnitude < 2 ** -24 / 2) return sign; // rounds to zero
  if (magnitude < 2 ** -14) {
    // subnormal: fraction counts units of 2^-24
    return sign | roundHalfEven(magnitude / 2 ** -24);
  }
  let exponent = Math.floor(Math.log2(magnitude));
  // log2 may be off by one at exact powers of two because of rounding.
  if (2 ** exponent > magnitude) exponent--;
  if (2 ** (exponent + 1) <= magnitude) exponent++;
  let fraction = roundHalfEven((magnitude / 2 ** exponent - 1) * 1024);
  if (fraction === 1024) {
    fraction = 0;
    exponent++;
  }
  if (exponent > 15) return sign | 0x7c00;
  return sign | ((exponent + 15) << 10) | fraction;
}

/** Decodes bfloat16 bits: the top half of a float32. */
export function bfloat16ToNumber(bits: number): number {
  scratchUint32[0] = (bits & 0xffff) << 16;
  return scratchFloat32[0]!;
}

const scratchBuffer = new ArrayBuffer(4);
const scratchUint32 = new Uint32Array(scratchBuffer);
const scratchFloat32 = new Float32Array(scratchBuffer);

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
