// json.ts — JSON as Python's `json` module reads and writes it, for config.json round trips.
// transformers writes `json.dumps(d, indent=2, sort_keys=True) + "\n"` (ensure_ascii, floats by
// repr: 0.0, 1e-12).  JS numbers cannot tell 1.0 from 1, so the parser remembers, per container,
// which keys held a number written as a float, and the writer prints those as floats again.
import { pyFloat } from '../../nn/parameter.js';

/** Per parsed (or marked) container: the keys whose number is a Python float. */
const FLOAT_KEYS = new WeakMap<object, Set<string | number>>();

/** Marks `container[key]` as a float for {@link pyDumps} (so 0 is written `0.0`). */
export function markFloat(container: object, key: string | number): void {
  let s = FLOAT_KEYS.get(container);
  if (!s) FLOAT_KEYS.set(container, (s = new Set()));
  s.add(key);
}
/** True when `container[key]` was parsed from a float literal or marked with {@link markFloat}. */
export function isFloatKey(container: object, key: string | number): boolean {
  return FLOAT_KEYS.get(container)?.has(key) ?? false;
}

/** A JSON syntax error with the byte position, naming the file. */
export class JsonError extends SyntaxError {}

/**
 * Parses JSON text like JSON.parse (objects get a null prototype, so `__proto__` is just a key;
 * a repeated key keeps the last value, as Python) and records float literals (`1.0`, `1e-5`)
 * for {@link isFloatKey}.  Python's NaN / Infinity / -Infinity are accepted.
 */
export function parsePyJson(text: string, file = '<json>'): unknown {
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
  const value = (depth: number): [unknown, boolean] => {
    if (depth > 200) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = Object.create(null) as Record<string, unknown>;
      ws();
      if (lit('}')) return [obj, false];
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key string');
        const k = parseString();
        ws();
        if (!lit(':')) fail("expected ':'");
        const [v, isF] = value(depth + 1);
        obj[k] = v;
        if (isF) markFloat(obj, k);
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

/** A string as Python's json.dumps writes it (ensure_ascii: everything outside ' '..'~' escaped). */
function pyString(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
function pyNumber(v: number, isFloat: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(v) && !isFloat) return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
  return Object.is(v, -0) ? '-0.0' : pyFloat(v);
}

/**
 * `json.dumps(value, indent=2, sort_keys=True)` of Python: keys sorted, 2-space indent, non-ASCII
 * escaped, numbers marked as floats (parsed float literals, {@link markFloat}) written by repr.
 */
export function pyDumps(value: unknown, opts: { indent?: number; sortKeys?: boolean } = {}): string {
  const step = ' '.repeat(opts.indent ?? 2);
  const sortKeys = opts.sortKeys ?? true;
  const write = (v: unknown, pad: string, isFloat: boolean): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return pyNumber(v, isFloat);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') return pyString(v);
    const inner = pad + step;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((x, k) => inner + write(x, inner, isFloatKey(v, k))).join(',\n')}\n${pad}]`;
    }
    if (typeof v === 'object') {
      const entries = v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as [string, unknown]) : Object.entries(v);
      if (sortKeys) entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      if (entries.length === 0) return '{}';
      return `{\n${entries.map(([k, x]) => `${inner}${pyString(k)}: ${write(x, inner, isFloatKey(v, k))}`).join(',\n')}\n${pad}}`;
    }
    throw new TypeError(`pyDumps: cannot serialise a ${typeof v}`);
  };
  return write(value, '', false);
}
