// Seeded pseudo-random numbers for everything in fairshrink that must be reproducible
// (splits, shuffles, bootstrap resamples, random pruning, calibration subsets).
// Pure: no imports, so workflow code and core/ alike may use it.
//
// Generator: xoshiro128** (Blackman & Vigna 2018, https://prng.di.unimi.it/), state seeded
// by splitmix32 so that nearby seeds give unrelated streams.

export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n). Unbiased (rejection sampling). */
  nextInt(n: number): number;
  /** Standard normal deviate (Box–Muller). */
  normal(): number;
  /** The generator's state now, to continue the same stream elsewhere (createRng(seed, state), e.g. in a worker thread). */
  saveState(): RngState;
}

/** xoshiro128**'s four state words and a pending second normal deviate, if any. */
export interface RngState {
  words: [number, number, number, number];
  spareNormal?: number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A generator seeded with `seed`, or continuing from a saved state (the seed is then ignored). */
export function createRng(seed: number, from?: RngState): Rng {
  if (!Number.isInteger(seed)) throw new Error(`createRng: seed must be an integer, got ${seed}`);
  // The state lives in a typed array: kept in closure variables, uint32 values above 2^31 were boxed
  // as heap numbers on every update, which made each draw ~10× slower. The arithmetic is the same.
  const s = new Int32Array(4);
  if (from === undefined) {
    const init = splitmix32(seed);
    for (let k = 0; k < 4; k++) s[k] = init();
    if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1;
  } else {
    s.set(from.words);
  }

  const nextUint32 = (): number => {
    const s0 = s[0]!;
    const s1 = s[1]!;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0; // rotl(s1·5, 7)·9
    const t = s1 << 9;
    const s2 = s[2]! ^ s0;
    const s3 = s[3]! ^ s1;
    s[1] = s1 ^ s2;
    s[0] = s0 ^ s3;
    s[2] = s2 ^ t;
    s[3] = (s3 << 11) | (s3 >>> 21); // rotl(s3, 11)
    return result;
  };
  const next = (): number => nextUint32() / 4294967296;
  const nextInt = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296)
      throw new Error(`nextInt: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = nextUint32();
      if (x < limit) return x % n;
    }
  };
  let spareNormal: number | undefined = from?.spareNormal;
  const normal = (): number => {
    if (spareNormal !== undefined) {
      const v = spareNormal;
      spareNormal = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  const saveState = (): RngState => ({
    words: [s[0]!, s[1]!, s[2]!, s[3]!],
    ...(spareNormal === undefined ? {} : { spareNormal }),
  });
  return { nextUint32, next, nextInt, normal, saveState };
}

/** Fisher–Yates shuffle in place; returns the same array. */
export function shuffleInPlace<T>(items: T[] | Int32Array | Uint32Array | Float32Array, rng: Rng): typeof items {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}
