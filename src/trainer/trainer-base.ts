// trainer-base.ts — the Trainer minus its training loop (transformers 4.47 trainer.py): setup,
// data loaders (remove_unused_columns, samplers), optimizer and scheduler creation, loss,
// evaluate / predict (evaluation_loop, prediction_step), log, save_model, save_state.
// trainer.ts adds train(), checkpoints and resume.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tensor, manualSeed, noGrad, tidy, type Device } from '../torch/index.js';
import { AdamW, SGD, getParameterGroups, getScheduler, type LambdaLR, type Optimizer } from '../optim/index.js';
import { DataLoader, type CollateFn } from '../data/dataloader.js';
import { DataCollatorWithPadding, defaultDataCollator, type Batch, type CollatorTokenizer, type Feature } from '../data/collators/index.js';
import { nestedConcat, speedMetrics, toNDArray, type EvalPrediction, type NDArray, type NDArrays, type PredictionOutput } from './arrays.js';
import { CallbackHandler, DefaultFlowCallback, PrinterCallback, ProgressCallback, type CallbackLike, type TrainerCallback } from './callbacks.js';
import { TRAINING_ARGS_NAME, TRAINER_STATE_NAME } from './checkpoint.js';
import { checkDatasetLabels, isBuiltinCollator, labelRuleOf } from './labels.js';
import { callForward, floatingPointOps, keysToIgnoreAtInference, labelNamesOf, saveModelWeights, signatureColumns, type ModelOutput, type TrainableModel } from './model.js';
import { TrainerControl, TrainerState, type LogEntry } from './trainer-state.js';
import { TrainingArguments } from './training-args.js';

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
}

/** The Trainer's base: everything but train().  Use {@link Trainer}. */
export class TrainerBase {
  args: TrainingArguments;
  model: TrainableModel;
  dataCollator: CollateFn<Feature, Batch>;
  trainDataset: TrainerDataset | null;
  evalDataset: TrainerDataset | Record<string, TrainerDataset> | null;
  processingClass: ProcessingClass | null;
  computeMetrics: ((p: EvalPrediction) => Record<string, number>) | null;
  computeLossFunc: ComputeLossFunc | null;
  preprocessLogitsForMetrics: PreprocessLogits | null;
  optimizer: Optimizer | null;
  lrScheduler: LambdaLR | null;
  readonly callbackHandler: CallbackHandler;
  state = new TrainerState();
  control = new TrainerControl();
  readonly labelNames: string[];
  readonly trainSampler: 'random' | 'sequential';
  readonly gaLossRule: 'divide' | 'none';
  /** HF current_flos: FLOPs since they were last added to state.total_flos. */
  protected currentFlos = 0;
  /** Eval datasets whose labels checkLabels already read (evaluate() runs often; the scan is once). */
  private readonly labelsChecked = new WeakSet<object>();
  protected readonly device: Device;

  constructor(opts: TrainerOptions) {
    if (!opts || typeof opts !== 'object' || !opts.model) throw new TypeError('Trainer requires either a model or a model_init argument');
    this.args = opts.args ?? new TrainingArguments({ output_dir: 'tmp_trainer' });
    if (!(this.args instanceof TrainingArguments)) throw new TypeError('Trainer: args must be a TrainingArguments (new TrainingArguments({...}))');
    const a = this.args;
    if (a.bf16 || a.fp16 || a.bf16_full_eval || a.fp16_full_eval)
      throw new RangeError(`TrainingArguments ${a.bf16 || a.bf16_full_eval ? 'bf16' : 'fp16'}=true: mixed-precision autocast is not available in tunekit ` +
        "(the addon does not expose libtorch's autocast, and libtorch 1.13 has none for bf16 on CPU). Train in float32, or cast the model " +
        "yourself (model.to('bfloat16')) for pure low-precision training — not the same numerics as HF's mixed precision.");
    // HF: set_seed(args.seed) at construction, before any dataloader or dropout draws
    manualSeed(a.seed);
    this.model = opts.model;
    this.device = a.device;
    if (this.device !== 'cpu') this.model.to?.(this.device);
    this.processingClass = opts.processingClass ?? null;
    const tok = this.processingClass;
    this.dataCollator = opts.dataCollator ??
      (tok && 'padTokenId' in tok && tok.length !== undefined ? new DataCollatorWithPadding({ tokenizer: tok as CollatorTokenizer }) : defaultDataCollator);
    this.trainDataset = opts.trainDataset ?? null;
    this.evalDataset = opts.evalDataset ?? null;
    this.computeMetrics = opts.computeMetrics ?? null;
    this.computeLossFunc = opts.computeLossFunc ?? null;
    this.preprocessLogitsForMetrics = opts.preprocessLogitsForMetrics ?? null;
    [this.optimizer, this.lrScheduler] = opts.optimizers ?? [null, null];
    this.labelNames = labelNamesOf(this.model, a.label_names);
    this.trainSampler = opts.trainSampler ?? 'random';
    this.gaLossRule = opts.gaLossRule ?? 'divide';
    const reporter = a.disable_tqdm ? PrinterCallback : ProgressCallback;
    this.callbackHandler = new CallbackHandler([DefaultFlowCallback, reporter, ...(opts.callbacks ?? [])], {
      model: this.model, processingClass: this.processingClass, optimizer: this.optimizer, lrScheduler: this.lrScheduler,
      trainDataloader: null, evalDataloader: null,
    });
    this.control = this.callbackHandler.call('onInitEnd', a, this.state, this.control);
  }

  addCallback(cb: CallbackLike): void { this.callbackHandler.addCallback(cb); }
  popCallback(cb: CallbackLike): TrainerCallback | undefined { return this.callbackHandler.popCallback(cb); }
  removeCallback(cb: CallbackLike): void { this.callbackHandler.removeCallback(cb); }

  // ---- data ----

  /**
   * HF _remove_unused_columns: a Dataset loses the columns forward() does not take; for other row
   * sources (arrays) the collator drops those keys per row (HF RemoveColumnsCollator).
   */
  protected prepareDataset(ds: TrainerDataset): { dataset: TrainerDataset; collate: CollateFn<Feature, Batch> } {
    const base = this.dataCollator;
    const keep = this.args.remove_unused_columns ? signatureColumns(this.model, this.labelNames, this.processingClass?.modelInputNames) : null;
    if (!keep) return { dataset: ds, collate: base };
    if (ds.columnNames && typeof ds.removeColumns === 'function') {
      const ignored = ds.columnNames.filter((c) => !keep.includes(c));
      if (ignored.length === 0) return { dataset: ds, collate: base };
      if (ignored.length === ds.columnNames.length)
        throw new Error("No columns in the dataset match the model's forward method signature. " +
          `The following columns have been ignored: [${ignored.join(', ')}]. Please check the dataset and model. ` +
          'You may need to set `remove_unused_columns=False` in `TrainingArguments`.');
      return { dataset: ds.removeColumns(ignored), collate: base };
    }
    const call = typeof base === 'function' ? base : (rows: Feature[]): Batch => base.collate(rows);
    const pick = (r: Feature): Feature => Object.fromEntries(Object.entries(r).filter(([k]) => keep.includes(k)));
    return { dataset: ds, collate: (rows: Feature[]) => call(rows.map(pick)) };
  }

  /**
   * Reads the label column of a dataset before it is used (see labels.ts): a row without a label
   * (in a training set; in an eval set when other rows have one) or a non-integer class id for a
   * single-label / token classification model is an error naming the dataset row.  Only with
   * the built-in collators (a custom one may map labels) and for datasets readable by column or
   * arrays of rows; each eval dataset is read once.
   */
  protected checkLabels(ds: TrainerDataset | Record<string, TrainerDataset> | null, where: string, training: boolean): void {
    if (ds === null || !isBuiltinCollator(this.dataCollator)) return;
    if (!('at' in ds) || typeof ds.at !== 'function') {
      for (const [name, d] of Object.entries(ds as Record<string, TrainerDataset>)) this.checkLabels(d, `${where}['${name}']`, training);
      return;
    }
    if (!training && this.labelsChecked.has(ds)) return;
    checkDatasetLabels(ds, where, this.labelNames, labelRuleOf(this.model), { training });
    if (!training) this.labelsChecked.add(ds);
  }

  /** Row lengths for group_by_length: the length_column_name column when present (HF), else inferred by the loader. */
  private lengthsFor(ds: TrainerDataset): number[] | undefined {
    const col = this.args.length_column_name;
    if (!ds.columnNames?.includes(col)) return undefined;
    const n = ds.numRows ?? ds.length ?? 0;
    return Array.from({ length: n }, (_, i) => Number((ds.at(i) as Record<string, unknown>)[col]));
  }

  /**
   * The training loader: per_device_train_batch_size, the sampler (see TrainerOptions.trainSampler),
   * drop_last, group_by_length.  HF's LengthGroupedSampler draws its permutation from torch's
   * global RNG; here it comes from the epoch's seeded generator, so the grouping differs from
   * HF's but is reproducible on resume.  Override to feed another order.
   */
  getTrainDataloader(): DataLoader<Feature, Batch> {
    if (!this.trainDataset) throw new Error('Trainer: training requires a train_dataset.');
    const { dataset, collate } = this.prepareDataset(this.trainDataset);
    const a = this.args;
    return new DataLoader<Feature, Batch>(dataset, {
      batchSize: a.train_batch_size, shuffle: this.trainSampler === 'random', seed: a.data_seed ?? a.seed, dropLast: a.dataloader_drop_last,
      collateFn: collate, groupByLength: a.group_by_length, lengths: a.group_by_length ? this.lengthsFor(dataset) : undefined,
      lengthColumn: this.processingClass?.modelInputNames?.[0] ?? 'input_ids',
    });
  }

  /** A sequential loader over an eval/test set (per_device_eval_batch_size). */
  getEvalDataloader(ds?: TrainerDataset): DataLoader<Feature, Batch> {
    const src = ds ?? this.evalDataset;
    if (!src) throw new Error('Trainer: evaluation requires an eval_dataset.');
    if (!('at' in src) || typeof src.at !== 'function') throw new TypeError('Trainer: pass one eval dataset here (a named set of them is evaluated by evaluate() without an argument)');
    this.checkLabels(src as TrainerDataset, ds ? 'the evaluated dataset' : 'eval_dataset', false);
    const { dataset, collate } = this.prepareDataset(src as TrainerDataset);
    return new DataLoader<Feature, Batch>(dataset, { batchSize: this.args.eval_batch_size, shuffle: false, dropLast: this.args.dataloader_drop_last, collateFn: collate });
  }

  /** Moves a batch to the training device (HF _prepare_inputs); a no-op on CPU. */
  protected prepareInputs(batch: Batch): Batch {
    if (this.device === 'cpu') return batch;
    return Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, v instanceof Tensor ? v.to(this.device) : v])) as Batch;
  }

  // ---- optimizer and scheduler ----

  /** HF create_optimizer: AdamW (or SGD) over [decayed, not decayed] groups (getParameterGroups). */
  createOptimizer(): Optimizer {
    if (this.optimizer) return this.optimizer;
    const a = this.args;
    const groups = getParameterGroups(this.model.namedParameters(), a.weight_decay);
    this.optimizer = a.optim === 'sgd'
      ? new SGD(groups, { lr: a.learning_rate })
      : new AdamW(groups, { lr: a.learning_rate, betas: [a.adam_beta1, a.adam_beta2], eps: a.adam_epsilon });
    this.callbackHandler.ctx.optimizer = this.optimizer;
    return this.optimizer;
  }

  /** HF create_scheduler: getScheduler(lr_scheduler_type) with warmup from warmup_steps / warmup_ratio. */
  createScheduler(numTrainingSteps: number, optimizer: Optimizer = this.createOptimizer()): LambdaLR {
    if (this.lrScheduler) return this.lrScheduler;
    const a = this.args;
    this.lrScheduler = getScheduler(a.lr_scheduler_type, optimizer, {
      numWarmupSteps: a.getWarmupSteps(numTrainingSteps), numTrainingSteps, schedulerSpecificKwargs: a.lr_scheduler_kwargs,
    });
    this.callbackHandler.ctx.lrScheduler = this.lrScheduler;
    return this.lrScheduler;
  }

  /** HF create_optimizer_and_scheduler. */
  createOptimizerAndScheduler(numTrainingSteps: number): void {
    this.createOptimizer();
    this.createScheduler(numTrainingSteps, this.optimizer!);
  }

  // ---- loss, logging ----

  /**
   * HF compute_loss: forward with the batch (plus `num_items_in_batch` as a 0-d int64 tensor for
   * models with acceptsLossKwargs); the loss is the model's, or computeLossFunc's on popped labels.
   */
  computeLoss(inputs: Batch, opts: { numItemsInBatch?: Tensor | null } = {}): { loss: Tensor; outputs: ModelOutput } {
    let labels: Tensor | null = null;
    let feed: Batch = inputs;
    if (this.computeLossFunc && 'labels' in inputs) {
      labels = inputs.labels!;
      feed = { ...inputs };
      delete feed.labels;
    }
    if (this.model.acceptsLossKwargs && opts.numItemsInBatch) feed = { ...feed, num_items_in_batch: opts.numItemsInBatch };
    const outputs = callForward(this.model, feed);
    let loss: Tensor | null | undefined;
    if (labels !== null) loss = this.computeLossFunc!(outputs, labels, opts.numItemsInBatch ?? null);
    else loss = outputs.loss;
    if (!(loss instanceof Tensor)) {
      const missing = this.labelNames.filter((k) => !(k in inputs));
      const why = missing.length === 0 ? '' : ` The batch has no ${missing.map((k) => `'${k}'`).join(', ')}: its rows carry no label (the collators ` +
        'drop a label column that is null or undefined in every row of a batch, as HF\'s default_data_collator does), ' +
        'or the dataset names the label column otherwise (set label_names). Remove or label the rows without a label.';
      throw new Error(`The model did not return a loss from the inputs, only the following keys: ${Object.keys(outputs).join(',')}. ` +
        `For reference, the inputs it received are ${Object.keys(feed).join(',')}.${why}`);
    }
    return { loss, outputs };
  }

  /** HF log: adds `epoch` (and num_input_tokens_seen), appends {...logs, step} to log_history, fires onLog. */
  log(logs: LogEntry): void {
    const out: LogEntry = { ...logs };
    if (this.state.epoch !== null) out.epoch = this.state.epoch;
    if (this.args.include_num_input_tokens_seen) out.num_input_tokens_seen = this.state.num_input_tokens_seen;
    this.state.log_history.push({ ...out, step: this.state.global_step });
    this.control = this.callbackHandler.call('onLog', this.args, this.state, this.control, { logs: out });
  }

  /** HF store_flos: moves current_flos into state.total_flos. */
  protected storeFlos(): void {
    this.state.total_flos += this.currentFlos;
    this.currentFlos = 0;
  }
  protected countFlos(inputs: Batch): void {
    this.currentFlos += floatingPointOps(this.model, inputs);
  }

  // ---- evaluation ----

  /**
   * HF prediction_step: under noGrad, the loss (when every label column is present) and the
   * prediction tensors (every Tensor output but `loss` and keys_to_ignore_at_inference).
   */
  predictionStep(inputs: Batch, predictionLossOnly: boolean, ignoreKeys?: string[]): { loss: Tensor | null; logits: Tensor[] | null; labels: Tensor[] | null } {
    const hasLabels = this.labelNames.length > 0 && this.labelNames.every((k) => inputs[k] !== undefined);
    const labels = hasLabels ? this.labelNames.map((k) => inputs[k]!) : null;
    const ignore = new Set([...(ignoreKeys ?? keysToIgnoreAtInference(this.model)), 'loss']);
    return noGrad(() => {
      let loss: Tensor | null = null;
      let outputs: ModelOutput;
      if (hasLabels) ({ loss, outputs } = this.computeLoss(inputs));
      else outputs = callForward(this.model, inputs);
      if (predictionLossOnly) return { loss, logits: null, labels: null };
      const logits = Object.entries(outputs).filter(([k, v]) => !ignore.has(k) && v instanceof Tensor).map(([, v]) => v as Tensor);
      return { loss, logits, labels };
    });
  }

  /** HF evaluation_loop: per-row losses, predictions and labels gathered over the loader (padded with -100), metrics prefixed. */
  protected evaluationLoop(loader: DataLoader<Feature, Batch>, opts: { predictionLossOnly: boolean; ignoreKeys?: string[]; metricKeyPrefix: string }):
    PredictionOutput & { numSamples: number } {
    this.model.eval();
    this.callbackHandler.ctx.evalDataloader = loader;
    const includeInputs = this.args.include_for_metrics.includes('inputs');
    const losses: number[] = [];
    let preds: NDArrays | null = null, labels: NDArrays | null = null, inputsAll: NDArrays | null = null;
    const pack = (ts: Tensor[]): NDArrays => (ts.length === 1 ? toNDArray(ts[0]!) : ts.map(toNDArray));
    let numSamples = 0;
    for (const raw of loader.iterEpoch(0)) {
      tidy(() => {
        const batch = this.prepareInputs(raw);
        const first = Object.values(batch).find((v) => v instanceof Tensor && v.ndim > 0);
        const bs = first ? first.size(0) : 1;
        numSamples += bs;
        const out = this.predictionStep(batch, opts.predictionLossOnly, opts.ignoreKeys);
        if (out.loss) { const l = out.loss.mean().item(); for (let i = 0; i < bs; i++) losses.push(l); }
        let logits = out.logits;
        if (logits && logits.length && this.preprocessLogitsForMetrics) {
          const p = this.preprocessLogitsForMetrics(logits.length === 1 ? logits[0]! : logits, out.labels?.[0] ?? null);
          logits = Array.isArray(p) ? p : [p];
        }
        if (logits && logits.length) preds = nestedConcat(preds, pack(logits));
        if (out.labels) labels = nestedConcat(labels, pack(out.labels));
        const main = batch[this.model.mainInputName ?? 'input_ids'];
        if (includeInputs && main) inputsAll = nestedConcat(inputsAll, toNDArray(main));
      });
      for (const v of Object.values(raw)) if (v instanceof Tensor) v.dispose();
      this.control = this.callbackHandler.call('onPredictionStep', this.args, this.state, this.control);
    }
    let metrics: Record<string, number> = {};
    if (this.computeMetrics && preds !== null && labels !== null) {
      const p: EvalPrediction = { predictions: preds, label_ids: labels };
      if (includeInputs) p.inputs = inputsAll;
      if (this.args.include_for_metrics.includes('loss')) p.losses = { data: Float32Array.from(losses), shape: [losses.length] };
      metrics = { ...this.computeMetrics(p) };
    }
    if (losses.length) metrics.loss = losses.reduce((s, x) => s + x, 0) / losses.length;
    const prefixed: Record<string, number> = {};
    for (const [k, v] of Object.entries(metrics)) prefixed[k.startsWith(`${opts.metricKeyPrefix}_`) ? k : `${opts.metricKeyPrefix}_${k}`] = v;
    return { predictions: preds, label_ids: labels, metrics: prefixed, numSamples };
  }

  /**
   * HF evaluate: loss and computeMetrics over the eval set, keys prefixed `<metricKeyPrefix>_`,
   * plus `_runtime`, `_samples_per_second`, `_steps_per_second`; logged (with epoch and step) and
   * passed to onEvaluate.  A named set of eval datasets is evaluated one by one (`eval_<name>_`).
   */
  evaluate(evalDataset?: TrainerDataset, opts: { ignoreKeys?: string[]; metricKeyPrefix?: string } = {}): Record<string, number> {
    const prefix = opts.metricKeyPrefix ?? 'eval';
    const named = evalDataset === undefined && this.evalDataset !== null && !('at' in this.evalDataset) ? this.evalDataset : null;
    if (named) {
      const all: Record<string, number> = {};
      for (const [name, ds] of Object.entries(named)) Object.assign(all, this.evaluate(ds, { ...opts, metricKeyPrefix: `${prefix}_${name}` }));
      return all;
    }
    const start = performance.now();
    const loader = this.getEvalDataloader(evalDataset);
    const out = this.evaluationLoop(loader, { predictionLossOnly: this.computeMetrics === null || this.args.prediction_loss_only, ignoreKeys: opts.ignoreKeys, metricKeyPrefix: prefix });
    const bs = this.args.eval_batch_size;
    Object.assign(out.metrics, speedMetrics(prefix, start, { numSamples: out.numSamples, numSteps: Math.ceil(out.numSamples / bs) }));
    this.log(out.metrics);
    this.control = this.callbackHandler.call('onEvaluate', this.args, this.state, this.control, { metrics: out.metrics });
    return out.metrics;
  }

  /**
   * HF predict: predictions (the model's prediction outputs, concatenated over batches and padded
   * with -100 where sequence lengths differ), label_ids and metrics (prefixed `test_`).  Not logged.
   */
  predict(testDataset: TrainerDataset, opts: { ignoreKeys?: string[]; metricKeyPrefix?: string } = {}): PredictionOutput {
    const prefix = opts.metricKeyPrefix ?? 'test';
    const start = performance.now();
    const out = this.evaluationLoop(this.getEvalDataloader(testDataset), { predictionLossOnly: this.args.prediction_loss_only, ignoreKeys: opts.ignoreKeys, metricKeyPrefix: prefix });
    Object.assign(out.metrics, speedMetrics(prefix, start, { numSamples: out.numSamples, numSteps: Math.ceil(out.numSamples / this.args.eval_batch_size) }));
    this.control = this.callbackHandler.call('onPredict', this.args, this.state, this.control, { metrics: out.metrics });
    return { predictions: out.predictions, label_ids: out.label_ids, metrics: out.metrics };
  }

  // ---- saving ----

  /**
   * HF save_model: the model (savePretrained, or model.safetensors + config.json), the tokenizer
   * (when it can save) and training_args.json (HF: training_args.bin, a pickle) into `outputDir`
   * (default args.output_dir).
   */
  async saveModel(outputDir?: string): Promise<void> {
    const dir = outputDir ?? this.args.output_dir;
    await mkdir(dir, { recursive: true });
    await saveModelWeights(this.model, dir);
    if (this.processingClass && typeof this.processingClass.savePretrained === 'function') await this.processingClass.savePretrained(dir);
    await writeFile(join(dir, TRAINING_ARGS_NAME), this.args.toJsonString());
  }

  /** HF save_state: trainer_state.json in args.output_dir. */
  async saveState(): Promise<void> {
    await mkdir(this.args.output_dir, { recursive: true });
    await this.state.saveToJson(join(this.args.output_dir, TRAINER_STATE_NAME));
  }
}

export type { NDArray, TrainerCallback };
