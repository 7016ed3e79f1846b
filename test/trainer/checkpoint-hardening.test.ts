// Checkpoint hardening: a fresh run refuses an output_dir holding an earlier run's checkpoints
// (a stale, higher checkpoint-100 would make save_total_limit delete every checkpoint of the new
// run) unless overwrite_output_dir; every file of a checkpoint is fsynced before the atomic
// rename and the folder after it; a truncated trainer_state.json is an error naming the file;
// resume_from_checkpoint=true falls back to the previous checkpoint when the newest cannot be
// loaded; stale `.tmp-<pid>` folders are cleaned by age, since pids are reused.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Trainer, TrainerState, STALE_TEMP_AGE_MS, cleanInterruptedSaves, type TrainingArgumentsInit } from '../../src/trainer/index.js';
import { safetensors, tensor } from '../../src/torch/index.js';
import { TinyClassifier, classificationRows, quietTrainer, snapshot, testArgs, tmpDir } from './tiny.js';

const args = (dir: string, over: Partial<TrainingArgumentsInit> = {}) =>
  testArgs({ output_dir: dir, per_device_train_batch_size: 2, max_steps: 3, save_strategy: 'steps', save_steps: 1, learning_rate: 1e-2, logging_steps: 1, ...over });
const rows = () => classificationRows(12);
const trainer = (dir: string, over: Partial<TrainingArgumentsInit> = {}): Trainer => quietTrainer({ model: new TinyClassifier(), args: args(dir, over), trainDataset: rows() });

/** console.warn messages while `fn` runs. */
async function warnings<T>(fn: () => Promise<T>): Promise<{ result: T; warned: string[] }> {
  const warned: string[] = [];
  const m = mock.method(console, 'warn', (...a: unknown[]) => { warned.push(a.map(String).join(' ')); });
  try {
    return { result: await fn(), warned };
  } finally {
    m.mock.restore();
  }
}

test('a fresh run refuses an output_dir with checkpoints of an earlier run; overwrite_output_dir deletes them, so rotation keeps this run\'s', async () => {
  const dir = tmpDir();
  mkdirSync(join(dir, 'checkpoint-100'));
  writeFileSync(join(dir, 'checkpoint-100', 'trainer_state.json'), '{"global_step": 100}\n');
  const t = trainer(dir, { save_total_limit: 1 });
  await assert.rejects(t.train(), (e: Error) => {
    assert.match(e.message, new RegExp(`^Output directory \\(${dir}\\) already holds checkpoints of an earlier run \\(checkpoint-100\\)\\.`));
    assert.match(e.message, /resumeFromCheckpoint: true/);
    assert.match(e.message, /resume_from_checkpoint/);
    assert.match(e.message, /overwrite_output_dir: true/);
    return true;
  });
  assert.equal(t.state.global_step, 0);
  assert.deepEqual(readdirSync(dir), ['checkpoint-100'], 'nothing was touched');

  const { warned } = await warnings(() => trainer(dir, { save_total_limit: 1, overwrite_output_dir: true }).train());
  assert.deepEqual(readdirSync(dir), ['checkpoint-3'], 'the stale checkpoint-100 is gone; this run\'s newest is kept');
  assert.match(warned.join('\n'), /overwrite_output_dir: deleting 1 checkpoint\(s\) of an earlier run .*\(checkpoint-100\)/);
  // resuming is not a fresh run: the checkpoints are this run's own
  const r = trainer(dir, { max_steps: 4, save_total_limit: 1 });
  await r.train({ resumeFromCheckpoint: true });
  assert.equal(r.state.global_step, 4);
  assert.deepEqual(readdirSync(dir), ['checkpoint-4']);
});

test('every file of a checkpoint (JSON included) is fsynced before the atomic rename, and the output folder after it', async () => {
  const dir = tmpDir();
  const events: string[] = [];
  const realOpen = fsp.open, realRename = fsp.rename;
  mock.method(fsp, 'open', async (...a: Parameters<typeof fsp.open>) => {
    const fh = await realOpen(...a);
    const sync = fh.sync.bind(fh);
    fh.sync = async () => { events.push(`sync ${String(a[0])}`); return sync(); };
    return fh;
  });
  mock.method(fsp, 'rename', async (from: string, to: string) => { events.push(`rename ${from} -> ${to}`); return realRename(from, to); });
  syncBuiltinESMExports();
  try {
    await trainer(dir, { max_steps: 1 }).train();
  } finally {
    mock.restoreAll();
    syncBuiltinESMExports();
  }
  const final = join(dir, 'checkpoint-1');
  const tmp = `${final}.tmp-${process.pid}`;
  const renamed = events.indexOf(`rename ${tmp} -> ${final}`);
  assert.ok(renamed > 0, events.join('\n'));
  const files = readdirSync(final).sort();
  assert.ok(files.includes('trainer_state.json') && files.includes('scheduler.json') && files.includes('optimizer.json') && files.includes('training_args.json'));
  for (const f of files) {
    const at = events.indexOf(`sync ${join(tmp, f)}`);
    assert.ok(at >= 0 && at < renamed, `${f} is fsynced before the rename`);
  }
  assert.ok(events.indexOf(`sync ${tmp}`) < renamed && events.indexOf(`sync ${tmp}`) >= 0, 'the temp folder is fsynced before the rename');
  assert.ok(events.lastIndexOf(`sync ${dir}`) > renamed, 'the output folder is fsynced after the rename');
});

test('a truncated trainer_state.json is an error naming the file', async () => {
  const dir = tmpDir();
  await trainer(dir, { max_steps: 2 }).train();
  const path = join(dir, 'checkpoint-2', 'trainer_state.json');
  const text = readFileSync(path, 'utf8');
  writeFileSync(path, text.slice(0, text.length >> 1));
  await assert.rejects(TrainerState.loadFromJson(path), new RegExp(`^Error: ${path.replace(/[.]/g, '\\.')} is not valid JSON \\(.*\\): the file is truncated or corrupt$`));
  await assert.rejects(trainer(tmpDir(), { max_steps: 4 }).train({ resumeFromCheckpoint: join(dir, 'checkpoint-2') }),
    (e: Error) => e.message.startsWith(`${path} is not valid JSON`));
  writeFileSync(path, '');
  await assert.rejects(TrainerState.loadFromJson(path), (e: Error) => e.message === `${path} is not valid JSON (the file is empty): the file is truncated or corrupt`);
  writeFileSync(path, '{"global_step": "7"}');
  await assert.rejects(TrainerState.loadFromJson(path), (e: Error) => e.message === `${path}: 'global_step' is "7", not a step count: the file is corrupt`);
});

test('resume_from_checkpoint=true falls back to the previous complete checkpoint when the newest cannot be loaded, saying why', async () => {
  const dir = tmpDir();
  await trainer(dir, { max_steps: 2 }).train();
  // the reference: an explicit resume from checkpoint-1 (a copy elsewhere), trained to step 3
  const ref = tmpDir();
  cpSync(join(dir, 'checkpoint-1'), join(ref, 'checkpoint-1'), { recursive: true });
  const refModel = new TinyClassifier();
  const r = quietTrainer({ model: refModel, args: args(tmpDir()), trainDataset: rows() });
  await r.train({ resumeFromCheckpoint: join(ref, 'checkpoint-1') });

  const state2 = join(dir, 'checkpoint-2', 'trainer_state.json');
  truncateSync(state2, 40);
  const model = new TinyClassifier();
  const t = quietTrainer({ model, args: args(dir), trainDataset: rows() });
  const { warned } = await warnings(() => t.train({ resumeFromCheckpoint: true }));
  assert.equal(warned.length, 2, warned.join('\n'));
  assert.equal(warned[0], `resume_from_checkpoint=true: checkpoint ${join(dir, 'checkpoint-2')} cannot be loaded (${state2} is not valid JSON ` +
    `(${warned[0]!.split(' is not valid JSON (')[1]!.split('): the file')[0]}): the file is truncated or corrupt); ` +
    `falling back to the previous complete checkpoint, ${join(dir, 'checkpoint-1')}.`);
  // kept for inspection, but out of the way of rotation and of the next resume
  assert.equal(warned[1], `resume_from_checkpoint=true: moved the unloadable checkpoint-2 aside to ${join(dir, 'checkpoint-2.broken')}, so that rotation and later resumes skip it.`);
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint-1', 'checkpoint-2', 'checkpoint-2.broken', 'checkpoint-3']);
  assert.equal(t.state.global_step, 3);
  assert.deepEqual(t.state.log_history.filter((e) => 'loss' in e), r.state.log_history.filter((e) => 'loss' in e));
  assert.deepEqual(snapshot(model), snapshot(refModel), 'trained on from checkpoint-1 exactly');

  // non-finite saved weights are "cannot be loaded" too; an explicit path is not replaced by another
  const w = join(dir, 'checkpoint-3', 'model.safetensors');
  const saved = await safetensors.loadFile(w);
  saved['classifier.bias'] = tensor([NaN, 0, 0]);
  await safetensors.saveFile(saved, w);
  await assert.rejects(trainer(tmpDir(), { max_steps: 4 }).train({ resumeFromCheckpoint: join(dir, 'checkpoint-3') }),
    new RegExp(`^Error: ${join(dir, 'checkpoint-3')}: the saved weight 'classifier\\.bias' holds NaN$`));
  const u = trainer(dir, { max_steps: 4, save_total_limit: 1 });
  const { warned: w2 } = await warnings(() => u.train({ resumeFromCheckpoint: true }));
  assert.match(w2[0]!, /checkpoint .*checkpoint-3 cannot be loaded \(.*the saved weight 'classifier\.bias' holds NaN\); falling back to the previous complete checkpoint, .*checkpoint-2\./);
  assert.equal(u.state.global_step, 4);
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint-2.broken', 'checkpoint-3.broken', 'checkpoint-4'], 'rotation kept this run\'s newest');

  // nothing loadable: an error listing each checkpoint and its reason
  const bad = tmpDir();
  for (const n of ['checkpoint-1', 'checkpoint-2']) {
    cpSync(join(dir, 'checkpoint-4'), join(bad, n), { recursive: true });
    writeFileSync(join(bad, n, 'scheduler.json'), '{"last_epoch": ');
  }
  const { result } = await warnings(() => trainer(bad).train({ resumeFromCheckpoint: true }).then(() => null, (e: Error) => e));
  assert.ok(result instanceof Error);
  assert.match(result.message, /^resume_from_checkpoint=true: no checkpoint in .* can be loaded:\n {2}.*checkpoint-2: .*checkpoint-2\/scheduler\.json is not valid JSON.*\n {2}.*checkpoint-1: .*checkpoint-1\/scheduler\.json is not valid JSON/);
});

test('stale .tmp-<pid> / .old-<pid> folders are cleaned by age even when a process with that pid is alive (pids are reused)', async () => {
  assert.equal(STALE_TEMP_AGE_MS, 6 * 3600 * 1000);
  const dir = tmpDir();
  const live = process.ppid; // alive, and not this process
  mkdirSync(join(dir, `checkpoint-3.tmp-${live}`));
  writeFileSync(join(dir, `checkpoint-3.tmp-${live}`, 'model.safetensors'), 'half');
  mkdirSync(join(dir, `checkpoint-2.old-${live}`));
  writeFileSync(join(dir, `checkpoint-2.old-${live}`, 'trainer_state.json'), '{}');
  await cleanInterruptedSaves(dir);
  assert.deepEqual(readdirSync(dir).sort(), [`checkpoint-2.old-${live}`, `checkpoint-3.tmp-${live}`], 'a fresh folder of a live pid may be a save in progress');
  await cleanInterruptedSaves(dir, { now: Date.now() + STALE_TEMP_AGE_MS - 60_000 });
  assert.equal(readdirSync(dir).length, 2, 'younger than the limit: kept');
  await cleanInterruptedSaves(dir, { now: Date.now() + STALE_TEMP_AGE_MS + 60_000 });
  assert.deepEqual(readdirSync(dir), ['checkpoint-2'], 'the half-written save is deleted; the moved-aside checkpoint is put back');
  assert.ok(existsSync(join(dir, 'checkpoint-2', 'trainer_state.json')));
  renameSync(join(dir, 'checkpoint-2'), join(dir, `checkpoint-9.tmp-${live}`));
  await cleanInterruptedSaves(dir, { maxAgeMs: 1000, now: Date.now() + 5000 });
  assert.deepEqual(readdirSync(dir), []);
});
