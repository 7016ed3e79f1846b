// pretrained.ts — PretrainedConfig: the fields every HF config has (labels, special token ids,
// problem_type, torch_dtype, ...) plus each architecture's typed fields, read from and written
// to config.json as transformers' configuration_utils.py does (to_diff_dict, sorted keys).
// Keys of a config.json that no field models are kept verbatim and written back; keys passed
// from code must be known.
import { readFile, writeFile, rename, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError, show, bool, int, intOrNull, oneOfOrNull, strListOrNull, strOrNull,
  type Field, type Fields, type FieldValues,
} from './fields.js';
import { isFloatKey, markFloat, parsePyJson, pyDumps } from '../../torch/index.js';
import { CONFIG_FILES, resolvePretrained, splitHubOptions, type HubOptions } from '../../hub/index.js';

/** HF's `problem_type` values (sequence classification loss). */
export const PROBLEM_TYPES = ['regression', 'single_label_classification', 'multi_label_classification'] as const;
export type ProblemType = (typeof PROBLEM_TYPES)[number];

/** `torch_dtype` strings tunekit can load. */
export const TORCH_DTYPES = ['float32', 'float16', 'bfloat16', 'float64'] as const;
export type TorchDtype = (typeof TORCH_DTYPES)[number];

/** A token id, or a list of them (`eos_token_id: [128001, 128009]`), or null. */
const tokenIds = (def: number | number[] | null): Field<number | number[] | null> => Object.freeze({
  default: def,
  float: false,
  parse(v: unknown, where: string): number | number[] | null {
    if (v === null) return null;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x))) return [...(v as number[])];
    throw new ConfigError(`${where} must be an integer, a list of integers or null, got ${show(v)}`);
  },
});

/** Fields of transformers' PretrainedConfig that tunekit reads (others stay in `extras`). */
export const COMMON_FIELDS = {
  architectures: strListOrNull(null),
  finetuning_task: strOrNull(null),
  problem_type: oneOfOrNull(PROBLEM_TYPES, null),
  pad_token_id: intOrNull(null),
  bos_token_id: intOrNull(null),
  eos_token_id: tokenIds(null),
  sep_token_id: intOrNull(null),
  decoder_start_token_id: intOrNull(null),
  torch_dtype: oneOfOrNull(TORCH_DTYPES, null),
  transformers_version: strOrNull(null),
  tie_word_embeddings: bool(true),
  is_decoder: bool(false),
  add_cross_attention: bool(false),
  is_encoder_decoder: bool(false),
  chunk_size_feed_forward: int(0, { min: 0 }),
  output_hidden_states: bool(false),
  output_attentions: bool(false),
  return_dict: bool(true),
  tokenizer_class: strOrNull(null),
  prefix: strOrNull(null),
} as const satisfies Fields;
export type CommonValues = FieldValues<typeof COMMON_FIELDS>;

/** Label maps and count, accepted by every config. */
export interface LabelInit {
  /** Number of labels (HF `num_labels`): without id2label, makes `LABEL_0..LABEL_{n-1}`. */
  num_labels?: number;
  /** Class index -> name (JSON keys are strings; numbers accepted). */
  id2label?: Record<number | string, string>;
  /** Name -> class index. */
  label2id?: Record<string, number>;
}
/** What a config constructor accepts from code: its fields (HF names), common fields, labels. */
export type ConfigInit<F extends Fields> = Partial<FieldValues<F> & CommonValues> & LabelInit;

/** The static side of a config class (what the registry and loaders need). */
export interface ConfigClass<C extends PretrainedConfig = PretrainedConfig> {
  new (init?: never, opts?: ConfigOptions): C;
  readonly name: string;
  readonly modelType: string;
  readonly fields: Fields;
  readonly commonDefaults: Partial<CommonValues>;
  readonly attributeMap: Readonly<Record<string, string>>;
}
/** How a constructor treats keys it does not know. */
export interface ConfigOptions {
  /** 'error' (default, for options from code) or 'keep' (config.json: kept verbatim in `extras`). */
  unknownKeys?: 'error' | 'keep';
  /**
   * label2id must be the inverse of id2label (default: true with unknownKeys 'error').  A
   * config.json's label2id is only type-checked: hub checkpoints often carry a stale one.
   */
  strictLabels?: boolean;
}

const DEFAULT_TRANSFORMERS_VERSION = '4.47.1';
const LABEL_KEYS = new Set(['num_labels', 'id2label', 'label2id']);

function defaultId2label(n: number): Record<number, string> {
  const out = Object.create(null) as Record<number, string>;
  for (let i = 0; i < n; i++) out[i] = `LABEL_${i}`;
  return out;
}
function invert(id2label: Record<number, string>): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const [k, v] of Object.entries(id2label)) out[v] = Number(k);
  return out;
}
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface PretrainedConfig extends CommonValues {}

/**
 * Base of every model config (transformers' PretrainedConfig).  Subclasses declare
 * `static modelType` and `static fields` (HF names, defaults, ranges) and may add
 * cross-field rules in `checkRules()`.  Fields are plain properties with HF's spelling
 * (`config.hidden_size`); `extras` holds config.json keys no field models.
 * @example
 *   const cfg = new BertConfig({ hidden_size: 64, num_attention_heads: 4, num_labels: 3 });
 *   await cfg.savePretrained('out');   // config.json, as transformers writes it
 */
export abstract class PretrainedConfig {
  /** HF `model_type` (the registry key). */
  static readonly modelType: string = '';
  /** The architecture's own fields. */
  static readonly fields: Fields = {};
  /** Defaults of common fields that differ from PretrainedConfig's (BERT: pad_token_id 0). */
  static readonly commonDefaults: Partial<CommonValues> = {};
  /** HF attribute_map: alias -> field (DistilBERT: hidden_size -> dim). */
  static readonly attributeMap: Readonly<Record<string, string>> = {};

  /** Class index -> label name. */
  id2label: Record<number, string> = defaultId2label(2);
  /** Label name -> class index. */
  label2id: Record<string, number> = invert(defaultId2label(2));
  /** config.json keys that no field models, kept verbatim (written back on save). */
  readonly extras: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

  constructor(init: object = {}, opts: ConfigOptions = {}) {
    const cls = this.constructor as ConfigClass;
    const self = this as unknown as Record<string, unknown>;
    const all: Record<string, Field<unknown>> = { ...COMMON_FIELDS, ...cls.fields };
    for (const [k, f] of Object.entries(all)) {
      const d = k in cls.commonDefaults ? (cls.commonDefaults as Record<string, unknown>)[k] : f.default;
      self[k] = Array.isArray(d) ? [...d] : d;
    }
    if (!isRecord(init)) throw new ConfigError(`${cls.name}: expected an object of fields, got ${show(init)}`);
    const keep = opts.unknownKeys === 'keep';
    for (const [rawKey, v] of Object.entries(init)) {
      if (v === undefined) continue;
      const key = cls.attributeMap[rawKey] ?? rawKey;
      if (key === 'model_type') {
        if (v !== cls.modelType && cls.modelType) throw new ConfigError(`${cls.name}: model_type is '${cls.modelType}', got ${show(v)} (use AutoConfig for other architectures)`);
        continue;
      }
      if (LABEL_KEYS.has(key)) continue;
      const f = Object.hasOwn(all, key) ? all[key] : undefined;
      if (f) self[key] = f.parse(v, `${cls.name}.${key}`);
      else if (keep) {
        this.extras[rawKey] = v;
        if (isFloatKey(init, rawKey)) markFloat(this.extras, rawKey);
      }
      else throw new ConfigError(`${cls.name}: unknown field '${rawKey}' (known: ${[...Object.keys(all), ...LABEL_KEYS].sort().join(', ')})`);
    }
    this.setLabels(init as LabelInit, opts.strictLabels ?? !keep);
    this.validate();
  }

  /** HF `model_type`. */
  get model_type(): string { return (this.constructor as ConfigClass).modelType; }

  /** Number of labels = size of id2label. */
  get num_labels(): number { return Object.keys(this.id2label).length; }
  /** As HF: a different count resets the maps to LABEL_0..LABEL_{n-1}. */
  set num_labels(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${this.constructor.name}.num_labels must be an integer >= 1, got ${show(n)}`);
    if (n !== this.num_labels) {
      this.id2label = defaultId2label(n);
      this.label2id = invert(this.id2label);
    }
  }

  /** Applies num_labels / id2label / label2id (see ConfigOptions.strictLabels). */
  private setLabels(init: LabelInit, strict: boolean): void {
    const who = this.constructor.name;
    const { num_labels: n, id2label, label2id } = init;
    if (id2label !== undefined && id2label !== null) {
      if (!isRecord(id2label)) throw new ConfigError(`${who}.id2label must be an object {index: name}, got ${show(id2label)}`);
      const entries = Object.entries(id2label);
      const map = Object.create(null) as Record<number, string>;
      for (const [k, v] of entries) {
        if (!/^(0|[1-9]\d*)$/.test(k) || Number(k) >= entries.length) throw new ConfigError(`${who}.id2label keys must be the indices 0..${entries.length - 1}, got key ${show(k)}`);
        if (typeof v !== 'string') throw new ConfigError(`${who}.id2label[${k}] must be a string, got ${show(v)}`);
        map[Number(k)] = v;
      }
      if (entries.length === 0) throw new ConfigError(`${who}.id2label must not be empty`);
      if (n !== undefined && n !== entries.length)
        throw new ConfigError(`${who}: num_labels=${show(n)} is inconsistent with id2label, which has ${entries.length} entries`);
      this.id2label = map;
      this.label2id = invert(map);
    } else if (n !== undefined) {
      this.num_labels = n;
    }
    if (label2id !== undefined && label2id !== null) {
      if (!isRecord(label2id)) throw new ConfigError(`${who}.label2id must be an object {name: index}, got ${show(label2id)}`);
      const map = Object.create(null) as Record<string, number>;
      for (const [k, v] of Object.entries(label2id)) {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(`${who}.label2id[${show(k)}] must be an integer >= 0, got ${show(v)}`);
        map[k] = v;
      }
      if (strict) {
        const want = this.id2label;
        const ok = Object.keys(map).length === Object.keys(want).length && Object.entries(map).every(([k, v]) => want[v] === k);
        if (!ok) throw new ConfigError(`${who}: label2id ${show(label2id)} is not the inverse of id2label ${show(want)}`);
      }
      this.label2id = map;
    }
  }

  /** Checks every cross-field rule; throws ConfigError naming the fields and values. */
  validate(): void {
    this.checkRules();
  }
  /** Cross-field rules of the architecture (override; call super). */
  protected checkRules(): void {
    const who = this.constructor.name;
    if (this.is_decoder || this.add_cross_attention)
      throw new ConfigError(`${who}: is_decoder / add_cross_attention (decoder use of an encoder) is not supported, got is_decoder=${this.is_decoder}, add_cross_attention=${this.add_cross_attention}`);
  }

  /**
   * Sets fields from code (HF names, or numLabels-style label keys); unknown names are errors.
   * The config is validated afterwards and left unchanged if anything fails.
   */
  update(values: Record<string, unknown>): this {
    const cls = this.constructor as ConfigClass & (new (init: Record<string, unknown>, o?: ConfigOptions) => PretrainedConfig);
    const merged: Record<string, unknown> = { ...this.toDict(false), ...values };
    // As HF's num_labels setter: a different count resets the label maps, the same count keeps them.
    if ('num_labels' in values && !('id2label' in values) && values.num_labels !== this.num_labels) { delete merged.id2label; delete merged.label2id; }
    if ('num_labels' in values && !('id2label' in values) && values.num_labels === this.num_labels) delete merged.num_labels;
    if ('id2label' in values && !('label2id' in values)) delete merged.label2id;
    // Extras were accepted once; new unknown keys are not.
    const unknown = Object.keys(values).filter((k) => !this.isKnownKey(k));
    if (unknown.length) throw new ConfigError(`${cls.name}: unknown field(s) ${unknown.map((k) => `'${k}'`).join(', ')}`);
    const fresh = new cls(merged, { unknownKeys: 'keep', strictLabels: 'label2id' in values });
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(fresh)) if (k !== 'extras') self[k] = v;
    return this;
  }
  private isKnownKey(k: string): boolean {
    const cls = this.constructor as ConfigClass;
    const key = cls.attributeMap[k] ?? k;
    return Object.hasOwn(COMMON_FIELDS, key) || Object.hasOwn(cls.fields, key) || LABEL_KEYS.has(key);
  }

  /** A deep copy. */
  clone(): this {
    const cls = this.constructor as unknown as new (init: Record<string, unknown>, o?: ConfigOptions) => this;
    return new cls(this.toDict(false), { unknownKeys: 'keep' });
  }

  /**
   * Every field (defaults included), labels with string keys, extras and model_type, as HF's
   * to_dict.  Float fields are marked so pyDumps writes them as floats.
   */
  toDict(markFloats = true): Record<string, unknown> {
    const cls = this.constructor as ConfigClass;
    const self = this as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.extras)) {
      out[k] = v;
      if (isFloatKey(this.extras, k)) markFloat(out, k);
    }
    const all: Record<string, Field<unknown>> = { ...COMMON_FIELDS, ...cls.fields };
    for (const [k, f] of Object.entries(all)) {
      out[k] = self[k];
      if (markFloats && f.float) markFloat(out, k);
    }
    out.id2label = Object.fromEntries(Object.entries(this.id2label).map(([k, v]) => [String(k), v]));
    out.label2id = { ...this.label2id };
    out.model_type = cls.modelType;
    return out;
  }

  /**
   * HF's to_diff_dict: the architecture's fields and extras always; common fields only where
   * they differ from PretrainedConfig's defaults; model_type and transformers_version always.
   */
  toDiffDict(): Record<string, unknown> {
    const cls = this.constructor as ConfigClass;
    const full = this.toDict();
    const out: Record<string, unknown> = {};
    const eq = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    for (const [k, v] of Object.entries(full)) {
      if (Object.hasOwn(COMMON_FIELDS, k) && !Object.hasOwn(cls.fields, k) && k !== 'transformers_version') {
        const base = (COMMON_FIELDS as Fields)[k]!.default;
        const own = Object.hasOwn(cls.commonDefaults, k) ? (cls.commonDefaults as Record<string, unknown>)[k] : base;
        if (eq(v, base) && eq(v, own)) continue; // HF: kept if it differs from PretrainedConfig's or the class's default
      }
      if (k === 'id2label' && eq(v, { 0: 'LABEL_0', 1: 'LABEL_1' })) continue;
      if (k === 'label2id' && eq(v, { LABEL_0: 0, LABEL_1: 1 })) continue;
      out[k] = v;
      if (Object.hasOwn(cls.fields, k) ? cls.fields[k]!.float : false) markFloat(out, k);
    }
    out.transformers_version = this.transformers_version ?? DEFAULT_TRANSFORMERS_VERSION;
    for (const [k, v] of Object.entries(this.extras)) {
      out[k] = v;
      if (isFloatKey(this.extras, k)) markFloat(out, k);
    }
    return out;
  }

  /** config.json text: `json.dumps(to_diff_dict(), indent=2, sort_keys=True) + "\n"`. */
  toJsonString(useDiff = true): string {
    return pyDumps(useDiff ? this.toDiffDict() : this.toDict()) + '\n';
  }

  /** Writes `dir/config.json` atomically (a temp file renamed into place). */
  async savePretrained(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeTextAtomic(join(dir, 'config.json'), this.toJsonString());
  }

  /**
   * A config from a parsed config.json: unknown keys are kept in `extras`; a `model_type` of
   * another architecture is an error.
   */
  static fromDict<C extends PretrainedConfig>(this: new (init: Record<string, unknown>, o?: ConfigOptions) => C, dict: Record<string, unknown>): C {
    return new this(dict, { unknownKeys: 'keep' });
  }

  /** Reads `config.json` from a folder (or the given .json file, or a Hub id downloaded with `opts`). */
  static async fromPretrained<C extends PretrainedConfig>(this: new (init: Record<string, unknown>, o?: ConfigOptions) => C, path: string, opts: HubOptions = {}): Promise<C> {
    const dict = await readConfigDict(await resolvePretrained(path, CONFIG_FILES, splitHubOptions(opts)[0]));
    return new this(dict, { unknownKeys: 'keep' });
  }
}

/** The parsed config.json of a folder (or a .json path), checked to be an object. */
export async function readConfigDict(path: string): Promise<Record<string, unknown>> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'config.json');
  } catch (e) {
    throw new ConfigError(`no config at ${path}: ${(e as Error).message}`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const dict = parsePyJson(text, file);
  if (!isRecord(dict)) throw new ConfigError(`${file}: expected a JSON object, got ${show(dict)}`);
  return dict;
}

/** Writes text to `path` through a temp file in the same folder and a rename. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
