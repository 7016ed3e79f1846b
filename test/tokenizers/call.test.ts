// tokenizer.call(...) with transformers' options: pairs, batches, padding and truncation
// strategies, tensors, targets, special-token masks; values from bert-base-uncased / -cased,
// GPT-2 and Llama-2 (the brief's reference ids are HF's for the same inputs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/torch/index.js';
import { loadReference } from './load.js';

const FIRST = 'This is the first sentence.';
const SECOND = 'This is the second one.';
const FIRST_IDS = [101, 2023, 2003, 1996, 2034, 6251, 1012, 102];

test('bert-base-uncased encodes a sentence pair as [CLS] A [SEP] B [SEP] with type ids', async () => {
  const tok = await loadReference('bert-base-uncased');
  const enc = await tok.call(FIRST, { textPair: SECOND });
  assert.deepEqual(enc.input_ids, [101, 2023, 2003, 1996, 2034, 6251, 1012, 102, 2023, 2003, 1996, 2117, 2028, 1012, 102]);
  assert.deepEqual(enc.token_type_ids, [...new Array(8).fill(0), ...new Array(7).fill(1)]);
  assert.deepEqual(enc.sequenceIds(), [null, 0, 0, 0, 0, 0, 0, null, 1, 1, 1, 1, 1, 1, null]);
  assert.deepEqual(enc.keys(), ['input_ids', 'token_type_ids', 'attention_mask']);
  assert.equal(enc.nSequences, 2);
});

test('bert-base-cased splits pre-split words into word pieces with word ids', async () => {
  const tok = await loadReference('bert-base-cased');
  const words = ['EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'lamb', '.'];
  const enc = await tok.call(words, { isSplitIntoWords: true });
  assert.deepEqual(enc.tokens(), ['[CLS]', 'EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'la', '##mb', '.', '[SEP]']);
  assert.deepEqual(enc.wordIds(), [null, 0, 1, 2, 3, 4, 5, 6, 7, 7, 8, null]);
  assert.deepEqual(enc.wordToTokens(7), [8, 10]);
  assert.equal(enc.tokenToWord(9), 7);
  // A batch of word lists, with a pair of word lists, keeps per-sequence word indices.
  const batch = await tok.call([['EU', 'rejects'], ['lamb']], { isSplitIntoWords: true, textPair: [['German', 'lamb'], ['.']] });
  assert.deepEqual(batch.tokens(0), ['[CLS]', 'EU', 'rejects', '[SEP]', 'German', 'la', '##mb', '[SEP]']);
  assert.deepEqual(batch.wordIds(0), [null, 0, 1, null, 0, 1, 1, null]);
  assert.deepEqual(batch.wordIds(1), [null, 0, 0, null, 0, null]);
  assert.deepEqual(batch.sequenceIds(1), [null, 0, 0, null, 1, null]);
});

test('single text gives flat lists, a list gives a batch, returnTensors gives int64 tensors', async () => {
  const tok = await loadReference('bert-base-uncased');
  const single = await tok.call(FIRST);
  assert.deepEqual(single.input_ids, FIRST_IDS);
  const batch = await tok.call([FIRST]);
  assert.deepEqual(batch.input_ids, [FIRST_IDS]);
  const pt = await tok.call([FIRST, SECOND], { padding: true, returnTensors: 'pt' });
  assert.ok(pt.input_ids instanceof Tensor);
  assert.equal(pt.input_ids.dtype, 'int64');
  assert.deepEqual(pt.input_ids.shape, [2, 8]);
  assert.deepEqual(pt.input_ids.toArray(), [FIRST_IDS, [101, 2023, 2003, 1996, 2117, 2028, 1012, 102]]);
  assert.deepEqual(pt.attention_mask!.shape, [2, 8]);
  const one = await tok.call(FIRST, { returnTensors: 'pt', returnOffsetsMapping: true });
  assert.deepEqual(one.input_ids.shape, [1, 8], 'a single text still gets a batch axis');
  assert.deepEqual(one.offset_mapping!.shape, [1, 8, 2]);
  pt.dispose();
  one.dispose();
});

test('padding: longest, max_length, pad_to_multiple_of, left side', async () => {
  const tok = await loadReference('bert-base-uncased');
  const longest = await tok.call(['Hi', FIRST], { padding: true });
  assert.deepEqual(longest.input_ids[0], [101, 7632, 102, 0, 0, 0, 0, 0]);
  assert.deepEqual(longest.attention_mask![0], [1, 1, 1, 0, 0, 0, 0, 0]);
  const fixed = await tok.call('Hi', { padding: 'max_length', maxLength: 6 });
  assert.deepEqual(fixed.input_ids, [101, 7632, 102, 0, 0, 0]);
  const multiple = await tok.call(['Hi', FIRST], { padding: 'longest', padToMultipleOf: 5 });
  assert.deepEqual(multiple.input_ids.map((r) => r.length), [10, 10]);
  const left = await tok.call(['Hi', FIRST], { padding: true, paddingSide: 'left' });
  assert.deepEqual(left.input_ids[0], [0, 0, 0, 0, 0, 101, 7632, 102]);
  assert.deepEqual(left.attention_mask![0], [0, 0, 0, 0, 0, 1, 1, 1]);
  tok.paddingSide = 'left';
  try {
    assert.deepEqual((await tok.call(['Hi', FIRST], { padding: true })).input_ids[0], [0, 0, 0, 0, 0, 101, 7632, 102]);
  } finally {
    tok.paddingSide = 'right';
  }
  // padding='max_length' without maxLength uses model_max_length (512), as HF does.
  assert.equal((await tok.call('Hi', { padding: 'max_length' })).input_ids.length, 512);
  // padding=True with maxLength and no truncation pads to the longest only.
  assert.equal((await tok.call(['Hi', FIRST], { padding: true, maxLength: 20, truncation: false })).input_ids[0]!.length, 8);
});

test('truncation: strategies, sides and maxLength alone', async () => {
  const tok = await loadReference('bert-base-uncased');
  // max_length without truncation defaults to longest_first (HF, with a warning).
  assert.deepEqual((await tok.call(FIRST, { maxLength: 5 })).input_ids, [101, 2023, 2003, 1996, 102]);
  assert.deepEqual((await tok.call(FIRST, { truncation: true, maxLength: 5 })).input_ids, [101, 2023, 2003, 1996, 102]);
  const onlyFirst = await tok.call(FIRST, { textPair: 'Hi', truncation: 'only_first', maxLength: 8 });
  assert.deepEqual(onlyFirst.input_ids, [101, 2023, 2003, 1996, 2034, 102, 7632, 102]);
  tok.truncationSide = 'left';
  try {
    assert.deepEqual((await tok.call(FIRST, { truncation: true, maxLength: 5 })).input_ids, [101, 2034, 6251, 1012, 102]);
  } finally {
    tok.truncationSide = 'right';
  }
  // truncation without maxLength uses model_max_length.
  const long = 'word '.repeat(600).trim();
  assert.equal((await tok.call(long, { truncation: true })).input_ids.length, 512);
  // Llama has no model_max_length: truncation=True without maxLength does nothing (HF warns).
  const llama = await loadReference('llama2');
  assert.equal((await llama.call(long, { truncation: true })).input_ids.length, 601);
});

test('textTarget becomes labels; text_target alone returns the target encoding', async () => {
  const tok = await loadReference('t5');
  const enc = await tok.call('translate English to German: Hello', { textTarget: 'Hallo' });
  assert.deepEqual(enc.labels, (await tok.call('Hallo')).input_ids);
  assert.deepEqual(enc.keys(), ['input_ids', 'attention_mask', 'labels']);
  const batch = await tok.call(['a b', 'c'], { textTarget: ['x', 'y z'], padding: true });
  assert.deepEqual(batch.labels, (await tok.call(['x', 'y z'], { padding: true })).input_ids);
  const target = await tok.call(null, { textTarget: 'Hallo' });
  assert.deepEqual(target.input_ids, enc.labels);
  assert.equal(target.labels, undefined);
});

test('special tokens: addSpecialTokens false, special_tokens_mask, length, return flags', async () => {
  const tok = await loadReference('bert-base-uncased');
  assert.deepEqual((await tok.call(FIRST, { addSpecialTokens: false })).input_ids, FIRST_IDS.slice(1, -1));
  const enc = await tok.call(FIRST, { returnSpecialTokensMask: true, returnLength: true, returnTokenTypeIds: false, returnAttentionMask: false });
  assert.deepEqual(enc.special_tokens_mask, [1, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(enc.length, [8]);
  assert.deepEqual(enc.keys(), ['input_ids', 'special_tokens_mask', 'length']);
  assert.equal(tok.numSpecialTokensToAdd(), 2);
  assert.equal(tok.numSpecialTokensToAdd(true), 3);
  assert.deepEqual(await tok.tokenize('Hello, world!'), ['hello', ',', 'world', '!']);
  assert.deepEqual(await tok.encode(FIRST), FIRST_IDS);
  const gpt2 = await loadReference('gpt2');
  assert.deepEqual((await gpt2.call('Hi there')).keys(), ['input_ids', 'attention_mask'], 'GPT-2 takes no token_type_ids');
});

test('offset_mapping gives character (code point) spans, [0, 0] for special tokens', async () => {
  const tok = await loadReference('bert-base-uncased');
  const text = 'Café naïve';
  const enc = await tok.call(text, { returnOffsetsMapping: true });
  assert.deepEqual(enc.offset_mapping, [[0, 0], [0, 4], [5, 10], [0, 0]]);
  assert.equal(enc.charToToken(6), 2);
  assert.deepEqual(enc.tokenToChars(1), [0, 4]);
});

test('GPT-2 pads once pad_token = eos_token (HF seed idiom); Llama add_eos_token rebuilds the template', async () => {
  const tok = await loadReference('gpt2');
  await assert.rejects(tok.call(['a', 'b c'], { padding: true }), /Asking to pad but the tokenizer does not have a padding token/);
  tok.padToken = tok.eosToken;
  try {
    assert.equal(tok.padTokenId, 50256);
    const enc = await tok.call(['a', 'b c'], { padding: true });
    assert.deepEqual(enc.input_ids, [[64, 50256], [65, 269]]);
    assert.deepEqual(enc.attention_mask, [[1, 0], [1, 1]]);
  } finally {
    tok.padToken = null;
  }
  const llama = await loadReference('llama2');
  assert.deepEqual((await llama.call('Hi')).input_ids, [1, 6324]);
  llama.addEosToken = true;
  try {
    assert.deepEqual((await llama.call('Hi')).input_ids, [1, 6324, 2]);
    assert.deepEqual((await llama.call('Hi', { textPair: 'Yo' })).input_ids, [1, 6324, 2, 1, 612, 29877, 2]);
  } finally {
    llama.addEosToken = false;
  }
  assert.deepEqual((await llama.call('Hi')).input_ids, [1, 6324]);
});

test('concurrent calls with different options do not interfere', async () => {
  const tok = await loadReference('bert-base-uncased');
  const [a, b, c] = await Promise.all([
    tok.call(FIRST, { truncation: true, maxLength: 4 }),
    tok.call([FIRST, 'Hi'], { padding: true }),
    tok.call(FIRST, { textPair: SECOND, truncation: 'only_second', maxLength: 12, stride: 1, returnOverflowingTokens: true }),
  ]);
  assert.deepEqual(a.input_ids, [101, 2023, 2003, 102]);
  assert.deepEqual(b.input_ids[1], [101, 7632, 102, 0, 0, 0, 0, 0]);
  assert.deepEqual(c.overflow_to_sample_mapping, [0, 0, 0]);
  assert.deepEqual(c.input_ids.map((r) => r.slice(8, -1)), [[2023, 2003, 1996], [1996, 2117, 2028], [2028, 1012]]);
});

test('decode and batchDecode take tensors; convertIdsToTokens skips special ids on request', async () => {
  const { tensor } = await import('../../src/torch/index.js');
  const tok = await loadReference('bert-base-uncased');
  const t = tensor([FIRST_IDS, [101, 7632, 102, 0, 0, 0, 0, 0]], { dtype: 'int64' });
  assert.deepEqual(tok.batchDecode(t, { skipSpecialTokens: true }), ['this is the first sentence.', 'hi']);
  const row = tensor(FIRST_IDS, { dtype: 'int64' });
  assert.equal(tok.decode(row), '[CLS] this is the first sentence. [SEP]');
  assert.equal(tok.decode(2023), 'this');
  assert.deepEqual(tok.convertIdsToTokens(FIRST_IDS, true), ['this', 'is', 'the', 'first', 'sentence', '.']);
  assert.equal(tok.convertIdsToTokens(101), '[CLS]');
  assert.equal(tok.convertTokensToIds('notawordpiece!!'), 100, 'unknown tokens map to [UNK]');
  t.dispose();
  row.dispose();
});
