// trainer.ts — Trainer.train(): the training loop of transformers 4.47 trainer.py
// (_inner_training_loop, training_step, _maybe_log_save_evaluate, _save_checkpoint, resume) with
// the >= 4.50 gradient-accumulation loss rule.  Each optimizer update is one tidy() scope; only
// numbers leave it.  Checkpoints are written atomically (checkpoint.ts).
import { basename, join } from 'node:path';
import { rename, rm, stat } from 'node:fs/promises';
import { Tensor, tidy } from '../torch/index.js';
import { clipGradNorm } from '../optim/index.js';
import type { Batch } from '../data/collators/index.js';
import { pyRound, speedMetrics } from './arrays.js';
import {
  OPTIMIZER_META_NAME, TRAINER_STATE_NAME, cleanInterruptedSaves, listCheckpoints, loadRngState, readOptimizerState, readSchedulerState,
  rotateCheckpoints, saveOptimizer, saveRngState, saveScheduler, sortedCheckpoints, verifyRngState, writeCheckpointAtomically,
} from './checkpoint.js';
import { firstNonFiniteWeight, largestWeight, loadModelWeights, type NonFiniteWeight } from './model.js';
import { TrainerState, type CallbackState, type LogEntry } from './trainer-state.js';
import { TrainerBase } from './trainer-base.js';

/** HF TrainOutput. */
export interface TrainOutput {
  global_step: number;
  /** Mean logged loss over the steps (HF: the losses since a resume divided by all global steps). */
  training_loss: number;
  metrics: Record<string, number>;
}

/** What NonFiniteLossError found not finite: the loss, the gradient norm, or the weights after an optimizer update. */
export type NonFiniteKind = 'loss' | 'grad_norm' | 'weights';

/** The known cause of a NonFiniteLossError. */
export interface NonFiniteDetail {
  /** The parameter found non-finite (or where the optimizer update overflowed). */
  parameter?: string | null;
  /** The learning rate of the optimizer update concerned. */
  learningRate?: number | null;
  /** One or more sentences on the cause and the way out. */
  cause?: string;
  /** The optimizer step itself failed on a float32 overflow (the weights may be partly updated). */
  overflowed?: boolean;
}

const fmtNum = (v: number): string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v));

/**
 * Thrown when a loss or the gradient norm is NaN or infinite, or when the weights are (an
 * optimizer update that overflows, or a checkpoint about to be saved with NaN/inf weights).
 * Unlike HF (which averages such a loss away with logging_nan_inf_filter), tunekit stops: the
 * failing update is not applied, no checkpoint with non-finite weights is ever written (each
 * save checks them), so `lastCheckpoint` is the last good state.  `parameter` and
 * `learningRate` name the cause when the weights went non-finite.
 */
export class NonFiniteLossError extends Error {
  readonly parameter: string | null;
  readonly learningRate: number | null;
  constructor(readonly what: NonFiniteKind, readonly value: number, readonly step: number, readonly epoch: number, readonly lastCheckpoint: string | null,
    detail: NonFiniteDetail = {}) {
    const at = `step ${step} (epoch ${epoch.toFixed(2)})`;
    const head = what === 'weights'
      ? (detail.overflowed ? `the optimizer update of ${at} overflows float32 at parameter '${detail.parameter ?? '?'}'.`
        : `parameter '${detail.parameter ?? '?'}' holds ${fmtNum(value)} after the optimizer update of ${at}.`)
      : `the ${what === 'loss' ? 'loss' : 'gradient norm'} is ${value} at ${at}; the update was not applied and nothing was saved after it.`;
    const cause = detail.cause ? ` ${detail.cause.replace(/\.?$/, '.')}` : '';
    super(`Training stopped: ${head}${cause}${what === 'weights' ? ' Nothing was saved with these weights.' : ''} ` +
      `Last good checkpoint: ${lastCheckpoint ?? 'none (no checkpoint was saved)'}.`);
    this.name = 'NonFiniteLossError';
    this.parameter = detail.parameter ?? null;
    this.learningRate = detail.learningRate ?? null;
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
export class Trainer extends TrainerBase {
  /** HF tr_loss: the step losses since the last log, summed in float32. */
  protected trLoss = 0;
  protected totalLossScalar = 0;
  protected globalstepLastLogged = 0;
  protected lastGradNorm: number | null = null;
  private createdScheduler = false;
  private params: Tensor[] = [];
  /** The newest checkpoint written (or resumed from) by this trainer; its weights were checked finite. */
  lastCheckpoint: string | null = null;
  /** The last optimizer update applied: its global step and learning rate (for NonFiniteLossError). */
  private lastUpdate: { step: number; lr: number | null } | null = null;

  /**
   * Trains for num_train_epochs, or max_steps updates.  resumeFromCheckpoint: a checkpoint
   * folder, or true for the newest checkpoint-N in output_dir; model, optimizer, scheduler, RNG,
   * global step and epoch are restored and the batches already seen in the current epoch skipped.
   */
  async train(opts: { resumeFromCheckpoint?: string | boolean | null } = {}): Promise<TrainOutput> {
    const a = this.args;
    const want = opts.resumeFromCheckpoint ?? null;
    await cleanInterruptedSaves(a.output_dir);
    // newest first: with `true`, a checkpoint that fails to load falls back to the one before it
    let candidates: string[] = [];
    if (want === true) {
      candidates = (await listCheckpoints(a.output_dir)).reverse();
      if (candidates.length === 0) throw new Error(`No valid checkpoint found in output directory (${a.output_dir})`);
    } else if (typeof want === 'string') {
      if (!(await isDir(want))) throw new Error(`Can't find a valid checkpoint at ${want}`);
      candidates = [want];
    }
    this.checkLabels(this.trainDataset, 'train_dataset', true);
    if (a.eval_strategy !== 'no' || a.eval_on_start) this.checkLabels(this.evalDataset, 'eval_dataset', false);
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
    if (candidates.length === 0) await this.claimOutputDir();

    this.state = new TrainerState();
    this.state.stateful_callbacks = this.statefulCallbacks();
    this.state.train_batch_size = a.train_batch_size;
    this.state.computeSteps(a, maxSteps);
    let resume: string | null = null, loaded: TrainerState | null = null;
    if (candidates.length) ({ dir: resume, state: loaded } = await this.resumeFrom(candidates, want === true));

    this.state.epoch = 0;
    this.lastUpdate = null;
    const start = performance.now();
    let epochsTrained = 0, skipMicroBatches = 0;
    if (resume !== null && loaded !== null) {
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
      const lr = this.currentLr();
      try {
        this.optimizer!.step();
      } catch (e) {
        this.failOptimizerStep(e, lr, epoch + (first + batches.length) / stepsInEpoch);
      }
      this.lastUpdate = { step: this.state.global_step + 1, lr };
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

  /** The learning rate the optimizer's first group uses now (what the next update applies). */
  private currentLr(): number | null {
    const g = this.optimizer?.paramGroups[0] as { lr?: unknown } | undefined;
    return typeof g?.lr === 'number' ? g.lr : null;
  }

  /** Why an update can make the weights non-finite, given its learning rate: the likely setting at fault and the way out. */
  private updateHint(lr: number | null): string {
    const at = `learning_rate ${lr === null ? '?' : fmtNum(lr)}`;
    if (lr !== null && !Number.isFinite(lr)) return `The update used ${at}: a learning rate must be finite.`;
    const eps = (this.optimizer?.paramGroups[0] as { eps?: unknown } | undefined)?.eps;
    if (eps === 0)
      return `The update used ${at} with adam_epsilon 0: AdamW divides by sqrt(v) + adam_epsilon, which is 0/0 = NaN for a weight whose gradient is 0; use adam_epsilon > 0 (default 1e-8).`;
    return `The update used ${at}: lower learning_rate (an update too large overflows float32), or check the gradients (max_grad_norm clips them and stops on a non-finite norm).`;
  }

  private failNonFinite(what: 'loss' | 'grad_norm', value: number, epoch: number): never {
    this.zeroGrad();
    const bad = firstNonFiniteWeight(this.model);
    const lrNow = this.currentLr();
    const detail: NonFiniteDetail = { learningRate: lrNow };
    if (bad !== null) {
      // the weights were broken before this step: by the last update (the loss of that step was finite)
      const lr = this.lastUpdate?.lr ?? null;
      detail.parameter = bad.name;
      detail.learningRate = lr;
      detail.cause = this.lastUpdate
        ? `The weights were already non-finite: parameter '${bad.name}' holds ${fmtNum(bad.value)} after the optimizer update of step ${this.lastUpdate.step}. ${this.updateHint(lr)}`
        : `The weights were non-finite before any update of this run: parameter '${bad.name}' holds ${fmtNum(bad.value)} (the model was given so)`;
    } else {
      const big = largestWeight(this.model);
      detail.cause = `This step ran at learning_rate ${lrNow === null ? '?' : fmtNum(lrNow)}; the weights are finite` +
        (big !== null && big.value > 1e6 ? `, but huge: |${big.name}| reaches ${big.value.toPrecision(3)}, so the forward pass overflows — lower learning_rate` : '');
      if (big !== null && big.value > 1e6) detail.parameter = big.name;
    }
    throw new NonFiniteLossError(what, value, this.state.global_step + 1, epoch, this.lastCheckpoint, detail);
  }

  /**
   * An optimizer step that threw: when it overflowed float32 (the addon's "value cannot be
   * converted to type float without overflow" for a step size beyond 3.4e38) or left non-finite
   * weights, a NonFiniteLossError naming the learning rate and the parameter; else the error as is.
   */
  private failOptimizerStep(e: unknown, lr: number | null, epoch: number): never {
    const msg = e instanceof Error ? e.message : String(e);
    const bad = firstNonFiniteWeight(this.model);
    const param = bad?.name ?? this.firstParamWithGrad();
    this.zeroGrad();
    if (!/overflow/i.test(msg) && bad === null) throw e;
    const a = this.args;
    const size = a.optim === 'adamw_torch' && lr !== null ? ` (AdamW's first update moves a weight by about learning_rate / (1 - adam_beta1) = ${fmtNum(Number((lr / (1 - a.adam_beta1)).toPrecision(3)))})` : '';
    throw new NonFiniteLossError('weights', bad?.value ?? Infinity, this.state.global_step + 1, epoch, this.lastCheckpoint, {
      parameter: param, learningRate: lr, overflowed: bad === null,
      cause: `The update used learning_rate ${lr === null ? '?' : fmtNum(lr)}${size}, beyond float32's 3.4e38 (${msg}). ` +
        'Lower learning_rate; the weights may be partly updated',
    });
  }

  /** The name of the first parameter with a gradient, in optimizer order (where a fused optimizer step starts). */
  private firstParamWithGrad(): string | null {
    const names = new Map(this.model.namedParameters().map(([n, p]) => [p, n]));
    for (const g of this.optimizer?.paramGroups ?? [])
      for (const p of g.params) {
        const grad = p.grad;
        if (grad === null) continue;
        grad.dispose();
        return names.get(p) ?? null;
      }
    return null;
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

  /**
   * HF _save_checkpoint: `checkpoint-<global_step>` written atomically, then save_total_limit
   * rotation.  The weights are checked first: a model holding NaN/inf (an update that overflowed,
   * adam_epsilon 0, ...) is never saved — NonFiniteLossError names the parameter instead.
   */
  protected async saveCheckpoint(): Promise<string> {
    const bad = firstNonFiniteWeight(this.model);
    if (bad !== null) this.refuseNonFiniteSave(bad);
    this.storeFlos();
    const dir = await writeCheckpointAtomically(this.args.output_dir, `checkpoint-${this.state.global_step}`, (tmp) => this.writeCheckpointFiles(tmp));
    this.lastCheckpoint = dir;
    await rotateCheckpoints(this.args.output_dir, this.args.save_total_limit, this.state.best_model_checkpoint);
    return dir;
  }

  private refuseNonFiniteSave(bad: NonFiniteWeight): never {
    const step = this.state.global_step;
    const lr = this.lastUpdate?.lr ?? null;
    throw new NonFiniteLossError('weights', bad.value, this.lastUpdate?.step ?? step, this.state.epoch ?? 0, this.lastCheckpoint, {
      parameter: bad.name, learningRate: lr, cause: `${this.updateHint(lr)} checkpoint-${step} was not written`,
    });
  }

  /**
   * A fresh run (no resume) claims output_dir: checkpoint-N folders of an earlier run there would
   * be sorted by step with this run's — save_total_limit rotation would keep a stale, higher
   * checkpoint-100 and delete this run's, and resume_from_checkpoint=true would pick it.  So they
   * are an error, unless overwrite_output_dir (HF: "overwrite the content of the output
   * directory"), which deletes them before training starts.
   */
  private async claimOutputDir(): Promise<void> {
    const a = this.args;
    const old = await listCheckpoints(a.output_dir);
    if (old.length === 0) return;
    const names = old.map((p) => basename(p)).reverse();
    const list = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
    if (!a.overwrite_output_dir)
      throw new Error(`Output directory (${a.output_dir}) already holds checkpoints of an earlier run (${list}). A fresh run would mix its ` +
        `checkpoints with them: save_total_limit rotation and resume_from_checkpoint=true order checkpoints by step, so ${names[0]} would ` +
        'outrank the new ones. Either resume that run (train({ resumeFromCheckpoint: true }), HF resume_from_checkpoint) or set ' +
        'overwrite_output_dir: true to delete them and start over (or pick another output_dir).');
    console.warn(`overwrite_output_dir: deleting ${old.length} checkpoint(s) of an earlier run in ${a.output_dir} (${list}).`);
    for (const p of old) await rm(p, { recursive: true, force: true });
  }

  /**
   * Loads the first loadable checkpoint of `candidates` (newest first) into the model, optimizer
   * and scheduler; returns it with its trainer state (null when it has no trainer_state.json).
   * With `fallback` (resume_from_checkpoint=true) a checkpoint that fails to load — a truncated
   * file, non-finite weights — is skipped with a warning naming it and the reason, and once an
   * older one loads it is renamed to `checkpoint-N.broken` (kept, but out of rotation and of the
   * next resume); without, its error is thrown.
   */
  private async resumeFrom(candidates: string[], fallback: boolean): Promise<{ dir: string; state: TrainerState | null }> {
    const failed: [string, string][] = [];
    for (let i = 0; i < candidates.length; i++) {
      const dir = candidates[i]!;
      let state: TrainerState | null;
      try {
        state = await this.loadCheckpoint(dir);
      } catch (e) {
        if (!fallback) throw e;
        const why = e instanceof Error ? e.message : String(e);
        failed.push([dir, why]);
        const next = candidates[i + 1];
        console.warn(`resume_from_checkpoint=true: checkpoint ${dir} cannot be loaded (${why}); ` +
          (next ? `falling back to the previous complete checkpoint, ${next}.` : 'no earlier checkpoint is left.'));
        continue;
      }
      // the unloadable newer ones are renamed aside (kept for inspection): left as checkpoint-N, they
      // would outrank this run's new checkpoints in save_total_limit rotation and in the next resume
      for (const [bad] of failed) {
        let aside = `${bad}.broken`;
        for (let k = 2; await exists(aside); k++) aside = `${bad}.broken-${k}`;
        await rename(bad, aside);
        console.warn(`resume_from_checkpoint=true: moved the unloadable ${basename(bad)} aside to ${aside}, so that rotation and later resumes skip it.`);
      }
      return { dir, state };
    }
    throw new Error(`resume_from_checkpoint=true: no checkpoint in ${this.args.output_dir} can be loaded:\n  ${failed.map(([d, w]) => `${d}: ${w}`).join('\n  ')}`);
  }

  /**
   * One checkpoint into the model, optimizer and scheduler (HF _load_from_checkpoint,
   * _load_optimizer_and_scheduler).  Every file is read and checked before anything is applied
   * but the weights (which a fallback overwrites anyway); weights that are not finite are refused.
   */
  private async loadCheckpoint(dir: string): Promise<TrainerState | null> {
    const statePath = join(dir, TRAINER_STATE_NAME);
    const state = (await exists(statePath)) ? await TrainerState.loadFromJson(statePath) : null;
    const hasOptimizer = await exists(join(dir, OPTIMIZER_META_NAME));
    const sched = hasOptimizer ? await readSchedulerState(dir) : null;
    await verifyRngState(dir);
    const opt = hasOptimizer ? await readOptimizerState(dir) : null;
    try {
      await loadModelWeights(this.model, dir);
      const bad = firstNonFiniteWeight(this.model);
      if (bad !== null) throw new Error(`${dir}: the saved weight '${bad.name}' holds ${fmtNum(bad.value)}`);
      if (opt === null) {
        console.warn(`${dir} has no optimizer/scheduler state (saved with save_only_model?): they start fresh.`);
      } else {
        const before = this.lrScheduler!.stateDict();
        this.lrScheduler!.loadStateDict(sched!);
        try {
          this.optimizer!.loadStateDict(opt.stateDict);
        } catch (e) {
          this.lrScheduler!.loadStateDict(before);
          throw e;
        }
      }
    } finally {
      opt?.dispose();
    }
    return state;
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
