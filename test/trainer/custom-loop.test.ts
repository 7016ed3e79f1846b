// The seed tutorials' custom loop: DataLoader + AdamW (HF decay groups) + getScheduler('linear') +
// your own loop, one tidy() per step.  It must train, leak no tensors, and agree with the Trainer
// built from the same blocks (gradient_accumulation_steps 1, shuffled order from the same seed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensorCount, manualSeed, tidy } from '../../src/torch/index.js';
import { AdamW, clipGradNorm, getParameterGroups, getScheduler } from '../../src/optim/index.js';
import { DataLoader } from '../../src/data/dataloader.js';
import { defaultDataCollator } from '../../src/data/collators/index.js';
import { pyRound } from '../../src/trainer/index.js';
import { TinyClassifier, classificationRows, quietTrainer, snapshot, testArgs, type TinyInputs } from './tiny.js';

test('custom loop: DataLoader + AdamW + linear schedule trains, leaks nothing, and matches the Trainer', async () => {
  const rows = classificationRows(24, { seed: 9 });
  const epochs = 4;
  manualSeed(42);
  const model = new TinyClassifier({ seed: 1 });
  const loader = new DataLoader(rows, { batchSize: 4, shuffle: true, seed: 42, collateFn: defaultDataCollator });
  const optimizer = new AdamW(getParameterGroups(model.namedParameters(), 0.01), { lr: 3e-2 });
  const scheduler = getScheduler('linear', optimizer, { numWarmupSteps: 2, numTrainingSteps: epochs * loader.length });
  const losses: number[] = [];
  const live: number[] = [];
  model.train();
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const batch of loader) {
      losses.push(tidy(() => {
        const out = model.forward(batch as unknown as TinyInputs);
        out.loss!.backward();
        clipGradNorm(model.parameters(), 1.0);
        optimizer.step();
        scheduler.step();
        optimizer.zeroGrad();
        return out.loss!.item(); // a number leaves the scope, not a tensor
      }));
      for (const t of Object.values(batch)) t.dispose(); // the loop made the batch: it frees it
    }
    live.push(liveTensorCount());
  }
  assert.equal(losses.length, epochs * 6);
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(mean(losses.slice(-6)) < 0.8 * mean(losses.slice(0, 6)), `loss did not fall: ${mean(losses.slice(0, 6))} -> ${mean(losses.slice(-6))}`);
  assert.ok(live.every((n) => n === live[0]), `live tensors grew across epochs: ${live.join(', ')}`);

  // the Trainer with the same blocks: seed 42 -> same shuffles, same groups, same schedule
  const twin = new TinyClassifier({ seed: 1 });
  const trainer = quietTrainer({ model: twin, trainDataset: rows, args: testArgs({ per_device_train_batch_size: 4, num_train_epochs: epochs,
    learning_rate: 3e-2, weight_decay: 0.01, warmup_steps: 2, logging_steps: 1, seed: 42 }) });
  await trainer.train();
  const logged = trainer.state.log_history.filter((e) => 'loss' in e).map((e) => e.loss);
  assert.deepEqual(logged, losses.map((l) => pyRound(l, 4)));
  assert.deepEqual(snapshot(twin), snapshot(model));
});
