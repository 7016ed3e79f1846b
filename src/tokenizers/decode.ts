// Decoding of transformers' PreTrainedTokenizerFast._decode: HF tokenizers' decode (ids -> tokens,
// special tokens skipped on request, then the tokenizer's decoder) followed by
// clean_up_tokenization from tokenization_utils_base.py. Done synchronously through the backend's
// id_to_token and Decoder, which is exactly what tokenizers' `Tokenizer::decode` does.
import { Tensor } from '../torch/index.js';
import type { PreTrainedTokenizerFast } from './tokenizer.js';

/** Options of decode / batchDecode. */
export interface DecodeOptions {
  /** Drop tokens registered as special (default false). */
  skipSpecialTokens?: boolean;
  /** Apply clean_up_tokenization; defaults to the tokenizer's `cleanUpTokenizationSpaces`. */
  cleanUpTokenizationSpaces?: boolean;
}

/**
 * HF's clean_up_tokenization: removes the spaces a word-level detokenizer leaves before
 * punctuation and English contractions (" ." -> ".", " n't" -> "n't", ...).
 */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',')
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

/** A number, list of numbers or 1-D integer tensor as a list of ids. */
export function toIdList(ids: number | readonly number[] | Tensor): number[] {
  if (typeof ids === 'number') return [ids];
  if (ids instanceof Tensor) {
    if (ids.ndim > 1) throw new Error(`decode takes a 1-D tensor of ids, got shape [${ids.shape.join(', ')}]; use batchDecode for 2-D`);
    const v = ids.toArray();
    return Array.isArray(v) ? (v as number[]) : [v as number];
  }
  if (!Array.isArray(ids)) throw new TypeError(`token ids must be a number, an array of numbers or a tensor, got ${typeof ids}`);
  for (const id of ids) if (!Number.isInteger(id)) throw new TypeError(`token ids must be integers, got ${JSON.stringify(id)}`);
  return ids as number[];
}

/** ids -> text with the backend's vocabulary and decoder, then the optional cleanup. */
export function decodeIds(tok: PreTrainedTokenizerFast, ids: readonly number[], opts: DecodeOptions): string {
  const skip = opts.skipSpecialTokens ?? false;
  const special = skip ? specialContents(tok) : null;
  const tokens: string[] = [];
  for (const id of ids) {
    // Like tokenizers' decode: unknown ids (negative, out of range) are dropped.
    if (id < 0) continue;
    const t = tok.backend.idToToken(id);
    if (t === null || t === undefined) continue;
    if (special?.has(t)) continue;
    tokens.push(t);
  }
  const decoder = tok.backend.getDecoder();
  let text = decoder ? decoder.decode(tokens) : tokens.join(' ');
  if (opts.cleanUpTokenizationSpaces ?? tok.cleanUpTokenizationSpaces) text = cleanUpTokenization(text);
  return text;
}

/** The contents of the added tokens marked special: what tokenizers' decode skips. */
function specialContents(tok: PreTrainedTokenizerFast): Set<string> {
  const out = new Set<string>();
  for (const t of tok.addedTokensDecoder.values()) if (t.special) out.add(t.content);
  return out;
}
