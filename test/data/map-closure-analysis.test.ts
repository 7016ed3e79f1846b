// Free-variable analysis of map functions (src/data/closure.ts) over the shapes fn.toString()
// produces — arrows, function expressions, methods, getters, generators, async, classes, default
// params, destructuring, nested scopes, hoisting, counters — and the value hashing of
// fingerprint.ts that keys `captures` (what HF's dill does for a closure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeClosure } from '../../src/data/closure.js';
import { hashValue, UnhashableError } from '../../src/data/fingerprint.js';

function reads(src: string | Function): string[] {
  const r = analyzeClosure(src);
  if (!r.ok) throw new Error(`not analysable: ${r.reason}`);
  return r.reads;
}
function writesOnly(src: string): string[] {
  const r = analyzeClosure(src);
  if (!r.ok) throw new Error(`not analysable: ${r.reason}`);
  return r.writesOnly;
}

test('free variables of arrows, function expressions, methods, accessors, generators and async functions', () => {
  assert.deepEqual(reads('(r) => ({ ids: r.ids.slice(0, max_length) })'), ['max_length']);
  assert.deepEqual(reads('r => r.n'), []);
  assert.deepEqual(reads('async (b) => (await tok.call(b.text, { maxLength: max_length })).data'), ['max_length', 'tok']);
  // a function expression's own name is bound inside it (recursion is not a capture)
  assert.deepEqual(reads('function fact(n) { return n ? n * fact(n - 1) : base }'), ['base']);
  assert.deepEqual(reads('function (x) { return x + k }'), ['k']);
  // object-literal and class methods print without `function`; a method's name is not bound inside it
  assert.deepEqual(reads('meth(x) { return x + k + meth }'), ['k', 'meth']);
  assert.deepEqual(reads('async am(x) { return await fetchIt(x) }'), ['fetchIt']);
  assert.deepEqual(reads('*gen(x) { yield* other(x) }'), ['other']);
  assert.deepEqual(reads('async *ag(x) { for await (const y of src) yield y + x }'), ['src']);
  assert.deepEqual(reads('get p() { return this.v + outer }'), ['outer']);
  assert.deepEqual(reads('set p(v) { this.v = v * scale }'), ['scale']);
  // a computed method name is evaluated outside the function
  assert.deepEqual(reads('[key](x) { return x }'), []);
  assert.deepEqual(reads('#priv(x) { return x + y }'), ['y']);
  // static methods print without `static`, private ones with their #name
  class WithStatic { static s(x: number): number { return x + max_length; } }
  assert.deepEqual(reads(WithStatic.s), ['max_length']);
});

test('classes: heritage, fields, static blocks, methods and the class name', () => {
  assert.deepEqual(reads('class A extends Base { static s = S; f = F; m() { return this.q + super.m() + M } static { S2; this.t = 1 } }'),
    ['Base', 'F', 'M', 'S', 'S2']);
  assert.deepEqual(reads('class Node { clone() { return new Node(this.v) } }'), []);
  assert.deepEqual(reads('class { #x = 1; get x() { return this.#x + Number(#x in this) } }'), []);
});

test('parameters: defaults, destructuring and rest; a default cannot see the body\'s var', () => {
  assert.deepEqual(reads('(a, b = a + off, { c = dflt, [ck]: kk, ...rest } = {}, [d, , ...e] = arr) => a + b + c + d + kk + rest + e'),
    ['arr', 'ck', 'dflt', 'off']);
  assert.deepEqual(reads('function f(a = y) { var y = 1; return a + y }'), ['y']);
  assert.deepEqual(reads('function f(a) { return arguments[0] + a }'), []);
  assert.deepEqual(reads('(a) => arguments[0]'), ['arguments']); // an arrow reads its enclosing function's arguments
});

test('scopes: blocks, hoisting, nested functions, catch, loops, switch, labels', () => {
  assert.deepEqual(reads('(x) => { const inner = (z) => z + x + w; { let w = 1; } return inner(1) }'), ['w']);
  assert.deepEqual(reads('(x) => { g(); function g() { return h } var h = 1; return v }'), ['v']);
  assert.deepEqual(reads('(x) => { if (x) { var hoisted = 1 } return hoisted }'), []);
  // a function declared in a block is only visible there (strict mode; reporting more is the safe side)
  assert.deepEqual(reads('(x) => { { function k() {} } return k() }'), ['k']);
  assert.deepEqual(reads('(x) => { try { return x() } catch ({ message }) { return message + e } finally { done } }'), ['done', 'e']);
  assert.deepEqual(reads('(xs) => { let s = 0; for (const [a, b] of xs) s += a * b * scale; for (let i = 0; i < n; i++) s += i; return s }'), ['n', 'scale']);
  assert.deepEqual(reads('(x) => { switch (x) { case A: let y = 1; return y; default: return B } }'), ['A', 'B']);
  assert.deepEqual(reads('(r) => { outer: for (;;) { break outer } return { r, n: r.n, [ck]: 1, x: y.z, w: y?.[q] } }'), ['ck', 'q', 'y']);
  assert.deepEqual(reads('(r) => tag`${r.a}-${sep}`'), ['sep', 'tag']);
  assert.deepEqual(reads('function F() { return new.target ?? opt?.x }'), ['opt']);
  assert.deepEqual(reads('() => typeof window'), ['window']);
  assert.deepEqual(reads('(o) => { const { a, b: [c] } = o; let d; [d] = [a]; return a + c + d }'), []);
});

test('standard globals are not captures; globalThis and process are (their state can change)', () => {
  assert.deepEqual(reads('() => [Array.from, Object.keys, Symbol.iterator, new Map(), new Set(), BigInt(1), Number.isInteger, String(1), ' +
    'parseInt("1"), Promise.resolve(), Math.max(1, 2), JSON.stringify(undefined), NaN, Infinity, console.log, new TextEncoder(), Buffer.from("")]'), []);
  assert.deepEqual(reads('() => process.env.MAX + globalThis.limit'), ['globalThis', 'process']);
  // a local declaration shadows a global, a captured name shadowing one is still a capture
  assert.deepEqual(reads('() => { const Math = 1; return Math }'), []);
});

test('counters a function only writes are not reads; a used update value, ??= and member writes are', () => {
  assert.deepEqual(reads('(r) => { calls++; total += r.n; seen = true; return { n: r.n } }'), []);
  assert.deepEqual(writesOnly('(r) => { calls++; total += r.n; seen = true; return { n: r.n } }'), ['calls', 'seen', 'total']);
  assert.deepEqual(writesOnly('(r) => { for (k in r) ; [a, { b }] = r.pair; return r }'), ['a', 'b', 'k']);
  assert.deepEqual(reads('(r) => ({ i: i++ })'), ['i']);
  assert.deepEqual(reads('(r) => { const c = (n += 1); return c }'), ['n']);
  assert.deepEqual(reads('(r) => { cache ??= new Map(); return r }'), ['cache']);
  assert.deepEqual(reads('(r) => { stats.count++; return r }'), ['stats']);
  assert.deepEqual(reads('(r) => { calls++; return calls }'), ['calls']);
});

test('`this` in a top-level arrow is a capture; eval, with, native and bound functions cannot be analysed', () => {
  assert.deepEqual(reads('() => this.maxLength'), ['this']);
  assert.deepEqual(reads('function () { return this.maxLength }'), []);
  assert.deepEqual(reads('() => { function g() { return this.x } return g() }'), []);
  const ev = analyzeClosure('(x) => eval("x + secret")');
  assert.ok(!ev.ok && ev.reason.includes('eval()'), JSON.stringify(ev));
  const w = analyzeClosure('function (o) { with (o) { return a } }');
  assert.ok(!w.ok && w.reason.includes('with statement'), JSON.stringify(w));
  const native = analyzeClosure(Math.max);
  assert.ok(!native.ok && native.reason === 'function max has no visible source (native or bound)', JSON.stringify(native));
  const bound = analyzeClosure(((x: number) => x).bind(null));
  assert.ok(!bound.ok && bound.reason.includes('no visible source'));
  const bad = analyzeClosure('this is not javascript');
  assert.ok(!bad.ok && bad.reason.startsWith('tunekit cannot tell what the function reads: its source does not parse'), JSON.stringify(bad));
});

// Real functions, as tsx compiles this file: types are stripped and esbuild adds __name(...) calls.
const max_length = 8;
const labelMap = new Map([['neg', 0], ['pos', 1]]);
test('real (compiled) functions: the analysis sees what toString() prints', () => {
  let calls = 0;
  function tokenizeFn(b: { text: string[] }): { ids: number[][] } {
    function clip(ids: number[]): number[] { return ids.slice(0, max_length); }
    const codes = (t: string): number[] => [...t].map((c) => c.charCodeAt(0));
    calls++;
    return { ids: b.text.map((t) => clip(codes(t))) };
  }
  assert.match(tokenizeFn.toString(), /__name/); // tsx's keepNames helper, which must not count
  assert.deepEqual(reads(tokenizeFn), ['max_length']);
  assert.deepEqual(reads((r: { label: string }) => ({ label: labelMap.get(r.label) ?? -1 })), ['labelMap']);
  class Encoder { constructor(readonly k: number) {} encode(x: number): number { return x * this.k + max_length; } }
  assert.deepEqual(reads(Encoder), ['max_length']);
  assert.deepEqual(reads(new Encoder(2).encode), ['max_length']);
  assert.equal(calls, 0);
});

test('captured values hash by content: Sets and Maps of objects, order, types; class instances need a method', () => {
  const h = (v: unknown) => hashValue(v);
  // Sets / Maps of objects were once hashed through String(x): every object looked alike
  assert.notEqual(h(new Set([{ a: 1 }])), h(new Set([{ a: 2 }])));
  assert.notEqual(h(new Set([1])), h(new Set(['1'])));
  assert.notEqual(h(new Map([[{ k: 1 }, 'x']])), h(new Map([[{ k: 2 }, 'x']])));
  assert.equal(h(new Map([['neg', 0], ['pos', 1]])), h(new Map([['neg', 0], ['pos', 1]])));
  // iteration order is observable by the function (Object.keys, [...map]), so it is part of the value
  assert.notEqual(h(new Map([['neg', 0], ['pos', 1]])), h(new Map([['pos', 1], ['neg', 0]])));
  assert.notEqual(h({ a: 1, b: 2 }), h({ b: 2, a: 1 }));
  assert.notEqual(h(1n), h(1));
  assert.notEqual(h(Int32Array.of(1)), h(Float32Array.of(1)));
  assert.equal(h(Uint8Array.of(1, 2)), h(Uint8Array.of(1, 2)));
  assert.notEqual(h(new Date(0)), h(new Date(1)));
  assert.notEqual(h(/a/g), h(/a/i));
  assert.notEqual(h(-0), h(0));
  class Vocab { constructor(private readonly words: string[]) {} fingerprint(): string { return this.words.join('|'); } }
  assert.equal(h(new Vocab(['a', 'b'])), h(new Vocab(['a', 'b'])));
  assert.notEqual(h(new Vocab(['a', 'b'])), h(new Vocab(['a', 'c'])));
  class Opaque { #secret = 1; get secret(): number { return this.#secret; } }
  assert.throws(() => h({ tok: new Opaque() }), (e: unknown) => e instanceof UnhashableError && e.message.startsWith('an object of class Opaque') &&
    e.path.join('') === '.tok');
  // a function is hashed by its source only when everything it reads is given alongside (env)
  const scale = 3;
  const f = (x: number) => x * scale;
  assert.throws(() => h([f]), /function f reads scale from its closure \(add it to captures\)/);
  assert.equal(hashValue(f, { env: { scale } }), hashValue(f, { env: { scale: 99 } })); // the env values are hashed by the caller
  assert.notEqual(h((x: number) => x + 1), h((x: number) => x + 2));
  const cyc: Record<string, unknown> = {};
  cyc.self = cyc;
  assert.throws(() => h(cyc), /circular reference/);
});
