// aggregation.ts — the entity post-processing of transformers 4.47
// pipelines/token_classification.py as pure functions over per-token scores: gather_pre_entities
// (special tokens dropped, subword detection), aggregate / aggregate_word(s) (the none, simple,
// first, average and max strategies), group_entities (B-/I- merging) and
// aggregate_overlapping_entities (stride windows).
import { argmax, sliceCodePoints } from './base.js';

/** HF AggregationStrategy. */
export type AggregationStrategy = 'none' | 'simple' | 'first' | 'average' | 'max';
export const AGGREGATION_STRATEGIES: readonly AggregationStrategy[] = ['none', 'simple', 'first', 'average', 'max'];

/** A non-special token with its class probabilities (HF's pre_entity dict). */
export interface PreEntity {
  /** The token (the text span itself for [UNK]). */
  word: string;
  /** Softmax over the labels, (num_labels). */
  scores: number[];
  /** Code-point offsets in the sentence; null without offsets. */
  start: number | null;
  end: number | null;
  /** Token position in the model input. */
  index: number;
  is_subword: boolean;
}
/** aggregation_strategy 'none': one entry per token. */
export interface TokenEntity { entity: string; score: number; index: number; word: string; start: number | null; end: number | null }
/** A word after first / average / max, before grouping. */
export interface WordEntity { entity: string; score: number; word: string; start: number | null; end: number | null }
/** An entity after grouping (every strategy but 'none'). */
export interface GroupedEntity { entity_group: string; score: number; word: string; start: number | null; end: number | null }

/** What the aggregation reads from the model and tokenizer. */
export interface AggregationContext {
  /** config.id2label[i]. */
  label(i: number): string;
  /** HF convert_tokens_to_string (the fast tokenizer's decoder). */
  tokensToString(tokens: string[]): string;
}
/** What gatherPreEntities reads from the tokenizer. */
export interface TokenizerContext {
  idToToken(id: number): string;
  unkTokenId: number | null;
  /** Whether the tokenizer model has a continuing_subword_prefix (WordPiece '##'): subwords are then exact. */
  hasSubwordPrefix: boolean;
}

let warnedFallback = false;

/**
 * HF gather_pre_entities: one PreEntity per non-special token.  A token is a subword when its
 * text differs in length from its span (tokenizers with a continuing-subword prefix), else by
 * HF's fallback: it starts after a non-space character.  [UNK] takes its span as its word.
 * @param scores (T, num_labels) probabilities; offsets (T) code-point spans or null.
 */
export function gatherPreEntities(
  sentence: string, inputIds: readonly number[], scores: readonly number[][], offsets: ReadonlyArray<readonly [number, number]> | null,
  specialTokensMask: readonly number[], strategy: AggregationStrategy, tok: TokenizerContext,
): PreEntity[] {
  const cps = Array.from(sentence);
  const out: PreEntity[] = [];
  scores.forEach((tokenScores, idx) => {
    if (specialTokensMask[idx]) return;
    const id = inputIds[idx]!;
    let word = tok.idToToken(id);
    let start: number | null = null, end: number | null = null, isSubword = false;
    if (offsets !== null) {
      [start, end] = offsets[idx]!;
      const wordRef = sliceCodePoints(cps, start, end);
      if (tok.hasSubwordPrefix) {
        // A BPE / WordPiece model that marks continuations: '##ing' is longer than 'ing'.
        isSubword = Array.from(word).length !== Array.from(wordRef).length;
      } else {
        if ((strategy === 'first' || strategy === 'average' || strategy === 'max') && !warnedFallback) {
          warnedFallback = true;
          console.warn('Tokenizer does not support real words, using fallback heuristic');
        }
        isSubword = start > 0 && !sliceCodePoints(cps, start - 1, start + 1).includes(' ');
      }
      if (id === tok.unkTokenId) {
        word = wordRef;
        isSubword = false;
      }
    }
    out.push({ word, scores: [...tokenScores], start, end, index: idx, is_subword: isSubword });
  });
  return out;
}

/** HF aggregate: tokens -> entities ('none'), or words -> grouped entities. */
export function aggregate(pre: readonly PreEntity[], strategy: AggregationStrategy, ctx: AggregationContext): TokenEntity[] | GroupedEntity[] {
  let entities: Array<TokenEntity | WordEntity>;
  if (strategy === 'none' || strategy === 'simple') {
    entities = pre.map((p) => {
      const i = argmax(p.scores);
      return { entity: ctx.label(i), score: p.scores[i]!, index: p.index, word: p.word, start: p.start, end: p.end };
    });
  } else {
    entities = aggregateWords(pre, strategy, ctx);
  }
  if (strategy === 'none') return entities as TokenEntity[];
  return groupEntities(entities, ctx);
}

/** HF aggregate_word: one word's tokens -> one entity by the first token, the max token, or the mean scores. */
export function aggregateWord(entities: readonly PreEntity[], strategy: AggregationStrategy, ctx: AggregationContext): WordEntity {
  const word = ctx.tokensToString(entities.map((e) => e.word));
  let scores: number[];
  if (strategy === 'first') scores = entities[0]!.scores;
  else if (strategy === 'max') {
    // Python's max(): the first token whose best score is highest.
    let best = entities[0]!;
    for (const e of entities) if (Math.max(...e.scores) > Math.max(...best.scores)) best = e;
    scores = best.scores;
  } else if (strategy === 'average') {
    scores = entities[0]!.scores.map((_, k) => entities.reduce((s, e) => s + e.scores[k]!, 0) / entities.length);
  } else {
    throw new Error('Invalid aggregation_strategy');
  }
  const i = argmax(scores);
  return { entity: ctx.label(i), score: scores[i]!, word, start: entities[0]!.start, end: entities[entities.length - 1]!.end };
}

/** HF aggregate_words: consecutive subword tokens join the word before them. */
export function aggregateWords(entities: readonly PreEntity[], strategy: AggregationStrategy, ctx: AggregationContext): WordEntity[] {
  if (strategy === 'none' || strategy === 'simple') throw new Error('NONE and SIMPLE strategies are invalid for word aggregation');
  const words: WordEntity[] = [];
  let group: PreEntity[] | null = null;
  for (const e of entities) {
    if (group === null) group = [e];
    else if (e.is_subword) group.push(e);
    else {
      words.push(aggregateWord(group, strategy, ctx));
      group = [e];
    }
  }
  if (group !== null) words.push(aggregateWord(group, strategy, ctx));
  return words;
}

/** HF group_sub_entities: one entity group; its tag drops the B-/I- prefix, its score is the mean. */
export function groupSubEntities(entities: ReadonlyArray<TokenEntity | WordEntity>, ctx: AggregationContext): GroupedEntity {
  const name = entities[0]!.entity;
  const dash = name.indexOf('-'); // Python's split('-', 1)[-1]
  return {
    entity_group: dash < 0 ? name : name.slice(dash + 1),
    score: entities.reduce((s, e) => s + e.score, 0) / entities.length,
    word: ctx.tokensToString(entities.map((e) => e.word)),
    start: entities[0]!.start,
    end: entities[entities.length - 1]!.end,
  };
}

/** HF get_tag: ('B' | 'I', tag); a label without a B-/I- prefix counts as 'I'. */
export function getTag(name: string): ['B' | 'I', string] {
  if (name.startsWith('B-')) return ['B', name.slice(2)];
  if (name.startsWith('I-')) return ['I', name.slice(2)];
  return ['I', name];
}

/** HF group_entities: an entity joins the group before it when its tag is the same and it is not a B-. */
export function groupEntities(entities: ReadonlyArray<TokenEntity | WordEntity>, ctx: AggregationContext): GroupedEntity[] {
  const groups: GroupedEntity[] = [];
  let disagg: Array<TokenEntity | WordEntity> = [];
  for (const e of entities) {
    if (disagg.length === 0) {
      disagg.push(e);
      continue;
    }
    const [bi, tag] = getTag(e.entity);
    const [, lastTag] = getTag(disagg[disagg.length - 1]!.entity);
    if (tag === lastTag && bi !== 'B') disagg.push(e);
    else {
      groups.push(groupSubEntities(disagg, ctx));
      disagg = [e];
    }
  }
  if (disagg.length > 0) groups.push(groupSubEntities(disagg, ctx));
  return groups;
}

/**
 * HF aggregate_overlapping_entities (stride windows): sorted by start, of entities whose start
 * falls inside the kept one, the longer wins, then the higher score.
 */
export function aggregateOverlappingEntities<E extends { start: number | null; end: number | null; score: number }>(entities: readonly E[]): E[] {
  if (entities.length === 0) return [];
  const sorted = [...entities].sort((a, b) => a.start! - b.start!);
  const out: E[] = [];
  let prev = sorted[0]!;
  for (const e of sorted) {
    if (prev.start! <= e.start! && e.start! < prev.end!) {
      const len = e.end! - e.start!, prevLen = prev.end! - prev.start!;
      if (len > prevLen || (len === prevLen && e.score > prev.score)) prev = e;
    } else {
      out.push(prev);
      prev = e;
    }
  }
  out.push(prev);
  return out;
}
