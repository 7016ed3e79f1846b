// options.ts — what the Trainer constructor takes (HF Trainer.__init__'s keyword arguments under
// HF's names or camelCase, `tokenizer` as processing_class) and the types of its pluggable parts.
import type { Tensor } from '../torch/index.js';
import type { GradScaler, LambdaLR, Optimizer } from '../optim/index.js';
import type { CollateFn } from '../data/dataloader.js';
import type { Batch, CollatorTokenizer, Feature } from '../data/collators/index.js';
import type { EvalPrediction } from './arrays.js';
import type { CallbackLike } from './callbacks.js';
import type { ModelOutput, TrainableModel } from './model.js';
import type { TrainingArguments } from './training-args.js';
import { camelCase, camelKeys, normalizeOptions, snakeCase, unknownOptionMessage, type CamelCase, type WithCamelAliases } from '../utils/options.js';

/** A dataset the Trainer reads: tunekit's Dataset (numRows, at, columnNames, removeColumns) or an array of rows. */
export interface TrainerDataset<Row = Feature> {
  at(i: number): Row | undefined;
  readonly numRows?: number;
  readonly length?: number;
  readonly columnNames?: readonly string[];
  removeColumns?(names: string[]): TrainerDataset<Row>;
}

/** The tokenizer (HF processing_class) as the Trainer uses it: padding, input names, saving. */
export type ProcessingClass = Partial<CollatorTokenizer> & { savePretrained?(dir: string): Promise<unknown> | unknown };

/** HF compute_loss_func: a loss from the outputs and labels (then no gradient-accumulation division). */
export type ComputeLossFunc = (outputs: ModelOutput, labels: Tensor, numItemsInBatch: Tensor | null) => Tensor;

/** HF preprocess_logits_for_metrics: one prediction tensor (or all of them, when several) and the first label tensor in. */
export type PreprocessLogits = (logits: Tensor | Tensor[], labels: Tensor | null) => Tensor | Tensor[];

/**
 * Options of the Trainer constructor: HF's keyword arguments under their names, each also in
 * camelCase (`train_dataset` or `trainDataset`, not both with different values); `tokenizer`,
 * HF's older name of `processing_class`, is accepted too (not together with it).
 */
export type TrainerOptions = WithCamelAliases<TrainerArgs> & {
  /** HF's older name of `processing_class` (transformers < 4.46); the same tokenizer, never ignored. */
  tokenizer?: ProcessingClass;
};

/** The Trainer constructor's options under HF's names. */
export interface TrainerArgs {
  model: TrainableModel;
  /** Default: TrainingArguments({ output_dir: 'tmp_trainer' }), as HF. */
  args?: TrainingArguments;
  /** Rows -> batch.  Default: DataCollatorWithPadding when processing_class can pad, else defaultDataCollator. */
  data_collator?: CollateFn<Feature, Batch>;
  train_dataset?: TrainerDataset;
  /** One eval set, or several by name (metrics then read `eval_<name>_...`). */
  eval_dataset?: TrainerDataset | Record<string, TrainerDataset>;
  /** The tokenizer: default collator (padding), remove_unused_columns input names, saved with every checkpoint and the model. */
  processing_class?: ProcessingClass;
  /** HF compute_metrics: EvalPrediction -> metrics (prefixed `eval_` by evaluate()). */
  compute_metrics?: (p: EvalPrediction) => Record<string, number>;
  callbacks?: CallbackLike[];
  /** [optimizer, scheduler] to use instead of AdamW + getScheduler (either may be null). */
  optimizers?: [Optimizer | null, LambdaLR | null];
  compute_loss_func?: ComputeLossFunc;
  /** HF preprocess_logits_for_metrics: shrink logits per batch (e.g. argmax) before they are gathered (an array when the model has several prediction outputs). */
  preprocess_logits_for_metrics?: PreprocessLogits;
  /**
   * tunekit: training order: 'random' (default: epoch e is randperm(n) from a generator seeded data_seed ??
   * seed + e, the construction of accelerate's SeedableRandomSampler) or 'sequential' (dataset
   * order every epoch; HF needs a _get_train_sampler override for that).
   */
  train_sampler?: 'random' | 'sequential';
  /**
   * tunekit: which loss rule gradient accumulation uses for models without acceptsLossKwargs:
   * 'divide' (default, transformers >= 4.50: the micro-batch mean loss / gradient_accumulation_steps)
   * or 'none' (4.47.1: the mean loss as is, so the logged loss and the gradients scale with the steps).
   */
  ga_loss_rule?: 'divide' | 'none';
  /**
   * tunekit: the loss scaler of fp16 training (default: new GradScaler(), torch's init_scale 65536,
   * growth_interval 2000 — accelerate's GradScalerKwargs).  An error without fp16.
   */
  grad_scaler?: GradScaler;
  /**
   * tunekit: read the loss and gradient norm back every step (default on CPU, where it costs nothing): an
   * inf/NaN stops training before that update is applied.  false (default on CUDA): they stay on
   * the device until a log, evaluation or save reads them, as HF's Trainer — no host-device sync
   * per step; an inf/NaN then stops training at that read, naming the step it first appeared
   * (the updates since were applied, nothing was saved after it).
   */
  sync_each_step?: boolean;
}

/** HF's names of the Trainer options (TrainerArgs), in HF's order, tunekit's own last. */
export const TRAINER_OPTION_NAMES: readonly (keyof TrainerArgs)[] = [
  'model', 'args', 'data_collator', 'train_dataset', 'eval_dataset', 'processing_class', 'compute_loss_func', 'compute_metrics',
  'callbacks', 'optimizers', 'preprocess_logits_for_metrics', 'train_sampler', 'ga_loss_rule', 'grad_scaler', 'sync_each_step',
];

/** HF Trainer keyword arguments tunekit does not take, with why. */
const NOT_TAKEN: Readonly<Record<string, string>> = {
  model_init: 'model_init (a fresh model per hyperparameter-search trial) is not supported: pass model',
  optimizer_cls_and_kwargs: 'optimizer_cls_and_kwargs is not supported: pass optimizers: [optimizer, scheduler], or TrainingArguments optim',
};

/** The options after {@link normalizeTrainerOptions}: camelCase keys, as the Trainer reads them. */
export type ResolvedTrainerOptions = { [K in keyof TrainerArgs as CamelCase<K>]: TrainerArgs[K] };

/**
 * The Trainer's options under camelCase keys, whichever spelling was given; `tokenizer` becomes
 * processingClass.  `extra` names the options a subclass's constructor reads itself (passed on
 * as given); `strict` false passes every other unknown key on too (a subclass that declares none).
 * @throws TypeError for an unknown option (naming the closest one), two spellings with different
 *   values, or both `tokenizer` and `processing_class`.
 */
export function normalizeTrainerOptions(opts: object, who: string, extra: readonly string[] = [], strict = true): ResolvedTrainerOptions & Record<string, unknown> {
  const given = opts as Record<string, unknown>;
  if (given.tokenizer !== undefined && (given.processing_class !== undefined || given.processingClass !== undefined))
    throw new TypeError(`${who}: both 'tokenizer' and '${given.processing_class !== undefined ? 'processing_class' : 'processingClass'}' were given; 'tokenizer' is the older name of processing_class: pass one`);
  const mine = new Set([...TRAINER_OPTION_NAMES, 'tokenizer'].flatMap((n) => [n, camelCase(n)]));
  const theirs = new Set(extra.flatMap((n) => [n, camelCase(n)]));
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) {
    if (Object.hasOwn(NOT_TAKEN, snakeCase(k)) && v !== undefined && v !== null) throw new TypeError(`${who}: ${NOT_TAKEN[snakeCase(k)]}`);
    if (mine.has(k)) own[k] = v;
    else if (theirs.has(k) || !strict) rest[k] = v;
    else throw new TypeError(unknownOptionMessage(who, k, [...TRAINER_OPTION_NAMES, 'tokenizer', ...extra]));
  }
  const out = camelKeys(normalizeOptions(own, { names: TRAINER_OPTION_NAMES, aliases: { tokenizer: 'processing_class' } }, who));
  return { ...rest, ...out } as ResolvedTrainerOptions & Record<string, unknown>;
}
