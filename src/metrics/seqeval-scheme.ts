// seqeval-scheme.ts — strict-mode chunking of seqeval 1.2.2 (seqeval/scheme.py): the IOB1, IOB2,
// IOE1, IOE2, IOBES and BILOU schemes as (previous prefix, current prefix, tag condition)
// patterns for chunk start / inside / end, Tokens.entities and auto_detect.  Unlike the default
// (conlleval-like) mode, a chunk counts only if it starts and ends as its scheme says: in IOB2 an
// I- tag without a B- before it is no entity at all.
import { MetricError } from './common.js';

/** The tagging schemes of seqeval.scheme. */
export const SEQEVAL_SCHEMES = ['IOB1', 'IOB2', 'IOE1', 'IOE2', 'IOBES', 'BILOU'] as const;
/** A seqeval tagging scheme name. */
export type SeqevalScheme = (typeof SEQEVAL_SCHEMES)[number];

type Cond = 'SAME' | 'DIFF' | 'ANY';
/** [previous token's prefixes, current token's prefixes, tag condition]; '*' = any prefix. */
type Pattern = readonly [string, string, Cond];
interface SchemeDef {
  allowed: string;
  start: readonly Pattern[];
  inside: readonly Pattern[];
  end: readonly Pattern[];
}

const PREFIXES = 'IOBESUL';

const SCHEMES: Record<SeqevalScheme, SchemeDef> = {
  IOB1: {
    allowed: 'IOB',
    start: [['O', 'I', 'ANY'], ['I', 'I', 'DIFF'], ['B', 'I', 'ANY'], ['I', 'B', 'SAME'], ['B', 'B', 'SAME']],
    inside: [['B', 'I', 'SAME'], ['I', 'I', 'SAME']],
    end: [['I', 'I', 'DIFF'], ['I', 'O', 'ANY'], ['I', 'B', 'ANY'], ['B', 'O', 'ANY'], ['B', 'I', 'DIFF'], ['B', 'B', 'SAME']],
  },
  IOE1: {
    allowed: 'IOE',
    start: [['O', 'I', 'ANY'], ['I', 'I', 'DIFF'], ['E', 'I', 'ANY'], ['E', 'E', 'SAME']],
    inside: [['I', 'I', 'SAME'], ['I', 'E', 'SAME']],
    end: [['I', 'I', 'DIFF'], ['I', 'O', 'ANY'], ['I', 'E', 'DIFF'], ['E', 'I', 'SAME'], ['E', 'E', 'SAME']],
  },
  IOB2: {
    allowed: 'IOB',
    start: [['*', 'B', 'ANY']],
    inside: [['B', 'I', 'SAME'], ['I', 'I', 'SAME']],
    end: [['I', 'O', 'ANY'], ['I', 'I', 'DIFF'], ['I', 'B', 'ANY'], ['B', 'O', 'ANY'], ['B', 'I', 'DIFF'], ['B', 'B', 'ANY']],
  },
  IOE2: {
    allowed: 'IOE',
    start: [['O', 'I', 'ANY'], ['O', 'E', 'ANY'], ['E', 'I', 'ANY'], ['E', 'E', 'ANY'], ['I', 'I', 'DIFF'], ['I', 'E', 'DIFF']],
    inside: [['I', 'E', 'SAME'], ['I', 'I', 'SAME']],
    end: [['E', '*', 'ANY']],
  },
  IOBES: {
    allowed: 'IOBES',
    start: [['*', 'B', 'ANY'], ['*', 'S', 'ANY']],
    inside: [['B', 'I', 'SAME'], ['B', 'E', 'SAME'], ['I', 'I', 'SAME'], ['I', 'E', 'SAME']],
    end: [['S', '*', 'ANY'], ['E', '*', 'ANY']],
  },
  BILOU: {
    allowed: 'BILOU',
    start: [['*', 'B', 'ANY'], ['*', 'U', 'ANY']],
    inside: [['B', 'I', 'SAME'], ['B', 'L', 'SAME'], ['I', 'I', 'SAME'], ['I', 'L', 'SAME']],
    end: [['U', '*', 'ANY'], ['L', '*', 'ANY']],
  },
};

interface Token {
  prefix: string;
  tag: string;
}

/** Python's str.strip('-'). */
function stripDashes(s: string): string {
  return s.replace(/^-+|-+$/g, '');
}

/** Splits a tag into its one-character prefix (first, or last with `suffix`) and its type. */
function parseToken(token: string, suffix: boolean): Token {
  if (token.length === 0) throw new MetricError('seqeval: empty tag');
  if (suffix) {
    const last = String.fromCodePoint(token.codePointAt(token.length - 1 - (/[\udc00-\udfff]$/.test(token) ? 1 : 0))!);
    return { prefix: last, tag: stripDashes(token.slice(0, token.length - last.length)) || '_' };
  }
  const first = String.fromCodePoint(token.codePointAt(0)!);
  return { prefix: first, tag: stripDashes(token.slice(first.length)) || '_' };
}

function matches(prev: Token, cur: Token, patterns: readonly Pattern[]): boolean {
  return patterns.some(([p, c, cond]) =>
    (p === '*' || p.includes(prev.prefix)) && (c === '*' || c.includes(cur.prefix)) &&
    (cond === 'ANY' || (cond === 'SAME') === (prev.tag === cur.tag)));
}

/** Throws unless `scheme` names a seqeval scheme (evaluate's message). */
export function checkScheme(scheme: string): SeqevalScheme {
  if ((SEQEVAL_SCHEMES as readonly string[]).includes(scheme)) return scheme as SeqevalScheme;
  throw new MetricError(`Scheme should be one of [IOB1, IOB2, IOE1, IOE2, IOBES, BILOU], got ${scheme}`);
}

/** A strict-mode entity: sentence index, type, start and exclusive end token index. */
export type StrictEntity = readonly [sentence: number, type: string, start: number, end: number];

/**
 * seqeval's `Tokens(seq, scheme).entities` for one sentence: chunks that start, continue and
 * end as the scheme prescribes.  Throws on a tag whose prefix the scheme does not allow.
 * @example strictEntities(['B-PER', 'I-PER', 'O', 'I-LOC'], 'IOB2') // [[0, 'PER', 0, 2]]
 */
export function strictEntities(seq: readonly string[], scheme: SeqevalScheme, opts: { suffix?: boolean; sentence?: number } = {}): StrictEntity[] {
  const def = SCHEMES[checkScheme(scheme)];
  const outside: Token = { prefix: 'O', tag: '_' };
  const tokens = seq.map((t) => {
    const tok = parseToken(t, opts.suffix ?? false);
    if (!def.allowed.includes(tok.prefix))
      throw new MetricError(`Invalid token is found: ${t}. Allowed prefixes are: ${def.allowed.split('').join('|')}.`);
    return tok;
  });
  const ext = [...tokens, outside]; // a trailing O closes the last chunk
  const entities: StrictEntity[] = [];
  let prev = outside;
  let i = 0;
  while (i < ext.length) {
    const token = ext[i]!;
    if (matches(prev, token, def.start)) {
      // _forward: extend while each token is inside relative to its predecessor
      let end = i + 1;
      let last = token;
      while (end < ext.length && matches(last, ext[end]!, def.inside)) last = ext[end++]!;
      if (end >= ext.length) end = tokens.length - 1; // seqeval's fall-through (unreachable: the trailing O is never inside)
      if (matches(ext[end - 1]!, ext[end]!, def.end)) entities.push([opts.sentence ?? 0, token.tag, i, end]);
      i = end;
    } else i += 1;
    prev = ext[i - 1]!;
  }
  return entities;
}

/**
 * seqeval's `auto_detect`: IOB2, IOE2, IOBES or BILOU from the set of prefixes in `sequences`.
 * Throws when the prefixes fit none of them.
 */
export function autoDetectScheme(sequences: readonly (readonly string[])[], opts: { suffix?: boolean } = {}): SeqevalScheme {
  const prefixes = new Set<string>();
  for (const seq of sequences)
    for (const t of seq) {
      const { prefix } = parseToken(t, opts.suffix ?? false);
      if (!PREFIXES.includes(prefix)) throw new MetricError(`This scheme is not supported: ${t}`);
      prefixes.add(prefix);
    }
  const key = [...PREFIXES].filter((p) => prefixes.has(p)).join('');
  // the allowed prefix sets of seqeval.scheme.auto_detect, written in PREFIXES order
  const allowed: [SeqevalScheme, string[]][] = [
    ['IOB2', ['IOB', 'IB', 'OB', 'B']],
    ['IOE2', ['IOE', 'IE', 'OE', 'E']],
    ['IOBES', ['IOBES', 'IBES', 'IOBE', 'OBES', 'IBE', 'BES', 'OBE', 'BE', 'S']],
    ['BILOU', ['IOBUL', 'IBUL', 'IOBL', 'OBUL', 'IBL', 'BUL', 'OBL', 'BL', 'U']],
  ];
  for (const [scheme, sets] of allowed) if (sets.includes(key)) return scheme;
  throw new MetricError(`This scheme is not supported: {${[...prefixes].join(', ')}}`);
}
