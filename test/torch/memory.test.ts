// Lifetime rules (docs/memory.md): tidy scopes, keep, dispose, the GC safety net, and a
// 10,000-step training loop whose live-tensor count is constant and whose RSS stays flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import * as torch from '../../src/torch/index.js';
import { native } from '../../src/torch/native.js';

const { tidy, keep, liveTensorCount, F } = torch;

test('tidy frees intermediates and keeps the result', () => {
  const start = liveTensorCount();
  const out = tidy(() => {
    const a = torch.ones([4, 4]);
    const b = a.mul(3).add(1);
    return { sum: b.sum(), parts: [b.mean()] };
  });
  assert.equal(liveTensorCount(), start + 2);
  assert.equal(out.sum.item(), 64);
  assert.equal(out.parts[0]!.item(), 4);
  out.sum.dispose();
  out.parts[0]!.dispose();
  assert.equal(liveTensorCount(), start);
});

test('nested scopes move results to the parent; keep() survives every scope', () => {
  const start = liveTensorCount();
  let kept!: torch.Tensor;
  const outer = tidy(() => {
    const inner = tidy(() => {
      kept = keep(torch.zeros([2]));
      torch.ones([3]);
      return torch.full([1], 7);
    });
    assert.equal(inner.item(), 7);
    return inner.add(1);
  });
  assert.equal(outer.item(), 8);
  assert.equal(liveTensorCount(), start + 2); // outer result + kept
  assert.equal(kept.isDisposed, false);
  kept.dispose();
  outer.dispose();
  assert.equal(liveTensorCount(), start);
});

test('a throwing scope frees what it made and rethrows', () => {
  const start = liveTensorCount();
  assert.throws(() => tidy(() => {
    torch.ones([2, 2]).mul(2);
    return torch.ones([2, 3]).matmul(torch.ones([2, 3]));
  }), (e: unknown) => e instanceof torch.TorchError && /matmul/.test((e as Error).message));
  assert.equal(liveTensorCount(), start);
});

test('tidy rejects async functions', () => {
  const start = liveTensorCount();
  assert.throws(() => tidy((async () => torch.ones([1])) as unknown as () => number), /cannot span an await/);
  assert.equal(liveTensorCount(), start);
});

test('dispose and Symbol.dispose free at once; use after dispose is a clear error', () => {
  const start = liveTensorCount();
  {
    using t = torch.ones([8]);
    assert.equal(liveTensorCount(), start + 1);
    assert.equal(t.sum().item(), 8);
  }
  // the sum above was made outside any scope: freed by the safety net later, or now
  assert.ok(liveTensorCount() <= start + 1);
  const u = torch.ones([2]);
  u.dispose();
  u.dispose(); // idempotent
  assert.throws(() => u.add(1), /disposed/);
});

test('stale handles never reach a reused slot', () => {
  const a = torch.ones([1]);
  const h = a._h;
  a.dispose();
  const b = torch.zeros([1]); // likely reuses a's slot
  assert.equal(native.isLive(h), false);
  assert.equal(native.free(h), false);
  assert.equal(b.item(), 0);
  b.dispose();
});

test('unowned tensors are freed by the GC safety net', async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return assert.fail('run with --expose-gc (scripts/run-tests.mjs does)');
  const settle = async () => { for (let i = 0; i < 5; i++) { gc(); await tick(); } };
  await settle(); // collect garbage left by earlier tests first
  const start = liveTensorCount();
  (() => { for (let i = 0; i < 200; i++) torch.ones([16]); })();
  assert.ok(liveTensorCount() >= start + 200);
  await settle();
  assert.equal(liveTensorCount(), start);
});

test('10,000 training steps: constant live tensors, flat RSS', () => {
  // A 2-layer MLP on a fixed regression batch, one tidy() per step, AdamW in C++.
  torch.manualSeed(0);
  const params = [torch.randn([32, 16]).mul(0.1), torch.zeros([32]), torch.randn([1, 32]).mul(0.1), torch.zeros([1])].map((p) => keep(p.requiresGrad_(true)));
  const state = params.map((p) => [keep(torch.zerosLike(p)), keep(torch.zerosLike(p))] as const);
  const x = keep(torch.randn([64, 16]));
  const y = keep(x.sum(1, true).sin());
  const step = (i: number): number => tidy(() => {
    const h = F.linear(x, params[0]!, params[1]!).tanh();
    const loss = F.mseLoss(F.linear(h, params[2]!, params[3]!), y);
    loss.backward();
    torch.noGrad(() => {
      native.clipGradNorm(params.map((p) => p._h), 1.0, 2);
      native.adamwStep(params.map((p) => p._h), state.map((s) => s[0]._h), state.map((s) => s[1]._h), params.map(() => i), 1e-3, 0.9, 0.999, 1e-8, 0.01, false);
      native.zeroGrad(params.map((p) => p._h), true);
    });
    return loss.item();
  });
  let first = 0;
  for (let i = 1; i <= 1000; i++) first = i === 1 ? step(i) : (step(i), first);
  const live = liveTensorCount();
  const rss0 = process.memoryUsage().rss;
  let last = 0;
  for (let i = 1001; i <= 10000; i++) {
    last = step(i);
    if (i % 1000 === 0) assert.equal(liveTensorCount(), live, `live tensors changed at step ${i}`);
  }
  const rss1 = process.memoryUsage().rss;
  assert.ok(last < first * 0.5, `loss should fall: ${first} -> ${last}`);
  assert.ok(rss1 < rss0 * 1.05, `RSS grew ${((rss1 / rss0 - 1) * 100).toFixed(2)}% (${rss0} -> ${rss1})`);
  for (const p of [...params, ...state.flat(), x, y]) p.dispose();
});
