// trainer-state.ts — TrainerState and TrainerControl (transformers 4.47 trainer_callback.py) and
// trainer_state.json written byte-for-byte as Python's json.dumps(indent=2, sort_keys=True)
// through torch's pyjson (floats keep their `.0`, exponents read `1e-05`, non-ASCII is \u-escaped).
import { writeFile } from 'node:fs/promises';
import { parsePyJson, pyDumps } from '../torch/index.js';
import { readJsonFile } from './checkpoint.js';

/** One log_history entry: numbers by HF key (loss, learning_rate, eval_accuracy, step, ...). */
export type LogEntry = Record<string, number>;

/** A callback's exportable state (HF ExportableState.state()). */
export interface CallbackState {
  args: Record<string, unknown>;
  attributes: Record<string, unknown>;
}

/**
 * The Trainer's state, saved as trainer_state.json in every checkpoint and passed to callbacks.
 * Field names are HF's (they are the JSON keys).  One step is one optimizer update.
 */
export class TrainerState {
  /** Fractional epoch (epoch + fraction of the current one done); null before training. */
  epoch: number | null = null;
  global_step = 0;
  max_steps = 0;
  logging_steps = 500;
  eval_steps = 500;
  save_steps = 500;
  train_batch_size: number | null = null;
  num_train_epochs = 0;
  num_input_tokens_seen = 0;
  total_flos = 0;
  log_history: LogEntry[] = [];
  best_metric: number | null = null;
  best_model_checkpoint: string | null = null;
  is_local_process_zero = true;
  is_world_process_zero = true;
  is_hyper_param_search = false;
  trial_name: string | null = null;
  trial_params: Record<string, unknown> | null = null;
  /** Class name -> state of each stateful callback (TrainerControl, EarlyStoppingCallback). */
  stateful_callbacks: Record<string, CallbackState | CallbackState[]> = {};

  /**
   * HF compute_steps: logging/eval/save steps given as a ratio (< 1) become ceil(maxSteps * ratio);
   * a null eval_steps keeps the state's default 500.
   */
  computeSteps(args: { logging_steps: number; eval_steps: number | null; save_steps: number }, maxSteps: number): void {
    for (const kind of ['logging', 'eval', 'save'] as const) {
      let n = args[`${kind}_steps`];
      if (n === null) continue;
      if (n < 1) n = Math.ceil(maxSteps * n);
      this[`${kind}_steps`] = n;
    }
  }

  /** The JSON object (HF's dataclasses.asdict). */
  toDict(): Record<string, unknown> {
    return { ...(this as unknown as Record<string, unknown>), log_history: this.log_history.map((e) => ({ ...e })) };
  }

  /** trainer_state.json text: Python json.dumps(asdict(state), indent=2, sort_keys=True) + '\n'. */
  toJsonString(): string {
    return pythonJson(this.toDict()) + '\n';
  }

  async saveToJson(path: string): Promise<void> {
    await writeFile(path, this.toJsonString(), 'utf8');
  }

  /**
   * Reads trainer_state.json (HF's or ours); unknown keys are ignored, as old HF files lack some.
   * A truncated or corrupt file (not JSON, not an object, a global_step that is no count) is an
   * error naming `path`.
   */
  static async loadFromJson(path: string): Promise<TrainerState> {
    const d = (await readJsonFile(path, parsePythonJson)) as Record<string, unknown>;
    for (const k of ['global_step', 'max_steps'])
      if (k in d && !(typeof d[k] === 'number' && Number.isInteger(d[k]) && (d[k] as number) >= 0))
        throw new Error(`${path}: '${k}' is ${JSON.stringify(d[k])}, not a step count: the file is corrupt`);
    if ('log_history' in d && !Array.isArray(d.log_history)) throw new Error(`${path}: 'log_history' is not a list: the file is corrupt`);
    return TrainerState.fromDict(d);
  }

  static fromDict(d: Record<string, unknown>): TrainerState {
    const s = new TrainerState();
    const self = s as unknown as Record<string, unknown>;
    for (const k of Object.keys(s)) if (k in d && d[k] !== undefined) self[k] = d[k];
    if (!Array.isArray(s.log_history)) s.log_history = [];
    if (s.stateful_callbacks === null || typeof s.stateful_callbacks !== 'object') s.stateful_callbacks = {};
    return s;
  }
}

/**
 * Switches the callbacks set to steer the loop (HF TrainerControl).  should_training_stop stays
 * set; should_epoch_stop is reset at each epoch; the other three at each step.
 */
export class TrainerControl {
  should_training_stop = false;
  should_epoch_stop = false;
  should_save = false;
  should_evaluate = false;
  should_log = false;

  /** HF ExportableState: saved under stateful_callbacks.TrainerControl. */
  state(): CallbackState {
    const { should_training_stop, should_epoch_stop, should_save, should_evaluate, should_log } = this;
    return { args: { should_training_stop, should_epoch_stop, should_save, should_evaluate, should_log }, attributes: {} };
  }
}

/** Keys whose numbers Python holds as int (everything else numeric is a float in HF's files). */
const INT_KEYS = new Set(['step', 'global_step', 'max_steps', 'logging_steps', 'eval_steps', 'save_steps', 'train_batch_size',
  'num_train_epochs', 'num_input_tokens_seen', 'early_stopping_patience', 'early_stopping_patience_counter']);

/**
 * Python's `json.dumps(value, indent=2, sort_keys=True)` for trainer_state.json (torch's pyDumps).
 * JS numbers carry no int/float distinction, so the key decides: counts such as `step` and
 * `global_step` print as ints, every other number as a Python float (`2.0`, `0.0005`, `1e-05`).
 */
export function pythonJson(value: unknown, indent = 2): string {
  return pyDumps(value, { indent, sortKeys: true, floatKey: (key) => key === null || !INT_KEYS.has(key) });
}

/** Reads Python's JSON (NaN / Infinity / -Infinity included) into plain objects (torch's parsePyJson). */
export function parsePythonJson(text: string): unknown {
  return parsePyJson(text, { nullPrototype: false });
}
