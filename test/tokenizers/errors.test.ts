// Bad input gets HF's error (or a clear one naming the value): text types, option values,
// padding without a pad token, impossible truncation, and fromPretrained on bad folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { sharedDir } from '../helpers.js';
import { loadReference } from './load.js';

const TEXT_ERROR = /text input must be of type `str` \(single example\), `List\[str\]`/;

test('non-string text is rejected with HF\'s message', async () => {
  const tok = await loadReference('bert-base-uncased');
  await assert.rejects(tok.call(42 as never), TEXT_ERROR);
  await assert.rejects(tok.call(['ok', 7] as never), TEXT_ERROR);
  await assert.rejects(tok.call({ text: 'a' } as never), TEXT_ERROR);
  await assert.rejects(tok.call('a', { textPair: 3 as never }), TEXT_ERROR);
  await assert.rejects(tok.call([['a', null]] as never, { isSplitIntoWords: true }), TEXT_ERROR);
  await assert.rejects(tok.call('a b', { isSplitIntoWords: true }), /isSplitIntoWords: true needs the text as a list of words/);
  await assert.rejects(tok.call(null), /You need to specify either `text` or `text_target`/);
  await assert.rejects(tok.call(['a', 'b'], { textPair: 'c' }), /`text_pair` must be a list or tuple with the same length as `text`/);
  await assert.rejects(tok.call(['a', 'b'], { textPair: ['c'] }), /batch length of `text`: 2 does not match batch length of `text_pair`: 1/);
});

test('option values: maxLength, strategies, stride, unknown keys, tensors', async () => {
  const tok = await loadReference('bert-base-uncased');
  await assert.rejects(tok.call('a', { maxLength: 0 }), /maxLength must be a positive integer, got 0/);
  await assert.rejects(tok.call('a', { maxLength: -3, truncation: true }), /maxLength must be a positive integer, got -3/);
  await assert.rejects(tok.call('a', { maxLength: 2.5 }), /maxLength must be a positive integer, got 2.5/);
  await assert.rejects(tok.call('a', { truncation: 'only_third' as never }), /'only_third' is not a valid TruncationStrategy, please select one of \['only_first', 'only_second', 'longest_first', 'do_not_truncate'\]/);
  await assert.rejects(tok.call('a', { padding: 'longer' as never }), /'longer' is not a valid PaddingStrategy/);
  await assert.rejects(tok.call('a', { stride: -1 }), /stride must be a non-negative integer/);
  await assert.rejects(tok.call('a', { max_lenght: 4 } as never), /tokenizer\(\): unknown option 'max_lenght' — did you mean 'max_length'\?/);
  await assert.rejects(tok.call('a', { returnTensors: 'np' as never }), /returnTensors must be 'pt'/);
  await assert.rejects(tok.call(['a', 'a b c'], { returnTensors: 'pt' }), /Unable to create tensor, you should probably activate truncation and\/or padding/);
  await assert.rejects(tok.call('a b c d e', { truncation: true, maxLength: 8, padding: true, padToMultipleOf: 3 }),
    /Truncation and padding are both activated but truncation length \(8\) is not a multiple of pad_to_multiple_of \(3\)/);
});

test('padding max_length needs a length; padding needs a pad token (HF message)', async () => {
  const llama = await loadReference('llama2');
  llama.padToken = llama.unkToken;
  try {
    await assert.rejects(llama.call('a', { padding: 'max_length' }), /padding='max_length' needs a length: pass maxLength/);
    assert.equal((await llama.call('a', { padding: 'max_length', maxLength: 5 })).input_ids.length, 5);
  } finally {
    llama.padToken = null;
  }
  await assert.rejects(llama.call(['a', 'b c'], { padding: true }),
    new Error("Asking to pad but the tokenizer does not have a padding token. Please select a token to use as `pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` or add a new pad token via `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`."));
  const gpt2 = await loadReference('gpt2');
  await assert.rejects(gpt2.call('a', { padding: 'max_length', maxLength: 4 }), /Asking to pad but the tokenizer does not have a padding token/);
});

test('impossible truncations: no second sequence, too short, stride too large, maxLength below the specials', async () => {
  const tok = await loadReference('bert-base-uncased');
  await assert.rejects(tok.call('a b c d e f', { truncation: 'only_second', maxLength: 4 }), /Truncation error: Second sequence not provided/);
  await assert.rejects(tok.call('a b c d e f', { textPair: 'x', truncation: 'only_second', maxLength: 5 }), /Truncation error: Sequence to truncate too short/);
  await assert.rejects(tok.call('q', { textPair: 'a b c d e f g', truncation: 'only_second', maxLength: 8, stride: 4, returnOverflowingTokens: true }),
    /stride \(4\) must be strictly less than the length a sequence is truncated to \(4\)/);
  await assert.rejects(tok.call('a b', { truncation: true, maxLength: 1 }), /maxLength \(1\) is smaller than the 2 special tokens/);
});

test('fromPretrained names the folder and what is missing', async () => {
  const missing = join(tmpdir(), 'tunekit-no-such-folder');
  await assert.rejects(AutoTokenizer.fromPretrained(missing), new RegExp(`tokenizer folder ${missing} does not exist`));
  const empty = mkdtempSync(join(tmpdir(), 'tunekit-empty-'));
  await assert.rejects(AutoTokenizer.fromPretrained(empty), new RegExp(`Can't load a tokenizer from ${empty}: it has no tokenizer.json`));
  const bertNoVocab = mkdtempSync(join(tmpdir(), 'tunekit-bert-'));
  writeFileSync(join(bertNoVocab, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'BertTokenizer' }));
  await assert.rejects(AutoTokenizer.fromPretrained(bertNoVocab), new RegExp(`Can't load a BertTokenizer from ${bertNoVocab}: it has no tokenizer.json and is missing vocab.txt`));
  const gptHalf = mkdtempSync(join(tmpdir(), 'tunekit-gpt-'));
  writeFileSync(join(gptHalf, 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
  writeFileSync(join(gptHalf, 'vocab.json'), '{}');
  await assert.rejects(AutoTokenizer.fromPretrained(gptHalf), /is missing merges.txt/);
  const badConfig = mkdtempSync(join(tmpdir(), 'tunekit-badcfg-'));
  writeFileSync(join(badConfig, 'tokenizer_config.json'), JSON.stringify({ padding_side: 'middle' }));
  await assert.rejects(AutoTokenizer.fromPretrained(badConfig), /padding_side must be 'left' or 'right', got "middle"/);
  await assert.rejects(AutoTokenizer.fromPretrained(sharedDir('data', 'tokenizers', 'gpt2', 'vocab.json')), /is not a folder/);
  await assert.rejects(AutoTokenizer.fromPretrained(sharedDir('data', 'tokenizers', 'bert-base-cased'), { model_max_length: -1 }), /model_max_length must be a positive number/);
});

test('decode rejects non-integer ids; unknown ids are skipped as tokenizers does', async () => {
  const tok = await loadReference('bert-base-uncased');
  assert.throws(() => tok.decode([1.5]), /token ids must be integers/);
  assert.throws(() => tok.decode('abc' as never), /token ids must be a number, an array of numbers or a tensor/);
  assert.equal(tok.decode([2023, 999999, -1, 2003]), 'this is');
});
