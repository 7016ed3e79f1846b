// DashboardCallback on a real (tiny) Trainer run: the events file holds run_start, every log dict of
// log_history (same numbers, same steps), progress with timestamps, samples (the `samples` option,
// logSample, string log values) and train_end; a second train() appends a second session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DashboardCallback } from '../../src/trainer/integrations/dashboard.js';
import { EVENTS_FILE, readAllEvents } from '../../src/dashboard/index.js';
import { TinyLM, lmRows, quietTrainer, testArgs, tmpDir } from '../trainer/tiny.js';

type Ev = Record<string, unknown> & { type: string; time: number };
const events = async (f: string): Promise<Ev[]> => (await readAllEvents(f)).map((e) => e.event as Ev);

test('DashboardCallback: run_start, every log, progress, samples and train_end, as the Trainer saw them', async () => {
  const out = tmpDir('tunekit-dash-cb-');
  const args = testArgs({ output_dir: out, per_device_train_batch_size: 2, gradient_accumulation_steps: 2, max_steps: 6,
    logging_steps: 2, eval_strategy: 'steps', eval_steps: 3, learning_rate: 1e-2, run_name: 'tiny-run' });
  const seen: number[] = [];
  const dash = new DashboardCallback({
    progressIntervalMs: 0,
    sampleSteps: 3,
    samples: ({ step, model }) => { seen.push(step); assert.ok(model instanceof TinyLM); return [{ prompt: 'p', text: `at ${step}` }]; },
  });
  dash.logSample('before', 'training'); // no path yet: kept, written after run_start
  const trainer = quietTrainer({ model: new TinyLM(), args, trainDataset: lmRows(16), evalDataset: lmRows(4, { seed: 3 }), callbacks: [dash] });
  await trainer.train();
  const file = join(out, EVENTS_FILE);
  assert.equal(dash.path, file);
  dash.logSample('after', 'training');
  const ev = await events(file);

  const start = ev[0]!;
  assert.equal(start.type, 'run_start');
  assert.deepEqual([start.run_name, start.model, start.max_steps, start.global_step, start.effective_batch_size, start.device],
    ['tiny-run', 'TinyLM', 6, 0, 4, 'cpu']);
  assert.equal((start.args as Record<string, unknown>).learning_rate, 0.01);
  assert.equal(ev[ev.length - 1]!.type, 'sample');
  assert.equal(ev[ev.length - 2]!.type, 'train_end');
  assert.deepEqual([ev[ev.length - 2]!.step, ev[ev.length - 2]!.epoch], [6, trainer.state.epoch]);

  // every log dict, same numbers and steps as log_history (train, eval and the final summary)
  const logs = ev.filter((e) => e.type === 'log');
  assert.deepEqual(logs.map((e) => ({ ...(e.logs as object), step: e.step })), trainer.state.log_history);
  assert.deepEqual(logs.filter((e) => 'loss' in (e.logs as object)).map((e) => e.step), [2, 4, 6]);
  assert.deepEqual(logs.filter((e) => 'eval_loss' in (e.logs as object)).map((e) => e.step), [3, 6]);

  // progress: one at train begin and one per step (interval 0), steps in order, times not decreasing
  const prog = ev.filter((e) => e.type === 'progress');
  assert.deepEqual(prog.map((e) => e.step), [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(prog.every((e) => e.max_steps === 6 && !('memory' in e)), 'no CUDA memory on CPU');
  // timestamps never go back (but the sample queued before training keeps the time it was logged at)
  const timed = ev.filter((_e, i) => i !== 1);
  assert.ok(timed.every((e, i) => i === 0 || e.time >= timed[i - 1]!.time), 'timestamps never go back');
  assert.ok(ev[1]!.time <= ev[0]!.time);

  // samples: the queued one, every 3 steps, not repeated at the end (step 6 already sampled), the one after
  assert.deepEqual(seen, [3, 6]);
  assert.deepEqual(ev.filter((e) => e.type === 'sample').map((e) => [e.step, e.prompt, e.text]),
    [[0, 'before', 'training'], [3, 'p', 'at 3'], [6, 'p', 'at 6'], [6, 'after', 'training']]);
  assert.equal(ev.filter((e) => e.type === 'sample')[0], ev[1], 'the queued sample comes right after run_start');

  // an evaluate() after training is logged too (HF's TensorBoardCallback reopens its writer for it)
  const metrics = trainer.evaluate();
  const after = (await events(file)).slice(ev.length);
  assert.deepEqual(after.map((e) => [e.type, e.step]), [['log', 6]]);
  assert.equal((after[0]!.logs as Record<string, number>).eval_loss, metrics.eval_loss);
});

test('DashboardCallback: logging_dir wins over output_dir; a second train() appends a new session; bad options are refused', async () => {
  const out = tmpDir('tunekit-dash-cb-');
  const logDir = join(out, 'logs', 'x');
  const args = testArgs({ output_dir: out, logging_dir: logDir, max_steps: 2, logging_steps: 1, per_device_train_batch_size: 4 });
  const dash = new DashboardCallback();
  const trainer = quietTrainer({ model: new TinyLM(), args, trainDataset: lmRows(8), callbacks: [dash] });
  await trainer.train();
  assert.ok(!existsSync(join(out, EVENTS_FILE)));
  const file = join(logDir, EVENTS_FILE);
  const first = await events(file);
  assert.deepEqual(first.filter((e) => e.type === 'progress').map((e) => e.step), [0, 2], 'the default interval (1 s) keeps the first and last only');
  await trainer.train();
  const both = await events(file);
  assert.deepEqual(both.filter((e) => e.type === 'run_start').map((e) => e.global_step), [0, 0]);
  assert.deepEqual(both.filter((e) => e.type === 'train_end').length, 2);

  // string log values during training: sample rows
  const out2 = tmpDir('tunekit-dash-cb-');
  const d2 = new DashboardCallback();
  const t2 = quietTrainer({ model: new TinyLM(), args: testArgs({ output_dir: out2, max_steps: 1 }), trainDataset: lmRows(8),
    callbacks: [d2, { onStepEnd: () => t2.log({ generation: 'a story', loss_scale: 2 } as unknown as Record<string, number>) }] });
  await t2.train();
  const ev2 = await events(join(out2, EVENTS_FILE));
  const sample = ev2.find((e) => e.type === 'sample')!;
  assert.deepEqual([sample.step, sample.prompt, sample.text], [1, 'generation', 'a story']);
  assert.deepEqual(ev2.find((e) => e.type === 'log' && 'loss_scale' in (e.logs as object))!.logs, { loss_scale: 2, epoch: t2.state.epoch });

  assert.throws(() => new DashboardCallback({ progressInterval: 5 } as never), /unknown option 'progressInterval'/);
  assert.throws(() => new DashboardCallback({ sampleSteps: 0 }), /sampleSteps must be a positive integer/);
  assert.throws(() => new DashboardCallback({ progressIntervalMs: -1 }), /progressIntervalMs must be >= 0/);
  assert.throws(() => dash.logSample('p', 3 as never), /both must be strings/);
});
