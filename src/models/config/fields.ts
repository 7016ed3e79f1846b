// fields.ts — typed, validated config fields.  A config class lists its fields once, with HF's
// names and defaults; the TypeScript type of the config is inferred from that list, and every
// value (from config.json or from code) goes through the field's parser, which names the field
// and the bad value in its error.

/** A config value failed validation: the message names the config class, the field and the value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** One field: default, parser (throws ConfigError), and whether JSON writes it as a Python float. */
export interface Field<T> {
  readonly default: T;
  /** Written as a Python float (`0.0`, `1e-12`) in config.json. */
  readonly float: boolean;
  /** Validates a JSON / code value; `where` is e.g. `BertConfig.hidden_size`. */
  parse(value: unknown, where: string): T;
}
/** A record of fields, as each config class declares. */
export type Fields = Readonly<Record<string, Field<unknown>>>;
/** The value types of a field record: `{ hidden_size: number, ... }`. */
export type FieldValues<F extends Fields> = { -readonly [K in keyof F]: F[K] extends Field<infer T> ? T : never };

/** How a bad value appears in an error. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}
function bad(where: string, want: string, v: unknown): never {
  throw new ConfigError(`${where} must be ${want}, got ${show(v)}`);
}

interface Range { min?: number; max?: number; /** min is exclusive */ gt?: number }
function rangeText(r: Range): string {
  const parts: string[] = [];
  if (r.gt !== undefined) parts.push(`> ${r.gt}`);
  if (r.min !== undefined) parts.push(`>= ${r.min}`);
  if (r.max !== undefined) parts.push(`<= ${r.max}`);
  return parts.join(' and ');
}
function inRange(v: number, r: Range): boolean {
  return (r.gt === undefined || v > r.gt) && (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max);
}

function make<T>(def: T, float: boolean, parse: (v: unknown, where: string) => T): Field<T> {
  return Object.freeze({ default: def, float, parse });
}
function nullable<T>(f: (v: unknown, where: string) => T): (v: unknown, where: string) => T | null {
  return (v, where) => (v === null ? null : f(v, where));
}

function parseInt_(r: Range): (v: unknown, where: string) => number {
  return (v, where) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || !inRange(v, r)) bad(where, `an integer${rangeText(r) ? ' ' + rangeText(r) : ''}`, v);
    return v;
  };
}
function parseFloat_(r: Range): (v: unknown, where: string) => number {
  return (v, where) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || !inRange(v, r)) bad(where, `a number${rangeText(r) ? ' ' + rangeText(r) : ''}`, v);
    return v;
  };
}

/** An integer field (optionally bounded). */
export const int = (def: number, r: Range = {}): Field<number> => make(def, false, parseInt_(r));
/** An integer or null. */
export const intOrNull = (def: number | null, r: Range = {}): Field<number | null> => make(def, false, nullable(parseInt_(r)));
/** A finite float field (optionally bounded). */
export const float = (def: number, r: Range = {}): Field<number> => make(def, true, parseFloat_(r));
/** A float or null. */
export const floatOrNull = (def: number | null, r: Range = {}): Field<number | null> => make(def, true, nullable(parseFloat_(r)));
/** A probability in [0, 1] (dropout rates). */
export const prob = (def: number): Field<number> => float(def, { min: 0, max: 1 });
/** A probability in [0, 1] or null (e.g. `classifier_dropout`: null = use hidden_dropout_prob). */
export const probOrNull = (def: number | null): Field<number | null> => floatOrNull(def, { min: 0, max: 1 });
/** A boolean field. */
export const bool = (def: boolean): Field<boolean> =>
  make(def, false, (v, where) => (typeof v === 'boolean' ? v : bad(where, 'true or false', v)));
/** A string field. */
export const str = (def: string): Field<string> =>
  make(def, false, (v, where) => (typeof v === 'string' ? v : bad(where, 'a string', v)));
/** A string or null. */
export const strOrNull = (def: string | null): Field<string | null> =>
  make(def, false, nullable((v, where) => (typeof v === 'string' ? v : bad(where, 'a string', v))));
/** One of a fixed set of strings. */
export function oneOf<const V extends string>(values: readonly V[], def: V): Field<V> {
  return make(def, false, (v, where) => (values.includes(v as V) ? (v as V) : bad(where, `one of ${values.map((x) => `'${x}'`).join(', ')}`, v)));
}
/** One of a fixed set of strings, or null. */
export function oneOfOrNull<const V extends string>(values: readonly V[], def: V | null): Field<V | null> {
  return make(def, false, nullable((v, where) => (values.includes(v as V) ? (v as V) : bad(where, `one of ${values.map((x) => `'${x}'`).join(', ')} or null`, v))));
}
/** A list of strings, or null (e.g. `architectures`). */
export const strListOrNull = (def: string[] | null): Field<string[] | null> =>
  make(def, false, nullable((v, where) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? [...(v as string[])] : bad(where, 'a list of strings', v))));
/**
 * A JSON object (kept as parsed, so nested float marks survive a re-save), or null: e.g.
 * `rope_scaling` {"rope_type": "llama3", "factor": 8.0, ...}.
 */
export const objOrNull = (def: Record<string, unknown> | null): Field<Record<string, unknown> | null> =>
  make(def, false, nullable((v, where) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(where, 'an object or null', v))));
