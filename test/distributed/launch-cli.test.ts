// `tunekit launch` end to end through bin/tunekit.mjs: torchrun's environment reaches every rank, a
// failed rank is named with exit code 1, bad flags exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../bin/tunekit.mjs', import.meta.url).pathname;
const script = new URL('./fixtures/allreduce.ts', import.meta.url).pathname;
const run = (args: string[]) => spawnSync(process.execPath, [bin, 'launch', ...args], { encoding: 'utf8', timeout: 90_000 });

test('tunekit launch --standalone --nproc-per-node 2: both ranks meet and all-reduce', { timeout: 120_000 }, () => {
  const r = run(['--standalone', '--nproc-per-node', '2', script]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').sort();
  assert.deepEqual(lines, ['rank 0/2 local 0 sum 3', 'rank 1/2 local 1 sum 3']);
  assert.match(r.stderr, /all 2 ranks of node 0 exited with code 0/);
});

test('a rank that fails: exit 1 and the launcher names it', { timeout: 120_000 }, () => {
  const r = run(['--standalone', '--nproc-per-node', '2', '--grace', '2', script, 'fail']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /rank 1 \(local_rank 1, pid \d+\) exited with code 3; stopping the other ranks/);
});

test('bad flags: exit 2 with a message', () => {
  let r = run(['--nproc-per-node', 'two', script]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--nproc-per-node must be an integer, got 'two'/);
  r = run(['--nproc-per-node', '2', '--nnodes', '2', '--node-rank', '2', script]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--node-rank 2 is outside 0\.\.1/);
  r = run(['--nproc', '2', script]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown flag --nproc/);
  r = run(['--nproc-per-node', '2', '/nonexistent/x.ts']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /script \/nonexistent\/x\.ts does not exist/);
});

test('a recipe under the launcher: `tunekit launch ... bin/tunekit.mjs train recipe.yaml` trains on 2 processes, rank 0 writes and speaks', { timeout: 180_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'tk-launch-recipe-'));
  const recipe = new URL('../../recipes/text-classification.yaml', import.meta.url).pathname;
  const r = run(['--standalone', '--nproc-per-node', '2', bin, 'train', recipe, '--training_args.max_steps', '3', '--training_args.logging_steps', '1', '--training_args.output_dir', join(out, 'run')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('tunekit train:')).length, 1, r.stdout);
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('trained 3 steps')).length, 1, r.stdout);
  const state = JSON.parse(readFileSync(join(out, 'run', 'trainer_state.json'), 'utf8')) as { global_step: number; log_history: { loss?: number }[]; train_batch_size: number };
  assert.equal(state.global_step, 3);
  const losses = state.log_history.filter((h) => typeof h.loss === 'number').map((h) => h.loss!);
  assert.equal(losses.length, 3);
  assert.ok(losses.every((l) => Number.isFinite(l) && l > 0.3 && l < 1.2), String(losses));
  assert.ok(existsSync(join(out, 'run', 'model.safetensors')));
});
