// fields.ts — the fields of transformers' GenerationConfig (generation/configuration_utils.py,
// 4.47.1 names and defaults): one table of default + parser per field, from which the config's
// TypeScript type is inferred. Parsers name the field and the bad value. Fields that tunekit's
// generate() does not implement are still known (a checkpoint's file may carry them); generate()
// refuses them only when set to something other than their default (see UNSUPPORTED).
import { ConfigError } from '../models/index.js';

/** One field: its default, its parser, and whether Python writes it as a float. */
export interface GenField<T> {
  readonly default: T;
  readonly float: boolean;
  parse(v: unknown, where: string): T;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    const s = JSON.stringify(v);
    if (s === undefined) return String(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}
const bad = (where: string, want: string, v: unknown): never => {
  throw new ConfigError(`${where} must be ${want}, got ${show(v)}`);
};
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function field<T>(def: T, parse: (v: unknown, where: string) => T, float = false): GenField<T> {
  return Object.freeze({ default: def, float, parse });
}
function orNull<T>(f: GenField<T>): GenField<T | null> {
  return field<T | null>(null, (v, w) => (v === null ? null : f.parse(v, w)), f.float);
}
const int = (def: number, min: number, why = `an integer >= ${min}`): GenField<number> =>
  field(def, (v, w) => (isInt(v) && v >= min ? v : bad(w, why, v)));
const num = (def: number, ok: (x: number) => boolean, why: string): GenField<number> =>
  field(def, (v, w) => (isNum(v) && ok(v) ? v : bad(w, why, v)), true);
const bool = (def: boolean): GenField<boolean> => field(def, (v, w) => (typeof v === 'boolean' ? v : bad(w, 'true or false', v)));
const intList = (where: string, v: unknown): number[] =>
  Array.isArray(v) && v.every(isInt) ? [...(v as number[])] : bad(where, 'a list of integers', v);
/** An id or a list of ids (eos_token_id: [128001, 128009]). */
const ids = field<number | number[] | null>(null, (v, w) => {
  if (v === null || isInt(v)) return v;
  if (!Array.isArray(v) || v.length === 0 || !v.every(isInt)) return bad(w, 'an integer, a non-empty list of integers or null', v);
  return [...(v as number[])];
});
const tokenId = orNull(int(0, 0, 'a token id (an integer >= 0)'));
/** Any JSON value (fields tunekit only carries). */
const anyValue = <T>(def: T): GenField<T> => field(def, (v) => v as T);

/** The fields of GenerationConfig, in transformers' order, with 4.47.1's defaults. */
export const GENERATION_FIELDS = {
  // length
  max_length: int(20, 1),
  max_new_tokens: orNull(int(1, 1, 'an integer > 0')),
  min_length: int(0, 0),
  min_new_tokens: orNull(int(0, 0)),
  early_stopping: field<boolean | 'never'>(false, (v, w) => (typeof v === 'boolean' || v === 'never' ? v : bad(w, "true, false or 'never'", v))),
  max_time: orNull(num(0, (x) => x > 0, 'a number of seconds > 0')),
  stop_strings: field<string | string[] | null>(null, (v, w) => {
    if (v === null) return null;
    if (typeof v === 'string' && v.length > 0) return v;
    if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0)) return [...(v as string[])];
    return bad(w, 'a non-empty string or a non-empty list of non-empty strings', v);
  }),
  // strategy
  do_sample: bool(false),
  num_beams: int(1, 1),
  num_beam_groups: int(1, 1),
  penalty_alpha: orNull(num(0, (x) => x >= 0, 'a number >= 0')),
  dola_layers: anyValue<unknown>(null),
  // cache
  use_cache: bool(true),
  cache_implementation: field<string | null>(null, (v, w) => (v === null || typeof v === 'string' ? v : bad(w, 'a string or null', v))),
  cache_config: anyValue<unknown>(null),
  return_legacy_cache: bool(true),
  // logits manipulation
  temperature: num(1.0, () => true, 'a finite number'),
  top_k: int(50, 0),
  top_p: num(1.0, (x) => x > 0 && x <= 1, 'a number in (0, 1]'),
  min_p: orNull(num(0, (x) => x >= 0 && x <= 1, 'a number in [0, 1]')),
  typical_p: num(1.0, (x) => x > 0 && x <= 1, 'a number in (0, 1]'),
  epsilon_cutoff: num(0.0, (x) => x >= 0 && x < 1, 'a number in [0, 1)'),
  eta_cutoff: num(0.0, (x) => x >= 0 && x < 1, 'a number in [0, 1)'),
  diversity_penalty: num(0.0, () => true, 'a finite number'),
  repetition_penalty: num(1.0, (x) => x > 0, 'a number > 0'),
  encoder_repetition_penalty: num(1.0, (x) => x > 0, 'a number > 0'),
  length_penalty: num(1.0, () => true, 'a finite number'),
  no_repeat_ngram_size: int(0, 0),
  bad_words_ids: field<number[][] | null>(null, (v, w) => {
    if (v === null) return null;
    const ok = Array.isArray(v) && v.length > 0 && v.every((s) => Array.isArray(s) && s.length > 0 && s.every((x) => isInt(x) && x >= 0));
    return ok ? (v as number[][]).map((s) => [...s]) : bad(w, 'a non-empty list of non-empty lists of token ids', v);
  }),
  force_words_ids: anyValue<unknown>(null),
  renormalize_logits: bool(false),
  constraints: anyValue<unknown>(null),
  forced_bos_token_id: tokenId,
  forced_eos_token_id: ids,
  remove_invalid_values: bool(false),
  exponential_decay_length_penalty: anyValue<unknown>(null),
  suppress_tokens: field<number[] | null>(null, (v, w) => (v === null ? null : intList(w, v))),
  begin_suppress_tokens: field<number[] | null>(null, (v, w) => (v === null ? null : intList(w, v))),
  forced_decoder_ids: anyValue<unknown>(null),
  sequence_bias: anyValue<unknown>(null),
  token_healing: bool(false),
  guidance_scale: anyValue<unknown>(null),
  low_memory: anyValue<unknown>(null),
  watermarking_config: anyValue<unknown>(null),
  // outputs
  num_return_sequences: int(1, 1),
  output_attentions: bool(false),
  output_hidden_states: bool(false),
  output_scores: bool(false),
  output_logits: orNull(bool(false)),
  return_dict_in_generate: bool(false),
  // special tokens
  pad_token_id: orNull(int(0, Number.MIN_SAFE_INTEGER, 'an integer')),
  bos_token_id: orNull(int(0, Number.MIN_SAFE_INTEGER, 'an integer')),
  eos_token_id: ids,
  // encoder-decoder
  encoder_no_repeat_ngram_size: int(0, 0),
  decoder_start_token_id: ids,
  // assisted generation
  is_assistant: bool(false),
  num_assistant_tokens: int(20, 0),
  num_assistant_tokens_schedule: field<string>('constant', (v, w) => (typeof v === 'string' ? v : bad(w, 'a string', v))),
  assistant_confidence_threshold: num(0.4, () => true, 'a finite number'),
  prompt_lookup_num_tokens: anyValue<unknown>(null),
  max_matching_ngram_size: anyValue<unknown>(null),
  assistant_early_exit: anyValue<unknown>(null),
  assistant_lookbehind: int(10, 0),
  target_lookbehind: int(10, 0),
  // performance
  compile_config: anyValue<unknown>(null),
  disable_compile: bool(false),
  generation_kwargs: field<Record<string, unknown>>({}, (v, w) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(w, 'an object', v))),
} as const;

export type GenerationFields = typeof GENERATION_FIELDS;
export type GenerationFieldName = keyof GenerationFields;
/** The value types of the fields: `{ max_length: number, eos_token_id: number | number[] | null, ... }`. */
export type GenerationValues = { -readonly [K in GenerationFieldName]: GenerationFields[K] extends GenField<infer T> ? T : never };

/**
 * Known fields tunekit's generate() does not implement: generate() throws when one differs from
 * its default (a file may still carry them at their defaults).
 */
export const UNSUPPORTED: readonly GenerationFieldName[] = [
  'penalty_alpha', 'dola_layers', 'cache_config', 'diversity_penalty', 'encoder_repetition_penalty', 'force_words_ids',
  'constraints', 'exponential_decay_length_penalty', 'forced_decoder_ids', 'sequence_bias', 'token_healing', 'guidance_scale',
  'low_memory', 'watermarking_config', 'output_attentions', 'output_hidden_states', 'encoder_no_repeat_ngram_size',
  'prompt_lookup_num_tokens', 'assistant_early_exit', 'compile_config',
];

/** snake_case of a camelCase option name (`maxNewTokens` -> `max_new_tokens`); snake names pass through. */
export function snakeCase(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
/** camelCase of a snake_case name (`max_new_tokens` -> `maxNewTokens`), as a type. */
export type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}
/** The known name closest to `name` (edit distance at most a third of its length, min 2), or null. */
export function closest(name: string, known: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const dd = distance(name.toLowerCase(), k.toLowerCase());
    if (dd < bestD) { bestD = dd; best = k; }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}
/** " (did you mean 'x'?)" or "". */
export function suggestion(name: string, known: Iterable<string>): string {
  const c = closest(name, known);
  return c ? ` (did you mean '${c}'?)` : '';
}
