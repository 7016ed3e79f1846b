// recipe.ts — a recipe file read, overridden and validated into typed sections: what `tunekit
// train | sft | seq2seq | eval` run.  Top-level keys: task (train only), model, tokenizer, dataset,
// training_args, lora.  Relative input paths (model, tokenizer, data files) are looked up next to
// the recipe first, then from the current folder; output_dir is relative to the current folder.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { LoraConfig } from '../../peft/index.js';
import { Seq2SeqTrainingArguments, SFTConfig, TrainingArguments } from '../../trainer/index.js';
import { checkKeys, isMapping, readSection, type SectionSpec } from './schema.js';
import { MODEL_SPEC, TOKENIZER_SPEC, TRAIN_TASKS, readDataset, readLora, readTrainingArgs, type Task, type TrainTask } from './sections.js';
import { RecipeSource, type Override } from './source.js';

/** Which command's recipe: it picks the TrainingArguments class and the tasks allowed. */
export type RecipeKind = 'train' | 'sft' | 'seq2seq';

export interface ModelSection {
  name_or_path?: string | null;
  config?: Record<string, unknown> | null;
  dtype?: 'float32' | 'float16' | 'bfloat16' | 'float64' | 'auto';
  attn_implementation?: 'sdpa' | 'eager';
  labels?: string[] | null;
  num_labels?: number | null;
  problem_type?: 'regression' | 'single_label_classification' | 'multi_label_classification';
}

export interface DatasetSection {
  path: string;
  name?: string | null;
  data_files?: string | string[] | Record<string, string | string[]>;
  data_dir?: string | null;
  train_split: string;
  eval_split?: string | null;
  test_size?: number;
  columns?: Record<string, string>;
  format?: Record<string, unknown> | null;
  max_train_samples?: number | null;
  max_eval_samples?: number | null;
  /** the task's own keys (max_seq_length, doc_stride, source_prefix, ...) */
  [k: string]: unknown;
}

/** A validated recipe. */
export interface Recipe<A extends TrainingArguments = TrainingArguments> {
  kind: RecipeKind;
  task: Task;
  source: RecipeSource;
  model: ModelSection;
  tokenizer: Record<string, unknown> & { name_or_path?: string | null };
  dataset: DatasetSection;
  args: A;
  lora: LoraConfig | null;
}

const ARGS_CLASS = { train: TrainingArguments, sft: SFTConfig, seq2seq: Seq2SeqTrainingArguments } as const;
const TOP_KEYS: Readonly<Record<RecipeKind, readonly string[]>> = {
  train: ['task', 'model', 'tokenizer', 'dataset', 'training_args', 'lora'],
  sft: ['model', 'tokenizer', 'dataset', 'training_args', 'lora'],
  seq2seq: ['model', 'tokenizer', 'dataset', 'training_args', 'lora'],
};
/** peft's task_type of each task (the lora section's default). */
const PEFT_TASK: Readonly<Record<Task, string>> = {
  'text-classification': 'SEQ_CLS', 'token-classification': 'TOKEN_CLS', 'question-answering': 'QUESTION_ANS',
  'fill-mask': 'FEATURE_EXTRACTION', sft: 'CAUSAL_LM', seq2seq: 'SEQ_2_SEQ_LM',
};

/** Reads, overrides and validates the recipe of `kind` in `file`.  Every problem is a RecipeError naming the key and line. */
export async function loadRecipe(kind: 'train', file: string, overrides?: readonly Override[]): Promise<Recipe<TrainingArguments>>;
export async function loadRecipe(kind: 'sft', file: string, overrides?: readonly Override[]): Promise<Recipe<SFTConfig>>;
export async function loadRecipe(kind: 'seq2seq', file: string, overrides?: readonly Override[]): Promise<Recipe<Seq2SeqTrainingArguments>>;
export async function loadRecipe(kind: RecipeKind, file: string, overrides?: readonly Override[]): Promise<Recipe>;
export async function loadRecipe(kind: RecipeKind, file: string, overrides: readonly Override[] = []): Promise<Recipe> {
  return validateRecipe(kind, await RecipeSource.read(file, overrides));
}

/** Validates a parsed recipe (see loadRecipe). */
export function validateRecipe(kind: RecipeKind, src: RecipeSource): Recipe {
  const d = src.data;
  checkKeys(src, [], d, TOP_KEYS[kind]);
  let task: Task = kind === 'train' ? 'text-classification' : kind;
  if (kind === 'train') {
    if (d.task === undefined) throw src.error(['task'], `is required: one of ${TRAIN_TASKS.join(', ')}`);
    if (typeof d.task !== 'string' || !(TRAIN_TASKS as readonly string[]).includes(d.task))
      throw src.error(['task'], `must be one of ${TRAIN_TASKS.join(', ')}, got ${JSON.stringify(d.task)}`);
    task = d.task as TrainTask;
  }
  const section = (name: string) => (spec: SectionSpec) => readSection(src, [name], d[name], spec);
  const model = section('model')(MODEL_SPEC) as ModelSection;
  if (!model.name_or_path && !(isMapping(model.config) && typeof model.config.model_type === 'string'))
    throw src.error(['model'], 'needs name_or_path (a model to fine-tune) or config with a model_type (a new model)');
  const tokenizer = section('tokenizer')(TOKENIZER_SPEC);
  if (!tokenizer.name_or_path && !model.name_or_path) throw src.error(['tokenizer', 'name_or_path'], 'is required when the model is built from config');
  if (d.dataset === undefined) throw src.error(['dataset'], 'is required (path, data_files / data_dir, columns, ...)');
  const dataset = readDataset(src, task, section('dataset')) as DatasetSection;
  const args = readTrainingArgs(src, ARGS_CLASS[kind], d.training_args);
  const lora = readLora(src, d.lora, PEFT_TASK[task]);
  return { kind, task, source: src, model, tokenizer, dataset, args, lora };
}

/**
 * A relative input path of the recipe: next to the recipe when something is there, else as given
 * (relative to the current folder, or a Hub id).
 */
export function inputPath(src: RecipeSource, p: string): string {
  if (isAbsolute(p)) return p;
  const near = resolve(dirname(src.file), p);
  return existsSync(near) ? near : p;
}
