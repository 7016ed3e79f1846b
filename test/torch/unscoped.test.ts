// A synchronous loop that creates tensors outside any tidy() scope never lets finalizers run, so its
// memory only grows: past UNSCOPED_WARNING_THRESHOLD unscoped, un-kept tensors a warning names
// tidy() — once.  Kept tensors (parameters) and scoped ones are not counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';

test('unscoped tensors past the threshold warn once, naming tidy(); kept and scoped tensors do not count', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => { if ((w as NodeJS.ErrnoException).code === 'TUNEKIT_UNSCOPED_TENSORS') warnings.push(w); };
  process.on('warning', onWarning);
  const base = torch.unscopedTensorCount();
  try {
    // Kept tensors: not counted, however many.
    const params = Array.from({ length: 200 }, () => torch.zeros([2]).keep());
    assert.equal(torch.unscopedTensorCount(), base);
    // A scoped loop: nothing left over.
    for (let i = 0; i < 2000; i++) torch.tidy(() => torch.ones([2]).add(1).sum().item());
    assert.equal(torch.unscopedTensorCount(), base);
    // keep() of an unscoped tensor moves it out of the count; dispose() takes it off.
    const t = torch.ones([1]);
    assert.equal(torch.unscopedTensorCount(), base + 1);
    t.keep();
    assert.equal(torch.unscopedTensorCount(), base);
    t.dispose();
    const u = torch.ones([1]);
    u.dispose();
    assert.equal(torch.unscopedTensorCount(), base);
    // The careless loop.
    const leaked: torch.Tensor[] = [];
    let x = torch.ones([4]);
    leaked.push(x);
    for (let i = 0; i < torch.UNSCOPED_WARNING_THRESHOLD + 500; i++) { x = x.add(1); leaked.push(x); }
    assert.equal(torch.unscopedTensorCount(), base + leaked.length);
    for (const l of leaked) l.dispose();
    for (const p of params) p.dispose();
    assert.equal(torch.unscopedTensorCount(), base);
  } finally {
    // process.emitWarning is delivered on the next tick: listen until then.
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
  }
  assert.equal(warnings.length, 1, 'warned exactly once');
  assert.match(warnings[0]!.message, /tensors are alive outside any tidy\(\) scope/);
  assert.match(warnings[0]!.message, /torch\.tidy\(\(\) => \.\.\.\)/);
});
