// src/data/closure.ts — which variables a function reads from its closure. HF datasets hashes a
// map function together with its closure (dill pickles the captured cells); JavaScript cannot read
// a closure from outside, so we parse `fn.toString()` (acorn) and resolve every identifier against
// the scopes declared inside the source. A name declared nowhere inside is free: a captured
// variable (or a module binding), unless it is a standard global (Math, JSON, console, ...).
import { parse, type Node } from 'acorn';

/** What the source of a function says about its closure. */
export type ClosureInfo =
  | { ok: true; source: string; reads: string[]; writesOnly: string[] }
  | { ok: false; source: string; reason: string };

/**
 * Globals whose value a map function cannot change between runs: ECMAScript built-ins, Node's and
 * the web's utility globals, and esbuild's helpers (tsx inserts `__name(fn, "fn")` into sources).
 * Not here, so reported as free: globalThis / global (arbitrary mutable state), process (env, argv).
 */
export const STABLE_GLOBALS: ReadonlySet<string> = new Set([
  'undefined', 'NaN', 'Infinity', 'isFinite', 'isNaN', 'parseFloat', 'parseInt', 'decodeURI', 'decodeURIComponent',
  'encodeURI', 'encodeURIComponent', 'escape', 'unescape', 'AggregateError', 'Array', 'ArrayBuffer', 'Atomics', 'BigInt',
  'BigInt64Array', 'BigUint64Array', 'Boolean', 'DataView', 'Date', 'Error', 'EvalError', 'FinalizationRegistry',
  'Float16Array', 'Float32Array', 'Float64Array', 'Function', 'Int8Array', 'Int16Array', 'Int32Array', 'Intl', 'Iterator',
  'JSON', 'Map', 'Math', 'Number', 'Object', 'Promise', 'Proxy', 'RangeError', 'ReferenceError', 'Reflect', 'RegExp', 'Set',
  'SharedArrayBuffer', 'String', 'Symbol', 'SyntaxError', 'TypeError', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array',
  'Uint32Array', 'URIError', 'WeakMap', 'WeakRef', 'WeakSet',
  'console', 'Buffer', 'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams', 'structuredClone', 'atob', 'btoa',
  'queueMicrotask', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
  'AbortController', 'AbortSignal', 'performance',
  '__name', '__publicField', '__privateAdd', '__privateGet', '__privateSet', '__privateMethod', '__spreadValues',
  '__spreadProps', '__objRest', '__async', '__await', '__yieldStar', '__forAwait', '__template',
]);

class Scope {
  readonly names = new Set<string>();
  /** fn: `var` declarations land here; ownsThis: a non-arrow function or class member binds `this`. */
  constructor(readonly parent: Scope | null, readonly fn: boolean, readonly ownsThis: boolean) {}
  varScope(): Scope {
    let s: Scope = this;
    while (!s.fn && s.parent) s = s.parent;
    return s;
  }
  has(name: string): boolean {
    for (let s: Scope | null = this; s; s = s.parent) if (s.names.has(name)) return true;
    return false;
  }
  bindsThis(): boolean {
    for (let s: Scope | null = this; s; s = s.parent) if (s.ownsThis) return true;
    return false;
  }
}

class Unanalysable extends Error {}

type N = Node & Record<string, any>;

/**
 * Walks one function's AST and records every identifier reference with its scope. A reference is
 * a "read" unless it is only ever assigned (`x = e`) or updated with the value thrown away
 * (`calls++;`, `n += k;`): such a variable (a call counter) cannot change what the function returns.
 */
class Analyzer {
  readonly refs: Array<{ name: string; scope: Scope; reads: boolean }> = [];

  ref(name: string, scope: Scope, reads: boolean): void {
    this.refs.push({ name, scope, reads });
  }

  /** `discarded`: the expression's value is unused (an expression statement, a for-update). */
  visit(n: N | null | undefined, s: Scope, discarded = false): void {
    if (!n) return;
    switch (n.type) {
      case 'Identifier': return this.ref(n.name, s, true);
      case 'ThisExpression': if (!s.bindsThis()) this.ref('this', s, true); return;
      case 'Super': if (!s.bindsThis()) this.ref('super', s, true); return;
      case 'FunctionDeclaration': s.names.add(n.id.name); return this.fn(n, s);
      case 'FunctionExpression': case 'ArrowFunctionExpression': return this.fn(n, s);
      case 'ClassDeclaration': s.names.add(n.id.name); return this.cls(n, s);
      case 'ClassExpression': return this.cls(n, s);
      case 'VariableDeclaration': {
        const target = n.kind === 'var' ? s.varScope() : s;
        for (const d of n.declarations) {
          this.declare(d.id, target, s);
          this.visit(d.init, s);
        }
        return;
      }
      case 'BlockStatement': case 'StaticBlock': {
        const b = new Scope(s, n.type === 'StaticBlock', n.type === 'StaticBlock');
        for (const st of n.body) this.visit(st, b);
        return;
      }
      case 'ForStatement': {
        const b = new Scope(s, false, false);
        this.visit(n.init, b, true);
        this.visit(n.test, b);
        this.visit(n.update, b, true);
        return this.visit(n.body, b);
      }
      case 'ForInStatement': case 'ForOfStatement': {
        const b = new Scope(s, false, false);
        if (n.left.type === 'VariableDeclaration') this.visit(n.left, b);
        else this.assignTarget(n.left, b, false);
        this.visit(n.right, b);
        return this.visit(n.body, b);
      }
      case 'CatchClause': {
        const b = new Scope(s, false, false);
        if (n.param) this.declare(n.param, b, b);
        return this.visit(n.body, b);
      }
      case 'SwitchStatement': {
        this.visit(n.discriminant, s);
        const b = new Scope(s, false, false);
        for (const c of n.cases) {
          this.visit(c.test, b);
          for (const st of c.consequent) this.visit(st, b);
        }
        return;
      }
      case 'ExpressionStatement': return this.visit(n.expression, s, true);
      case 'SequenceExpression':
        n.expressions.forEach((e: N, i: number) => this.visit(e, s, discarded || i < n.expressions.length - 1));
        return;
      case 'ParenthesizedExpression': case 'ChainExpression': return this.visit(n.expression, s, discarded);
      case 'AssignmentExpression': {
        // `x = e` never reads x; `x += e` reads it, but only into x itself when the result is unused.
        const logical = n.operator === '&&=' || n.operator === '||=' || n.operator === '??=';
        this.assignTarget(n.left, s, n.operator !== '=' && (logical || !discarded));
        return this.visit(n.right, s);
      }
      case 'UpdateExpression':
        if (n.argument.type === 'Identifier') return this.ref(n.argument.name, s, !discarded);
        return this.visit(n.argument, s);
      case 'MemberExpression':
        this.visit(n.object, s);
        if (n.computed) this.visit(n.property, s);
        return;
      case 'Property': case 'PropertyDefinition': case 'MethodDefinition':
        if (n.computed) this.visit(n.key, s);
        return this.visit(n.value, s);
      case 'CallExpression':
        // A direct eval sees the local scopes and the closure: nothing can be said about it.
        if (n.callee.type === 'Identifier' && n.callee.name === 'eval' && !s.has('eval')) throw new Unanalysable('it calls eval()');
        break;
      case 'WithStatement': throw new Unanalysable('it uses a with statement');
      case 'LabeledStatement': return this.visit(n.body, s);
      case 'BreakStatement': case 'ContinueStatement': case 'MetaProperty': case 'Literal': case 'PrivateIdentifier': case 'TemplateElement':
        return;
    }
    for (const k of Object.keys(n)) {
      if (k === 'type' || k === 'start' || k === 'end' || k === 'loc' || k === 'range') continue;
      const c = n[k];
      if (Array.isArray(c)) for (const x of c) { if (x && typeof x.type === 'string') this.visit(x, s); }
      else if (c && typeof c === 'object' && typeof c.type === 'string') this.visit(c, s);
    }
  }

  /** A function: its own name (expressions), parameters, `arguments`, then the body in its own var scope. */
  fn(n: N, outer: Scope): void {
    const arrow = n.type === 'ArrowFunctionExpression';
    let s = outer;
    if (n.type === 'FunctionExpression' && n.id) (s = new Scope(s, false, false)).names.add(n.id.name);
    const params = new Scope(s, true, !arrow);
    if (!arrow) params.names.add('arguments');
    for (const p of n.params) this.declare(p, params, params);
    if (n.body.type !== 'BlockStatement') return this.visit(n.body, params);
    // A separate scope for the body: `function f(a = y) { var y }` reads the outer y in its default.
    const body = new Scope(params, true, false);
    for (const st of n.body.body) this.visit(st, body);
  }

  /** A class: heritage in the outer scope, its name inside, members that bind `this`. */
  cls(n: N, outer: Scope): void {
    this.visit(n.superClass, outer);
    const s = new Scope(outer, false, false);
    if (n.id) s.names.add(n.id.name);
    for (const m of n.body.body as N[]) {
      if (m.type === 'StaticBlock') { this.visit(m, s); continue; }
      if (m.computed) this.visit(m.key, s);
      // Field initialisers run like methods: `this` is the instance.
      if (m.type === 'PropertyDefinition') this.visit(m.value, new Scope(s, true, true));
      else this.visit(m.value, s);
    }
  }

  /** Binds the names of a declaration pattern in `target`; defaults and computed keys are read in `s`. */
  declare(p: N, target: Scope, s: Scope): void {
    switch (p.type) {
      case 'Identifier': target.names.add(p.name); return;
      case 'ObjectPattern':
        for (const prop of p.properties) {
          if (prop.type === 'RestElement') { this.declare(prop.argument, target, s); continue; }
          if (prop.computed) this.visit(prop.key, s);
          this.declare(prop.value, target, s);
        }
        return;
      case 'ArrayPattern': for (const e of p.elements) if (e) this.declare(e, target, s); return;
      case 'AssignmentPattern': this.declare(p.left, target, s); return this.visit(p.right, s);
      case 'RestElement': return this.declare(p.argument, target, s);
      default: throw new Unanalysable(`unexpected ${p.type} in a declaration`);
    }
  }

  /** The target of an assignment: names are written (read only when `reads`); members read their object. */
  assignTarget(p: N, s: Scope, reads: boolean): void {
    switch (p.type) {
      case 'Identifier': return this.ref(p.name, s, reads);
      case 'ObjectPattern':
        for (const prop of p.properties) {
          if (prop.type === 'RestElement') { this.assignTarget(prop.argument, s, reads); continue; }
          if (prop.computed) this.visit(prop.key, s);
          this.assignTarget(prop.value, s, reads);
        }
        return;
      case 'ArrayPattern': for (const e of p.elements) if (e) this.assignTarget(e, s, reads); return;
      case 'AssignmentPattern': this.assignTarget(p.left, s, reads); return this.visit(p.right, s);
      case 'RestElement': return this.assignTarget(p.argument, s, reads);
      default: return this.visit(p, s); // obj.x = ..., obj[k] = ...: reads obj (and k)
    }
  }
}

const PARSE = { ecmaVersion: 'latest', sourceType: 'script', allowSuperOutsideMethod: true } as const;

/**
 * The function node of a `Function.prototype.toString` result. Sources come in three shapes:
 * expressions (`function f(){}`, `async (x) => x`, `class A {}`), object-literal methods
 * (`m(x){}`, `get p(){}`, `async *g(){}`, `[k](){}`) and class-only members (`#m(){}`).
 */
function parseFunction(src: string): N {
  try {
    const e = (parse(`(${src}\n)`, PARSE) as N).body[0].expression as N;
    if (['FunctionExpression', 'ArrowFunctionExpression', 'ClassExpression'].includes(e.type)) return e;
  } catch { /* not an expression: a method */ }
  try {
    return ((parse(`({${src}\n})`, PARSE) as N).body[0].expression as N).properties[0].value as N;
  } catch { /* a class-only method */ }
  try {
    return ((parse(`(class{${src}\n})`, PARSE) as N).body[0].expression as N).body.body[0].value as N;
  } catch (e) {
    throw new Unanalysable(`its source does not parse (${(e as Error).message})`);
  }
}

const cache = new Map<string, ClosureInfo>();

/**
 * Free variables of a function (or class), from its source: `reads` are the captured names whose
 * values can change its result, sorted; `writesOnly` are captured names it only assigns (counters).
 * `this` / `super` in a top-level arrow are reported as the names 'this' / 'super'. Fails (ok:
 * false) for native and bound functions (their source is `[native code]`), eval and with.
 * @example
 *   const max_length = 8;
 *   analyzeClosure((r) => ({ ids: r.ids.slice(0, max_length) }));  // reads: ['max_length']
 */
export function analyzeClosure(fn: Function | string): ClosureInfo {
  const source = typeof fn === 'string' ? fn : Function.prototype.toString.call(fn);
  const hit = cache.get(source);
  if (hit) return hit;
  let info: ClosureInfo;
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    const name = typeof fn === 'function' && fn.name ? fn.name : '(anonymous)';
    info = { ok: false, source, reason: `function ${name} has no visible source (native or bound)` };
  } else {
    try {
      const a = new Analyzer();
      a.visit(parseFunction(source), new Scope(null, true, false));
      const reads = new Set<string>(), written = new Set<string>();
      for (const r of a.refs) {
        if (r.scope.has(r.name) || STABLE_GLOBALS.has(r.name)) continue;
        (r.reads ? reads : written).add(r.name);
      }
      info = { ok: true, source, reads: [...reads].sort(), writesOnly: [...written].filter((w) => !reads.has(w)).sort() };
    } catch (e) {
      if (!(e instanceof Unanalysable)) throw e;
      info = { ok: false, source, reason: `tunekit cannot tell what the function reads: ${e.message}` };
    }
  }
  if (cache.size >= 512) cache.delete(cache.keys().next().value!);
  cache.set(source, info);
  return info;
}
