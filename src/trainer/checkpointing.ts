// checkpointing.ts — the Trainer's saving and resuming (transformers 4.47 trainer.py save_model,
// save_state, _save_checkpoint, _load_from_checkpoint, _load_optimizer_and_scheduler, the
// stateful-callback bookkeeping): what goes into a checkpoint-N folder and how a run claims its
// output_dir or falls back to an older checkpoint.  The on-disk formats, the atomic write and
// the rotation are checkpoint.ts.
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  OPTIMIZER_META_NAME, TRAINER_STATE_NAME, TRAINING_ARGS_NAME, listCheckpoints, readOptimizerState, readSchedulerState, rotateCheckpoints,
  saveOptimizer, saveRngState, saveScaler, saveScheduler, readScalerState, SCALER_NAME, verifyRngState, writeCheckpointAtomically,
} from './checkpoint.js';
import { firstNonFiniteWeight, loadModelWeights, saveModelWeights } from './model.js';
import { fmtNum, refuseNonFiniteSave } from './non-finite.js';
import { TrainerState, type CallbackState } from './trainer-state.js';
import type { TrainerContext } from './context.js';

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/** See Trainer.saveModel. */
export async function saveModel(ctx: TrainerContext, outputDir?: string, internalCall = false): Promise<void> {
  const t = ctx.trainer;
  // HF: only the main process writes (args.should_save); the others' replicas are identical
  if (!t.args.should_save) return;
  const dir = outputDir ?? t.args.output_dir;
  await mkdir(dir, { recursive: true });
  await saveModelWeights(t.model, dir);
  if (t.processingClass && typeof t.processingClass.savePretrained === 'function') await t.processingClass.savePretrained(dir);
  await writeFile(join(dir, TRAINING_ARGS_NAME), t.args.toJsonString());
  // HF: a save_model call from user code pushes (whatever hub_strategy says)
  if (t.args.push_to_hub && !internalCall) await t.pushToHub({ commit_message: 'Model save', revision: t.args.hub_revision });
}

/** See Trainer.saveState. */
export async function saveState(ctx: TrainerContext): Promise<void> {
  const t = ctx.trainer;
  if (!t.args.should_save) return;
  await mkdir(t.args.output_dir, { recursive: true });
  await t.state.saveToJson(join(t.args.output_dir, TRAINER_STATE_NAME));
}

/**
 * HF _save_checkpoint: `checkpoint-<global_step>` written atomically, then save_total_limit
 * rotation.  The weights are checked first: a model holding NaN/inf (an update that overflowed,
 * adam_epsilon 0, ...) is never saved — NonFiniteLossError names the parameter instead.
 */
export async function saveCheckpoint(ctx: TrainerContext): Promise<string> {
  const t = ctx.trainer;
  const bad = firstNonFiniteWeight(t.model);
  if (bad !== null) refuseNonFiniteSave(ctx, bad);
  ctx.hooks.storeFlos();
  // several processes: the main process writes the checkpoint (the replicas, optimizer states and
  // schedules are equal on every rank); the others only note where it is
  if (!t.args.should_save) {
    t.lastCheckpoint = join(t.args.output_dir, `checkpoint-${t.state.global_step}`);
    return t.lastCheckpoint;
  }
  const dir = await writeCheckpointAtomically(t.args.output_dir, `checkpoint-${t.state.global_step}`, (tmp) => ctx.hooks.writeCheckpointFiles(tmp));
  t.lastCheckpoint = dir;
  // HF: the push comes before the rotation (the checkpoint just written is never rotated away)
  if (t.args.push_to_hub) await t.pushFromCheckpoint(dir);
  await rotateCheckpoints(t.args.output_dir, t.args.save_total_limit, t.state.best_model_checkpoint);
  return dir;
}

/** See Trainer.writeCheckpointFiles. */
export async function writeCheckpointFiles(ctx: TrainerContext, dir: string): Promise<void> {
  const t = ctx.trainer;
  await t.saveModel(dir, { internalCall: true });
  if (!t.args.save_only_model) {
    await saveOptimizer(t.optimizer!, dir);
    await saveScheduler(t.lrScheduler!, dir);
    if (t.gradScaler) await saveScaler(t.gradScaler, dir);
    await saveRngState(dir, { data_seed: t.args.data_seed ?? t.args.seed, epoch: Math.floor(t.state.epoch ?? 0) });
  }
  t.state.stateful_callbacks = statefulCallbacks(ctx);
  await t.state.saveToJson(join(dir, TRAINER_STATE_NAME));
}

/**
 * A fresh run (no resume) claims output_dir: checkpoint-N folders of an earlier run there would
 * be sorted by step with this run's — save_total_limit rotation would keep a stale, higher
 * checkpoint-100 and delete this run's, and resume_from_checkpoint=true would pick it.  So they
 * are an error, unless overwrite_output_dir (HF: "overwrite the content of the output
 * directory"), which deletes them before training starts.
 */
export async function claimOutputDir(ctx: TrainerContext): Promise<void> {
  const a = ctx.trainer.args;
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
export async function resumeFrom(ctx: TrainerContext, candidates: string[], fallback: boolean): Promise<{ dir: string; state: TrainerState | null }> {
  const failed: [string, string][] = [];
  for (let i = 0; i < candidates.length; i++) {
    const dir = candidates[i]!;
    let state: TrainerState | null;
    try {
      state = await loadCheckpoint(ctx, dir);
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
  throw new Error(`resume_from_checkpoint=true: no checkpoint in ${ctx.trainer.args.output_dir} can be loaded:\n  ${failed.map(([d, w]) => `${d}: ${w}`).join('\n  ')}`);
}

/**
 * One checkpoint into the model, optimizer and scheduler (HF _load_from_checkpoint,
 * _load_optimizer_and_scheduler).  Every file is read and checked before anything is applied
 * but the weights (which a fallback overwrites anyway); weights that are not finite are refused.
 */
async function loadCheckpoint(ctx: TrainerContext, dir: string): Promise<TrainerState | null> {
  const t = ctx.trainer;
  const statePath = join(dir, TRAINER_STATE_NAME);
  const state = (await exists(statePath)) ? await TrainerState.loadFromJson(statePath) : null;
  const hasOptimizer = await exists(join(dir, OPTIMIZER_META_NAME));
  const sched = hasOptimizer ? await readSchedulerState(dir) : null;
  await verifyRngState(dir);
  // fp16: the scale resumes where it was (a checkpoint without scaler.json, e.g. of a bf16 or
  // float32 run, starts a fresh scaler, as accelerate does without scaler.pt)
  const scaler = hasOptimizer && t.gradScaler && (await exists(join(dir, SCALER_NAME))) ? await readScalerState(dir) : null;
  const opt = hasOptimizer ? await readOptimizerState(dir) : null;
  try {
    await loadModelWeights(t.model, dir);
    const bad = firstNonFiniteWeight(t.model);
    if (bad !== null) throw new Error(`${dir}: the saved weight '${bad.name}' holds ${fmtNum(bad.value)}`);
    if (opt === null) {
      console.warn(`${dir} has no optimizer/scheduler state (saved with save_only_model?): they start fresh.`);
    } else {
      const before = t.lrScheduler!.stateDict();
      t.lrScheduler!.loadStateDict(sched!);
      try {
        t.optimizer!.loadStateDict(opt.stateDict);
      } catch (e) {
        t.lrScheduler!.loadStateDict(before);
        throw e;
      }
      if (scaler) t.gradScaler!.loadStateDict(scaler);
    }
  } finally {
    opt?.dispose();
  }
  return state;
}

/** HF's ExportableState dict: class name -> state (a list when a class appears twice). */
export function statefulCallbacks(ctx: TrainerContext): Record<string, CallbackState | CallbackState[]> {
  const t = ctx.trainer;
  const out: Record<string, CallbackState | CallbackState[]> = {};
  for (const cb of [...t.callbackHandler.callbacks, t.control]) {
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
export function restoreCallbackStates(ctx: TrainerContext): void {
  const t = ctx.trainer;
  const saved = t.state.stateful_callbacks;
  const seen = new Map<string, number>();
  for (const cb of t.callbackHandler.callbacks) {
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
export function compareArgsWithCheckpoint(ctx: TrainerContext, saved: TrainerState): void {
  const s = ctx.trainer.state;
  const pairs: [string, number | null, number | null][] = [
    ['logging_steps', s.logging_steps, saved.logging_steps], ['eval_steps', s.eval_steps, saved.eval_steps],
    ['save_steps', s.save_steps, saved.save_steps], ['per_device_train_batch_size', s.train_batch_size, saved.train_batch_size],
  ];
  for (const [name, mine, theirs] of pairs)
    if (theirs !== null && mine !== theirs)
      console.warn(`Warning: The training argument '${name}' value (${mine}) does not match the trainer state value (${theirs}). ` +
        'This argument will be overridden by the one found in trainer_state.json within the checkpoint directory.');
}
