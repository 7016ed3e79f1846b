// The model card against transformers' own (test/fixtures/model-card/cards.json, made by
// scripts/fixtures/gen_model_card.py from TrainingSummary.from_trainer(...).to_model_card()): the
// same text for the same arguments, log history and model, but library_name (tunekit) and the
// framework versions; the front matter byte for byte as PyYAML dumps awkward strings and floats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrainingArguments, type LogEntry, type TrainingArgumentsInit } from '../../src/trainer/index.js';
import { extractHyperparameters, makeMarkdownTable, parseLogHistory, toModelCard, trainingSummary, type ModelCardOptions } from '../../src/trainer/model-card.js';
import { yamlDump } from '../../src/trainer/yaml-dump.js';

const FIX = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'model-card', 'cards.json'), 'utf8')) as {
  yaml: { value: Record<string, unknown>; dump: string };
  cases: { name: string; args: Record<string, unknown>; model_class: string; name_or_path: string; log_history: LogEntry[]; kwargs: ModelCardOptions; card: string }[];
};

/** An object whose class has `name` (what from_trainer reads for the task) and a config with _name_or_path. */
function fakeModel(name: string, nameOrPath: string): unknown {
  const cls = { [name]: class {} }[name]!;
  return Object.assign(new cls(), { config: { _name_or_path: nameOrPath } });
}

for (const c of FIX.cases) {
  test(`model card '${c.name}': transformers' text, with library_name tunekit and tunekit's versions`, () => {
    const args = new TrainingArguments({ ...c.args, use_cpu: true, report_to: 'none' } as TrainingArgumentsInit);
    const summary = trainingSummary({ args, logHistory: c.log_history, model: fakeModel(c.model_class, c.name_or_path) }, structuredClone(c.kwargs));
    const [body, hfVersions] = c.card.split('\n### Framework versions\n\n') as [string, string];
    const want = body.replace(/^---\nlibrary_name: transformers\n/, '---\nlibrary_name: tunekit\n');
    const got = toModelCard(summary);
    assert.equal(toModelCard(summary, hfVersions), `${want}\n### Framework versions\n\n${hfVersions}`);
    assert.match(got, /\n### Framework versions\n\n- tunekit \d+\.\d+\.\d+\n- libtorch \d+\.\d+/);
  });
}

test('front matter: PyYAML\'s quoting, escapes, floats and nesting', () => {
  assert.equal(yamlDump(FIX.yaml.value), FIX.yaml.dump);
});

test('pieces: _maybe_round ties to even, HF\'s table layout, the hyperparameters of fp16 / warmup_ratio / epochs', () => {
  const { lines, evalResults } = parseLogHistory([
    { loss: 0.03125, epoch: 1, step: 1 }, { eval_loss: 0.00015, eval_f1: 0.12345678, eval_runtime: 1, epoch: 1, step: 1 }, { train_runtime: 2, step: 1 },
  ]);
  // 0.03125 and 0.00015 are not exactly representable ties except 0.03125 (= 1/32): Python rounds it to even
  assert.deepEqual(lines, [{ 'Training Loss': '0.0312', Epoch: '1.0', Step: '1', 'Validation Loss': '0.0001', F1: '0.1235' }]);
  assert.deepEqual(evalResults, { Loss: 0.00015, F1: 0.12345678 });
  assert.equal(makeMarkdownTable(lines), '| Training Loss | Epoch | Step | Validation Loss | F1     |\n' +
    '|:-------------:|:-----:|:----:|:---------------:|:------:|\n| 0.0312        | 1.0   | 1    | 0.0001          | 0.1235 |\n');
  assert.deepEqual(parseLogHistory([{ loss: 1, step: 1 }]), { lines: null, evalResults: null });
  const h = extractHyperparameters(new TrainingArguments({ output_dir: 'o', fp16: true, warmup_ratio: 0.1, num_train_epochs: 2, per_device_train_batch_size: 16, optim: 'adamw_torch_fused' }));
  assert.deepEqual(h, {
    learning_rate: '5e-05', train_batch_size: '16', eval_batch_size: '8', seed: '42',
    optimizer: 'Use OptimizerNames.ADAMW_TORCH_FUSED with betas=(0.9,0.999) and epsilon=1e-08 and optimizer_args=No additional optimizer arguments',
    lr_scheduler_type: 'linear', lr_scheduler_warmup_ratio: '0.1', num_epochs: '2.0', mixed_precision_training: 'Native AMP',
  });
  // a data set that knows its builder (HF datasets' builder_name / config_name / split) names itself in the card
  const ds = { builder_name: 'glue', config_name: 'mrpc', split: 'validation' };
  const s = trainingSummary({ args: new TrainingArguments({ output_dir: 'runs/x' }), logHistory: [], model: fakeModel('BertForMaskedLM', 'org/bert'), evalDataset: ds });
  assert.deepEqual([s.dataset_tags, s.dataset_args, s.dataset_metadata, s.dataset, s.tasks, s.finetuned_from, s.model_name],
    [['glue'], ['mrpc'], [{ config: 'mrpc', split: 'validation' }], ['glue'], 'fill-mask', 'org/bert', 'x']);
  const local = trainingSummary({ args: new TrainingArguments({ output_dir: 'o' }), logHistory: [], model: fakeModel('M', import.meta.dirname), trainDataset: { builder_name: 'json' } });
  assert.deepEqual([local.finetuned_from, local.dataset_tags, local.tasks], [null, null, null], 'a local folder is no base model; json files are no Hub data set');
});
