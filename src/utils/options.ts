// options.ts — HF's keyword arguments as option objects, one rule for every layer: an option has
// its HF (snake_case) name, as transformers.js takes it, and the camelCase spelling as an alias;
// HF's older names (Trainer's `tokenizer` for `processing_class`) are further aliases; two
// spellings of one option with different values, or a key no option has, are errors naming the
// function and the closest known name (Python rejects an unknown keyword argument the same way).

/** `max_new_tokens` from `maxNewTokens` (a snake_case name stays as it is). */
export function snakeCase(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `maxNewTokens` from `max_new_tokens`. */
export function camelCase(k: string): string {
  return k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** camelCase of a snake_case name, as a type. */
export type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

/** snake_case of a camelCase name, as a type. */
export type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}` : S;

/** The snake_case spellings of a camelCase options type's keys (keys already snake_case left out). */
export type SnakeAliases<T> = { [K in keyof T as K extends string ? (SnakeCase<K> extends K ? never : SnakeCase<K>) : never]?: T[K] };

/** An options type with every snake_case key also accepted in camelCase (the alias). */
export type WithCamelAliases<T> = T & { [K in keyof T as K extends string ? CamelCase<K> : never]?: T[K] };

/** Levenshtein distance (insert / delete / substitute, each 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The known name closest to `name` (compared in snake_case, case-insensitively) when it is
 * plausibly a typo: distance at most max(2, a third of its length); else null.
 */
export function closestName(name: string, known: Iterable<string>): string | null {
  const n = snakeCase(name).toLowerCase();
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(n, snakeCase(k).toLowerCase());
    if (d < bestD) { bestD = d; best = k; }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(n.length / 3)) ? best : null;
}

/** The error text for an unknown option key: the closest known name, else the list. */
export function unknownOptionMessage(who: string, key: string, known: readonly string[]): string {
  const near = closestName(key, known);
  return near !== null ? `${who}: unknown option '${key}' — did you mean '${near}'?` : `${who}: unknown option '${key}' (known: ${known.join(', ')})`;
}

const isPlain = (v: unknown): boolean => Array.isArray(v) || (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype);

/** Same option value: identical, or equal JSON for plain arrays / objects. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!isPlain(a) || !isPlain(b)) return false;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return 'a function';
  if (v !== null && typeof v === 'object' && !isPlain(v)) return `a ${(v as object).constructor?.name ?? 'object'}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** What {@link normalizeOptions} accepts: the canonical names and extra aliases. */
export interface OptionNames {
  /** HF's names (snake_case); each is also accepted in camelCase. */
  readonly names: readonly string[];
  /** Further spellings -> canonical name (an HF older name, a tunekit-only name). */
  readonly aliases?: Readonly<Record<string, string>>;
}

/**
 * Options under their canonical (HF) names.  Each key of `opts` may be the canonical name, its
 * camelCase form or an alias; an `undefined` value counts as not given (JS's `{ x: undefined }`).
 * @example normalizeOptions({ maxLength: 8, truncation: true }, { names: ['max_length', 'truncation'] }, 'tokenizer()')
 *   // { max_length: 8, truncation: true }
 * @throws TypeError naming `who` for an unknown key (with the closest known name), a non-object,
 *   or two spellings of one option given different values.
 */
export function normalizeOptions(opts: unknown, spec: OptionNames, who: string): Record<string, unknown> {
  return resolveOptions(opts, spec, who).options;
}

/** Normalized options (see {@link normalizeOptions}). */
export interface ResolvedOptions {
  /** The values by canonical name. */
  options: Record<string, unknown>;
  /** canonical name -> the key the caller wrote (so a bad value's message uses the caller's spelling). */
  given: Record<string, string>;
}

/** {@link normalizeOptions}, also returning the spelling each option was given under. */
export function resolveOptions(opts: unknown, spec: OptionNames, who: string): ResolvedOptions {
  if (opts === undefined || opts === null) return { options: {}, given: {} };
  if (typeof opts !== 'object' || Array.isArray(opts))
    throw new TypeError(`${who}: options must be an object ({ ${spec.names.slice(0, 3).join(', ')}, ... }), got ${Array.isArray(opts) ? 'an array' : typeof opts}`);
  const lookup = new Map<string, string>();
  for (const n of spec.names) {
    lookup.set(n, n);
    lookup.set(camelCase(n), n);
  }
  for (const [a, n] of Object.entries(spec.aliases ?? {})) {
    lookup.set(a, n);
    lookup.set(camelCase(a), n);
  }
  const out: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts)) {
    const name = lookup.get(k);
    if (name === undefined) throw new TypeError(unknownOptionMessage(who, k, [...spec.names, ...Object.keys(spec.aliases ?? {})]));
    if (v === undefined) continue;
    if (name in out) {
      if (!sameValue(out[name], v))
        throw new TypeError(`${who}: '${from[name]}' and '${k}' are the same option, given different values (${show(out[name])} and ${show(v)}); pass one`);
      continue;
    }
    out[name] = v;
    from[name] = k;
  }
  return { options: out, given: from };
}

/** The keys of a record in camelCase (for code that reads camelCase options). */
export function camelKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[camelCase(k)] = v;
  return out;
}
