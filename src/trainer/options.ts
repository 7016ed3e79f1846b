// options.ts — what the Trainer constructor takes (HF Trainer.__init__'s keyword arguments,
// camelCase) and the types of its pluggable parts.
import type { Tensor } from '../torch/index.js';
import type { GradScaler, LambdaLR, Optimizer } from '../optim/index.js';
import type { CollateFn } from '../data/dataloader.js';
import type { Batch, CollatorTokenizer, Feature } from '../data/collators/index.js';
import type { EvalPrediction } from './arrays.js';
import type { CallbackLike } from './callbacks.js';
import type { ModelOutput, TrainableModel } from './model.js';
import type { TrainingArguments } from './training-args.js';

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

/** Options of the Trainer constructor (HF's keyword arguments, camelCase). */
export interface TrainerOptions {
  model: TrainableModel;
  /** Default: TrainingArguments({ output_dir: 'tmp_trainer' }), as HF. */
  args?: TrainingArguments;
  /** Rows -> batch.  Default: DataCollatorWithPadding when processingClass can pad, else defaultDataCollator. */
  dataCollator?: CollateFn<Feature, Batch>;
  trainDataset?: TrainerDataset;
  /** One eval set, or several by name (metrics then read `eval_<name>_...`). */
  evalDataset?: TrainerDataset | Record<string, TrainerDataset>;
  /** The tokenizer: default collator, remove_unused_columns input names, saved with the model. */
  processingClass?: ProcessingClass;
  /** HF compute_metrics: EvalPrediction -> metrics (prefixed `eval_` by evaluate()). */
  computeMetrics?: (p: EvalPrediction) => Record<string, number>;
  callbacks?: CallbackLike[];
  /** [optimizer, scheduler] to use instead of AdamW + getScheduler (either may be null). */
  optimizers?: [Optimizer | null, LambdaLR | null];
  computeLossFunc?: ComputeLossFunc;
  /** HF preprocess_logits_for_metrics: shrink logits per batch (e.g. argmax) before they are gathered (an array when the model has several prediction outputs). */
  preprocessLogitsForMetrics?: PreprocessLogits;
  /**
   * Training order: 'random' (default: epoch e is randperm(n) from a generator seeded data_seed ??
   * seed + e, the construction of accelerate's SeedableRandomSampler) or 'sequential' (dataset
   * order every epoch; HF needs a _get_train_sampler override for that).
   */
  trainSampler?: 'random' | 'sequential';
  /**
   * Which loss rule gradient accumulation uses for models without acceptsLossKwargs:
   * 'divide' (default, transformers >= 4.50: the micro-batch mean loss / gradient_accumulation_steps)
   * or 'none' (4.47.1: the mean loss as is, so the logged loss and the gradients scale with the steps).
   */
  gaLossRule?: 'divide' | 'none';
  /**
   * The loss scaler of fp16 training (default: new GradScaler(), torch's init_scale 65536,
   * growth_interval 2000 — accelerate's GradScalerKwargs).  An error without fp16.
   */
  gradScaler?: GradScaler;
  /**
   * Read the loss and gradient norm back every step (default on CPU, where it costs nothing): an
   * inf/NaN stops training before that update is applied.  false (default on CUDA): they stay on
   * the device until a log, evaluation or save reads them, as HF's Trainer — no host-device sync
   * per step; an inf/NaN then stops training at that read, naming the step it first appeared
   * (the updates since were applied, nothing was saved after it).
   */
  syncEachStep?: boolean;
}
