// question-answering.ts — QuestionAnsweringPipeline of transformers 4.47
// pipelines/question_answering.py (fast-tokenizer path): question + context split into windows of
// max_seq_len tokens overlapping by doc_stride, p_mask over non-context tokens, span selection
// per window (qa-decode.ts), answers mapped back to character offsets of the context.
import { Pipeline, sliceCodePoints, type IdRows } from './base.js';
import type { WithCamelAliases } from '../utils/options.js';
import { selectStartsEnds } from './qa-decode.js';
import type { Batched, BatchEncoding } from '../tokenizers/index.js';

/** One question about one context. */
export interface QuestionAnsweringInput {
  question: string;
  context: string;
}

/** An answer: a span of the context (code-point offsets) with its probability. */
export interface Answer {
  score: number;
  start: number;
  end: number;
  answer: string;
}

/** Call options (HF keyword arguments); each also in camelCase (`topK`, `maxAnswerLen`, `handleImpossibleAnswer`, ...). */
export type QuestionAnsweringOptions = WithCamelAliases<QuestionAnsweringArgs>;

/** The call options under HF's names. */
export interface QuestionAnsweringArgs {
  /** Answers to return (default 1); with more than one found, a list. */
  top_k?: number;
  /** Tokens shared by consecutive windows (default min(max_seq_len / 2, 128)). */
  doc_stride?: number;
  /** Longest answer in tokens (default 15). */
  max_answer_len?: number;
  /** Tokens per window, question and special tokens included (default min(model_max_length, 384)). */
  max_seq_len?: number;
  /** Accepted for HF compatibility; like HF's fast-tokenizer path, it has no effect. */
  max_question_len?: number;
  /** Also offer the empty answer, scored by the smallest [CLS] start*end probability over windows (default false). */
  handle_impossible_answer?: boolean;
  /** Widen spans to whole words (default true). */
  align_to_words?: boolean;
  /** Tokenizer padding of the windows (default 'do_not_pad'). */
  padding?: boolean | 'longest' | 'max_length' | 'do_not_pad';
}


/**
 * Extractive question answering with a question-answering model.
 * @example
 *   const qa = await pipeline('question-answering', { model: dir });
 *   await qa({ question: 'Where does John live?', context: 'John lives in New York.' });
 *   // { score: 0.93, start: 14, end: 22, answer: 'New York' }
 */
export class QuestionAnsweringPipeline extends Pipeline {
  static override readonly optionNames: readonly string[] = ['top_k', 'doc_stride', 'max_answer_len', 'max_seq_len', 'max_question_len', 'handle_impossible_answer', 'align_to_words', 'padding'];

  /** One question: its best answer (with top_k > 1: a list when more than one answer was found). */
  call(inputs: QuestionAnsweringInput, opts?: QuestionAnsweringOptions & { top_k?: 1; topK?: 1 }): Promise<Answer>;
  call(inputs: QuestionAnsweringInput, opts?: QuestionAnsweringOptions): Promise<Answer | Answer[]>;
  /** Several questions: one result each (a list of one gives the result itself, as HF). */
  call(inputs: QuestionAnsweringInput[], opts?: QuestionAnsweringOptions): Promise<Array<Answer | Answer[]> | Answer | Answer[]>;
  async call(inputs: QuestionAnsweringInput | QuestionAnsweringInput[], options: QuestionAnsweringOptions = {}): Promise<Answer | Answer[] | Array<Answer | Answer[]>> {
    const opts = this.callOptions(options) as QuestionAnsweringArgs;
    const topK = opts.top_k ?? 1;
    if (topK < 1) throw new RangeError(`top_k parameter should be >= 1 (got ${topK})`);
    const maxAnswerLen = opts.max_answer_len ?? 15;
    if (maxAnswerLen < 1) throw new RangeError(`max_answer_len parameter should be >= 1 (got ${maxAnswerLen}`);
    const list = Array.isArray(inputs) ? inputs : [inputs];
    for (const x of list) normalize(x);
    const out: Array<Answer | Answer[]> = [];
    for (const x of list) out.push(await this.one(x, { ...opts, top_k: topK, max_answer_len: maxAnswerLen }));
    return list.length === 1 ? out[0]! : out;
  }

  /** HF preprocess + _forward + postprocess of one example. */
  private async one(ex: QuestionAnsweringInput, opts: QuestionAnsweringArgs & { top_k: number; max_answer_len: number }): Promise<Answer | Answer[]> {
    const tok = this.tokenizer;
    const maxSeqLen = opts.max_seq_len ?? Math.min(tok.modelMaxLength, 384);
    const docStride = opts.doc_stride ?? Math.min(Math.floor(maxSeqLen / 2), 128);
    if (docStride > maxSeqLen) throw new Error(`\`doc_stride\` (${docStride}) is larger than \`max_seq_len\` (${maxSeqLen})`);
    // Right-padding tokenizers put the question first and truncate the context (the second sequence).
    const questionFirst = tok.paddingSide === 'right';
    const enc = await tok.call(questionFirst ? ex.question : ex.context, {
      textPair: questionFirst ? ex.context : ex.question, padding: opts.padding ?? 'do_not_pad',
      truncation: questionFirst ? 'only_second' : 'only_first', maxLength: maxSeqLen, stride: docStride,
      returnTokenTypeIds: true, returnOverflowingTokens: true, returnOffsetsMapping: true, returnSpecialTokensMask: true,
    }) as BatchEncoding<Batched>;
    const data = enc.data as Record<string, number[][]>;
    const nSpans = data.input_ids!.length;
    const seqIndex = questionFirst ? 1 : 0;
    let minNullScore = 1000000; // large and positive
    const answers: Answer[] = [];
    const context = Array.from(ex.context);
    for (let span = 0; span < nSpans; span++) {
      const ids = data.input_ids![span]!;
      // p_mask: 1 on tokens that cannot be in the answer (question and special tokens), [CLS] kept.
      const pMask = enc.sequenceIds(span).map((s) => (questionFirst ? (s !== 1 ? 1 : 0) : 0));
      if (tok.clsTokenId !== null) ids.forEach((id, j) => { if (id === tok.clsTokenId) pMask[j] = 0; });
      const rows: IdRows = {};
      for (const k of tok.modelInputNames) if (data[k]) rows[k] = [data[k]![span]!];
      const out = this.forward(rows, ['start_logits', 'end_logits']) as { start_logits: number[][]; end_logits: number[][] };
      const sel = selectStartsEnds(out.start_logits[0]!, out.end_logits[0]!, pMask, data.attention_mask?.[span] ?? null, {
        minNullScore, topK: opts.top_k, handleImpossibleAnswer: opts.handle_impossible_answer ?? false, maxAnswerLen: opts.max_answer_len,
      });
      minNullScore = sel.minNullScore;
      // Left padding shifts token positions against the (unpadded) Encoding.
      const shift = tok.paddingSide === 'left' ? ids.filter((id) => id === tok.padTokenId).length : 0;
      sel.starts.forEach((s0, k) => {
        const [startIndex, endIndex] = this.charSpan(enc, span, s0 - shift, sel.ends[k]! - shift, seqIndex, opts.align_to_words ?? true);
        answers.push({ score: sel.scores[k]!, start: startIndex, end: endIndex, answer: sliceCodePoints(context, startIndex, endIndex) });
      });
    }
    if (opts.handle_impossible_answer) answers.push({ score: minNullScore, start: 0, end: 0, answer: '' });
    const best = answers.sort((a, b) => b.score - a.score).slice(0, opts.top_k);
    return best.length === 1 ? best[0]! : best;
  }

  /** HF get_indices: character span of tokens s..e, widened to whole words when possible, else the token offsets. */
  private charSpan(enc: BatchEncoding, row: number, s: number, e: number, seqIndex: number, alignToWords: boolean): [number, number] {
    if (alignToWords) {
      const sw = enc.tokenToWord(s, row), ew = enc.tokenToWord(e, row);
      const a = sw === null ? null : enc.wordToChars(sw, row, seqIndex);
      const b = ew === null ? null : enc.wordToChars(ew, row, seqIndex);
      if (a !== null && b !== null) return [a[0], b[1]];
      // HF: "Some tokenizers don't really handle words. Keep to offsets then."
    }
    const offsets = (enc.offset_mapping as Array<Array<[number, number]>>)[row]!;
    return [offsets[s]![0], offsets[e]![1]];
  }
}

/** HF QuestionAnsweringArgumentHandler.normalize: both keys present, neither empty. */
function normalize(x: unknown): void {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new Error(`${JSON.stringify(x)} argument needs to be of type (SquadExample, dict)`);
  for (const k of ['question', 'context'] as const) {
    const v = (x as Record<string, unknown>)[k];
    if (!(k in x)) throw new Error('You need to provide a dictionary with keys {question:..., context:...}');
    if (v === null || v === undefined) throw new Error(`\`${k}\` cannot be None`);
    if (typeof v !== 'string') throw new TypeError(`\`${k}\` must be a string, got ${typeof v}`);
    if (v.length === 0) throw new Error(`\`${k}\` cannot be empty`);
  }
}
