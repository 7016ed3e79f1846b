// tensorboard.ts — TensorBoardCallback (transformers integrations/integration_utils.py): the
// Trainer's logs as TensorBoard scalars (`report_to: 'tensorboard'`), the arguments and model
// config as text at train begin, and addText / addScalar for anything else (sample generations).
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { CallbackContext, TrainerCallback } from '../callbacks.js';
import type { TrainerControl, TrainerState } from '../trainer-state.js';
import type { TrainingArguments } from '../training-args.js';
import { SummaryWriter } from './summary-writer.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** HF default_logdir (PyTorch's too): `runs/<%b%d_%H-%M-%S>_<hostname>`, local time, e.g. `runs/Mar05_14-03-09_host`. */
export function defaultLogdir(date = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${MONTHS[date.getMonth()]}${p(date.getDate())}_${p(date.getHours())}-${p(date.getMinutes())}-${p(date.getSeconds())}`;
  return join('runs', `${stamp}_${hostname()}`);
}

/** HF rewrite_logs: `eval_x` -> `eval/x`, `test_x` -> `test/x`, anything else `x` -> `train/x`. */
export function rewriteLogs(logs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(logs)) {
    if (k.startsWith('eval_')) out[`eval/${k.slice(5)}`] = v;
    else if (k.startsWith('test_')) out[`test/${k.slice(5)}`] = v;
    else out[`train/${k}`] = v;
  }
  return out;
}

/** A model config as HF's to_json_string gives it (tunekit configs have toJsonString; plain objects are JSON). */
function configJson(config: unknown): string | null {
  if (config === null || typeof config !== 'object') return null;
  const c = config as { toJsonString?: () => string };
  return typeof c.toJsonString === 'function' ? c.toJsonString() : `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * Sends the Trainer's logs to TensorBoard (HF TensorBoardCallback).  Added by the Trainer for
 * `report_to: 'tensorboard'` (or `'all'`); or pass one in `callbacks` (with report_to 'none').
 *  - folder: `logDir`, else env TENSORBOARD_LOGGING_DIR (HF 5.x), else `args.logging_dir`
 *    (HF 4.x), else `<output_dir>/runs/<Mon DD_HH-MM-SS>_<host>` (HF's default_logdir); one new
 *    event file per train();
 *  - train begin: `args` (TrainingArguments as JSON) and `model_config` as text;
 *  - every log: each number (and boolean) as a scalar at state.global_step, tags rewritten as HF
 *    does (`eval_loss` -> `eval/loss`, `loss` -> `train/loss`, `train_samples_per_second` ->
 *    `train/train_samples_per_second`); a string value as text; anything else warned about and
 *    dropped, as HF does; flushed after each log;
 *  - train end: the file is closed.
 * Text tags get torch's `/text_summary` suffix (`args/text_summary`).
 * @example
 * const tb = new TensorBoardCallback();
 * const trainer = new Trainer({ model, args: new TrainingArguments({ output_dir: 'out', report_to: 'none' }), trainDataset, callbacks: [tb] });
 * await trainer.train();
 * tb.addText('samples', generatedText, trainer.state.global_step);   // a sample generation, in the Text tab
 */
export class TensorBoardCallback implements TrainerCallback {
  /** The writer of the current event file; null before the first event and after train end. */
  tbWriter: SummaryWriter | null;
  /** The event-file folder; null until known (see the class comment). */
  logging_dir: string | null;
  /** The global step of the last event seen: addText / addScalar's default step. */
  private lastStep = 0;

  constructor(opts: { tbWriter?: SummaryWriter; logDir?: string } = {}) {
    this.tbWriter = opts.tbWriter ?? null;
    const env = process.env.TENSORBOARD_LOGGING_DIR;
    const dir = opts.logDir ?? (env ? env.replace(/^~(?=$|\/)/, homedir()) : null);
    this.logging_dir = opts.tbWriter?.logDir ?? dir;
  }

  /** The writer, opened in logging_dir (resolved from args on first use). */
  private writer(args: TrainingArguments): SummaryWriter {
    this.logging_dir ??= args.logging_dir ?? join(args.output_dir, defaultLogdir());
    if (!this.tbWriter || this.tbWriter.isClosed) this.tbWriter = new SummaryWriter(this.logging_dir);
    return this.tbWriter;
  }

  onTrainBegin(args: TrainingArguments, state: TrainerState, _c: TrainerControl, ctx: CallbackContext): void {
    if (!state.is_world_process_zero) return;
    this.lastStep = state.global_step;
    const w = this.writer(args);
    w.addText('args', args.toJsonString());
    const config = configJson((ctx.model as { config?: unknown } | null)?.config);
    if (config !== null) w.addText('model_config', config);
    w.flush();
  }

  onLog(args: TrainingArguments, state: TrainerState, _c: TrainerControl, ctx: CallbackContext): void {
    if (!state.is_world_process_zero || !ctx.logs) return;
    this.lastStep = state.global_step;
    const w = this.writer(args);
    for (const [k, v] of Object.entries(rewriteLogs(ctx.logs))) {
      // Python's isinstance(v, (int, float)) holds for bool too
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') w.addScalar(k, Number(v), state.global_step);
      else if (typeof v === 'string') w.addText(k, v, state.global_step);
      else console.warn(`Trainer is attempting to log a value of "${String(v)}" of type ${v === null ? 'null' : typeof v} for key "${k}" as a scalar. ` +
        "This invocation of Tensorboard's writer.add_scalar() is incorrect so we dropped this attribute.");
    }
    w.flush();
  }

  onTrainEnd(): void {
    this.tbWriter?.close();
    this.tbWriter = null;
  }

  /**
   * Logs a text (a sample generation, a prompt...) under `<tag>/text_summary` at `step` (default:
   * the last global step seen) and flushes.  Before any Trainer event it needs a folder: pass
   * `logDir` to the constructor (or set TENSORBOARD_LOGGING_DIR).  After train end it opens a new
   * event file in the same folder, as a new torch SummaryWriter would.
   */
  addText(tag: string, text: string, step = this.lastStep): void {
    const w = this.direct('addText');
    w.addText(tag, text, step);
    w.flush();
  }
  /** Logs one scalar under `tag` (as given: no train/ prefix) at `step` (default: the last global step seen) and flushes. */
  addScalar(tag: string, value: number, step = this.lastStep): void {
    const w = this.direct('addScalar');
    w.addScalar(tag, value, step);
    w.flush();
  }

  private direct(what: string): SummaryWriter {
    if (this.tbWriter && !this.tbWriter.isClosed) return this.tbWriter;
    if (this.logging_dir === null)
      throw new Error(`TensorBoardCallback.${what}: no log folder yet: call it from a Trainer event or after train() began, or pass { logDir } to the constructor`);
    this.tbWriter = new SummaryWriter(this.logging_dir);
    return this.tbWriter;
  }
}
