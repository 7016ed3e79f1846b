// V8 is told the native bytes of exactly the tensors only its GC can free (made outside any
// scope, returned from the outermost one, kept), never those a tidy() scope frees: a training
// loop of scopes then runs (nearly) no major GCs (issue #11), while unscoped garbage still drives
// the GC and its memory stays bounded.  docs/memory.md, native/src/core.cc (reportExternal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import * as torch from '../../src/torch/index.js';
import { native } from '../../src/torch/native.js';

const { tidy, liveTensorCount } = torch;
const MiB = 1 << 20;
const N32 = 8 * MiB; // float32 elements of a 32 MiB tensor

// reportExternal is idempotent and returns the bytes it newly reported, so calling it on a tensor
// tells whether tunekit reported that tensor already (0) or not (its bytes).  (V8's own counter is
// not readable from JS: process.memoryUsage().external leaves napi_adjust_external_memory out.)
const BYTES = 32 * MiB;

test('only tensors that outlive every scope are reported to V8 as external memory', () => {
  const live0 = liveTensorCount();
  // Outside any scope: reported when made.
  const u = torch.ones([N32]);
  assert.equal(native.reportExternal(u._h), 0, 'an unscoped tensor was reported when made');
  u.dispose();
  // Inside a scope: not reported (the scope frees it without the GC), not even while the scope runs.
  tidy(() => {
    const a = torch.ones([N32]).mul(2);
    assert.equal(native.reportExternal(a._h), BYTES, 'a scoped tensor was not reported');
  });
  // Returned from an inner scope to a live outer one: still scoped, so not reported.
  tidy(() => {
    const inner = tidy(() => torch.ones([N32]).mul(3));
    assert.equal(native.reportExternal(inner._h), BYTES, 'a result moved to the enclosing scope was not reported');
  });
  // Returned from the outermost scope: reported as it leaves.
  const r = tidy(() => tidy(() => torch.ones([N32]).mul(3)).add(1));
  assert.equal(native.reportExternal(r._h), 0, 'a result of the outermost scope was reported');
  assert.equal(tidy(() => r.max().item()), 4);
  r.dispose();
  // keep() inside a scope: it survives the scope, so it is reported at once.
  tidy(() => {
    const k = torch.ones([N32]).keep();
    assert.equal(native.reportExternal(k._h), 0, 'a tensor kept inside a scope was reported');
    k.dispose();
  });
  // A view pins its base's storage and reports nothing of its own.
  const base = torch.ones([N32]);
  const view = base.view(2, N32 / 2);
  assert.equal(native.reportExternal(view._h), 0);
  view.dispose();
  base.dispose();
  assert.equal(liveTensorCount(), live0);
});

test('keepAlias keeps an alias past its scope without reporting it; kept or not, it is freed on dispose', () => {
  const live0 = liveTensorCount();
  const base = torch.ones([N32]).keep(); // reported: kept
  const a = tidy(() => torch.keepAlias(base.alias()));
  assert.equal(a.isDisposed, false, 'the alias survived its scope');
  assert.equal(native.reportExternal(a._h), BYTES, 'the alias was not reported (its storage is counted through base)');
  assert.equal(tidy(() => a.sum().item()), N32);
  // An alias made outside any scope was reported when made: keepAlias keeps it like keep().
  const unscoped0 = torch.unscopedTensorCount();
  const b = base.alias();
  assert.equal(torch.unscopedTensorCount(), unscoped0 + 1);
  assert.equal(torch.keepAlias(b), b);
  assert.equal(torch.unscopedTensorCount(), unscoped0, 'kept: no longer counted as unscoped');
  assert.equal(native.reportExternal(b._h), 0);
  for (const t of [a, b, base]) t.dispose();
  assert.equal(liveTensorCount(), live0);
});

test('reportExternal reports a handle once and refuses dead handles', () => {
  const h = native.ones([N32]); // a raw handle: no Tensor, so nobody has reported it
  const v = native.view(h, [2, N32 / 2]);
  assert.equal(native.reportExternal(h), BYTES);
  assert.equal(native.reportExternal(h), 0, 'reported once');
  assert.equal(native.reportExternal(v), 0, 'a view pins its base storage, counted there');
  native.free(v);
  native.free(h);
  assert.throws(() => native.reportExternal(h), (e: unknown) => e instanceof torch.TorchError && /disposed/.test((e as Error).message));
});

/** Counts major (Mark-Compact) GCs while `fn` runs; entries arrive asynchronously, hence the ticks. */
async function majorGcs<T>(fn: () => Promise<T> | T): Promise<{ majors: number; result: T }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) assert.fail('run with --expose-gc (scripts/run-tests.mjs does)');
  gc();
  await tick();
  await tick();
  let majors = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
  });
  obs.observe({ entryTypes: ['gc'] });
  try {
    const result = await fn();
    await tick();
    await tick();
    return { majors, result };
  } finally {
    obs.disconnect();
  }
}

test('a training-like loop of tidy scopes runs (nearly) no major GCs', async () => {
  let live0 = 0;
  // 40 steps, each making 32 tensors of 4 MiB (128 MiB of "activations") that its scope frees:
  // 5 GiB in all.  Reported to V8, that churn cost a major GC every step or two (issue #11).
  const w = torch.full([MiB], 1.0001).keep();
  const { majors, result } = await majorGcs(() => {
    live0 = liveTensorCount(); // after majorGcs' gc(): no garbage of earlier tests left to finalize
    let s = 0;
    for (let step = 0; step < 40; step++) {
      s = tidy(() => {
        let x = torch.ones([MiB]);
        for (let i = 0; i < 31; i++) x = x.mul(w);
        return x.mean().item();
      });
    }
    return s;
  });
  assert.ok(Math.abs(result - 1.0001 ** 31) < 1e-4, `loop result ${result}`);
  assert.equal(liveTensorCount(), live0);
  w.dispose();
  assert.ok(majors <= 1, `${majors} major GCs during 40 scoped steps (5 GiB freed by scopes)`);
});

test('garbage only the GC can free still drives it: 2 GiB of dropped 8 MiB tensors keep RSS bounded', async () => {
  const live0 = liveTensorCount();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  // Each tensor is dropped at once but only a FinalizationRegistry can free it; the loop yields
  // so that finalizers run.  Without the external-memory report V8 sees a tiny JS heap and never
  // runs the major GC that clears them: all 2 GiB would stay resident.
  const { majors } = await majorGcs(async () => {
    for (let i = 0; i < 256; i++) {
      // 8 MiB, pages touched: made unscoped, returned from a scope, or kept — then dropped.
      if (i % 3 === 0) torch.ones([2 * MiB]);
      else if (i % 3 === 1) tidy(() => torch.ones([2 * MiB]).mul(2));
      else torch.ones([2 * MiB]).keep();
      await tick();
      peak = Math.max(peak, process.memoryUsage().rss);
    }
  });
  assert.ok(majors >= 2, `only ${majors} major GCs while 2 GiB of dropped tensors became garbage`);
  assert.ok(peak - rss0 < 768 * MiB, `RSS grew ${((peak - rss0) / MiB).toFixed(0)} MiB for 2 GiB of unscoped garbage`);
  assert.ok(liveTensorCount() - live0 < 96, `${liveTensorCount() - live0} of 256 dropped tensors still alive`);
});
