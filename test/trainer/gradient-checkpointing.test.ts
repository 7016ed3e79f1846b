// TrainingArguments.gradient_checkpointing: the Trainer enables checkpointing on the model and
// completes each checkpointed backward, so training is the same as without it (the HF llama_lm
// fixture's data and init, 4 updates with gradient accumulation), with fewer tensors kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LlamaForCausalLM } from '../../src/models/llama/index.js';
import { TinyClassifier } from './tiny.js';
import { Trainer, TrainingArguments, PrinterCallback, ProgressCallback } from '../../src/trainer/index.js';
import { sharedDir } from '../helpers.js';
import { tmpDir } from './tiny.js';

const ROOT = sharedDir('fixtures/hf/training', 'llama_lm');
const rows = (JSON.parse(readFileSync(join(ROOT, 'dataset.json'), 'utf8')) as { rows: Record<string, unknown>[] }).rows;

async function run(checkpointing: boolean): Promise<{ losses: number[]; params: Map<string, number[]>; model: LlamaForCausalLM }> {
  const model = await LlamaForCausalLM.fromPretrained(join(ROOT, 'init'));
  const args = new TrainingArguments({
    output_dir: tmpDir(), max_steps: 4, per_device_train_batch_size: 4, gradient_accumulation_steps: 2, learning_rate: 1e-3,
    logging_steps: 1, save_strategy: 'no', report_to: 'none', seed: 1234, gradient_checkpointing: checkpointing,
    gradient_checkpointing_kwargs: checkpointing ? { use_reentrant: false } : null,
  });
  const trainer = new Trainer({ model, args, trainDataset: rows, trainSampler: 'sequential' });
  trainer.removeCallback(PrinterCallback);
  trainer.removeCallback(ProgressCallback);
  await trainer.train();
  const losses = trainer.state.log_history.filter((e) => 'loss' in e).map((e) => e.loss!);
  const params = new Map(model.namedParameters().map(([n, p]) => [n, [...(p.toTypedArray() as Float32Array)]]));
  return { losses, params, model };
}

test('gradient_checkpointing: true trains exactly as without it (llama_lm data, 4 updates, GA 2)', async () => {
  const plain = await run(false);
  const ckpt = await run(true);
  assert.equal(plain.model.isGradientCheckpointing, false);
  assert.equal(ckpt.model.isGradientCheckpointing, true, 'the Trainer enabled it on the model');
  assert.equal(plain.losses.length, 4);
  assert.deepEqual(ckpt.losses, plain.losses);
  for (const [n, v] of plain.params) assert.deepEqual(ckpt.params.get(n), v, n);
  plain.model.dispose();
  ckpt.model.dispose();
});

test('gradient_checkpointing with a model that cannot checkpoint is a clear error', async () => {
  const model = new TinyClassifier();
  const args = new TrainingArguments({ output_dir: tmpDir(), max_steps: 1, gradient_checkpointing: true, report_to: 'none', save_strategy: 'no' });
  const trainer = new Trainer({ model, args, trainDataset: [{ input_ids: [1, 2], labels: 0 }] });
  await assert.rejects(trainer.train(), /gradient_checkpointing: true needs a model with gradientCheckpointingEnable/);
});
