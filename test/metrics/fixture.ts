// Shared by the metric tests: reads $shared/fixtures/hf/metrics/<name>.json (made with
// scikit-learn 1.2.1, scipy 1.10.1, seqeval 1.2.2 and evaluate's metric scripts 0.4.6) and
// compares outputs field by field.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertClose, sharedDir } from '../helpers.js';

/** A metric fixture file: cases with inputs and reference outputs. */
export interface MetricFixture<C> {
  metric: string;
  implementation: string;
  cases: (C & { name: string })[];
}

export function readMetricFixture<C>(name: string): MetricFixture<C> {
  const f = JSON.parse(readFileSync(sharedDir('fixtures', 'hf', 'metrics', `${name}.json`), 'utf8')) as MetricFixture<C>;
  assert.ok(f.cases.length > 0, `${name}.json has no cases`);
  return f;
}

// References are float64 Python; the ports follow the same formulas (numpy's pairwise sums
// included), so they agree to a few ulps — 1e-9 relative is the fixtures' documented bound.
export const TOL = { rtol: 1e-9, atol: 0 };

/**
 * Deep comparison: the same keys in the same order (Python dict order), numbers within TOL,
 * everything else equal.  Returns the number of numeric leaves compared.
 */
export function assertMatches(actual: unknown, expected: unknown, path: string): number {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${path}: expected a number, got ${JSON.stringify(actual)}`);
    assertClose(actual as number, expected, { ...TOL, msg: path });
    return 1;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    return expected.reduce((n: number, e, i) => n + assertMatches(actual[i], e, `${path}[${i}]`), 0);
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: expected an object, got ${JSON.stringify(actual)}`);
    assert.deepEqual(Object.keys(actual as object), Object.keys(expected), `${path}: keys`);
    let n = 0;
    for (const [k, v] of Object.entries(expected)) n += assertMatches((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return n;
  }
  assert.equal(actual, expected, path);
  return 0;
}

/** Collects warnings instead of printing them. */
export function collector(): { warnings: string[]; onWarning: (m: string) => void } {
  const warnings: string[] = [];
  return { warnings, onWarning: (m) => warnings.push(m) };
}
