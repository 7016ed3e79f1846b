// config.ts — LoraConfig (peft/tuners/lora/config.py): peft's field names and defaults, its
// checks, and adapter_config.json both ways.  Written files carry the field set of peft 0.14
// (which both peft 0.14 and 0.21 read); unknown fields of a read file are kept and written back.
import { readFile } from 'node:fs/promises';
import { resolvePretrained, splitHubOptions, type HubOptions } from '../hub/index.js';

/** peft's TaskType values. */
export const TASK_TYPES = ['SEQ_CLS', 'SEQ_2_SEQ_LM', 'CAUSAL_LM', 'TOKEN_CLS', 'QUESTION_ANS', 'FEATURE_EXTRACTION'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** `bias`: which biases train (and are saved) besides the adapters. */
export type LoraBias = 'none' | 'all' | 'lora_only';

/**
 * peft's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING for the families tunekit builds (and
 * their near relatives): the modules LoRA wraps when `target_modules` is not given.
 */
export const DEFAULT_TARGET_MODULES: Readonly<Record<string, readonly string[]>> = {
  t5: ['q', 'v'], mt5: ['q', 'v'], bart: ['q_proj', 'v_proj'], gpt2: ['c_attn'], opt: ['q_proj', 'v_proj'],
  gptj: ['q_proj', 'v_proj'], gpt_neo: ['q_proj', 'v_proj'], gpt_neox: ['query_key_value'], bloom: ['query_key_value'],
  bert: ['query', 'value'], roberta: ['query', 'value'], 'xlm-roberta': ['query', 'value'], electra: ['query', 'value'],
  'deberta-v2': ['query_proj', 'value_proj'], deberta: ['in_proj'], llama: ['q_proj', 'v_proj'], mistral: ['q_proj', 'v_proj'],
  mixtral: ['q_proj', 'v_proj'], gemma: ['q_proj', 'v_proj'], gemma2: ['q_proj', 'v_proj'], qwen2: ['q_proj', 'v_proj'],
  qwen3: ['q_proj', 'v_proj'], phi: ['q_proj', 'v_proj', 'fc1', 'fc2'], stablelm: ['q_proj', 'v_proj'], falcon: ['query_key_value'],
  gpt_bigcode: ['c_attn'],
};

/** What `new LoraConfig({...})` takes: peft's names (snake_case), every field optional. */
export interface LoraConfigOptions {
  /** Rank of the update (default 8). */
  r?: number;
  /** Scale numerator: the update is multiplied by lora_alpha / r (default 8). */
  lora_alpha?: number;
  /** Dropout on the adapter's input (default 0). */
  lora_dropout?: number;
  /**
   * Which modules get an adapter: names matched against the end of each module path
   * (`q_proj` matches `model.layers.0.self_attn.q_proj`), a regex string matched against the
   * whole path, or 'all-linear' (every Linear / Conv1D but the output head).  Default: peft's
   * table for the model type.
   */
  target_modules?: string[] | string | null;
  /** Modules never wrapped (same matching as target_modules). */
  exclude_modules?: string[] | string | null;
  /** The base weight is stored (in, out) — GPT-2's Conv1D (set automatically for Conv1D). */
  fan_in_fan_out?: boolean;
  bias?: LoraBias;
  /** Scale by lora_alpha / sqrt(r) (rank-stabilised LoRA). */
  use_rslora?: boolean;
  /** Modules trained in full and saved with the adapter (a classifier head). */
  modules_to_save?: string[] | null;
  /** true: A as nn.Linear's default init, B = 0 (start at the base model); 'gaussian': A ~ N(0, 1/r); false: both random. */
  init_lora_weights?: boolean | 'gaussian';
  /** Only these layer indices (with a list target_modules). */
  layers_to_transform?: number[] | number | null;
  /** The name of the layer list (`layers`, `h`) whose index layers_to_transform reads. */
  layers_pattern?: string[] | string | null;
  /** Per-module rank: regex key (matched at the end of the path) -> r. */
  rank_pattern?: Record<string, number>;
  /** Per-module alpha: regex key -> lora_alpha. */
  alpha_pattern?: Record<string, number>;
  /** DoRA: a learned magnitude per output row over the normalised updated weight. */
  use_dora?: boolean;
  /** A bias on lora_B. */
  lora_bias?: boolean;
  task_type?: TaskType | null;
  /** Adapters frozen (loading for inference). */
  inference_mode?: boolean;
  base_model_name_or_path?: string | null;
  revision?: string | null;
}

const BIASES: readonly LoraBias[] = ['none', 'all', 'lora_only'];

/** Fields peft 0.14 writes that tunekit does not use; written with peft's values so Python reads the file unchanged. */
const PEFT_EXTRA_FIELDS: Readonly<Record<string, unknown>> = {
  auto_mapping: null, eva_config: null, layer_replication: null, loftq_config: {}, megatron_config: null, megatron_core: 'megatron.core',
};

/** A LoRA configuration with peft's fields and defaults; throws on values peft rejects. */
export class LoraConfig {
  readonly peft_type = 'LORA';
  r = 8;
  lora_alpha = 8;
  lora_dropout = 0;
  target_modules: string[] | string | null = null;
  exclude_modules: string[] | string | null = null;
  fan_in_fan_out = false;
  bias: LoraBias = 'none';
  use_rslora = false;
  modules_to_save: string[] | null = null;
  init_lora_weights: boolean | 'gaussian' = true;
  layers_to_transform: number[] | number | null = null;
  layers_pattern: string[] | string | null = null;
  rank_pattern: Record<string, number> = {};
  alpha_pattern: Record<string, number> = {};
  use_dora = false;
  lora_bias = false;
  task_type: TaskType | null = null;
  inference_mode = false;
  base_model_name_or_path: string | null = null;
  revision: string | null = null;
  /** Fields of a read adapter_config.json that tunekit does not know: written back unchanged. */
  extra: Record<string, unknown> = {};
  /** A read file's init method tunekit does not run (pissa, olora, loftq...): written back as it was. */
  #initMethod: string | null = null;

  constructor(opts: LoraConfigOptions = {}) {
    const known = new Set(Object.keys(this));
    for (const [k, v] of Object.entries(opts)) {
      if (v === undefined) continue;
      if (!known.has(k) || k === 'extra' || k === 'peft_type') throw new TypeError(`LoraConfig: unknown option '${k}'`);
      (this as unknown as Record<string, unknown>)[k] = v;
    }
    if (Array.isArray(this.target_modules)) this.target_modules = [...new Set(this.target_modules)];
    if (Array.isArray(this.modules_to_save)) this.modules_to_save = [...this.modules_to_save];
    this.validate();
  }

  /** peft's __post_init__ checks plus types (a JSON file can hold anything). */
  validate(): void {
    const bad = (field: string, why: string): never => { throw new RangeError(`LoraConfig: ${field} ${why}`); };
    if (!Number.isInteger(this.r) || this.r <= 0) bad('r', `should be a positive integer value but the value passed is ${this.r}`);
    if (typeof this.lora_alpha !== 'number' || !Number.isFinite(this.lora_alpha)) bad('lora_alpha', `must be a finite number, got ${String(this.lora_alpha)}`);
    if (!(this.lora_dropout >= 0 && this.lora_dropout < 1)) bad('lora_dropout', `must be in [0, 1), got ${this.lora_dropout}`);
    if (!BIASES.includes(this.bias)) bad('bias', `must be one of ${BIASES.join(', ')}, got ${JSON.stringify(this.bias)}`);
    if (this.task_type !== null && !TASK_TYPES.includes(this.task_type)) bad('task_type', `must be one of ${TASK_TYPES.join(', ')}, got ${JSON.stringify(this.task_type)}`);
    if (this.init_lora_weights !== true && this.init_lora_weights !== false && this.init_lora_weights !== 'gaussian')
      bad('init_lora_weights', `must be true, false or 'gaussian' (tunekit has no ${JSON.stringify(this.init_lora_weights)} init), got it`);
    const names = (v: unknown): boolean => v === null || typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!names(this.target_modules)) bad('target_modules', 'must be a list of module names, a regex string or null');
    if (!names(this.exclude_modules)) bad('exclude_modules', 'must be a list of module names, a regex string or null');
    if (!names(this.layers_pattern)) bad('layers_pattern', 'must be a name, a list of names or null');
    if (this.modules_to_save !== null && !(Array.isArray(this.modules_to_save) && this.modules_to_save.every((x) => typeof x === 'string')))
      bad('modules_to_save', 'must be a list of module names or null');
    const lt = this.layers_to_transform;
    if (lt !== null && !(Number.isInteger(lt) || (Array.isArray(lt) && lt.every((x) => Number.isInteger(x)))))
      bad('layers_to_transform', 'must be a layer index, a list of indices or null');
    for (const [field, pat] of [['rank_pattern', this.rank_pattern], ['alpha_pattern', this.alpha_pattern]] as const) {
      if (pat === null || typeof pat !== 'object' || Array.isArray(pat)) bad(field, 'must be an object of regex -> number');
      for (const [k, v] of Object.entries(pat)) {
        if (typeof v !== 'number' || !Number.isFinite(v) || (field === 'rank_pattern' && (!Number.isInteger(v) || v <= 0)))
          bad(field, `value for '${k}' must be ${field === 'rank_pattern' ? 'a positive integer' : 'a number'}, got ${String(v)}`);
        try { new RegExp(k); } catch { bad(field, `key '${k}' is not a valid regular expression`); }
      }
    }
    if (typeof this.target_modules === 'string' && this.target_modules.toLowerCase() !== 'all-linear') {
      try { new RegExp(this.target_modules); } catch { bad('target_modules', `'${this.target_modules}' is not a valid regular expression`); }
      if (lt !== null) bad('layers_to_transform', 'cannot be used when `target_modules` is a str.');
      if (this.layers_pattern !== null) bad('layers_pattern', 'cannot be used when `target_modules` is a str.');
    }
    if (this.layers_pattern !== null && this.layers_pattern.length && lt === null)
      bad('layers_pattern', 'is specified, `layers_to_transform` must also be specified.');
    for (const f of ['fan_in_fan_out', 'use_rslora', 'use_dora', 'lora_bias', 'inference_mode'] as const)
      if (typeof this[f] !== 'boolean') bad(f, `must be true or false, got ${JSON.stringify(this[f])}`);
    if (this.use_dora && this.lora_bias) bad('lora_bias', 'is not supported together with use_dora');
  }

  /** The update scale of a module with rank r and alpha: alpha / r, or alpha / sqrt(r) with use_rslora. */
  scaling(r: number, alpha: number): number {
    return this.use_rslora ? alpha / Math.sqrt(r) : alpha / r;
  }

  /** A copy (getPeftModel and addAdapter work on their own copy, as peft's deepcopy). */
  clone(): LoraConfig {
    return LoraConfig.fromDict(this.toDict());
  }

  /** adapter_config.json's object: peft 0.14's fields, keys sorted as peft writes them. */
  toDict(): Record<string, unknown> {
    const d: Record<string, unknown> = { ...PEFT_EXTRA_FIELDS, ...this.extra };
    for (const [k, v] of Object.entries(this)) if (k !== 'extra') d[k] = v;
    if (this.#initMethod !== null) d.init_lora_weights = this.#initMethod;
    return Object.fromEntries(Object.keys(d).sort().map((k) => [k, d[k]]));
  }
  /** The file text (indent 2, sorted keys, as peft's save_pretrained). */
  toJSONString(): string {
    return JSON.stringify(this.toDict(), null, 2);
  }

  /** From adapter_config.json's object: a LORA config; unknown fields kept in `extra`. */
  static fromDict(d: Record<string, unknown>, source = 'adapter_config.json'): LoraConfig {
    if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new TypeError(`${source}: expected a JSON object`);
    if (d.peft_type !== undefined && d.peft_type !== 'LORA') throw new TypeError(`${source}: peft_type is ${JSON.stringify(d.peft_type)}; tunekit loads LORA adapters only`);
    const c = new LoraConfig();
    const known = new Set(Object.keys(c));
    const opts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(d)) {
      if (k === 'peft_type' || k === 'extra') continue;
      if (known.has(k)) opts[k] = v;
      else c.extra[k] = v;
    }
    // peft writes null for "not set" in a few fields that default to {} / false
    for (const k of ['rank_pattern', 'alpha_pattern'] as const) if (opts[k] === null) opts[k] = {};
    if (opts.use_dora === null) opts.use_dora = false;
    if (opts.lora_bias === null) opts.lora_bias = false;
    if (typeof opts.init_lora_weights === 'string' && opts.init_lora_weights !== 'gaussian') {
      // an init method (pissa, olora, loftq...) only matters when the adapter is created; loaded weights replace it
      c.#initMethod = opts.init_lora_weights;
      opts.init_lora_weights = true;
    }
    try {
      Object.assign(c, opts);
      if (Array.isArray(c.target_modules)) c.target_modules = [...new Set(c.target_modules)];
      c.validate();
    } catch (e) {
      throw new TypeError(`${source}: ${(e as Error).message}`);
    }
    return c;
  }

  /** Reads `<dir>/adapter_config.json` (a folder, or a Hub id downloaded with `opts`); errors name the file. */
  static async fromPretrained(dir: string, opts: HubOptions = {}): Promise<LoraConfig> {
    dir = await resolvePretrained(dir, { required: ['adapter_config.json'] }, splitHubOptions(opts)[0]);
    const path = `${dir}/adapter_config.json`;
    let text: string;
    try { text = await readFile(path, 'utf8'); } catch (e) {
      throw new Error(`${path}: cannot read the adapter config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    let d: unknown;
    try { d = JSON.parse(text); } catch (e) { throw new SyntaxError(`${path}: not valid JSON (${(e as Error).message})`); }
    return LoraConfig.fromDict(d as Record<string, unknown>, path);
  }
}
