// src/data/collators: padding, default, token-classification and seq2seq collators on real BERT
// ids ([PAD]=0, [CLS]=101, [SEP]=102) from shared/data/tokenizers, with outputs computed by hand
// from HF's data_collator.py / tokenizer.pad rules; shiftTokensRight against HF's BART/T5 shift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  DataCollatorWithPadding, DataCollatorForTokenClassification, DataCollatorForSeq2Seq, defaultDataCollator, shiftTokensRight,
  type Batch, type Feature,
} from '../../src/data/collators/index.js';
import { bertTokenizer, gpt2Tokenizer } from './collators-tokenizer.js';

const bert = await bertTokenizer();
const bertLeft = await bertTokenizer({ paddingSide: 'left' });
const HELLO = await bert.encode('hello'); // [CLS] hello [SEP]
const HELLO_WORLD = await bert.encode('Hello world!'); // [CLS] hello world ! [SEP]

/** tolist() of every tensor, plus dtypes, for exact comparisons. */
function plain(b: Batch): { values: Record<string, unknown>; dtypes: Record<string, string> } {
  const values: Record<string, unknown> = {}, dtypes: Record<string, string> = {};
  for (const [k, t] of Object.entries(b)) { values[k] = t.toArray(); dtypes[k] = t.dtype; }
  return { values, dtypes };
}
const pair = (extra: (i: number) => Feature = () => ({})): Feature[] => [
  { input_ids: HELLO, token_type_ids: [0, 0, 0], attention_mask: [1, 1, 1], ...extra(0) },
  { input_ids: HELLO_WORLD, token_type_ids: [0, 0, 0, 0, 0], attention_mask: [1, 1, 1, 1, 1], ...extra(1) },
];

test('the test tokenizer gives the real bert-base-uncased ids', () => {
  assert.deepEqual(HELLO, [101, 7592, 102]);
  assert.deepEqual(HELLO_WORLD, [101, 7592, 2088, 999, 102]);
  assert.equal(bert.length, 30522);
});

test('DataCollatorWithPadding: right padding to the longest, label -> labels (int64)', () => {
  const { values, dtypes } = plain(new DataCollatorWithPadding({ tokenizer: bert }).collate(pair((i) => ({ label: [1, 0][i] }))));
  assert.deepEqual(values, {
    input_ids: [[101, 7592, 102, 0, 0], [101, 7592, 2088, 999, 102]],
    token_type_ids: [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]],
    attention_mask: [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]],
    labels: [1, 0],
  });
  assert.deepEqual(dtypes, { input_ids: 'int64', token_type_ids: 'int64', attention_mask: 'int64', labels: 'int64' });
});

test('DataCollatorWithPadding: left padding, padToMultipleOf=8, special_tokens_mask padded with 1, pad type id', () => {
  const tok = { ...bertLeft, padTokenTypeId: 3 };
  const feats = pair((i) => ({ special_tokens_mask: [[1, 0, 1], [1, 0, 0, 0, 1]][i], label_ids: [2, 5][i] }));
  const { values } = plain(new DataCollatorWithPadding({ tokenizer: tok, padToMultipleOf: 8 }).collate(feats));
  assert.deepEqual(values, {
    input_ids: [[0, 0, 0, 0, 0, 101, 7592, 102], [0, 0, 0, 101, 7592, 2088, 999, 102]],
    token_type_ids: [[3, 3, 3, 3, 3, 0, 0, 0], [3, 3, 3, 0, 0, 0, 0, 0]],
    attention_mask: [[0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1]],
    special_tokens_mask: [[1, 1, 1, 1, 1, 1, 0, 1], [1, 1, 1, 1, 0, 0, 0, 1]],
    labels: [2, 5],
  });
});

test("DataCollatorWithPadding: padding='max_length', attention_mask added when absent, float labels", () => {
  const feats: Feature[] = [{ input_ids: HELLO, label: 0.5 }, { input_ids: HELLO_WORLD, label: 3 }];
  const b = new DataCollatorWithPadding({ tokenizer: bert, padding: 'max_length', maxLength: 6 }).collate(feats);
  assert.deepEqual(b['input_ids']!.toArray(), [[101, 7592, 102, 0, 0, 0], [101, 7592, 2088, 999, 102, 0]]);
  assert.deepEqual(b['attention_mask']!.toArray(), [[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 0]]);
  assert.equal(b['labels']!.dtype, 'float32'); // regression target: HF makes float labels float32
  assert.deepEqual(b['labels']!.toArray(), [0.5, 3]);
  // max_length 10 rounded up to a multiple of 8
  const m = new DataCollatorWithPadding({ tokenizer: bert, padding: 'max_length', maxLength: 10, padToMultipleOf: 8 }).collate(feats);
  assert.deepEqual(m['input_ids']!.shape, [2, 16]);
  // whole-number regression targets: JS cannot tell 3.0 from 3, so labelDtype says it
  const r = new DataCollatorWithPadding({ tokenizer: bert, labelDtype: 'float32' }).collate([{ input_ids: HELLO, label: 1 }, { input_ids: HELLO, label: 4 }]);
  assert.equal(r['labels']!.dtype, 'float32');
  // a tokenizer without attention_mask among its model inputs gets none
  const noMask = new DataCollatorWithPadding({ tokenizer: { ...bert, modelInputNames: ['input_ids'] } }).collate([{ input_ids: HELLO }]);
  assert.deepEqual(Object.keys(noMask), ['input_ids']);
});

test('DataCollatorWithPadding: errors (no pad token, keys, ids, strings, lengths)', () => {
  const gpt2 = gpt2Tokenizer();
  // HF checks the pad token whenever padding is on, even if no row needs it
  assert.throws(() => new DataCollatorWithPadding({ tokenizer: gpt2 }).collate([{ input_ids: [1, 2] }, { input_ids: [3, 4] }]),
    /Asking to pad but the tokenizer does not have a padding token\. Please select a token to use as `pad_token`/);
  const c = new DataCollatorWithPadding({ tokenizer: bert });
  assert.throws(() => c.collate([{ input_ids: HELLO, label: 1 }, { input_ids: HELLO }]), /inconsistent keys: features\[1\] has \[input_ids\] but features\[0\] has \[input_ids,label\]/);
  assert.throws(() => c.collate([{ input_ids: [101, 7.5, 102] }]), /'input_ids' of features\[0\] must hold integers, but \[1\] is 7\.5/);
  assert.throws(() => c.collate([{ input_ids: 'hello' }]), /must be a list of integers/);
  assert.throws(() => c.collate([{ attention_mask: [1] }]), /includes input_ids, but you provided \[attention_mask\]/);
  assert.throws(() => c.collate([{ input_ids: HELLO, text: 'hello' }]), /'text' holds strings/);
  assert.throws(() => c.collate([{ input_ids: HELLO, attention_mask: [1, 1] }]), /'attention_mask' of features\[0\] has length 2 but 'input_ids' has 3/);
  assert.throws(() => c.collate([]), /non-empty array/);
  assert.throws(() => new DataCollatorWithPadding({ tokenizer: bert, padding: false }).collate([{ input_ids: HELLO }, { input_ids: HELLO_WORLD }]), /padding is off/);
  assert.throws(() => new DataCollatorWithPadding({ tokenizer: bert, padding: 'max_length', maxLength: 4 }).collate([{ input_ids: HELLO_WORLD }]), /more than max_length 4/);
  assert.throws(() => new DataCollatorWithPadding({ tokenizer: bert, padding: 'max_length' }).collate([{ input_ids: HELLO }]), /needs a positive integer maxLength/);
  assert.throws(() => c.collate([{ input_ids: HELLO, labels: [1, 2] }, { input_ids: HELLO, labels: [1] }]), /Unable to create tensor.*`labels` in this case/);
  // padding off: equal lengths need no pad token
  const same = new DataCollatorWithPadding({ tokenizer: gpt2, padding: false }).collate([{ input_ids: [1, 2] }, { input_ids: [3, 4] }]);
  assert.deepEqual(same['input_ids']!.toArray(), [[1, 2], [3, 4]]);
});

test('collators free their intermediates: only the returned batch stays alive', () => {
  const c = new DataCollatorWithPadding({ tokenizer: bert, padToMultipleOf: 8 });
  const before = torch.liveTensorCount();
  const b = c.collate(pair((i) => ({ label: i })));
  assert.equal(torch.liveTensorCount(), before + Object.keys(b).length);
  Object.values(b).forEach((t) => t.dispose());
  assert.equal(torch.liveTensorCount(), before);
});

test('defaultDataCollator: stacking and HF dtypes', () => {
  const ints = defaultDataCollator([{ input_ids: [1, 2, 3], label: 1, text: 'a', idx: null }, { input_ids: [4, 5, 6], label: 0, text: 'b', idx: null }]);
  assert.deepEqual(Object.keys(ints).sort(), ['input_ids', 'labels']); // strings and nulls skipped
  assert.equal(ints['labels']!.dtype, 'int64');
  assert.equal(ints['input_ids']!.dtype, 'int64');
  assert.deepEqual(ints['input_ids']!.toArray(), [[1, 2, 3], [4, 5, 6]]);
  const floats = defaultDataCollator([{ x: [0.5, 1], label: 2.5 }, { x: [1, 2], label: 1 }]);
  assert.equal(floats['labels']!.dtype, 'float32');
  assert.equal(floats['x']!.dtype, 'float32');
  const lists = defaultDataCollator([{ label_ids: [1, 0, 1] }, { label_ids: [0, 0, 1] }]);
  assert.equal(lists['labels']!.dtype, 'int64');
  assert.deepEqual(lists['labels']!.shape, [2, 3]);
  // multi-label targets marked float by a Float32Array (or by labelDtype)
  const multi = defaultDataCollator([{ labels: Float32Array.of(1, 0) }, { labels: Float32Array.of(0, 1) }]);
  assert.equal(multi['labels']!.dtype, 'float32');
  assert.equal(defaultDataCollator([{ label: 1 }, { label: 0 }], { labelDtype: 'float32' })['labels']!.dtype, 'float32');
  assert.equal(defaultDataCollator([{ flag: true }, { flag: false }])['flag']!.dtype, 'bool');
  const t = defaultDataCollator([{ pixel: torch.ones([2]) }, { pixel: torch.zeros([2]) }]);
  assert.deepEqual(t['pixel']!.toArray(), [[1, 1], [0, 0]]);
  assert.throws(() => defaultDataCollator([{ input_ids: [1, 2] }, { input_ids: [1] }]), /Unable to create tensor.*`input_ids` in this case/);
  assert.throws(() => defaultDataCollator([{ a: 1 }, { b: 1 }]), /inconsistent keys/);
});

test('DataCollatorForTokenClassification: labels padded with -100 on the padding side', () => {
  const feats = pair((i) => ({ labels: [[-100, 3, -100], [-100, 1, 2, 0, -100]][i] }));
  const right = plain(new DataCollatorForTokenClassification({ tokenizer: bert }).collate(feats)).values;
  assert.deepEqual(right['labels'], [[-100, 3, -100, -100, -100], [-100, 1, 2, 0, -100]]);
  assert.deepEqual(right['input_ids'], [[101, 7592, 102, 0, 0], [101, 7592, 2088, 999, 102]]);
  const left = plain(new DataCollatorForTokenClassification({ tokenizer: bertLeft, padToMultipleOf: 8 }).collate(feats)).values;
  assert.deepEqual(left['labels'], [[-100, -100, -100, -100, -100, -100, 3, -100], [-100, -100, -100, -100, 1, 2, 0, -100]]);
  assert.deepEqual(left['input_ids'], [[0, 0, 0, 0, 0, 101, 7592, 102], [0, 0, 0, 101, 7592, 2088, 999, 102]]);
  const custom = new DataCollatorForTokenClassification({ tokenizer: bert, labelPadTokenId: -1 }).collate([{ input_ids: HELLO, label: [0, 1, 0] }, { input_ids: HELLO_WORLD, label: [0, 1, 1, 1, 0] }]);
  assert.deepEqual(custom['labels']!.toArray(), [[0, 1, 0, -1, -1], [0, 1, 1, 1, 0]]);
  assert.equal(custom['labels']!.dtype, 'int64');
  // no labels: just the padded inputs
  assert.deepEqual(Object.keys(new DataCollatorForTokenClassification({ tokenizer: bert }).collate([{ input_ids: HELLO }])).sort(), ['attention_mask', 'input_ids']);
  assert.throws(() => new DataCollatorForTokenClassification({ tokenizer: bert }).collate([{ input_ids: HELLO, labels: [0, 1] }]),
    /features\[0\] has 2 labels but 3 input_ids/);
});

test('shiftTokensRight: HF BART/T5 shift (start id first, -100 -> pad)', () => {
  const L = (x: number[][]): torch.Tensor => torch.tensor(x, { dtype: 'int64' });
  // T5: pad = decoder start = 0
  assert.deepEqual(shiftTokensRight(L([[8774, 10, 1], [8774, 1, -100]]), 0, 0).toArray(), [[0, 8774, 10], [0, 8774, 1]]);
  // BART: pad 1, start 2 (</s>); a -100 in the middle also becomes pad
  assert.deepEqual(shiftTokensRight(L([[0, 31414, 2, -100], [0, -100, 2, -100]]), 1, 2).toArray(), [[2, 0, 31414, 2], [2, 0, 1, 2]]);
  assert.throws(() => shiftTokensRight(L([[1]]), 0, null), /decoder_start_token_id has to be defined/);
  assert.throws(() => shiftTokensRight(L([[1]]), null, 0), /pad_token_id has to be defined/);
});

test('DataCollatorForSeq2Seq: -100 label padding, multiples, max_length, decoder_input_ids from the model', () => {
  const model = { prepareDecoderInputIdsFromLabels: (labels: torch.Tensor) => shiftTokensRight(labels, 0, 0) };
  const feats: Feature[] = [
    { input_ids: HELLO, attention_mask: [1, 1, 1], labels: [8774, 10, 1] },
    { input_ids: HELLO_WORLD, attention_mask: [1, 1, 1, 1, 1], labels: [8774, 1] },
  ];
  const b = plain(new DataCollatorForSeq2Seq({ tokenizer: bert, model }).collate(feats));
  assert.deepEqual(b.values, {
    input_ids: [[101, 7592, 102, 0, 0], [101, 7592, 2088, 999, 102]],
    attention_mask: [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]],
    labels: [[8774, 10, 1], [8774, 1, -100]],
    decoder_input_ids: [[0, 8774, 10], [0, 8774, 1]],
  });
  assert.equal(b.dtypes['labels'], 'int64');
  // left padding side pads labels on the left; padToMultipleOf applies to labels separately
  const left = plain(new DataCollatorForSeq2Seq({ tokenizer: bertLeft, model, padToMultipleOf: 4 }).collate(feats)).values;
  assert.deepEqual(left['labels'], [[-100, 8774, 10, 1], [-100, -100, 8774, 1]]);
  assert.deepEqual(left['decoder_input_ids'], [[0, 0, 8774, 10], [0, 0, 0, 8774]]);
  assert.deepEqual(left['input_ids'], [[0, 0, 0, 0, 0, 101, 7592, 102], [0, 0, 0, 101, 7592, 2088, 999, 102]]);
  const ml = new DataCollatorForSeq2Seq({ tokenizer: bert, padding: 'max_length', maxLength: 6 }).collate(feats);
  assert.deepEqual(ml['labels']!.toArray(), [[8774, 10, 1, -100, -100, -100], [8774, 1, -100, -100, -100, -100]]);
  assert.deepEqual(ml['input_ids']!.shape, [2, 6]);
  assert.equal(ml['decoder_input_ids'], undefined);
  assert.throws(() => new DataCollatorForSeq2Seq({ tokenizer: bert, padding: 'max_length', maxLength: 2 }).collate([{ input_ids: [101, 102], labels: [1, 2, 3] }]), /3 labels, more than max_length 2/);
  assert.throws(() => new DataCollatorForSeq2Seq({ tokenizer: bert }).collate([{ input_ids: HELLO, labels: [1.5] }]), /must hold integers/);
});

test('a null label names its row: defaultDataCollator refuses a batch labelled only in part, the padding collator names the row', () => {
  const rows = (labels: unknown[]): Feature[] => labels.map((label, i) => ({ input_ids: [101, 7592 + i, 102], label }));
  // HF drops a label column whose first value is None; with labels in later rows that would train without them
  assert.throws(() => defaultDataCollator(rows([null, 1, 0])),
    /defaultDataCollator: 'label' of features\[0\] is null but features\[1\] has one; a batch needs a label in every row \(or in none\)/);
  assert.throws(() => defaultDataCollator(rows([1, 0, null])), /'label' of features\[2\] is null, which cannot become a tensor: that row has no label/);
  assert.throws(() => defaultDataCollator(rows([1, undefined])), /'label' of features\[1\] is undefined, which cannot become a tensor/);
  // every row unlabeled: dropped, as HF (a prediction batch)
  assert.deepEqual(Object.keys(defaultDataCollator(rows([null, null]))), ['input_ids']);
  const c = new DataCollatorWithPadding({ tokenizer: bert });
  assert.throws(() => c.collate(rows([0, null])), /'label' of features\[1\] is null, which cannot become a tensor: that row has no label/);
  assert.throws(() => c.collate([{ input_ids: HELLO, label: [1, null] }]), /'label' of features\[0\] holds null, which cannot become a tensor/);
});
