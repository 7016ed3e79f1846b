// Recipe validation (in this process): malformed YAML, unknown keys with their closest name, wrong
// types, TrainingArguments / SFTConfig / LoraConfig rules — each error names the file, the line and
// the key; `--a.b value` overrides and the flag they are reported under; a dataset column the data
// lacks, named with the data's file; label values outside model.labels, named with their row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecipeSource, RecipeError, type Override } from '../../src/cli/recipe/source.js';
import { loadRecipe, validateRecipe, type RecipeKind } from '../../src/cli/recipe/recipe.js';
import { loadRecipeData } from '../../src/cli/build/data.js';
import { encodeLabels } from '../../src/cli/build/tasks.js';
import { parseArgs } from '../../src/cli/argv.js';
import { UsageError } from '../../src/cli/command.js';
import { SFTConfig } from '../../src/trainer/index.js';

const work = mkdtempSync(join(tmpdir(), 'tunekit-recipe-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const BASE = `task: text-classification
model:
  config: { model_type: bert, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64 }
tokenizer:
  name_or_path: tok
dataset:
  path: csv
  data_files: data.csv
  columns: { text: review, label: sentiment }
training_args:
  output_dir: out
  learning_rate: 0.001
  max_steps: 10
`;

function validate(text: string, kind: RecipeKind = 'train', overrides: Override[] = []) {
  return validateRecipe(kind, RecipeSource.parse('r.yaml', text, overrides));
}
function rejects(text: string, pattern: RegExp, kind: RecipeKind = 'train', overrides: Override[] = []): void {
  assert.throws(() => validate(text, kind, overrides), (e: Error) => {
    assert.ok(e instanceof RecipeError, `${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('a valid recipe gives typed sections and a TrainingArguments with the file\'s values', () => {
  const r = validate(BASE);
  assert.equal(r.task, 'text-classification');
  assert.equal(r.args.learning_rate, 0.001);
  assert.equal(r.args.max_steps, 10);
  assert.equal(r.dataset.max_seq_length, 128, 'the task default');
  assert.equal(r.dataset.train_split, 'train');
  assert.deepEqual(r.dataset.columns, { text: 'review', label: 'sentiment' });
  assert.equal(r.lora, null);
});

test('malformed YAML is an error naming the file, line and column', () => {
  rejects(BASE.replace('  learning_rate: 0.001', '  learning_rate: [0.001'), /^r\.yaml:13:\d+: invalid YAML/);
  rejects(BASE.replace('  path: csv', '  path: csv: json'), /^r\.yaml:7:\d+: invalid YAML: Nested mappings/);
  rejects('- a\n- b\n', /^r\.yaml:1: the recipe must be a mapping/);
});

test('an unknown key names its line and the closest known key, in every section', () => {
  rejects(BASE.replace('tokenizer:', 'tokeniser:'), /^r\.yaml:4: tokeniser: unknown key 'tokeniser' — did you mean 'tokenizer'\?/);
  rejects(BASE.replace('  learning_rate:', '  lerning_rate:'), /^r\.yaml:12: training_args\.lerning_rate: unknown key 'lerning_rate' — did you mean 'learning_rate'\?/);
  rejects(BASE.replace('  path: csv', '  path: csv\n  max_seq_lenght: 64'), /^r\.yaml:8: dataset\.max_seq_lenght: unknown key 'max_seq_lenght' — did you mean 'max_seq_length'\?/);
  rejects(BASE.replace('{ text: review, label: sentiment }', '{ text: review, lable: sentiment }'), /^r\.yaml:9: dataset\.columns\.lable: unknown key 'lable' — did you mean 'label'\?/);
  // a key of another task's dataset is unknown here
  rejects(BASE.replace('  path: csv', '  path: csv\n  doc_stride: 64'), /^r\.yaml:8: dataset\.doc_stride: unknown key/);
  rejects(`${BASE}lora:\n  rank: 8\n`, /^r\.yaml:15: lora\.rank: unknown key 'rank'/);
});

test('a value of the wrong type names the key, its line and what it must be', () => {
  rejects(BASE.replace('max_steps: 10', 'max_steps: ten'), /^r\.yaml:13: training_args\.max_steps: must be an integer, got "ten"/);
  rejects(BASE.replace('max_steps: 10', 'max_steps: 2.5'), /^r\.yaml:13: training_args\.max_steps: must be an integer/);
  rejects(BASE.replace('  path: csv', '  path: csv\n  max_train_samples: -3'), /^r\.yaml:8: dataset\.max_train_samples: must be a positive integer or null/);
  rejects(BASE.replace('task: text-classification', 'task: summarization'), /^r\.yaml:1: task: must be one of text-classification, token-classification/);
  rejects(BASE.replace('  name_or_path: tok', '  name_or_path: [tok]'), /^r\.yaml:5: tokenizer\.name_or_path: must be a string or null/);
  rejects(`${BASE}lora:\n  r: 8\n  lora_dropout: 1.5\n`, /^r\.yaml:16: lora\.lora_dropout: must be in \[0, 1\), got 1\.5/);
  rejects('task: fill-mask\nmodel: { name_or_path: m }\ndataset: data.csv\n', /^r\.yaml:3: dataset: must be a mapping \(key: value lines\), got string "data\.csv"/);
});

test('TrainingArguments\' own rules are reported at the line of the field they name', () => {
  rejects(BASE.replace('  max_steps: 10', '  max_steps: 10\n  eval_strategy: steps\n  logging_steps: 0'), /^r\.yaml:15: training_args\.logging_steps: .*logging_steps/);
  rejects(BASE.replace('  output_dir: out\n', ''), /training_args\.output_dir: is required/);
  // HF fields tunekit accepts only at their defaults
  rejects(BASE.replace('  max_steps: 10', '  max_steps: 10\n  deepspeed: ds.json'), /^r\.yaml:14: training_args\.deepspeed: .*only its default/);
});

test('sft recipes take SFTConfig fields; train recipes do not', () => {
  const sft = BASE.replace('task: text-classification\n', '').replace('columns: { text: review, label: sentiment }', 'columns: { text: review }')
    .replace('  max_steps: 10', '  max_steps: 10\n  packing: true\n  max_length: 64\n  bf16: false');
  const r = validate(sft, 'sft');
  assert.ok(r.args instanceof SFTConfig);
  assert.equal((r.args as SFTConfig).packing, true);
  rejects(BASE.replace('  max_steps: 10', '  max_steps: 10\n  packing: true'), /training_args\.packing: unknown key 'packing'.*TrainingArguments field/);
  rejects(sft.replace('dataset:', 'task: sft\ndataset:'), /^r\.yaml:5: task: unknown key 'task' \(known: model, tokenizer, dataset, training_args, lora\)/, 'sft');
});

test('--a.b value overrides set typed values, and errors about them name the flag', () => {
  const o = parseArgs('train', ['r.yaml', '--training_args.max_steps', '5', '--dataset.columns.text=body', '--lora.target_modules', '[query, value]'], {}, { overrides: true });
  assert.deepEqual(o.positionals, ['r.yaml']);
  const r = validate(BASE, 'train', o.overrides);
  assert.equal(r.args.max_steps, 5);
  assert.equal(r.dataset.columns!.text, 'body');
  assert.deepEqual(r.lora!.target_modules, ['query', 'value']);
  assert.equal(r.lora!.task_type, 'SEQ_CLS');
  rejects(BASE, /^--training_args\.max_steps: training_args\.max_steps: must be an integer, got "many"/, 'train', [{ path: ['training_args', 'max_steps'], raw: 'many' }]);
  rejects(BASE, /^--training_args\.lerning_rate: .*did you mean 'learning_rate'/, 'train', [{ path: ['training_args', 'lerning_rate'], raw: '1' }]);
  rejects(BASE, /^--task\.x: 'task' is not a section/, 'train', [{ path: ['task', 'x'], raw: '1' }]);
  assert.throws(() => parseArgs('train', ['r.yaml', '--max_steps', '5'], {}, { overrides: true }), (e: Error) => e instanceof UsageError && /unknown flag '--max_steps'.*--section\.key/.test(e.message));
  assert.throws(() => parseArgs('generate', ['m', '--promt', 'x'], { prompt: { type: 'string', help: '' } }), /unknown flag '--promt' — did you mean '--prompt'\?/);
});

test('a dataset column the data lacks is an error naming the column, the data file and the recipe line', async () => {
  const csv = join(work, 'data.csv');
  writeFileSync(csv, 'review,stars\nGreat film,pos\nAwful,neg\nFine,pos\n');
  const file = join(work, 'r.yaml');
  writeFileSync(file, BASE);
  const r = await loadRecipe('train', file);
  await assert.rejects(loadRecipeData(r, { train: true, eval: false }), (e: Error) => {
    assert.ok(e instanceof RecipeError);
    assert.match(e.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:9: dataset column 'sentiment' \\(the label column\\) is not in .*data\\.csv.*; its columns: review, stars`));
    return true;
  });
  // a renamed column works, and a label value outside model.labels names its row
  const ok = await loadRecipe('train', file, [{ path: ['dataset', 'columns', 'label'], raw: 'stars' }, { path: ['model', 'labels'], raw: '[neg, pos]' }]);
  const data = await loadRecipeData(ok, { train: true, eval: false });
  assert.deepEqual(data.train.columnNames.sort(), ['label', 'text']);
  assert.deepEqual(encodeLabels(ok, data.train, 'label', ['neg', 'pos'], false).column('label'), [1, 0, 1]);
  assert.throws(() => encodeLabels(ok, data.train, 'label', ['neg', 'meh'], false), /row 0 of the data has label "pos", which is not one of the labels \["neg","meh"\]/);
  // a split the data lacks
  const noSplit = await loadRecipe('train', file, [{ path: ['dataset', 'eval_split'], raw: 'validation' }, { path: ['dataset', 'columns', 'label'], raw: 'stars' }]);
  await assert.rejects(loadRecipeData(noSplit, { train: true, eval: true }), /--dataset\.eval_split: dataset\.eval_split: split 'validation'.*its splits: train/);
});
