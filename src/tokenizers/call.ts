// `tokenizer(...)` of transformers' tokenization_utils_base.py (__call__, _call_one, padding and
// truncation strategies) and tokenization_utils_fast.py (_batch_encode_plus, _convert_encoding).
// Each sequence is encoded alone (a copy of the tokenizer without post-processor), then tokenizers'
// own truncate_encodings / post-processor / padding run here: tokenizers >= 0.23.1 drops overflow
// windows under Tokenizer-level truncation (huggingface/tokenizers#2091). Single sequences without
// overflow or stride take the fast path of rust-path.ts instead (all of it in one encodeBatch).
import type { Encoding } from 'tokenizers';
import { tensor } from '../torch/index.js';
import { LARGE_INTEGER } from './config.js';
import { BatchEncoding } from './encoding.js';
import type { RustSettings } from './rust-path.js';
import type { PreTrainedTokenizerFast } from './tokenizer.js';
import { mergeWords, shadowWordIds } from './words.js';
import { nameOf, resolveCallOptions, type AnyCallOptions, type ResolvedCallOptions as Resolved, type TextInput } from './call-options.js';

export type { TextInput, TruncationOption, PaddingOption, TokenizerCallOptions, CallOptions, AnyCallOptions } from './call-options.js';
export { CALL_OPTION_NAMES, resolveCallOptions } from './call-options.js';

const TEXT_ERROR = 'text input must be of type `str` (single example), `List[str]` (batch or single pretokenized example) or `List[List[str]]` (batch of pretokenized examples).';

type Strategy = { padding: 'longest' | 'max_length' | null; truncation: 'longest_first' | 'only_first' | 'only_second' | null; maxLength: number | null };

// HF warns "sequence-length-is-longer-than-the-specified-maximum" once per tokenizer
// (tokenizer.deprecation_warnings), whatever the length; keyed by tokenizer object here.
const warnedTooLong = new WeakSet<object>();

const warned = new Set<string>();
function warnOnce(msg: string): void {
  if (warned.has(msg)) return;
  warned.add(msg);
  console.warn(msg);
}

function checkOptions(opts: Resolved): void {
  const posInt = (k: 'max_length' | 'pad_to_multiple_of', v: unknown) => {
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)) throw new Error(`${nameOf(opts, k)} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  posInt('max_length', opts.maxLength);
  posInt('pad_to_multiple_of', opts.padToMultipleOf);
  if (opts.stride !== undefined && (!Number.isInteger(opts.stride) || opts.stride < 0)) throw new Error(`stride must be a non-negative integer, got ${JSON.stringify(opts.stride)}`);
  if (opts.returnTensors !== undefined && opts.returnTensors !== 'pt') throw new Error(`${nameOf(opts, 'return_tensors')} must be 'pt' (tunekit tensors) or omitted, got ${JSON.stringify(opts.returnTensors)}`);
  if (opts.paddingSide !== undefined && opts.paddingSide !== 'left' && opts.paddingSide !== 'right') throw new Error(`${nameOf(opts, 'padding_side')} must be 'left' or 'right', got ${JSON.stringify(opts.paddingSide)}`);
}

/** _get_padding_truncation_strategies: resolves padding/truncation/maxLength as HF does. */
function resolveStrategies(tok: PreTrainedTokenizerFast, opts: Resolved): Strategy {
  let truncation = opts.truncation;
  const padding = opts.padding ?? false;
  let maxLength = opts.maxLength ?? null;
  if (maxLength !== null && padding === false && truncation === undefined) {
    warnOnce("Truncation was not explicitly activated but `max_length` is provided a specific value, please use `truncation=True` to explicitly truncate examples to max length. Defaulting to 'longest_first' truncation strategy.");
    truncation = 'longest_first';
  }
  let pad: Strategy['padding'];
  if (padding === true || padding === 'longest') pad = 'longest';
  else if (padding === 'max_length') pad = 'max_length';
  else if (padding === false || padding === 'do_not_pad') pad = null;
  else throw new Error(`'${String(padding)}' is not a valid PaddingStrategy, please select one of ['longest', 'max_length', 'do_not_pad']`);
  let trunc: Strategy['truncation'];
  if (truncation === true || truncation === 'longest_first') trunc = 'longest_first';
  else if (truncation === 'only_first' || truncation === 'only_second') trunc = truncation;
  else if (truncation === undefined || truncation === false || truncation === 'do_not_truncate') trunc = null;
  else throw new Error(`'${String(truncation)}' is not a valid TruncationStrategy, please select one of ['only_first', 'only_second', 'longest_first', 'do_not_truncate']`);
  if (maxLength === null) {
    const known = tok.modelMaxLength <= LARGE_INTEGER;
    if (pad === 'max_length') {
      if (!known) throw new Error("padding='max_length' needs a length: pass maxLength (this tokenizer has no model_max_length)");
      maxLength = tok.modelMaxLength;
    }
    if (trunc !== null) {
      if (known) maxLength = tok.modelMaxLength;
      else {
        warnOnce('Asking to truncate to max_length but no maximum length is provided and the model has no predefined maximum length. Default to no truncation.');
        trunc = null;
      }
    }
  }
  const padId = tok.padTokenId;
  if (pad !== null && (tok.padToken === null || padId === null || padId < 0))
    throw new Error("Asking to pad but the tokenizer does not have a padding token. Please select a token to use as `pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` or add a new pad token via `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`.");
  const multiple = opts.padToMultipleOf;
  if (trunc !== null && pad !== null && multiple !== undefined && maxLength !== null && maxLength % multiple !== 0)
    throw new Error(`Truncation and padding are both activated but truncation length (${maxLength}) is not a multiple of pad_to_multiple_of (${multiple}).`);
  return { padding: pad, truncation: trunc, maxLength };
}

/** `_is_valid_text_input`, checking every element (JS callers can pass anything). */
function isValidText(t: unknown): boolean {
  if (typeof t === 'string') return true;
  if (!Array.isArray(t)) return false;
  if (t.every((x) => typeof x === 'string')) return true;
  return t.every((x) => Array.isArray(x) && x.every((y) => typeof y === 'string'));
}

/** @internal Switches of callTokenizer for tests. */
export interface CallInternals {
  /** Never take the fast path: truncation, post-processor and padding per row, as for overflow windows. */
  slowPath?: boolean;
}

/** Encodes one text side (text + textPair, or textTarget + textPairTarget) into a BatchEncoding. */
async function callOne(tok: PreTrainedTokenizerFast, text: TextInput, pair: TextInput | undefined, opts: Resolved, st: Strategy, internals: CallInternals): Promise<BatchEncoding> {
  if (!isValidText(text)) throw new Error(TEXT_ERROR);
  if (pair !== undefined && pair !== null && !isValidText(pair)) throw new Error(TEXT_ERROR);
  const split = opts.isSplitIntoWords ?? false;
  const batched = split ? Array.isArray(text) && text.length > 0 && Array.isArray(text[0]) : Array.isArray(text);
  if (split && !Array.isArray(text)) throw new Error(`${nameOf(opts, 'is_split_into_words')}: true needs the text as a list of words (string[]) or a batch of them (string[][])`);
  const firsts = (batched ? text : [text]) as Array<string | string[]>;
  let seconds: Array<string | string[]> | null = null;
  if (pair !== undefined && pair !== null) {
    if (batched) {
      if (typeof pair === 'string') throw new Error('when tokenizing batches of text, `text_pair` must be a list or tuple with the same length as `text`.');
      if (pair.length !== firsts.length) throw new Error(`batch length of \`text\`: ${firsts.length} does not match batch length of \`text_pair\`: ${pair.length}.`);
      seconds = pair as Array<string | string[]>;
    } else {
      seconds = [pair as string | string[]];
    }
  }
  checkTextLengths(tok, firsts, seconds);
  const add = opts.addSpecialTokens ?? true;
  if (!split && seconds === null && !internals.slowPath) {
    const rows = await encodeInRust(tok, firsts as string[], add, opts, st);
    if (rows !== null) return toBatchEncoding(tok, rows, null, opts, st, !batched, 1);
  }
  const seqs = seconds ? [...firsts, ...seconds] : firsts;
  const n = firsts.length;
  let raw: Encoding[];
  let shadow: Encoding[] | null = null;
  if (split) {
    const words = seqs as string[][];
    const { merged, wordIndex } = mergeWords(await tok.encodeRaw(words.flat()), words.map((w) => w.length));
    raw = merged;
    shadow = await tok.wordShadow.encode(wordIndex);
  } else {
    raw = await tok.encodeRaw(seqs as string[]);
  }
  const nAdded = add ? tok.numSpecialTokensToAdd(seconds !== null) : 0;
  const rows = firsts.map((_, i) => finishPair(tok, raw[i]!, seconds ? raw[n + i]! : null, add, nAdded, opts, st));
  const shadowRows = shadow === null ? null : firsts.map((_, i) => finishPair(tok, shadow![i]!, seconds ? shadow![n + i]! : null, add, nAdded, opts, st));
  pad(tok, rows, opts, st);
  if (shadowRows) pad(tok, shadowRows, opts, st);
  return toBatchEncoding(tok, rows, shadowRows, opts, st, !batched, seconds !== null ? 2 : 1);
}

/** Refuses a text longer than tok.maxTextLength (see there: longer texts can abort the process in Rust). */
function checkTextLengths(tok: PreTrainedTokenizerFast, firsts: Array<string | string[]>, seconds: Array<string | string[]> | null): void {
  const max = tok.maxTextLength;
  for (const [side, list] of [['text', firsts], ['text_pair', seconds ?? []]] as const) {
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      const len = typeof t === 'string' ? t.length : t.reduce((n, w) => n + w.length, 0);
      if (len > max)
        throw new RangeError(`${side}${list.length > 1 || Array.isArray(firsts[0]) ? `[${i}]` : ''} has ${len} characters, more than tokenizer.maxTextLength (${max}): ` +
          'texts this long can abort the process inside the Rust tokenizer (its regex engine\'s retry limit); split the document into parts, or raise tokenizer.maxTextLength');
    }
  }
}

/**
 * The fast path: tokenizers' encode_batch with the call's truncation and padding (rust-path.ts).
 * Null sends the call down the per-row path: overflow windows or a stride, left truncation,
 * only_second, special tokens that do not fit maxLength, or an error from Rust (the per-row path
 * then throws HF's message).
 */
async function encodeInRust(tok: PreTrainedTokenizerFast, texts: string[], add: boolean, opts: Resolved, st: Strategy): Promise<Encoding[] | null> {
  if (opts.returnOverflowingTokens || (opts.stride ?? 0) !== 0) return null;
  const settings: RustSettings = { truncation: null, padding: null };
  if (st.truncation !== null && st.maxLength !== null) {
    // tokenizers >= 0.23.1 stops tokenizing at maxLength tokens (huggingface/tokenizers#1990): from
    // the left it drops the leading words, so word ids restart at 0; and only_second on a single
    // text (an error when it is too long) can see a text cut to exactly maxLength and not fail.
    if (tok.truncationSide === 'left' || st.truncation === 'only_second') return null;
    if (add && tok.numSpecialTokensToAdd(false) > st.maxLength) return null;
    settings.truncation = { maxLength: st.maxLength, strategy: st.truncation, direction: tok.truncationSide };
  }
  if (st.padding !== null) {
    settings.padding = {
      length: st.padding === 'max_length' ? st.maxLength! : null, multiple: opts.padToMultipleOf,
      direction: opts.paddingSide ?? tok.paddingSide, padId: tok.padTokenId!, padTypeId: tok.padTokenTypeId, padToken: tok.padToken!,
    };
  }
  try {
    return await tok.rustBackends.encode(texts, add, settings);
  } catch {
    return null;
  }
}

/** tokenizers' post_process: truncate_encodings (budgeting the special tokens), then the post-processor. */
function finishPair(tok: PreTrainedTokenizerFast, a: Encoding, b: Encoding | null, add: boolean, nAdded: number, opts: Resolved, st: Strategy): Encoding {
  if (st.truncation !== null && st.maxLength !== null) {
    if (nAdded > st.maxLength) throw new Error(`maxLength (${st.maxLength}) is smaller than the ${nAdded} special tokens added to each sequence`);
    truncateEncodings(a, b, st.maxLength - nAdded, st.truncation, opts.stride ?? 0, tok.truncationSide);
  }
  return tok.backend.postProcess(a, b, add);
}

/** Encoding.truncate with the stride check tokenizers would panic on. */
function truncateTo(e: Encoding, n: number, stride: number, dir: 'left' | 'right'): void {
  if (n > 0 && n < e.getLength() && stride >= n)
    throw new Error(`stride (${stride}) must be strictly less than the length a sequence is truncated to (${n}); maxLength counts the special tokens too`);
  e.truncate(n, stride, dir);
}

/** tokenizers' utils/truncation.rs truncate_encodings, on JS-held Encodings. */
function truncateEncodings(a: Encoding, b: Encoding | null, maxLength: number, strategy: 'longest_first' | 'only_first' | 'only_second', stride: number, dir: 'left' | 'right'): void {
  if (maxLength === 0) {
    a.truncate(0, stride, dir);
    b?.truncate(0, stride, dir);
    return;
  }
  const total = a.getLength() + (b?.getLength() ?? 0);
  if (total <= maxLength) return;
  const toRemove = total - maxLength;
  if (strategy === 'longest_first') {
    if (b === null) return truncateTo(a, total - toRemove, stride, dir);
    let n1 = a.getLength(), n2 = b.getLength();
    const swap = n1 > n2;
    if (swap) [n1, n2] = [n2, n1];
    n2 = n1 > maxLength ? n1 : Math.max(n1, maxLength - n1);
    if (n1 + n2 > maxLength) {
      n1 = Math.floor(maxLength / 2);
      n2 = n1 + (maxLength % 2);
    }
    if (swap) [n1, n2] = [n2, n1];
    truncateTo(a, n1, stride, dir);
    truncateTo(b, n2, stride, dir);
    return;
  }
  const target = strategy === 'only_first' ? a : b;
  if (target === null) throw new Error('Truncation error: Second sequence not provided');
  if (target.getLength() <= toRemove) throw new Error('Truncation error: Sequence to truncate too short to respect the provided max_length');
  truncateTo(target, target.getLength() - toRemove, stride, dir);
}

/** tokenizers' pad_encodings: to the longest row (overflow windows excluded) or maxLength, rounded up. */
function pad(tok: PreTrainedTokenizerFast, rows: Encoding[], opts: Resolved, st: Strategy): void {
  if (st.padding === null || rows.length === 0) return;
  let length = st.padding === 'max_length' ? st.maxLength! : Math.max(...rows.map((e) => e.getLength()));
  const m = opts.padToMultipleOf;
  if (m !== undefined && length % m > 0) length += m - (length % m);
  const options = { direction: opts.paddingSide ?? tok.paddingSide, padId: tok.padTokenId!, padTypeId: tok.padTokenTypeId, padToken: tok.padToken! };
  for (const e of rows) e.pad(length, options);
}

/**
 * Makes data[key] a property computed on its first read (or replaced by a write), then a plain
 * value: each key is one N-API conversion per row, and a map fn that returns only input_ids and
 * attention_mask should not pay for token_type_ids or offsets. Key order stays HF's.
 */
function lazyKey(data: Record<string, unknown>, key: string, compute: () => unknown): void {
  const settle = (value: unknown): void => void Object.defineProperty(data, key, { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(data, key, {
    enumerable: true, configurable: true,
    get: () => {
      const value = compute();
      settle(value);
      return value;
    },
    set: settle,
  });
}

/** _convert_encoding + the batch stacking of _batch_encode_plus (+ unbatching for a single text). */
function toBatchEncoding(
  tok: PreTrainedTokenizerFast, rows: Encoding[], shadowRows: Encoding[] | null, opts: Resolved, st: Strategy, single: boolean, nSequences: number,
): BatchEncoding {
  const overflow = opts.returnOverflowingTokens ?? false;
  const all: Encoding[] = [];
  const wordIds: Array<Array<number | null>> = [];
  const mapping: number[] = [];
  rows.forEach((e, i) => {
    const windows = overflow ? [e, ...e.getOverflowing()] : [e];
    const shadows = shadowRows === null ? null : overflow ? [shadowRows[i]!, ...shadowRows[i]!.getOverflowing()] : [shadowRows[i]!];
    windows.forEach((w, k) => {
      all.push(w);
      mapping.push(i);
      if (shadows) wordIds.push(shadowWordIds(shadows[k]!));
    });
  });
  const typeIds = opts.returnTokenTypeIds ?? tok.modelInputNames.includes('token_type_ids');
  const mask = opts.returnAttentionMask ?? tok.modelInputNames.includes('attention_mask');
  const ids = all.map((e) => e.getIds());
  const data: Record<string, unknown> = { input_ids: ids };
  if (typeIds) lazyKey(data, 'token_type_ids', () => all.map((e) => e.getTypeIds()));
  // Only padding puts zeros in a tokenizers attention mask: without it, ones (no N-API round trip).
  if (mask) {
    if (st.padding === null) data.attention_mask = ids.map((r) => new Array<number>(r.length).fill(1));
    else lazyKey(data, 'attention_mask', () => all.map((e) => e.getAttentionMask()));
  }
  if (opts.returnSpecialTokensMask) lazyKey(data, 'special_tokens_mask', () => all.map((e) => e.getSpecialTokensMask()));
  if (opts.returnOffsetsMapping) lazyKey(data, 'offset_mapping', () => all.map((e) => e.getOffsets().map(([s, t]) => [s, t] as [number, number])));
  if (opts.returnLength) data.length = ids.map((r) => r.length);
  if (overflow) data.overflow_to_sample_mapping = mapping;
  if (st.truncation === null && !warnedTooLong.has(tok)) {
    const row = ids.find((r) => r.length > tok.modelMaxLength);
    if (row) {
      warnedTooLong.add(tok);
      console.warn(`Token indices sequence length is longer than the specified maximum sequence length for this model (${row.length} > ${tok.modelMaxLength}). Running this sequence through the model will result in indexing errors`);
    }
  }
  const words = shadowRows === null ? null : wordIds;
  if (opts.returnTensors === 'pt') return new BatchEncoding(toTensors(data), all, nSequences, words);
  if (single && !overflow) for (const [k, v] of Object.entries(data)) if (Array.isArray((v as unknown[])[0])) data[k] = (v as unknown[])[0];
  return new BatchEncoding(data, all, nSequences, words);
}

/** Every key as an int64 tensor; ragged rows are HF's "Unable to create tensor" error. */
function toTensors(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    const rows = v as unknown[];
    if (rows.length > 0 && Array.isArray(rows[0]) && new Set((rows as unknown[][]).map((r) => r.length)).size > 1)
      throw new Error("Unable to create tensor, you should probably activate truncation and/or padding with 'padding=True' 'truncation=True' to have batched tensors with the same length.");
    out[k] = tensor(rows as number[], { dtype: 'int64' });
  }
  return out;
}

/**
 * transformers' `__call__`: validates the options (HF names or camelCase), encodes `text`
 * (+ `text_pair`) and/or `text_target` (+ `text_pair_target`), and returns the inputs with
 * `labels` = the target ids.  `who` names the caller in option errors.
 */
export async function callTokenizer(tok: PreTrainedTokenizerFast, text: TextInput | null | undefined, raw: AnyCallOptions, internals: CallInternals = {}, who = 'tokenizer()'): Promise<BatchEncoding> {
  if (raw === null || typeof raw !== 'object') throw new TypeError('tokenizer options must be an object');
  const opts = resolveCallOptions(raw, who);
  checkOptions(opts);
  const st = resolveStrategies(tok, opts);
  if ((text === null || text === undefined) && (opts.textTarget === undefined || opts.textTarget === null))
    throw new Error('You need to specify either `text` or `text_target`.');
  const inputs = text !== null && text !== undefined ? await callOne(tok, text, opts.textPair, opts, st, internals) : null;
  const target = opts.textTarget !== undefined && opts.textTarget !== null ? await callOne(tok, opts.textTarget, opts.textPairTarget, opts, st, internals) : null;
  if (inputs === null) return target!;
  if (target !== null) inputs.set('labels', target.input_ids);
  return inputs;
}
