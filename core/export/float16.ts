// IEEE 754 binary16 bit patterns for values that binary16 represents exactly (sparse-int8 stores a layer's scales
// as float16 only when every one of them round-trips unchanged, so no prediction moves; core/compression's
// quantizer rounds its scales up to binary16 values, so in practice every layer's scales qualify).
import { roundToFloat16 } from '../compression/quantize.ts';

/** Whether `x` is a finite float16 value (converting it to binary16 and back gives `x` itself). */
export function isExactFloat16(x: number): boolean {
  return Number.isFinite(x) && roundToFloat16(x) === x && !Object.is(x, -0);
}

/** The binary16 bits of an exactly representable, finite, non-negative-zero-free value. */
export function float16Bits(x: number): number {
  if (!isExactFloat16(x)) throw new Error(`float16Bits: ${x} is not exactly representable in binary16`);
  if (x === 0) return 0;
  const sign = x < 0 ? 0x8000 : 0;
  const a = Math.abs(x);
  const exponent = Math.floor(Math.log2(a));
  if (exponent < -14) return sign | Math.round(a / 2 ** -24); // Subnormal: multiples of 2^-24.
  return sign | ((exponent + 15) << 10) | Math.round((a / 2 ** exponent - 1) * 1024);
}

export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
