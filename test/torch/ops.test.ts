// ops.test.ts — forward and gradient parity with PyTorch for every op family.  Each case of
// test/fixtures/torch/ops.json (inputs, PyTorch's outputs, and the gradients of
// loss = sum_i sum(out_i * w_i)) is run through the TS table in ./ops-cases/ and compared.
// Regenerate the fixture with /usr/bin/python3 scripts/fixtures/gen_torch_ops.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import type { DType, Tensor } from '../../src/torch/index.js';
import { assertClose, readJson } from '../helpers.js';
import { CASES, type Inputs } from './ops-cases/index.js';

interface JTensor { shape: number[]; dtype: DType; data: (number | string | boolean)[]; requires_grad?: boolean }
interface JCase { name: string; inputs: JTensor[]; output: JTensor[]; weight: (JTensor | null)[] | null; grads: (JTensor | null)[] | null }
const fixture = readJson<{ torch_version: string; cases: JCase[] }>('test/fixtures/torch/ops.json');

// Tolerances.  The addon and Debian's python3-torch link the same libtorch, so most results are
// bit-identical; what remains is a different but equivalent op order in a composite (e.g. a
// norm or SDPA assembled from several kernels), a few ulps: float64 1e-10 relative (+1e-12
// absolute for results that cancel to ~0); float32 1e-5 relative + 1e-6 absolute (ulp 6e-8,
// and a reduction may sum in another order).
const TOL: Partial<Record<DType, { rtol: number; atol: number }>> = {
  float64: { rtol: 1e-10, atol: 1e-12 },
  float32: { rtol: 1e-5, atol: 1e-6 },
};

function num(v: number | string | boolean): number {
  if (typeof v === 'number') return v;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new TypeError(`bad fixture value ${String(v)}`);
}

/** Builds a fixture tensor from its flat data (one copy through a typed array). */
function build(j: JTensor): Tensor {
  const opts = { shape: j.shape, dtype: j.dtype, requiresGrad: j.requires_grad ?? false };
  switch (j.dtype) {
    case 'int64': return torch.tensor(BigInt64Array.from(j.data, (v) => BigInt(num(v))), opts);
    case 'int32': return torch.tensor(Int32Array.from(j.data, num), opts);
    case 'bool': return torch.tensor(Uint8Array.from(j.data, (v) => (v ? 1 : 0)), opts);
    default: return torch.tensor(Float64Array.from(j.data, num), opts);
  }
}

function compare(actual: Tensor | null | undefined, expected: JTensor, what: string): void {
  assert.ok(actual, `${what}: missing`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  const tol = TOL[expected.dtype];
  if (tol) {
    assertClose(actual, Float64Array.from(expected.data, num), { ...tol, msg: what });
  } else {
    // Integers and booleans: exact.
    const got = Array.from(actual.toTypedArray() as ArrayLike<number | bigint>, (v) => Number(v));
    assert.deepEqual(got, expected.data.map((v) => (typeof v === 'boolean' ? Number(v) : num(v))), `${what}: values`);
  }
}

function runCase(c: JCase): void {
  const fn = CASES.get(c.name);
  assert.ok(fn, `${c.name}: no TS implementation in test/torch/ops-cases/`);
  torch.tidy(() => {
    const inputs = c.inputs.map(build);
    const result = fn(inputs as Inputs);
    const outs = Array.isArray(result) ? result : [result];
    assert.equal(outs.length, c.output.length, `${c.name}: number of outputs`);
    outs.forEach((o, k) => compare(o, c.output[k]!, `${c.name} output ${k}`));
    if (!c.grads) return;
    // loss = sum_k sum(out_k * w_k) over the floating outputs, as in the generator.
    let loss: Tensor | null = null;
    outs.forEach((o, k) => {
      const w = c.weight?.[k];
      if (!w) return;
      const term = o.mul(build(w)).sum();
      loss = loss ? loss.add(term) : term;
    });
    assert.ok(loss, `${c.name}: no floating output to differentiate`);
    const withGrad = inputs.filter((_, k) => c.inputs[k]!.requires_grad);
    const grads = torch.autograd.grad(loss, withGrad, { allowUnused: true });
    let g = 0;
    c.grads.forEach((expected, k) => {
      if (!expected) return;
      const got = grads[g++] ?? torch.zerosLike(inputs[k]!); // unused input: PyTorch's None, recorded as zeros
      compare(got, expected, `${c.name} grad of input ${k}`);
    });
  });
}

const start = torch.liveTensorCount();

test('fixture and TS table list the same cases', () => {
  const inFixture = new Set(fixture.cases.map((c) => c.name));
  const missing = [...inFixture].filter((n) => !CASES.has(n));
  const extra = [...CASES.keys()].filter((n) => !inFixture.has(n));
  assert.deepEqual(missing, [], `cases in ops.json without a TS implementation`);
  assert.deepEqual(extra, [], `TS cases that ops.json does not have (regenerate it?)`);
  assert.equal(inFixture.size, fixture.cases.length, 'duplicate case names in ops.json');
});

for (const c of fixture.cases) {
  test(c.name, () => {
    const before = torch.liveTensorCount();
    runCase(c);
    assert.equal(torch.liveTensorCount(), before, `${c.name}: leaked tensors`);
  });
}

test('no tensor leaked across all cases', () => {
  assert.equal(torch.liveTensorCount(), start);
});
