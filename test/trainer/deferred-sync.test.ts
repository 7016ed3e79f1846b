// deferred-sync.test.ts — syncEachStep: false keeps the loss sum, the grad norm and the inf/NaN
// record on the device (step-values.ts), read only when a log, evaluation or save needs them, as
// HF's Trainer keeps tr_loss: no read-back inside an update (on CUDA each one would wait for the
// GPU).  The numbers logged are the per-step mode's exactly, and a NaN is still caught: at the next
// read, naming the update it first appeared in, before anything is saved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { LlamaForCausalLM } from '../../src/models/llama/index.js';
import { NonFiniteLossError, PrinterCallback, ProgressCallback, Trainer, TrainingArguments, type TrainingArgumentsInit } from '../../src/trainer/index.js';
import { sharedDir } from '../helpers.js';
import { TinyClassifier, classificationRows, quietTrainer, testArgs, tmpDir } from './tiny.js';

/** Counts tensor reads (item, toTypedArray, dataView) made by `src/trainer` between onStepBegin and onStepEnd. */
function countReads(t: Trainer): { reads: () => number; restore: () => void } {
  let inStep = false, n = 0;
  t.addCallback({ onStepBegin: () => { inStep = true; }, onStepEnd: () => { inStep = false; } });
  const P = torch.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved: [string, (...a: unknown[]) => unknown][] = [];
  for (const m of ['item', 'toTypedArray', 'dataView']) {
    const orig = P[m]!;
    saved.push([m, orig]);
    P[m] = function (this: unknown, ...a: unknown[]) {
      // the models' own input checks (ids in range, padding) are theirs, not the Trainer's
      if (inStep && /src\/trainer\//.test(new Error().stack!.split('\n').slice(2).find((l) => !/src\/torch\//.test(l)) ?? '')) n++;
      return orig.apply(this, a);
    };
  }
  return { reads: () => n, restore: () => { for (const [m, f] of saved) P[m] = f; } };
}

async function llamaRun(syncEachStep: boolean) {
  const root = sharedDir('fixtures/hf/training', 'llama_lm');
  const ref = JSON.parse(readFileSync(join(root, 'reference.json'), 'utf8')) as { training_arguments: TrainingArgumentsInit };
  const rows = (JSON.parse(readFileSync(join(root, 'dataset.json'), 'utf8')) as { rows: Record<string, unknown>[] }).rows;
  const model = await LlamaForCausalLM.fromPretrained(join(root, 'init'));
  const args = new TrainingArguments({ ...ref.training_arguments, output_dir: tmpDir() });
  const t = new Trainer({ model, args, trainDataset: rows, trainSampler: 'sequential', syncEachStep });
  t.removeCallback(PrinterCallback);
  t.removeCallback(ProgressCallback);
  const c = countReads(t);
  try {
    const out = await t.train();
    return { logs: t.state.log_history, reads: c.reads(), out };
  } finally {
    c.restore();
  }
}

test('syncEachStep false: the same log history bit for bit, and no read-back inside an update', async () => {
  const each = await llamaRun(true), deferred = await llamaRun(false);
  const strip = (h: Record<string, unknown>[]) => h.map(({ train_runtime: _r, train_samples_per_second: _s, train_steps_per_second: _p, ...k }) => k);
  assert.deepEqual(strip(deferred.logs), strip(each.logs));
  assert.equal(deferred.out.training_loss, each.out.training_loss);
  assert.ok(each.reads >= 2 * 10, `per-step mode reads loss and norm each update (${each.reads})`);
  assert.equal(deferred.reads, 0, 'deferred mode reads nothing inside an update');
});

test('syncEachStep false: a NaN is caught at the next read, naming the update it began in; nothing is saved after it', async () => {
  const model = new TinyClassifier({ seed: 4 });
  const out = tmpDir();
  const args = testArgs({ output_dir: out, per_device_train_batch_size: 2, max_steps: 8, logging_steps: 5, save_strategy: 'steps', save_steps: 2, learning_rate: 1e-2 });
  const t = quietTrainer({ model, args, trainDataset: classificationRows(16, { seed: 2 }), syncEachStep: false });
  // as update 3 begins (checkpoint-2 is written) a weight goes NaN: its loss is the first non-finite value
  t.addCallback({ onStepBegin: (_a: unknown, s: { global_step: number }) => { if (s.global_step === 2) torch.noGrad(() => model.classifier.bias!.fill_(NaN)); } });
  const err = await t.train().then(() => null, (e: unknown) => e);
  assert.ok(err instanceof NonFiniteLossError, `expected NonFiniteLossError, got ${err}`);
  assert.equal(err.what, 'loss');
  assert.equal(err.step, 3);
  assert.match(err.message, /read at step 4 .*the updates of steps 3-4 were applied/);
  assert.match(err.message, /Last good checkpoint: .*checkpoint-2/);
  assert.ok(existsSync(join(out, 'checkpoint-2')) && !existsSync(join(out, 'checkpoint-4')), 'the save at step 4 was refused');
  assert.throws(() => quietTrainer({ model: new TinyClassifier(), args: testArgs(), syncEachStep: 'yes' as never }), /syncEachStep must be a boolean/);
});
