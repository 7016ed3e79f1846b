// configuration.ts — GenerationConfig (transformers/generation/configuration_utils.py): the
// decoding parameters of generate(), with transformers 4.47.1's names and defaults, read from a
// checkpoint's generation_config.json (unknown keys kept) or derived from the model's config
// (from_model_config), validated (unknown keys from code are errors), and written as HF writes
// it: `json.dumps(to_diff_dict(), indent=2, sort_keys=True) + "\n"`, only the fields that differ
// from the defaults.
import { readFile, writeFile, rename, rm, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, PretrainedConfig } from '../models/index.js';
import { isFloatKey, markFloat, parsePyJson, pyDumps } from '../torch/index.js';
import { resolvePretrained, splitHubOptions, type HubOptions } from '../hub/index.js';
import {
  GENERATION_FIELDS, snakeCase, suggestion,
  type CamelCase, type GenField, type GenerationFieldName, type GenerationValues,
} from './fields.js';

/** The file name HF reads and writes. */
export const GENERATION_CONFIG_NAME = 'generation_config.json';
/** The transformers version written when a config does not carry one (the version tunekit follows). */
const DEFAULT_TRANSFORMERS_VERSION = '4.47.1';
const FIELDS = GENERATION_FIELDS as unknown as Readonly<Record<string, GenField<unknown>>>;
const NAMES = Object.keys(FIELDS);
/** Fields that HF copies from a model config into a generation config (from_model_config). */
const META = ['_from_model_config', 'transformers_version'] as const;

/** Fields given to the constructor or update(): snake_case (HF) or camelCase. */
export type GenerationConfigInit = Partial<GenerationValues>
  & Partial<{ [K in GenerationFieldName as CamelCase<K>]: GenerationValues[K] }>
  & { _from_model_config?: boolean; transformers_version?: string | null };

/** Options of the constructor. */
export interface GenerationConfigOptions {
  /** 'error' (default, values from code): an unknown key is a ConfigError; 'keep' (files): kept in `extras` and written back. */
  unknownKeys?: 'error' | 'keep';
}

const eq = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const copy = <T>(v: T): T => (Array.isArray(v) ? (v.map((x) => (Array.isArray(x) ? [...x] : x)) as T) : v);

export interface GenerationConfig extends GenerationValues {}

/**
 * transformers' GenerationConfig: every field of 4.47.1 with its default (max_length 20,
 * top_k 50, temperature 1.0, num_beams 1, ...), readable as `cfg.max_new_tokens`.
 * @example
 * const cfg = new GenerationConfig({ max_new_tokens: 64, do_sample: true, top_p: 0.9 });
 * const fromFile = await GenerationConfig.fromPretrained(dir); // generation_config.json
 * await cfg.savePretrained(outDir);
 */
export class GenerationConfig {
  /** True when derived from a model config (HF writes it into the file). */
  _from_model_config = false;
  /** The transformers version of the file this came from (written back; 4.47.1 otherwise). */
  transformers_version: string | null = null;
  /** Keys of a generation_config.json that are not fields (kept, written back). */
  readonly extras: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  /** Fields given explicitly (constructor, update, file): they win when configs are merged. */
  readonly #explicit = new Set<string>();
  /** Float fields whose file value was an integer literal (written back as integers). */
  readonly #intLiterals = new Set<string>();

  constructor(init: GenerationConfigInit = {}, opts: GenerationConfigOptions = {}) {
    const self = this as unknown as Record<string, unknown>;
    for (const k of NAMES) self[k] = copy(FIELDS[k]!.default);
    if (init === null || typeof init !== 'object' || Array.isArray(init)) throw new ConfigError(`GenerationConfig: expected an object of fields, got ${String(init)}`);
    this.#assign(init as Record<string, unknown>, opts.unknownKeys ?? 'error');
    this.validate();
  }

  /** Sets fields (parsing each); returns the keys that are not fields. */
  #assign(init: Record<string, unknown>, unknown: 'error' | 'keep' | 'return'): Record<string, unknown> {
    const self = this as unknown as Record<string, unknown>;
    const rest: Record<string, unknown> = {};
    const fromFile = unknown === 'keep';
    for (const [raw, v] of Object.entries(init)) {
      if (v === undefined) continue;
      const k = fromFile ? raw : snakeCase(raw);
      if (!fromFile && k !== raw && Object.hasOwn(init, k)) throw new ConfigError(`GenerationConfig: '${raw}' and '${k}' are the same field; give one`);
      if (k === '_from_model_config') { this._from_model_config = v === true; continue; }
      if (k === 'transformers_version') {
        if (v !== null && typeof v !== 'string') throw new ConfigError(`GenerationConfig.transformers_version must be a string, got ${String(v)}`);
        this.transformers_version = v as string | null;
        continue;
      }
      if (k === '_commit_hash' && fromFile) continue; // HF drops it
      const f = Object.hasOwn(FIELDS, k) ? FIELDS[k] : undefined;
      if (f) {
        self[k] = f.parse(v, `GenerationConfig.${k}`);
        this.#explicit.add(k);
        if (f.float && fromFile && typeof v === 'number' && !isFloatKey(init, raw)) this.#intLiterals.add(k);
        else this.#intLiterals.delete(k);
      } else if (unknown === 'keep') {
        this.extras[raw] = v;
        if (isFloatKey(init, raw)) markFloat(this.extras, raw);
      } else if (unknown === 'return') {
        rest[raw] = v;
      } else {
        throw new ConfigError(`GenerationConfig: unknown field '${raw}'${suggestion(k, NAMES)}`);
      }
    }
    return rest;
  }

  /**
   * Sets the given fields (HF `update`), validates, and returns the keys that are not fields
   * (HF returns them as model kwargs).
   */
  update(kwargs: Record<string, unknown>): Record<string, unknown> {
    const rest = this.#assign(kwargs, 'return');
    this.validate();
    return rest;
  }

  /** Fields set explicitly or differing from their defaults: what wins when configs are merged. */
  explicitFields(): GenerationFieldName[] {
    const self = this as unknown as Record<string, unknown>;
    return NAMES.filter((k) => this.#explicit.has(k) || !eq(self[k], FIELDS[k]!.default)) as GenerationFieldName[];
  }

  /**
   * Checks every field's type and range, and the rules across fields (HF validate): early_stopping,
   * num_return_sequences against num_beams, greedy with several return sequences, the
   * temperature when sampling. Throws a ConfigError naming the fields and values.
   */
  validate(): void {
    const self = this as unknown as Record<string, unknown>;
    for (const k of NAMES) FIELDS[k]!.parse(self[k], `GenerationConfig.${k}`); // direct assignments too
    if (this.num_return_sequences > 1) {
      if (this.num_beams === 1 && !this.do_sample)
        throw new ConfigError(`GenerationConfig: greedy decoding (do_sample false, num_beams 1) returns one sequence per prompt; num_return_sequences is ${this.num_return_sequences}. Set do_sample: true or num_beams >= ${this.num_return_sequences}`);
      if (this.num_beams > 1 && this.num_return_sequences > this.num_beams)
        throw new ConfigError(`GenerationConfig: num_return_sequences (${this.num_return_sequences}) has to be smaller or equal to num_beams (${this.num_beams})`);
    }
    if (this.do_sample && this.temperature <= 0)
      throw new ConfigError(`GenerationConfig.temperature must be > 0 when sampling (do_sample true), got ${this.temperature}; for greedy decoding set do_sample: false`);
    if (this.max_new_tokens !== null && this.max_new_tokens <= 0)
      throw new ConfigError(`GenerationConfig.max_new_tokens must be > 0, got ${this.max_new_tokens}`);
  }

  /** A deep copy (explicit fields and number formats included). */
  clone(): GenerationConfig {
    const c = new GenerationConfig();
    const src = this as unknown as Record<string, unknown>, dst = c as unknown as Record<string, unknown>;
    for (const k of NAMES) dst[k] = structuredClone(src[k]);
    for (const k of this.#explicit) c.#explicit.add(k);
    for (const k of this.#intLiterals) c.#intLiterals.add(k);
    c._from_model_config = this._from_model_config;
    c.transformers_version = this.transformers_version;
    for (const [k, v] of Object.entries(this.extras)) {
      c.extras[k] = v;
      if (isFloatKey(this.extras, k)) markFloat(c.extras, k);
    }
    return c;
  }

  /** Every field (HF to_dict), the metadata and the extras; float fields marked for pyDumps. */
  toDict(): Record<string, unknown> {
    const self = this as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of NAMES) {
      out[k] = self[k];
      if (FIELDS[k]!.float && typeof self[k] === 'number' && !this.#intLiterals.has(k)) markFloat(out, k);
    }
    out._from_model_config = this._from_model_config;
    out.transformers_version = this.transformers_version ?? DEFAULT_TRANSFORMERS_VERSION;
    for (const [k, v] of Object.entries(this.extras)) {
      out[k] = v;
      if (isFloatKey(this.extras, k)) markFloat(out, k);
    }
    return out;
  }

  /** HF to_diff_dict: fields that differ from a default GenerationConfig, transformers_version, extras. */
  toDiffDict(): Record<string, unknown> {
    const full = this.toDict();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(full)) {
      const isField = Object.hasOwn(FIELDS, k);
      if (isField && eq(v, FIELDS[k]!.default)) continue;
      if (k === '_from_model_config' && v === false) continue;
      out[k] = v;
      if (isFloatKey(full, k)) markFloat(out, k);
    }
    return out;
  }

  /** generation_config.json text: `json.dumps(d, indent=2, sort_keys=True) + "\n"`. */
  toJsonString(useDiff = true): string {
    return pyDumps(useDiff ? this.toDiffDict() : this.toDict()) + '\n';
  }

  /** Writes `dir/generation_config.json` (or `configFileName`) atomically, after validating. */
  async savePretrained(dir: string, opts: { configFileName?: string } = {}): Promise<string> {
    this.validate();
    await mkdir(dir, { recursive: true });
    const path = join(dir, opts.configFileName ?? GENERATION_CONFIG_NAME);
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    try {
      await writeFile(tmp, this.toJsonString(), 'utf8');
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return path;
  }

  /** A config from a parsed generation_config.json (unknown keys kept). */
  static fromDict(dict: Record<string, unknown>, file = 'generation_config.json'): GenerationConfig {
    if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) throw new ConfigError(`${file}: expected a JSON object`);
    try {
      return new GenerationConfig(dict as GenerationConfigInit, { unknownKeys: 'keep' });
    } catch (e) {
      if (e instanceof ConfigError && !e.message.startsWith(file)) throw new ConfigError(`${file}: ${e.message}`);
      throw e;
    }
  }

  /**
   * Reads `generation_config.json` from a checkpoint folder (or the given .json file, or a Hub id
   * downloaded with the Hub options).
   * @throws ConfigError when the file is missing or invalid
   */
  static async fromPretrained(path: string, opts: { configFileName?: string } & HubOptions = {}): Promise<GenerationConfig> {
    path = await resolvePretrained(path, { required: [opts.configFileName ?? GENERATION_CONFIG_NAME] }, splitHubOptions(opts)[0]);
    let file = path;
    try {
      if ((await stat(path)).isDirectory()) file = join(path, opts.configFileName ?? GENERATION_CONFIG_NAME);
    } catch (e) {
      throw new ConfigError(`no generation config at ${path}: ${(e as Error).message}`);
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
    }
    return GenerationConfig.fromDict(parsePyJson(text, file) as Record<string, unknown>, file);
  }

  /**
   * HF from_model_config: the generation fields a model config carries (its special token ids,
   * use_cache, legacy generation keys such as max_length), null values left out, marked
   * `_from_model_config`. A `decoder` / `generator` / `text_config` sub-config fills fields
   * still at their defaults. Unknown keys are ignored.
   */
  static fromModelConfig(config: PretrainedConfig | Record<string, unknown>): GenerationConfig {
    const dict = config instanceof PretrainedConfig ? config.toDict() : config;
    const pick = (d: Record<string, unknown>): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const k of NAMES) {
        if (!Object.hasOwn(d, k) || d[k] === null || d[k] === undefined) continue;
        out[k] = d[k];
        if (isFloatKey(d, k)) markFloat(out, k);
      }
      return out;
    };
    const g = new GenerationConfig(pick(dict) as GenerationConfigInit, { unknownKeys: 'keep' });
    for (const sub of ['decoder', 'generator', 'text_config']) {
      const s = dict[sub];
      if (!s || typeof s !== 'object' || Array.isArray(s)) continue;
      const unset = Object.fromEntries(Object.entries(pick(s as Record<string, unknown>))
        .filter(([k]) => eq((g as unknown as Record<string, unknown>)[k], FIELDS[k]!.default)));
      g.#assign(unset, 'keep');
    }
    g._from_model_config = true;
    g.validate();
    return g;
  }
}

/** Names of GenerationConfig's fields and metadata, for option checks. */
export const GENERATION_CONFIG_KEYS: readonly string[] = [...NAMES, ...META];
