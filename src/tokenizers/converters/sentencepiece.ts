// The shared parts of transformers' SpmConverter / SentencePieceExtractor (convert_slow_tokenizer.py):
// merges derived from a sentencepiece BPE vocabulary, the control/user-defined pieces as added
// tokens, the `Precompiled` + whitespace normalizer and the Metaspace components.
import { PieceType, type SpmModel } from '../spm-proto.js';
import type { AddedTokenSpec, ComponentJson } from '../tokenizer-json.js';

/** sentencepiece's whitespace marker (U+2581), HF's SPIECE_UNDERLINE. */
export const SPIECE_UNDERLINE = '\u2581';

/**
 * SentencePieceExtractor.extract(vocab_scores) of transformers 4.47: every split of every piece
 * into two vocabulary pieces is a merge, ranked by the merged piece's score (highest first; ties
 * keep vocabulary order, and the splits of one piece are ordered by the ids of their halves).
 * `vocab` is the sentencepiece model's piece -> id; `vocabScores` the converter's (piece, score) list.
 */
export function generateMerges(vocab: ReadonlyMap<string, number>, vocabScores: ReadonlyArray<readonly [string, number]>): Array<[string, string]> {
  // dict(vocab_scores): a repeated piece keeps its first position but its last score.
  const scores = new Map<string, number>();
  for (const [piece, score] of vocabScores) scores.set(piece, score);
  const merges: Array<[string, string, number]> = [];
  for (const [merge, score] of scores) {
    const chars = Array.from(merge); // Python slices by code point
    const local: Array<[string, string, number]> = [];
    for (let i = 1; i < chars.length; i++) {
      const l = chars.slice(0, i).join(''), r = chars.slice(i).join('');
      if (vocab.has(l) && vocab.has(r)) local.push([l, r, score]);
    }
    local.sort((a, b) => vocab.get(a[0])! - vocab.get(b[0])! || vocab.get(a[1])! - vocab.get(b[1])!);
    merges.push(...local);
  }
  // sorted(..., key=score, reverse=True) is stable: equal scores keep their order.
  merges.sort((a, b) => b[2] - a[2]);
  return merges.map(([l, r]) => [l, r]);
}

/** Control (type 3, special) and user-defined (type 4) pieces become added tokens, in id order. */
export function spmAddedTokens(model: SpmModel): AddedTokenSpec[] {
  return model.pieces
    .filter((p) => p.type === PieceType.CONTROL || p.type === PieceType.USER_DEFINED)
    .map((p) => ({ content: p.piece, special: p.type === PieceType.CONTROL, normalized: false }));
}

/** SpmConverter.normalizer: [Precompiled(charsmap)], Strip(right), Replace(' {2,}' -> '▁'). */
export function spmNormalizer(model: SpmModel): ComponentJson {
  const seq: ComponentJson[] = [
    { type: 'Strip', strip_left: false, strip_right: true },
    { type: 'Replace', pattern: { Regex: ' {2,}' }, content: SPIECE_UNDERLINE },
  ];
  const charsmap = model.normalizerSpec.precompiledCharsmap;
  if (charsmap.length > 0) seq.unshift({ type: 'Precompiled', precompiled_charsmap: Buffer.from(charsmap).toString('base64') });
  return { type: 'Sequence', normalizers: seq };
}

/** `_get_prepend_scheme`: 'always', or 'first' for non-legacy tokenizers, 'never' without a prefix space. */
export function prependScheme(addPrefixSpace: boolean, legacy: boolean): 'always' | 'first' | 'never' {
  if (!addPrefixSpace) return 'never';
  return legacy ? 'always' : 'first';
}

/** A Metaspace pre-tokenizer or decoder (same fields in both). */
export function metaspace(scheme: 'always' | 'first' | 'never', split = true): ComponentJson {
  return { type: 'Metaspace', replacement: SPIECE_UNDERLINE, prepend_scheme: scheme, split };
}
