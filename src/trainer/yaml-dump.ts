// yaml-dump.ts — PyYAML's yaml.dump(data, sort_keys=False) for the JSON-like values of a model
// card's front matter (modelcard.py writes it so): block style, indent 2, sequences inside a
// mapping not indented, `[]` / `{}` for empty ones; strings plain unless PyYAML would read them
// back as something else or they hold indicators (then 'single-quoted', or "double-quoted" with
// PyYAML's escapes when they hold non-ASCII or control characters: allow_unicode=False); numbers
// as Python floats (the only numbers in a card are metric values).  Not done: folding of plain
// strings longer than 80 columns, and PyYAML's multi-line single-quoted form (a string with a
// line break is written double-quoted here: the same value, another layout).
import { pyFloatRepr } from './args-repr.js';

/** PyYAML's implicit resolvers (yaml/resolver.py): a plain scalar matching one is not a str. */
const RESOLVERS: readonly RegExp[] = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/, /^(?:~|null|Null|NULL|)$/, /^(?:=)$/,
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
];

const WS = '\0 \t\r\n\x85\u2028\u2029';
const BREAKS = '\n\x85\u2028\u2029\r';

/** Emitter.analyze_scalar + choose_scalar_style (block context, allow_unicode False). */
function scalarStyle(s: string): 'plain' | 'single' | 'double' {
  if (s === '') return 'single';
  let indicators = false, special = false, breaks = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const followedByWs = i + 1 >= s.length || WS.includes(s[i + 1]!);
    const precededByWs = i === 0 || WS.includes(s[i - 1]!);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) indicators = true;
      if ('?:'.includes(ch) && followedByWs) indicators = true;
      if (ch === '-' && followedByWs) indicators = true;
    } else {
      if (ch === ':' && followedByWs) indicators = true;
      if (ch === '#' && precededByWs) indicators = true;
    }
    if (BREAKS.includes(ch)) breaks = true;
    const code = ch.codePointAt(0)!;
    if (!(ch === '\n' || (code >= 0x20 && code <= 0x7e))) special = true;
  }
  if (special) return 'double';
  const edgeSpace = s[0] === ' ' || s.at(-1) === ' ';
  if (indicators || breaks || edgeSpace || RESOLVERS.some((r) => r.test(s))) return breaks ? 'double' : 'single';
  return 'plain';
}

/** PyYAML's double-quoted escapes (ESCAPE_REPLACEMENTS, then \x / \u / \U by code point). */
function doubleQuoted(s: string): string {
  const named: Record<string, string> = {
    '\0': '0', '\x07': 'a', '\b': 'b', '\t': 't', '\n': 'n', '\x0b': 'v', '\f': 'f', '\r': 'r', '\x1b': 'e', '"': '"', '\\': '\\',
    '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
  };
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (Object.hasOwn(named, ch)) out += `\\${named[ch]}`;
    else if (c >= 0x20 && c <= 0x7e) out += ch;
    else if (c <= 0xff) out += `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += `\\U${c.toString(16).toUpperCase().padStart(8, '0')}`;
  }
  return `"${out}"`;
}

/** PyYAML represent_float: repr() lower-cased, '.0' added before an exponent without a point. */
function pyYamlFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (!Number.isFinite(x)) return x > 0 ? '.inf' : '-.inf';
  const v = pyFloatRepr(x).toLowerCase();
  return !v.includes('.') && v.includes('e') ? v.replace('e', '.0e') : v;
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return pyYamlFloat(v);
  const s = String(v);
  const style = scalarStyle(s);
  return style === 'plain' ? s : style === 'single' ? `'${s.replace(/'/g, "''")}'` : doubleQuoted(s);
}

const isBlock = (v: unknown): v is unknown[] | Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

function emptyOrScalar(v: unknown): string {
  if (Array.isArray(v)) return '[]';
  if (v !== null && typeof v === 'object') return '{}';
  return scalar(v);
}

function mapping(o: Record<string, unknown>, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (!isBlock(v)) out.push(`${pad}${scalar(k)}: ${emptyOrScalar(v)}`);
    else if (Array.isArray(v)) out.push(`${pad}${scalar(k)}:`, ...sequence(v, indent));
    else out.push(`${pad}${scalar(k)}:`, ...mapping(v, indent + 2));
  }
  return out;
}

function sequence(a: unknown[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const item of a) {
    if (!isBlock(item)) { out.push(`${pad}- ${emptyOrScalar(item)}`); continue; }
    const inner = Array.isArray(item) ? sequence(item, indent + 2) : mapping(item, indent + 2);
    out.push(`${pad}- ${inner[0]!.slice(indent + 2)}`, ...inner.slice(1));
  }
  return out;
}

/** yaml.dump(value, sort_keys=False) of a mapping, each line ending in '\n'. */
export function yamlDump(value: Record<string, unknown>): string {
  const lines = isBlock(value) ? mapping(value, 0) : ['{}'];
  return lines.map((l) => `${l}\n`).join('');
}
