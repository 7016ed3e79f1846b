#!/usr/bin/env node
// gen-native-types.mjs — writes src/torch/native-types.ts, the typed interface of the addon,
// from the C++ sources: every `TK_OP(name) { ... }` in native/src/**/*.cc (macros such as
// BINARY(mul, mul) expanded) becomes one method of `NativeOps`.  Parameter types come from the
// argument readers each op calls (native/src/args.h: T -> handle, I/D -> number, IL -> number[],
// ...), optionality from the optional readers (OT, OI, OB, ...) and isMissing(info, i); the
// return type from how the op returns (RET -> Handle, wrapList -> Handle[], Napi::Number ...).
// What cannot be read off the source (raw `info[i]` access, tensors that may be undefined) is
// written by hand in OVERRIDES below; an op the generator cannot type is an error, not `any`.
//   node scripts/gen-native-types.mjs           write the file
//   node scripts/gen-native-types.mjs --check   exit 1 when the committed file is stale
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'native', 'src');
const outFile = join(root, 'src', 'torch', 'native-types.ts');

/** Argument readers of args.h (and the ops files' helpers): TS type, and whether a missing argument is allowed. */
const READERS = {
  T: { type: 'Handle', optional: false },
  OT: { type: 'Handle', optional: true },
  I: { type: 'number', optional: false },
  OI: { type: 'number', optional: true },
  D: { type: 'number', optional: false },
  OD: { type: 'number', optional: true },
  B: { type: 'boolean', optional: false },
  OB: { type: 'boolean', optional: true },
  STR: { type: 'string', optional: false },
  IL: { type: 'number[]', optional: false },
  TL: { type: 'Handle[]', optional: false },
  S: { type: 'number | boolean', optional: false },
  DT: { type: 'DTypeCode', optional: false },
  ODT: { type: 'DTypeCode', optional: true },
  DEV: { type: 'string', optional: true }, // a missing device is the CPU
  OGEN: { type: 'NativeGenerator', optional: true },
  // helpers of the ops files (common.h, creation.cc, device.cc, pointwise.cc)
  alphaArg: { type: 'number | boolean', optional: true },
  // dist.cc: integers in a range, timeouts in ms
  rangeArg: { type: 'number', optional: false },
  timeoutArg: { type: 'number', optional: false },
  OS: { type: 'number | boolean', optional: true },
  reductionArg: { type: "'mean' | 'sum' | 'none'", optional: true },
  roundingArg: { type: "'trunc' | 'floor'", optional: true },
  seedArg: { type: 'number', optional: false },
  genArg: { type: 'GeneratorExternal', optional: false },
  deviceArg: { type: 'number', optional: true },
  likeOpts: { type: 'DTypeCode', optional: true }, // likeOpts(info, t, i): ODT(info, i)
  OPTS: null, // OPTS(info, dtypeArg, deviceArg): ODT + DEV
  isMissing: null, // marks its argument optional
  hasDims: null,
};

/**
 * Hand-written parts, per op: `params` replaces the whole parameter list, `args` the type of
 * single arguments (by index), `returns` the return type.  Each says why it is needed.
 */
const OVERRIDES = {
  // reads info[0] as a function (the TS TorchError class)
  // reads info[2] directly: the parameters' names (strings)
  distReducerCreate: { args: { 2: 'string[]' } },
  setErrorClass: { params: 'errorClass: new (message: string, op: string) => Error' },
  // reads info[0] directly: any number (stale handles are ignored)
  free: { params: 'h: Handle' },
  // reads info[0] directly: a Float64Array (with a count) or an array of handles
  freeMany: { args: { 0: 'Float64Array | Handle[]' } },
  // reads info[0] directly and accepts anything (false for non-handles)
  isLive: { params: 'h: unknown' },
  // reads info[0] directly: the bytes to copy
  fromBuffer: { args: { 0: 'ArrayBuffer | ArrayBufferView' } },
  // reads info[1] directly: null/undefined elements mean ':' on that dim
  index: { args: { 1: '(Handle | null)[]' } },
  // reads info[1] directly: a momentum buffer per parameter, null before the first step;
  // returns the buffers it created (wrap of an undefined tensor is null)
  sgdStep: { args: { 1: '(Handle | null)[]' }, returns: '(Handle | null)[]' },
  // t.grad() is undefined until a backward reaches t: wrap gives null
  grad: { returns: 'Handle | null' },
  // with allowUnused, an input the outputs do not depend on has an undefined gradient: null
  autogradGrad: { returns: '(Handle | null)[]' },
  // returns the ArrayBuffer it filled (a local variable the generator cannot type)
  toBuffer: { returns: 'ArrayBuffer' },
  // returns the previous autocast state it replaced: [enabled, dtype code, cache enabled]
  autocastEnter: { returns: '[boolean, number, boolean]' },
  // read the device through a helper (required: no default)
  cudaMaxMemoryAllocated: { params: 'device: number' },
  cudaResetPeakMemoryStats: { params: 'device: number' },
  // the total norm tensor, null without gradients (wrap of an undefined tensor)
  clipGradNormTensor: { returns: 'Handle | null' },
};

function walk(dir) {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.cc') ? [p] : [];
  });
}

/** Expands the file's own multi-op macros (`#define BINARY(name, fn) TK_OP(name) ...`). */
function expandMacros(text) {
  const lines = text.replace(/\\\r?\n/g, '\u0000').split('\n'); // continuation lines joined (marked)
  const macros = new Map();
  const out = [];
  for (const line of lines) {
    const def = /^#define\s+(\w+)\(([^)]*)\)(.*)$/s.exec(line);
    if (def && def[3].includes('TK_OP(')) {
      macros.set(def[1], { params: def[2].split(',').map((s) => s.trim()), body: def[3].replace(/\u0000/g, '\n') });
      out.push(''); // a blank line: the comment above a #define documents the macro, not an op
      continue;
    }
    const use = /^(\w+)\(([^)]*)\)\s*$/.exec(line);
    const m = use && macros.get(use[1]);
    if (m) {
      const args = use[2].split(',').map((s) => s.trim());
      let body = m.body;
      m.params.forEach((p, i) => { body = body.replace(new RegExp(`\\b${p}\\b`, 'g'), args[i]); });
      out.push('', body.replace(/\s*##\s*/g, '').trim()); // blank first: no doc comment attaches
      continue;
    }
    out.push(line.replace(/\u0000/g, '\n'));
  }
  return out.join('\n');
}

/** The `{ ... }` block starting at text[open] (braces inside string and char literals ignored). */
function block(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') { i = text.indexOf('\n', i); if (i < 0) break; continue; }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced braces at offset ${open}`);
}

/** The `//` comment lines directly above offset `at` (no blank line between). */
function docAbove(text, at) {
  const before = text.slice(0, at).split('\n');
  before.pop(); // the TK_OP line itself
  const doc = [];
  while (before.length && /^\s*\/\//.test(before[before.length - 1])) doc.unshift(before.pop().replace(/^\s*\/\/\s?/, ''));
  return doc;
}

function fail(where, msg) {
  throw new Error(`gen-native-types: ${where}: ${msg} (type it in OVERRIDES of scripts/gen-native-types.mjs)`);
}

/** One op's parameter list and return type, read from its body. */
function typeOp(name, body, where) {
  const ov = OVERRIDES[name] ?? {};
  const args = new Map(); // index -> { types: Set, optional: bool, required: bool }
  const at = (i) => {
    if (!args.has(i)) args.set(i, { types: new Set(), marked: false, required: false });
    return args.get(i);
  };
  const code = body.replace(/\/\/[^\n]*/g, '');
  for (const m of code.matchAll(/\b(\w+)\(info,\s*([^)]*)\)/g)) {
    const [call, reader, rest] = m;
    if (!(reader in READERS)) fail(where, `unknown argument reader ${call}`);
    const ix = rest.split(',').map((s) => s.trim());
    const num = (s) => {
      if (!/^\d+$/.test(s)) fail(where, `${call}: the argument index is not a literal`);
      return Number(s);
    };
    if (reader === 'isMissing' || reader === 'hasDims') { at(num(ix[0])).marked = true; continue; }
    if (reader === 'OPTS') {
      at(num(ix[0])).types.add('DTypeCode');
      at(num(ix[1])).types.add('string');
      continue;
    }
    const r = READERS[reader];
    const a = at(num(reader === 'likeOpts' ? ix[1] : ix[0]));
    a.types.add(r.type);
    if (!r.optional) a.required = true;
  }
  for (const m of code.matchAll(/\binfo\[(\d+)\]/g)) {
    const i = Number(m[1]);
    if (ov.params || ov.args?.[i]) continue;
    if (!args.has(i) || args.get(i).types.size === 0) fail(where, `argument ${i} is read as info[${i}], not by a reader`);
  }

  let params;
  if (ov.params !== undefined) params = ov.params;
  else {
    // an argument typed by hand is required unless the op checks isMissing on it
    for (const i of Object.keys(ov.args ?? {})) at(Number(i)).required = true;
    const n = args.size ? Math.max(...args.keys()) + 1 : 0;
    const list = [];
    for (let i = 0; i < n; i++) {
      const a = args.get(i);
      if (!a) fail(where, `argument ${i} is never read`);
      const type = ov.args?.[i] ?? [...a.types].join(' | ');
      const optional = a.marked || !a.required;
      list.push({ name: `a${i}`, type, optional });
    }
    // `?` only on a trailing run of optional parameters; an optional one before a required one
    // takes `| null | undefined` instead (TS allows no required parameter after `x?`)
    let tail = list.length;
    while (tail > 0 && list[tail - 1].optional) tail--;
    params = list.map((p, i) => (p.optional ? (i >= tail ? `${p.name}?: ${p.type} | null` : `${p.name}: ${p.type} | null | undefined`) : `${p.name}: ${p.type}`)).join(', ');
  }

  let returns = ov.returns;
  if (returns === undefined) {
    const kinds = new Set();
    if (/\bRET\(/.test(code)) kinds.add('Handle');
    if (/\bUNDEF\b/.test(code) || /return info\.Env\(\)\.Undefined\(\)/.test(code)) kinds.add('undefined');
    for (const m of code.matchAll(/\breturn\s+([^;]*);/g)) {
      const e = m[1];
      if (/^wrapList\(/.test(e)) kinds.add('Handle[]');
      else if (/^intList\(/.test(e)) kinds.add('number[]');
      else if (/^Napi::Number::New\(/.test(e)) kinds.add('number');
      else if (/^Napi::Boolean::New\(/.test(e)) kinds.add('boolean');
      else if (/^Napi::String::New\(/.test(e)) kinds.add('string');
      else if (/^Napi::ArrayBuffer::New\(/.test(e)) kinds.add('ArrayBuffer');
      else if (/^Napi::External<at::Generator>::New\(/.test(e)) kinds.add('GeneratorExternal');
      else if (/^info\.Env\(\)\.Undefined\(\)$/.test(e)) kinds.add('undefined');
      else if (/^info\.Env\(\)\.Null\(\)$/.test(e)) kinds.add('null');
      else fail(where, `cannot type the return value \`${e}\``);
    }
    if (kinds.size === 0) fail(where, 'no return found');
    const order = [...kinds].sort((x, y) => Number(x === 'null' || x === 'undefined') - Number(y === 'null' || y === 'undefined'));
    returns = kinds.size === 1 && kinds.has('undefined') ? 'void' : order.join(' | ');
  }
  return { params, returns };
}

/** The ops one source file defines, typed (`rel` names the file in messages). */
export function opsOf(source, rel) {
  const text = expandMacros(source);
  const ops = [];
  for (const m of text.matchAll(/^\s*TK_OP\((\w+)\)\s*\{/gm)) {
    const name = m[1];
    const open = m.index + m[0].length - 1;
    const doc = docAbove(text, m.index + m[0].indexOf('TK_OP'));
    ops.push({ name, file: rel, doc, ...typeOp(name, block(text, open), `${rel}: ${name}`) });
  }
  return ops;
}

/** Every op of the addon, in source order (files sorted by path). */
export function collectOps() {
  const ops = [];
  const seen = new Map();
  for (const file of walk(srcDir)) {
    const rel = relative(root, file);
    for (const op of opsOf(readFileSync(file, 'utf8'), rel)) {
      if (seen.has(op.name)) throw new Error(`gen-native-types: ${op.name} is defined twice (${seen.get(op.name)} and ${rel})`);
      seen.set(op.name, rel);
      ops.push(op);
    }
  }
  for (const name of Object.keys(OVERRIDES)) if (!seen.has(name)) throw new Error(`gen-native-types: OVERRIDES names '${name}', which no TK_OP defines`);
  return ops;
}

export function render(ops) {
  const lines = [
    '// native-types.ts — GENERATED by scripts/gen-native-types.mjs from native/src/**/*.cc; do not edit.',
    '// The typed face of the addon: one method per TK_OP, argument types from its readers',
    '// (native/src/args.h).  Regenerate after changing an op: `node scripts/gen-native-types.mjs`;',
    '// test/torch/native-types.test.ts fails while this file is stale.',
    '',
    '/** A native tensor handle (slot index + generation * 2^26); -1 once disposed. */',
    'export type Handle = number;',
    '/** A libtorch ScalarType code (src/torch/dtype.ts DTYPE_CODE). */',
    'export type DTypeCode = number;',
    '/** The N-API external holding an at::Generator (made by generatorNew). */',
    'export interface GeneratorExternal { readonly __brand: "at::Generator" }',
    '/** What OGEN reads: an object whose `__gen` is a generator external. */',
    'export interface NativeGenerator { readonly __gen: GeneratorExternal }',
    '',
    '/** The addon\'s exports.  Optional arguments accept null or undefined (isMissing in args.h). */',
    'export interface NativeOps {',
  ];
  let file = null;
  for (const op of ops) {
    if (op.file !== file) {
      file = op.file;
      lines.push(`  // ---- ${file} ----`);
    }
    if (op.doc.length) lines.push(...(op.doc.length === 1 ? [`  /** ${op.doc[0].replace(/\*\//g, '* /')} */`] : ['  /**', ...op.doc.map((d) => `   * ${d.replace(/\*\//g, '* /')}`.trimEnd()), '   */']));
    lines.push(`  ${op.name}(${op.params}): ${op.returns};`);
  }
  lines.push('}', '', '/** Every op name, in source order (test/torch/native-types.test.ts compares it with the loaded addon). */');
  lines.push('export const NATIVE_OP_NAMES = [');
  for (let i = 0; i < ops.length; i += 8) lines.push(`  ${ops.slice(i, i + 8).map((o) => `'${o.name}'`).join(', ')},`);
  lines.push('] as const satisfies readonly (keyof NativeOps)[];');
  lines.push('// NATIVE_OP_NAMES lists every method of NativeOps (a compile error otherwise).');
  lines.push('const allListed: Exclude<keyof NativeOps, (typeof NATIVE_OP_NAMES)[number]> extends never ? true : false = true;');
  lines.push('void allListed;', '');
  return lines.join('\n');
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const text = render(collectOps());
  if (process.argv.includes('--check')) {
    const current = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
    if (current !== text) {
      console.error(`${relative(root, outFile)} is stale: run \`node scripts/gen-native-types.mjs\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${relative(root, outFile)} is up to date.`);
  } else {
    writeFileSync(outFile, text);
    console.log(`wrote ${relative(root, outFile)}`);
  }
}
