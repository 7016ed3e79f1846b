// token-classification.ts — TokenClassificationPipeline ('ner') of transformers 4.47
// pipelines/token_classification.py: per-token label probabilities, then the entity
// post-processing of aggregation.ts; long texts in overlapping windows with `stride`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERY_LARGE_INTEGER, type PreTrainedTokenizerFast } from '../tokenizers/index.js';
import { Pipeline, convertTokensToString, softmax, type IdRows } from './base.js';
import type { WithCamelAliases } from '../utils/options.js';
import {
  AGGREGATION_STRATEGIES, aggregate, aggregateOverlappingEntities, gatherPreEntities,
  type AggregationStrategy, type GroupedEntity, type TokenEntity,
} from './aggregation.js';

/** Call options (HF keyword arguments); each also in camelCase (`aggregationStrategy`, ...). */
export type TokenClassificationOptions = WithCamelAliases<TokenClassificationArgs>;

/** The call options under HF's names. */
export interface TokenClassificationArgs {
  /** 'none' (default): one entry per token; 'simple': B-/I- grouping; 'first' / 'average' / 'max': whole words first. */
  aggregation_strategy?: AggregationStrategy;
  /** Labels left out of the output (default ['O']). */
  ignore_labels?: string[];
  /** Split long texts into windows overlapping by `stride` tokens (needs an aggregation strategy). */
  stride?: number;
}
/** The output of one text: tokens ('none') or entity groups. */
export type TokenClassificationOutput = TokenEntity[] | GroupedEntity[];

/** Without an aggregation strategy (or 'none'): token entries; with one: entity groups (the static return types). */
type NoGrouping = { aggregation_strategy?: 'none'; aggregationStrategy?: 'none' };
type Grouping = { aggregation_strategy: Exclude<AggregationStrategy, 'none'> } | { aggregationStrategy: Exclude<AggregationStrategy, 'none'> };
const prefixCache = new WeakMap<PreTrainedTokenizerFast, boolean>();

/**
 * Whether the tokenizer's model has a `continuing_subword_prefix` (HF reads
 * `tokenizer._tokenizer.model.continuing_subword_prefix`): the binding exposes no model fields,
 * so the serialized tokenizer.json is read once.
 */
export function hasContinuingSubwordPrefix(tok: PreTrainedTokenizerFast): boolean {
  let v = prefixCache.get(tok);
  if (v === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'tunekit-tok-'));
    try {
      tok.backend.save(join(dir, 'tokenizer.json'), false);
      const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as { model?: { continuing_subword_prefix?: string | null } };
      v = Boolean(json.model?.continuing_subword_prefix);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    prefixCache.set(tok, v);
  }
  return v;
}

/**
 * Labels the tokens of texts with a token-classification model and groups them into entities.
 * @example
 *   const ner = await pipeline('ner', { model: dir });
 *   await ner('John lives in New York', { aggregation_strategy: 'simple' });
 *   // [{ entity_group: 'PER', score: 0.99, word: 'john', start: 0, end: 4 }, ...]
 */
export class TokenClassificationPipeline extends Pipeline {
  static override readonly optionNames: readonly string[] = ['aggregation_strategy', 'ignore_labels', 'stride'];

  call(inputs: string, opts?: TokenClassificationOptions & NoGrouping): Promise<TokenEntity[]>;
  call(inputs: string, opts: TokenClassificationOptions & Grouping): Promise<GroupedEntity[]>;
  call(inputs: string[], opts?: TokenClassificationOptions & NoGrouping): Promise<TokenEntity[][]>;
  call(inputs: string[], opts: TokenClassificationOptions & Grouping): Promise<GroupedEntity[][]>;
  call(inputs: string | string[], opts?: TokenClassificationOptions): Promise<TokenClassificationOutput | TokenClassificationOutput[]>;
  async call(inputs: string | string[], options: TokenClassificationOptions = {}): Promise<TokenClassificationOutput | TokenClassificationOutput[]> {
    // options given to pipeline() (HF: pipeline('ner', aggregation_strategy='simple')) are the defaults
    const opts = this.callOptions(options) as TokenClassificationArgs;
    const strategy = opts.aggregation_strategy ?? 'none';
    if (!AGGREGATION_STRATEGIES.includes(strategy)) throw new Error(`aggregation_strategy must be one of ${AGGREGATION_STRATEGIES.join(', ')}, got ${String(strategy)}`);
    if (opts.stride !== undefined) {
      if (opts.stride >= this.tokenizer.modelMaxLength)
        throw new Error('`stride` must be less than `tokenizer.model_max_length` (or even lower if the tokenizer adds special tokens)');
      if (strategy === 'none')
        throw new Error('`stride` was provided to process all the text but `aggregation_strategy="none"`, please select another one instead.');
    }
    if (Array.isArray(inputs) ? inputs.length === 0 : typeof inputs !== 'string') throw new Error('At least one input is required.');
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const out: TokenClassificationOutput[] = [];
    for (const text of list) {
      if (typeof text !== 'string') throw new TypeError(`token-classification takes strings, got ${typeof text}`);
      out.push(await this.one(text, strategy, opts.ignore_labels ?? ['O'], opts.stride));
    }
    return Array.isArray(inputs) ? out : out[0]!;
  }

  /** HF preprocess + _forward + postprocess for one sentence (every window of it). */
  private async one(sentence: string, strategy: AggregationStrategy, ignore: readonly string[], stride: number | undefined): Promise<TokenClassificationOutput> {
    const tok = this.tokenizer;
    // HF: truncation=True whenever model_max_length is set; without a known length that would only warn.
    const enc = await tok.call([sentence], {
      truncation: tok.modelMaxLength < VERY_LARGE_INTEGER, returnSpecialTokensMask: true, returnOffsetsMapping: true,
      ...(stride !== undefined ? { returnOverflowingTokens: true, padding: true, stride } : {}),
    });
    const data = enc.data as Record<string, number[][] | Array<Array<[number, number]>>>;
    const ctxTok = { idToToken: (id: number) => tok.convertIdsToTokens(id) ?? '', unkTokenId: tok.unkTokenId, hasSubwordPrefix: hasContinuingSubwordPrefix(tok) };
    const ctx = { label: (i: number) => this.label(i), tokensToString: (t: string[]) => convertTokensToString(tok, t) };
    const chunks = (data.input_ids as number[][]).length;
    let all: TokenClassificationOutput = [];
    for (let c = 0; c < chunks; c++) {
      const rows: IdRows = {};
      for (const k of tok.modelInputNames) if (data[k]) rows[k] = [(data[k] as number[][])[c]!];
      const { logits } = this.forward(rows, ['logits']) as { logits: number[][][] };
      const scores = logits[0]!.map(softmax); // (T, num_labels)
      const pre = gatherPreEntities(sentence, rows.input_ids![0]!, scores, (data.offset_mapping as Array<Array<[number, number]>>)[c]!,
        (data.special_tokens_mask as number[][])[c]!, strategy, ctxTok);
      const entities = aggregate(pre, strategy, ctx) as Array<TokenEntity | GroupedEntity>;
      all = [...all, ...entities.filter((e) => !ignore.includes('entity' in e ? e.entity : e.entity_group))] as TokenClassificationOutput;
    }
    return chunks > 1 ? (aggregateOverlappingEntities(all as GroupedEntity[])) : all;
  }
}
