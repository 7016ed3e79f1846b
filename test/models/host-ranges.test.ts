// host-ranges.test.ts — toDeviceNotingRanges (the Trainer's prepareInputs off CPU): the min / max
// of ids and masks are read on the host as they leave it, so a forward's id-range and padding
// checks read nothing back from the device (on CUDA each read waits for the GPU).  Checked here
// by counting tensor reads during forwards of Llama and BERT: none with noted ranges, some without;
// an out-of-range id is still refused with the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { AutoModelForCausalLM, AutoModelForSequenceClassification, toDeviceNotingRanges, hostRange } from '../../src/models/index.js';
import { encoderPaddingMask } from '../../src/models/inputs.js';
import { sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures/hf/models');

function countReads<T>(fn: () => T): { out: T; reads: number } {
  const P = torch.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved: [string, (...a: unknown[]) => unknown][] = [];
  let reads = 0;
  for (const m of ['item', 'toTypedArray', 'dataView']) {
    const orig = P[m]!;
    saved.push([m, orig]);
    P[m] = function (this: unknown, ...a: unknown[]) { reads++; return orig.apply(this, a); };
  }
  try {
    return { out: fn(), reads };
  } finally {
    for (const [m, f] of saved) P[m] = f;
  }
}

for (const [name, auto] of [['llama_lm', AutoModelForCausalLM], ['bert_seqcls', AutoModelForSequenceClassification]] as const) {
  test(`${name}: with host-noted ranges a training forward reads nothing back; without, it reads`, async () => {
    const m = await auto.fromPretrained(join(MODELS, name), { onWarning: () => {} });
    m.train();
    const raw = { input_ids: torch.tensor([[5, 9, 17, 3], [11, 12, 13, 14]], { dtype: 'int64' }), attention_mask: torch.ones([2, 4], { dtype: 'int64' }) };
    const noted = toDeviceNotingRanges(raw, 'cpu');
    assert.deepEqual(hostRange(noted.input_ids), { lo: 3, hi: 17 });
    assert.deepEqual(hostRange(noted.attention_mask), { lo: 1, hi: 1 });
    const fwd = (b: typeof raw) => torch.tidy(() => { (m.forward(b as never) as { logits: torch.Tensor }).logits.sum().backward(); });
    assert.equal(countReads(() => fwd(noted)).reads, 0, 'no read with noted ranges');
    const fresh = { input_ids: raw.input_ids.clone(), attention_mask: raw.attention_mask.clone() };
    assert.ok(countReads(() => fwd(fresh)).reads > 0, 'the device-side checks read without them');
    const bad = toDeviceNotingRanges({ input_ids: torch.tensor([[5, 100000, 1, 2]], { dtype: 'int64' }) }, 'cpu');
    assert.throws(() => m.forward(bad as never), /input_ids contains id 100000; input_ids must lie in \[0, vocab_size\)/);
  });
}

test('encoderPaddingMask: an all-ones mask is dropped (HF sdpa), a padded one becomes the additive (B, 1, 1, T) mask', () => {
  torch.tidy(() => {
    assert.equal(encoderPaddingMask(torch.ones([2, 4], { dtype: 'int64' }), 'float32'), null);
    assert.equal(encoderPaddingMask(null, 'float32'), null);
    const padded = encoderPaddingMask(torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]], { dtype: 'int64' }), 'float32')!;
    assert.deepEqual(padded.shape, [2, 1, 1, 4]);
    assert.deepEqual((padded.toArray() as number[][][][]).map((r) => r[0]![0]!.map((v) => v !== 0)), [[false, false, false, true], [false, false, false, false]]);
    const noted = toDeviceNotingRanges({ m: torch.ones([1, 3], { dtype: 'int64' }) }, 'cpu');
    assert.equal(encoderPaddingMask(noted.m, 'float32'), null);
  });
});
