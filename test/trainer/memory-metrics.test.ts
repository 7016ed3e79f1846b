// memory-metrics.test.ts — skip_memory_metrics: false (HF's TrainerMemoryTracker): train() returns
// init_ and train_ memory deltas (+ before_init_mem_cpu), evaluate() and predict() theirs; a
// 64 MiB temporary made in every training forward shows in train_mem_cpu_peaked_delta; an
// evaluation during training adds no eval_ deltas (HF ignores nested stages); by default none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { TinyClassifier, classificationRows, quietTrainer, testArgs, type TinyInputs } from './tiny.js';

const MIB = 2 ** 20;

/** TinyClassifier whose training forward also fills and sums a 64 MiB float32 temporary. */
class Hungry extends TinyClassifier {
  override forward(inputs: TinyInputs) {
    if (this.training) torch.ones([16 * MIB]).sum().item();
    return super.forward(inputs);
  }
}

test('skip_memory_metrics false: init / train / eval / test deltas as HF names them; the training peak is seen', async () => {
  const rows = classificationRows(8, { seed: 1 });
  const t = quietTrainer({
    model: new Hungry(), args: testArgs({ skip_memory_metrics: false, max_steps: 2, per_device_train_batch_size: 4, eval_strategy: 'steps', eval_steps: 1 }),
    trainDataset: rows, evalDataset: rows,
  });
  const out = await t.train();
  for (const k of ['init_mem_cpu_alloc_delta', 'init_mem_cpu_peaked_delta', 'before_init_mem_cpu', 'train_mem_cpu_alloc_delta', 'train_mem_cpu_peaked_delta'])
    assert.equal(typeof out.metrics[k], 'number', k);
  assert.ok(out.metrics.before_init_mem_cpu! > 10 * MIB, 'RSS before the Trainer');
  assert.ok(out.metrics.train_mem_cpu_peaked_delta! >= 48 * MIB, `the 64 MiB temporary shows in the peak: ${out.metrics.train_mem_cpu_peaked_delta! / MIB} MiB`);
  assert.ok(out.metrics.init_mem_cpu_peaked_delta! >= 0 && out.metrics.train_mem_cpu_peaked_delta! >= 0);
  // the evaluations inside train() are nested: no eval_ deltas in their logs
  const evalLogs = t.state.log_history.filter((e) => 'eval_loss' in e);
  assert.equal(evalLogs.length, 2);
  assert.ok(evalLogs.every((e) => !Object.keys(e).some((k) => k.includes('_mem_'))));
  const ev = t.evaluate();
  assert.equal(typeof ev.eval_mem_cpu_alloc_delta, 'number');
  assert.equal(typeof ev.eval_mem_cpu_peaked_delta, 'number');
  assert.ok(!('init_mem_cpu_alloc_delta' in ev), 'init is reported once, with the first stage');
  assert.ok(!Object.keys(t.state.log_history.at(-1)!).some((k) => k.includes('_mem_')), 'logged before the deltas are added, as HF');
  const p = t.predict(rows);
  assert.equal(typeof p.metrics.test_mem_cpu_peaked_delta, 'number');
  if (!torch.cuda.isAvailable()) assert.ok(!Object.keys(out.metrics).some((k) => k.includes('_gpu_')), 'no GPU keys without CUDA');
});

test('skip_memory_metrics true (the default): no memory keys', async () => {
  const t = quietTrainer({ model: new TinyClassifier(), args: testArgs({ max_steps: 1 }), trainDataset: classificationRows(4) });
  const out = await t.train();
  assert.ok(!Object.keys(out.metrics).some((k) => k.includes('_mem_')));
});
