// tokenizer.call with HF's keyword names (what a notebook ported line by line passes) and their
// camelCase aliases: identical encodings either way, the spelling-aware errors, decode options,
// and `is_fast`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/torch/index.js';
import { loadReference } from '../tokenizers/load.js';

const pairs = [
  ['What is the capital of France?', 'Paris is the capital and most populous city of France.'],
  ['Who wrote it?', 'It was written by someone quite famous a long time ago.'],
];

test('snake_case and camelCase options give identical encodings', async () => {
  const tok = await loadReference('bert-base-uncased');
  const [q, c] = [pairs.map((p) => p[0]!), pairs.map((p) => p[1]!)];
  const snake = await tok.call(q, { text_pair: c, truncation: 'only_second', max_length: 16, stride: 4, return_overflowing_tokens: true, return_offsets_mapping: true, padding: 'max_length' });
  const camel = await tok.call(q, { textPair: c, truncation: 'only_second', maxLength: 16, stride: 4, returnOverflowingTokens: true, returnOffsetsMapping: true, padding: 'max_length' });
  assert.deepEqual(Object.keys(snake.data), ['input_ids', 'token_type_ids', 'attention_mask', 'offset_mapping', 'overflow_to_sample_mapping']);
  for (const k of Object.keys(camel.data)) assert.deepEqual(snake.data[k], camel.data[k], k);
  // the overflow really happened (several 16-token windows per pair), so the options were read
  assert.ok((snake.input_ids as number[][]).length > 2);
  assert.ok((snake.input_ids as number[][]).every((r) => r.length === 16));
  // mixed spellings of different options are fine
  const mixed = await tok.call(q, { text_pair: c, truncation: 'only_second', maxLength: 16, stride: 4, return_overflowing_tokens: true, returnOffsetsMapping: true, padding: 'max_length' });
  assert.deepEqual(mixed.data.input_ids, snake.data.input_ids);
});

test('return_tensors, pad_to_multiple_of, add_special_tokens, text_target under HF names', async () => {
  const tok = await loadReference('bert-base-uncased');
  const pt = await tok.call(['a b c', 'd'], { padding: true, pad_to_multiple_of: 8, return_tensors: 'pt' });
  const ids = pt.input_ids as unknown as Tensor;
  assert.ok(ids instanceof Tensor);
  assert.deepEqual(ids.shape, [2, 8]);
  assert.deepEqual(ids.toArray(), (await tok.call(['a b c', 'd'], { padding: true, padToMultipleOf: 8 })).input_ids);
  const noSpecial = await tok.call('hello world', { add_special_tokens: false });
  assert.deepEqual(noSpecial.input_ids, (await tok.call('hello world', { addSpecialTokens: false })).input_ids);
  assert.equal(noSpecial.input_ids.length, 2);
  const withTarget = await tok.call('hello', { text_target: 'world' });
  assert.deepEqual(withTarget.data.labels, (await tok.call('world')).input_ids);
  // encode / tokenize take the same names
  assert.deepEqual(await tok.encode('hello world', { add_special_tokens: false }), noSpecial.input_ids);
  assert.deepEqual(await tok.tokenize('hello world', { add_special_tokens: true }), ['[CLS]', 'hello', 'world', '[SEP]']);
});

test('unknown keys, conflicting spellings and bad values name what the caller wrote', async () => {
  const tok = await loadReference('bert-base-uncased');
  await assert.rejects(tok.call('a', { max_lenght: 4 } as never), (e: unknown) => e instanceof TypeError && e.message === "tokenizer(): unknown option 'max_lenght' — did you mean 'max_length'?");
  await assert.rejects(tok.call('a', { returnOffsetMapping: true } as never), /unknown option 'returnOffsetMapping' — did you mean 'return_offsets_mapping'\?/);
  await assert.rejects(tok.call('a', { max_length: 4, maxLength: 5 }), /'max_length' and 'maxLength' are the same option, given different values \(4 and 5\)/);
  await assert.rejects(tok.call('a', { max_length: 0 }), /max_length must be a positive integer, got 0/);
  await assert.rejects(tok.call('a', { maxLength: 0 }), /maxLength must be a positive integer, got 0/);
  await assert.rejects(tok.call('a', { return_tensors: 'np' as never }), /return_tensors must be 'pt'/);
  await assert.rejects(tok.encode('a', { max_lenght: 2 } as never), /encode\(\): unknown option 'max_lenght'/);
});

test('decode / batchDecode take skip_special_tokens; is_fast is true', async () => {
  const tok = await loadReference('bert-base-uncased');
  const ids = (await tok.call('Hello , world !')).input_ids;
  assert.equal(tok.decode(ids, { skip_special_tokens: true }), tok.decode(ids, { skipSpecialTokens: true }));
  assert.equal(tok.decode(ids, { skip_special_tokens: true }), 'hello, world!');
  // GPT-2's decoder leaves the spaces; the Python-side clean-up removes them when asked
  const gpt2 = await loadReference('gpt2');
  const g = (await gpt2.call('Hello , world !')).input_ids;
  assert.equal(gpt2.decode(g, { clean_up_tokenization_spaces: false }), 'Hello , world !');
  assert.equal(gpt2.decode(g, { clean_up_tokenization_spaces: true }), 'Hello, world!');
  assert.equal(gpt2.decode(g, { cleanUpTokenizationSpaces: true }), 'Hello, world!');
  assert.deepEqual(tok.batchDecode([ids, ids], { skip_special_tokens: true }), ['hello, world!', 'hello, world!']);
  assert.throws(() => tok.decode(ids, { skip_special_token: true } as never), /decode\(\): unknown option 'skip_special_token' — did you mean 'skip_special_tokens'\?/);
  assert.equal(tok.is_fast, true);
  assert.equal(tok.isFast, true);
});
