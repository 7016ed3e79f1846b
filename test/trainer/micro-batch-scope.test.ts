// micro-batch-scope.test.ts — under gradient accumulation each micro-batch is its own tidy()
// scope: its activations and (B, T, vocab) logits are freed before the next micro-batch starts,
// so the live tensors an update holds do not grow with gradient_accumulation_steps.  The numbers
// are those of one scope per update (hf-curve.test.ts pins the loss curve to HF's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensorCount, type Tensor } from '../../src/torch/index.js';
import type { Trainer } from '../../src/trainer/index.js';
import { TinyLM, lmRows, quietTrainer, testArgs, type TinyInputs } from './tiny.js';

const VOCAB = 4096; // logits (2, 6, 4096) float32 = 192 KiB per micro-batch

/** TinyLM that samples liveTensorCount() as each forward starts and remembers the last logits. */
class ProbedLM extends TinyLM {
  /** liveTensorCount() as each training forward began. */
  readonly samples: number[] = [];
  /** Whether the previous forward's logits were already freed when the next forward began. */
  readonly previousFreed: boolean[] = [];
  private last: Tensor | null = null;
  constructor() { super({ vocab: VOCAB, dim: 8, seed: 3 }); }
  override forward(inputs: TinyInputs): { loss?: Tensor; logits: Tensor } {
    this.samples.push(liveTensorCount());
    if (this.last !== null) this.previousFreed.push(this.last.isDisposed);
    const out = super.forward(inputs);
    this.last = out.logits; // (B, T, V)
    return out;
  }
}

function setup(gas: number): { model: ProbedLM; trainer: Trainer } {
  const model = new ProbedLM();
  // 16 rows, 2 per micro-batch: 8 micro-batches = 8 / gas updates
  const args = testArgs({ per_device_train_batch_size: 2, gradient_accumulation_steps: gas, learning_rate: 1e-2, logging_steps: 1, num_train_epochs: 1 });
  const trainer = quietTrainer({ model, args, trainDataset: lmRows(16, { vocab: VOCAB, seed: 5 }), trainSampler: 'sequential' });
  return { model, trainer };
}

test('gradient accumulation: one scope per micro-batch, live tensors flat across the micro-batches of an update', async () => {
  const gas = 4;
  const { model, trainer } = setup(gas);
  const before = liveTensorCount();
  await trainer.train();
  const updates = 8 / gas;
  assert.equal(model.samples.length, 8);
  for (let u = 0; u < updates; u++) {
    const inUpdate = model.samples.slice(u * gas, (u + 1) * gas);
    // micro-batch k starts with exactly what micro-batch 1 started with: nothing of 1..k-1 is left
    assert.deepEqual(inUpdate, inUpdate.map(() => inUpdate[0]), `update ${u}: live tensors at each micro-batch's forward`);
  }
  // every forward's logits were freed before the next forward began, within an update and across
  assert.deepEqual(model.previousFreed, Array(7).fill(true));
  // the run leaves nothing behind but the optimizer state (exp_avg, exp_avg_sq per parameter)
  const params = model.parameters().length;
  assert.equal(liveTensorCount() - before, 2 * params);
  trainer.optimizer!.dispose();
  model.dispose();
});

test('the live tensors at a forward do not depend on gradient_accumulation_steps beyond the prefetched inputs', async () => {
  // HF get_batch_samples reads every micro-batch's labels before the first forward, so an update
  // holds its micro-batches' inputs (input_ids, attention_mask, labels: 3 tensors each, on CPU) and
  // their label counts; nothing of a finished micro-batch's forward is left.
  // the first update's forwards (before the optimizer state exists; all equal by the test above)
  const peak = async (gas: number): Promise<number> => {
    const { model, trainer } = setup(gas);
    const base = liveTensorCount();
    await trainer.train();
    const p = model.samples[0]! - base;
    trainer.optimizer!.dispose();
    model.dispose();
    return p;
  };
  const p1 = await peak(1), p4 = await peak(4), p8 = await peak(8);
  // per extra micro-batch of the update, 6: its 3 input tensors and the 3 of its label count
  // (labels != -100, its sum, the running total) — the (B, T, V) logits are not among them
  assert.equal(p4 - p1, 3 * 6);
  assert.equal(p8 - p4, 4 * 6);
});
