// native-guard.fuzz.ts — the child process of native-guard.test.ts: calls every native export
// with bad arguments and prints a JSON report on stdout.  Each call is first written to a
// breadcrumb file ($TUNEKIT_FUZZ_BREADCRUMB, overwritten in place), so if one crashes the
// process the parent can name it.  (Not stderr: ~20k synchronous writes into a pipe can hit
// EAGAIN when the parent drains slowly.)
//   A. no arguments;  B. one bad value in every position;  C. a discovered valid prefix with one
//   bad value at each position;  D. that prefix with incompatible tensors;  E. targeted calls
//   known to crash a bare libtorch (integer overflow in division, bogus grads, ...);  F. free and
//   isLive with bogus numbers.
import { openSync, writeSync } from 'node:fs';
import { native } from '../../src/torch/native.js';
import { TorchError } from '../../src/torch/errors.js';

// A fuzzer calls every export with values of every wrong type on purpose: it reaches the addon
// by name, past the typed NativeOps interface.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const N = native as unknown as Record<string, (...args: any[]) => any>;

type Args = unknown[];
const crumbPath = process.env.TUNEKIT_FUZZ_BREADCRUMB;
const crumb = crumbPath ? openSync(crumbPath, 'w') : -1;
const log = (s: string): void => {
  if (crumb < 0) return;
  const line = (s.length > 500 ? s.slice(0, 500) : s).padEnd(512) + '\n';
  writeSync(crumb, line, 0); // position 0: the file always holds the latest call only
};
const failures: string[] = [];
const noArgsOk: string[] = [];
const accepted: Record<string, string[]> = {}; // export -> bad values it accepted in phase B
let calls = 0;

// ---- tensors made for one call and freed after it ----
let owned: number[] = [];
const desc = new Map<number, string>();
function mk(h: number, d: string): number { owned.push(h); desc.set(h, d); return h; }
const f32 = 6, f64 = 7, i64 = 4, bool = 11;
const fresh = (): number => mk(N.randn!([2, 3], f32), 'T[2,3]');
const VARIANTS: [string, () => number][] = [
  ['0-d', () => mk(N.scalarTensor!(1.5, f32), 'T[]')],
  ['int64[7]', () => mk(N.arange!(0, 7, 1, i64), 'I[7]')],
  ['f64[5,1,2]', () => mk(N.randn!([5, 1, 2], f64), 'D[5,1,2]')],
  ['bool[2,3]', () => mk(N.ones!([2, 3], bool), 'B[2,3]')],
  ['empty[0,3]', () => mk(N.zeros!([0, 3], f32), 'T[0,3]')],
  ['expanded[4,3]', () => { const b = N.randn!([1, 3], f32); owned.push(b); return mk(N.expand!(b, [4, 3]), 'X[4,3]'); }],
  ['leaf requiring grad', () => { const t = N.randn!([2, 3], f32); N.requiresGrad_!(t, true); return mk(t, 'G[2,3]'); }],
];

// A stale handle whose slot has been reused 1000 times: as a number it is ~6.7e10, so an op that
// reads it as a size fails to allocate instead of trying to.
const STALE = (() => { let h = N.zeros!([1], f32); for (let i = 0; i < 1000; i++) { N.free!(h); h = N.zeros!([1], f32); } N.free!(h); return h as number; })();
const BAD: [string, unknown][] = [
  ['string', 'x'], ['object', { a: 1 }], ['array', [1.5, 'a']], ['boolean', true], ['NaN', NaN], ['-1', -1], ['1.5', 1.5],
  ['2^53', 2 ** 53], ['1e300', 1e300], ['-Infinity', -Infinity], ['stale handle', STALE], ['[-1]', [-1]], ['[2^62]', [2 ** 62]],
  // libtorch 1.13 reserves int64s below about -2^62 for symbolic sizes (c10::SymInt); 1e300 reaches
  // the ops as INT64_MIN (argument readers cast it).  Both must be refused, not dereferenced.
  ['[1e300]', [1e300]], ['[-1.5*2^62]', [-(2 ** 62) - 2 ** 61]],
];
const show = (v: unknown): string => (typeof v === 'number' && desc.has(v) ? desc.get(v)! : typeof v === 'string' ? JSON.stringify(v)
  : Array.isArray(v) ? `[${v.map(show).join(',')}]` : v instanceof Float32Array ? 'Float32Array' : typeof v === 'object' && v ? '{..}' : String(v));

const grad0 = N.isGradEnabled!() as boolean;
const threads0 = N.getNumThreads!() as number;
const limit0 = N.setAllocationLimit!(0) as number; // read the allocation limit (and put it back below)
N.setAllocationLimit!(limit0);
function release(v: unknown): void {
  if (typeof v === 'number' && N.isLive!(v)) N.free!(v);
  else if (Array.isArray(v)) v.forEach(release);
}

/** One guarded call: 'ok', 'threw' (a TorchError from this op) or a failure string. */
function call(name: string, args: Args, phase: string): { kind: 'ok' | 'threw' | 'bad'; msg?: string } {
  calls++;
  log(`${phase} ${name}(${args.map(show).join(', ')})`);
  let r: { kind: 'ok' | 'threw' | 'bad'; msg?: string };
  try {
    release(N[name]!(...args));
    r = { kind: 'ok' };
  } catch (e) {
    if (e instanceof TorchError && e.op === name) r = { kind: 'threw', msg: e.message };
    else {
      r = { kind: 'bad', msg: String(e) };
      failures.push(`${phase} ${name}(${args.map(show).join(', ')}): threw a non-TorchError: ${String(e)}`);
    }
  }
  // Undo global state a call may have changed.
  if (N.isGradEnabled!() !== grad0) N.setGradEnabled!(grad0);
  if (N.getNumThreads!() !== threads0) N.setNumThreads!(threads0);
  if (name === 'setAllocationLimit') N.setAllocationLimit!(limit0);
  for (const h of owned) N.free!(h);
  owned = [];
  desc.clear();
  return r;
}

// What an "argument i: expected ..." message asks for.
const FILLERS: [RegExp, () => unknown][] = [
  [/expected a tensor handle|expected a tensor,/, fresh],
  [/expected an array of tensors or nulls/, () => [fresh()]],
  [/expected an array of tensors/, () => [fresh(), fresh()]],
  [/expected an array of integers/, () => [2, 3]],
  [/expected a Float64Array or an array of handles|expected an array,/, () => []],
  [/expected an ArrayBuffer or typed array/, () => new Float32Array(6)],
  [/expected a generator handle/, () => N.generatorNew!(1)],
  [/expected a Generator/, () => ({ __gen: N.generatorNew!(1) })],
  [/expected a number|expected an integer/, () => 1],
  [/expected a boolean/, () => false],
  [/expected a string/, () => 'none'],
];
/** Argument makers (re-run per call, as tensors are freed after each) that get past the type checks. */
function discover(name: string): (() => unknown)[] {
  const makers: (() => unknown)[] = [];
  for (let iter = 0; iter < 16; iter++) {
    const r = call(name, makers.map((m) => m()), 'discover');
    const m = r.kind === 'threw' ? /argument (\d+): (expected [^,]*,|tensor was disposed)/.exec(r.msg ?? '') : null;
    if (!m) break;
    const i = Number(m[1]);
    const filler = FILLERS.find(([re]) => re.test(m[2]!))?.[1] ?? (m[2]!.startsWith('tensor was') ? fresh : undefined);
    if (!filler || i > 15) break;
    while (makers.length < i) makers.push(() => undefined);
    makers[i] = filler;
  }
  return makers;
}

const NO_SWEEP = new Set(['setErrorClass']); // run last, on its own (see below)
const names = Object.keys(N).filter((n) => !NO_SWEEP.has(n)).sort();
for (const name of names) {
  // A. no arguments
  if (call(name, [], 'A').kind === 'ok') noArgsOk.push(name);
  // B. one bad value everywhere
  for (const [vn, v] of BAD)
    if (call(name, Array(10).fill(v), `B:${vn}`).kind === 'ok') (accepted[name] ??= []).push(vn);
  // C. valid prefix, one bad value at each position (including one past the prefix)
  const makers = discover(name);
  for (let p = 0; p <= makers.length; p++)
    for (const [vn, v] of BAD) call(name, [...makers.slice(0, p).map((m) => m()), v, ...makers.slice(p + 1).map((m) => m())], `C:${p}:${vn}`);
  // D. incompatible tensors at each tensor position, then at all of them at once
  const tensorPos = makers.map((m, i) => (m === fresh ? i : -1)).filter((i) => i >= 0);
  for (const p of tensorPos)
    for (const [vn, make] of VARIANTS) call(name, makers.map((m, i) => (i === p ? make() : m())), `D:${p}:${vn}`);
  for (let k = 0; k < VARIANTS.length && tensorPos.length > 1; k++)
    call(name, makers.map((m, i) => (m === fresh ? VARIANTS[(k + i) % VARIANTS.length]![1]() : m())), `D:all:${k}`);
}

// ---- E. targeted: each must throw a TorchError ----
const min64 = (): number => mk(N.full!([2], -(2 ** 63), i64), 'I64MIN[2]');
const min32 = (): number => mk(N.full!([2], -(2 ** 31), 3), 'I32MIN[2]');
const neg1 = (dt: number): number => mk(N.full!([2], -1, dt), `NEG1[2]`);
const TARGETED: [string, () => Args][] = [];
for (const [mn, dt] of [[min64, i64], [min32, 3]] as [() => number, number][]) {
  for (const op of ['remainder', 'fmod', 'remainder_', 'fmod_']) TARGETED.push([op, () => [mn(), neg1(dt)]]);
  for (const op of ['remainderS', 'fmodS', 'remainderS_', 'fmodS_']) TARGETED.push([op, () => [mn(), -1]]);
  for (const mode of ['floor', 'trunc']) {
    TARGETED.push(['div', () => [mn(), neg1(dt), mode]], ['divS', () => [mn(), -1, mode]]);
  }
}
TARGETED.push(
  ['setNumThreads', () => [2 ** 32 + 2]], ['setNumThreads', () => [1e6]],
  ['setGrad', () => [fresh(), mk(N.randn!([3, 2], f32), 'T[3,2]')]],
  ['setGrad', () => [fresh(), mk(N.zeros!([2, 3], i64), 'I[2,3]')]],
  ['fromBuffer', () => [new ArrayBuffer(0), f32, [2 ** 62, 4]]],
  ['fromBuffer', () => [new ArrayBuffer(8), f32, [2 ** 31, 2 ** 31, 2 ** 2, 0.5]]],
  ['embedding', () => [fresh(), mk(N.full!([2], 9, i64), 'I[2]')]],
  ['crossEntropy', () => [fresh(), mk(N.full!([2], 5, i64), 'I[2]')]],
  ['crossEntropy', () => [fresh(), mk(N.full!([2], -5, i64), 'I[2]'), null, 'none', -100, 0.1]],
  ['nllLoss', () => [fresh(), mk(N.full!([2], 7, i64), 'I[2]'), null, 'none']],
  ['oneHot', () => [mk(N.full!([2], -3, i64), 'I[2]')]],
  ['gather', () => [fresh(), 1, mk(N.full!([2, 3], 8, i64), 'I[2,3]')]],
  ['scatter', () => [fresh(), 1, mk(N.full!([2, 3], 8, i64), 'I[2,3]'), fresh()]],
  ['scatterAdd', () => [fresh(), 0, mk(N.full!([2, 3], -9, i64), 'I[2,3]'), fresh()]],
  ['indexAdd', () => [fresh(), 0, mk(N.full!([2], 5, i64), 'I[2]'), fresh()]],
  ['indexSelect', () => [fresh(), 1, mk(N.full!([2], 3, i64), 'I[2]')]],
  ['index', () => [fresh(), [mk(N.full!([2], 2, i64), 'I[2]')]]],
  ['multinomial', () => [mk(N.full!([3], -1, f32), 'T[3]'), 2]],
  ['narrow', () => [fresh(), 1, 2, 5]],
  ['item', () => [fresh()]],
  ['backward', () => [fresh()]],
  ['sdpa', () => [mk(N.scalarTensor!(1, f32), 'T[]'), fresh(), fresh()]],
  ['einsum', () => ['ij,jk->ikz', [fresh(), fresh()]]],
  ['freeMany', () => [new Float64Array(2), 3]],
);
for (const [name, make] of TARGETED) {
  const r = call(name, make(), 'E');
  if (r.kind === 'ok') failures.push(`E ${name}: returned, expected a TorchError`);
}

// ---- F. handle bookkeeping with bogus numbers answers false, and never frees a live tensor ----
{
  const t = N.zeros!([1], f32);
  const f = (name: string, v: unknown): unknown => { calls++; log(`F ${name}(${show(v)})`); return N[name]!(v); };
  for (const [vn, v] of BAD) {
    if (f('isLive', v) !== false) failures.push(`F isLive(${vn}) did not return false`);
    if (typeof v === 'number' && f('free', v) !== false) failures.push(`F free(${vn}) did not return false`);
  }
  if (f('isLive', t) !== true || f('isLive', t + 1) !== false) failures.push('F isLive is wrong for a live handle or its neighbour');
  if (f('free', t) !== true || f('free', t) !== false || f('isLive', t) !== false) failures.push('F free of a live handle: expected true, then false');
}

// setErrorClass last: garbage must be refused, and the real class goes back in any case.
for (const [vn, v] of BAD)
  if (call('setErrorClass', [v], `B:${vn}`).kind === 'ok') (accepted.setErrorClass ??= []).push(vn);
if (call('setErrorClass', [], 'A').kind === 'ok') noArgsOk.push('setErrorClass');
N.setErrorClass!(TorchError);
names.push('setErrorClass');

process.stdout.write(JSON.stringify({ exports: names.length, calls, failures, noArgsOk, accepted, live: N.liveTensorCount!() }) + '\n');
