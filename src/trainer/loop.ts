// loop.ts — Trainer.train(): the training loop of transformers 4.47 trainer.py
// (_inner_training_loop, the update step, _maybe_log_save_evaluate, _determine_best_metric)
// with the >= 4.50 gradient-accumulation loss rule (loss.ts).  An update is one tidy() scope and
// each of its micro-batches a nested one; only numbers leave them.  Saving and resuming are
// checkpointing.ts; NaN/inf handling non-finite.ts.
import { join } from 'node:path';
import { rm, stat } from 'node:fs/promises';
import { tidy } from '../torch/index.js';
import { clipGradNormTensor } from '../optim/index.js';
import type { Batch } from '../data/collators/index.js';
import { pyRound, speedMetrics } from './arrays.js';
import { cleanInterruptedSaves, listCheckpoints, loadRngState, sortedCheckpoints } from './checkpoint.js';
import { claimOutputDir, compareArgsWithCheckpoint, restoreCallbackStates, resumeFrom, statefulCallbacks } from './checkpointing.js';
import { currentLr, zeroGrad, type TrainerContext } from './context.js';
import { floatingPointOps, loadModelWeights } from './model.js';
import { checkSkippedStep, failDeferred, failNonFinite, failOptimizerStep } from './non-finite.js';
import { TrainerState, type LogEntry } from './trainer-state.js';
import { barrierIfDistributed, meanOverRanks, sumOverRanks, wrapModel } from './distributed.js';

/** HF TrainOutput. */
export interface TrainOutput {
  global_step: number;
  /** Mean logged loss over the steps (HF: the losses since a resume divided by all global steps). */
  training_loss: number;
  metrics: Record<string, number>;
}

const isDir = (p: string): Promise<boolean> => stat(p).then((s) => s.isDirectory(), () => false);

/** The checkpoints to try, newest first (`true`: every checkpoint-N, so a broken one falls back to the one before). */
async function resumeCandidates(ctx: TrainerContext, want: string | boolean | null): Promise<string[]> {
  const dir = ctx.trainer.args.output_dir;
  if (want === true) {
    const all = (await listCheckpoints(dir)).reverse();
    if (all.length === 0) throw new Error(`No valid checkpoint found in output directory (${dir})`);
    return all;
  }
  if (typeof want === 'string') {
    if (!(await isDir(want))) throw new Error(`Can't find a valid checkpoint at ${want}`);
    return [want];
  }
  return [];
}

/** See Trainer.train. */
export async function train(ctx: TrainerContext, opts: { resumeFromCheckpoint?: string | boolean | null }): Promise<TrainOutput> {
  ctx.run.inTrain = true;
  try {
    return await trainRun(ctx, opts);
  } finally {
    ctx.run.inTrain = false;
    ctx.run.values.reset();
    ctx.run.ddp?.dispose();
    ctx.run.ddp = null;
  }
}

async function trainRun(ctx: TrainerContext, opts: { resumeFromCheckpoint?: string | boolean | null }): Promise<TrainOutput> {
  const t = ctx.trainer, run = ctx.run, a = t.args;
  ctx.memory.start('train');
  const want = opts.resumeFromCheckpoint ?? null;
  if (a.should_save) await cleanInterruptedSaves(a.output_dir);
  const candidates = await resumeCandidates(ctx, want);
  ctx.hooks.checkLabels(t.trainDataset, 'train_dataset', true);
  if (a.eval_strategy !== 'no' || a.eval_on_start) ctx.hooks.checkLabels(t.evalDataset, 'eval_dataset', false);
  const loader = t.getTrainDataloader();
  t.callbackHandler.ctx.trainDataloader = loader;
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
  // HF: args.gradient_checkpointing enables it on the model before training (a model without
  // checkpointable layers raises); gradient_checkpointing_kwargs accepts everyNLayers.
  if (a.gradient_checkpointing) {
    const m = t.model as { gradientCheckpointingEnable?: (o?: object) => void };
    if (!m.gradientCheckpointingEnable) throw new Error('gradient_checkpointing: true needs a model with gradientCheckpointingEnable() (a tunekit PreTrainedModel)');
    const { use_reentrant: _ignored, ...kw } = (a.gradient_checkpointing_kwargs ?? {}) as Record<string, unknown>;
    m.gradientCheckpointingEnable(kw);
  }
  if (run.createdScheduler) { t.lrScheduler = null; run.createdScheduler = false; }
  if (!t.lrScheduler) run.createdScheduler = true;
  t.createOptimizerAndScheduler(maxSteps);
  if (candidates.length === 0 && a.should_save) await claimOutputDir(ctx);

  t.state = new TrainerState();
  t.state.is_local_process_zero = a.local_process_index === 0;
  t.state.is_world_process_zero = a.process_index === 0;
  t.state.stateful_callbacks = statefulCallbacks(ctx);
  t.state.train_batch_size = a.train_batch_size;
  t.state.computeSteps(a, maxSteps);
  let resume: string | null = null, loaded: TrainerState | null = null;
  if (candidates.length) ({ dir: resume, state: loaded } = await resumeFrom(ctx, candidates, want === true));

  t.state.epoch = 0;
  run.lastUpdate = null;
  const start = performance.now();
  let epochsTrained = 0, skipMicroBatches = 0;
  if (resume !== null && loaded !== null) {
    compareArgsWithCheckpoint(ctx, loaded);
    t.state = loaded;
    if (a.restore_callback_states_from_checkpoint) restoreCallbackStates(ctx);
    epochsTrained = Math.floor(t.state.global_step / updatesPerEpoch);
    skipMicroBatches = a.ignore_data_skip ? 0 : (t.state.global_step % updatesPerEpoch) * gas;
    t.lastCheckpoint = resume;
  }
  t.state.max_steps = maxSteps;
  t.state.num_train_epochs = numTrainEpochs;
  run.params = t.model.namedParameters().map(([, p]) => p);
  // several processes: every replica starts from rank 0's weights; gradients are averaged in backward
  run.ddp?.dispose();
  run.ddp = wrapModel(ctx);

  run.values.start(ctx.device);
  run.totalLossScalar = 0;
  run.globalstepLastLogged = t.state.global_step;
  zeroGrad(ctx);
  t.control = t.callbackHandler.call('onTrainBegin', a, t.state, t.control);
  if (a.eval_on_start) t.evaluate();

  // a checkpoint that already reached max_steps resumes to nothing (HF would run one more update)
  for (let epoch = epochsTrained; epoch < numTrainEpochs && t.state.global_step < maxSteps; epoch++) {
    const stepsInEpoch = lenDl;
    t.control = t.callbackHandler.call('onEpochBegin', a, t.state, t.control);
    const skip = epoch === epochsTrained ? skipMicroBatches : 0;
    // HF restores the RNG once the skipped batches are behind it (our skip draws no random numbers)
    if (epoch === epochsTrained && resume !== null) await loadRngState(resume);
    const it = loader.iterEpoch(epoch, { skipBatches: skip });
    let done = skip; // micro-batches of this epoch behind us
    if (stepsInEpoch === 0) {
      console.warn(`There seems not to be a single sample in your epoch_iterator, stopping training at step ${t.state.global_step}!`);
      t.control.should_training_stop = true;
    }
    while (done < stepsInEpoch) {
      const n = Math.min(gas, stepsInEpoch - done);
      done += ctx.hooks.updateStep(it, n, epoch, done, stepsInEpoch);
      await ctx.hooks.maybeLogSaveEvaluate();
      if (t.control.should_epoch_stop || t.control.should_training_stop) break;
    }
    t.control = t.callbackHandler.call('onEpochEnd', a, t.state, t.control);
    await ctx.hooks.maybeLogSaveEvaluate();
    if (t.control.should_training_stop) break;
  }
  return finishTraining(ctx, start, numTrainSamples);
}

/** The end of train(): the best model back (load_best_model_at_end), train metrics logged, onTrainEnd. */
async function finishTraining(ctx: TrainerContext, start: number, numTrainSamples: number): Promise<TrainOutput> {
  const t = ctx.trainer, run = ctx.run, a = t.args;
  if (a.load_best_model_at_end && t.state.best_model_checkpoint !== null) {
    // HF: wait until process 0 has written it
    barrierIfDistributed();
    if (a.log_level === 'info' || a.log_level === 'debug') console.info(`Loading best model from ${t.state.best_model_checkpoint} (score: ${t.state.best_metric}).`);
    await loadModelWeights(t.model, t.state.best_model_checkpoint);
  }
  checkDeferred(ctx);
  run.totalLossScalar += run.values.takeLoss(meanOverRanks);
  const trainLoss = run.totalLossScalar / Math.max(t.state.global_step, 0.001);
  const metrics = speedMetrics('train', start, { numSamples: numTrainSamples, numSteps: t.state.max_steps });
  ctx.hooks.storeFlos();
  metrics.total_flos = t.state.total_flos;
  metrics.train_loss = trainLoss;
  ctx.memory.stopAndUpdateMetrics('train', metrics);
  t.log(metrics);
  if (t.state.best_model_checkpoint !== null && a.save_total_limit === 1)
    for (const c of await sortedCheckpoints(a.output_dir, t.state.best_model_checkpoint))
      if (c !== join(a.output_dir, t.state.best_model_checkpoint.split('/').pop()!)) await rm(c, { recursive: true, force: true });
  t.control = t.callbackHandler.call('onTrainEnd', a, t.state, t.control);
  return { global_step: t.state.global_step, training_loss: trainLoss, metrics };
}

/**
 * See Trainer.updateStep.  Two scopes: the update's holds the micro-batches' inputs (HF
 * get_batch_samples counts the label tokens of all of them before the first forward) and what
 * clipping and the optimizer step make; each micro-batch's forward and backward is a nested
 * scope, so its activations and (B, T, vocab) logits are freed before the next micro-batch
 * starts: the live tensors of an update do not grow with gradient_accumulation_steps.
 */
export function updateStep(ctx: TrainerContext, it: Iterator<Batch>, n: number, epoch: number, first: number, stepsInEpoch: number): number {
  const t = ctx.trainer, run = ctx.run, a = t.args;
  const cb = t.callbackHandler;
  return tidy(() => {
    const batches: Batch[] = [];
    for (let i = 0; i < n; i++) {
      const r = it.next();
      if (r.done) break;
      batches.push(ctx.hooks.prepareInputs(r.value));
    }
    if (batches.length === 0) return 0;
    const numItems = ctx.hooks.numItemsInBatch(batches); // 0-d int64, or null
    // HF average_tokens_across_devices: the label tokens of every rank's micro-batches
    if (numItems !== null && a.average_tokens_across_devices) sumOverRanks(numItems);
    t.model.train();
    t.control = cb.call('onStepBegin', a, t.state, t.control);
    for (let i = 0; i < batches.length; i++) {
      const inputs = batches[i]!;
      // accelerate's accumulate(): only the update's last micro-batch all-reduces its gradients
      run.ddpSync = i === batches.length - 1;
      // only a number leaves the micro-batch's scope; the gradients accumulate in the parameters
      tidy(() => {
        if (a.include_num_input_tokens_seen) {
          const main = inputs[t.model.mainInputName ?? 'input_ids'];
          if (main) t.state.num_input_tokens_seen += main.numel();
        }
        const loss = ctx.hooks.trainingStep(inputs, numItems);
        // fp16: an overflowing forward is the GradScaler's to handle (its gradients are inf/NaN, so
        // the update is skipped), never a reason to stop; otherwise an inf/NaN loss stops training —
        // read now (syncEachStep) or recorded on the device for the next log
        const guard = !t.gradScaler;
        if (guard && run.syncEachStep) {
          const v = loss.item();
          if (!Number.isFinite(v)) failNonFinite(ctx, 'loss', v, epoch + (first + i + 1) / stepsInEpoch);
        }
        run.values.addLoss(loss, {
          step: t.state.global_step + 1, nanInfFilter: a.logging_nan_inf_filter,
          stepsSinceLog: t.state.global_step - run.globalstepLastLogged, track: guard && !run.syncEachStep,
        });
        ctx.hooks.countFlos(inputs);
      });
      if (i < batches.length - 1) t.control = cb.call('onSubstepEnd', a, t.state, t.control);
    }
    applyUpdate(ctx, epoch + (first + batches.length) / stepsInEpoch);
    return batches.length;
  });
}

/** The end of an update: clip, optimizer and scheduler step, zero the gradients, the step events. */
function applyUpdate(ctx: TrainerContext, endEpoch: number): void {
  const t = ctx.trainer, run = ctx.run, a = t.args;
  const cb = t.callbackHandler;
  const scaler = t.gradScaler;
  if (a.max_grad_norm !== null && a.max_grad_norm > 0) {
    // accelerate's clip_grad_norm_: unscale first, so the norm and the clip are in true units
    if (scaler) scaler.unscale_(t.optimizer!);
    const norm = clipGradNormTensor(run.params, a.max_grad_norm);
    // with fp16 an inf/NaN norm is an overflow the scaler skips; without, it stops training
    if (norm !== null && !scaler && run.syncEachStep) {
      const v = norm.item();
      if (!Number.isFinite(v)) failNonFinite(ctx, 'grad_norm', v, endEpoch);
    }
    run.values.setGradNorm(norm, { step: t.state.global_step + 1, track: !scaler && !run.syncEachStep });
  } else run.values.setGradNorm(null, { step: 0, track: false });
  t.control = cb.call('onPreOptimizerStep', a, t.state, t.control);
  const lr = currentLr(ctx);
  let stepped = true;
  try {
    if (scaler) {
      stepped = scaler.step(t.optimizer!);
      scaler.update();
    } else t.optimizer!.step();
  } catch (e) {
    failOptimizerStep(ctx, e, lr, endEpoch);
  }
  if (stepped) run.lastUpdate = { step: t.state.global_step + 1, lr };
  else if (scaler) checkSkippedStep(ctx, endEpoch);
  t.control = cb.call('onOptimizerStep', a, t.state, t.control);
  // HF: the scheduler steps only when the optimizer did (accelerator.optimizer_step_was_skipped)
  if (stepped) t.lrScheduler!.step();
  zeroGrad(ctx);
  t.state.global_step += 1;
  t.state.epoch = endEpoch;
  ctx.memory.sample();
  t.control = cb.call('onStepEnd', a, t.state, t.control);
}

/** HF _maybe_log_save_evaluate: log the mean loss since the last log, evaluate, save — as control says. */
export async function maybeLogSaveEvaluate(ctx: TrainerContext): Promise<void> {
  const t = ctx.trainer, run = ctx.run, s = t.state;
  // deferred checks (syncEachStep false) are read before anything is logged, evaluated or saved
  if (t.control.should_log || t.control.should_evaluate || t.control.should_save) checkDeferred(ctx);
  if (t.control.should_log && s.global_step > run.globalstepLastLogged) {
    const tr = run.values.takeLoss(meanOverRanks);
    const logs: LogEntry = { loss: pyRound(tr / (s.global_step - run.globalstepLastLogged), 4) };
    const gradNorm = run.values.gradNorm();
    if (gradNorm !== null) logs.grad_norm = gradNorm;
    logs.learning_rate = t.lrScheduler!.getLastLr()[0]!;
    run.totalLossScalar += tr;
    run.globalstepLastLogged = s.global_step;
    ctx.hooks.storeFlos();
    t.log(logs);
  }
  if (t.control.should_evaluate) {
    const metrics = t.evaluate();
    const isNewBest = ctx.hooks.determineBestMetric(metrics);
    if (t.args.save_strategy === 'best') t.control.should_save = isNewBest;
  }
  if (t.control.should_save) {
    await ctx.hooks.saveCheckpoint();
    t.control = t.callbackHandler.call('onSave', t.args, t.state, t.control);
  }
}

/** Reads the deferred inf/NaN record (a device read); stops training naming the first bad update. */
function checkDeferred(ctx: TrainerContext): void {
  if (ctx.run.syncEachStep) return;
  const bad = ctx.run.values.firstNonFinite();
  if (bad !== null) failDeferred(ctx, bad);
}

/** HF _determine_best_metric: records best_metric / best_model_checkpoint; true on a new best. */
export function determineBestMetric(ctx: TrainerContext, metrics: Record<string, number>): boolean {
  const t = ctx.trainer;
  let key = t.args.metric_for_best_model;
  if (key === null) return false;
  if (!key.startsWith('eval_')) key = `eval_${key}`;
  const value = metrics[key];
  if (value === undefined)
    throw new Error(`The \`metric_for_best_model\` training argument is set to '${key}', which is not found in the evaluation metrics. ` +
      `The available evaluation metrics are: [${Object.keys(metrics).map((k) => `'${k}'`).join(', ')}]. Consider changing the \`metric_for_best_model\` via the TrainingArguments.`);
  const gib = t.args.greater_is_better === true;
  const best = t.state.best_metric ?? (gib ? -Infinity : Infinity);
  if (gib ? value > best : value < best) {
    t.state.best_metric = value;
    t.state.best_model_checkpoint = join(t.args.output_dir, `checkpoint-${t.state.global_step}`);
    return true;
  }
  if (t.state.best_metric === null) t.state.best_metric = best;
  return false;
}

/** HF store_flos: moves current_flos into state.total_flos. */
export function storeFlos(ctx: TrainerContext): void {
  ctx.trainer.state.total_flos += ctx.run.currentFlos;
  ctx.run.currentFlos = 0;
}
/** Adds the FLOPs of one micro-batch (HF floating_point_ops) to current_flos. */
export function countFlos(ctx: TrainerContext, inputs: Batch): void {
  ctx.run.currentFlos += floatingPointOps(ctx.trainer.model, inputs);
}
