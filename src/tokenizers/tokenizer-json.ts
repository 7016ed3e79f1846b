// The `tokenizer.json` serialization of HF tokenizers (the Rust library's serde format), as the
// converters in transformers' convert_slow_tokenizer.py produce it. Converters here build this
// JSON and load it with `Tokenizer.fromString`, so the pipeline is exactly HF's, component by component.
import { assertSafeTokenizerRegexes } from './redos.js';

/** One entry of `added_tokens` (tokenizers' AddedToken plus its id). */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** A component (normalizer, pre-tokenizer, ...): `{ type: 'Name', ...fields }` in HF's spelling. */
export type ComponentJson = { type: string } & Record<string, unknown>;

/** The whole `tokenizer.json` document. */
export interface TokenizerJson {
  version: string;
  truncation: unknown;
  padding: unknown;
  added_tokens: AddedTokenJson[];
  normalizer: ComponentJson | null;
  pre_tokenizer: ComponentJson | null;
  post_processor: ComponentJson | null;
  decoder: ComponentJson | null;
  model: ComponentJson;
}

/** The flags of an added token, HF's AddedToken defaults: `normalized` defaults to `!special`. */
export interface AddedTokenSpec {
  content: string;
  special: boolean;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
}

/**
 * Adds tokens the way tokenizers' `AddedVocabulary.add_tokens` does: a token already in the model
 * vocabulary (or already added) keeps that id, a new one gets the next id after both the model
 * vocabulary and the previously added tokens. Re-adding a token replaces its flags, except that
 * a special token stays special. Returns how many tokens got a new id.
 */
export function addTokensToJson(json: TokenizerJson, modelVocab: ReadonlyMap<string, number>, tokens: AddedTokenSpec[]): number {
  const modelSize = modelVocab.size;
  let added = 0;
  for (const t of tokens) {
    if (t.content === '') continue;
    const flags = {
      single_word: t.single_word ?? false, lstrip: t.lstrip ?? false, rstrip: t.rstrip ?? false,
      normalized: t.normalized ?? !t.special, special: t.special,
    };
    const existing = json.added_tokens.find((a) => a.content === t.content);
    if (existing) {
      Object.assign(existing, flags, { special: existing.special || t.special });
      continue;
    }
    let id = modelVocab.get(t.content);
    if (id === undefined) {
      const max = json.added_tokens.reduce((m, a) => Math.max(m, a.id), -1);
      id = max >= modelSize ? max + 1 : modelSize;
      added++;
    }
    json.added_tokens.push({ id, content: t.content, ...flags });
  }
  json.added_tokens.sort((a, b) => a.id - b.id);
  return added;
}

/** The model's own vocabulary (token -> id) from a tokenizer.json model section. */
export function modelVocabOf(model: ComponentJson): Map<string, number> {
  const v = model.vocab;
  if (Array.isArray(v)) return new Map(v.map((entry, i) => [(entry as [string, number])[0], i] as [string, number]));
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v as Record<string, number>));
  throw new Error(`tokenizer.json: model of type ${model.type} has no vocab`);
}

type Piece = { Sequence: { id: 'A' | 'B'; type_id: number } } | { SpecialToken: { id: string; type_id: number } };

/** Parses one template piece: `$A`, `$B:1`, `$:1`, `[CLS]`, `<s>:1` (tokenizers' `Piece::try_from`). */
function parsePiece(s: string): Piece {
  const colon = s.lastIndexOf(':');
  let name = s, typeId = 0;
  if (colon > 0 && /^\d+$/.test(s.slice(colon + 1))) {
    name = s.slice(0, colon);
    typeId = Number(s.slice(colon + 1));
  }
  if (name.startsWith('$')) {
    const rest = name.slice(1);
    if (rest === '' || rest === 'A' || rest === 'a') return { Sequence: { id: 'A', type_id: typeId } };
    if (rest === 'B' || rest === 'b') return { Sequence: { id: 'B', type_id: typeId } };
    if (/^\d+$/.test(rest)) return { Sequence: { id: 'A', type_id: Number(rest) } };
    throw new Error(`template piece '${s}' is not $A, $B or $<type id>`);
  }
  return { SpecialToken: { id: name, type_id: typeId } };
}

/**
 * A `TemplateProcessing` post-processor, e.g. `templateProcessing('[CLS]:0 $A:0 [SEP]:0',
 * '[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1', [['[CLS]', 101], ['[SEP]', 102]])`.
 */
export function templateProcessing(single: string, pair: string, specials: Array<[string, number]>): ComponentJson {
  const pieces = (t: string) => t.split(/\s+/).filter((p) => p !== '').map(parsePiece);
  const special_tokens: Record<string, { id: string; ids: number[]; tokens: string[] }> = {};
  for (const [tok, id] of specials) special_tokens[tok] = { id: tok, ids: [id], tokens: [tok] };
  return { type: 'TemplateProcessing', single: pieces(single), pair: pieces(pair), special_tokens };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${v.length} items)`;
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return `${typeof v} ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`;
}

/**
 * Checks the shape of a parsed tokenizer.json before it reaches HF tokenizers: a JSON object with a
 * `model` object holding a `vocab`, an `added_tokens` list when present, pipeline components that
 * are objects or null. Throws naming `file` and what is missing or wrong.
 */
export function validateTokenizerJson(doc: unknown, file: string): asserts doc is TokenizerJson {
  const expected = 'HF tokenizers\' serialization: {"model": {"type": "BPE" | "WordPiece" | "WordLevel" | "Unigram", "vocab": ...}, "normalizer": ..., "pre_tokenizer": ..., ...}';
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new Error(`${file}: not a tokenizer.json: expected a JSON object (${expected}), got ${describe(doc)}`);
  const d = doc as Record<string, unknown>;
  const keys = Object.keys(d);
  if (d.model === undefined || d.model === null)
    throw new Error(`${file}: not a tokenizer.json: it has no "model" section (${expected}); ${keys.length === 0 ? 'the file is an empty object' : `its keys are ${keys.slice(0, 10).join(', ')}`}`);
  if (typeof d.model !== 'object' || Array.isArray(d.model))
    throw new Error(`${file}: "model" must be an object with a "type" and a "vocab", got ${describe(d.model)}`);
  const model = d.model as Record<string, unknown>;
  const vocab = model.vocab;
  if (vocab === null || typeof vocab !== 'object')
    throw new Error(`${file}: the model${typeof model.type === 'string' ? ` (type ${model.type})` : ''} has no "vocab" ${vocab === undefined ? '' : `(got ${describe(vocab)}) `}(a token -> id object, or a [token, score] list for Unigram)`);
  for (const k of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) {
    const c = d[k];
    if (c !== undefined && c !== null && (typeof c !== 'object' || Array.isArray(c)))
      throw new Error(`${file}: "${k}" must be an object with a "type", or null, got ${describe(c)}`);
  }
  const added = d.added_tokens;
  if (added !== undefined && added !== null) {
    if (!Array.isArray(added)) throw new Error(`${file}: "added_tokens" must be a list, got ${describe(added)}`);
    added.forEach((t, i) => {
      const tok = t as Record<string, unknown> | null;
      if (tok === null || typeof tok !== 'object' || typeof tok.content !== 'string' || !Number.isInteger(tok.id))
        throw new Error(`${file}: added_tokens[${i}] must be an object with a string "content" and an integer "id", got ${JSON.stringify(t)?.slice(0, 80)}`);
    });
  }
}

/**
 * Parses the text of a tokenizer.json: valid JSON, the shape {@link validateTokenizerJson} checks,
 * and no regex that can make Oniguruma backtrack without bound (redos.ts). Errors name `file`.
 */
export function parseTokenizerJson(text: string, file: string): TokenizerJson {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message})`);
  }
  validateTokenizerJson(doc, file);
  assertSafeTokenizerRegexes(doc, file);
  doc.added_tokens ??= [];
  return doc;
}

/** An empty document; converters fill in the model and the pipeline. */
export function emptyTokenizerJson(model: ComponentJson): TokenizerJson {
  return {
    version: '1.0', truncation: null, padding: null, added_tokens: [],
    normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, model,
  };
}
