// TrainingArguments.gradient_checkpointing: the Trainer enables checkpointing on the model and
// completes each checkpointed backward, so training is the same as without it (the HF llama_lm
// fixture's data and init, 4 updates with gradient accumulation), with fewer tensors kept; and a
// Seq2SeqTrainer run of LoRA on T5 (the seed's setup: frozen base, trained q / v adapters) the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LlamaForCausalLM } from '../../src/models/llama/index.js';
import { TinyClassifier } from './tiny.js';
import { manualSeed } from '../../src/torch/index.js';
import { T5ForConditionalGeneration } from '../../src/models/t5/index.js';
import { getPeftModel, LoraConfig } from '../../src/peft/index.js';
import { DataCollatorForSeq2Seq } from '../../src/data/collators/index.js';
import { Trainer, TrainingArguments, PrinterCallback, ProgressCallback, Seq2SeqTrainer, Seq2SeqTrainingArguments } from '../../src/trainer/index.js';
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

const S2S = new URL('../fixtures/seq2seq/', import.meta.url);
const s2sRows = (JSON.parse(readFileSync(new URL('data.json', S2S), 'utf8')) as { train: Record<string, unknown>[] }).train;
const TOK = { padTokenId: 0, eosTokenId: 1, length: 128, paddingSide: 'right' as const, modelInputNames: ['input_ids', 'attention_mask'] };

async function runSeq2Seq(checkpointing: boolean): Promise<{ losses: number[]; gradNorms: number[]; lora: Map<string, number[]> }> {
  const base = await T5ForConditionalGeneration.fromPretrained(sharedDir('fixtures/hf/models/t5_seq2seq')) as T5ForConditionalGeneration;
  manualSeed(3); // lora_A's kaiming init: the same in both runs
  const model = getPeftModel(base, new LoraConfig({ r: 4, lora_alpha: 8, lora_dropout: 0.1, task_type: 'SEQ_2_SEQ_LM' }));
  const args = new Seq2SeqTrainingArguments({
    output_dir: tmpDir(), max_steps: 3, per_device_train_batch_size: 2, gradient_accumulation_steps: 2, learning_rate: 1e-2,
    logging_steps: 1, save_strategy: 'no', report_to: 'none', seed: 7, gradient_checkpointing: checkpointing,
  });
  const trainer = new Seq2SeqTrainer({ model, args, trainDataset: s2sRows, processingClass: TOK, dataCollator: new DataCollatorForSeq2Seq({ tokenizer: TOK, model: base }), trainSampler: 'sequential' });
  trainer.removeCallback(PrinterCallback);
  trainer.removeCallback(ProgressCallback);
  await trainer.train();
  assert.equal(base.isGradientCheckpointing, checkpointing);
  const logs = trainer.state.log_history.filter((e) => 'loss' in e);
  const lora = new Map(model.namedParameters().filter(([n]) => n.includes('lora_')).map(([n, p]) => [n, [...(p.toTypedArray() as Float32Array)]]));
  model.dispose();
  return { losses: logs.map((e) => e.loss!), gradNorms: logs.map((e) => e.grad_norm!), lora };
}

test('gradient_checkpointing with Seq2SeqTrainer + LoRA on T5 (dropout 0.1 in the adapters): the same losses, grad norms and adapters', async () => {
  const plain = await runSeq2Seq(false);
  const ckpt = await runSeq2Seq(true);
  assert.equal(plain.losses.length, 3);
  assert.deepEqual(ckpt.losses, plain.losses);
  // not bit for bit here (Llama's is): the encoder output's gradient is gathered over the decoder blocks before
  // it enters the encoder, a float32 summation order autograd does not use — ~1e-7 relative
  const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-5 * Math.abs(b) + 1e-7, `${what}: ${a} vs ${b}`);
  plain.gradNorms.forEach((g, i) => near(ckpt.gradNorms[i]!, g, `grad_norm ${i}`));
  assert.equal(plain.lora.size, 24, 'A and B of q and v: 2 encoder blocks, 2 decoder blocks (self- and cross-attention)');
  // Adam divides each element's step by its own gradient scale, so elements whose gradient is ~0 move by noise
  // of that order: compare each adapter as a whole (relative norm of the difference)
  for (const [n, v] of plain.lora) {
    const w = ckpt.lora.get(n)!;
    const diff = Math.hypot(...v.map((x, i) => x - w[i]!)), norm = Math.hypot(...v);
    assert.ok(diff <= 1e-3 * norm, `${n}: ||difference|| ${diff.toExponential(2)} vs ||adapter|| ${norm.toExponential(2)}`);
  }
});
