// trainer.ts — the Trainer class (transformers 4.47 trainer.py): construction and the public API.
// Each method is a line that hands the work to the module of its concept — loaders.ts (data),
// loss.ts, loop.ts (train), evaluation.ts, checkpointing.ts, non-finite.ts — over one shared
// TrainerContext (context.ts).  HF's overridable methods stay methods here (protected), so a
// subclass overrides trainingStep or writeCheckpointFiles as in HF; the modules call them back.
import { manualSeed, type Device, type Tensor } from '../torch/index.js';
import { AdamW, SGD, getParameterGroups, getScheduler, type GradScaler, type LambdaLR, type Optimizer } from '../optim/index.js';
import type { CollateFn, DataLoader } from '../data/dataloader.js';
import { DataCollatorWithPadding, defaultDataCollator, type Batch, type CollatorTokenizer, type Feature } from '../data/collators/index.js';
import type { EvalPrediction, PredictionOutput } from './arrays.js';
import { CallbackHandler, DefaultFlowCallback, PrinterCallback, ProgressCallback, type CallbackLike, type TrainerCallback } from './callbacks.js';
import { getReportingIntegrationCallbacks } from './integrations/index.js';
import * as checkpointing from './checkpointing.js';
import { newRunState, type EvalLoopOptions, type TrainerContext } from './context.js';
import * as evaluation from './evaluation.js';
import * as hubPush from './hub-push.js';
import type { CommitInfo } from '../hub/index.js';
import type { ModelCardOptions } from './model-card.js';
import * as loaders from './loaders.js';
import * as loop from './loop.js';
import * as loss from './loss.js';
import { labelNamesOf, type ModelOutput, type TrainableModel } from './model.js';
import { normalizeTrainerOptions, type ComputeLossFunc, type PreprocessLogits, type ProcessingClass, type TrainerDataset, type TrainerOptions } from './options.js';
import { TrainerControl, TrainerState, type LogEntry } from './trainer-state.js';
import { TrainingArguments } from './training-args.js';
import { checkModelDtype, checkPrecision, makeScaler } from './precision.js';
import { TrainerMemoryTracker } from './memory-tracker.js';

export type { TrainOutput } from './loop.js';
export type { PushToHubOptions, PushInProgress } from './hub-push.js';
export { NonFiniteLossError, type NonFiniteKind, type NonFiniteDetail } from './non-finite.js';

/**
 * HF's Trainer: `train()`, `evaluate()`, `predict()`, checkpoints, callbacks.
 *
 * Where it departs from transformers 4.47.1 (each a 4.47 bug or a tunekit choice):
 *  - updates per epoch = ceil(batches / gradient_accumulation_steps) (4.47 floors, >= 4.48 does
 *    this), so num_train_epochs and epoch-based max_steps count the partial last update;
 *  - loss under gradient accumulation: the >= 4.50 rule (see trainingStep; `gaLossRule: 'none'`
 *    gives 4.47.1's);
 *  - a resume in mid-epoch counts micro-batches from the epoch start, so the epoch still ends with
 *    its partial update (4.47 counts from the resume point and can miss it);
 *  - a checkpoint that already reached max_steps resumes to nothing (4.47 may run one more update);
 *  - a NaN/inf loss or gradient norm throws NonFiniteLossError instead of being filtered, and so
 *    does a save of non-finite weights or an optimizer update that overflows float32;
 *  - a fresh run refuses an output_dir that holds checkpoint-N folders unless overwrite_output_dir
 *    (which deletes them); HF's Trainer mixes them into rotation (its example scripts refuse or
 *    auto-resume instead);
 *  - resume_from_checkpoint=true falls back to the previous checkpoint when the newest cannot be
 *    loaded (HF fails);
 *  - labels that cannot be trained on (null, or a fractional class id for single-label / token
 *    classification) are refused before training, naming the dataset row;
 *  - checkpoints hold safetensors + JSON, no pickles (checkpoint.ts), every file fsynced before
 *    the atomic rename; only the CPU RNG is saved.
 * Kept as in HF: train_loss after a resume is the post-resume loss sum over all global steps.
 * @example
 * const trainer = new Trainer({ model, args, trainDataset, evalDataset, processingClass: tokenizer, computeMetrics });
 * await trainer.train();                       // or train({ resumeFromCheckpoint: true })
 * const metrics = trainer.evaluate();          // { eval_loss, eval_accuracy, eval_runtime, ..., epoch }
 * await trainer.saveModel();
 */
export class Trainer {
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
  /** fp16's loss scaler (torch.amp.GradScaler semantics; accelerate's `scaler`); null without fp16. */
  readonly gradScaler: GradScaler | null;
  readonly callbackHandler: CallbackHandler;
  state = new TrainerState();
  control = new TrainerControl();
  readonly labelNames: string[];
  readonly trainSampler: 'random' | 'sequential';
  readonly gaLossRule: 'divide' | 'none';
  /** The newest checkpoint written (or resumed from) by this trainer; its weights were checked finite. */
  lastCheckpoint: string | null = null;
  protected readonly device: Device;
  /** What the concept modules share (see context.ts). */
  readonly #ctx: TrainerContext;
  /** The Hub repo and the background uploads (hub-push.ts). */
  readonly #hub = new hubPush.HubPushState();

  /**
   * HF's names of the options a subclass's constructor reads itself (besides TrainerOptions).  A
   * subclass that declares it (even as []) gets unknown keys refused as the Trainer does; one that
   * does not passes unknown keys through unchecked.
   */
  static readonly extraOptionNames: readonly string[] = [];

  /**
   * @param options HF's keyword arguments (`train_dataset`, `processing_class`, `compute_metrics`,
   *   ...) or their camelCase spellings; `tokenizer` is processing_class.  Unknown keys are errors.
   */
  constructor(options: TrainerOptions) {
    if (!options || typeof options !== 'object' || !options.model) throw new TypeError('Trainer requires either a model or a model_init argument');
    const cls = new.target as typeof Trainer;
    let strict = false;
    for (let c: unknown = cls; c && c !== Trainer; c = Object.getPrototypeOf(c)) if (Object.hasOwn(c as object, 'extraOptionNames')) strict = true;
    const opts = normalizeTrainerOptions(options, `${cls.name}()`, cls.extraOptionNames, strict || cls === Trainer);
    this.args = opts.args ?? new TrainingArguments({ output_dir: 'tmp_trainer' });
    if (!(this.args instanceof TrainingArguments)) throw new TypeError('Trainer: args must be a TrainingArguments (new TrainingArguments({...}))');
    const a = this.args;
    // HF: the memory tracker starts first thing in __init__ and stops at its end
    const memory = new TrainerMemoryTracker(a.skip_memory_metrics);
    memory.start('init');
    // bf16 / fp16: libtorch's autocast around every forward (precision.ts), fp16 with a GradScaler
    checkPrecision(a, a.device);
    checkModelDtype(opts.model, a.device);
    this.gradScaler = makeScaler(a, opts.gradScaler);
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
    if (a.loss_type === 'chunked_nll') applyChunkedNll(this.model, this.computeLossFunc !== null);
    if (opts.syncEachStep !== undefined && typeof opts.syncEachStep !== 'boolean') throw new TypeError(`Trainer: syncEachStep must be a boolean, got ${JSON.stringify(opts.syncEachStep)}`);
    // the hooks call the methods through `this`, so a subclass's override is what runs
    const run = newRunState();
    run.syncEachStep = opts.syncEachStep ?? !String(this.device).startsWith('cuda');
    this.#ctx = {
      trainer: this, run, device: this.device, memory,
      hooks: {
        prepareDataset: (ds) => this.prepareDataset(ds),
        checkLabels: (ds, where, training) => this.checkLabels(ds, where, training),
        prepareInputs: (b) => this.prepareInputs(b),
        evaluationLoop: (loader, o) => this.evaluationLoop(loader, o),
        updateStep: (it, n, epoch, first, stepsInEpoch) => this.updateStep(it, n, epoch, first, stepsInEpoch),
        trainingStep: (inputs, n) => this.trainingStep(inputs, n),
        numItemsInBatch: (batches) => this.numItemsInBatch(batches),
        maybeLogSaveEvaluate: () => this.maybeLogSaveEvaluate(),
        determineBestMetric: (m) => this.determineBestMetric(m),
        saveCheckpoint: () => this.saveCheckpoint(),
        writeCheckpointFiles: (dir) => this.writeCheckpointFiles(dir),
        storeFlos: () => this.storeFlos(),
        countFlos: (inputs) => this.countFlos(inputs),
      },
    };
    const reporter = a.disable_tqdm ? PrinterCallback : ProgressCallback;
    // HF: DEFAULT_CALLBACKS + one callback per report_to integration, then the user's callbacks
    const integrations = getReportingIntegrationCallbacks(a.report_to as string[]);
    this.callbackHandler = new CallbackHandler([DefaultFlowCallback, ...integrations, reporter, ...(opts.callbacks ?? [])], {
      model: this.model, processingClass: this.processingClass, optimizer: this.optimizer, lrScheduler: this.lrScheduler,
      trainDataloader: null, evalDataloader: null,
    });
    this.control = this.callbackHandler.call('onInitEnd', a, this.state, this.control);
    // HF init_hf_repo: the repo is created now; a failure (no write token, ...) is thrown by train() / pushToHub()
    // (the main process only, as HF's init_hf_repo)
    if (a.push_to_hub && a.should_save) this.#hub.start(a);
    memory.stop('init');
  }

  addCallback(cb: CallbackLike): void { this.callbackHandler.addCallback(cb); }
  popCallback(cb: CallbackLike): TrainerCallback | undefined { return this.callbackHandler.popCallback(cb); }
  removeCallback(cb: CallbackLike): void { this.callbackHandler.removeCallback(cb); }

  // ---- training (loop.ts, loss.ts) ----

  /**
   * Trains for num_train_epochs, or max_steps updates.  resumeFromCheckpoint: a checkpoint
   * folder, or true for the newest checkpoint-N in output_dir; model, optimizer, scheduler, RNG,
   * global step and epoch are restored and the batches already seen in the current epoch skipped.
   */
  async train(opts: { resumeFromCheckpoint?: string | boolean | null } = {}): Promise<loop.TrainOutput> {
    // push_to_hub: the repo must exist before the first save pushes (HF raised in __init__)
    if (this.args.push_to_hub && this.args.should_save) await this.#hub.ready(this.args);
    try {
      return await loop.train(this.#ctx, opts);
    } finally {
      // HF _finish_current_push at the end of train(): a background pushToHub upload completes first
      await this.#hub.finish();
    }
  }

  /**
   * One optimizer update over up to `n` micro-batches: forward/backward each (HF training_step),
   * clip, optimizer and scheduler step, zero the gradients, fire the step events.  `first` is the
   * index of the first micro-batch within the epoch.  Returns the number of micro-batches consumed.
   */
  protected updateStep(it: Iterator<Batch>, n: number, epoch: number, first: number, stepsInEpoch: number): number {
    return loop.updateStep(this.#ctx, it, n, epoch, first, stepsInEpoch);
  }

  /**
   * HF training_step: the loss of one micro-batch, backpropagated; returns it detached (0-d, on the device).  Models
   * with acceptsLossKwargs normalise by num_items_in_batch themselves; otherwise (no
   * computeLossFunc) the mean loss is divided by gradient_accumulation_steps — also on an
   * epoch's partial last update — before backward and logging (transformers >= 4.50).
   */
  protected trainingStep(inputs: Batch, numItemsInBatch: Tensor | null): Tensor { return loss.trainingStep(this.#ctx, inputs, numItemsInBatch); }

  /** HF get_batch_samples: labels != -100 over all micro-batches of the update (before any shift), as a 0-d int64 tensor. */
  protected numItemsInBatch(batches: Batch[]): Tensor | null { return loss.numItemsInBatch(batches); }

  /**
   * HF compute_loss: forward with the batch (plus `num_items_in_batch` as a 0-d int64 tensor for
   * models with acceptsLossKwargs); the loss is the model's, or computeLossFunc's on popped labels.
   */
  computeLoss(inputs: Batch, opts: { numItemsInBatch?: Tensor | null } = {}): { loss: Tensor; outputs: ModelOutput } {
    return loss.computeLoss(this.#ctx, inputs, opts.numItemsInBatch);
  }

  /** HF _maybe_log_save_evaluate: log the mean loss since the last log, evaluate, save — as control says. */
  protected maybeLogSaveEvaluate(): Promise<void> { return loop.maybeLogSaveEvaluate(this.#ctx); }
  /** HF _determine_best_metric: records best_metric / best_model_checkpoint; true on a new best. */
  protected determineBestMetric(metrics: Record<string, number>): boolean { return loop.determineBestMetric(this.#ctx, metrics); }
  /** HF store_flos: moves current_flos into state.total_flos. */
  protected storeFlos(): void { loop.storeFlos(this.#ctx); }
  protected countFlos(inputs: Batch): void { loop.countFlos(this.#ctx, inputs); }

  // ---- data (loaders.ts) ----

  /**
   * The training loader: per_device_train_batch_size, the sampler (see TrainerOptions.trainSampler),
   * drop_last, group_by_length.  HF's LengthGroupedSampler draws its permutation from torch's
   * global RNG; here it comes from the epoch's seeded generator, so the grouping differs from
   * HF's but is reproducible on resume.  Override to feed another order.
   */
  getTrainDataloader(): DataLoader<Feature, Batch> { return loaders.getTrainDataloader(this.#ctx); }
  /** A sequential loader over an eval/test set (per_device_eval_batch_size). */
  getEvalDataloader(ds?: TrainerDataset): DataLoader<Feature, Batch> { return loaders.getEvalDataloader(this.#ctx, ds); }
  /**
   * HF _remove_unused_columns: a Dataset loses the columns forward() does not take; for other row
   * sources (arrays) the collator drops those keys per row (HF RemoveColumnsCollator).
   */
  protected prepareDataset(ds: TrainerDataset): { dataset: TrainerDataset; collate: CollateFn<Feature, Batch> } { return loaders.prepareDataset(this.#ctx, ds); }
  /** Checks the label column of a dataset before it is used (see loaders.ts checkLabels). */
  protected checkLabels(ds: TrainerDataset | Record<string, TrainerDataset> | null, where: string, training: boolean): void {
    loaders.checkLabels(this.#ctx, ds, where, training);
  }
  /** Moves a batch to the training device (HF _prepare_inputs); a no-op on CPU. */
  protected prepareInputs(batch: Batch): Batch { return loaders.prepareInputs(this.#ctx, batch); }

  // ---- optimizer and scheduler ----

  /** HF create_optimizer: AdamW (or SGD) over [decayed, not decayed] groups (getParameterGroups). */
  createOptimizer(): Optimizer {
    if (this.optimizer) return this.optimizer;
    const a = this.args;
    const groups = getParameterGroups(this.model.namedParameters(), a.weight_decay);
    this.optimizer = a.optim === 'sgd'
      ? new SGD(groups, { lr: a.learning_rate })
      : new AdamW(groups, { lr: a.learning_rate, betas: [a.adam_beta1, a.adam_beta2], eps: a.adam_epsilon, fused: a.optim === 'adamw_torch_fused' });
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

  /** HF log: adds `epoch` (and num_input_tokens_seen), appends {...logs, step} to log_history, fires onLog. */
  log(logs: LogEntry): void {
    // HF writes epoch (and tokens seen) into the caller's dict: evaluate() returns them too
    if (this.state.epoch !== null) logs.epoch = this.state.epoch;
    if (this.args.include_num_input_tokens_seen) logs.num_input_tokens_seen = this.state.num_input_tokens_seen;
    this.state.log_history.push({ ...logs, step: this.state.global_step });
    this.control = this.callbackHandler.call('onLog', this.args, this.state, this.control, { logs });
  }

  // ---- evaluation (evaluation.ts) ----

  /**
   * HF prediction_step: under noGrad, the loss (when every label column is present) and the
   * prediction tensors (every Tensor output but `loss` and keys_to_ignore_at_inference).
   */
  predictionStep(inputs: Batch, predictionLossOnly: boolean, ignoreKeys?: string[]): { loss: Tensor | null; logits: Tensor[] | null; labels: Tensor[] | null } {
    return evaluation.predictionStep(this.#ctx, inputs, predictionLossOnly, ignoreKeys);
  }
  /** HF evaluation_loop: per-row losses, predictions and labels gathered over the loader (padded with -100), metrics prefixed. */
  protected evaluationLoop(loader: DataLoader<Feature, Batch>, opts: EvalLoopOptions): PredictionOutput & { numSamples: number } {
    return evaluation.evaluationLoop(this.#ctx, loader, opts);
  }
  /**
   * HF evaluate: loss and computeMetrics over the eval set, keys prefixed `<metricKeyPrefix>_`,
   * plus `_runtime`, `_samples_per_second`, `_steps_per_second`; logged (with epoch and step) and
   * passed to onEvaluate.  A named set of eval datasets is evaluated one by one (`eval_<name>_`).
   */
  evaluate(evalDataset?: TrainerDataset, opts: { ignoreKeys?: string[]; metricKeyPrefix?: string } = {}): Record<string, number> {
    return evaluation.evaluate(this.#ctx, evalDataset, opts);
  }
  /**
   * HF predict: predictions (the model's prediction outputs, concatenated over batches and padded
   * with -100 where sequence lengths differ), label_ids and metrics (prefixed `test_`).  Not logged.
   */
  predict(testDataset: TrainerDataset, opts: { ignoreKeys?: string[]; metricKeyPrefix?: string } = {}): PredictionOutput {
    return evaluation.predict(this.#ctx, testDataset, opts);
  }

  // ---- saving (checkpointing.ts) ----

  /**
   * HF save_model: the model (savePretrained, or model.safetensors + config.json), the tokenizer
   * (when it can save) and training_args.json (HF: training_args.bin, a pickle) into `outputDir`
   * (default args.output_dir).  With push_to_hub, a call from user code (not `internalCall`, HF's
   * _internal_call) then pushes output_dir: pushToHub({ commit_message: 'Model save' }).
   */
  saveModel(outputDir?: string, opts: { internalCall?: boolean } = {}): Promise<void> { return checkpointing.saveModel(this.#ctx, outputDir, opts.internalCall ?? false); }
  /** HF save_state: trainer_state.json in args.output_dir. */
  saveState(): Promise<void> { return checkpointing.saveState(this.#ctx); }
  /**
   * HF _save_checkpoint: `checkpoint-<global_step>` written atomically, then save_total_limit
   * rotation.  A model holding NaN/inf is never saved: NonFiniteLossError names the parameter.
   */
  protected saveCheckpoint(): Promise<string> { return checkpointing.saveCheckpoint(this.#ctx); }
  /**
   * The files of one checkpoint, into its temporary folder: the model (+ tokenizer,
   * training_args.json), optimizer, scheduler and RNG state (unless save_only_model), then
   * trainer_state.json.  Override to add files (call super).
   */
  protected writeCheckpointFiles(dir: string): Promise<void> { return checkpointing.writeCheckpointFiles(this.#ctx, dir); }

  // ---- the Hub (hub-push.ts) ----

  /** HF hub_model_id: the repo pushed to (`namespace/name`), once it was created; else null. */
  get hubModelId(): string | null { return this.#hub.repoId; }

  /**
   * HF push_to_hub: saves the model into output_dir, writes its model card (README.md), waits for
   * a background push, and uploads output_dir in one commit (checkpoint-* and _* left out).  The
   * repo is args.hub_model_id (default the output_dir's name in the token owner's namespace),
   * created when needed.  Also accepts create_model_card's options (language, license, tags,
   * finetuned_from, dataset, ...).  `blocking: false` resolves once the files are written, with
   * the upload as `future` (train() and the next push wait for it).
   * @example await trainer.train(); const { commitUrl } = await trainer.pushToHub({ commit_message: 'End of training', license: 'apache-2.0' });
   * @throws HubAuthError naming hub_token / HF_TOKEN when the Hub refuses the token
   */
  pushToHub(opts?: hubPush.PushToHubOptions & { blocking?: true }): Promise<CommitInfo>;
  pushToHub(opts: hubPush.PushToHubOptions & { blocking: false }): Promise<hubPush.PushInProgress>;
  pushToHub(opts: hubPush.PushToHubOptions = {}): Promise<CommitInfo | hubPush.PushInProgress> { return hubPush.pushToHub(this, this.#hub, opts); }

  /**
   * HF _push_from_checkpoint (after each checkpoint save when push_to_hub): per hub_strategy,
   * output_dir with the checkpoint's model files ("Training in progress, step N"), and for
   * 'checkpoint' / 'all_checkpoints' the checkpoint folder as `last-checkpoint/` or under its name.
   */
  pushFromCheckpoint(checkpointFolder: string): Promise<void> { return hubPush.pushFromCheckpoint(this, this.#hub, checkpointFolder); }

  /**
   * HF create_model_card: writes output_dir/README.md (front matter with library_name, base_model,
   * tags, datasets, model-index; the hyperparameters; the training results from log_history) and
   * returns its text.
   */
  createModelCard(opts: ModelCardOptions = {}): Promise<string> { return hubPush.createModelCard(this, opts); }
}

/**
 * loss_type 'chunked_nll' (TRL's SFTConfig option): the causal LM (inside a PeftModel too) computes
 * its training loss without logits.  Needs a model with `lossType` (tunekit's ...ForCausalLM), and
 * no computeLossFunc (which would need the logits).
 */
function applyChunkedNll(model: TrainableModel, hasLossFunc: boolean): void {
  if (hasLossFunc) throw new RangeError("TrainingArguments loss_type='chunked_nll' computes the loss inside the model without logits: it cannot be combined with computeLossFunc");
  const m = model as { getBaseModel?: () => object };
  const target = (typeof m.getBaseModel === 'function' ? m.getBaseModel() : model) as { lossType?: unknown; constructor: { name: string } };
  if (!('lossType' in target)) throw new TypeError(`TrainingArguments loss_type='chunked_nll' needs a causal LM (a tunekit ...ForCausalLM), got ${target.constructor.name}`);
  target.lossType = 'chunked_nll';
}

/** @deprecated The Trainer is one class now (no base class); TrainerBase names the same class. */
export const TrainerBase = Trainer;
/** @deprecated See {@link TrainerBase}. */
export type TrainerBase = Trainer;

