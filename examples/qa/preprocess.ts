// examples/qa/preprocess.ts — the HF question-answering tutorial's feature preparation
// (notebooks/examples/question_answering.ipynb: prepare_train_features / prepare_validation_features,
// as in transformers' examples/pytorch/question-answering/run_qa.py): question + context windows
// with truncation 'only_second', overlapping by `stride` tokens, one feature per window.
import type { Batch } from '../../src/data/index.js';
import type { PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';

/** Window settings of the tokenizer call (the tutorial's max_length 384 / doc_stride 128). */
export interface WindowOptions {
  maxLength: number;
  stride: number;
  /** Pad every feature to maxLength as the tutorial does (default false: the collator pads per batch). */
  padToMaxLength?: boolean;
}

type Answers = { text: string[]; answer_start: number[] };

/** The tokenizer call both preparations share (exported so a map that calls them can list it in `captures`). */
export async function tokenizeWindows(tok: PreTrainedTokenizerFast, batch: Batch, o: WindowOptions) {
  // some SQuAD questions start with spaces, which would eat into the context's budget
  const questions = (batch.question as string[]).map((q) => q.trimStart());
  return tok.call(questions, {
    textPair: batch.context as string[], truncation: 'only_second', maxLength: o.maxLength, stride: o.stride,
    returnOverflowingTokens: true, returnOffsetsMapping: true, padding: o.padToMaxLength ? 'max_length' : false,
  });
}

/**
 * prepare_train_features: every window of every question, with `start_positions` /
 * `end_positions` = the token span of the first gold answer, or the [CLS] index for an
 * unanswerable question and for a window that does not contain the whole answer.  Character
 * offsets are code points, as SQuAD's answer_start.  Returns more rows than it gets (map with
 * removeColumns).
 */
export async function prepareTrainFeatures(tok: PreTrainedTokenizerFast, batch: Batch, o: WindowOptions): Promise<Batch> {
  const enc = await tokenizeWindows(tok, batch, o);
  const ids = enc.input_ids, offsets = enc.offset_mapping!, sampleOf = enc.overflow_to_sample_mapping!;
  const answers = batch.answers as Answers[];
  const starts: number[] = [], ends: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const cls = ids[i]!.indexOf(tok.clsTokenId!);
    const seq = enc.sequenceIds(i);
    const off = offsets[i]!;
    const ans = answers[sampleOf[i]!]!;
    if (ans.answer_start.length === 0) { starts.push(cls); ends.push(cls); continue; }
    const startChar = ans.answer_start[0]!;
    const endChar = startChar + [...ans.text[0]!].length;
    let ts = 0;
    while (seq[ts] !== 1) ts++; // first context token
    let te = ids[i]!.length - 1;
    while (seq[te] !== 1) te--; // last context token
    if (!(off[ts]![0] <= startChar && off[te]![1] >= endChar)) { starts.push(cls); ends.push(cls); continue; }
    while (ts < off.length && off[ts]![0] <= startChar) ts++;
    starts.push(ts - 1);
    while (off[te]![1] >= endChar) te--;
    ends.push(te + 1);
  }
  return { input_ids: ids, token_type_ids: enc.token_type_ids!, attention_mask: enc.attention_mask!, start_positions: starts, end_positions: ends };
}

/**
 * prepare_validation_features: every window, with `example_id` (the question id it came from)
 * and `offset_mapping` set to null outside the context, so postprocessing only proposes spans
 * of context tokens.
 */
export async function prepareValidationFeatures(tok: PreTrainedTokenizerFast, batch: Batch, o: WindowOptions): Promise<Batch> {
  const enc = await tokenizeWindows(tok, batch, o);
  const sampleOf = enc.overflow_to_sample_mapping!;
  const qids = batch.id as string[];
  const offsets = enc.offset_mapping!.map((off, i) => {
    const seq = enc.sequenceIds(i);
    return off.map((o, k) => (seq[k] === 1 ? o : null));
  });
  return {
    input_ids: enc.input_ids, token_type_ids: enc.token_type_ids!, attention_mask: enc.attention_mask!,
    offset_mapping: offsets, example_id: sampleOf.map((s) => qids[s]!),
  };
}
