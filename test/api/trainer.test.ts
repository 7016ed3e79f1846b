// The Trainer with HF's keyword names: snake_case options (train_dataset, compute_metrics, ...)
// equal to the camelCase ones, `tokenizer` taken as processing_class (it pads the batches and is
// saved with every checkpoint), typos named; TrainingArguments printed like HF's repr and built
// positionally; predict()'s arrays with row access and argmax.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { DataCollatorWithPadding } from '../../src/data/index.js';
import { PrinterCallback, ProgressCallback, Trainer, TrainingArguments, argmax, type EvalPrediction, type TrainerOptions } from '../../src/trainer/index.js';
import { HostArray } from '../../src/trainer/arrays.js'; // (also from src/trainer/index.ts once it exports it)
import { TinyClassifier, snapshot, testArgs, tmpDir } from '../trainer/tiny.js';
import { tinyTokenizer } from '../pipelines/tiny.js';

function quiet(opts: TrainerOptions): Trainer {
  const t = new Trainer(opts);
  t.removeCallback(PrinterCallback);
  t.removeCallback(ProgressCallback);
  return t;
}
// rows of different lengths: only a padding collator can batch them
const ROWS = [
  { input_ids: [2, 16, 19, 3], label: 0 }, { input_ids: [2, 17, 3], label: 1 }, { input_ids: [2, 21, 22, 23, 3], label: 2 },
  { input_ids: [2, 9, 3], label: 1 }, { input_ids: [2, 30, 31, 3], label: 0 }, { input_ids: [2, 40, 3], label: 2 },
];

test('Trainer({ tokenizer }) is processing_class: it pads the batches and is saved with checkpoints and the model', async () => {
  const tokenizer = await tinyTokenizer();
  const dir = tmpDir();
  const args = testArgs({ output_dir: dir, max_steps: 2, per_device_train_batch_size: 2, save_strategy: 'steps', save_steps: 1 });
  const trainer = quiet({ model: new TinyClassifier({ vocab: 128 }), args, train_dataset: ROWS, tokenizer });
  assert.equal(trainer.processingClass, tokenizer);
  assert.ok(trainer.dataCollator instanceof DataCollatorWithPadding);
  await trainer.train(); // rows of 3-5 tokens in one batch: padded, or the batch could not be made
  for (const ck of ['checkpoint-1', 'checkpoint-2']) {
    assert.ok(existsSync(join(dir, ck, 'tokenizer.json')), `${ck} holds the tokenizer`);
    assert.ok(existsSync(join(dir, ck, 'tokenizer_config.json')));
  }
  const out = tmpDir();
  await trainer.saveModel(out);
  assert.ok(readdirSync(out).includes('tokenizer.json'));
  // the same with processingClass, processing_class: one option under three names
  for (const key of ['processing_class', 'processingClass']) {
    const t = quiet({ model: new TinyClassifier({ vocab: 128 }), args: testArgs(), train_dataset: ROWS, [key]: tokenizer } as TrainerOptions);
    assert.equal(t.processingClass, tokenizer, key);
  }
  assert.throws(() => new Trainer({ model: new TinyClassifier(), tokenizer, processing_class: tokenizer }),
    /both 'tokenizer' and 'processing_class' were given; 'tokenizer' is the older name of processing_class/);
  assert.throws(() => new Trainer({ model: new TinyClassifier(), tokenizer, processingClass: tokenizer }), /both 'tokenizer' and 'processingClass'/);
});

test('snake_case and camelCase Trainer options train identically; unknown keys name the closest option', async () => {
  const tokenizer = await tinyTokenizer();
  const seen: string[] = [];
  const metrics = (tag: string) => (p: EvalPrediction): Record<string, number> => {
    seen.push(tag);
    const pred = argmax(p.predictions as HostArray).data, gold = (p.label_ids as HostArray).data;
    return { accuracy: pred.filter((x, i) => x === gold[i]).length / pred.length };
  };
  const run = async (opts: Record<string, unknown>, tag: string) => {
    const model = new TinyClassifier({ vocab: 128, seed: 3 });
    const t = quiet({ model, args: testArgs({ max_steps: 3, per_device_train_batch_size: 2 }), ...opts, ...(tag === 'snake'
      ? { train_dataset: ROWS, eval_dataset: ROWS, processing_class: tokenizer, compute_metrics: metrics(tag) }
      : { trainDataset: ROWS, evalDataset: ROWS, processingClass: tokenizer, computeMetrics: metrics(tag) }) } as TrainerOptions);
    await t.train();
    return { weights: snapshot(model), eval: t.evaluate() };
  };
  const a = await run({ train_sampler: 'sequential' }, 'snake');
  const b = await run({ trainSampler: 'sequential' }, 'camel');
  assert.deepEqual(seen, ['snake', 'camel']); // compute_metrics was used under either name
  assert.deepEqual([...a.weights.entries()], [...b.weights.entries()]);
  const init = snapshot(new TinyClassifier({ vocab: 128, seed: 3 }));
  assert.notDeepEqual([...a.weights.entries()], [...init.entries()], 'train_dataset was trained on');
  assert.equal(a.eval.eval_loss, b.eval.eval_loss);
  assert.equal(a.eval.eval_accuracy, b.eval.eval_accuracy);
  assert.throws(() => new Trainer({ model: new TinyClassifier(), train_datset: ROWS } as never),
    (e: unknown) => e instanceof TypeError && e.message === "Trainer(): unknown option 'train_datset' — did you mean 'train_dataset'?");
  assert.throws(() => new Trainer({ model: new TinyClassifier(), compute_metrics: metrics('x'), computeMetrics: metrics('y') }), /same option, given different values/);
  assert.throws(() => new Trainer({ model: new TinyClassifier(), model_init: () => null } as never), /model_init .* is not supported/);
});

test('predict() arrays: row(i), argmax(axis), get, tolist, length', async () => {
  const tokenizer = await tinyTokenizer();
  const trainer = quiet({ model: new TinyClassifier({ vocab: 128, labels: 3 }), args: testArgs({ per_device_eval_batch_size: 4 }), processing_class: tokenizer });
  const out = trainer.predict(ROWS);
  const preds = out.predictions as HostArray;
  assert.ok(preds instanceof HostArray);
  assert.deepEqual(preds.shape, [6, 3]);
  assert.equal(preds.length, 6);
  const nested = preds.tolist() as number[][];
  for (let i = 0; i < 6; i++) {
    assert.deepEqual([...preds.row(i).data], nested[i]);
    assert.equal(preds.get(i, 2), nested[i]![2]);
  }
  assert.deepEqual([...preds.row(-1).data], nested[5]);
  const best = nested.map((r) => r.indexOf(Math.max(...r)));
  assert.deepEqual(preds.argmax(-1).tolist(), best);
  assert.deepEqual(preds.argmax({ axis: 1 }).tolist(), best);
  assert.deepEqual(preds.argmax(0).tolist(), [0, 1, 2].map((c) => nested.map((r) => r[c]!).reduce((bi, v, i, col) => (v > col[bi]! ? i : bi), 0)));
  assert.equal(preds.argmax(), nested.flat().reduce((bi, v, i, all) => (v > all[bi]! ? i : bi), 0));
  assert.deepEqual((out.label_ids as HostArray).tolist(), ROWS.map((r) => r.label));
  assert.throws(() => preds.row(6), /index 6 is out of bounds for axis 0 with size 6/);
  assert.throws(() => preds.argmax(2), /axis 2 is out of bounds for array of dimension 2/);
});

test('TrainingArguments: HF repr, util.inspect, positional output_dir, misuse shown the object form', () => {
  const a = new TrainingArguments('out');
  assert.equal(a.output_dir, 'out');
  assert.equal(new TrainingArguments('out', { learning_rate: 1e-4 }).learning_rate, 1e-4);
  const s = String(a);
  const lines = s.split('\n');
  assert.equal(lines[0], 'TrainingArguments(');
  assert.equal(lines.at(-1), ')');
  const fields = lines.slice(1, -1);
  assert.ok(fields.every((l) => /^[a-z_0-9]+=.*,$/.test(l)), 'field=value, per line');
  const names = fields.map((l) => l.slice(0, l.indexOf('=')));
  assert.deepEqual(names, [...names].sort(), 'sorted by name');
  assert.equal(names[0], '_n_gpu');
  assert.equal(names.length, Object.keys(a.toDict()).length + 1);
  // Python's str() of each value, as transformers prints them
  for (const want of ['_n_gpu=0,', 'adam_epsilon=1e-08,', 'learning_rate=5e-05,', 'num_train_epochs=3.0,', 'logging_steps=500,', 'max_grad_norm=1.0,',
    'eval_strategy=IntervalStrategy.NO,', 'lr_scheduler_type=SchedulerType.LINEAR,', 'optim=OptimizerNames.ADAMW_TORCH,', 'save_strategy=SaveStrategy.STEPS,',
    'hub_token=<HUB_TOKEN>,', 'output_dir=out,', 'report_to=[],', 'do_train=False,', 'data_seed=None,', 'lr_scheduler_kwargs={},', 'label_smoothing_factor=0.0,',
    'include_for_metrics=[],', 'debug=[],'])
    assert.ok(fields.includes(want), `${want} in\n${s}`);
  assert.ok(String(new TrainingArguments({ output_dir: 'o', label_names: ['labels'], warmup_ratio: 0.1 })).includes("label_names=['labels'],\n"));
  assert.equal(inspect(a), s);
  assert.throws(() => new TrainingArguments(42 as never), /TrainingArguments: pass the fields as one object: new TrainingArguments\(\{ output_dir: 'out', learning_rate: 2e-5, num_train_epochs: 3 \}\).*got number 42/);
  assert.throws(() => new TrainingArguments('out', 2e-5 as never), /after output_dir, pass the other fields as one object/);
  assert.throws(() => Reflect.construct(TrainingArguments, [{ output_dir: 'o' }, {}]), /pass every field in the one object/);
  assert.throws(() => new TrainingArguments('a', { output_dir: 'b' }), /output_dir given twice/);
});
