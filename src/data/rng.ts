// src/data/rng.ts — the seeded generator behind shuffle / trainTestSplit. HF uses numpy's PCG64
// (np.random.default_rng(seed).permutation); we use xoshiro128** seeded through splitmix32, so a
// seed gives the same order on every platform and run, but not numpy's order.

function splitmix32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/**
 * xoshiro128** (Blackman & Vigna): 32-bit outputs, period 2^128 - 1. Seeds are non-negative
 * safe integers; both 32-bit halves of the seed feed the state.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const sm = splitmix32(lo ^ Math.imul(hi, 0x85ebca6b));
    this.s0 = sm();
    this.s1 = sm() ^ hi;
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform integer in [0, n), n <= 2^32, without modulo bias (rejection sampling). */
  int(n: number): number {
    if (!(n >= 1 && n <= 2 ** 32)) throw new RangeError(`Rng.int: n must be in [1, 2^32], got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  float(): number {
    return this.nextU32() / 2 ** 32;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates from the end). */
export function permutation(n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** A fresh seed when the caller gave none (then the result is not reproducible, as in HF). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
