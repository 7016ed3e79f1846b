// dashboard.ts — DashboardCallback (`report_to: ['dashboard']`): appends the run's events to
// `<logging_dir or output_dir>/tunekit-events.jsonl`, one JSON object a line, which `tunekit
// dashboard <folder>` (src/dashboard) follows live.  No HF counterpart; the events are HF's logs
// (loss, learning_rate, grad_norm, eval_*), plus progress (for throughput, ETA and CUDA memory) and
// sample generations.  A line is written whole with one write, so a run killed mid-write leaves at
// most a partial last line, which the reader ignores.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cuda } from '../../torch/index.js';
import type { CallbackContext, TrainerCallback } from '../callbacks.js';
import { nameOrPath } from '../model-card.js';
import type { TrainerControl, TrainerState } from '../trainer-state.js';
import type { TrainingArguments } from '../training-args.js';

/** The events file's name (src/dashboard reads the same name: EVENTS_FILE). */
export const DASHBOARD_EVENTS_FILE = 'tunekit-events.jsonl';

/** One sample generation. */
export interface DashboardSample { prompt: string; text: string }

export interface DashboardCallbackOptions {
  /** the events file (default `<args.logging_dir ?? args.output_dir>/tunekit-events.jsonl`) */
  path?: string;
  /** at least this long between two progress events (ms, default 1000; 0: one per optimizer step) */
  progressIntervalMs?: number;
  /**
   * Sample generations, made every `sampleSteps` optimizer steps (and at the end of training):
   * return prompt / text pairs.  Runs synchronously inside the training loop, as every Trainer
   * event does, so tokenize the prompts beforehand (model.generate and tokenizer.decode are
   * synchronous).
   */
  samples?: (ctx: { model: unknown; processingClass: unknown; step: number }) => DashboardSample[];
  /** how often `samples` runs, in optimizer steps (default: args.logging_steps) */
  sampleSteps?: number;
}

/**
 * Writes what `tunekit dashboard` shows.  Added by the Trainer for `report_to: ['dashboard']`, or
 * passed in `callbacks` (to set options, or to keep a handle for logSample).
 * Events (each with `type` and `time`, ms since the epoch): `run_start` (run_name, model,
 * max_steps, num_train_epochs, global_step, effective_batch_size, device, args), `log` (step,
 * logs: every number of the Trainer's log dict), `progress` (step, max_steps, epoch,
 * num_input_tokens_seen, memory: CUDA allocated / reserved / max_allocated bytes when training on
 * CUDA), `sample` (step, prompt, text), `train_end` (step, epoch).
 * @example
 * const dashboard = new DashboardCallback({ samples: ({ model, step }) => [{ prompt: 'Once', text: myGenerate(model) }] });
 * const trainer = new Trainer({ model, args, trainDataset, callbacks: [dashboard] });
 * await trainer.train();                                     // meanwhile: npx tunekit dashboard out/
 * dashboard.logSample('Once upon a time', generatedText);    // after training, or from another callback
 */
export class DashboardCallback implements TrainerCallback {
  /** The events file; null until known (an explicit `path`, or at train begin from the args). */
  path: string | null;
  private fd: number | null = null;
  private pending: string[] = [];
  private lastProgress = -Infinity;
  private lastProgressStep = -1;
  private step = 0;
  private lastSampleStep = -1;
  private cudaDevice: number | null = null;
  private readonly progressIntervalMs: number;
  private readonly samplesFn: DashboardCallbackOptions['samples'] | null;
  private readonly sampleSteps: number | null;

  constructor(opts: DashboardCallbackOptions = {}) {
    const known = new Set(['path', 'progressIntervalMs', 'samples', 'sampleSteps']);
    for (const k of Object.keys(opts)) if (!known.has(k)) throw new TypeError(`DashboardCallback: unknown option '${k}' (options: ${[...known].join(', ')})`);
    this.path = opts.path ?? null;
    this.progressIntervalMs = opts.progressIntervalMs ?? 1000;
    if (!(this.progressIntervalMs >= 0)) throw new RangeError(`DashboardCallback: progressIntervalMs must be >= 0, got ${opts.progressIntervalMs}`);
    if (opts.samples !== undefined && typeof opts.samples !== 'function') throw new TypeError('DashboardCallback: samples must be a function returning [{ prompt, text }]');
    this.samplesFn = opts.samples ?? null;
    this.sampleSteps = opts.sampleSteps ?? null;
    if (this.sampleSteps !== null && !(Number.isInteger(this.sampleSteps) && this.sampleSteps > 0))
      throw new RangeError(`DashboardCallback: sampleSteps must be a positive integer, got ${opts.sampleSteps}`);
  }

  onTrainBegin(args: TrainingArguments, state: TrainerState, _c: TrainerControl, ctx: CallbackContext): void {
    if (!state.is_world_process_zero) return;
    const path = this.resolvePath(args);
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    this.step = state.global_step;
    const device = String(args.device);
    this.cudaDevice = device.startsWith('cuda') ? Number(device.split(':')[1] ?? 0) : null;
    this.write({
      type: 'run_start', run_name: args.run_name, model: modelName(ctx.model), max_steps: state.max_steps,
      num_train_epochs: state.num_train_epochs, global_step: state.global_step,
      effective_batch_size: args.train_batch_size * args.gradient_accumulation_steps * args.world_size, device,
      args: args.toJSON(),
    });
    for (const line of this.pending.splice(0)) this.append(line);
    this.lastProgress = -Infinity;
    this.progress(state);
  }

  onStepEnd(args: TrainingArguments, state: TrainerState, _c: TrainerControl, ctx: CallbackContext): void {
    if (this.fd === null) return;
    this.step = state.global_step;
    if (Date.now() - this.lastProgress >= this.progressIntervalMs || state.global_step >= state.max_steps) this.progress(state);
    const every = this.sampleSteps ?? (args.logging_steps >= 1 ? args.logging_steps : Math.max(1, Math.ceil(state.max_steps * args.logging_steps)));
    if (this.samplesFn && state.global_step % every === 0) this.runSamples(ctx);
  }

  /** Also outside train() (an evaluate() before or after it), as HF's TensorBoardCallback reopens its writer. */
  onLog(args: TrainingArguments, state: TrainerState, _c: TrainerControl, ctx: CallbackContext): void {
    if (!state.is_world_process_zero || !ctx.logs) return;
    this.resolvePath(args);
    this.step = state.global_step;
    const logs: Record<string, number> = {};
    for (const [k, v] of Object.entries(ctx.logs as Record<string, unknown>)) {
      if (typeof v === 'number') logs[k] = v;
      // a string logged through trainer.log (as TensorBoard takes it for text): a sample row named by its key
      else if (typeof v === 'string') this.logSample(k, v, state.global_step);
    }
    this.write({ type: 'log', step: state.global_step, logs });
  }

  onTrainEnd(_a: TrainingArguments, state: TrainerState, _c: TrainerControl, ctx: CallbackContext): void {
    if (this.fd === null) return;
    this.step = state.global_step;
    if (this.samplesFn && this.lastSampleStep !== this.step) this.runSamples(ctx);
    if (this.lastProgressStep !== state.global_step) this.progress(state);
    this.write({ type: 'train_end', step: state.global_step, epoch: state.epoch });
    closeSync(this.fd);
    this.fd = null;
  }

  /**
   * Adds a sample generation to the dashboard's table, at `step` (default: the last step
   * seen).  Before training starts (and with no explicit path) it is kept and written at train begin.
   */
  logSample(prompt: string, text: string, step = this.step): void {
    if (typeof prompt !== 'string' || typeof text !== 'string') throw new TypeError('DashboardCallback.logSample(prompt, text): both must be strings');
    this.write({ type: 'sample', step, prompt, text });
  }

  private resolvePath(args: TrainingArguments): string {
    return (this.path ??= join(args.logging_dir ?? args.output_dir, DASHBOARD_EVENTS_FILE));
  }

  private runSamples(ctx: CallbackContext): void {
    this.lastSampleStep = this.step;
    const out = this.samplesFn!({ model: ctx.model, processingClass: ctx.processingClass, step: this.step });
    if (!Array.isArray(out)) throw new TypeError(`DashboardCallback: samples() must return an array of { prompt, text }, got ${typeof out}`);
    for (const [i, s] of out.entries()) {
      if (typeof s?.prompt !== 'string' || typeof s?.text !== 'string')
        throw new TypeError(`DashboardCallback: samples() item ${i} must be { prompt: string, text: string }, got ${JSON.stringify(s)}`);
      this.logSample(s.prompt, s.text);
    }
  }

  private progress(state: TrainerState): void {
    this.lastProgress = Date.now();
    this.lastProgressStep = state.global_step;
    const ev: Record<string, unknown> = { type: 'progress', step: state.global_step, max_steps: state.max_steps, epoch: state.epoch };
    if (state.num_input_tokens_seen > 0) ev.num_input_tokens_seen = state.num_input_tokens_seen;
    if (this.cudaDevice !== null) {
      const d = this.cudaDevice;
      ev.memory = { allocated: cuda.memoryAllocated(d), reserved: cuda.memoryReserved(d), max_allocated: cuda.maxMemoryAllocated(d) };
    }
    this.write(ev);
  }

  private write(event: Record<string, unknown>): void {
    // non-finite numbers are no JSON: written as null, as Python's json would not (NaN) either
    const line = `${JSON.stringify({ ...event, time: Date.now() }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`;
    if (this.fd !== null) this.append(line);
    else if (this.path !== null) this.appendTo(this.path, this.pending.splice(0).join('') + line);
    else this.pending.push(line);
  }

  private append(line: string): void {
    writeSync(this.fd!, line);
  }

  private appendTo(path: string, line: string): void {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, 'a');
    try { writeSync(fd, line); } finally { closeSync(fd); }
  }
}

function modelName(model: unknown): string | null {
  const named = nameOrPath(model);
  if (named) return named;
  const cfg = (model as { config?: { model_type?: unknown } } | null)?.config;
  if (typeof cfg?.model_type === 'string') return cfg.model_type;
  const cls = (model as object | null)?.constructor?.name;
  return cls && cls !== 'Object' ? cls : null;
}
