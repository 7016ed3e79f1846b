// The over-long-sequence warning is printed once per tokenizer (HF deprecation_warnings), not
// once per distinct length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { sharedDir } from '../helpers.js';

test('sequence-longer-than-max warning appears once per tokenizer', async () => {
  const tok = await AutoTokenizer.fromPretrained(sharedDir('data', 'tokenizers', 'bert-base-uncased'), { model_max_length: 8 });
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (m: unknown) => { warnings.push(String(m)); };
  try {
    await tok.call(['one two three four five six seven eight nine', 'a b c d e f g h i j k l']);
    await tok.call('this sentence is certainly longer than eight tokens in total');
  } finally {
    console.warn = orig;
  }
  const long = warnings.filter((w) => w.startsWith('Token indices sequence length is longer'));
  assert.equal(long.length, 1, long.join('\n'));
  assert.match(long[0]!, /\(11 > 8\)/);
});
