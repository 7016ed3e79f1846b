// call-options.ts — the options of `tokenizer.call` (transformers' __call__ keyword arguments):
// their types under HF's names with camelCase aliases, and their normalization (utils/options.ts)
// into the camelCase object call.ts reads, remembering the spelling each option came in.
import { camelKeys, normalizeOptions, resolveOptions, type CamelCase, type WithCamelAliases } from '../utils/options.js';
import type { DecodeOptions } from './decode.js';

/** A text, a batch of texts, pre-split words, or a batch of pre-split words. */
export type TextInput = string | string[] | string[][];

/** HF truncation strategies (`true` = 'longest_first'). */
export type TruncationOption = boolean | 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
/** HF padding strategies (`true` = 'longest'). */
export type PaddingOption = boolean | 'longest' | 'max_length' | 'do_not_pad';

/**
 * Options of `tokenizer.call(text, opts)`: transformers' __call__ keyword arguments under HF's
 * names; each is also accepted in camelCase (`max_length` or `maxLength`, not both).
 */
export interface TokenizerCallOptions {
  /** Second sequence(s): a string (or words) per text. */
  text_pair?: TextInput;
  /** Target text(s): their input_ids become `labels` (or the whole result when text is null). */
  text_target?: TextInput;
  /** Second sequence(s) of the targets. */
  text_pair_target?: TextInput;
  /** Add the model's special tokens ([CLS] ... [SEP], <s>, </s>); default true. */
  add_special_tokens?: boolean;
  /** true/'longest': pad to the longest row; 'max_length': to max_length; default false. */
  padding?: PaddingOption;
  /** true/'longest_first', 'only_first', 'only_second'; default: off unless max_length is given alone. */
  truncation?: TruncationOption;
  /** Length limit for truncation / 'max_length' padding, special tokens included; default modelMaxLength. */
  max_length?: number;
  /** With return_overflowing_tokens: how many tokens consecutive windows share. */
  stride?: number;
  /** The text is already split into words (string[] per example). */
  is_split_into_words?: boolean;
  /** Round padded lengths up to a multiple of this. */
  pad_to_multiple_of?: number;
  /** Overrides the tokenizer's paddingSide for this call. */
  padding_side?: 'left' | 'right';
  /** 'pt': int64 tensors instead of arrays. */
  return_tensors?: 'pt';
  return_token_type_ids?: boolean;
  return_attention_mask?: boolean;
  /** Every truncated window becomes its own row; adds `overflow_to_sample_mapping`. */
  return_overflowing_tokens?: boolean;
  return_special_tokens_mask?: boolean;
  /** Adds `offset_mapping`: [start, end) character (code point) offsets of each token, [0, 0] for special tokens. */
  return_offsets_mapping?: boolean;
  /** Adds `length`: the number of tokens of each row. */
  return_length?: boolean;
}

/** The camelCase aliases of {@link TokenizerCallOptions} (`maxLength`, `returnTensors`, ...). */
export type CallOptions = { [K in keyof TokenizerCallOptions as CamelCase<K & string>]: TokenizerCallOptions[K] };

/** What `tokenizer.call` takes: HF's names or their camelCase aliases (one spelling per option). */
export type AnyCallOptions = TokenizerCallOptions & CallOptions;

/** The options after normalization, as call.ts reads them (camelCase), and the spelling each was given in. */
export type ResolvedCallOptions = CallOptions & { readonly [GIVEN]?: Record<string, string> };
const GIVEN = Symbol('given');

/** HF's names of the call options (the order of the docs above). */
export const CALL_OPTION_NAMES: readonly (keyof TokenizerCallOptions)[] = [
  'text_pair', 'text_target', 'text_pair_target', 'add_special_tokens', 'padding', 'truncation', 'max_length', 'stride',
  'is_split_into_words', 'pad_to_multiple_of', 'padding_side', 'return_tensors', 'return_token_type_ids', 'return_attention_mask',
  'return_overflowing_tokens', 'return_special_tokens_mask', 'return_offsets_mapping', 'return_length',
];

/**
 * The call options under camelCase keys, whichever spelling was given.
 * @throws TypeError naming `who` for an unknown option (with the closest name) or two spellings given different values.
 */
export function resolveCallOptions(opts: unknown, who = 'tokenizer()'): ResolvedCallOptions {
  const { options, given } = resolveOptions(opts, { names: CALL_OPTION_NAMES }, who);
  return Object.assign(camelKeys(options), { [GIVEN]: given }) as ResolvedCallOptions;
}

/** The name a bad value's message uses: the spelling the caller wrote (`maxLength` or `max_length`). */
export const nameOf = (opts: ResolvedCallOptions, hfName: string): string => opts[GIVEN]?.[hfName] ?? hfName;

/** Call-option shapes that pick tokenizer.call's return type (the overloads in tokenizer.ts). */
export type NoTensors = { returnTensors?: undefined; return_tensors?: undefined };
export type NoOverflow = { returnOverflowingTokens?: false; return_overflowing_tokens?: false };
export type NotSplit = { isSplitIntoWords?: false; is_split_into_words?: false };
export type Split = { isSplitIntoWords: true } | { is_split_into_words: true };
export type PtTensors = { returnTensors: 'pt' } | { return_tensors: 'pt' };

/** Options of decode / batchDecode: HF's names, or camelCase ({@link DecodeOptions}). */
export type DecodeCallOptions = WithCamelAliases<{ skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }>;

/** decode options under camelCase keys, whichever spelling was given. */
export function decodeOptions(opts: DecodeCallOptions, who: string): DecodeOptions {
  return camelKeys(normalizeOptions(opts, { names: ['skip_special_tokens', 'clean_up_tokenization_spaces'] }, who)) as DecodeOptions;
}
