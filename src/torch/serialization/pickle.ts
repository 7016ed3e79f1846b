// pickle.ts — a restricted unpickler: the opcodes of pickle protocols 0-4 that data (not code)
// needs, where every GLOBAL must be on an allowlist the caller gives and resolves to a plain
// TypeScript function or marker.  Nothing from the stream is ever executed or looked up by name
// beyond that list, so `posix.system`, `builtins.eval`, unknown classes' __reduce__ and
// NEWOBJ/INST/OBJ are refused with an error naming the global.  Mirrors CPython's
// Lib/pickle.py _Unpickler with find_class restricted (as torch.load(weights_only=True)).

/** The stream is malformed or asks for something not allowed; the message says what and where. */
export class UnpicklingError extends Error {
  override name = 'UnpicklingError';
}

/** What an allowlisted global resolves to: a function REDUCE may call, or an opaque marker. */
export type AllowedGlobal = { call: (args: unknown[]) => unknown } | { marker: unknown };

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /** `module.name` -> what it stands for.  Every other global is refused. */
  globals: ReadonlyMap<string, AllowedGlobal>;
  /** Resolves a persistent id (BINPERSID / PERSID); without it they are refused. */
  persistentLoad?: (pid: unknown) => unknown;
  /** BUILD (setstate) on a resolved object: return true if handled; otherwise refused. */
  build?: (obj: unknown, state: unknown) => boolean;
  /** Name for error messages. */
  file?: string;
}

/** A global that was resolved from the allowlist (so REDUCE knows what it may call). */
class Global {
  constructor(readonly qualname: string, readonly value: AllowedGlobal) {}
}

/** The marker an allowlisted `{ marker }` global stands for, or undefined (for persistentLoad). */
export function markerOf(v: unknown): unknown {
  return v instanceof Global && 'marker' in v.value ? v.value.marker : undefined;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * Unpickles `data` with only the allowlisted globals.  Python values map to: dict -> Map,
 * list -> array, tuple -> frozen array, str -> string, bytes -> Uint8Array, int -> number
 * (bigint beyond 2^53), float -> number, None -> null, bool -> boolean.
 * @throws UnpicklingError for a refused global or opcode, or a malformed stream
 */
export function unpickle(data: Uint8Array, opts: UnpickleOptions): unknown {
  const file = opts.file ?? '<pickle>';
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);

  const fail = (msg: string): never => { throw new UnpicklingError(`${file}: ${msg} (at byte ${pos})`); };
  const need = (n: number): void => { if (n < 0 || pos + n > data.length) fail(`pickle data truncated: need ${n} more bytes`); };
  const u8 = (): number => { need(1); return data[pos++]!; };
  const u16 = (): number => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const i32 = (): number => { need(4); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) fail(`length ${v} exceeds the data`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => { need(n); const b = data.subarray(pos, pos + n); pos += n; return b; };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line');
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const utf8 = (b: Uint8Array): string => {
    try { return textDecoder.decode(b); } catch { return fail('invalid UTF-8 in a string'); }
  };
  const pop = (): unknown => (stack.length ? stack.pop() : fail('stack underflow'));
  const top = (): unknown => (stack.length ? stack[stack.length - 1] : fail('stack underflow'));
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) fail('MARK expected');
    stack = prev!;
    return items;
  };
  const signedLE = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    // One hex parse, linear in the length (shifting a growing BigInt byte by byte is quadratic:
    // a 160 KB LONG4 took 13 s).
    let v = BigInt('0x' + Buffer.from(b).reverse().toString('hex'));
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const resolve = (module: string, name: string): Global => {
    const q = `${module}.${name}`;
    const g = opts.globals.get(q);
    if (!g) fail(`refusing to load global '${q}': only ${[...opts.globals.keys()].join(', ')} are allowed (no code runs from a checkpoint)`);
    return new Global(q, g!);
  };
  const setItems = (d: unknown, items: unknown[]): void => {
    if (!(d instanceof Map)) fail('SETITEM(S) on a non-dict');
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let k = 0; k < items.length; k += 2) (d as Map<unknown, unknown>).set(items[k], items[k + 1]);
  };
  const appendItems = (l: unknown, items: unknown[]): void => {
    if (!Array.isArray(l) || Object.isFrozen(l)) fail('APPEND(S) on a non-list');
    (l as unknown[]).push(...items);
  };
  const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) fail(`unsupported pickle protocol ${v}`);
        break;
      }
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        const v = pop();
        if (stack.length || metastack.length) fail('data left on the stack at STOP');
        return v;
      }
      case 0x28: metastack.push(stack); stack = []; break; // MARK
      case 0x29: stack.push(tuple([])); break; // EMPTY_TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x74: { const t = tuple(popMark()); stack.push(t); break; } // TUPLE (popMark swaps `stack`)
      case 0x85: stack.push(tuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(), a = pop(); stack.push(tuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(), b = pop(), a = pop(); stack.push(tuple([a, b, c])); break; } // TUPLE3
      case 0x6c: { const l = popMark(); stack.push(l); break; } // LIST
      case 0x64: { const d = new Map(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(), k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const k = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(k)) fail(`memo key ${k} not found`);
        stack.push(memo.get(k));
        break;
      }
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x49: { // INT (protocol 0; "00"/"01" are bools)
        const s = line();
        if (s === '00') stack.push(false);
        else if (s === '01') stack.push(true);
        else if (/^[-+]?\d+$/.test(s)) stack.push(Number(s));
        else fail(`bad INT ${JSON.stringify(s)}`);
        break;
      }
      case 0x4c: { // LONG
        const s = line().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) fail(`bad LONG ${JSON.stringify(s)}`);
        const v = BigInt(s);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x8a: stack.push(signedLE(bytes(u8()))); break; // LONG1
      case 0x8b: { const n = i32(); if (n < 0) fail('negative LONG4 length'); stack.push(signedLE(bytes(n))); break; } // LONG4
      case 0x47: { need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT (big-endian)
      case 0x46: { const s = line(); const v = Number(s); if (Number.isNaN(v) && s.trim().toLowerCase() !== 'nan') fail(`bad FLOAT ${JSON.stringify(s)}`); stack.push(v); break; } // FLOAT
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x58: stack.push(utf8(bytes(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8(bytes(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8(bytes(u64()))); break; // BINUNICODE8
      case 0x56: // UNICODE (protocol 0: raw-unicode-escape)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a: string | undefined, b: string | undefined) => String.fromCodePoint(parseInt((a ?? b)!, 16))));
        break;
      case 0x54: { const n = i32(); if (n < 0) fail('negative BINSTRING length'); stack.push(latin1.decode(bytes(n))); break; } // BINSTRING (py2 str)
      case 0x55: stack.push(latin1.decode(bytes(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(bytes(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(bytes(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(bytes(u64()).slice()); break; // BINBYTES8
      case 0x63: { const module = line(); const name = line(); stack.push(resolve(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolve(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop(), fn = pop();
        if (!(fn instanceof Global)) fail(`REDUCE on something that is not an allowed global (${describe(fn)})`);
        const g = fn as Global;
        if (!('call' in g.value)) fail(`refusing to call '${g.qualname}': it is allowed only as a value`);
        if (!Array.isArray(args)) fail(`REDUCE arguments for '${g.qualname}' are not a tuple`);
        try {
          stack.push((g.value as { call: (a: unknown[]) => unknown }).call(args as unknown[]));
        } catch (e) {
          if (e instanceof UnpicklingError) throw e;
          fail(`${g.qualname}: ${(e as Error).message}`);
        }
        break;
      }
      case 0x62: { // BUILD
        const state = pop(), obj = top();
        if (!opts.build?.(obj, state)) fail(`refusing BUILD (__setstate__) on ${describe(obj)}`);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail('persistent ids are not allowed here');
        stack.push(opts.persistentLoad!(pid));
        break;
      }
      case 0x50: { // PERSID
        const pid = line();
        if (!opts.persistentLoad) fail('persistent ids are not allowed here');
        stack.push(opts.persistentLoad!(pid));
        break;
      }
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x81: case 0x92: { // NEWOBJ, NEWOBJ_EX: cls.__new__(cls, *args)
        if (op === 0x92) pop();
        pop();
        const cls = pop();
        pos = at;
        fail(`refusing to instantiate ${describe(cls)} (NEWOBJ): only tensors and dicts can be loaded`);
        break;
      }
      case 0x69: { const module = line(); const name = line(); pos = at; fail(`refusing to instantiate '${module}.${name}' (INST)`); break; } // INST
      case 0x6f: pos = at; fail('refusing to instantiate a class (OBJ)'); break; // OBJ
      default:
        pos = at;
        fail(`unsupported or disallowed pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

function describe(v: unknown): string {
  if (v instanceof Global) return `'${v.qualname}'`;
  if (v === null) return 'None';
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'a tuple' : 'a list';
  return typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v;
}
