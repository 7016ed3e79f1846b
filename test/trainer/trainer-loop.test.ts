// Trainer training-loop semantics on tiny models, checked against a hand-written loop that spells
// out HF's rules: micro-batch grouping, the >= 4.50 loss division (partial last step included),
// num_items_in_batch for loss-kwargs models, clipping, AdamW + linear warmup, logged values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensorCount, tidy, type Tensor } from '../../src/torch/index.js';
import { AdamW, clipGradNorm, getParameterGroups, getScheduler } from '../../src/optim/index.js';
import { defaultDataCollator } from '../../src/data/collators/index.js';
import { PrinterCallback, ProgressCallback, Trainer, pyRound, type LogEntry, type TrainingArgumentsInit } from '../../src/trainer/index.js';
import { TinyClassifier, TinyLM, classificationRows, lmRows, quietTrainer, snapshot, testArgs } from './tiny.js';

interface RefStep { loss: number; grad_norm: number; learning_rate: number; epoch: number }

/**
 * HF's loop by hand: sequential order, micro-batches of `bs` rows grouped `gas` at a time from
 * each epoch's start (the last group takes what is left), loss rule as named.
 */
function referenceRun(model: TinyClassifier | TinyLM, rows: Record<string, unknown>[], o: { bs: number; gas: number; epochs: number; lr: number; wd: number; warmup: number; rule: 'divide' | 'none' | 'kwargs' }): RefStep[] {
  const nMicro = Math.ceil(rows.length / o.bs);
  const updatesPerEpoch = Math.ceil(nMicro / o.gas);
  const total = updatesPerEpoch * o.epochs;
  const opt = new AdamW(getParameterGroups(model.namedParameters(), o.wd), { lr: o.lr, betas: [0.9, 0.999], eps: 1e-8 });
  const sched = getScheduler('linear', opt, { numWarmupSteps: o.warmup, numTrainingSteps: total });
  const params = model.parameters();
  const out: RefStep[] = [];
  for (let e = 0; e < o.epochs; e++) {
    for (let u = 0; u < updatesPerEpoch; u++) {
      const micro = Array.from({ length: o.gas }, (_, k) => u * o.gas + k).filter((m) => m < nMicro);
      out.push(tidy(() => {
        const batches = micro.map((m) => defaultDataCollator(rows.slice(m * o.bs, (m + 1) * o.bs) as never) as Record<string, Tensor>);
        const items = batches.reduce((s, b) => s + b.labels!.ne(-100).sum().item(), 0);
        let stepLoss = 0;
        for (const b of batches) {
          const inputs = o.rule === 'kwargs' ? { ...b, num_items_in_batch: b.labels!.ne(-100).sum().mul(0).add(items) } : b;
          let loss = model.forward(inputs as never).loss!;
          if (o.rule === 'divide') loss = loss.div(o.gas); // also when the group is partial
          loss.backward();
          stepLoss = Math.fround(stepLoss + loss.item());
        }
        const gradNorm = clipGradNorm(params, 1.0);
        opt.step();
        sched.step();
        opt.zeroGrad();
        return { loss: stepLoss, grad_norm: gradNorm, learning_rate: sched.getLastLr()[0]!, epoch: e + (micro[micro.length - 1]! + 1) / nMicro };
      }));
    }
  }
  return out;
}

function trainerRun(model: TinyClassifier | TinyLM, rows: Record<string, unknown>[], over: Partial<TrainingArgumentsInit>, gaLossRule: 'divide' | 'none' = 'divide') {
  const args = testArgs({ per_device_train_batch_size: 2, gradient_accumulation_steps: 2, learning_rate: 1e-2, weight_decay: 0.01,
    warmup_steps: 1, logging_steps: 1, num_train_epochs: 2, ...over });
  const trainer = quietTrainer({ model, args, trainDataset: rows, trainSampler: 'sequential', gaLossRule });
  return trainer;
}

const steps = (h: LogEntry[]): LogEntry[] => h.filter((e) => 'loss' in e);

test('GA loss rule (>= 4.50): mean loss / gas per micro-batch, partial last update still / gas; logs as HF', async () => {
  const rows = classificationRows(10); // 5 micro-batches of 2 per epoch -> updates of 2, 2, 1
  const ref = referenceRun(new TinyClassifier(), rows, { bs: 2, gas: 2, epochs: 2, lr: 1e-2, wd: 0.01, warmup: 1, rule: 'divide' });
  const model = new TinyClassifier();
  const trainer = trainerRun(model, rows, {});
  const out = await trainer.train();
  const logged = steps(trainer.state.log_history);
  assert.equal(logged.length, 6);
  assert.deepEqual(logged.map((e) => e.epoch), [0.4, 0.8, 1, 1.4, 1.8, 2]);
  assert.deepEqual(ref.map((r) => r.epoch), [0.4, 0.8, 1, 1.4, 1.8, 2]);
  logged.forEach((e, i) => {
    assert.equal(e.step, i + 1);
    assert.equal(e.loss, pyRound(ref[i]!.loss, 4), `loss at step ${i + 1}`);
    assert.equal(e.grad_norm, ref[i]!.grad_norm, `grad_norm at step ${i + 1}`);
    assert.equal(e.learning_rate, ref[i]!.learning_rate);
  });
  // linear warmup over 1 step then decay to 0 at step 6, logged after each scheduler step
  assert.deepEqual(logged.map((e) => e.learning_rate), [1, 4 / 5, 3 / 5, 2 / 5, 1 / 5, 0].map((f) => 1e-2 * f));
  // the partial update (one micro-batch) is still divided by gas=2: about half the others
  assert.ok(logged[2]!.loss! < 0.75 * logged[1]!.loss!, `partial step loss ${logged[2]!.loss} vs ${logged[1]!.loss}`);
  const refModel = new TinyClassifier();
  referenceRun(refModel, rows, { bs: 2, gas: 2, epochs: 2, lr: 1e-2, wd: 0.01, warmup: 1, rule: 'divide' });
  assert.deepEqual(snapshot(model), snapshot(refModel));
  const last = trainer.state.log_history.at(-1)!;
  assert.deepEqual(Object.keys(last).sort(), ['epoch', 'step', 'total_flos', 'train_loss', 'train_runtime', 'train_samples_per_second', 'train_steps_per_second']);
  assert.equal(last.train_loss, ref.reduce((s, r) => s + r.loss, 0) / 6);
  assert.equal(out.global_step, 6);
  assert.equal(trainer.state.max_steps, 6);
  assert.equal(trainer.state.num_train_epochs, 2);
  // FLOPs: 6 * tokens * non-embedding parameters (HF floating_point_ops)
  const nonEmb = model.numParameters() - model.embed.weight.numel();
  assert.equal(trainer.state.total_flos, 6 * (10 * 6 * 2) * nonEmb); // 10 rows of 6 tokens, 2 epochs
});

test('gaLossRule none: the 4.47.1 rule (mean loss not divided)', async () => {
  const rows = classificationRows(8);
  const ref = referenceRun(new TinyClassifier(), rows, { bs: 2, gas: 2, epochs: 1, lr: 1e-2, wd: 0.01, warmup: 1, rule: 'none' });
  const trainer = trainerRun(new TinyClassifier(), rows, { num_train_epochs: 1 }, 'none');
  await trainer.train();
  assert.deepEqual(steps(trainer.state.log_history).map((e) => e.loss), ref.map((r) => pyRound(r.loss, 4)));
});

test('loss-kwargs model: each micro-batch loss = token-loss sum / labels != -100 over the whole update (counted before the shift)', async () => {
  const rows = lmRows(7); // micro-batches 2,2,2,1 -> updates of 4 and 3 rows
  const ref = referenceRun(new TinyLM(), rows, { bs: 2, gas: 2, epochs: 2, lr: 1e-2, wd: 0.01, warmup: 1, rule: 'kwargs' });
  const model = new TinyLM();
  const trainer = trainerRun(model, rows, {});
  await trainer.train();
  const logged = steps(trainer.state.log_history);
  assert.deepEqual(logged.map((e) => e.loss), ref.map((r) => pyRound(r.loss, 4)));
  assert.deepEqual(logged.map((e) => e.grad_norm), ref.map((r) => r.grad_norm));
  const refModel = new TinyLM();
  referenceRun(refModel, rows, { bs: 2, gas: 2, epochs: 2, lr: 1e-2, wd: 0.01, warmup: 1, rule: 'kwargs' });
  assert.deepEqual(snapshot(model), snapshot(refModel));
});

test('max_steps overrides epochs; epoch = e + micro-batches done / micro-batches per epoch', async () => {
  const trainer = trainerRun(new TinyClassifier(), classificationRows(10), { max_steps: 7, num_train_epochs: 1 });
  await trainer.train();
  const logged = steps(trainer.state.log_history);
  assert.deepEqual(logged.map((e) => e.step), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(logged.map((e) => e.epoch), [0.4, 0.8, 1, 1.4, 1.8, 2, 2.4]);
  assert.equal(trainer.state.num_train_epochs, 3); // ceil(7 / 3 updates per epoch)
  assert.equal(trainer.state.epoch, 2.4);
});

test('logging cadence: logging_steps averages the steps since the last log; logging_first_step; epoch strategy; ratios', async () => {
  const rows = classificationRows(10);
  const every = trainerRun(new TinyClassifier(), rows, {});
  await every.train();
  const each = steps(every.state.log_history);
  // unrounded per-step losses are not in the logs; recompute them from the reference loop
  const ref = referenceRun(new TinyClassifier(), rows, { bs: 2, gas: 2, epochs: 2, lr: 1e-2, wd: 0.01, warmup: 1, rule: 'divide' });
  assert.equal(each.length, 6);
  const two = trainerRun(new TinyClassifier(), rows, { logging_steps: 2, logging_first_step: true });
  await two.train();
  const l2 = steps(two.state.log_history);
  assert.deepEqual(l2.map((e) => e.step), [1, 2, 4, 6]);
  assert.equal(l2[0]!.loss, pyRound(ref[0]!.loss, 4));
  assert.equal(l2[1]!.loss, pyRound(ref[1]!.loss, 4)); // only step 2 since the log at step 1
  assert.equal(l2[2]!.loss, pyRound(Math.fround(ref[2]!.loss + ref[3]!.loss) / 2, 4));
  const ep = trainerRun(new TinyClassifier(), rows, { logging_strategy: 'epoch' });
  await ep.train();
  assert.deepEqual(steps(ep.state.log_history).map((e) => [e.step, e.epoch]), [[3, 1], [6, 2]]);
  const ratio = trainerRun(new TinyClassifier(), rows, { logging_steps: 0.5 });
  await ratio.train();
  assert.equal(ratio.state.logging_steps, 3); // ceil(6 * 0.5)
  assert.deepEqual(steps(ratio.state.log_history).map((e) => e.step), [3, 6]);
});

test('callback events fire in HF order; a callback can stop training', async () => {
  const events: string[] = [];
  const names = ['onInitEnd', 'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onStepBegin', 'onSubstepEnd', 'onStepEnd',
    'onLog', 'onPreOptimizerStep', 'onOptimizerStep', 'onSave', 'onEvaluate'] as const;
  const recorder = Object.fromEntries(names.map((n) => [n, () => { events.push(n); }]));
  const trainer = quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 2, gradient_accumulation_steps: 2, max_steps: 2, logging_steps: 1 }),
    trainDataset: classificationRows(8), callbacks: [recorder] });
  await trainer.train();
  const step = ['onStepBegin', 'onSubstepEnd', 'onPreOptimizerStep', 'onOptimizerStep', 'onStepEnd', 'onLog'];
  assert.deepEqual(events, ['onInitEnd', 'onTrainBegin', 'onEpochBegin', ...step, ...step, 'onEpochEnd', 'onLog', 'onTrainEnd']);
  let seen = 0;
  const stopper = quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 2, max_steps: 10 }), trainDataset: classificationRows(8),
    callbacks: [{ onStepEnd: (_a, s, c) => { seen = s.global_step; if (s.global_step === 3) c.should_training_stop = true; } }] });
  await stopper.train();
  assert.equal(seen, 3);
  assert.equal(stopper.state.global_step, 3);
  assert.throws(() => quietTrainer({ model: new TinyClassifier(), args: testArgs(), callbacks: [{ onInitEnd: (async () => {}) as never }] }), /synchronous/);
});

test('remove_unused_columns drops columns forward() does not take (arrays: per row in the collator)', async () => {
  const rows = classificationRows(6).map((r, i) => ({ ...r, idx: i, text: `row ${i}` }));
  const t = quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 2, max_steps: 2 }), trainDataset: rows });
  await t.train(); // TinyClassifier.forward throws on an unexpected input such as `idx`
  const keep = quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 2, max_steps: 2, remove_unused_columns: false }), trainDataset: rows });
  await assert.rejects(keep.train(), /unexpected input 'idx'/);
});

test('a tunekit Dataset loses the unused columns through removeColumns (HF _remove_unused_columns)', async () => {
  const { Dataset } = await import('../../src/data/dataset.js');
  const ds = Dataset.fromList(classificationRows(6).map((r, i) => ({ ...r, idx: i, text: `row ${i}` })) as never);
  const t = quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 2, max_steps: 2 }), trainDataset: ds });
  const loader = t.getTrainDataloader();
  assert.deepEqual([...(loader as unknown as { source: { columnNames: string[] } }).source.columnNames].sort(), ['attention_mask', 'input_ids', 'label']);
  await t.train();
  const none = Dataset.fromList([{ foo: 1 }, { foo: 2 }] as never);
  assert.throws(() => quietTrainer({ model: new TinyClassifier(), args: testArgs(), trainDataset: none }).getTrainDataloader(),
    /No columns in the dataset match the model's forward method signature\. The following columns have been ignored: \[foo\]/);
});

test('training keeps the live tensor count flat (one tidy scope per update)', async () => {
  const counts: number[] = [];
  const t = quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 2, gradient_accumulation_steps: 2, num_train_epochs: 4 }),
    trainDataset: classificationRows(10), callbacks: [{ onEpochBegin: () => { counts.push(liveTensorCount()); } }] });
  await t.train();
  assert.equal(counts.length, 4);
  assert.ok(counts.slice(1).every((c) => c === counts[1]), `live tensors per epoch: ${counts.join(', ')}`);
});

test('progress: one updating line plus log lines on a terminal; plain lines otherwise', async () => {
  const run = async (isTTY: boolean): Promise<string> => {
    let text = '';
    const stream = { isTTY, columns: 80, write: (s: string) => { text += s; return true; } };
    const t = new Trainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 2, max_steps: 3, logging_steps: 1 }),
      trainDataset: classificationRows(8), callbacks: [new ProgressCallback(stream)] });
    t.removeCallback(PrinterCallback); // disable_tqdm's printer; the progress callback under test stays
    await t.train();
    return text;
  };
  const saved = process.env.CI;
  delete process.env.CI;
  try {
    const tty = await run(true);
    assert.match(tty, /\r/);
    assert.match(tty, /3\/3 \[/);
    assert.match(tty, /\{'loss': [\d.]+, 'grad_norm': [\d.e-]+, 'learning_rate': [\d.e-]+, 'epoch': 0\.25\}/);
    const plain = await run(false);
    assert.doesNotMatch(plain, /\r/);
    assert.equal(plain.split('\n').filter((l) => l.startsWith("{'loss'")).length, 3);
    assert.match(plain, /'train_loss'/);
  } finally {
    if (saved !== undefined) process.env.CI = saved;
  }
});

test('include_num_input_tokens_seen counts input_ids elements and logs them', async () => {
  const t = quietTrainer({ model: new TinyClassifier(), args: testArgs({ per_device_train_batch_size: 2, gradient_accumulation_steps: 2, max_steps: 2,
    include_num_input_tokens_seen: true, logging_steps: 1 }), trainDataset: classificationRows(8) });
  await t.train();
  const logged = steps(t.state.log_history);
  assert.deepEqual(logged.map((e) => e.num_input_tokens_seen), [24, 48]); // 2 micro-batches x 2 rows x 6 tokens per update
  assert.equal(t.state.num_input_tokens_seen, 48);
});
