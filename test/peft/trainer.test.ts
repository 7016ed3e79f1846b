// trainer.test.ts — a PeftModel in the Trainer as HF's Trainer handles one: checkpoints hold the
// adapter (adapter_config.json + adapter_model.safetensors), not the base model; resuming and
// load_best_model_at_end read the adapter back; frozen weights get no gradient and no AdamW state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { safetensors, type Tensor } from '../../src/torch/index.js';
import { LlamaForCausalLM } from '../../src/models/llama/index.js';
import { PeftModel, getPeftModel, LoraConfig } from '../../src/peft/index.js';
import { Trainer, TrainingArguments, PrinterCallback, ProgressCallback, type TrainingArgumentsInit } from '../../src/trainer/index.js';
import { sharedDir } from '../helpers.js';
import { tmpDir } from '../trainer/tiny.js';

const ROOT = sharedDir('fixtures/hf/training/llama_lora');
const rows = (): Record<string, unknown>[] => (JSON.parse(readFileSync(join(ROOT, 'dataset.json'), 'utf8')) as { rows: Record<string, unknown>[] }).rows;

async function loraModel(): Promise<PeftModel> {
  const base = await LlamaForCausalLM.fromPretrained(join(ROOT, 'base'));
  return getPeftModel(base, new LoraConfig({ r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'], task_type: 'CAUSAL_LM', init_lora_weights: 'gaussian' }));
}
function trainer(model: PeftModel, args: TrainingArgumentsInit, extra: Record<string, unknown> = {}): Trainer {
  const t = new Trainer({ model, args: new TrainingArguments({ per_device_train_batch_size: 4, learning_rate: 1e-2, logging_steps: 1, seed: 3, ...args }), trainDataset: rows(), ...extra });
  t.removeCallback(PrinterCallback);
  t.removeCallback(ProgressCallback);
  return t;
}
const adapterOf = (m: PeftModel): Map<string, Tensor> => new Map(m.namedParameters().filter(([, p]) => p.requiresGrad));

test('checkpoints hold the adapter only; frozen weights get no gradient buffer and no optimizer state', async () => {
  const model = await loraModel();
  const frozen = model.namedParameters().filter(([, p]) => !p.requiresGrad);
  const dir = tmpDir();
  const t = trainer(model, { output_dir: dir, max_steps: 2, save_strategy: 'steps', save_steps: 2 });
  let gradsAfterStep: string[] = [];
  t.addCallback({ onPreOptimizerStep: () => { gradsAfterStep = model.namedParameters().filter(([, p]) => { const g = p.grad; g?.dispose(); return g !== null; }).map(([n]) => n); } });
  await t.train();
  const trainable = [...adapterOf(model).keys()];
  assert.deepEqual(gradsAfterStep.sort(), [...trainable].sort(), 'only LoRA parameters hold gradients');
  for (const [n, p] of frozen) assert.equal(p.grad, null, n);
  const state = t.optimizer!.stateDict() as { state: Record<string, Record<string, unknown>> };
  assert.equal(Object.keys(state.state).length, trainable.length, 'AdamW state only for the LoRA parameters');
  const files = readdirSync(join(dir, 'checkpoint-2')).sort();
  assert.ok(files.includes('adapter_model.safetensors') && files.includes('adapter_config.json'), files.join(', '));
  assert.ok(!files.includes('model.safetensors'), 'the base model is not written into the checkpoint');
  const saved = await safetensors.loadFile(join(dir, 'checkpoint-2', 'adapter_model.safetensors'));
  assert.deepEqual(Object.keys(saved).sort(), trainable.map((n) => n.replace('.default.', '.')).sort());
  const cfg = JSON.parse(readFileSync(join(dir, 'checkpoint-2', 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg.peft_type, 'LORA');
  assert.equal(cfg.r, 4);
  assert.equal(cfg.inference_mode, true);
});

test('resuming from an adapter checkpoint reproduces the uninterrupted run', async () => {
  const full = await loraModel();
  const a = trainer(full, { output_dir: tmpDir(), max_steps: 4, save_strategy: 'no' });
  await a.train();
  const want = a.state.log_history.filter((e) => 'loss' in e).map((e) => e.loss);

  const dir = tmpDir();
  const first = trainer(await loraModel(), { output_dir: dir, max_steps: 4, save_strategy: 'steps', save_steps: 2 });
  await first.train();
  const resumed = await loraModel();
  const b = trainer(resumed, { output_dir: dir, max_steps: 4, save_strategy: 'steps', save_steps: 2, overwrite_output_dir: false });
  // start from checkpoint-2: the adapter, optimizer and scheduler come back
  await b.train({ resumeFromCheckpoint: join(dir, 'checkpoint-2') });
  const got = b.state.log_history.filter((e) => 'loss' in e).map((e) => e.loss);
  assert.deepEqual(got, want);
  const fa = adapterOf(full), fb = adapterOf(resumed);
  for (const [n, p] of fa) assert.ok(p.sub(fb.get(n)!).abs().max().item() < 1e-6, n);
});

test('load_best_model_at_end puts the best checkpoint\'s adapter back', async () => {
  const scores = [0.1, 0.9, 0.2];
  let i = 0;
  const dir = tmpDir();
  const model = await loraModel();
  let atBest: Map<string, Tensor> | null = null;
  const t = trainer(model, { output_dir: dir, max_steps: 3, eval_strategy: 'steps', eval_steps: 1, save_strategy: 'steps', save_steps: 1,
    load_best_model_at_end: true, metric_for_best_model: 'score' },
  { evalDataset: rows().slice(0, 4), computeMetrics: () => ({ score: scores[i++]! }),
    callbacks: [{ onSave: (_a: unknown, s: { global_step: number }) => { if (s.global_step === 2) atBest = new Map([...adapterOf(model)].map(([n, p]) => [n, p.clone().keep()])); } }] });
  await t.train();
  assert.equal(t.state.best_model_checkpoint, join(dir, 'checkpoint-2'));
  assert.ok(existsSync(join(dir, 'checkpoint-2', 'adapter_model.safetensors')));
  for (const [n, p] of adapterOf(model)) assert.equal(p.sub(atBest!.get(n)!).abs().max().item(), 0, `${n} is the step-2 value`);
});
