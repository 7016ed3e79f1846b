// decode-kernels.test.ts — the addon's own loops for decode-step shapes (native/src/ops): argmax over
// the last dim of a float32 (R, V) matrix in either memory layout, and RMSNorm outside autograd. Each
// must give what libtorch's general path gives: argmax against libtorch's on the same values in
// float64 (a dtype the loop does not take), RMSNorm bit for bit the composite autograd path (a forward
// under noGrad equals the same forward with gradients) and close to a float64 reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';

const viaLibtorch = (x: torch.Tensor): number[] => x.double().argmax(-1).toArray() as number[];

test('argmax (R, V) float32: libtorch\'s answers, rows contiguous or columns contiguous', () => {
  torch.manualSeed(3);
  torch.tidy(() => {
    for (const [r, v] of [[1, 1], [1, 7], [3, 5], [8, 32128], [5, 1000]] as const) {
      const rows = torch.randn([r, v]);
      assert.deepEqual(rows.argmax(-1).toArray(), viaLibtorch(rows), `rows ${r}x${v}`);
      const cols = torch.randn([v, r]).transpose(0, 1); // (R, V) view, columns contiguous
      assert.equal(cols.isContiguous(), r === 1);
      assert.deepEqual(cols.argmax(-1).toArray(), viaLibtorch(cols), `columns ${r}x${v}`);
      assert.deepEqual(cols.argmax(1, true).shape, [r, 1]);
      assert.deepEqual(cols.argmax(1, true).reshape(-1).toArray(), viaLibtorch(cols));
    }
  });
});

test('argmax float32: ties pick the first maximum, a NaN is the maximum (the first NaN), -inf rows give 0', () => {
  torch.tidy(() => {
    const data = [
      [1, 3, 3, 2], // tie: 1
      [Number.NaN, 5, Number.NaN, 1], // NaN first: 0
      [0, 9, Number.NaN, Number.NaN], // first NaN: 2
      [-Infinity, -Infinity, -Infinity, -Infinity], // 0
      [2, -Infinity, 7, Infinity], // 3
      [-0, 0, -1, -2], // -0 == 0: 0
    ];
    const want = [1, 0, 2, 0, 3, 0];
    const rows = torch.tensor(data);
    assert.deepEqual(rows.argmax(-1).toArray(), want);
    assert.deepEqual(viaLibtorch(rows), want, 'libtorch agrees');
    const cols = rows.transpose(0, 1).contiguous().transpose(0, 1);
    assert.deepEqual(cols.argmax(-1).toArray(), want, 'columns contiguous');
  });
});

test('rmsNorm outside autograd equals the autograd composite bit for bit, and a float64 reference', () => {
  torch.manualSeed(4);
  torch.tidy(() => {
    for (const shape of [[8, 1, 256], [3, 5, 64], [1, 1], [4, 33]]) {
      const d = shape[shape.length - 1]!;
      const x = torch.randn(shape).mul(3), w = torch.randn([d]);
      const fast = torch.noGrad(() => torch.F.rmsNorm(x, w, 1e-6));
      const xg = x.detach().requiresGrad_(true);
      const composite = torch.F.rmsNorm(xg, w, 1e-6).detach();
      const x64 = x.double();
      const ref = x64.mul(x64.pow(2).mean(-1, true).add(1e-6).rsqrt()).mul(w.double());
      assert.equal(fast.sub(composite).abs().max().item(), 0, `composite ${shape}`);
      assertClose(fast.double(), ref, { rtol: 1e-6, atol: 1e-6, msg: `float64 ${shape}` });
      const noWeight = torch.noGrad(() => torch.F.rmsNorm(x, null, 1e-5));
      assert.equal(noWeight.sub(torch.F.rmsNorm(xg, null, 1e-5).detach()).abs().max().item(), 0, `no weight ${shape}`);
    }
  });
});

test('indexFill_: the given columns of every row, in place', () => {
  torch.tidy(() => {
    const t = torch.arange(0, 12).float().view(3, 4);
    const same = t.indexFill_(1, torch.tensor([3, 1], { dtype: 'int64' }), -Infinity);
    assert.equal(same, t);
    assert.deepEqual(t.toArray(), [[0, -Infinity, 2, -Infinity], [4, -Infinity, 6, -Infinity], [8, -Infinity, 10, -Infinity]]);
  });
});

test('topk (R, V) float32, small k: libtorch\'s values and indices; ties by index; NaN largest', () => {
  torch.manualSeed(6);
  torch.tidy(() => {
    for (const [r, v, k] of [[8, 4 * 32128, 8], [1, 7, 7], [3, 100, 1], [2, 1000, 64]] as const) {
      const x = torch.randn([r, v]);
      const got = x.topk(k, 1, true, true);
      const want = x.double().topk(k, 1, true, true); // libtorch's own path (float64 is not the loop's)
      assert.deepEqual(got.indices.toArray(), want.indices.toArray(), `indices ${r}x${v} k ${k}`);
      assert.deepEqual(got.values.toArray(), want.values.float().toArray(), `values ${r}x${v} k ${k}`);
    }
    const t = torch.tensor([[1, 5, 5, 3, 5, Number.NaN, -Infinity, Number.NaN]]);
    const { values, indices } = t.topk(5, -1);
    assert.deepEqual(indices.toArray(), [[5, 7, 1, 2, 4]]);
    assert.deepEqual(values.narrow(1, 2, 3).toArray(), [[5, 5, 5]]);
    assert.equal(Number.isNaN((values.toArray() as number[][])[0]![0]), true);
    // smallest, and k beyond the loop's 64: libtorch's path, same answers as float64
    const y = torch.randn([2, 300]);
    assert.deepEqual(y.topk(3, 1, false).indices.toArray(), y.double().topk(3, 1, false).indices.toArray());
    assert.deepEqual(y.topk(100, 1).indices.toArray(), y.double().topk(100, 1).indices.toArray());
  });
});
