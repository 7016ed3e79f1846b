// trainer.ts — Trainer.train(): the training loop of transformers 4.47 trainer.py
// (_inner_training_loop, training_step, _maybe_log_save_evaluate, _save_checkpoint, resume) with
// the >= 4.50 gradient-accumulation loss rule.  Each optimizer update is one tidy() scope; only
// numbers leave it.  Checkpoints are written atomically (checkpoint.ts).
import { join } from 'node:path';
import { rm, stat } from 'node:fs/promises';
import { Tensor, tidy } from '../torch/index.js';
import { clipGradNorm } from '../optim/index.js';
import type { Batch } from '../data/collators/index.js';
import { pyRound, speedMetrics } from './arrays.js';
import {
  OPTIMIZER_META_NAME, TRAINER_STATE_NAME, cleanInterruptedSaves, getLastCheckpoint, loadOptimizer, loadRngState, loadScheduler,
  rotateCheckpoints, saveOptimizer, saveRngState, saveScheduler, sortedCheckpoints, writeCheckpointAtomically,
} from './checkpoint.js';
import { loadModelWeights } from './model.js';
import { TrainerState, type CallbackState, type LogEntry } from './trainer-state.js';
import { TrainerBase } from './trainer-base.js';

/** HF TrainOutput. */
export interface TrainOutput {
  global_step: number;
  /** Mean logged loss over the steps (HF: the losses since a resume divided by all global steps). */
  training_loss: number;
  metrics: Record<string, number>;
}

/**
 * Thrown when a loss or the gradient norm is NaN or infinite.  Unlike HF (which averages such a
 * loss away with logging_nan_inf_filter), tunekit stops: the failing update is not applied and no
 * checkpoint is written after it, so `lastCheckpoint` is the last good state.
 */
export class NonFiniteLossError extends Error {
  constructor(readonly what: 'loss' | 'grad_norm', readonly value: number, readonly step: number, readonly epoch: number, readonly lastCheckpoint: string | null) {
    super(`Training stopped: the ${what === 'loss' ? 'loss' : 'gradient norm'} is ${value} at step ${step} (epoch ${epoch.toFixed(2)}); ` +
      `the update was not applied and nothing was saved after it. Last good checkpoint: ${lastCheckpoint ?? 'none (no checkpoint was saved)'}.`);
    this.name = 'NonFiniteLossError';
  }
}

const isDir = (p: string): Promise<boolean> => stat(p).then((s) => s.isDirectory(), () => false);
const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

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
 *  - a NaN/inf loss or gradient norm throws NonFiniteLossError instead of being filtered;
 *  - checkpoints hold safetensors + JSON, no pickles (checkpoint.ts); only the CPU RNG is saved.
 * Kept as in HF: train_loss after a resume is the post-resume loss sum over all global steps.
 * @example
 * const trainer = new Trainer({ model, args, trainDataset, evalDataset, processingClass: tokenizer, computeMetrics });
 * await trainer.train();                       // or train({ resumeFromCheckpoint: true })
 * const metrics = trainer.evaluate();          // { eval_loss, eval_accuracy, eval_runtime, ..., epoch }
 * await trainer.saveModel();
 */
export class Trainer extends TrainerBase {
  /** HF tr_loss: the step losses since the last log, summed in float32. */
  protected trLoss = 0;
  protected totalLossScalar = 0;
  protected globalstepLastLogged = 0;
  protected lastGradNorm: number | null = null;
  private createdScheduler = false;
  private params: Tensor[] = [];
  /** The newest checkpoint written (or resumed from) by this trainer. */
  lastCheckpoint: string | null = null;

  /**
   * Trains for num_train_epochs, or max_steps updates.  resumeFromCheckpoint: a checkpoint
   * folder, or true for the newest checkpoint-N in output_dir; model, optimizer, scheduler, RNG,
   * global step and epoch are restored and the batches already seen in the current epoch skipped.
   */
  async train(opts: { resumeFromCheckpoint?: string | boolean | null } = {}): Promise<TrainOutput> {
    const a = this.args;
    let resume: string | null = opts.resumeFromCheckpoint === true ? await getLastCheckpoint(a.output_dir)
      : typeof opts.resumeFromCheckpoint === 'string' ? opts.resumeFromCheckpoint : null;
    if (opts.resumeFromCheckpoint === true && resume === null) throw new Error(`No valid checkpoint found in output directory (${a.output_dir})`);
    await cleanInterruptedSaves(a.output_dir);
    if (resume !== null) {
      if (!(await isDir(resume))) throw new Error(`Can't find a valid checkpoint at ${resume}`);
      await loadModelWeights(this.model, resume);
    }
    const loader = this.getTrainDataloader();
    this.callbackHandler.ctx.trainDataloader = loader;
    const gas = a.gradient_accumulation_steps;
    const lenDl = loader.length;
    // 4.47 floors here (len // gas); the ceiling (>= 4.48) counts the epoch's final partial update
    const updatesPerEpoch = Math.max(Math.ceil(lenDl / gas), 1);
    const totalBatch = a.train_batch_size * gas * a.world_size;
    let maxSteps: number, numTrainEpochs: number, numTrainSamples: number;
    if (a.max_steps > 0) {
      maxSteps = a.max_steps;
      numTrainEpochs = Math.ceil(maxSteps / updatesPerEpoch);
      numTrainSamples = maxSteps * totalBatch;
    } else {
      maxSteps = Math.ceil(a.num_train_epochs * updatesPerEpoch);
      numTrainEpochs = Math.ceil(a.num_train_epochs);
      numTrainSamples = loader.numRows * a.num_train_epochs;
    }
    if (this.createdScheduler) { this.lrScheduler = null; this.createdScheduler = false; }
    if (!this.lrScheduler) this.createdScheduler = true;
    this.createOptimizerAndScheduler(maxSteps);

    this.state = new TrainerState();
    this.state.stateful_callbacks = this.statefulCallbacks();
    this.state.train_batch_size = a.train_batch_size;
    this.state.computeSteps(a, maxSteps);
    if (resume !== null) await this.loadOptimizerAndScheduler(resume);

    this.state.epoch = 0;
    const start = performance.now();
    let epochsTrained = 0, skipMicroBatches = 0;
    if (resume !== null && (await exists(join(resume, TRAINER_STATE_NAME)))) {
      const loaded = await TrainerState.loadFromJson(join(resume, TRAINER_STATE_NAME));
      this.compareArgsWithCheckpoint(loaded);
      this.state = loaded;
      if (a.restore_callback_states_from_checkpoint) this.restoreCallbackStates();
      epochsTrained = Math.floor(this.state.global_step / updatesPerEpoch);
      skipMicroBatches = a.ignore_data_skip ? 0 : (this.state.global_step % updatesPerEpoch) * gas;
      this.lastCheckpoint = resume;
    }
    this.state.max_steps = maxSteps;
    this.state.num_train_epochs = numTrainEpochs;
    this.params = this.model.namedParameters().map(([, p]) => p);

    this.trLoss = 0;
    this.totalLossScalar = 0;
    this.globalstepLastLogged = this.state.global_step;
    this.lastGradNorm = null;
    this.zeroGrad();
    this.control = this.callbackHandler.call('onTrainBegin', a, this.state, this.control);
    if (a.eval_on_start) this.evaluate();

    // a checkpoint that already reached max_steps resumes to nothing (HF would run one more update)
    for (let epoch = epochsTrained; epoch < numTrainEpochs && this.state.global_step < maxSteps; epoch++) {
      const stepsInEpoch = lenDl;
      this.control = this.callbackHandler.call('onEpochBegin', a, this.state, this.control);
      const skip = epoch === epochsTrained ? skipMicroBatches : 0;
      // HF restores the RNG once the skipped batches are behind it (our skip draws no random numbers)
      if (epoch === epochsTrained && resume !== null) await loadRngState(resume);
      const it = loader.iterEpoch(epoch, { skipBatches: skip });
      let done = skip; // micro-batches of this epoch behind us
      if (stepsInEpoch === 0) {
        console.warn(`There seems not to be a single sample in your epoch_iterator, stopping training at step ${this.state.global_step}!`);
        this.control.should_training_stop = true;
      }
      while (done < stepsInEpoch) {
        const n = Math.min(gas, stepsInEpoch - done);
        done += this.updateStep(it, n, epoch, done, stepsInEpoch);
        await this.maybeLogSaveEvaluate();
        if (this.control.should_epoch_stop || this.control.should_training_stop) break;
      }
      this.control = this.callbackHandler.call('onEpochEnd', a, this.state, this.control);
      await this.maybeLogSaveEvaluate();
      if (this.control.should_training_stop) break;
    }

    if (a.load_best_model_at_end && this.state.best_model_checkpoint !== null) {
      if (a.log_level === 'info' || a.log_level === 'debug') console.info(`Loading best model from ${this.state.best_model_checkpoint} (score: ${this.state.best_metric}).`);
      await loadModelWeights(this.model, this.state.best_model_checkpoint);
    }
    this.totalLossScalar += this.trLoss;
    const trainLoss = this.totalLossScalar / Math.max(this.state.global_step, 0.001);
    const metrics = speedMetrics('train', start, { numSamples: numTrainSamples, numSteps: this.state.max_steps });
    this.storeFlos();
    metrics.total_flos = this.state.total_flos;
    metrics.train_loss = trainLoss;
    this.log(metrics);
    if (this.state.best_model_checkpoint !== null && a.save_total_limit === 1)
      for (const c of await sortedCheckpoints(a.output_dir, this.state.best_model_checkpoint))
        if (c !== join(a.output_dir, this.state.best_model_checkpoint.split('/').pop()!)) await rm(c, { recursive: true, force: true });
    this.control = this.callbackHandler.call('onTrainEnd', a, this.state, this.control);
    return { global_step: this.state.global_step, training_loss: trainLoss, metrics };
  }

  /**
   * One optimizer update over up to `n` micro-batches, in one tidy() scope: forward/backward each
   * (HF training_step), clip, optimizer and scheduler step, zero the gradients, fire the step
   * events.  `first` is the index of the first micro-batch within the epoch.  Returns the number
   * of micro-batches consumed.
   */
  protected updateStep(it: Iterator<Batch>, n: number, epoch: number, first: number, stepsInEpoch: number): number {
    const a = this.args;
    const cb = this.callbackHandler;
    return tidy(() => {
      const batches: Batch[] = [];
      for (let i = 0; i < n; i++) {
        const r = it.next();
        if (r.done) break;
        batches.push(this.prepareInputs(r.value));
      }
      if (batches.length === 0) return 0;
      const numItems = this.numItemsInBatch(batches);
      this.model.train();
      this.control = cb.call('onStepBegin', a, this.state, this.control);
      for (let i = 0; i < batches.length; i++) {
        const inputs = batches[i]!;
        if (a.include_num_input_tokens_seen) {
          const main = inputs[this.model.mainInputName ?? 'input_ids'];
          if (main) this.state.num_input_tokens_seen += main.numel();
        }
        const loss = this.trainingStep(inputs, numItems);
        if (!Number.isFinite(loss)) this.failNonFinite('loss', loss, epoch + (first + i + 1) / stepsInEpoch);
        this.trLoss = Math.fround(this.trLoss + loss);
        this.countFlos(inputs);
        if (i < batches.length - 1) this.control = cb.call('onSubstepEnd', a, this.state, this.control);
      }
      let gradNorm: number | null = null;
      if (a.max_grad_norm !== null && a.max_grad_norm > 0) {
        gradNorm = clipGradNorm(this.params, a.max_grad_norm);
        if (!Number.isFinite(gradNorm)) this.failNonFinite('grad_norm', gradNorm, epoch + (first + batches.length) / stepsInEpoch);
      }
      this.lastGradNorm = gradNorm;
      this.control = cb.call('onPreOptimizerStep', a, this.state, this.control);
      this.optimizer!.step();
      this.control = cb.call('onOptimizerStep', a, this.state, this.control);
      this.lrScheduler!.step();
      this.zeroGrad();
      this.state.global_step += 1;
      this.state.epoch = epoch + (first + batches.length) / stepsInEpoch;
      this.control = cb.call('onStepEnd', a, this.state, this.control);
      return batches.length;
    });
  }

  /**
   * HF training_step: the loss of one micro-batch, backpropagated; returns its value.  Models
   * with acceptsLossKwargs normalise by num_items_in_batch themselves; otherwise (no
   * computeLossFunc) the mean loss is divided by gradient_accumulation_steps — also on an
   * epoch's partial last update — before backward and logging (transformers >= 4.50).
   */
  protected trainingStep(inputs: Batch, numItemsInBatch: Tensor | null): number {
    let { loss } = this.computeLoss(inputs, { numItemsInBatch });
    const selfNormalised = this.model.acceptsLossKwargs === true && numItemsInBatch !== null;
    if (!selfNormalised && this.computeLossFunc === null && this.gaLossRule === 'divide') loss = loss.div(this.args.gradient_accumulation_steps);
    loss.backward();
    return loss.item();
  }

  /** HF get_batch_samples: labels != -100 over all micro-batches of the update (before any shift), as a 0-d int64 tensor. */
  protected numItemsInBatch(batches: Batch[]): Tensor | null {
    if (!batches.every((b) => b.labels instanceof Tensor)) return null;
    let total: Tensor | null = null;
    for (const b of batches) {
      const c = b.labels!.ne(-100).sum(undefined, false, { dtype: 'int64' });
      total = total === null ? c : total.add(c);
    }
    return total;
  }

  private zeroGrad(): void {
    const m = this.model as { zeroGrad?: () => void };
    if (typeof m.zeroGrad === 'function') m.zeroGrad();
    else this.optimizer?.zeroGrad();
  }

  private failNonFinite(what: 'loss' | 'grad_norm', value: number, epoch: number): never {
    this.zeroGrad();
    throw new NonFiniteLossError(what, value, this.state.global_step + 1, epoch, this.lastCheckpoint);
  }

  /** HF _maybe_log_save_evaluate: log the mean loss since the last log, evaluate, save — as control says. */
  protected async maybeLogSaveEvaluate(): Promise<void> {
    const s = this.state;
    if (this.control.should_log && s.global_step > this.globalstepLastLogged) {
      const tr = this.trLoss;
      this.trLoss = 0;
      const logs: LogEntry = { loss: pyRound(tr / (s.global_step - this.globalstepLastLogged), 4) };
      if (this.lastGradNorm !== null) logs.grad_norm = this.lastGradNorm;
      logs.learning_rate = this.lrScheduler!.getLastLr()[0]!;
      this.totalLossScalar += tr;
      this.globalstepLastLogged = s.global_step;
      this.storeFlos();
      this.log(logs);
    }
    if (this.control.should_evaluate) {
      const metrics = this.evaluate();
      const isNewBest = this.determineBestMetric(metrics);
      if (this.args.save_strategy === 'best') this.control.should_save = isNewBest;
    }
    if (this.control.should_save) {
      await this.saveCheckpoint();
      this.control = this.callbackHandler.call('onSave', this.args, this.state, this.control);
    }
  }

  /** HF _determine_best_metric: records best_metric / best_model_checkpoint; true on a new best. */
  protected determineBestMetric(metrics: Record<string, number>): boolean {
    let key = this.args.metric_for_best_model;
    if (key === null) return false;
    if (!key.startsWith('eval_')) key = `eval_${key}`;
    const value = metrics[key];
    if (value === undefined)
      throw new Error(`The \`metric_for_best_model\` training argument is set to '${key}', which is not found in the evaluation metrics. ` +
        `The available evaluation metrics are: [${Object.keys(metrics).map((k) => `'${k}'`).join(', ')}]. Consider changing the \`metric_for_best_model\` via the TrainingArguments.`);
    const gib = this.args.greater_is_better === true;
    const best = this.state.best_metric ?? (gib ? -Infinity : Infinity);
    if (gib ? value > best : value < best) {
      this.state.best_metric = value;
      this.state.best_model_checkpoint = join(this.args.output_dir, `checkpoint-${this.state.global_step}`);
      return true;
    }
    if (this.state.best_metric === null) this.state.best_metric = best;
    return false;
  }

  /** HF _save_checkpoint: `checkpoint-<global_step>` written atomically, then save_total_limit rotation. */
  protected async saveCheckpoint(): Promise<string> {
    this.storeFlos();
    const dir = await writeCheckpointAtomically(this.args.output_dir, `checkpoint-${this.state.global_step}`, (tmp) => this.writeCheckpointFiles(tmp));
    this.lastCheckpoint = dir;
    await rotateCheckpoints(this.args.output_dir, this.args.save_total_limit, this.state.best_model_checkpoint);
    return dir;
  }

  /**
   * The files of one checkpoint, into its temporary folder: the model (+ tokenizer,
   * training_args.json), optimizer, scheduler and RNG state (unless save_only_model), then
   * trainer_state.json.  Override to add files (call super).
   */
  protected async writeCheckpointFiles(dir: string): Promise<void> {
    await this.saveModel(dir);
    if (!this.args.save_only_model) {
      await saveOptimizer(this.optimizer!, dir);
      await saveScheduler(this.lrScheduler!, dir);
      await saveRngState(dir, { data_seed: this.args.data_seed ?? this.args.seed, epoch: Math.floor(this.state.epoch ?? 0) });
    }
    this.state.stateful_callbacks = this.statefulCallbacks();
    await this.state.saveToJson(join(dir, TRAINER_STATE_NAME));
  }

  /** HF _load_optimizer_and_scheduler (files absent, e.g. save_only_model: a warning, fresh state). */
  private async loadOptimizerAndScheduler(dir: string): Promise<void> {
    if (!(await exists(join(dir, OPTIMIZER_META_NAME)))) {
      console.warn(`${dir} has no optimizer/scheduler state (saved with save_only_model?): they start fresh.`);
      return;
    }
    await loadOptimizer(this.optimizer!, dir);
    await loadScheduler(this.lrScheduler!, dir);
  }

  /** HF's ExportableState dict: class name -> state (a list when a class appears twice). */
  private statefulCallbacks(): Record<string, CallbackState | CallbackState[]> {
    const out: Record<string, CallbackState | CallbackState[]> = {};
    for (const cb of [...this.callbackHandler.callbacks, this.control]) {
      const st = (cb as { state?: () => CallbackState }).state;
      if (typeof st !== 'function') continue;
      const name = cb.constructor.name;
      const s = st.call(cb);
      const prev = out[name];
      out[name] = prev === undefined ? s : Array.isArray(prev) ? [...prev, s] : [prev, s];
    }
    return out;
  }

  /** restore_callback_states_from_checkpoint: hands each stateful callback its saved state. */
  private restoreCallbackStates(): void {
    const saved = this.state.stateful_callbacks;
    const seen = new Map<string, number>();
    for (const cb of this.callbackHandler.callbacks) {
      if (typeof cb.restoreState !== 'function') continue;
      const name = cb.constructor.name;
      const entry = saved[name];
      const i = seen.get(name) ?? 0;
      seen.set(name, i + 1);
      const s = Array.isArray(entry) ? entry[i] : i === 0 ? entry : undefined;
      if (s) cb.restoreState(s);
    }
  }

  /** HF compare_trainer_and_checkpoint_args: warns when the cadence or batch size changed since the checkpoint. */
  private compareArgsWithCheckpoint(saved: TrainerState): void {
    const pairs: [string, number | null, number | null][] = [
      ['logging_steps', this.state.logging_steps, saved.logging_steps], ['eval_steps', this.state.eval_steps, saved.eval_steps],
      ['save_steps', this.state.save_steps, saved.save_steps], ['per_device_train_batch_size', this.state.train_batch_size, saved.train_batch_size],
    ];
    for (const [name, mine, theirs] of pairs)
      if (theirs !== null && mine !== theirs)
        console.warn(`Warning: The training argument '${name}' value (${mine}) does not match the trainer state value (${theirs}). ` +
          'This argument will be overridden by the one found in trainer_state.json within the checkpoint directory.');
  }
}
