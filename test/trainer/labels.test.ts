// Labels that cannot be trained on are refused with the row that holds them: a fractional class
// id (1.5, 2.9, -0.5) for single-label sequence classification or token classification, which
// labels.long() used to truncate silently, and a null label, which the collator used to drop so
// that the first sign was "The model did not return a loss".  Regression (num_labels 1) and
// multi-label (float multi-hot) keep their float labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, tensor, tidy } from '../../src/torch/index.js';
import { Dataset } from '../../src/data/index.js';
import { BertConfig, BertForSequenceClassification, BertForTokenClassification } from '../../src/models/index.js';
import type { TrainerDataset } from '../../src/trainer/index.js';
import { TinyClassifier, classificationRows, quietTrainer, snapshot, testArgs } from './tiny.js';

const config = (over: Record<string, unknown> = {}): BertConfig => new BertConfig({ vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2,
  intermediate_size: 32, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, ...over });
const seqCls = (over: Record<string, unknown> = {}): BertForSequenceClassification => { manualSeed(0); return new BertForSequenceClassification(config({ num_labels: 3, ...over })); };
const ids = tensor([[2, 5, 7, 3], [2, 6, 8, 3], [2, 9, 4, 3], [2, 4, 4, 3]], { dtype: 'int64' });
const seqRows = (labels: unknown[]): Record<string, unknown>[] =>
  labels.map((label, i) => ({ input_ids: [2, 5 + (i % 7), 7, 3], attention_mask: [1, 1, 1, 1], label }));

test('model level: a fractional class id is refused naming its batch row, not truncated by labels.long()', () => {
  for (const [labels, msg] of [
    [[0, 1, 2, 1.5], /labels\[3\] = 1\.5 is not an integer class id \(single_label_classification with num_labels = 3; .*truncate it to 1/],
    [[0, 2.9, 1, 0], /labels\[1\] = 2\.9 is not an integer class id/],
    [[-0.5, 0, 1, 2], /labels\[0\] = -0\.5 is not an integer class id/],
    [[0, NaN, 1, 2], /labels\[1\] = NaN is not an integer class id/],
  ] as const) {
    const m = seqCls();
    assert.equal(m.config.problem_type, null);
    assert.throws(() => tidy(() => m.forward({ input_ids: ids, labels: tensor([...labels], { dtype: 'float32' }) })), msg);
    assert.equal(m.config.problem_type, null, 'a refused batch does not fix the problem type');
  }
  // an explicit single-label problem type is checked the same way
  const explicit = seqCls({ problem_type: 'single_label_classification' });
  assert.throws(() => tidy(() => explicit.forward({ input_ids: ids, labels: tensor([0, 1, 2, 1.5], { dtype: 'float64' }) })), /labels\[3\] = 1\.5 is not an integer class id/);
  // whole-number float ids (a Float32Array column) are class ids: the same loss as int64
  const m = seqCls();
  const [asFloat, asLong] = noGrad(() => [
    m.forward({ input_ids: ids, labels: tensor([0, 2, 1, 2], { dtype: 'float32' }) }).loss!.item(),
    m.forward({ input_ids: ids, labels: tensor([0, 2, 1, 2], { dtype: 'int64' }) }).loss!.item(),
  ]);
  assert.equal(m.config.problem_type, 'single_label_classification');
  assert.equal(asFloat, asLong);
  // -100 stays the ignore index
  noGrad(() => assert.ok(Number.isFinite(m.forward({ input_ids: ids, labels: tensor([0, -100, 1, 2], { dtype: 'float32' }) }).loss!.item())));
});

test('model level: regression and multi-label keep their float labels', () => {
  const reg = seqCls({ num_labels: 1 });
  const out = noGrad(() => {
    const o = reg.forward({ input_ids: ids, labels: tensor([1.5, 2.9, -0.5, 0.25], { dtype: 'float32' }) });
    return { loss: o.loss!.item(), manual: o.logits.squeeze().sub(tensor([1.5, 2.9, -0.5, 0.25])).square().mean().item() };
  });
  assert.equal(reg.config.problem_type, 'regression');
  assert.ok(Math.abs(out.loss - out.manual) <= 1e-6 * out.manual, `${out.loss} vs ${out.manual}`);
  const multi = seqCls();
  const soft = tensor([[0.5, 0, 1], [0.25, 1, 0], [0, 0, 0], [1, 1, 0.75]], { dtype: 'float32' });
  noGrad(() => assert.ok(Number.isFinite(multi.forward({ input_ids: ids, labels: soft }).loss!.item())));
  assert.equal(multi.config.problem_type, 'multi_label_classification');
});

test('model level: token classification refuses a fractional per-token label naming row and token', () => {
  manualSeed(0);
  const m = new BertForTokenClassification(config({ num_labels: 4 }));
  const labels = tensor([[-100, 1, 2, -100], [-100, 3, 0.5, -100], [-100, 0, 0, -100], [-100, 1, 1, -100]], { dtype: 'float32' });
  assert.throws(() => tidy(() => m.forward({ input_ids: ids, labels })), /labels\[1, 2\] = 0\.5 is not an integer class id \(one class id per token\)/);
  const whole = tensor([[-100, 1, 2, -100], [-100, 3, 0, -100], [-100, 0, 0, -100], [-100, 1, 1, -100]], { dtype: 'float32' });
  const [f, l] = noGrad(() => [m.forward({ input_ids: ids, labels: whole }).loss!.item(), m.forward({ input_ids: ids, labels: whole.long() }).loss!.item()]);
  assert.equal(f, l);
});

test('Trainer: a fractional class id in the train set is refused before training, naming the dataset row', async () => {
  for (const ds of [seqRows([0, 1, 2, 1, 0, 1.5, 2, 0]), Dataset.fromList(seqRows([0, 1, 2, 1, 0, 1.5, 2, 0]))] as TrainerDataset[]) {
    const model = seqCls();
    const before = snapshot(model);
    const t = quietTrainer({ model, args: testArgs({ per_device_train_batch_size: 4, max_steps: 2 }), trainDataset: ds });
    await assert.rejects(t.train(), /Trainer: train_dataset row 5 has label = 1\.5, which is not an integer class id: BertForSequenceClassification \(num_labels 3\) trains single-label classification, which labels\.long\(\) would truncate to 1\. Use class ids 0\.\.2/);
    assert.equal(t.state.global_step, 0);
    assert.deepEqual(snapshot(model), before, 'nothing was trained');
  }
  // the eval set is read before training too, when training evaluates
  const t = quietTrainer({ model: seqCls(), args: testArgs({ per_device_train_batch_size: 4, max_steps: 2, eval_strategy: 'steps', eval_steps: 1 }),
    trainDataset: seqRows([0, 1, 2, 1]), evalDataset: seqRows([0, -0.5]) });
  await assert.rejects(t.train(), /Trainer: eval_dataset row 1 has label = -0\.5, which is not an integer class id/);
  assert.equal(t.state.global_step, 0);
  // and by evaluate() on its own
  const e = quietTrainer({ model: seqCls(), args: testArgs(), evalDataset: seqRows([0, 2.9]) });
  assert.throws(() => e.evaluate(), /eval_dataset row 1 has label = 2\.9, which is not an integer class id/);
});

test('Trainer: token classification rows with a fractional label name the row and token; regression and multi-label train', async () => {
  manualSeed(0);
  const tok = new BertForTokenClassification(config({ num_labels: 4 }));
  const rows = Array.from({ length: 6 }, (_, i) => ({ input_ids: [2, 5, 6, 3], attention_mask: [1, 1, 1, 1], labels: [-100, i % 4, i === 3 ? 2.5 : 1, -100] }));
  const t = quietTrainer({ model: tok, args: testArgs({ per_device_train_batch_size: 2, max_steps: 1 }), trainDataset: rows });
  await assert.rejects(t.train(), /Trainer: train_dataset row 3 has labels\[2\] = 2\.5, which is not an integer class id: BertForTokenClassification takes one integer class id per token/);

  const reg = quietTrainer({ model: seqCls({ num_labels: 1 }), args: testArgs({ per_device_train_batch_size: 4, max_steps: 2 }), trainDataset: seqRows([1.5, 2.9, -0.5, 0.25, 1, 2, 3, 4]) });
  const r = await reg.train();
  assert.equal(r.global_step, 2);
  assert.ok(Number.isFinite(r.training_loss));
  const multi = quietTrainer({ model: seqCls(), args: testArgs({ per_device_train_batch_size: 4, max_steps: 2 }),
    trainDataset: seqRows([[0.5, 0, 1], [0, 1, 0.25], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0.75, 0], [1, 1, 1], [0, 0, 0]]) });
  const mr = await multi.train();
  assert.equal(mr.global_step, 2);
  assert.equal((multi.model.config as BertConfig).problem_type, 'multi_label_classification');
});

test('Trainer: a null label names the dataset row instead of "The model did not return a loss"', async () => {
  const rows = classificationRows(8);
  rows[2]!.label = null;
  const t = quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 4, max_steps: 2 }), trainDataset: rows });
  await assert.rejects(t.train(), /Trainer: train_dataset row 2 has no label \('label' is null\)/);
  const missing = classificationRows(8);
  delete missing[6]!.label;
  await assert.rejects(quietTrainer({ model: new TinyClassifier(), args: testArgs({ max_steps: 1 }), trainDataset: missing }).train(),
    /Trainer: train_dataset row 6 has no label \('label' is missing\)/);
  const ds = Dataset.fromList(classificationRows(8).map((r, i) => ({ ...r, label: i === 4 ? null : r.label })));
  await assert.rejects(quietTrainer({ model: new TinyClassifier(), args: testArgs({ max_steps: 1 }), trainDataset: ds }).train(),
    /Trainer: train_dataset row 4 has no label \('label' is null\)/);
  // an eval set without any label is a prediction set: not refused
  const unlabeled = classificationRows(4).map((r) => ({ ...r, label: null }));
  const e = quietTrainer({ model: new TinyClassifier(), args: testArgs(), evalDataset: unlabeled });
  assert.deepEqual(e.predict(unlabeled).label_ids, null);

  // a dataset the Trainer cannot read by column: the batch without labels says why there is no loss
  const all = classificationRows(8).map((r) => ({ ...r, label: null }));
  const opaque: TrainerDataset = { at: (i: number) => all[i], numRows: all.length };
  const o = quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 4, max_steps: 1 }), trainDataset: opaque });
  await assert.rejects(o.train(), /The model did not return a loss.* The batch has no 'labels': its rows carry no label \(the collators drop a label column that is null or undefined in every row of a batch/);
});
