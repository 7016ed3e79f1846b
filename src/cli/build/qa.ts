// qa.ts — `tunekit train` with task question-answering: run_qa.py's prepare_train_features.  Each
// question + context is cut into max_seq_length windows overlapping by doc_stride tokens
// (truncation only_second); a window's start / end positions are the token span of the first gold
// answer, or the [CLS] position when the window does not hold it (or the question has none, SQuAD
// v2).  Evaluation reports the loss on windows built the same way (span metrics need the
// n-best post-processing of the pipeline, `question-answering`).
import { DataCollatorWithPadding, type Batch, type CollatorTokenizer, type Dataset } from '../../data/index.js';
import type { PreTrainedTokenizerFast } from '../../tokenizers/index.js';
import type { Recipe } from '../recipe/recipe.js';
import { RecipeError } from '../recipe/source.js';
import type { TaskData } from './tasks.js';

type Answers = { text: string[]; answer_start: number[] };

/**
 * Token span [start, end] of the answer at code points [startChar, endChar) in window i, or null
 * when the window's context does not hold it whole.  `seq`: the sequence id of each token (1 =
 * context), `off`: its code-point offsets.
 */
export function answerSpan(seq: readonly (number | null)[], off: readonly (readonly [number, number])[], startChar: number, endChar: number): [number, number] | null {
  const s = seq.indexOf(1);
  const e = seq.lastIndexOf(1);
  if (s < 0 || !(off[s]![0] <= startChar && off[e]![1] >= endChar)) return null;
  let ts = s;
  while (ts <= e && off[ts]![0] <= startChar) ts++;
  let te = e;
  while (te >= s && off[te]![1] >= endChar) te--;
  return [ts - 1, te + 1];
}

/** The answers column in SQuAD's shape ({ text: [...], answer_start: [...] } per row), or a RecipeError naming the row. */
function checkAnswers(r: Recipe, ds: Dataset): Dataset {
  ds.column('answers').forEach((a, row) => {
    const x = a as Partial<Answers> | null;
    if (!x || !Array.isArray(x.text) || !Array.isArray(x.answer_start) || x.text.length !== x.answer_start.length)
      throw new RecipeError(`${r.source.where(['dataset', 'columns'])}: row ${row}: the answers column must hold { text: [...], answer_start: [...] } (SQuAD's format), got ${JSON.stringify(a)}`);
  });
  return ds;
}

/** question-answering: windows with start_positions / end_positions; padding collator; eval loss. */
export async function questionAnswering(r: Recipe, tok: PreTrainedTokenizerFast, data: { train: Dataset; eval: Dataset | null }): Promise<TaskData> {
  const maxLength = r.dataset.max_seq_length as number;
  const stride = r.dataset.doc_stride as number;
  if (stride >= maxLength) throw r.source.error(['dataset', 'doc_stride'], `(${stride}) must be smaller than max_seq_length (${maxLength})`);
  const cls = tok.clsTokenId ?? 0;
  const prep = (ds: Dataset) => checkAnswers(r, ds).map(async (b: Batch) => {
    // some SQuAD questions start with spaces, which would eat into the context's budget
    const questions = (b.question as string[]).map((q) => q.trimStart());
    const enc = await tok.call(questions, {
      textPair: b.context as string[], truncation: 'only_second', maxLength, stride, returnOverflowingTokens: true, returnOffsetsMapping: true,
    });
    const sampleOf = enc.overflow_to_sample_mapping! as number[];
    const offsets = enc.offset_mapping! as [number, number][][];
    const starts: number[] = [], ends: number[] = [];
    for (let i = 0; i < sampleOf.length; i++) {
      const a = (b.answers as Answers[])[sampleOf[i]!]!;
      const span = a.answer_start.length === 0 ? null : answerSpan(enc.sequenceIds(i), offsets[i]!, a.answer_start[0]!, a.answer_start[0]! + [...a.text[0]!].length);
      starts.push(span ? span[0] : cls);
      ends.push(span ? span[1] : cls);
    }
    const { offset_mapping: _o, overflow_to_sample_mapping: _m, ...inputs } = enc.data as Record<string, unknown[]>;
    return { ...inputs, start_positions: starts, end_positions: ends };
  }, { batched: true, removeColumns: ds.columnNames, captures: { tok, maxLength, stride, cls, answerSpan }, desc: 'Windows of question + context' });
  return {
    train: await prep(data.train), eval: data.eval && await prep(data.eval),
    collator: new DataCollatorWithPadding({ tokenizer: tok as unknown as CollatorTokenizer }),
  };
}
