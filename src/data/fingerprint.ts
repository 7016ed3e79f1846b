// src/data/fingerprint.ts — dataset fingerprints: a loaded dataset's comes from its files, and each
// transform derives the next one from (previous fingerprint, transform name, arguments).
// Mirrors datasets/fingerprint.py (update_fingerprint, Hasher), with sha256 instead of xxhash+dill.
// What dill does for a map function's closure is done by closure.ts + the `captures` option.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeClosure } from './closure.js';

/**
 * Bump when the cache file layout, the encoding or the hashing changes: old cache files then stop
 * matching. 2: map functions are hashed with their captured values (older keys could be stale).
 */
export const CACHE_FORMAT_VERSION = 2;

/** Thrown while hashing a value whose identity we cannot see (native functions, opaque objects). */
export class UnhashableError extends Error {
  /** Where in the hashed value, outermost first (`['captures', 'tokenizer']`). */
  path: string[] = [];
}

/** What hashInto needs beyond the value. */
export interface HashContext {
  /**
   * Names whose values are hashed elsewhere (a map's `captures`): a function in the value may read
   * these from its closure; any other free variable makes it unhashable.
   */
  env?: Readonly<Record<string, unknown>> | null;
  /** Digests of objects hashed by what their savePretrained() writes (see digestSaveables). */
  saved?: ReadonlyMap<object, string | Error>;
}

function className(o: object): string {
  return (o as { constructor?: { name?: string } }).constructor?.name || 'Object';
}

/** Hashes a child value; an UnhashableError learns where it came from. */
function child(h: Hash, v: unknown, ctx: HashContext, seen: Set<unknown>, depth: number, where: string): void {
  try {
    hashInto(h, v, ctx, seen, depth + 1);
  } catch (e) {
    if (e instanceof UnhashableError) e.path.unshift(where);
    throw e;
  }
}

/**
 * Feeds a value into a hash deterministically, in the value's own order (object keys, Map and Set
 * entries iterate in insertion order, and a map function may depend on it): primitives by value,
 * typed arrays by bytes, functions by source (only when they read nothing from their closure but
 * names in `ctx.env`), class instances through `fingerprint()` (or a `fingerprint` string, as a
 * Dataset has), `toJSON()`, or the files their savePretrained() writes; anything else throws
 * UnhashableError, since a value we cannot see could change without changing the hash.
 */
export function hashInto(h: Hash, v: unknown, ctx: HashContext = {}, seen: Set<unknown> = new Set(), depth = 0): void {
  if (depth > 64) throw new UnhashableError('value nested deeper than 64 levels');
  if (v === null) return void h.update('n;');
  switch (typeof v) {
    case 'undefined': return void h.update('u;');
    case 'boolean': return void h.update(v ? 'T;' : 'F;');
    case 'number': return void h.update(`d${Object.is(v, -0) ? '-0' : String(v)};`);
    case 'bigint': return void h.update(`b${v};`);
    case 'string': return void h.update(`s${v.length}:${v};`);
    case 'symbol': throw new UnhashableError(`cannot hash ${String(v)}`);
    case 'function': {
      const info = analyzeClosure(v);
      if (!info.ok) throw new UnhashableError(info.reason);
      const missing = info.reads.filter((n) => !ctx.env || !Object.hasOwn(ctx.env, n));
      if (missing.length)
        throw new UnhashableError(`function ${v.name || '(anonymous)'} reads ${missing.join(', ')} from its closure (add ${missing.length > 1 ? 'them' : 'it'} to captures)`);
      return void h.update(`f${info.source.length}:${info.source};`);
    }
  }
  if (seen.has(v)) throw new UnhashableError('circular reference');
  seen.add(v);
  try {
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) {
      const bytes = ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v);
      h.update(`t${className(v)}${bytes.byteLength}:`);
      h.update(bytes);
      return void h.update(';');
    }
    if (Array.isArray(v)) {
      h.update(`a${v.length}[`);
      for (let i = 0; i < v.length; i++) child(h, v[i], ctx, seen, depth, `[${i}]`);
      return void h.update('];');
    }
    if (v instanceof Map) {
      h.update(`M${v.size}{`);
      let i = 0;
      for (const [k, x] of v) {
        child(h, k, ctx, seen, depth, `<key ${i}>`);
        child(h, x, ctx, seen, depth, typeof k === 'string' || typeof k === 'number' ? `get(${JSON.stringify(k)})` : `<value ${i}>`);
        i++;
      }
      return void h.update('};');
    }
    if (v instanceof Set) {
      h.update(`S${v.size}{`);
      let i = 0;
      for (const x of v) child(h, x, ctx, seen, depth, `<element ${i++}>`);
      return void h.update('};');
    }
    if (v instanceof Date) return void h.update(`D${v.getTime()};`);
    if (v instanceof RegExp) return void h.update(`R${v.source.length}:${v.source}/${v.flags};`);
    const o = v as Record<string, unknown>;
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      const keys = Object.keys(o);
      h.update(`o${keys.length}{`);
      for (const k of keys) {
        h.update(`k${k.length}:${k};`);
        child(h, o[k], ctx, seen, depth, `.${k}`);
      }
      return void h.update('};');
    }
    const cls = className(o);
    const fp = (o as { fingerprint?: unknown }).fingerprint;
    if (typeof fp === 'function' || typeof fp === 'string') {
      h.update(`P${cls}:`);
      return child(h, typeof fp === 'function' ? (fp as () => unknown).call(o) : fp, ctx, seen, depth, '.fingerprint()');
    }
    if (typeof o.toJSON === 'function') {
      h.update(`J${cls}:`);
      return child(h, (o.toJSON as () => unknown)(), ctx, seen, depth, '.toJSON()');
    }
    const saved = ctx.saved?.get(o);
    if (typeof saved === 'string') return void h.update(`W${cls}:${saved};`);
    if (saved instanceof Error) throw new UnhashableError(`${cls}.savePretrained() failed: ${saved.message}`);
    throw new UnhashableError(`an object of class ${cls}, whose state tunekit cannot see (it hashes class instances ` +
      'through a fingerprint() or toJSON() method, or the files their savePretrained(dir) writes)');
  } finally {
    seen.delete(v);
  }
}

/** sha256 of a value (see hashInto), hex. */
export function hashValue(v: unknown, ctx: HashContext = {}): string {
  const h = createHash('sha256');
  hashInto(h, v, ctx);
  return h.digest('hex');
}

/** sha256 of bytes, hex. */
export function hashBytes(...parts: (Uint8Array | string)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** 16 hex chars, the length of HF fingerprints. */
export function randomFingerprint(): string {
  return randomBytes(8).toString('hex');
}

/**
 * The fingerprint after a transform. Returns `{fingerprint, hashable}`: when an argument cannot be
 * hashed (see hashInto) the fingerprint is random and the result must not be cached, as in HF.
 */
export function updateFingerprint(previous: string, transform: string, args: Record<string, unknown>): { fingerprint: string; hashable: boolean; reason?: string } {
  try {
    const fingerprint = hashValue({ v: CACHE_FORMAT_VERSION, previous, transform, args }).slice(0, 16);
    return { fingerprint, hashable: true };
  } catch (e) {
    if (!(e instanceof UnhashableError)) throw e;
    return { fingerprint: randomFingerprint(), hashable: false, reason: describeUnhashable(e) };
  }
}

function describeUnhashable(e: UnhashableError): string {
  return e.path.length ? `cannot hash ${e.path.join('').replace(/^\./, '')}: ${e.message}` : e.message;
}

/** Class instances reachable through plain containers that can only be hashed by saving them. */
function saveables(roots: readonly unknown[]): Set<object> {
  const found = new Set<object>();
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || seen.has(v) || depth > 64 || ArrayBuffer.isView(v)) return;
    seen.add(v);
    if (Array.isArray(v) || v instanceof Set) for (const x of v) walk(x, depth + 1);
    else if (v instanceof Map) for (const [k, x] of v) { walk(k, depth + 1); walk(x, depth + 1); }
    else {
      const proto = Object.getPrototypeOf(v);
      const o = v as Record<string, unknown>;
      if (proto === Object.prototype || proto === null) for (const k of Object.keys(o)) walk(o[k], depth + 1);
      else if (typeof o.fingerprint !== 'function' && typeof o.fingerprint !== 'string' && typeof o.toJSON !== 'function' && typeof o.savePretrained === 'function')
        found.add(v);
    }
  };
  for (const r of roots) walk(r, 0);
  return found;
}

/** sha256 over the files under `dir` (relative path + bytes, in sorted order). */
async function digestDir(dir: string): Promise<string> {
  const h = createHash('sha256');
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1)).sort();
  for (const f of files) {
    const bytes = await readFile(join(dir, f));
    h.update(`${f.length}:${f}:${bytes.length}:`).update(bytes);
  }
  return h.digest('hex');
}

/**
 * Digests the objects in `roots` that can only be hashed through savePretrained(dir) (a tokenizer:
 * its tokenizer.json + tokenizer_config.json are its whole state, as pickling is in HF), by saving
 * each to a temporary folder. A failure is kept as the Error, reported when the value is hashed.
 */
export async function digestSaveables(roots: readonly unknown[]): Promise<Map<object, string | Error>> {
  const out = new Map<object, string | Error>();
  for (const o of saveables(roots)) {
    const dir = await mkdtemp(join(tmpdir(), 'tunekit-fingerprint-'));
    try {
      await (o as { savePretrained(dir: string): Promise<unknown> }).savePretrained(dir);
      out.set(o, await digestDir(dir));
    } catch (e) {
      out.set(o, e instanceof Error ? e : new Error(String(e)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return out;
}

/** The fingerprint of a map/filter, and why it cannot be cached when it cannot. */
export interface TransformFingerprint {
  fingerprint: string;
  /** False: the fingerprint is random (nothing may be read from or written to the cache). */
  cacheable: boolean;
  /** Why it is not cacheable, as a sentence for the warning. */
  problem?: string;
  /** The function's source (the once-per-function warning key). */
  source: string;
}

function captureList(names: readonly string[]): string {
  return names.map((n) => (/^[A-Za-z_$][\w$]*$/.test(n) && n !== 'this' && n !== 'super' ? n : `${JSON.stringify(n)}: ...`)).join(', ');
}

/**
 * HF's fingerprint of a map/filter, for a function with a closure. The key is (previous
 * fingerprint, transform, fn's source, the `captures` values, args). When fn reads a variable from
 * its closure that `captures` does not give, or a value cannot be hashed, the fingerprint is random
 * and the result is not cached: a stale cache is worse than a recomputation.
 */
export async function transformFingerprint(previous: string, transform: string, fn: Function,
  captures: Readonly<Record<string, unknown>> | undefined, args: Record<string, unknown>): Promise<TransformFingerprint> {
  const info = analyzeClosure(fn);
  const uncached = (problem: string): TransformFingerprint => ({ fingerprint: randomFingerprint(), cacheable: false, problem, source: info.source });
  if (!info.ok) return uncached(`${info.reason}, so this ${transform} is not cached`);
  const missing = info.reads.filter((n) => !captures || !Object.hasOwn(captures, n));
  if (missing.length)
    return uncached(`the function reads ${missing.join(', ')} from its closure; tunekit cannot see ${missing.length > 1 ? 'their values' : 'its value'}, ` +
      `so this ${transform} is not cached. Pass {captures: {${captureList(missing)}}} to cache it`);
  const env = captures ?? {};
  // Names in sorted order: {a, b} and {b, a} are the same captures.
  const captured = Object.keys(env).sort().map((k) => [k, env[k]]);
  const saved = await digestSaveables([captured, args]);
  try {
    const fingerprint = hashValue({ v: CACHE_FORMAT_VERSION, previous, transform, fn: info.source, captures: captured, args }, { env, saved }).slice(0, 16);
    return { fingerprint, cacheable: true, source: info.source };
  } catch (e) {
    if (!(e instanceof UnhashableError)) throw e;
    // [[i, [name, value]]] -> captures.name
    if (e.path[0] === '.captures') e.path.splice(0, 3, `captures.${captured[Number(e.path[1]!.slice(1, -1))]![0]}`);
    else if (e.path[0] === '.args') e.path.shift();
    return uncached(`${describeUnhashable(e)}; this ${transform} is not cached. Pass a value that can be hashed, or set newFingerprint`);
  }
}

const warned = new Set<string>();
/** Warns once per (transform, function source, problem) that the result is not cached. */
export function warnUncached(transform: string, source: string, problem: string): void {
  const key = `${transform}\0${source}\0${problem}`;
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(`${transform}: ${problem}.`, { code: 'TUNEKIT_DATASETS_UNHASHABLE' });
}

/**
 * HF's validate_fingerprint: a fingerprint names cache files and folders (cache-<fp>.arrow,
 * <cache>/from_disk/<fp>), so it must be one path component: at most 64 characters, none of
 * < > : / \\ | ? * or control characters, and not . or ..
 */
export function isSafeFingerprint(fp: string): boolean {
  return fp.length > 0 && fp.length <= 64 && !/[<>:/\\|?*\x00-\x1f\x7f]/.test(fp) && fp !== '.' && fp !== '..';
}
