// Label names come from the model's forward inputs (HF find_labels): QA models evaluate their
// loss from start/end positions without `label_names` in the arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, tensor } from '../../src/torch/index.js';
import { BertConfig, BertForQuestionAnswering, BertForSequenceClassification, BertModel } from '../../src/models/index.js';
import { Trainer, PrinterCallback, ProgressCallback } from '../../src/trainer/index.js';
import { testArgs } from './tiny.js';

const config = () => new BertConfig({ vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });

test('models expose HF find_labels names', () => {
  assert.deepEqual(new BertForQuestionAnswering(config()).labelNames, ['start_positions', 'end_positions']);
  assert.deepEqual(new BertForSequenceClassification(config()).labelNames, ['labels']);
  assert.deepEqual(new BertModel(config()).labelNames, []);
});

test('a QA model evaluates its loss without label_names in the arguments', () => {
  manualSeed(0);
  const model = new BertForQuestionAnswering(config());
  const rows = Array.from({ length: 6 }, (_, i) => ({
    input_ids: [2, 5 + i, 7, 9, 11, 13, 3, 0], attention_mask: [1, 1, 1, 1, 1, 1, 1, 0], token_type_ids: [0, 0, 0, 1, 1, 1, 1, 0],
    start_positions: 3 + (i % 2), end_positions: 5,
  }));
  const trainer = new Trainer({ model, args: testArgs({ per_device_eval_batch_size: 6 }), evalDataset: rows });
  trainer.removeCallback(PrinterCallback);
  trainer.removeCallback(ProgressCallback);
  const metrics = trainer.evaluate();
  // the same loss computed directly: (CE(start) + CE(end)) / 2 over the batch
  const expected = noGrad(() => model.forward({
    input_ids: tensor(rows.map((r) => r.input_ids), { dtype: 'int64' }), attention_mask: tensor(rows.map((r) => r.attention_mask), { dtype: 'int64' }),
    token_type_ids: tensor(rows.map((r) => r.token_type_ids), { dtype: 'int64' }),
    start_positions: tensor(rows.map((r) => r.start_positions), { dtype: 'int64' }), end_positions: tensor(rows.map((r) => r.end_positions), { dtype: 'int64' }),
  }).loss!.item());
  assert.ok(metrics.eval_loss !== undefined, 'eval_loss is reported');
  assert.ok(Math.abs(metrics.eval_loss! - expected) <= 1e-6 * Math.abs(expected), `${metrics.eval_loss} vs ${expected}`);
});
