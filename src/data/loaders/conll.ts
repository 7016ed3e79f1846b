// src/data/loaders/conll.ts — CoNLL-2003 column files (`token POS chunk NER`, blank line between
// sentences, -DOCSTART- lines dropped) as HF's conll2003 dataset: id, tokens, pos_tags,
// chunk_tags, ner_tags with its ClassLabel orders. Mirrors datasets/conll2003/conll2003.py.
//
// HF's conll2003 tags are IOB2. The shared files (davidsbatista/NER-datasets, the same source HF
// downloads) are already IOB2 although SOURCES.md says IOB1: no I-X tag follows O or another type.
// `toIob2` (default on) rewrites IOB1 input to IOB2; on IOB2 input it changes nothing.
import { ClassLabel, List, Value, type Features } from '../features.js';
import { type Builder, type FormatOptions, type ParsedFile, decodeText } from './types.js';

/** HF conll2003 pos_tags names (Penn Treebank tags), in HF's order. */
export const CONLL2003_POS = ['"', "''", '#', '$', '(', ')', ',', '.', ':', '``', 'CC', 'CD', 'DT', 'EX', 'FW', 'IN', 'JJ', 'JJR', 'JJS',
  'LS', 'MD', 'NN', 'NNP', 'NNPS', 'NNS', 'NN|SYM', 'PDT', 'POS', 'PRP', 'PRP$', 'RB', 'RBR', 'RBS', 'RP', 'SYM', 'TO', 'UH', 'VB', 'VBD',
  'VBG', 'VBN', 'VBP', 'VBZ', 'WDT', 'WP', 'WP$', 'WRB'] as const;
/** HF conll2003 chunk_tags names (IOB2), in HF's order. */
export const CONLL2003_CHUNK = ['O', 'B-ADJP', 'I-ADJP', 'B-ADVP', 'I-ADVP', 'B-CONJP', 'I-CONJP', 'B-INTJ', 'I-INTJ', 'B-LST', 'I-LST',
  'B-NP', 'I-NP', 'B-PP', 'I-PP', 'B-PRT', 'I-PRT', 'B-SBAR', 'I-SBAR', 'B-UCP', 'I-UCP', 'B-VP', 'I-VP'] as const;
/** HF conll2003 ner_tags names (IOB2), in HF's order. */
export const CONLL2003_NER = ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC'] as const;

/** HF conll2003 features. */
export function conll2003Features(): Features {
  return {
    id: new Value('string'),
    tokens: new List(new Value('string')),
    pos_tags: new List(new ClassLabel({ names: CONLL2003_POS })),
    chunk_tags: new List(new ClassLabel({ names: CONLL2003_CHUNK })),
    ner_tags: new List(new ClassLabel({ names: CONLL2003_NER })),
  };
}

/**
 * IOB1 -> IOB2: an I-X that starts a chunk (sentence start, after O, or after a tag of another
 * type) becomes B-X. IOB2 input is returned unchanged.
 */
export function iob1ToIob2(tags: readonly string[]): string[] {
  return tags.map((t, i) => {
    if (!t.startsWith('I-')) return t;
    const prev = i > 0 ? tags[i - 1]! : 'O';
    return prev === 'O' || prev.slice(2) !== t.slice(2) ? `B-${t.slice(2)}` : t;
  });
}

/** True when a tag sequence uses IOB1 (some I-X starts a chunk). */
export function isIob1(tags: readonly string[]): boolean {
  return iob1ToIob2(tags).some((t, i) => t !== tags[i]);
}

/** Parses CoNLL-2003 text into HF conll2003 columns; errors name `file` and the line. */
export function parseConll(text: string, file: string, opts: FormatOptions = {}): ParsedFile {
  const feats = conll2003Features();
  const ids: string[] = [], tokens: string[][] = [], pos: number[][] = [], chunk: number[][] = [], ner: number[][] = [];
  const lookup = (f: unknown) => {
    const names = ((f as List).feature as ClassLabel).names;
    return { names, index: new Map(names.map((n, i) => [n, i])) };
  };
  const posL = lookup(feats.pos_tags), chunkL = lookup(feats.chunk_tags), nerL = lookup(feats.ner_tags);
  let cur: string[][] = [];
  let curLines: number[] = [];
  const toIob2 = opts.toIob2 ?? true;
  const label = (col: number, l: { names: readonly string[]; index: Map<string, number> }, conv: boolean): number[] => {
    let tags = cur.map((f) => f[col]!);
    if (conv) tags = iob1ToIob2(tags);
    const out = new Array<number>(tags.length);
    for (let k = 0; k < tags.length; k++) {
      const id = l.index.get(tags[k]!);
      if (id === undefined) throw new RangeError(`${file}:${curLines[k]}: tag '${tags[k]}' is not one of the names ${JSON.stringify(l.names)}`);
      out[k] = id;
    }
    return out;
  };
  const flush = (): void => {
    if (cur.length === 0) return;
    ids.push(String(ids.length));
    tokens.push(cur.map((f) => f[0]!));
    pos.push(label(1, posL, false));
    chunk.push(label(2, chunkL, toIob2));
    ner.push(label(3, nerL, toIob2));
    cur = [];
    curLines = [];
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length === 0 || line.startsWith('-DOCSTART-') || line.trim() === '') {
      flush();
      continue;
    }
    const fields = line.split(' ');
    if (fields.length !== 4 || fields.includes('')) throw new Error(`${file}:${i + 1}: expected 4 space-separated columns (token POS chunk NER), got ${fields.filter((f) => f !== '').length}: ${JSON.stringify(line)}`);
    cur.push(fields);
    curLines.push(i + 1);
  }
  flush();
  const columns = new Map<string, unknown[]>([['id', ids], ['tokens', tokens], ['pos_tags', pos], ['chunk_tags', chunk], ['ner_tags', ner]]);
  return { columns, numRows: ids.length, features: feats };
}

/** loadDataset('conll2003'): dataDir defaults to train.txt / valid.txt / test.txt. */
export const conllBuilder: Builder = {
  extensions: ['.txt', '.conll'],
  defaultFiles: () => ({ train: 'train.txt', validation: 'valid.txt', test: 'test.txt' }),
  parse: (bytes, file, opts) => parseConll(decodeText(bytes), file, opts),
};
