// report_to: 'tensorboard' end to end: a tiny model trained by the Trainer writes an event file
// whose scalars are trainer.state.log_history (HF's tags, global steps, float32 values), read
// back by tunekit's reader and by TensorBoard's own EventAccumulator (the python of HF_PYTHON,
// default /tmp/venv-hf/bin/python; scripts/torch2-venv.sh's venv has tensorboard); report_to
// parsing; the log folder; text values and addText.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { argmax, readEventFile, TensorBoardCallback, TrainingArguments, type LogEntry, type NDArray, type TensorBoardEvent } from '../../src/trainer/index.js';
import { TinyClassifier, classificationRows, quietTrainer, testArgs, tmpDir } from './tiny.js';

const accuracy = (p: { predictions: unknown; label_ids: unknown }): Record<string, number> => {
  const pred = argmax(p.predictions as NDArray).data, lab = (p.label_ids as NDArray).data;
  let ok = 0;
  for (let i = 0; i < lab.length; i++) if (pred[i] === lab[i]) ok++;
  return { accuracy: ok / lab.length };
};

/** HF rewrite_logs, written out again here so the test does not lean on the code under test. */
const tagOf = (k: string): string => (k.startsWith('eval_') ? `eval/${k.slice(5)}` : k.startsWith('test_') ? `test/${k.slice(5)}` : `train/${k}`);

/** tag -> [step, float32 value][] of every numeric key of log_history. */
function expectedScalars(history: LogEntry[]): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const { step, ...logs } of history)
    for (const [k, v] of Object.entries(logs)) (out[tagOf(k)] ??= []).push([step!, Math.fround(v)]);
  return out;
}

function eventsIn(dir: string): TensorBoardEvent[] {
  return readdirSync(dir).filter((n) => n.includes('tfevents')).sort().flatMap((n) => readEventFile(join(dir, n)));
}
function scalarsOf(events: TensorBoardEvent[]): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const ev of events) for (const v of ev.summary ?? []) if (v.simpleValue !== undefined) (out[v.tag] ??= []).push([ev.step, v.simpleValue]);
  return out;
}
function textsOf(events: TensorBoardEvent[]): Record<string, [number, string][]> {
  const out: Record<string, [number, string][]> = {};
  for (const ev of events) for (const v of ev.summary ?? []) if (v.pluginName === 'text') (out[v.tag] ??= []).push([ev.step, v.strings![0]!]);
  return out;
}

/** One tiny run shared by the checks below: 3 epochs of 3 updates, logging every step, evaluating every 4. */
const run = (async () => {
  const model = new TinyClassifier();
  const config = { model_type: 'tiny', hidden_size: 8, num_labels: 3 };
  Object.assign(model, { config });
  const args = testArgs({ report_to: 'tensorboard', num_train_epochs: 3, per_device_train_batch_size: 4, logging_steps: 1,
    eval_strategy: 'steps', eval_steps: 4, learning_rate: 0.05, seed: 3 });
  const trainer = quietTrainer({ model, args, trainDataset: classificationRows(12, { seed: 5 }), evalDataset: classificationRows(6, { seed: 9 }), computeMetrics: accuracy });
  await trainer.train();
  const runs = readdirSync(join(args.output_dir, 'runs'));
  assert.equal(runs.length, 1);
  return { trainer, args, config, runName: runs[0]!, logDir: join(args.output_dir, 'runs', runs[0]!) };
})();

test('report_to tensorboard: the scalars are log_history (tags, steps, float32 values); args and model config as text', async () => {
  const { trainer, args, config, runName, logDir } = await run;
  // HF default_logdir: runs/<%b%d_%H-%M-%S>_<hostname>
  assert.match(runName, new RegExp(`^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\\d{2}_\\d{2}-\\d{2}-\\d{2}_${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  assert.equal(readdirSync(logDir).length, 1);
  const events = eventsIn(logDir);
  const want = expectedScalars(trainer.state.log_history);
  for (const tag of ['train/loss', 'train/learning_rate', 'train/grad_norm', 'train/epoch', 'eval/loss', 'eval/accuracy', 'eval/runtime',
    'eval/samples_per_second', 'train/train_loss', 'train/train_runtime', 'train/train_samples_per_second', 'train/train_steps_per_second'])
    assert.ok(want[tag], `log_history has ${tag}`);
  assert.equal(want['train/loss']!.length, 9); // logging_steps 1 over 9 updates
  assert.deepEqual(want['eval/loss']!.map(([s]) => s), [4, 8]);
  assert.deepEqual(scalarsOf(events), want);
  assert.deepEqual(textsOf(events), {
    'args/text_summary': [[0, args.toJsonString()]],
    'model_config/text_summary': [[0, `${JSON.stringify(config, null, 2)}\n`]],
  });
});

test("TensorBoard's own EventAccumulator reads the same scalars and texts (python of HF_PYTHON)", async () => {
  const { trainer, args, logDir } = await run;
  const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
  const script = [
    'import json, sys',
    'from tensorboard.backend.event_processing import event_accumulator as ea',
    "acc = ea.EventAccumulator(sys.argv[1], size_guidance={'scalars': 0, 'tensors': 0})",
    'acc.Reload()',
    "scalars = {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in acc.Tags()['scalars']}",
    "texts = {t: [[e.step, e.tensor_proto.string_val[0].decode('utf-8')] for e in acc.Tensors(t)] for t in acc.Tags()['tensors']}",
    "print(json.dumps({'scalars': scalars, 'texts': texts, 'version': acc.file_version}))",
  ].join('\n');
  const r = spawnSync(py, ['-c', script, logDir], { encoding: 'utf8' });
  assert.ok(!r.error && r.status === 0, `TensorBoard's reader could not run through HF_PYTHON=${py} (a python with tensorboard: ` +
    `scripts/torch2-venv.sh's venv has it; set HF_PYTHON to its bin/python): ${r.error?.message ?? r.stderr}`);
  const got = JSON.parse(r.stdout) as { scalars: Record<string, [number, number][]>; texts: Record<string, [number, string][]>; version: number };
  assert.equal(got.version, 2); // EventAccumulator parses 'brain.Event:2' to its number
  assert.deepEqual(got.scalars, expectedScalars(trainer.state.log_history));
  assert.deepEqual(got.texts['args/text_summary'], [[0, args.toJsonString()]]);
  assert.equal(JSON.parse(got.texts['args/text_summary']![0]![1]).report_to[0], 'tensorboard');
  assert.deepEqual(Object.keys(got.texts).sort(), ['args/text_summary', 'model_config/text_summary']);
});

test("report_to: 'all' is every shipped integration; null / 'none' are none (transformers 5.x); others are errors", () => {
  const ra = (r: unknown): string[] => new TrainingArguments({ output_dir: 'o', report_to: r as string }).report_to as string[];
  assert.deepEqual(ra('all'), ['tensorboard', 'dashboard']);
  assert.deepEqual(ra(['all']), ['tensorboard', 'dashboard']);
  assert.deepEqual(ra('tensorboard'), ['tensorboard']);
  assert.deepEqual(ra(['tensorboard', 'all', 'none']), ['tensorboard', 'dashboard']);
  assert.deepEqual(ra(null), []);
  assert.deepEqual(ra('none'), []);
  assert.throws(() => ra('wandb'), /report_to 'wandb' is not supported by tunekit \(an integration it does not ship\); use 'tensorboard', 'dashboard', 'all' or 'none'/);
  assert.throws(() => ra(['tensorboard', 'tensorbord']), /report_to 'tensorbord' is not supported by tunekit \(unknown integration\)/);
  // the Trainer adds one TensorBoardCallback per report_to 'tensorboard', none otherwise
  const count = (r: string): number => quietTrainer({ model: new TinyClassifier(), args: testArgs({ report_to: r }) })
    .callbackHandler.callbacks.filter((c) => c instanceof TensorBoardCallback).length;
  assert.equal(count('tensorboard'), 1);
  assert.equal(count('none'), 0);
});

test('log folder: logDir, then TENSORBOARD_LOGGING_DIR, then args.logging_dir; a new file per train()', async () => {
  const rows = classificationRows(4, { seed: 1 });
  const train = async (over: Record<string, unknown>, cb?: TensorBoardCallback): Promise<string> => {
    const t = quietTrainer({ model: new TinyClassifier(), args: testArgs({ max_steps: 1, logging_steps: 1, ...over }), trainDataset: rows, callbacks: cb ? [cb] : [] });
    await t.train();
    return t.args.output_dir;
  };
  const own = tmpDir();
  await train({ report_to: 'tensorboard', logging_dir: own });
  assert.equal(readdirSync(own).filter((n) => n.startsWith('events.out.tfevents.')).length, 1);
  const fromEnv = tmpDir();
  const ignored = tmpDir();
  process.env.TENSORBOARD_LOGGING_DIR = fromEnv;
  try {
    await train({ report_to: 'tensorboard', logging_dir: ignored });
  } finally {
    delete process.env.TENSORBOARD_LOGGING_DIR;
  }
  assert.equal(readdirSync(fromEnv).length, 1);
  assert.equal(readdirSync(ignored).length, 0);
  const given = tmpDir();
  const cb = new TensorBoardCallback({ logDir: given });
  await train({ report_to: 'none' }, cb);
  await train({ report_to: 'none' }, cb);
  assert.equal(readdirSync(given).length, 2); // closed at train end, a new event file on the next train()
  assert.equal(scalarsOf(eventsIn(given))['train/loss']!.length, 2);
});

test('text: string log values as text (HF), other values warned about and dropped, addText for sample generations', async () => {
  const dir = tmpDir();
  const cb = new TensorBoardCallback({ logDir: dir });
  assert.throws(() => new TensorBoardCallback().addText('x', 'y'), /TensorBoardCallback.addText: no log folder yet/);
  const trainer = quietTrainer({ model: new TinyClassifier(), args: testArgs({ max_steps: 2, logging_steps: 1 }), trainDataset: classificationRows(8, { seed: 2 }), callbacks: [cb] });
  await trainer.train();
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => { warnings.push(m); };
  try {
    trainer.log({ 'text/sample': 'Once upon a time', bad: { a: 1 } } as unknown as LogEntry);
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /Trainer is attempting to log a value of "\[object Object\]" of type object for key "train\/bad" as a scalar/);
  cb.addText('samples', 'The cat sat\non the mat', 5);
  cb.addText('samples', 'default step');
  cb.addScalar('custom/perplexity', 14.7);
  const events = eventsIn(dir);
  assert.deepEqual(textsOf(events)['train/text/sample/text_summary'], [[2, 'Once upon a time']]);
  assert.deepEqual(textsOf(events)['samples/text_summary'], [[5, 'The cat sat\non the mat'], [2, 'default step']]);
  assert.deepEqual(scalarsOf(events)['custom/perplexity'], [[2, Math.fround(14.7)]]);
  assert.ok(!('train/bad' in scalarsOf(events)));
});
