// callbacks.ts — TrainerCallback events, the handler that runs them, and HF's stock callbacks
// (transformers 4.47 trainer_callback.py): DefaultFlowCallback decides when to log, evaluate and
// save; ProgressCallback / PrinterCallback report; EarlyStoppingCallback stops on a stalled metric.
import { ProgressBar, type ProgressStream } from '../data/progress.js';
import { pyFloat } from '../torch/index.js';
import type { TrainingArguments } from './training-args.js';
import { TrainerControl, type CallbackState, type LogEntry, type TrainerState } from './trainer-state.js';

/** What every event receives besides args/state/control (HF's **kwargs). */
export interface CallbackContext {
  model: unknown;
  processingClass: unknown;
  optimizer: unknown;
  lrScheduler: unknown;
  trainDataloader: unknown;
  evalDataloader: unknown;
  /** onEvaluate / onPredict: the metrics. */
  metrics?: Record<string, number>;
  /** onLog: the logs (without `step`). */
  logs?: LogEntry;
}

/** An event handler: may mutate `control` and/or return it (HF: a returned control replaces it). */
export type CallbackEvent = (args: TrainingArguments, state: TrainerState, control: TrainerControl, ctx: CallbackContext) => TrainerControl | void;

export type EventName = 'onInitEnd' | 'onTrainBegin' | 'onTrainEnd' | 'onEpochBegin' | 'onEpochEnd' | 'onStepBegin' | 'onSubstepEnd' |
  'onStepEnd' | 'onEvaluate' | 'onPredict' | 'onSave' | 'onLog' | 'onPredictionStep' | 'onPreOptimizerStep' | 'onOptimizerStep' | 'onPushBegin';

/**
 * A callback: any object with some of HF's events in camelCase (on_step_end -> onStepEnd).
 * Events are synchronous, as in HF (a training step is one synchronous tidy() scope).  A callback
 * with `state()` is saved in trainer_state.json's stateful_callbacks (HF ExportableState).
 * @example const logLosses: TrainerCallback = { onLog: (_a, _s, _c, { logs }) => console.log(logs) };
 */
export type TrainerCallback = { [E in EventName]?: CallbackEvent } & {
  state?(): CallbackState;
  restoreState?(s: CallbackState): void;
};
/** A callback object or a class to instantiate (HF's add_callback accepts both). */
export type CallbackLike = TrainerCallback | (new () => TrainerCallback);

const nameOf = (cb: TrainerCallback): string => (cb as object).constructor?.name ?? 'Object';

/** Runs the callbacks in order (HF CallbackHandler) and resets control flags as HF does per event. */
export class CallbackHandler {
  readonly callbacks: TrainerCallback[] = [];
  ctx: CallbackContext;

  constructor(callbacks: CallbackLike[], ctx: CallbackContext) {
    this.ctx = ctx;
    for (const cb of callbacks) this.addCallback(cb);
  }

  addCallback(callback: CallbackLike): void {
    const cb = typeof callback === 'function' ? new callback() : callback;
    const cls = cb.constructor;
    if (cls !== Object && this.callbacks.some((c) => c.constructor === cls))
      console.warn(`You are adding a ${cls.name} to the callbacks of this Trainer, but there is already one.`);
    this.callbacks.push(cb);
  }
  /** Removes and returns the first callback of that class (or that object). */
  popCallback(callback: CallbackLike): TrainerCallback | undefined {
    const i = this.callbacks.findIndex((c) => (typeof callback === 'function' ? c instanceof callback : c === callback));
    return i < 0 ? undefined : this.callbacks.splice(i, 1)[0];
  }
  removeCallback(callback: CallbackLike): void { this.popCallback(callback); }
  get callbackList(): string { return this.callbacks.map(nameOf).join('\n'); }

  /** Fires `event` on every callback; returns the (possibly replaced) control. */
  call(event: EventName, args: TrainingArguments, state: TrainerState, control: TrainerControl, extra: Partial<CallbackContext> = {}): TrainerControl {
    switch (event) {
      case 'onTrainBegin': control.should_training_stop = false; break;
      case 'onEpochBegin': control.should_epoch_stop = false; break;
      case 'onStepBegin': control.should_log = false; control.should_evaluate = false; control.should_save = false; break;
      case 'onEvaluate': control.should_evaluate = false; break;
      case 'onSave': control.should_save = false; break;
      case 'onLog': control.should_log = false; break;
      default: break;
    }
    const ctx = { ...this.ctx, ...extra };
    for (const cb of this.callbacks) {
      const fn = cb[event];
      if (!fn) continue;
      const r = fn.call(cb, args, state, control, ctx) as unknown;
      if (r instanceof Promise) throw new TypeError(`${nameOf(cb)}.${event} returned a Promise: Trainer events are synchronous (use sync I/O, or do the async work after train())`);
      if (r instanceof TrainerControl) control = r;
    }
    return control;
  }
}

/** Decides when to log, evaluate and save (HF DefaultFlowCallback, 4.47). */
export class DefaultFlowCallback implements TrainerCallback {
  onStepEnd(args: TrainingArguments, state: TrainerState, control: TrainerControl): TrainerControl {
    if (state.global_step === 1 && args.logging_first_step) control.should_log = true;
    if (args.logging_strategy === 'steps' && state.global_step % state.logging_steps === 0) control.should_log = true;
    if (args.eval_strategy === 'steps' && state.global_step % state.eval_steps === 0 && args.eval_delay <= state.global_step) control.should_evaluate = true;
    if (args.save_strategy === 'steps' && state.save_steps > 0 && state.global_step % state.save_steps === 0) control.should_save = true;
    if (state.global_step >= state.max_steps) {
      control.should_training_stop = true;
      // 4.47: save at the end whatever the step count, unless saving is off or best-only
      if (args.save_strategy !== 'no' && args.save_strategy !== 'best') control.should_save = true;
    }
    return control;
  }
  onEpochEnd(args: TrainingArguments, state: TrainerState, control: TrainerControl): TrainerControl {
    if (args.logging_strategy === 'epoch') control.should_log = true;
    if (args.eval_strategy === 'epoch' && args.eval_delay <= (state.epoch ?? 0)) control.should_evaluate = true;
    if (args.save_strategy === 'epoch') control.should_save = true;
    return control;
  }
}

/** A Python-style rendering of a log dict, as HF prints it: `{'loss': 0.6924, 'epoch': 0.22}`. */
export function formatLogs(logs: LogEntry): string {
  const parts = Object.entries(logs).filter(([k]) => k !== 'total_flos').map(([k, v]) => {
    const x = k === 'epoch' ? Math.round(v * 100) / 100 : v;
    return `'${k}': ${typeof x === 'number' ? pyFloat(x) : String(x)}`;
  });
  return `{${parts.join(', ')}}`;
}

/** Prints every log dict on its own line (HF PrinterCallback; used when disable_tqdm is set). */
export class PrinterCallback implements TrainerCallback {
  constructor(private readonly stream: ProgressStream = process.stdout) {}
  onLog(_a: TrainingArguments, state: TrainerState, _c: TrainerControl, ctx: CallbackContext): void {
    if (state.is_local_process_zero && ctx.logs) this.stream.write(formatLogs(ctx.logs) + '\n');
  }
}

/**
 * A progress bar over the optimizer steps with loss, learning rate, throughput and ETA (HF
 * ProgressCallback).  On a terminal: one updating line, log dicts printed above it.  With CI set
 * or output to a pipe: a plain status line now and then, and each log dict as a plain line.
 */
export class ProgressCallback implements TrainerCallback {
  private bar: ProgressBar | null = null;
  private evalBar: ProgressBar | null = null;
  private current = 0;
  constructor(private readonly stream: ProgressStream = process.stderr) {}

  onTrainBegin(_a: TrainingArguments, state: TrainerState): void {
    this.bar = new ProgressBar({ total: state.max_steps, unit: 'it', stream: this.stream });
    this.current = state.global_step;
    if (this.current > 0) this.bar.update(this.current);
  }
  onStepEnd(_a: TrainingArguments, state: TrainerState): void {
    this.bar?.update(state.global_step - this.current);
    this.current = state.global_step;
  }
  onPredictionStep(_a: TrainingArguments, _s: TrainerState, _c: TrainerControl, ctx: CallbackContext): void {
    const n = (ctx.evalDataloader as { length?: number } | null)?.length;
    if (!this.evalBar) this.evalBar = new ProgressBar({ total: n, desc: 'eval', unit: 'it', stream: this.stream });
    this.evalBar.update(1);
  }
  onEvaluate(): void { this.closeEval(); }
  onPredict(): void { this.closeEval(); }
  onLog(_a: TrainingArguments, _s: TrainerState, _c: TrainerControl, ctx: CallbackContext): void {
    const logs = ctx.logs;
    if (!logs || !this.bar) return;
    const tty = this.stream.isTTY === true && !process.env.CI;
    this.stream.write(`${tty ? '\r\x1b[K' : ''}${formatLogs(logs)}\n`);
    const post: Record<string, number> = {};
    if (logs.loss !== undefined) post.loss = logs.loss;
    if (logs.learning_rate !== undefined) post.lr = logs.learning_rate;
    if (Object.keys(post).length) this.bar.setPostfix(post);
  }
  onTrainEnd(): void {
    this.bar?.close();
    this.bar = null;
  }
  private closeEval(): void {
    this.evalBar?.close();
    this.evalBar = null;
  }
}

/**
 * Stops training when `metric_for_best_model` has not improved (by more than the threshold) for
 * `earlyStoppingPatience` evaluations (HF EarlyStoppingCallback).  Needs load_best_model_at_end,
 * metric_for_best_model and an eval strategy, as in HF.
 * @example new Trainer({ ..., callbacks: [new EarlyStoppingCallback({ earlyStoppingPatience: 3 })] })
 */
export class EarlyStoppingCallback implements TrainerCallback {
  readonly earlyStoppingPatience: number;
  readonly earlyStoppingThreshold: number;
  /** Evaluations in a row without improvement. */
  earlyStoppingPatienceCounter = 0;

  constructor(opts: { earlyStoppingPatience?: number; earlyStoppingThreshold?: number } = {}) {
    this.earlyStoppingPatience = opts.earlyStoppingPatience ?? 1;
    this.earlyStoppingThreshold = opts.earlyStoppingThreshold ?? 0.0;
    if (!Number.isInteger(this.earlyStoppingPatience) || this.earlyStoppingPatience < 1)
      throw new RangeError(`EarlyStoppingCallback: earlyStoppingPatience must be a positive integer, got ${this.earlyStoppingPatience}`);
  }

  private checkMetricValue(args: TrainingArguments, state: TrainerState, value: number): void {
    const better = args.greater_is_better ? value > (state.best_metric ?? -Infinity) : value < (state.best_metric ?? Infinity);
    if (state.best_metric === null || (better && Math.abs(value - state.best_metric) > this.earlyStoppingThreshold))
      this.earlyStoppingPatienceCounter = 0;
    else this.earlyStoppingPatienceCounter += 1;
  }

  onTrainBegin(args: TrainingArguments): void {
    if (!args.load_best_model_at_end) throw new Error('EarlyStoppingCallback requires load_best_model_at_end = True');
    if (args.metric_for_best_model === null) throw new Error('EarlyStoppingCallback requires metric_for_best_model is defined');
    if (args.eval_strategy === 'no') throw new Error('EarlyStoppingCallback requires IntervalStrategy of steps or epoch');
  }

  onEvaluate(args: TrainingArguments, state: TrainerState, control: TrainerControl, ctx: CallbackContext): void {
    let key = args.metric_for_best_model!;
    if (!key.startsWith('eval_')) key = `eval_${key}`;
    const value = ctx.metrics?.[key];
    if (value === undefined) {
      console.warn(`early stopping required metric_for_best_model, but did not find ${key} so early stopping is disabled`);
      return;
    }
    this.checkMetricValue(args, state, value);
    if (this.earlyStoppingPatienceCounter >= this.earlyStoppingPatience) control.should_training_stop = true;
  }

  state(): CallbackState {
    return {
      args: { early_stopping_patience: this.earlyStoppingPatience, early_stopping_threshold: this.earlyStoppingThreshold },
      attributes: { early_stopping_patience_counter: this.earlyStoppingPatienceCounter },
    };
  }
  restoreState(s: CallbackState): void {
    const c = s.attributes.early_stopping_patience_counter;
    if (typeof c === 'number') this.earlyStoppingPatienceCounter = c;
  }
}
