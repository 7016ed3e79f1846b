// test/helpers.ts — numeric assertions shared by the tests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../src/torch/index.js';

export type Numeric = Tensor | ArrayLike<number> | number;

function flatten(x: Numeric): Float64Array {
  if (typeof x === 'number') return Float64Array.of(x);
  if (x instanceof Tensor) {
    const t = x.to('float64');
    const a = new Float64Array(t.toTypedArray() as Float64Array);
    t.dispose();
    return a;
  }
  return Float64Array.from(x as ArrayLike<number>);
}

/**
 * |a - b| <= atol + rtol * |b| elementwise (b = expected).  On failure reports the worst
 * element's index, both values and the max abs difference.
 */
export function assertClose(actual: Numeric, expected: Numeric, opts: { rtol?: number; atol?: number; msg?: string } = {}): void {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-8;
  const a = flatten(actual);
  const b = flatten(expected);
  assert.equal(a.length, b.length, `${opts.msg ?? ''} length ${a.length} != expected ${b.length}`);
  let worst = -1;
  let worstExcess = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!, bi = b[i]!;
    if (Number.isNaN(bi) && Number.isNaN(ai)) continue;
    if (ai === bi) continue; // covers matching infinities
    const d = Math.abs(ai - bi);
    maxDiff = Math.max(maxDiff, Number.isNaN(d) ? Infinity : d);
    const excess = Number.isNaN(d) ? Infinity : d - (atol + rtol * Math.abs(bi));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0)
    assert.fail(`${opts.msg ?? 'assertClose'}: element ${worst}: got ${a[worst]}, expected ${b[worst]} ` +
      `(max |diff| ${maxDiff.toExponential(3)}, rtol ${rtol}, atol ${atol}, n=${a.length})`);
}

/** Reads a JSON fixture relative to the repository root. */
export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')) as T;
}

/**
 * The shared data/fixtures folder: $TUNEKIT_SHARED, else `../shared` beside the repository
 * (where CI puts it next to a fresh clone).
 */
export function sharedDir(...parts: string[]): string {
  const base = process.env.TUNEKIT_SHARED ?? fileURLToPath(new URL('../../shared', import.meta.url));
  return join(base, ...parts);
}

/**
 * liveTensorCount() once the garbage collector has run and its finalizers have released what it
 * found (tests run with --expose-gc): a count that does not depend on when V8 chose to collect.
 */
export async function settledLiveTensorCount(count: () => number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
  return count();
}
