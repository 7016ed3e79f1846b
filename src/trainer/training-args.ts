// training-args.ts — TrainingArguments (transformers 4.47 training_args.py): HF's snake_case field
// names and defaults, because users copy them from Python and they are the CLI schema; validated
// at construction with HF's messages.  HF pickles them to training_args.bin; tunekit writes
// training_args.json (toJSON()).
import { inspect } from 'node:util';
import { cuda, type Device } from '../torch/index.js';
import { argsRepr } from './args-repr.js';
import { HUB_TOKEN_MASK, checkHubFields, hubSettings, type PushToHubSettings } from './hub-args.js';
import { REPORTING_INTEGRATIONS, getAvailableReportingIntegrations } from './integrations/index.js';
import {
  ALIASES, FIELDS, HF_DEFAULT_ONLY, checkKind, closestName, sameValue,
  type FieldKind, type FieldName, type HubStrategy, type IntervalStrategy, type LrSchedulerType, type OptimizerName, type SaveStrategy,
} from './args-fields.js';

export type { IntervalStrategy, SaveStrategy, OptimizerName, LrSchedulerType, HubStrategy } from './args-fields.js';

export type { TrainingArgumentsInit, TrainingArgumentsFields } from './args-types.js';
import type { TrainingArgumentsInit, TrainingArgumentsFields } from './args-types.js';
import { localProcessIndex, processIndex, setupDistributed, worldSize as distWorldSize } from './distributed.js';

/** The reporting integrations HF knows (tunekit ships those of integrations/index.ts). */
const INTEGRATIONS = ['azure_ml', 'clearml', 'codecarbon', 'comet_ml', 'dagshub', 'dvclive', 'flyte', 'mlflow', 'neptune', 'swanlab', 'tensorboard', 'trackio', 'wandb'];

/**
 * Training configuration with HF's field names and defaults (transformers 4.47).  Unknown fields
 * are errors naming the closest known one; contradictory settings are errors with HF's messages;
 * HF-only fields (deepspeed, fsdp, torch_compile, ...) are accepted only at their defaults.
 * Derived as in HF's __post_init__: eval_steps falls back to logging_steps, metric_for_best_model
 * to 'loss' with load_best_model_at_end, greater_is_better from the metric name, report_to to a list
 * (transformers 5.x: null means 'none', 'all' every shipped integration, i.e. ['tensorboard']).
 * @example
 * const args = new TrainingArguments({ output_dir: 'out', learning_rate: 2e-5, num_train_epochs: 3,
 *   eval_strategy: 'epoch', save_strategy: 'epoch', load_best_model_at_end: true });
 */
export class TrainingArguments implements TrainingArgumentsFields {
  declare output_dir: string;
  declare overwrite_output_dir: boolean;
  declare do_train: boolean;
  declare do_eval: boolean;
  declare do_predict: boolean;
  declare eval_strategy: IntervalStrategy;
  declare prediction_loss_only: boolean;
  declare per_device_train_batch_size: number;
  declare per_device_eval_batch_size: number;
  declare gradient_accumulation_steps: number;
  declare eval_accumulation_steps: number | null;
  declare eval_delay: number;
  declare learning_rate: number;
  declare weight_decay: number;
  declare adam_beta1: number;
  declare adam_beta2: number;
  declare adam_epsilon: number;
  declare max_grad_norm: number | null;
  declare num_train_epochs: number;
  declare max_steps: number;
  declare lr_scheduler_type: LrSchedulerType;
  declare lr_scheduler_kwargs: Record<string, number>;
  declare warmup_ratio: number;
  declare warmup_steps: number;
  declare log_level: TrainingArgumentsFields['log_level'];
  declare logging_dir: string | null;
  declare logging_strategy: IntervalStrategy;
  declare logging_first_step: boolean;
  declare logging_steps: number;
  declare logging_nan_inf_filter: boolean;
  declare save_strategy: SaveStrategy;
  declare save_steps: number;
  declare save_total_limit: number | null;
  declare save_safetensors: boolean;
  declare save_only_model: boolean;
  declare restore_callback_states_from_checkpoint: boolean;
  declare use_cpu: boolean;
  declare seed: number;
  declare data_seed: number | null;
  declare full_determinism: boolean;
  declare bf16: boolean;
  declare fp16: boolean;
  declare bf16_full_eval: boolean;
  declare fp16_full_eval: boolean;
  declare tf32: boolean | null;
  declare torch_empty_cache_steps: number | null;
  declare loss_type: 'nll' | 'chunked_nll' | 'dft';
  declare dataloader_drop_last: boolean;
  declare eval_steps: number | null;
  declare dataloader_num_workers: number;
  declare run_name: string | null;
  declare disable_tqdm: boolean | null;
  declare remove_unused_columns: boolean;
  declare label_names: string[] | null;
  declare load_best_model_at_end: boolean;
  declare metric_for_best_model: string | null;
  declare greater_is_better: boolean | null;
  declare ignore_data_skip: boolean;
  declare optim: OptimizerName;
  declare group_by_length: boolean;
  declare length_column_name: string;
  declare report_to: string | string[] | null;
  declare skip_memory_metrics: boolean;
  declare push_to_hub: boolean;
  declare resume_from_checkpoint: string | null;
  declare hub_model_id: string | null;
  declare hub_strategy: HubStrategy;
  declare hub_token: string | null;
  declare hub_private_repo: boolean | null;
  declare hub_always_push: boolean;
  declare hub_revision: string | null;
  declare include_for_metrics: string[];
  declare eval_do_concat_batches: boolean;
  declare include_num_input_tokens_seen: boolean;
  declare eval_on_start: boolean;
  declare average_tokens_across_devices: boolean;
  declare gradient_checkpointing: boolean;
  declare gradient_checkpointing_kwargs: Record<string, unknown> | null;
  declare log_on_each_node: boolean;
  declare save_on_each_node: boolean;
  declare ddp_backend: string | null;
  declare ddp_find_unused_parameters: boolean | null;
  declare ddp_bucket_cap_mb: number | null;
  declare ddp_broadcast_buffers: boolean | null;
  declare ddp_timeout: number;

  constructor(init: TrainingArgumentsInit);
  /** HF's positional form: `new TrainingArguments('out')` or `new TrainingArguments('out', { learning_rate: 2e-5 })`. */
  constructor(outputDir: string, fields?: Omit<Partial<TrainingArgumentsInit>, 'output_dir'> & Record<string, unknown>);
  constructor(init: TrainingArgumentsInit | string, more?: Record<string, unknown>) {
    const cls = new.target as typeof TrainingArguments;
    const given: Record<string, unknown> = { ...fieldsObject(cls.name, init, more) };
    for (const [alias, name] of Object.entries(ALIASES)) {
      if (!(alias in given)) continue;
      // 4.47 still maps the deprecated spelling (with a FutureWarning)
      if (given[alias] !== undefined && given[name] === undefined) given[name] = given[alias];
      delete given[alias];
    }
    const fields = cls.fieldTable();
    const defaultOnly = cls.defaultOnlyTable();
    const problems: string[] = [];
    const known = [...Object.keys(fields), ...Object.keys(defaultOnly)];
    for (const [k, v] of Object.entries(given)) {
      if (k in fields || v === undefined) continue;
      if (k in defaultOnly) {
        const d = defaultOnly[k];
        if (!sameValue(v, d)) problems.push(`'${k}' is a ${cls.hfName} field that tunekit does not implement; only its default ${JSON.stringify(d)} is accepted, got ${JSON.stringify(v)}`);
        continue;
      }
      const near = closestName(k, known);
      problems.push(`unknown field '${k}'${near ? ` (did you mean '${near}'?)` : ''}`);
    }
    if (problems.length) throw new TypeError(`${cls.name}: ${problems.join('; ')}`);
    if (typeof given.output_dir !== 'string' || given.output_dir === '')
      throw new TypeError(`${cls.name}: output_dir is required (the directory for checkpoints and the final model)`);
    // HF _VALID_DICT_FIELDS: a dict given on the command line arrives as a JSON string
    if (typeof given.lr_scheduler_kwargs === 'string' && given.lr_scheduler_kwargs.startsWith('{')) given.lr_scheduler_kwargs = JSON.parse(given.lr_scheduler_kwargs);
    // training_args.json holds the mask, not the token: reading it back means "no token given"
    if (given.hub_token === HUB_TOKEN_MASK) delete given.hub_token;
    const self = this as unknown as Record<string, unknown>;
    for (const [name, [kind, dflt]] of Object.entries(fields)) {
      const v = given[name] === undefined ? structuredClone(dflt) : given[name];
      checkKind(name, kind, v, cls.name);
      self[name] = Array.isArray(v) ? [...v] : v;
    }
    this.postInit();
  }

  /**
   * The field table, [kind, default] by name in HF's order: a subclass (SFTConfig) returns its own,
   * with its extra fields and its overridden defaults.
   */
  static fieldTable(): Readonly<Record<string, readonly [FieldKind, unknown]>> { return FIELDS; }
  /** HF fields accepted only at their default (see HF_DEFAULT_ONLY); a subclass may add its own. */
  static defaultOnlyTable(): Readonly<Record<string, unknown>> { return HF_DEFAULT_ONLY; }
  /** The Python class name in messages. */
  static readonly hfName: string = 'transformers TrainingArguments';

  /** HF's __post_init__: derived defaults, then the cross-field rules with HF's messages. */
  protected postInit(): void {
    if (this.do_eval === false && this.eval_strategy !== 'no') this.do_eval = true;
    for (const [name, min] of [['per_device_train_batch_size', 1], ['per_device_eval_batch_size', 1], ['gradient_accumulation_steps', 1],
      ['num_train_epochs', 0], ['learning_rate', 0], ['weight_decay', 0], ['adam_epsilon', 0], ['eval_delay', 0], ['seed', 0]] as const)
      if (this[name] < min) throw new RangeError(`TrainingArguments: ${name} must be >= ${min}, got ${this[name]}`);
    for (const name of ['adam_beta1', 'adam_beta2'] as const)
      if (!(this[name] >= 0 && this[name] < 1)) throw new RangeError(`TrainingArguments: ${name} must be in [0, 1), got ${this[name]}`);
    if (this.max_grad_norm !== null && this.max_grad_norm < 0) throw new RangeError(`TrainingArguments: max_grad_norm must be >= 0 or null, got ${this.max_grad_norm}`);
    if (this.save_total_limit !== null && this.save_total_limit < 0) throw new RangeError(`TrainingArguments: save_total_limit must be >= 0 or null, got ${this.save_total_limit}`);
    if (this.data_seed !== null && this.data_seed < 0) throw new RangeError(`TrainingArguments: data_seed must be >= 0, got ${this.data_seed}`);
    if (this.eval_accumulation_steps !== null && this.eval_accumulation_steps < 1) throw new RangeError(`TrainingArguments: eval_accumulation_steps must be >= 1 or null, got ${this.eval_accumulation_steps}`);
    if (this.max_steps === 0 || this.max_steps < -1) throw new RangeError(`TrainingArguments: max_steps must be a positive integer or -1 (train num_train_epochs epochs), got ${this.max_steps}`);
    for (const name of ['logging_steps', 'save_steps'] as const)
      if (!(this[name] >= 0)) throw new RangeError(`TrainingArguments: ${name} must be >= 0, got ${this[name]}`);
    if (this.eval_steps !== null && !(this.eval_steps >= 0)) throw new RangeError(`TrainingArguments: eval_steps must be >= 0, got ${this.eval_steps}`);

    if (this.eval_strategy === 'steps' && (this.eval_steps === null || this.eval_steps === 0)) {
      if (this.logging_steps > 0) this.eval_steps = this.logging_steps;
      else throw new RangeError(`evaluation strategy ${this.eval_strategy} requires either non-zero --eval_steps or --logging_steps`);
    }
    if (this.logging_strategy === 'steps' && this.logging_steps === 0)
      throw new RangeError(`logging strategy ${this.logging_strategy} requires non-zero --logging_steps`);
    for (const [kind, strategy] of [['logging', this.logging_strategy], ['eval', this.eval_strategy], ['save', this.save_strategy]] as const) {
      const v = this[`${kind}_steps`];
      if (strategy === 'steps' && v !== null && v > 1 && !Number.isInteger(v))
        throw new RangeError(`--${kind}_steps must be an integer if bigger than 1: ${v}`);
    }
    if (this.load_best_model_at_end && this.save_strategy !== 'best') {
      if (this.eval_strategy !== this.save_strategy)
        throw new RangeError('--load_best_model_at_end requires the save and eval strategy to match, but found\n- Evaluation ' +
          `strategy: ${this.eval_strategy}\n- Save strategy: ${this.save_strategy}`);
      const ev = this.eval_steps!, sv = this.save_steps;
      if (this.eval_strategy === 'steps' && sv % ev !== 0) {
        if (ev < 1 || sv < 1) {
          if (!(ev < 1 && sv < 1))
            throw new RangeError('--load_best_model_at_end requires the saving steps to be a multiple of the evaluation steps, which cannot ' +
              `get guaranteed when mixing ratio and absolute steps for save_steps ${sv} and eval_steps ${ev}.`);
          // HF works around float error with a large multiplier, and then accepts the ratios
          if (Math.round(sv * 1e6) % Math.round(ev * 1e6) !== 0)
            throw new RangeError('--load_best_model_at_end requires the saving steps to be a multiple of the evaluation steps, ' +
              `but found ${sv}, which is not a multiple of ${ev}.`);
        } else {
          throw new RangeError('--load_best_model_at_end requires the saving steps to be a round multiple of the evaluation steps, ' +
            `but found ${sv}, which is not a round multiple of ${ev}.`);
        }
      }
    }
    if (this.save_strategy === 'best' && this.metric_for_best_model === null)
      throw new RangeError('`args.metric_for_best_model` must be provided when using \'best\' save_strategy.');
    if (this.load_best_model_at_end && this.metric_for_best_model === null) this.metric_for_best_model = 'loss';
    if (this.greater_is_better === null && this.metric_for_best_model !== null) this.greater_is_better = !this.metric_for_best_model.endsWith('loss');
    if (this.run_name === null) this.run_name = this.output_dir;
    if (this.torch_empty_cache_steps !== null && !(this.torch_empty_cache_steps > 0))
      throw new RangeError(`\`torch_empty_cache_steps\` must be an integer bigger than 0, got ${this.torch_empty_cache_steps}.`);
    if (this.fp16 && this.bf16) throw new RangeError('At most one of fp16 and bf16 can be True, but not both');
    if (this.fp16_full_eval && this.bf16_full_eval) throw new RangeError('At most one of fp16 and bf16 can be True for full eval, but not both');
    if (this.dataloader_num_workers !== 0)
      throw new RangeError(`TrainingArguments: dataloader_num_workers must be 0 (tunekit loads data in the main process), got ${this.dataloader_num_workers}`);
    if (!this.save_safetensors) throw new RangeError('TrainingArguments: save_safetensors=false is not supported: tunekit writes safetensors only (no pickled pytorch_model.bin)');
    if (!this.eval_do_concat_batches) throw new RangeError('TrainingArguments: eval_do_concat_batches=false is not supported: predictions are always concatenated across batches');
    this.report_to = this.normaliseReportTo(this.report_to);
    if (this.warmup_ratio < 0 || this.warmup_ratio > 1) throw new RangeError('warmup_ratio must lie in range [0,1]');
    if (this.warmup_steps < 0) throw new RangeError('warmup_steps must be of type int and must be 0 or a positive integer.');
    for (const m of this.include_for_metrics)
      if (m !== 'inputs' && m !== 'loss') throw new RangeError(`TrainingArguments: include_for_metrics accepts 'inputs' and 'loss', got '${m}'`);
    for (const [k, v] of Object.entries(this.lr_scheduler_kwargs))
      if (typeof v !== 'number') throw new TypeError(`TrainingArguments: lr_scheduler_kwargs.${k} must be a number, got ${JSON.stringify(v)}`);
    checkHubFields(this);
  }

  /**
   * HF set_push_to_hub: push_to_hub on, with these hub_* settings (checked as the constructor
   * does); returns this.
   * @example args.setPushToHub('me/bert-mrpc', { strategy: 'checkpoint' });
   */
  setPushToHub(modelId: string, opts: PushToHubSettings = {}): this {
    const cls = this.constructor as typeof TrainingArguments;
    const values = hubSettings(modelId, opts);
    for (const [k, v] of Object.entries(values)) checkKind(k, cls.fieldTable()[k]![0], v, cls.name);
    checkHubFields(values);
    Object.assign(this, values);
    return this;
  }

  /**
   * transformers 5.x: null (5.x's default 'none') and 'none' -> []; 'all' -> every integration
   * tunekit ships (getAvailableReportingIntegrations(): all of them are built in); a string -> [it];
   * a name tunekit does not ship is an error.
   */
  private normaliseReportTo(r: string | string[] | null): string[] {
    const list = r === null ? [] : typeof r === 'string' ? [r] : r;
    const out: string[] = [];
    for (const x of list) {
      if (x === 'none') continue;
      for (const name of x === 'all' ? getAvailableReportingIntegrations() : [x]) {
        if (!Object.hasOwn(REPORTING_INTEGRATIONS, name))
          throw new RangeError(`TrainingArguments: report_to '${name}' is not supported by tunekit (${INTEGRATIONS.includes(name) ? 'an integration it does not ship' : 'unknown integration'}); ` +
            `use ${getAvailableReportingIntegrations().map((n) => `'${n}'`).join(', ')}, 'all' or 'none' (logs always go to trainer_state.json log_history and onLog callbacks)`);
        if (!out.includes(name)) out.push(name);
      }
    }
    return out;
  }

  /** per_device_train_batch_size (one device per process: HF's train_batch_size). */
  get train_batch_size(): number { return this.per_device_train_batch_size; }
  /** per_device_eval_batch_size (one device per process). */
  get eval_batch_size(): number { return this.per_device_eval_batch_size; }
  /** Processes training together (WORLD_SIZE under a launcher; 1 otherwise). */
  get world_size(): number { setupDistributed(this); return distWorldSize(); }
  /** This process's rank (HF process_index). */
  get process_index(): number { setupDistributed(this); return processIndex(); }
  /** Its rank on this node (HF local_process_index). */
  get local_process_index(): number { setupDistributed(this); return localProcessIndex(); }
  /** HF should_log: the main process (of each node with log_on_each_node). */
  get should_log(): boolean { return this.log_on_each_node ? this.local_process_index === 0 : this.process_index === 0; }
  /** HF should_save: the main process (of each node with save_on_each_node) writes checkpoints and models. */
  get should_save(): boolean { return this.save_on_each_node ? this.local_process_index === 0 : this.process_index === 0; }
  /** 'cpu' when use_cpu or no CUDA device is visible, else 'cuda' (HF picks the accelerator the same way). */
  get device(): Device {
    if (this.use_cpu || !cuda.isAvailable()) return 'cpu';
    // several processes on a node: one GPU each, cuda:LOCAL_RANK (HF: torch.device('cuda', local_rank))
    return this.world_size > 1 ? (`cuda:${this.local_process_index}` as Device) : 'cuda';
  }

  /** HF get_warmup_steps: warmup_steps if > 0, else ceil(warmup_ratio * numTrainingSteps). */
  getWarmupSteps(numTrainingSteps: number): number {
    return this.warmup_steps > 0 ? this.warmup_steps : Math.ceil(numTrainingSteps * this.warmup_ratio);
  }

  /**
   * Every field (HF's to_dict: implemented fields, then the HF-only ones at their defaults),
   * JSON-safe.  Unlike HF's to_dict, hub_token is kept (replace() and conversions rebuild from
   * this); toJSON / toJsonString, what files get, mask it.
   */
  toDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const self = this as unknown as Record<string, unknown>;
    const cls = this.constructor as typeof TrainingArguments;
    for (const k of Object.keys(cls.fieldTable())) out[k] = structuredClone(self[k]);
    for (const [k, v] of Object.entries(cls.defaultOnlyTable())) out[k] = v;
    return out;
  }
  /**
   * JSON.stringify hook: the toDict() object with hub_token masked as '<HUB_TOKEN>' (HF's to_dict
   * masks it: output_dir, holding training_args.json, is what push_to_hub uploads).
   */
  toJSON(): Record<string, unknown> { return { ...this.toDict(), hub_token: HUB_TOKEN_MASK }; }
  /**
   * HF's __str__ / __repr__: `TrainingArguments(\n_n_gpu=0,\nadam_beta1=0.9,\n...)`, every field
   * sorted by name with Python's value formatting (`learning_rate=5e-05`, `eval_strategy=IntervalStrategy.NO`).
   */
  toString(): string {
    const cls = this.constructor as typeof TrainingArguments;
    const floats = Object.entries(cls.fieldTable()).filter(([, [kind]]) => kind === 'float' || kind === 'float?').map(([k]) => k);
    return argsRepr(cls.name, this.toDict(), this.device === 'cpu' ? 0 : 1, floats);
  }
  /** console.log / util.inspect print HF's repr (see toString). */
  [inspect.custom](): string { return this.toString(); }

  /** HF's to_json_string: indent 2, hub_token masked (see toJSON). */
  toJsonString(): string { return JSON.stringify(this.toJSON(), null, 2) + '\n'; }

  /** Rebuilds arguments from toDict()/training_args.json output (derived values included). */
  static fromDict<T extends TrainingArguments>(this: new (init: TrainingArgumentsInit) => T, d: Record<string, unknown>): T {
    return new this(d as TrainingArgumentsInit);
  }
  /** A copy with some fields replaced (validated again), as dataclasses.replace; the same class. */
  replace(changes: Partial<TrainingArgumentsInit> & Record<string, unknown>): this {
    const cls = this.constructor as new (init: TrainingArgumentsInit) => this;
    return new cls({ ...(this.toDict() as TrainingArgumentsInit), ...changes });
  }
}

/**
 * The fields object of the constructor's arguments: `(fields)`, or `(output_dir, fields?)` as
 * HF's positional first argument; anything else is an error showing the object form.
 */
function fieldsObject(name: string, init: unknown, more: unknown): object {
  const form = `new ${name}({ output_dir: 'out', learning_rate: 2e-5, num_train_epochs: 3 }) (or new ${name}('out', { ... }))`;
  const what = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `'${v}'` : typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`);
  const isFields = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (typeof init === 'string') {
    if (more === undefined) return { output_dir: init };
    if (!isFields(more)) throw new TypeError(`${name}: after output_dir, pass the other fields as one object: ${form}; got ${what(more)} as the second argument`);
    if (more.output_dir !== undefined && more.output_dir !== init) throw new TypeError(`${name}: output_dir given twice ('${init}' and ${what(more.output_dir)})`);
    return { ...more, output_dir: init };
  }
  if (!isFields(init)) throw new TypeError(`${name}: pass the fields as one object: ${form}; got ${what(init)}`);
  if (more !== undefined) throw new TypeError(`${name}: pass every field in the one object: ${form}; got a second argument (${what(more)})`);
  return init;
}

/** The implemented field names, in HF's order. */
export const TRAINING_ARGUMENT_FIELDS = Object.keys(FIELDS) as FieldName[];
