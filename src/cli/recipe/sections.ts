// sections.ts — the sections of a recipe and their schemas: `model`, `tokenizer`, `dataset` (HF's
// ModelArguments / DataTrainingArguments of the run_*.py scripts, TRL's ModelConfig) are typed here;
// `training_args` is checked by the TrainingArguments class the command uses (its field table for
// kinds, its constructor for ranges and cross-field rules) and `lora` by peft's LoraConfig.
import { LoraConfig } from '../../peft/index.js';
import { checkKind, type FieldKind } from '../../trainer/args-fields.js';
import type { TrainingArguments } from '../../trainer/index.js';
import { checkKeys, dataFiles, describe, fraction, isMapping, kindProblem, positiveIntOrNull, strMap, unknownKeyMessage, type SectionSpec } from './schema.js';
import type { RecipePath, RecipeSource } from './source.js';

/** The `train` tasks (HF pipeline names), each a model head and a preprocessing. */
export const TRAIN_TASKS = ['text-classification', 'token-classification', 'question-answering', 'fill-mask'] as const;
export type TrainTask = (typeof TRAIN_TASKS)[number];
/** Every task a recipe can drive: `train`'s, `sft`'s causal LM and `seq2seq`'s text-to-text. */
export type Task = TrainTask | 'sft' | 'seq2seq';

export const MODEL_SPEC: SectionSpec = {
  name_or_path: { kind: 'str?', help: 'a model folder or Hub id to fine-tune (from_pretrained); omit to build one from `config`' },
  config: { kind: 'dict?', help: 'config.json fields: with name_or_path, overrides of its config; without, a new randomly initialised model (needs model_type)' },
  dtype: { kind: ['float32', 'float16', 'bfloat16', 'float64', 'auto'], help: "parameter dtype (HF torch_dtype); default float32" },
  attn_implementation: { kind: ['sdpa', 'eager'], help: "attention kernel (HF attn_implementation), default 'sdpa'" },
  labels: { kind: 'strlist?', help: 'class / tag names in id order (id2label); default: the dataset\'s label names, else its sorted label values' },
  num_labels: { kind: positiveIntOrNull, help: 'number of classes when there are no label names' },
  problem_type: { kind: ['regression', 'single_label_classification', 'multi_label_classification'], help: 'sequence-classification loss (HF problem_type)' },
};

export const TOKENIZER_SPEC: SectionSpec = {
  name_or_path: { kind: 'str?', help: 'the tokenizer folder or Hub id; default model.name_or_path' },
  do_lower_case: { kind: 'bool?', help: 'BERT WordPiece: lower-case the text (vocab.txt folders)' },
  model_max_length: { kind: 'int?', help: 'longest input the model takes (truncation limit)' },
  padding_side: { kind: ['left', 'right'], help: 'which side padding goes' },
  truncation_side: { kind: ['left', 'right'], help: 'which side truncation cuts' },
  pad_token: { kind: 'str?', help: 'the padding token (a token of the vocabulary)' },
  eos_token: { kind: 'str?', help: 'the end-of-sequence token' },
  bos_token: { kind: 'str?', help: 'the beginning-of-sequence token' },
  chat_template: { kind: 'str?', help: 'a Jinja chat template replacing the tokenizer\'s' },
};

/** format: loadDataset's format options (datasets' builder kwargs), snake_case here. */
const FORMAT_SPEC: SectionSpec = {
  field: { kind: 'str?', help: 'json: the key holding the records' },
  delimiter: { kind: 'str?', help: "csv: field separator (default ',')" },
  quoting: { kind: 'bool?', help: 'csv: false turns quote handling off (GLUE/MRPC TSVs)' },
  column_names: { kind: 'strlist?', help: 'csv: column names instead of a header line' },
  header: { kind: 'bool?', help: 'csv: the first line is a header' },
  keep_linebreaks: { kind: 'bool?', help: "text: keep '\\n' at line ends" },
  sample_by: { kind: ['line', 'paragraph', 'document'], help: 'text: one row per line, paragraph or file' },
  to_iob2: { kind: 'bool?', help: 'conll2003: rewrite IOB1 tags to IOB2 (default true)' },
};

const DATASET_COMMON: SectionSpec = {
  path: { kind: 'str', required: true, help: "a builder (json, csv, text, parquet, conll2003, squad_v2, glue...), a data folder, or a Hub dataset id" },
  name: { kind: 'str?', help: "the dataset config (glue's 'mrpc')" },
  data_files: { kind: dataFiles, help: 'files: a path, a list, or split -> path(s); relative to the recipe\'s folder, else the current one' },
  data_dir: { kind: 'str?', help: 'a folder with the files (splits found by name)' },
  train_split: { kind: 'str', default: 'train', help: "the training split (HF slicing works: 'train[:200]')" },
  eval_split: { kind: 'str?', help: 'the evaluation split' },
  test_size: { kind: fraction, help: 'without eval_split: hold out this fraction of the training split for evaluation (seeded by training_args.seed)' },
  columns: { kind: strMap, help: 'role -> column name in the data (see the task\'s roles)' },
  format: { kind: 'dict?', help: 'format options: ' + Object.keys(FORMAT_SPEC).join(', ') },
  max_train_samples: { kind: positiveIntOrNull, help: 'keep the first N training rows (after the split)' },
  max_eval_samples: { kind: positiveIntOrNull, help: 'keep the first N evaluation rows' },
};

const MAX_SEQ = (d: number): SectionSpec[string] => ({ kind: 'int', default: d, help: `tokens per example; longer ones are truncated (default ${d})` });

/** Per task: the extra dataset keys (HF DataTrainingArguments names) and the column roles with their default names. */
export const TASK_DATA: Readonly<Record<Task, { spec: SectionSpec; roles: Readonly<Record<string, string | null>> }>> = {
  'text-classification': { spec: { max_seq_length: MAX_SEQ(128) }, roles: { text: 'text', text_pair: null, label: 'label' } },
  'token-classification': {
    spec: { max_seq_length: MAX_SEQ(128), label_all_tokens: { kind: 'bool', default: false, help: "label every sub-token (B- becomes I-), not only a word's first" } },
    roles: { tokens: 'tokens', tags: 'ner_tags' },
  },
  'question-answering': {
    spec: { max_seq_length: MAX_SEQ(384), doc_stride: { kind: 'int', default: 128, help: 'overlap of the context windows, in tokens' } },
    roles: { question: 'question', context: 'context', answers: 'answers' },
  },
  'fill-mask': {
    spec: { max_seq_length: MAX_SEQ(128), mlm_probability: { kind: fraction, default: 0.15, help: 'share of tokens masked' } },
    roles: { text: 'text' },
  },
  // TRL reads its own column names (text / prompt+completion / messages); `columns` renames to them
  sft: { spec: {}, roles: { text: null, prompt: null, completion: null, messages: null } },
  seq2seq: {
    spec: {
      max_source_length: MAX_SEQ(512), max_target_length: { kind: 'int', default: 128, help: 'target tokens kept (labels)' },
      source_prefix: { kind: 'str', default: '', help: "text put before every source ('summarize: ')" },
    },
    roles: { source: 'source', target: 'target' },
  },
};

/** The dataset section of `task`: common keys + the task's; `format` and `columns` keys checked too. */
export function readDataset(src: RecipeSource, task: Task, readSection: (spec: SectionSpec) => Record<string, unknown>): Record<string, unknown> {
  const t = TASK_DATA[task];
  const d = readSection({ ...DATASET_COMMON, ...t.spec });
  if (d.format !== undefined && d.format !== null) {
    const f = d.format as Record<string, unknown>;
    checkKeys(src, ['dataset', 'format'], f, Object.keys(FORMAT_SPEC));
    for (const [k, v] of Object.entries(f)) {
      const p = kindProblem(FORMAT_SPEC[k]!.kind, v);
      if (p !== null) throw src.error(['dataset', 'format', k], p);
    }
  }
  if (d.columns !== undefined) checkKeys(src, ['dataset', 'columns'], d.columns as Record<string, unknown>, Object.keys(t.roles));
  if (d.eval_split !== undefined && d.eval_split !== null && d.test_size !== undefined)
    throw src.error(['dataset', 'test_size'], 'give eval_split or test_size, not both');
  return d;
}

/** A TrainingArguments class (TrainingArguments, SFTConfig, Seq2SeqTrainingArguments). */
export type ArgsClass<A extends TrainingArguments> = {
  new (init: never): A;
  name: string;
  fieldTable(): Readonly<Record<string, readonly [FieldKind, unknown]>>;
  defaultOnlyTable(): Readonly<Record<string, unknown>>;
};

/** The first key of `given` named in `message` (a class's error names the field it is about). */
function keyNamed(message: string, given: readonly string[]): string | undefined {
  return given.find((k) => new RegExp(`(^|[^\\w])-{0,2}${k}([^\\w]|$)`).test(message));
}

/**
 * training_args through `cls`: keys against its field table (kinds with its checkKind), then the
 * constructor's own rules; each error at the line of the key it names.
 */
export function readTrainingArgs<A extends TrainingArguments>(src: RecipeSource, cls: ArgsClass<A>, value: unknown): A {
  const path: RecipePath = ['training_args'];
  if (value === undefined || value === null) value = {};
  if (!isMapping(value)) throw src.error(path, `must be a mapping of ${cls.name} fields, got ${describe(value)}`);
  const table = cls.fieldTable();
  const known = [...Object.keys(table), ...Object.keys(cls.defaultOnlyTable()), 'evaluation_strategy'];
  for (const [k, v] of Object.entries(value)) {
    if (!known.includes(k)) throw src.error([...path, k], `${unknownKeyMessage(k, known.filter((n) => n in table))} (a ${cls.name} field)`);
    const f = table[k];
    if (f === undefined) continue;
    try {
      // generation_config may also be a mapping (Seq2SeqTrainingArguments turns it into a GenerationConfig)
      if (!(k === 'generation_config' && isMapping(v))) checkKind(k, f[0], v, cls.name);
    } catch (e) {
      throw src.error([...path, k], (e as Error).message.replace(`${cls.name}: ${k} `, ''));
    }
  }
  if (typeof value.output_dir !== 'string' || value.output_dir === '')
    throw src.error([...path, 'output_dir'], 'is required (where checkpoints and the trained model go); set it in the recipe or with --training_args.output_dir DIR');
  try {
    return new cls(value as never);
  } catch (e) {
    const msg = (e as Error).message;
    throw src.error([...path, ...[keyNamed(msg, Object.keys(value))].filter((k) => k !== undefined)], msg);
  }
}

/** peft's LoraConfig fields (what `new LoraConfig()` has, less its bookkeeping). */
export const LORA_FIELDS: readonly string[] = Object.keys(new LoraConfig()).filter((k) => k !== 'extra' && k !== 'peft_type');

/** The lora section as a LoraConfig (null when absent); each field checked by LoraConfig, errors at its line. */
export function readLora(src: RecipeSource, value: unknown, taskType: string): LoraConfig | null {
  const path: RecipePath = ['lora'];
  if (value === undefined || value === null) return null;
  if (!isMapping(value)) throw src.error(path, `must be a mapping of LoraConfig fields (r, lora_alpha, target_modules, ...), got ${describe(value)}`);
  checkKeys(src, path, value, LORA_FIELDS);
  for (const [k, v] of Object.entries(value)) {
    try {
      new LoraConfig({ [k]: v });
    } catch (e) {
      // a rule between two fields (layers_pattern needs layers_to_transform) is checked below with both
      if (!/cannot be used|must also be specified|together with/.test((e as Error).message)) throw src.error([...path, k], (e as Error).message.replace(/^LoraConfig: \S+ /, ''));
    }
  }
  try {
    return new LoraConfig({ task_type: taskType as never, ...value });
  } catch (e) {
    const msg = (e as Error).message;
    throw src.error([...path, ...[keyNamed(msg, Object.keys(value))].filter((k) => k !== undefined)], msg);
  }
}
