// scope.ts — explicit tensor lifetime.  Rules (docs/memory.md):
//  * every op returns a fresh handle, owned by the innermost tidy() scope if there is one;
//  * tidy(fn) frees what was made inside except what fn returns (moved to the parent scope)
//    and what was keep()-ed;
//  * tensors no scope owns (made outside any scope, returned from the outermost one, kept)
//    are registered with a FinalizationRegistry: a safety net that frees them after GC; only
//    their native bytes are reported to V8 as external memory (a scope's are freed without GC);
//  * dispose() / `using` frees at once; functions never dispose their inputs.
import { native, type Handle } from './native.js';

/** What a scope needs from a tensor: its handle and ownership flags. */
export interface Owned {
  _h: Handle;
  _kept: boolean;
  _registered: boolean;
}

type Scope = Owned[];
const stack: Scope[] = [];

// The GC safety net: one registry for tensors no scope owns and nobody kept (counted, see below),
// one for kept tensors (parameters, optimizer state: long-lived on purpose, not counted).
let unscoped = 0;
const registry = new FinalizationRegistry<Handle>((h) => {
  unscoped--;
  native.free(h); // stale handles are ignored natively, so a reused slot is never freed
});
const keptRegistry = new FinalizationRegistry<Handle>((h) => {
  native.free(h);
});

/**
 * Unscoped, un-kept live tensors past which a warning names tidy() (once per process). A
 * synchronous loop that makes tensors outside any scope never yields to the event loop, so
 * finalizers never run and memory grows without bound; 10,000 such tensors is far more than a
 * program holds on purpose (parameters and optimizer state are kept, and not counted).
 */
export const UNSCOPED_WARNING_THRESHOLD = 10_000;
let warned = false;
function warnUnscoped(): void {
  warned = true;
  process.emitWarning(
    `${unscoped} tensors are alive outside any tidy() scope. A synchronous loop that creates tensors outside tidy() ` +
      'keeps all of them until it yields (finalizers cannot run while it does): wrap each step in torch.tidy(() => ...), ' +
      'dispose() tensors you are done with, or keep() the ones meant to live long.',
    { code: 'TUNEKIT_UNSCOPED_TENSORS' },
  );
}

function register(t: Owned, report = true): void {
  if (t._registered || t._h < 0) return;
  t._registered = true;
  // Only the GC can free it now: tell V8 the native bytes it pins, so that GC pressure follows
  // them.  Tensors a scope frees are never reported (native/src/core.cc, docs/memory.md).
  if (report) native.reportExternal(t._h);
  if (t._kept) {
    keptRegistry.register(t, t._h, t);
    return;
  }
  registry.register(t, t._h, t);
  if (++unscoped > UNSCOPED_WARNING_THRESHOLD && !warned) warnUnscoped();
}

/** Number of live tensors that no scope owns and nobody kept (what the warning counts). */
export function unscopedTensorCount(): number {
  return unscoped;
}

/** Called for every new tensor: the innermost scope owns it, or the GC safety net does. */
export function track(t: Owned): void {
  const s = stack[stack.length - 1];
  if (s) s.push(t);
  else register(t);
}

/** Frees a tensor now. Idempotent. */
export function disposeTensor(t: Owned): void {
  if (t._h < 0) return;
  native.free(t._h);
  t._h = -1;
  if (t._registered) {
    if (t._kept) keptRegistry.unregister(t);
    else {
      registry.unregister(t);
      unscoped--;
    }
    t._registered = false;
  }
}

/** Exempts a tensor from every scope: it lives until disposed (or collected). */
export function keep<T extends Owned>(t: T): T {
  if (t._kept) return t;
  if (t._registered) {
    // Was counted as unscoped: move it to the kept registry.
    registry.unregister(t);
    unscoped--;
    t._registered = false;
  }
  t._kept = true;
  register(t);
  return t;
}

/**
 * keep() for an alias its owner disposes on every path (gradient checkpointing's saved inputs and
 * outputs, src/models/utils/gradient-checkpointing.ts): exempt from every scope and registered with
 * the safety net, but not reported to V8 as external memory.  It shares its storage with the
 * tensor it aliases, which is counted (or freed by its scope) already; reporting it made each
 * checkpointed step look like ~50 MiB of external growth, a major GC every other step.
 * @internal
 */
export function keepAlias<T extends Owned>(t: T): T {
  if (t._kept) return t;
  if (t._registered) return keep(t); // made outside any scope: reported when made
  t._kept = true;
  register(t, false);
  return t;
}

let freeBuf = new Float64Array(1024);

function collect(value: unknown, out: Set<Owned>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if ('_h' in value && '_kept' in value) {
    out.add(value as Owned);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) for (const v of Object.values(value)) collect(v, out, depth + 1);
}

function endScope(scope: Scope, survivors: Set<Owned> | null): void {
  const parent = stack[stack.length - 1];
  let n = 0;
  for (const t of scope) {
    if (t._h < 0 || t._kept) continue;
    if (survivors && survivors.has(t)) {
      if (parent) parent.push(t);
      else register(t);
      continue;
    }
    if (n === freeBuf.length) {
      const bigger = new Float64Array(freeBuf.length * 2);
      bigger.set(freeBuf);
      freeBuf = bigger;
    }
    freeBuf[n++] = t._h;
    t._h = -1;
  }
  if (n) native.freeMany(freeBuf, n);
}

/**
 * Runs `fn` in a scope: every tensor created inside is freed when it returns, except the
 * tensors in its result (a tensor, or arrays/plain objects/Maps of them) and keep()-ed ones.
 * If `fn` throws, everything it made is freed and the error propagates.  `fn` must be
 * synchronous: a scope cannot span an await.
 * @example const loss = tidy(() => model.forward(x).loss.item());
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = [];
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    endScope(scope, null);
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    endScope(scope, null);
    throw new TypeError('tidy(fn): fn returned a Promise; a scope cannot span an await — make fn synchronous');
  }
  let survivors: Set<Owned> | null = null;
  if (result !== null && typeof result === 'object') {
    survivors = new Set();
    collect(result, survivors);
  }
  endScope(scope, survivors);
  return result;
}

/** Number of live native tensor handles (for leak tests). */
export function liveTensorCount(): number {
  return native.liveTensorCount() as number;
}
/** Depth of the scope stack (0 outside every tidy). */
export function scopeDepth(): number {
  return stack.length;
}

/**
 * Runs `fn` inside a state that `restore` undoes (autocast, adapters off, ...): restored when fn
 * returns or throws, or — for an async fn — when its promise settles (restoring at once would run
 * most of it with the state gone).  Without fn, a Disposable for `using`.
 */
export function withRestore<T>(restore: () => void, fn?: () => T): T | Disposable {
  if (!fn) return { [Symbol.dispose]: restore };
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
