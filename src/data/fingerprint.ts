// src/data/fingerprint.ts — dataset fingerprints: a loaded dataset's comes from its files, and each
// transform derives the next one from (previous fingerprint, transform name, arguments).
// Mirrors datasets/fingerprint.py (update_fingerprint, Hasher), with sha256 instead of xxhash+dill.
import { createHash, randomBytes, type Hash } from 'node:crypto';

/** Bump when the cache file layout or encoding changes: old cache files then stop matching. */
export const CACHE_FORMAT_VERSION = 1;

/** Thrown while hashing a value whose identity we cannot see (native functions, opaque objects). */
export class UnhashableError extends Error {}

/**
 * Feeds a value into a hash deterministically: object keys sorted, functions by source text,
 * typed arrays by bytes, class instances by name + own enumerable fields (or their toJSON()).
 * Values captured by a closure are NOT visible in `fn.toString()`: pass them as `fnKwargs`.
 */
export function hashInto(h: Hash, v: unknown, seen: Set<unknown> = new Set(), depth = 0): void {
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
      const src = Function.prototype.toString.call(v);
      // Bound and built-in functions all print as "[native code]": their identity is invisible.
      if (src.includes('[native code]')) throw new UnhashableError(`function ${v.name || '(anonymous)'} has no visible source (native or bound)`);
      return void h.update(`f${src.length}:${src};`);
    }
  }
  if (seen.has(v)) throw new UnhashableError('circular reference');
  seen.add(v);
  try {
    if (ArrayBuffer.isView(v)) {
      h.update(`t${v.constructor.name}${v.byteLength}:`);
      h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return void h.update(';');
    }
    if (Array.isArray(v)) {
      h.update(`a${v.length}[`);
      for (const x of v) hashInto(h, x, seen, depth + 1);
      return void h.update('];');
    }
    if (v instanceof Map) {
      h.update(`M${v.size}{`);
      for (const [k, x] of [...v].sort((a, b) => cmp(String(a[0]), String(b[0])))) {
        hashInto(h, k, seen, depth + 1);
        hashInto(h, x, seen, depth + 1);
      }
      return void h.update('};');
    }
    if (v instanceof Set) return hashInto(h, [...v].map(String).sort(), seen, depth + 1);
    const o = v as Record<string, unknown>;
    const proto = Object.getPrototypeOf(o);
    const plainObj = proto === Object.prototype || proto === null;
    if (!plainObj && typeof o.toJSON === 'function') {
      h.update(`J${o.constructor?.name ?? ''}:`);
      return hashInto(h, (o.toJSON as () => unknown)(), seen, depth + 1);
    }
    const keys = Object.keys(o).sort();
    if (!plainObj && keys.length === 0)
      throw new UnhashableError(`object of class ${o.constructor?.name ?? '?'} has no visible state`);
    h.update(`o${plainObj ? '' : o.constructor?.name ?? ''}{`);
    for (const k of keys) {
      h.update(`k${k.length}:${k};`);
      hashInto(h, o[k], seen, depth + 1);
    }
    h.update('};');
  } finally {
    seen.delete(v);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sha256 of a value (see hashInto), hex. */
export function hashValue(v: unknown): string {
  const h = createHash('sha256');
  hashInto(h, v);
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
    return { fingerprint: randomFingerprint(), hashable: false, reason: e.message };
  }
}

const warned = new Set<string>();
/** Warns once per (transform, reason) that caching is off for an unhashable transform. */
export function warnUnhashable(transform: string, reason: string): void {
  const key = `${transform}:${reason}`;
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(`${transform}: ${reason}; a random fingerprint was used, so this result is not cached. ` +
    'Pass captured values through fnKwargs or set newFingerprint.', { code: 'TUNEKIT_DATASETS_UNHASHABLE' });
}

/**
 * HF's validate_fingerprint: a fingerprint names cache files and folders (cache-<fp>.arrow,
 * <cache>/from_disk/<fp>), so it must be one path component: at most 64 characters, none of
 * < > : / \\ | ? * or control characters, and not . or ..
 */
export function isSafeFingerprint(fp: string): boolean {
  return fp.length > 0 && fp.length <= 64 && !/[<>:/\\|?*\x00-\x1f\x7f]/.test(fp) && fp !== '.' && fp !== '..';
}
