// The two preprocessing recipes of the HF course: extractive QA (question + long context cut into
// overlapping windows with offsets; answer start/end token positions found from offset_mapping and
// sequence_ids as in the QA tutorial) and NER label alignment with word_ids (CoNLL-2003).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadReference, readReference } from './load.js';

const QUESTION = 'Where did the travellers finally rest?';
const CONTEXT = 'The travellers left the city at dawn and walked along the river for many hours. They crossed two old bridges, ' +
  'passed a quiet market, and climbed a long hill covered with pine trees. When the sun began to set, they finally rested in ' +
  'a small stone cottage near the lake, where an old fisherman offered them bread and tea.';
const ANSWER = 'a small stone cottage near the lake';

/** The QA tutorial's labelling: (start, end) token positions of the answer, or null when outside this window. */
function answerPositions(offsets: Array<[number, number]>, seq: Array<number | null>, startChar: number, endChar: number): [number, number] | null {
  let cs = 0;
  while (seq[cs] !== 1) cs++;
  let ce = seq.length - 1;
  while (seq[ce] !== 1) ce--;
  if (offsets[cs]![0] > startChar || offsets[ce]![1] < endChar) return null;
  let s = cs;
  while (s <= ce && offsets[s]![0] <= startChar) s++;
  let e = ce;
  while (e >= cs && offsets[e]![1] >= endChar) e--;
  return [s - 1, e + 1];
}

test('SQuAD-style windows: only_second + stride + offsets put the answer in the second window', async () => {
  const tok = await loadReference('bert-base-uncased');
  const maxLength = 48, stride = 16;
  const enc = await tok.call(QUESTION, {
    textPair: CONTEXT, truncation: 'only_second', maxLength, stride, returnOverflowingTokens: true, returnOffsetsMapping: true, padding: 'max_length',
  });
  const rows = enc.input_ids.length;
  assert.equal(rows, 3);
  assert.deepEqual(enc.overflow_to_sample_mapping, [0, 0, 0]);
  for (const r of enc.input_ids) assert.equal(r.length, maxLength);
  const question = (await tok.call(QUESTION)).input_ids;
  const context = (await tok.call(CONTEXT, { addSpecialTokens: false })).input_ids;
  const budget = maxLength - question.length - 1; // question with [CLS] ... [SEP], then context, then [SEP]
  for (let i = 0; i < rows; i++) {
    const ids = enc.input_ids[i]!;
    const seq = enc.sequenceIds(i);
    assert.deepEqual(ids.slice(0, question.length), question, 'every window repeats the question');
    const ctx = ids.filter((_, j) => seq[j] === 1);
    // Window i starts (budget - stride) tokens after window i-1: consecutive windows share `stride` tokens.
    assert.deepEqual(ctx, context.slice(i * (budget - stride), i * (budget - stride) + budget));
    if (i > 0) {
      const prev = enc.input_ids[i - 1]!.filter((_, j) => enc.sequenceIds(i - 1)[j] === 1);
      assert.deepEqual(ctx.slice(0, stride), prev.slice(-stride));
    }
    // Offsets of context tokens point into the context: each token's text is the context slice.
    enc.offset_mapping![i]!.forEach(([s, e], j) => {
      if (seq[j] === 1) assert.equal(tok.decode([ids[j]!]).replace(/^##/, ''), CONTEXT.slice(s, e).toLowerCase());
      else assert.deepEqual([s, e], seq[j] === 0 ? [s, e] : [0, 0]);
    });
  }
  const startChar = CONTEXT.indexOf(ANSWER), endChar = startChar + ANSWER.length;
  const found = Array.from({ length: rows }, (_, i) => answerPositions(enc.offset_mapping![i]!, enc.sequenceIds(i), startChar, endChar));
  assert.equal(found[0], null, 'the first window ends before the answer');
  assert.ok(found[1], 'the answer lies in the second window');
  const [s, e] = found[1]!;
  assert.equal(tok.decode(enc.input_ids[1]!.slice(s, e + 1)), ANSWER);
  assert.equal(CONTEXT.slice(enc.offset_mapping![1]![s]![0], enc.offset_mapping![1]![e]![1]), ANSWER);
  // The last window is padded: [PAD] has id 0, attention 0 and no sequence.
  const last = enc.sequenceIds(rows - 1);
  assert.equal(enc.input_ids[rows - 1]!.at(-1), 0);
  assert.equal(enc.attention_mask![rows - 1]!.at(-1), 0);
  assert.equal(last.at(-1), null);
});

test('CoNLL NER labels: first sub-token gets the label, others -100 (HF fixture)', async () => {
  const tok = await loadReference('bert-base-cased');
  const s = readReference('bert-base-cased').split_into_words!;
  const enc = await tok.call(s.words, { isSplitIntoWords: true });
  const labelId = (tag: string) => s.label_list.indexOf(tag);
  let previous: number | null = null;
  const labels = enc.wordIds().map((w) => {
    const l = w === null ? -100 : w !== previous ? labelId(s.ner_tags[w]!) : -100;
    previous = w;
    return l;
  });
  assert.deepEqual(labels, s.labels_first_subtoken);
});

test('NER label_all_tokens: continuation pieces of a B-X word get I-X (run_ner.py b_to_i_label)', async () => {
  const tok = await loadReference('bert-base-cased');
  const labelList = ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC'];
  const bToI = labelList.map((l, i) => (l.startsWith('B-') && labelList.includes(`I-${l.slice(2)}`) ? labelList.indexOf(`I-${l.slice(2)}`) : i));
  const words = ['Dvořák', 'visited', 'Reykjavík', 'lamb', 'farms'];
  const tags = ['B-PER', 'O', 'B-LOC', 'O', 'O'];
  const enc = await tok.call(words, { isSplitIntoWords: true });
  assert.deepEqual(enc.tokens(), ['[CLS]', 'D', '##vo', '##ř', '##ák', 'visited', 'Rey', '##k', '##ja', '##v', '##ík', 'la', '##mb', 'farms', '[SEP]']);
  let previous: number | null = null;
  const labels = enc.wordIds().map((w) => {
    const id = w === null ? -100 : labelList.indexOf(tags[w]!);
    const l = w === null ? -100 : w !== previous ? id : bToI[id]!;
    previous = w;
    return l;
  });
  assert.deepEqual(labels, [-100, 1, 2, 2, 2, 0, 5, 6, 6, 6, 6, 0, 0, 0, -100]);
});
