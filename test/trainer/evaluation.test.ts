// evaluate / predict (HF evaluation_loop semantics), EarlyStoppingCallback with load_best_model_at_end,
// and the stop on a NaN loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad, tidy, safetensors, type Tensor } from '../../src/torch/index.js';
import { defaultDataCollator, DataCollatorWithPadding } from '../../src/data/collators/index.js';
import { EarlyStoppingCallback, NonFiniteLossError, argmax, type NDArray } from '../../src/trainer/index.js';
import { TinyClassifier, TinyLM, classificationRows, lmRows, quietTrainer, snapshot, testArgs, type TinyInputs } from './tiny.js';
import { assertClose } from '../helpers.js';

const accuracy = (p: { predictions: unknown; label_ids: unknown }): Record<string, number> => {
  const pred = argmax(p.predictions as NDArray).data;
  const lab = (p.label_ids as NDArray).data;
  let ok = 0;
  for (let i = 0; i < lab.length; i++) if (pred[i] === lab[i]) ok++;
  return { accuracy: ok / lab.length };
};

test('evaluate: eval_loss is the row-weighted mean of batch losses; metrics prefixed; logged with step', () => {
  const rows = classificationRows(5, { seed: 3 });
  const model = new TinyClassifier();
  const trainer = quietTrainer({ model, args: testArgs({ per_device_eval_batch_size: 2 }), evalDataset: rows, computeMetrics: accuracy });
  const m = trainer.evaluate();
  assert.deepEqual(Object.keys(m).sort(), ['eval_accuracy', 'eval_loss', 'eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second']);
  model.eval();
  const losses = [[0, 2], [2, 4], [4, 5]].map(([a, b]) => tidy(() => noGrad(() => model.forward(defaultDataCollator(rows.slice(a, b) as never) as unknown as TinyInputs).loss!.item())));
  assertClose(m.eval_loss!, (2 * losses[0]! + 2 * losses[1]! + losses[2]!) / 5, { rtol: 1e-12 });
  const logits = tidy(() => noGrad(() => model.forward(defaultDataCollator(rows as never) as unknown as TinyInputs).logits.toTypedArray()));
  const pred = argmax({ data: logits as Float32Array, shape: [5, 3] }).data;
  assert.equal(m.eval_accuracy, rows.filter((r, i) => r.label === pred[i]).length / 5);
  const entry = trainer.state.log_history.at(-1)!;
  assert.equal(entry.step, 0);
  assert.equal(entry.eval_loss, m.eval_loss);
  assert.ok(!('epoch' in entry)); // no epoch before training, as HF
  const named = trainer.evaluate(undefined, { metricKeyPrefix: 'val' });
  assert.ok('val_loss' in named && 'val_accuracy' in named);
});

test('predict: predictions concatenated over batches, padded with -100 where lengths differ; label_ids', () => {
  const rows = lmRows(4, { len: 6, seed: 5 }).map((r) => ({ input_ids: r.input_ids as number[] }))
    .map((r) => ({ input_ids: r.input_ids.filter((t) => t !== 0) })).sort((a, b) => a.input_ids.length - b.input_ids.length);
  const tok = { padTokenId: 0, length: 16, paddingSide: 'right' as const };
  const model = new TinyLM();
  const trainer = quietTrainer({ model, args: testArgs({ per_device_eval_batch_size: 2 }), dataCollator: new DataCollatorWithPadding({ tokenizer: tok }) });
  const out = trainer.predict(rows);
  const p = out.predictions as NDArray;
  const maxLen = Math.max(...rows.map((r) => r.input_ids.length));
  assert.deepEqual(p.shape, [4, maxLen, 16]);
  assert.equal(out.label_ids, null);
  assert.ok(p.data instanceof Float32Array);
  const len0 = Math.max(rows[0]!.input_ids.length, rows[1]!.input_ids.length);
  if (len0 < maxLen) assert.equal(p.data[(0 * maxLen + len0) * 16], -100); // row 0, first padded position
  assert.ok('test_runtime' in out.metrics && !('test_loss' in out.metrics));
  const cls = quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_eval_batch_size: 4 }) });
  const o2 = cls.predict(classificationRows(6));
  assert.deepEqual((o2.predictions as NDArray).shape, [6, 3]);
  assert.deepEqual((o2.label_ids as NDArray).shape, [6]);
  assert.ok((o2.label_ids as NDArray).data instanceof Int32Array);
  assert.ok('test_loss' in o2.metrics);
});

test('EarlyStoppingCallback stops after `patience` evaluations without improvement; the best checkpoint is loaded at the end', async () => {
  const scores = [0.5, 0.7, 0.6, 0.65, 0.9, 0.95];
  let calls = 0;
  const args = testArgs({ per_device_train_batch_size: 2, num_train_epochs: 6, eval_strategy: 'epoch', save_strategy: 'epoch',
    load_best_model_at_end: true, metric_for_best_model: 'score', learning_rate: 1e-2 });
  assert.equal(args.greater_is_better, true);
  const model = new TinyClassifier();
  const trainer = quietTrainer({ model, args, trainDataset: classificationRows(6), evalDataset: classificationRows(2),
    computeMetrics: () => ({ score: scores[calls++]! }), callbacks: [new EarlyStoppingCallback({ earlyStoppingPatience: 2 })] });
  await trainer.train();
  assert.equal(calls, 4); // 0.5, 0.7 (best), 0.6, 0.65 -> two in a row without improvement
  assert.equal(trainer.state.global_step, 12); // 3 updates per epoch
  assert.equal(trainer.state.best_metric, 0.7);
  assert.equal(trainer.state.best_model_checkpoint, join(args.output_dir, 'checkpoint-6'));
  const best = await safetensors.loadFile(join(args.output_dir, 'checkpoint-6', 'model.safetensors'));
  for (const [n, p] of model.namedParameters()) assert.deepEqual([...(p.toTypedArray() as Float32Array)], [...(best[n]!.toTypedArray() as Float32Array)], n);
  const st = JSON.parse(readFileSync(join(args.output_dir, 'checkpoint-12', 'trainer_state.json'), 'utf8'));
  assert.deepEqual(st.stateful_callbacks.EarlyStoppingCallback, { args: { early_stopping_patience: 2, early_stopping_threshold: 0 }, attributes: { early_stopping_patience_counter: 2 } });
  assert.equal(st.best_model_checkpoint, join(args.output_dir, 'checkpoint-6'));
  const noBest = quietTrainer({ model: new TinyClassifier(), args: testArgs({ max_steps: 1, eval_strategy: 'epoch' }), trainDataset: classificationRows(4),
    evalDataset: classificationRows(2), callbacks: [new EarlyStoppingCallback()] });
  await assert.rejects(noBest.train(), /EarlyStoppingCallback requires load_best_model_at_end = True/);
});

class PoisonedClassifier extends TinyClassifier {
  calls = 0;
  constructor(readonly poisonAt: number) { super(); }
  override forward(inputs: TinyInputs): { loss?: Tensor; logits: Tensor } {
    const out = super.forward(inputs);
    if (this.training && ++this.calls === this.poisonAt && out.loss) return { ...out, loss: out.loss.mul(NaN) };
    return out;
  }
}

test('a NaN loss stops training naming the step; the last good checkpoint is kept and nothing is saved after it', async () => {
  const args = testArgs({ per_device_train_batch_size: 2, max_steps: 6, save_strategy: 'steps', save_steps: 1, learning_rate: 1e-2 });
  const model = new PoisonedClassifier(3);
  const trainer = quietTrainer({ model, args, trainDataset: classificationRows(12) });
  let err: unknown;
  await trainer.train().catch((e: unknown) => { err = e; });
  assert.ok(err instanceof NonFiniteLossError, String(err));
  assert.match(err.message, /the loss is NaN at step 3 \(epoch 0\.50\)/);
  assert.equal(err.lastCheckpoint, join(args.output_dir, 'checkpoint-2'));
  assert.deepEqual(readdirSync(args.output_dir).sort(), ['checkpoint-1', 'checkpoint-2']);
  assert.equal(trainer.state.global_step, 2);
  const saved = await safetensors.loadFile(join(args.output_dir, 'checkpoint-2', 'model.safetensors'));
  const now = snapshot(model);
  for (const [n, v] of now) assert.deepEqual([...v], [...(saved[n]!.toTypedArray() as Float32Array)], `${n}: weights moved after the NaN`);
  assert.ok(!existsSync(join(args.output_dir, 'checkpoint-3')));
});
