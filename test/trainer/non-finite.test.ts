// Non-finite weights: an optimizer update can leave NaN/inf weights while the loss of its step was
// still finite (adam_epsilon 0, learning_rate Infinity), or overflow float32 outright
// (learning_rate 1e38).  A checkpoint is never written with such weights, so NonFiniteLossError's
// "last good checkpoint" is always good, and the error names the parameter and the learning rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NonFiniteLossError, type TrainerCallback } from '../../src/trainer/index.js';
import { safetensors } from '../../src/torch/index.js';
import type { Optimizer } from '../../src/optim/index.js';
import { TinyClassifier, classificationRows, quietTrainer, testArgs } from './tiny.js';

async function failure(p: Promise<unknown>): Promise<NonFiniteLossError> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof NonFiniteLossError, `expected a NonFiniteLossError, got ${String(err)}`);
  return err;
}

test('a checkpoint with NaN weights is refused: the last good checkpoint stays the one before (the loss of that step was finite)', async () => {
  const args = testArgs({ per_device_train_batch_size: 2, max_steps: 6, save_strategy: 'steps', save_steps: 1, learning_rate: 1e-2 });
  // the update of step 3 runs at learning_rate Infinity: its loss was computed before it, so it is finite
  const blowUp: TrainerCallback = {
    onStepBegin: (_a, state, _c, ctx) => { if (state.global_step === 2) for (const g of (ctx.optimizer as Optimizer).paramGroups) g.lr = Infinity; },
  };
  const trainer = quietTrainer({ model: new TinyClassifier(), args, trainDataset: classificationRows(12), callbacks: [blowUp] });
  const err = await failure(trainer.train());
  assert.equal(err.what, 'weights');
  assert.equal(err.step, 3);
  assert.equal(err.lastCheckpoint, join(args.output_dir, 'checkpoint-2'));
  assert.equal(err.learningRate, Infinity);
  assert.equal(err.parameter, 'embed.weight');
  assert.match(err.message, /^Training stopped: parameter 'embed\.weight' holds NaN after the optimizer update of step 3 \(epoch 0\.50\)\. The update used learning_rate inf: a learning rate must be finite\. checkpoint-3 was not written\. Nothing was saved with these weights\. Last good checkpoint: .*checkpoint-2\.$/);
  assert.deepEqual(readdirSync(args.output_dir).sort(), ['checkpoint-1', 'checkpoint-2']);
  for (const c of ['checkpoint-1', 'checkpoint-2']) {
    const w = await safetensors.loadFile(join(args.output_dir, c, 'model.safetensors'));
    for (const [n, t] of Object.entries(w)) assert.ok(t.isfinite().all().item(), `${c}/${n} is finite`);
  }
});

test('adam_epsilon 0: NaN weights after the first update are refused at the save, naming the parameter and the setting', async () => {
  const args = testArgs({ per_device_train_batch_size: 2, max_steps: 3, save_strategy: 'steps', save_steps: 1, adam_epsilon: 0 });
  const err = await failure(quietTrainer({ model: new TinyClassifier(), args, trainDataset: classificationRows(12) }).train());
  assert.equal(err.what, 'weights');
  assert.equal(err.lastCheckpoint, null);
  assert.equal(err.parameter, 'embed.weight'); // embedding rows of tokens not in the batch: gradient 0, 0/0
  assert.match(err.message, /parameter 'embed\.weight' holds NaN after the optimizer update of step 1 .* with adam_epsilon 0: AdamW divides by sqrt\(v\) \+ adam_epsilon, which is 0\/0 = NaN .*checkpoint-1 was not written.*Last good checkpoint: none/);
  assert.ok(!existsSync(join(args.output_dir, 'checkpoint-1')));

  // without saves, the NaN loss of the next step says the weights were broken by the update before it
  const noSave = await failure(quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 2, max_steps: 3, adam_epsilon: 0 }),
    trainDataset: classificationRows(12) }).train());
  assert.equal(noSave.what, 'loss');
  assert.equal(noSave.parameter, 'embed.weight');
  assert.match(noSave.message, /the loss is NaN at step 2 .* The weights were already non-finite: parameter 'embed\.weight' holds NaN after the optimizer update of step 1\. The update used learning_rate 0\.00005 with adam_epsilon 0/);
});

test('an optimizer update that overflows float32 (learning_rate 1e38) names the learning rate and the parameter', async () => {
  const args = testArgs({ per_device_train_batch_size: 2, max_steps: 3, save_strategy: 'steps', save_steps: 1, learning_rate: 1e38, lr_scheduler_type: 'constant' });
  const err = await failure(quietTrainer({ model: new TinyClassifier(), args, trainDataset: classificationRows(12) }).train());
  assert.equal(err.what, 'weights');
  assert.equal(err.learningRate, 1e38);
  assert.equal(err.parameter, 'embed.weight');
  assert.match(err.message, /^Training stopped: the optimizer update of step 1 \(epoch 0\.17\) overflows float32 at parameter 'embed\.weight'\. The update used learning_rate 1e\+38 \(AdamW's first update moves a weight by about learning_rate \/ \(1 - adam_beta1\) = 1e\+39\), beyond float32's 3\.4e38/);
  assert.deepEqual(readdirSync(args.output_dir), []);

  // finite but huge weights (learning_rate 1e30): the NaN loss names the learning rate and the largest weight
  const big = await failure(quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 2, max_steps: 3, learning_rate: 1e30, lr_scheduler_type: 'constant' }),
    trainDataset: classificationRows(12) }).train());
  assert.equal(big.what, 'loss');
  assert.equal(big.learningRate, 1e30);
  assert.match(big.message, /the loss is NaN at step 2 .* This step ran at learning_rate 1e\+30; the weights are finite, but huge: \|[a-zA-Z.]+\| reaches 1\.00e\+30/);
});
