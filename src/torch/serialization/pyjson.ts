// pyjson.ts — JSON as Python's `json` module writes and reads it, for the files HF writes with
// `json.dumps(d, indent=2, sort_keys=True)`: config.json (transformers configuration_utils) and
// trainer_state.json (trainer_callback.py).  Python writes floats by repr (`1.0`, `1e-05`,
// `1e+16`) and ints without a point; JS numbers cannot tell 1.0 from 1, so a number is written
// as a float when it is not an integer, or was parsed from a float literal / marked with
// markFloat, or the writer's `floatKey` rule says its key holds floats.  The reader records which
// numbers were float literals, so a parsed file written again is byte-identical.

/** Per parsed (or marked) container: the keys (array indices) whose number is a Python float. */
const FLOAT_KEYS = new WeakMap<object, Set<string | number>>();

/** Marks `container[key]` as a Python float for {@link pyDumps} (so 0 is written `0.0`). */
export function markFloat(container: object, key: string | number): void {
  let s = FLOAT_KEYS.get(container);
  if (!s) FLOAT_KEYS.set(container, (s = new Set()));
  s.add(key);
}
/** True when `container[key]` was parsed from a float literal or marked with {@link markFloat}. */
export function isFloatKey(container: object, key: string | number): boolean {
  return FLOAT_KEYS.get(container)?.has(key) ?? false;
}

/**
 * A float as Python's repr writes it: shortest round-trip digits, always with a `.0` or an
 * exponent; exponent form below 1e-4 and from 1e16 (`1e-05`, `1e+16`); `-0.0`; `nan` / `inf`
 * (json.dumps writes those as NaN / Infinity, see pyDumps).
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Object.is(x, -0)) return '-0.0';
  const [mant, e] = x.toExponential().split('e') as [string, string];
  const exp = Number(e);
  // Python switches to exponent form below 1e-4 and from 1e16 (JS: below 1e-6, from 1e21).
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/**
 * A string as json.dumps writes it.  JSON.stringify already escapes `"`, `\` and the control
 * characters exactly as Python does (\n, \t, ..., \u001f in lowercase hex); ensure_ascii also
 * escapes everything from 0x7f up, UTF-16 unit by unit (so an emoji is two \ud8xx escapes).
 */
export function pyString(s: string, ensureAscii = true): string {
  const json = JSON.stringify(s);
  return ensureAscii ? json.replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

/** Options of {@link pyDumps}; the defaults are HF's `json.dumps(d, indent=2, sort_keys=True)`. */
export interface PyDumpsOptions {
  /** Spaces per level (default 2); null writes one line with `, ` and `: ` as Python's indent=None. */
  indent?: number | null;
  /** Sort object keys by code unit, as Python's sort_keys (default true). */
  sortKeys?: boolean;
  /** Escape non-ASCII as \uXXXX (default true, as Python). */
  ensureAscii?: boolean;
  /**
   * Whether an integral number under object key `key` is a float (array items take the key of
   * the array that holds them; null at the top).  Default: never — integral numbers are ints
   * unless marked.  trainer_state.json uses it: every number is a float but the step counts.
   */
  floatKey?: (key: string | null) => boolean;
}

/**
 * Python's `json.dumps(value, indent=2, sort_keys=True)` (see {@link PyDumpsOptions}).  Numbers:
 * ints as digits (a bigint too), floats by {@link pyFloat}, NaN / Infinity / -Infinity as Python
 * writes them.  Objects, Maps and arrays nest; an object property holding undefined is left out
 * and an undefined array item is null (as JSON.stringify: Python has no undefined).
 * @example pyDumps(parsePyJson('{"b": 1.0, "a": 2}')) // '{\n  "a": 2,\n  "b": 1.0\n}'
 */
export function pyDumps(value: unknown, opts: PyDumpsOptions = {}): string {
  const indent = opts.indent === undefined ? 2 : opts.indent;
  const sortKeys = opts.sortKeys ?? true;
  const ascii = opts.ensureAscii ?? true;
  const floatKey = opts.floatKey;
  const num = (v: number, marked: boolean, key: string | null): string => {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    const isFloat = marked || !Number.isInteger(v) || Object.is(v, -0) || (floatKey !== undefined && floatKey(key));
    if (isFloat) return pyFloat(v);
    return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString(); // String(1e21) would be '1e+21'
  };
  const open = (pad: string): [string, string, string] => {
    if (indent === null) return ['', ', ', ''];
    const inner = pad + ' '.repeat(indent);
    return [`\n${inner}`, `,\n${inner}`, `\n${pad}`];
  };
  const write = (v: unknown, pad: string, marked: boolean, key: string | null, depth: number): string => {
    if (depth > 1000) throw new RangeError('pyDumps: nesting deeper than 1000 levels (a cycle?)');
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return num(v, marked, key);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') return pyString(v, ascii);
    const inner = indent === null ? '' : pad + ' '.repeat(indent);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      const [first, sep, last] = open(pad);
      return `[${first}${v.map((x, k) => write(x, inner, isFloatKey(v, k), key, depth + 1)).join(sep)}${last}]`;
    }
    if (typeof v === 'object') {
      const entries = (v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as [string, unknown]) : Object.entries(v))
        .filter(([, x]) => x !== undefined);
      if (sortKeys) entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      if (entries.length === 0) return '{}';
      const [first, sep, last] = open(pad);
      const items = entries.map(([k, x]) => `${pyString(k, ascii)}: ${write(x, inner, isFloatKey(v, k), k, depth + 1)}`);
      return `{${first}${items.join(sep)}${last}}`;
    }
    throw new TypeError(`pyDumps: cannot serialise a ${typeof v}`);
  };
  return write(value, '', false, null, 0);
}

/** A JSON syntax error with the line and offset, naming the file. */
export class JsonError extends SyntaxError {
  override name = 'JsonError';
}

/** Options of {@link parsePyJson}. */
export interface PyJsonParseOptions {
  /** Name for error messages (default `<json>`). */
  file?: string;
  /**
   * Objects without a prototype (default true), so that a key such as `__proto__` or
   * `constructor` is just a key and `k in obj` sees only the file's keys.  false gives plain
   * objects, as JSON.parse.
   */
  nullPrototype?: boolean;
}

/**
 * Parses JSON as Python's json.loads does: JSON.parse's grammar plus Python's NaN / Infinity /
 * -Infinity; a repeated key keeps the last value.  Float literals (`1.0`, `1e-5`, NaN, ...) are
 * recorded for {@link isFloatKey}, so pyDumps writes them back as floats.
 * @throws JsonError naming the file, line and offset
 */
export function parsePyJson(text: string, fileOrOpts: string | PyJsonParseOptions = {}): unknown {
  const o = typeof fileOrOpts === 'string' ? { file: fileOrOpts } : fileOrOpts;
  const file = o.file ?? '<json>';
  const newObject = (o.nullPrototype ?? true) ? (): Record<string, unknown> => Object.create(null) as Record<string, unknown> : (): Record<string, unknown> => ({});
  let i = 0;
  const fail = (msg: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new JsonError(`${file}: invalid JSON at line ${line} (offset ${i}): ${msg}`);
  };
  const ws = (): void => { while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++; };
  const lit = (s: string): boolean => { if (text.startsWith(s, i)) { i += s.length; return true; } return false; };
  const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
  const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const parseString = (): string => {
    STRING.lastIndex = i;
    const m = STRING.exec(text);
    if (!m) return fail('bad string');
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const parseNumber = (): [number, boolean] => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('unexpected character');
    i += m[0].length;
    return [Number(m[0]), m[1] !== undefined || m[2] !== undefined];
  };
  // [value, was it a float literal]
  const value = (depth: number): [unknown, boolean] => {
    if (depth > 200) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = newObject();
      ws();
      if (lit('}')) return [obj, false];
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key string');
        const k = parseString();
        ws();
        if (!lit(':')) fail("expected ':'");
        const [v, isF] = value(depth + 1);
        // defineProperty: on a plain object, `obj['__proto__'] = v` would set the prototype
        Object.defineProperty(obj, k, { value: v, writable: true, enumerable: true, configurable: true });
        if (isF) markFloat(obj, k);
        else FLOAT_KEYS.get(obj)?.delete(k); // a repeated key: the last value decides
        ws();
        if (lit(',')) continue;
        if (lit('}')) return [obj, false];
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (lit(']')) return [arr, false];
      for (;;) {
        const [v, isF] = value(depth + 1);
        if (isF) markFloat(arr, arr.length);
        arr.push(v);
        ws();
        if (lit(',')) continue;
        if (lit(']')) return [arr, false];
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return [parseString(), false];
    if (lit('true')) return [true, false];
    if (lit('false')) return [false, false];
    if (lit('null')) return [null, false];
    if (lit('NaN')) return [NaN, true];
    if (lit('Infinity')) return [Infinity, true];
    if (lit('-Infinity')) return [-Infinity, true];
    return parseNumber();
  };
  const [v] = value(0);
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}
