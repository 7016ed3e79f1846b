// The `tokenizer.json` serialization of HF tokenizers (the Rust library's serde format), as the
// converters in transformers' convert_slow_tokenizer.py produce it. Converters here build this
// JSON and load it with `Tokenizer.fromString`, so the pipeline is exactly HF's, component by component.

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

/** An empty document; converters fill in the model and the pipeline. */
export function emptyTokenizerJson(model: ComponentJson): TokenizerJson {
  return {
    version: '1.0', truncation: null, padding: null, added_tokens: [],
    normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, model,
  };
}
