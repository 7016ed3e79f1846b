// Each shipped recipe runs through the `tunekit` executable with a few steps into a temp folder:
// exit 0, trainer_state.json at the step count asked for, every logged loss finite and their mean
// the train_loss of train_results.json (logging_steps 1), and the saved model loads back.  Then the
// SFT adapter goes through `tunekit merge` (weights equal to mergeAndUnload in this process),
// `tunekit generate` (the merged model and base + --adapter say the same) and `tunekit eval <dir>`
// (the eval_loss of the saved run).  Children run two at a time (2 cores).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tunekit, ROOT, type CliRun } from './helpers.js';
import { writePiiData } from '../../recipes/pii-data.js';
import {
  AutoModelForCausalLM, AutoModelForMaskedLM, AutoModelForQuestionAnswering, AutoModelForSeq2SeqLM,
  AutoModelForSequenceClassification, AutoModelForTokenClassification,
} from '../../src/models/index.js';
import { PeftModel } from '../../src/peft/index.js';
import { safetensors } from '../../src/torch/index.js';

const work = mkdtempSync(join(tmpdir(), 'tunekit-cli-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const STORIES = join(ROOT, '..', 'shared', 'data', 'models', 'stories260K');
const STEPS = 3;
const pii = writePiiData(join(work, 'pii-data'), 64, 8);

interface Case { cmd: string; recipe: string; extra: string[]; load: { fromPretrained(dir: string): Promise<unknown> } | 'adapter' }
const CASES: Record<string, Case> = {
  'text-classification': { cmd: 'train', recipe: 'text-classification', extra: ['--dataset.max_train_samples', '64', '--dataset.max_eval_samples', '16'], load: AutoModelForSequenceClassification },
  ner: { cmd: 'train', recipe: 'ner', extra: ['--dataset.max_train_samples', '64', '--dataset.max_eval_samples', '16'], load: AutoModelForTokenClassification },
  'question-answering': { cmd: 'train', recipe: 'question-answering', extra: ['--dataset.max_train_samples', '32', '--dataset.max_eval_samples', '8'], load: AutoModelForQuestionAnswering },
  'fill-mask': { cmd: 'train', recipe: 'fill-mask', extra: ['--dataset.max_train_samples', '16', '--dataset.max_eval_samples', '4', '--training_args.per_device_train_batch_size', '4'], load: AutoModelForMaskedLM },
  'sft-lora': { cmd: 'sft', recipe: 'sft-lora', extra: ['--dataset.max_train_samples', '32', '--dataset.max_eval_samples', '4'], load: 'adapter' },
  'pii-masking-t5': {
    cmd: 'seq2seq', recipe: 'pii-masking-t5', load: AutoModelForSeq2SeqLM,
    extra: ['--dataset.data_files', JSON.stringify(pii), '--dataset.max_eval_samples', '4', '--training_args.generation_max_length', '8'],
  },
};

const outDir = (name: string) => join(work, name);
function run(name: string): Promise<CliRun> {
  const c = CASES[name]!;
  return tunekit([c.cmd, `recipes/${c.recipe}.yaml`, '--training_args.max_steps', String(STEPS), '--training_args.logging_steps', '1',
    '--training_args.output_dir', outDir(name), ...c.extra]);
}

/** Two children at a time, in this order; each test awaits its own. */
const names = Object.keys(CASES);
const runs = new Map<string, Promise<CliRun>>();
{
  let chain: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  names.forEach((n, i) => {
    const p = chain[i % 2]!.then(() => run(n));
    runs.set(n, p);
    chain[i % 2] = p;
  });
}

const json = (dir: string, f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, any>;

for (const name of names) {
  test(`recipe ${name} trains through tunekit ${CASES[name]!.cmd}, saves a model that loads and a consistent trainer state`, { timeout: 180_000 }, async () => {
    const r = await runs.get(name)!;
    assert.equal(r.code, 0, `exit ${r.code}:\n${r.output.slice(-3000)}`);
    const dir = outDir(name);
    const state = json(dir, 'trainer_state.json');
    assert.equal(state.global_step, STEPS);
    assert.equal(state.max_steps, STEPS);
    const losses = (state.log_history as Record<string, number>[]).filter((h) => h.loss !== undefined).map((h) => h.loss!);
    assert.equal(losses.length, STEPS, 'one logged loss per step (logging_steps 1)');
    for (const l of losses) assert.ok(Number.isFinite(l) && l > 0, `loss ${l}`);
    const trainLoss = json(dir, 'train_results.json').train_loss as number;
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    // the logged losses are rounded to 4 decimals (HF's round(loss, 4)); train_loss is the exact mean
    assert.ok(Math.abs(trainLoss - mean) < 1e-4, `train_loss ${trainLoss} vs mean of logged losses ${mean}`);
    assert.match(r.stdout, new RegExp(`trained ${STEPS} steps`));
    const evalLoss = json(dir, 'eval_results.json').eval_loss as number;
    assert.ok(Number.isFinite(evalLoss), `eval_loss ${evalLoss}`);
    assert.ok(existsSync(join(dir, 'tunekit_recipe.yaml')));
    const c = CASES[name]!;
    if (c.load === 'adapter') {
      const peft = await PeftModel.fromPretrained(await AutoModelForCausalLM.fromPretrained(STORIES) as never, dir);
      assert.ok(peft.getNbTrainableParameters()[1] > 0);
    } else {
      const model = await c.load.fromPretrained(dir) as { numParameters(): number };
      assert.ok(model.numParameters() > 0);
    }
  });
}

test('text-classification: the saved labels are the recipe\'s, and tunekit eval <dir> reproduces eval_results.json', { timeout: 180_000 }, async () => {
  const r = await runs.get('text-classification')!;
  assert.equal(r.code, 0, r.output.slice(-2000));
  const dir = outDir('text-classification');
  assert.deepEqual(json(dir, 'config.json').id2label, { 0: 'Negative', 1: 'Positive' });
  const ev = await tunekit(['eval', dir]);
  assert.equal(ev.code, 0, ev.output.slice(-2000));
  const metrics = JSON.parse(ev.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  const saved = json(dir, 'eval_results.json');
  // same weights, rows and batches: the same numbers up to float32 summation order
  assert.ok(Math.abs(metrics.eval_loss! - saved.eval_loss) < 1e-5, `${metrics.eval_loss} vs ${saved.eval_loss}`);
  assert.equal(metrics.eval_accuracy, saved.eval_accuracy);
});

test('tunekit merge: the merged checkpoint equals mergeAndUnload, and generate agrees with base + --adapter', { timeout: 180_000 }, async () => {
  const r = await runs.get('sft-lora')!;
  assert.equal(r.code, 0, r.output.slice(-2000));
  const adapter = outDir('sft-lora');
  const merged = join(work, 'merged');
  const m = await tunekit(['merge', STORIES, adapter, merged]);
  assert.equal(m.code, 0, m.output);
  const saved = await safetensors.loadFile(join(merged, 'model.safetensors'));
  const ref = (await PeftModel.fromPretrained(await AutoModelForCausalLM.fromPretrained(STORIES) as never, adapter)).mergeAndUnload() as unknown as { stateDict(): Map<string, { toArray(): unknown; dtype: string }> };
  const sd = ref.stateDict();
  let changed = 0;
  const base = await safetensors.loadFile(join(STORIES, 'model.safetensors'));
  for (const [k, t] of sd) {
    if (!saved[k]) { assert.ok(k === 'lm_head.weight', `${k} missing from the merged file`); continue; } // tied to embed_tokens
    assert.deepEqual(saved[k]!.toArray(), t.toArray(), `${k} differs from mergeAndUnload`);
    if (base[k] && JSON.stringify(base[k]!.toArray()) !== JSON.stringify(t.toArray())) changed++;
  }
  assert.ok(changed > 0, 'the adapter changed some weights');
  const prompt = ['--prompt', 'Once upon a time', '--max_new_tokens', '12'];
  const [a, b] = await Promise.all([tunekit(['generate', merged, ...prompt]), tunekit(['generate', STORIES, '--adapter', adapter, ...prompt])]);
  assert.equal(a.code, 0, a.output);
  assert.equal(b.code, 0, b.output);
  assert.match(a.stdout, /^Once upon a time/);
  assert.equal(a.stdout, b.stdout);
});
