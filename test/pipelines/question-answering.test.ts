// question-answering pipeline: span selection on hand-made logits (masking, softmax, max_answer_len,
// top_k, the [CLS] null score), HF's decode_spans quirk, doc_stride windows through pipeline() with
// a model whose start/end logits are chosen per token, and the fixture model's best span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, tidy } from '../../src/torch/index.js';
import { decodeSpans, pipeline, selectStartsEnds, type Answer } from '../../src/pipelines/index.js';
import { assertClose } from '../helpers.js';
import { fixtureDir, id, tableQaModel, tinyTokenizer } from './tiny.js';

const E = Math.exp;

test('selectStartsEnds: non-context tokens masked, softmax each side, best spans, null score from [CLS]', () => {
  // [CLS] q [SEP] c1 c2 c3 [SEP]: p_mask 1 on the question and the separators.
  const pMask = [0, 1, 1, 0, 0, 0, 1];
  const startL = [2, 5, 5, 1, 3, 0, 9], endL = [1, 9, 0, 0, 2.5, 4, 9];
  // Allowed: 0, 3, 4, 5.  Softmax denominators over them (masked tokens contribute exp(-10000) = 0).
  const S = E(-1) + E(-2) + 1 + E(-3), Q = E(-3) + E(-4) + E(-1.5) + 1;
  const ps = [E(-1) / S, 0, 0, E(-2) / S, 1 / S, E(-3) / S, 0], pe = [E(-3) / Q, 0, 0, E(-4) / Q, E(-1.5) / Q, 1 / Q, 0];
  const r = selectStartsEnds(startL, endL, pMask, [1, 1, 1, 1, 1, 1, 1], { topK: 3, handleImpossibleAnswer: true });
  assert.deepEqual([r.starts, r.ends], [[4, 4, 3], [5, 4, 5]]);
  assertClose(r.scores, [ps[4]! * pe[5]!, ps[4]! * pe[4]!, ps[3]! * pe[5]!], { rtol: 1e-12 });
  assertClose(r.minNullScore, ps[0]! * pe[0]!, { rtol: 1e-12 });
  // The null score only drops (min over windows) and only when asked.
  assert.equal(selectStartsEnds(startL, endL, pMask, null, { minNullScore: 1e-9, handleImpossibleAnswer: true }).minNullScore, 1e-9);
  assert.equal(selectStartsEnds(startL, endL, pMask, null).minNullScore, 1000000);
  // max_answer_len 1: single tokens only; attention 0 masks like p_mask.
  const one = selectStartsEnds(startL, endL, pMask, null, { topK: 1, maxAnswerLen: 1 });
  assert.deepEqual([one.starts, one.ends], [[4], [4]]);
  const noC2 = selectStartsEnds(startL, endL, pMask, [1, 1, 1, 1, 0, 1, 1]);
  assert.deepEqual([noC2.starts, noC2.ends], [[3], [5]]);
});

test('decodeSpans keeps position 0 whenever any token is allowed (HF tests against a (1, T) nonzero())', () => {
  const r = decodeSpans([0.6, 0.1, 0.2, 0.1], [0.1, 0.1, 0.7, 0.1], 1, 15, [0, 0, 1, 1]);
  assert.deepEqual([r.starts, r.ends], [[0], [2]]);
  assertClose(r.scores, [0.42]);
  const none = decodeSpans([0.6, 0.1, 0.2, 0.1], [0.1, 0.1, 0.7, 0.1], 1, 15, [0, 0, 0, 0]);
  assert.deepEqual(none.starts, []);
});

// Chosen logits: 'paris' 5 and 'london' 4 on both sides, [CLS] `cls`, everything else 0.
const table = (cls: number) => (t: number): [number, number] => (t === id('paris') ? [5, 5] : t === id('london') ? [4, 4] : t === id('[CLS]') ? [cls, cls] : [0, 0]);
const QUESTION = 'where does john live?';
const CONTEXT = 'john lives in paris. mary lives in london.';

test('pipeline("question-answering"): scores by hand, answers as context offsets, top_k, impossible answer', async () => {
  const qa = await pipeline('question-answering', { model: tableQaModel(table(0)), tokenizer: await tinyTokenizer() });
  // One window: [CLS] + 10 context tokens are allowed; logits 0 except paris (5) and london (4).
  const S = 9 + E(5) + E(4);
  const best = await qa({ question: QUESTION, context: CONTEXT });
  assert.deepEqual({ ...best, score: 0 }, { score: 0, start: 14, end: 19, answer: 'paris' });
  assertClose(best.score, (E(5) / S) ** 2, { rtol: 1e-6 });
  const top = await qa({ question: QUESTION, context: CONTEXT }, { top_k: 3 }) as Answer[];
  assert.deepEqual(top.map((a) => [a.answer, a.start, a.end]), [['paris', 14, 19], ['paris. mary lives in london', 14, 41], ['london', 35, 41]]);
  assertClose(top.map((a) => a.score), [E(10), E(9), E(8)].map((x) => x / S ** 2), { rtol: 1e-6 });
  // max_answer_len 5 tokens: paris..london spans 6 tokens, so it is gone.
  const short = await qa({ question: QUESTION, context: CONTEXT }, { top_k: 2, max_answer_len: 5 }) as Answer[];
  assert.deepEqual(short.map((a) => a.answer), ['paris', 'london']);
  // The null answer: p_start[CLS] * p_end[CLS] = (1/S)^2 here, so it ranks below paris...
  const withNull = await qa({ question: QUESTION, context: CONTEXT }, { handle_impossible_answer: true, top_k: 300 }) as Answer[];
  const nul = withNull.find((a) => a.answer === '')!;
  assertClose(nul.score, 1 / S ** 2, { rtol: 1e-6 });
  assert.deepEqual([nul.start, nul.end], [0, 0]);
  // ...and wins when [CLS] carries the largest logits.
  const qa2 = await pipeline('question-answering', { model: tableQaModel(table(8)), tokenizer: qa.tokenizer });
  const S2 = 8 + E(8) + E(5) + E(4);
  const imp = await qa2({ question: QUESTION, context: CONTEXT }, { handle_impossible_answer: true });
  assert.equal(imp.answer, '');
  assertClose(imp.score, (E(8) / S2) ** 2, { rtol: 1e-6 });
  // Several questions: one answer each; a list of one gives the answer itself.
  const many = await qa([{ question: QUESTION, context: CONTEXT }, { question: 'who?', context: 'mary lives in london.' }]) as Answer[];
  assert.deepEqual(many.map((a) => a.answer), ['paris', 'london']);
  assert.equal((await qa([{ question: QUESTION, context: CONTEXT }]) as Answer).answer, 'paris');
  await assert.rejects(qa({ question: QUESTION } as never), /keys \{question:..., context:...\}/);
  await assert.rejects(qa({ question: '', context: CONTEXT }), /`question` cannot be empty/);
  await assert.rejects(qa({ question: QUESTION, context: CONTEXT }, { doc_stride: 20, max_seq_len: 12 }), /larger than `max_seq_len`/);
});

test('doc_stride windows: each window is normalised on its own; answers of every window compete (no merging, as 4.47)', async () => {
  const qa = await pipeline('question-answering', { model: tableQaModel(table(0)), tokenizer: await tinyTokenizer() });
  // 12 tokens per window - 8 for [CLS] question [SEP] ... [SEP] = 4 context tokens, 1 shared between windows.
  const windows = await qa.tokenizer.call(QUESTION, { textPair: CONTEXT, truncation: 'only_second', maxLength: 12, stride: 1, returnOverflowingTokens: true });
  const ctxTokens = (w: number) => windows.tokens(w).slice(7, -1);
  assert.deepEqual([0, 1, 2].map(ctxTokens), [['john', 'lives', 'in', 'paris'], ['paris', '.', 'mary', 'lives'], ['lives', 'in', 'london', '.']]);
  const top = await qa({ question: QUESTION, context: CONTEXT }, { top_k: 3, max_seq_len: 12, doc_stride: 1 }) as Answer[];
  assert.deepEqual(top.map((a) => [a.answer, a.start]), [['paris', 14], ['paris', 14], ['london', 35]]);
  const Sp = 4 + E(5), Sl = 4 + E(4); // [CLS] + three zero-logit tokens + the named one, per window
  assertClose(top.map((a) => a.score), [(E(5) / Sp) ** 2, (E(5) / Sp) ** 2, (E(4) / Sl) ** 2], { rtol: 1e-6 });
  const imp = await qa({ question: QUESTION, context: CONTEXT }, { top_k: 200, max_seq_len: 12, doc_stride: 1, handle_impossible_answer: true }) as Answer[];
  const nullScores = [Sp, Sp, Sl, ...(windows.input_ids.length > 3 ? [2] : [])].map((s) => 1 / s ** 2);
  assertClose(imp.find((a) => a.answer === '')!.score, Math.min(...nullScores), { rtol: 1e-6, msg: 'min over windows' });
});

test('the fixture model: the answer is the best allowed span of its own start/end logits', async () => {
  const qa = await pipeline('question-answering', { model: fixtureDir('bert_qa') });
  const question = 'who lives in paris?', context = 'john smith lives in paris and mary lives in london.';
  const enc = await qa.tokenizer.call(question, { textPair: context, returnTensors: 'pt', returnOffsetsMapping: true });
  const out = tidy(() => noGrad(() => {
    const o = qa.model.forward({ input_ids: enc.input_ids, attention_mask: enc.attention_mask, token_type_ids: enc.token_type_ids } as never) as { start_logits: { toArray(): unknown }; end_logits: { toArray(): unknown } };
    return [(o.start_logits.toArray() as number[][])[0]!, (o.end_logits.toArray() as number[][])[0]!];
  }));
  const seq = enc.sequenceIds(0);
  const offsets = (enc.offset_mapping!.toArray() as number[][][])[0]!;
  enc.dispose();
  const allowed = seq.map((s, j) => s === 1 || j === 0);
  const prob = (l: number[]) => {
    const ex = l.map((v, j) => (allowed[j] ? Math.exp(v) : 0));
    const s = ex.reduce((a, b) => a + b, 0);
    return ex.map((v) => v / s);
  };
  const [ps, pe] = [prob(out[0]!), prob(out[1]!)];
  let best = { score: -1, s: 0, e: 0 };
  for (let s = 1; s < ps.length; s++) for (let e = s; e < Math.min(ps.length, s + 15); e++)
    if (seq[s] === 1 && seq[e] === 1 && ps[s]! * pe[e]! > best.score) best = { score: ps[s]! * pe[e]!, s, e };
  const ans = await qa({ question, context });
  assertClose(ans.score, best.score, { rtol: 1e-5 });
  assert.deepEqual([ans.start, ans.end], [offsets[best.s]![0], offsets[best.e]![1]]);
  assert.equal(ans.answer, context.slice(ans.start, ans.end));
});
