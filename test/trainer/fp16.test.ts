// fp16.test.ts — TrainingArguments.fp16 (float16 autocast + GradScaler, as accelerate's native AMP),
// bf16_full_eval / fp16_full_eval and tf32.  float16 autocast on CPU needs libtorch >= 2.3: CI runs
// this file against both builds, so on 1.13 it checks the refusal and on 2.x the training: HF's
// bert_seqcls float32 curve within float16 precision; a forced overflow (init_scale 2^40) skips the
// first update (weights and learning rate unchanged, grad_norm logged non-finite) and training
// recovers at the backed-off scale; a resume from a checkpoint carries the scale (scaler.json) and
// reproduces the uninterrupted run exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { GradScaler } from '../../src/optim/index.js';
import { BertForSequenceClassification } from '../../src/models/bert/index.js';
import { Trainer, TrainingArguments, PrinterCallback, ProgressCallback, type TrainingArgumentsInit, type LogEntry } from '../../src/trainer/index.js';
import { sharedDir } from '../helpers.js';
import { tmpDir } from './tiny.js';

const ROOT = sharedDir('fixtures/hf/training', 'bert_seqcls');
const REF = JSON.parse(readFileSync(join(ROOT, 'reference.json'), 'utf8')) as { training_arguments: Record<string, unknown>; steps: { loss: number }[] };
const ROWS = (JSON.parse(readFileSync(join(ROOT, 'dataset.json'), 'utf8')) as { rows: Record<string, unknown>[] }).rows;
const [MAJOR, MINOR] = torch.version().split('.').map(Number) as [number, number];
const CPU_FP16 = MAJOR > 2 || (MAJOR === 2 && MINOR >= 3);

type Over = Partial<TrainingArgumentsInit>;
async function trainer(over: Over, gradScaler?: GradScaler, outputDir = tmpDir()): Promise<Trainer> {
  const model = await BertForSequenceClassification.fromPretrained(join(ROOT, 'init'));
  const args = new TrainingArguments({ ...(REF.training_arguments as TrainingArgumentsInit), ...over, output_dir: outputDir });
  const t = new Trainer({ model, args, trainDataset: ROWS, evalDataset: ROWS, trainSampler: 'sequential', gaLossRule: 'none', gradScaler });
  t.removeCallback(PrinterCallback);
  t.removeCallback(ProgressCallback);
  return t;
}
const losses = (h: LogEntry[]): number[] => h.filter((e) => e.loss !== undefined).map((e) => e.loss!);

test('fp16 on a libtorch without float16 CPU autocast is refused, naming the version and bf16', { skip: CPU_FP16 && `libtorch ${torch.version()} autocasts float16 on CPU` }, async () => {
  await assert.rejects(trainer({ fp16: true }), new RegExp(`fp16=true: autocast: CPU autocast in libtorch ${torch.version().replace(/\./g, '\\.')} runs bfloat16 only.*Use bf16=true`));
});

test('fp16=true follows HF\'s float32 curve within float16 precision (bert_seqcls, 10 steps); nothing is skipped at the default scale', { skip: !CPU_FP16 && 'float16 CPU autocast needs libtorch >= 2.3 (the refusal is tested instead)' }, async () => {
  const t = await trainer({ fp16: true });
  await t.train();
  const got = losses(t.state.log_history), want = REF.steps.map((s) => s.loss);
  assert.equal(got.length, want.length);
  const rel = got.map((l, i) => Math.abs(l - want[i]!) / Math.abs(want[i]!));
  assert.ok(Math.max(...rel) < 1e-2, `losses ${got} vs float32 ${want}: worst relative ${Math.max(...rel)}`);
  assert.ok(rel.some((r) => r > 0), 'fp16 autocast changed nothing: is it applied?');
  assert.equal(t.gradScaler!.getScale(), 65536, 'no overflow at torch\'s default init_scale: the scale stays (growth_interval 2000)');
});

test('fp16: an overflowing first step is skipped (weights and LR unchanged), training recovers; resume restores the scale exactly', { skip: !CPU_FP16 && 'float16 CPU autocast needs libtorch >= 2.3' }, async () => {
  const over: Over = { fp16: true, max_steps: 6, logging_steps: 1, save_strategy: 'steps', save_steps: 3, gradient_accumulation_steps: 1 };
  const scaler = (): GradScaler => new GradScaler({ init_scale: 2 ** 40, backoff_factor: 2 ** -30, growth_interval: 2 });
  const out = tmpDir();
  const t = await trainer(over, scaler(), out);
  const before = t.model.namedParameters().map(([, p]) => p.clone().keep());
  const afterFirst: torch.Tensor[] = [];
  t.addCallback({ onStepEnd: (_a: unknown, s: { global_step: number }) => { if (s.global_step === 1) for (const [, p] of t.model.namedParameters()) afterFirst.push(p.clone().keep()); } });
  await t.train();
  const logs = t.state.log_history.filter((e) => e.loss !== undefined);
  assert.equal(logs.length, 6);
  assert.ok(!Number.isFinite(logs[0]!.grad_norm!), `step 1's gradients overflowed float16 (grad_norm ${logs[0]!.grad_norm})`);
  for (const e of logs.slice(1)) assert.ok(Number.isFinite(e.grad_norm!) && Number.isFinite(e.loss!), `step ${e.step} trains`);
  afterFirst.forEach((p, i) => assert.equal(p.sub(before[i]!).abs().max().item(), 0, 'the skipped update left the weights alone'));
  // the scheduler (2 warmup steps, then linear) steps only with applied updates: the float32 run's
  // learning rates, one step late
  const f = await trainer({ ...over, fp16: false, save_strategy: 'no' });
  await f.train();
  const lrs = f.state.log_history.filter((e) => e.loss !== undefined).map((e) => e.learning_rate!);
  assert.equal(logs[0]!.learning_rate, 0, 'the skipped update left the scheduler at its warmup start');
  assert.deepEqual(logs.slice(1).map((e) => e.learning_rate), lrs.slice(0, 5));
  // 2^40 backed off once by 2^-30, then doubled every 2 clean steps (steps 2-3, 4-5)
  assert.equal(t.gradScaler!.getScale(), 2 ** 12);
  const saved = JSON.parse(readFileSync(join(out, 'checkpoint-3', 'scaler.json'), 'utf8'));
  assert.deepEqual(saved, { scale: 2 ** 11, growth_factor: 2, backoff_factor: 2 ** -30, growth_interval: 2, _growth_tracker: 0 });
  assert.ok(logs[5]!.loss! < logs[1]!.loss!, `training recovers: ${losses(logs)}`);

  // resume from checkpoint-3 with a fresh default scaler: scaler.json replaces its state
  const r = await trainer(over, new GradScaler(), out);
  await r.train({ resumeFromCheckpoint: join(out, 'checkpoint-3') });
  assert.deepEqual(losses(r.state.log_history).slice(-3), losses(logs).slice(-3), 'the resumed run = the uninterrupted one');
  assert.equal(r.gradScaler!.getScale(), 2 ** 12);
  for (const x of [...before, ...afterFirst]) x.dispose();
});

test('bf16_full_eval: evaluate() outside train() casts the model to bfloat16; the loss stays within bf16 precision of float32', async () => {
  const f = await trainer({});
  const ref = f.evaluate().eval_loss!;
  const t = await trainer({ bf16_full_eval: true });
  const got = t.evaluate().eval_loss!;
  assert.ok(t.model.namedParameters().every(([, p]) => p.dtype === 'bfloat16'), 'the model itself is cast (HF: model.to(dtype))');
  assert.ok(Math.abs(got - ref) / ref < 2e-2 && got !== ref, `bf16 eval loss ${got} vs float32 ${ref}`);
});

test('fp16_full_eval and tf32: refused where libtorch cannot, accepted where it can', async () => {
  if (CPU_FP16) {
    const t = await trainer({ fp16_full_eval: true });
    const got = t.evaluate().eval_loss!;
    assert.ok(t.model.namedParameters().every(([, p]) => p.dtype === 'float16'));
    assert.ok(Number.isFinite(got));
  } else {
    await assert.rejects(trainer({ fp16_full_eval: true }), /fp16_full_eval=true: float16 matmuls on CPU need libtorch >= 2\.3/);
  }
  if (!torch.cuda.isAvailable()) await assert.rejects(trainer({ tf32: true }), /--tf32 requires Ampere/);
  const t = await trainer({ tf32: false });
  assert.equal(torch.cuda.allowTF32(), false);
  assert.equal(t.args.tf32, false);
  await assert.rejects(trainer({}, new GradScaler()), /a gradScaler was given but fp16 is false/);
});

test('scaler.json that is corrupt is an error naming the file and key', { skip: !CPU_FP16 && 'needs fp16' }, async () => {
  const out = tmpDir();
  const t = await trainer({ fp16: true, max_steps: 2, save_strategy: 'steps', save_steps: 2 }, undefined, out);
  await t.train();
  const p = join(out, 'checkpoint-2', 'scaler.json');
  assert.ok(existsSync(p));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(p, JSON.stringify({ scale: -1, growth_factor: 2, backoff_factor: 0.5, growth_interval: 2000, _growth_tracker: 0 }));
  const r = await trainer({ fp16: true, max_steps: 4, save_strategy: 'steps', save_steps: 2 }, undefined, out);
  await assert.rejects(r.train({ resumeFromCheckpoint: join(out, 'checkpoint-2') }), /scaler\.json: scale must be a finite number > 0, got -1/);
});
