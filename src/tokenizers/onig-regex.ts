// A parser for the Oniguruma regular expressions of tokenizer.json (`{"Regex": "..."}` in Replace
// normalizers/decoders and Split pre-tokenizers; HF tokenizers compiles them with Oniguruma's
// default syntax), producing the small tree that the backtracking check in redos.ts analyses.
//
// The tree keeps only what matters for backtracking: character sets (one per character the
// pattern consumes, as exact sets of code points), sequence, alternation, repetition,
// zero-width assertions, and look-arounds (kept as side branches, since the engine runs them).
// Constructs whose exact meaning the check cannot model are over-approximated so the check stays
// conservative: an unknown \p{...} property, \X, a back-reference or the absent operator match
// "any text"; a conditional is read as an alternation of its branches. Subexpression calls
// (\g<name>, which can recurse) and `(?L)` (find-longest, which explores every path) are refused.

/** A set of code points: sorted, disjoint, non-adjacent half-open ranges `[lo0, hi0, lo1, hi1, ...]`. */
export type CodeSet = readonly number[];

const MAX_CP = 0x110000;
export const EMPTY_SET: CodeSet = [];
export const ANY_SET: CodeSet = [0, MAX_CP];

function fromRanges(ranges: Array<[number, number]>): CodeSet {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of ranges) {
    if (hi <= lo) continue;
    if (out.length > 0 && lo <= out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function pairs(s: CodeSet): Array<[number, number]> {
  const r: Array<[number, number]> = [];
  for (let i = 0; i < s.length; i += 2) r.push([s[i]!, s[i + 1]!]);
  return r;
}

/** The union of sets. */
export function union(...sets: CodeSet[]): CodeSet {
  return fromRanges(sets.flatMap(pairs));
}

/** The code points not in `s`. */
export function complement(s: CodeSet): CodeSet {
  const out: number[] = [];
  let at = 0;
  for (let i = 0; i < s.length; i += 2) {
    if (s[i]! > at) out.push(at, s[i]!);
    at = s[i + 1]!;
  }
  if (at < MAX_CP) out.push(at, MAX_CP);
  return out;
}

/** The intersection of two sets. */
export function intersect(a: CodeSet, b: CodeSet): CodeSet {
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]!, b[j]!), hi = Math.min(a[i + 1]!, b[j + 1]!);
    if (lo < hi) out.push(lo, hi);
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return out;
}

/** Whether two sets share a code point. */
export function intersects(a: CodeSet, b: CodeSet): boolean {
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    if (Math.max(a[i]!, b[j]!) < Math.min(a[i + 1]!, b[j + 1]!)) return true;
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return false;
}

function has(s: CodeSet, cp: number): boolean {
  let lo = 0, hi = s.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cp < s[2 * mid]!) hi = mid;
    else if (cp >= s[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

const single = (cp: number): CodeSet => [cp, cp + 1];

// ---- Unicode sets, computed from the JavaScript engine's Unicode tables -----------------------

// The code points of planes 0-3 and the first block of plane 14 as one string (surrogates left
// out: Rust strings never hold them); planes 4-13 and the rest of 14-16 are uniform (unassigned,
// or private use) except for their last two code points, so one probe stands for each segment.
const SCANNED_SUPPLEMENTARY: Array<[number, number]> = [[0x10000, 0x40000], [0xe0000, 0xe1000]];
let scanText: string | undefined;
let scanOffsets: Array<{ at: number; cp: number; end: number; width: number }> = [];
function scanned(): string {
  if (scanText !== undefined) return scanText;
  const segments: Array<[number, number]> = [[0, 0xd800], [0xe000, 0x10000], ...SCANNED_SUPPLEMENTARY];
  const size = segments.reduce((n, [lo, hi]) => n + (hi - lo) * (lo >= 0x10000 ? 2 : 1), 0);
  const u16 = new Uint16Array(size);
  let k = 0;
  scanOffsets = [];
  for (const [lo, hi] of segments) {
    const width = lo >= 0x10000 ? 2 : 1;
    scanOffsets.push({ at: k, cp: lo, end: hi, width });
    for (let c = lo; c < hi; c++) {
      if (width === 1) u16[k++] = c;
      else {
        const v = c - 0x10000;
        u16[k++] = 0xd800 + (v >> 10);
        u16[k++] = 0xdc00 + (v & 0x3ff);
      }
    }
  }
  scanText = new TextDecoder('utf-16le').decode(u16);
  return scanText;
}
function cpAtOffset(index: number): number {
  for (let i = scanOffsets.length - 1; i >= 0; i--) {
    const s = scanOffsets[i]!;
    if (index >= s.at) return Math.min(s.end, s.cp + (index - s.at) / s.width);
  }
  return 0;
}
function unscannedSegments(): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const add = (lo: number, hi: number) => {
    for (let plane = lo >> 16; plane <= (hi - 1) >> 16; plane++) {
      const a = Math.max(lo, plane << 16), b = Math.min(hi, (plane + 1) << 16);
      const nonChars = ((plane + 1) << 16) - 2;
      if (b > nonChars) {
        if (a < nonChars) out.push([a, nonChars]);
        out.push([Math.max(a, nonChars), b]);
      } else out.push([a, b]);
    }
  };
  add(0x40000, 0xe0000);
  add(0xe1000, MAX_CP);
  return out;
}

const propertyCache = new Map<string, CodeSet>();
/** The code points matching a JavaScript class body such as `\p{L}` or `\p{Script=Han}`; throws if JS rejects it. */
function jsClassSet(body: string): CodeSet {
  const cached = propertyCache.get(body);
  if (cached) return cached;
  const text = scanned();
  const ranges: Array<[number, number]> = [];
  for (const m of text.matchAll(new RegExp(`[${body}]+`, 'gu'))) ranges.push([cpAtOffset(m.index!), cpAtOffset(m.index! + m[0].length)]);
  const probe = new RegExp(`^[${body}]$`, 'u');
  for (const [lo, hi] of unscannedSegments()) if (probe.test(String.fromCodePoint(lo))) ranges.push([lo, hi]);
  // The surrogate gap is not scanned: a property never matches a lone surrogate in UTF-8 text.
  const set = fromRanges(ranges);
  propertyCache.set(body, set);
  return set;
}

const ASCII_WORD = fromRanges([[0x30, 0x3a], [0x41, 0x5b], [0x5f, 0x60], [0x61, 0x7b]]);
const ASCII_DIGIT = fromRanges([[0x30, 0x3a]]);
const ASCII_SPACE = fromRanges([[0x09, 0x0e], [0x20, 0x21]]);
const HEX_DIGIT = fromRanges([[0x30, 0x3a], [0x41, 0x47], [0x61, 0x67]]);

// Oniguruma's Unicode definitions (UTS #18 Annex C, as its unicode property data generates them).
const unicodeWord = () => jsClassSet('\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}');
const unicodeDigit = () => jsClassSet('\\p{Nd}');
const unicodeSpace = () => jsClassSet('\\p{White_Space}');

/** The POSIX bracket and Oniguruma ctype names (`[:alpha:]`, `\p{Alnum}`), Unicode versions. */
function ctypeSet(name: string): CodeSet | undefined {
  switch (name) {
    case 'alpha': return jsClassSet('\\p{Alphabetic}');
    case 'digit': return unicodeDigit();
    case 'alnum': return union(jsClassSet('\\p{Alphabetic}'), unicodeDigit());
    case 'upper': return jsClassSet('\\p{Uppercase}');
    case 'lower': return jsClassSet('\\p{Lowercase}');
    case 'space': return unicodeSpace();
    case 'blank': return union(jsClassSet('\\p{Zs}'), single(0x09));
    case 'cntrl': return jsClassSet('\\p{Cc}');
    case 'punct': return union(jsClassSet('\\p{P}'), fromRanges([[0x24, 0x25], [0x2b, 0x2c], [0x3c, 0x3f], [0x5e, 0x5f], [0x60, 0x61], [0x7c, 0x7d], [0x7e, 0x7f]]));
    case 'graph': return complement(union(unicodeSpace(), jsClassSet('\\p{Cc}\\p{Cs}\\p{Cn}')));
    case 'print': return union(complement(union(unicodeSpace(), jsClassSet('\\p{Cc}\\p{Cs}\\p{Cn}'))), jsClassSet('\\p{Zs}'));
    case 'xdigit': return HEX_DIGIT;
    case 'word': return unicodeWord();
    case 'ascii': return [0, 0x80];
    case 'any': return ANY_SET;
    case 'assigned': return complement(jsClassSet('\\p{Cn}'));
    default: return undefined;
  }
}

/** `\p{name}` as Oniguruma reads it (case, spaces, `_` and `-` ignored); undefined when unknown here. */
function propertySet(raw: string): CodeSet | undefined {
  const norm = raw.toLowerCase().replace(/[\s_-]/g, '');
  const ctype = ctypeSet(norm);
  if (ctype) return ctype;
  if (!/^[A-Za-z0-9_ =-]+$/.test(raw)) return undefined;
  const words = raw.trim().split(/[\s_-]+/).filter((w) => w !== '');
  const title = words.map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join('_');
  for (const candidate of [raw, title, title.replace(/_/g, ''), `Script=${raw}`, `Script=${title}`]) {
    try {
      return jsClassSet(`\\p{${candidate}}`);
    } catch {
      // not a name JavaScript knows under this spelling
    }
  }
  return undefined;
}

// Simple case folding: the equivalence classes of code points under toLowerCase/toUpperCase.
let foldClasses: Map<number, number[]> | undefined;
function foldMap(): Map<number, number[]> {
  if (foldClasses) return foldClasses;
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const join = (a: number, b: number) => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a), rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  const cased = jsClassSet('\\p{Changes_When_Casemapped}');
  for (let i = 0; i < cased.length; i += 2) {
    for (let cp = cased[i]!; cp < cased[i + 1]!; cp++) {
      const s = String.fromCodePoint(cp);
      for (const other of [s.toLowerCase(), s.toUpperCase()]) {
        const o = other.codePointAt(0)!;
        if (other.length === String.fromCodePoint(o).length && o !== cp) join(cp, o);
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const r = find(cp);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(cp);
  }
  foldClasses = new Map();
  for (const g of groups.values()) for (const cp of g) foldClasses.set(cp, g);
  return foldClasses;
}

/** `s` plus every case variant of its members. */
export function caseClosure(s: CodeSet): CodeSet {
  const extra: Array<[number, number]> = [];
  for (const [cp, group] of foldMap()) if (has(s, cp)) for (const o of group) extra.push([o, o + 1]);
  return extra.length === 0 ? s : union(s, fromRanges(extra));
}

// ---- The tree ----------------------------------------------------------------------------------

/** A parsed pattern; offsets are UTF-16 indices into the pattern. */
export type RegexNode =
  | { t: 'set'; set: CodeSet; at: number; end: number }
  | { t: 'seq'; items: RegexNode[] }
  | { t: 'alt'; items: RegexNode[] }
  | { t: 'rep'; body: RegexNode; min: number; max: number; at: number; end: number }
  | { t: 'assert' }
  | { t: 'look'; body: RegexNode }
  | { t: 'empty' };

/** A pattern the parser cannot read (Oniguruma would most likely reject it too), or refuses to model. */
export class RegexParseError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'RegexParseError';
  }
}

interface Flags { i: boolean; x: boolean; asciiWord: boolean; asciiDigit: boolean; asciiSpace: boolean; asciiPosix: boolean }

const ONIG_MAX_REPEAT = 100000;
const anyText = (at: number, end: number): RegexNode => ({ t: 'rep', body: { t: 'set', set: ANY_SET, at, end }, min: 0, max: Infinity, at, end });

/** Parses an Oniguruma pattern (its default syntax, as HF tokenizers compiles it). */
export function parseOnigPattern(src: string): RegexNode {
  let i = 0;
  const fail = (msg: string, at = i): never => {
    throw new RegexParseError(msg, at);
  };
  const peek = (k = 0) => src[i + k];
  const readCp = (): number => {
    const cp = src.codePointAt(i);
    if (cp === undefined) fail('unexpected end of pattern');
    i += cp! > 0xffff ? 2 : 1;
    return cp!;
  };

  const skipExtended = (f: Flags) => {
    if (!f.x) return;
    for (;;) {
      const c = peek();
      if (c !== undefined && /\s/.test(c)) i++;
      else if (c === '#') {
        while (i < src.length && src[i] !== '\n') i++;
      } else return;
    }
  };

  const literal = (cp: number, f: Flags, at: number): RegexNode => ({ t: 'set', set: f.i ? caseClosure(single(cp)) : single(cp), at, end: i });

  const hex = (min: number, max: number): number => {
    let s = '';
    while (s.length < max && /[0-9a-fA-F]/.test(peek() ?? '')) s += src[i++];
    if (s.length < min) fail('invalid hexadecimal escape');
    return parseInt(s, 16);
  };

  /** A single-character escape after `\` (shared by atoms and classes); undefined if `c` is not one. */
  const charEscape = (c: string): number | undefined => {
    switch (c) {
      case 't': return 0x09;
      case 'n': return 0x0a;
      case 'r': return 0x0d;
      case 'f': return 0x0c;
      case 'v': return 0x0b;
      case 'a': return 0x07;
      case 'e': return 0x1b;
      case 'x':
        if (peek() === '{') {
          i++;
          const v = hex(1, 8);
          if (peek() !== '}') fail('invalid code point value');
          i++;
          if (v >= MAX_CP) fail('invalid code point value');
          return v;
        }
        return hex(0, 2);
      case 'u': return hex(4, 4);
      case 'o':
        if (peek() === '{') {
          i++;
          let s = '';
          while (/[0-7]/.test(peek() ?? '')) s += src[i++];
          if (peek() !== '}' || s === '') fail('invalid code point value');
          i++;
          return parseInt(s, 8);
        }
        return undefined;
      case '0': {
        let s = '';
        while (s.length < 2 && /[0-7]/.test(peek() ?? '')) s += src[i++];
        return parseInt(s || '0', 8);
      }
      case 'c': {
        if (i >= src.length) fail('end pattern at control');
        return readCp() & 0x1f;
      }
      default: return undefined;
    }
  };

  /** Class escapes (\d \w \s \h and negations, \p{...}); undefined if `c` is not one. */
  const classEscape = (c: string, f: Flags): CodeSet | undefined => {
    switch (c) {
      case 'd': return f.asciiDigit ? ASCII_DIGIT : unicodeDigit();
      case 'D': return complement(f.asciiDigit ? ASCII_DIGIT : unicodeDigit());
      case 'w': return f.asciiWord ? ASCII_WORD : unicodeWord();
      case 'W': return complement(f.asciiWord ? ASCII_WORD : unicodeWord());
      case 's': return f.asciiSpace ? ASCII_SPACE : unicodeSpace();
      case 'S': return complement(f.asciiSpace ? ASCII_SPACE : unicodeSpace());
      case 'h': return HEX_DIGIT;
      case 'H': return complement(HEX_DIGIT);
      case 'p':
      case 'P': {
        if (peek() !== '{') fail('invalid character property name {');
        const close = src.indexOf('}', i);
        if (close < 0) fail('invalid character property name');
        let name = src.slice(i + 1, close);
        i = close + 1;
        let negate = c === 'P';
        if (name.startsWith('^')) {
          negate = !negate;
          name = name.slice(1);
        }
        const set = propertySet(name);
        // Unknown here (e.g. a block name): any character, whichever the polarity, stays
        // conservative; a class holding one becomes any character too (its complement would not).
        if (set === undefined) {
          unknownProperties++;
          return ANY_SET;
        }
        return negate ? complement(set) : set;
      }
      default: return undefined;
    }
  };

  let unknownProperties = 0;
  const parseClass = (f: Flags): CodeSet => {
    // At '[' already consumed.
    const start = i - 1;
    const unknownBefore = unknownProperties;
    let negate = false;
    if (peek() === '^') {
      negate = true;
      i++;
    }
    let acc: CodeSet = EMPTY_SET;
    let first = true;
    let intersection: CodeSet | undefined;
    for (;;) {
      if (i >= src.length) fail('premature end of char-class', start);
      const c = peek()!;
      if (c === ']' && !first) {
        i++;
        break;
      }
      first = false;
      if (c === '&' && peek(1) === '&') {
        i += 2;
        intersection = intersection === undefined ? acc : intersect(intersection, acc);
        acc = EMPTY_SET;
        continue;
      }
      if (c === '[') {
        const posix = /^\[:(\^?)([A-Za-z]+):\]/.exec(src.slice(i, i + 20));
        if (posix) {
          i += posix[0].length;
          const set = ctypeSet(posix[2]!.toLowerCase());
          if (set === undefined) fail(`invalid POSIX bracket type [:${posix[2]}:]`);
          const s = f.asciiPosix ? intersect(set!, [0, 0x80]) : set!;
          acc = union(acc, posix[1] ? complement(s) : s);
          continue;
        }
        i++;
        acc = union(acc, parseClass(f));
        continue;
      }
      // A single character, possibly the start of a range.
      let lo: number;
      if (c === '\\') {
        i++;
        if (i >= src.length) fail('end pattern at escape');
        const e = src[i++]!;
        const set = classEscape(e, f);
        if (set !== undefined) {
          acc = union(acc, set);
          continue;
        }
        const ch = e === 'b' ? 0x08 : charEscape(e);
        if (ch === undefined) {
          i--;
          lo = readCp();
        } else lo = ch;
      } else lo = readCp();
      let hi = lo;
      if (peek() === '-' && peek(1) !== undefined && peek(1) !== ']') {
        const save = i;
        i++;
        let end: number | undefined;
        if (peek() === '\\') {
          i++;
          const e = src[i++];
          if (e === undefined) fail('end pattern at escape');
          if (classEscape(e!, f) === undefined) {
            end = e === 'b' ? 0x08 : charEscape(e!);
            if (end === undefined) {
              i--;
              end = readCp();
            }
          }
        } else if (peek() === '[') {
          end = undefined;
        } else end = readCp();
        if (end === undefined) i = save; // `a-\d` or `a-[`: the '-' is literal
        else {
          if (end < lo) fail('empty range in char class', save);
          hi = end;
        }
      }
      acc = union(acc, [lo, hi + 1]);
    }
    if (unknownProperties > unknownBefore) return ANY_SET;
    if (intersection !== undefined) acc = intersect(intersection, acc);
    if (f.i) acc = caseClosure(acc);
    if (negate) acc = complement(acc);
    // Case-insensitive negated classes: close again (a superset of either reading of Oniguruma's rule).
    return f.i && negate ? caseClosure(acc) : acc;
  };

  const parseAlt = (outer: Flags): RegexNode => {
    const f: Flags = { ...outer };
    const branches: RegexNode[] = [parseSeq(f)];
    while (peek() === '|') {
      i++;
      branches.push(parseSeq(f));
    }
    return branches.length === 1 ? branches[0]! : { t: 'alt', items: branches };
  };

  const applyOptions = (letters: string, f: Flags, at: number) => {
    let on = true;
    for (const ch of letters) {
      switch (ch) {
        case '-': on = false; break;
        case 'i': case 'I': f.i = on; break;
        case 'x': f.x = on; break;
        case 'm': break; // dot matches newline: '.' is any character here anyway
        case 'W': f.asciiWord = on; break;
        case 'D': f.asciiDigit = on; break;
        case 'S': f.asciiSpace = on; break;
        case 'P': f.asciiPosix = on; break;
        case 'a': f.asciiWord = f.asciiDigit = f.asciiSpace = f.asciiPosix = on; break;
        case 'L': fail('the find-longest option (?L) is not supported', at); break;
        default: fail(`undefined group option '${ch}'`, at);
      }
    }
  };

  const parseGroup = (f: Flags, at: number): RegexNode | null => {
    // At '(' already consumed.
    const close = () => {
      if (peek() !== ')') fail('end pattern with unmatched parenthesis', at);
      i++;
    };
    if (peek() !== '?') {
      const body = parseAlt(f);
      close();
      return body;
    }
    i++;
    const c = peek();
    const two = src.slice(i, i + 2);
    if (c === ':' || c === '>') {
      i++;
      const body = parseAlt(f);
      close();
      return body;
    }
    if (c === '=' || c === '!' || two === '<=' || two === '<!') {
      i += c === '=' || c === '!' ? 1 : 2;
      const body = parseAlt(f);
      close();
      return { t: 'look', body };
    }
    if (c === '#') {
      const end = src.indexOf(')', i);
      if (end < 0) fail('end pattern in group', at);
      i = end + 1;
      return null;
    }
    if (c === '~') {
      i++;
      if (peek() === '|') fail('the absent operator forms (?~|...) are not supported', at);
      const body = parseAlt(f);
      close();
      // Absent operator: any text that does not contain `body`; modelled as any text, plus the
      // checks of `body` the engine runs along the way.
      return { t: 'seq', items: [{ t: 'look', body }, anyText(at, i)] };
    }
    if (c === '(') {
      // Conditional (?(cond)yes|no): read as an alternation of the branches.
      const end = src.indexOf(')', i);
      if (end < 0) fail('invalid conditional pattern', at);
      i = end + 1;
      const body = parseAlt(f);
      close();
      return body.t === 'alt' ? body : { t: 'alt', items: [body, { t: 'empty' }] };
    }
    const named = /^(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')/.exec(src.slice(i, i + 200));
    if (named) {
      i += named[0].length;
      const body = parseAlt(f);
      close();
      return body;
    }
    const opts = /^[imxWDSPaIL-]+(?=[:)])/.exec(src.slice(i, i + 40));
    if (opts) {
      i += opts[0].length;
      if (peek() === ')') {
        i++;
        applyOptions(opts[0], f, at); // for the rest of the enclosing group
        return null;
      }
      i++;
      const inner: Flags = { ...f };
      applyOptions(opts[0], inner, at);
      const body = parseAlt(inner);
      close();
      return body;
    }
    return fail('undefined group option', at);
  };

  const parseEscape = (f: Flags, at: number): RegexNode => {
    if (i >= src.length) fail('end pattern at escape');
    const e = src[i++]!;
    const set = classEscape(e, f);
    if (set !== undefined) return { t: 'set', set: f.i ? caseClosure(set) : set, at, end: i };
    switch (e) {
      case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G': case 'y': case 'Y':
        return { t: 'assert' };
      case 'K':
        return { t: 'empty' };
      case 'R':
        return { t: 'alt', items: [
          { t: 'seq', items: [{ t: 'set', set: single(0x0d), at, end: i }, { t: 'set', set: single(0x0a), at, end: i }] },
          { t: 'set', set: union(fromRanges([[0x0a, 0x0e]]), single(0x85), fromRanges([[0x2028, 0x202a]])), at, end: i },
        ] };
      case 'X':
        return { t: 'rep', body: { t: 'set', set: ANY_SET, at, end: i }, min: 1, max: Infinity, at, end: i };
      case 'N':
        return { t: 'set', set: complement(single(0x0a)), at, end: i };
      case 'O':
        return { t: 'set', set: ANY_SET, at, end: i };
      case 'k': {
        const m = /^(?:<[^>]*>|'[^']*')/.exec(src.slice(i, i + 200));
        if (!m) fail('invalid backref name', at);
        i += m![0].length;
        return anyText(at, i); // a back-reference: some earlier text, i.e. any text here
      }
      case 'g':
        return fail('subexpression calls (\\g<...>) are not supported', at);
      default:
        break;
    }
    if (/[1-9]/.test(e)) {
      while (/[0-9]/.test(peek() ?? '')) i++;
      return anyText(at, i);
    }
    const ch = charEscape(e);
    if (ch !== undefined) return literal(ch, f, at);
    i--;
    return literal(readCp(), f, at);
  };

  /** `{n}`, `{n,}`, `{,m}`, `{n,m}` at i; undefined (nothing consumed) when it is a literal '{'. */
  const interval = (): [number, number] | undefined => {
    const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(src.slice(i, i + 30));
    if (!m || (m[1] === '' && (m[2] === undefined || m[3] === ''))) return undefined;
    const lo = m[1] === '' ? 0 : Number(m[1]);
    const hi = m[2] === undefined ? lo : m[3] === '' ? Infinity : Number(m[3]);
    if (lo > ONIG_MAX_REPEAT || (hi !== Infinity && hi > ONIG_MAX_REPEAT)) fail('too big number for repeat range');
    if (hi < lo) fail('upper is smaller than lower in repeat range');
    i += m[0].length;
    return [lo, hi];
  };

  const parseSeq = (f: Flags): RegexNode => {
    const items: RegexNode[] = [];
    for (;;) {
      skipExtended(f);
      const c = peek();
      if (c === undefined || c === '|' || c === ')') break;
      const at = i;
      let atom: RegexNode | null;
      if (c === '*' || c === '+' || c === '?' || (c === '{' && interval() !== undefined)) {
        return fail('target of repeat operator is not specified', at);
      }
      i++;
      if (c === '(') atom = parseGroup(f, at);
      else if (c === '[') atom = { t: 'set', set: parseClass(f), at, end: i };
      else if (c === '.') atom = { t: 'set', set: ANY_SET, at, end: i };
      else if (c === '^' || c === '$') atom = { t: 'assert' };
      else if (c === '\\') atom = parseEscape(f, at);
      else {
        i = at;
        atom = literal(readCp(), f, at);
      }
      if (atom === null) continue;
      for (;;) {
        skipExtended(f);
        const q = peek();
        let range: [number, number] | undefined;
        let isInterval = false;
        if (q === '*') range = [0, Infinity];
        else if (q === '+') range = [1, Infinity];
        else if (q === '?') range = [0, 1];
        if (range) i++;
        else if (q === '{') {
          range = interval();
          isInterval = range !== undefined;
        }
        if (!range) break;
        if (peek() === '?') i++; // lazy
        else if (!isInterval && peek() === '+') i++; // possessive
        atom = { t: 'rep', body: atom, min: range[0], max: range[1], at, end: i };
      }
      items.push(atom);
    }
    return items.length === 1 ? items[0]! : items.length === 0 ? { t: 'empty' } : { t: 'seq', items };
  };

  const root = parseAlt({ i: false, x: false, asciiWord: false, asciiDigit: false, asciiSpace: false, asciiPosix: false });
  if (i < src.length) fail(src[i] === ')' ? 'unmatched close parenthesis' : 'unexpected character');
  return root;
}
