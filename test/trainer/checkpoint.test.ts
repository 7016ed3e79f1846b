// Checkpoints: exact resume (model, optimizer, scheduler, RNG, data position), save_total_limit
// rotation that keeps the best checkpoint, and atomic saves — a process SIGKILLed mid-save leaves
// only complete checkpoint-N folders, and resuming from them reproduces the uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Trainer, getLastCheckpoint, type LogEntry } from '../../src/trainer/index.js';
import { TinyClassifier, classificationRows, quietTrainer, snapshot, testArgs, tmpDir } from './tiny.js';
import { quiet, resumeArgs, resumeModel, resumeRows } from './fixtures/resume-setup.js';

const CHECKPOINT_FILES = ['model.safetensors', 'optimizer.json', 'optimizer.safetensors', 'rng_state.safetensors', 'scheduler.json', 'trainer_state.json', 'training_args.json'];
const stepLogs = (h: LogEntry[]): LogEntry[] => h.filter((e) => 'loss' in e);

async function uninterrupted(over = {}): Promise<{ logs: LogEntry[]; weights: Map<string, Float64Array>; dir: string }> {
  const dir = tmpDir();
  const model = resumeModel();
  const t = quiet(new Trainer({ model, args: resumeArgs(dir, over), trainDataset: resumeRows() }));
  await t.train();
  return { logs: stepLogs(t.state.log_history), weights: snapshot(model), dir };
}

test('resume from a mid-epoch checkpoint reproduces the uninterrupted losses and weights exactly', async () => {
  const a = await uninterrupted();
  assert.deepEqual(readdirSync(a.dir).sort(), ['checkpoint-10', 'checkpoint-5']);
  assert.deepEqual(readdirSync(join(a.dir, 'checkpoint-5')).sort(), CHECKPOINT_FILES);
  const st = JSON.parse(readFileSync(join(a.dir, 'checkpoint-5', 'trainer_state.json'), 'utf8'));
  assert.equal(st.global_step, 5);
  assert.equal(st.epoch, 1 + 2 / 7); // one update into epoch 1 (4 updates per epoch)

  const dirB = tmpDir();
  const model = resumeModel(); // fresh weights: everything must come from the checkpoint
  const b = quiet(new Trainer({ model, args: resumeArgs(dirB), trainDataset: resumeRows() }));
  await b.train({ resumeFromCheckpoint: join(a.dir, 'checkpoint-5') });
  const logs = stepLogs(b.state.log_history);
  assert.deepEqual(logs, a.logs); // steps 1-5 from the checkpoint's state, 6-10 recomputed: identical
  assert.deepEqual(snapshot(model), a.weights);

  // resumeFromCheckpoint: true picks the newest checkpoint; one that reached max_steps trains no further
  const c = quiet(new Trainer({ model: resumeModel(), args: resumeArgs(a.dir), trainDataset: resumeRows() }));
  await c.train({ resumeFromCheckpoint: true });
  assert.equal(c.state.global_step, 10);
  assert.deepEqual(stepLogs(c.state.log_history), a.logs);
  await assert.rejects(quiet(new Trainer({ model: resumeModel(), args: resumeArgs(tmpDir()), trainDataset: resumeRows() })).train({ resumeFromCheckpoint: true }),
    /No valid checkpoint found in output directory/);
});

test('save_total_limit rotation never deletes the best checkpoint (HF _sorted_checkpoints / _rotate_checkpoints)', async () => {
  const scores = [0.1, 0.9, 0.2, 0.3, 0.4];
  let i = 0;
  const args = testArgs({ per_device_train_batch_size: 2, max_steps: 5, eval_strategy: 'steps', eval_steps: 1, save_strategy: 'steps', save_steps: 1,
    save_total_limit: 2, load_best_model_at_end: true, metric_for_best_model: 'score', learning_rate: 1e-2 });
  const t = quietTrainer({ model: new TinyClassifier(), args, trainDataset: classificationRows(12), evalDataset: classificationRows(2), computeMetrics: () => ({ score: scores[i++]! }) });
  await t.train();
  assert.deepEqual(readdirSync(args.output_dir).sort(), ['checkpoint-2', 'checkpoint-5']);
  assert.equal(t.state.best_model_checkpoint, join(args.output_dir, 'checkpoint-2'));

  // limit 1: the newest is kept beside the best while training (to resume), and deleted at the end
  let j = 0;
  const args1 = testArgs({ per_device_train_batch_size: 2, max_steps: 5, eval_strategy: 'steps', eval_steps: 1, save_strategy: 'steps', save_steps: 1,
    save_total_limit: 1, load_best_model_at_end: true, metric_for_best_model: 'score' });
  const seen: string[][] = [];
  const t1 = quietTrainer({ model: new TinyClassifier(), args: args1, trainDataset: classificationRows(12), evalDataset: classificationRows(2),
    computeMetrics: () => ({ score: scores[j++]! }), callbacks: [{ onSave: () => { seen.push(readdirSync(args1.output_dir).sort()); } }] });
  await t1.train();
  assert.deepEqual(seen.at(-1), ['checkpoint-2', 'checkpoint-5']);
  assert.deepEqual(readdirSync(args1.output_dir).sort(), ['checkpoint-2']);
});

test('a process killed during a save leaves only complete checkpoints, and resuming from them reproduces the uninterrupted run', async () => {
  const dir = tmpDir();
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url)), dir, '3'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('IN_SAVE')) { child.kill('SIGKILL'); resolve(); }
      if (out.includes('FINISHED')) reject(new Error('the child finished without stalling'));
    });
    child.on('exit', (code) => { if (!out.includes('IN_SAVE')) reject(new Error(`child exited (${code}) before the save: ${out}`)); });
  });
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.on('exit', r)));
  const names = readdirSync(dir).sort();
  assert.deepEqual(names, ['checkpoint-1', 'checkpoint-2', `checkpoint-3.tmp-${child.pid}`]);
  for (const n of ['checkpoint-1', 'checkpoint-2']) {
    assert.deepEqual(readdirSync(join(dir, n)).sort(), CHECKPOINT_FILES, n);
    assert.equal(JSON.parse(readFileSync(join(dir, n, 'trainer_state.json'), 'utf8')).global_step, Number(n.split('-')[1]));
  }
  const half = join(dir, `checkpoint-3.tmp-${child.pid}`);
  assert.ok(existsSync(join(half, 'model.safetensors')) && !existsSync(join(half, 'trainer_state.json')), 'the killed save was half written');
  assert.equal(await getLastCheckpoint(dir), join(dir, 'checkpoint-2'));

  const ref = await uninterrupted({ save_strategy: 'no' });
  const model = resumeModel();
  const t = quiet(new Trainer({ model, args: resumeArgs(dir, { save_steps: 1 }), trainDataset: resumeRows() }));
  await t.train({ resumeFromCheckpoint: true });
  assert.ok(!existsSync(half), 'the dead process\'s temp folder is cleaned up');
  assert.deepEqual(stepLogs(t.state.log_history), ref.logs);
  assert.deepEqual(snapshot(model), ref.weights);
  assert.deepEqual(readdirSync(dir).sort(), Array.from({ length: 10 }, (_, k) => `checkpoint-${k + 1}`).sort());
});
