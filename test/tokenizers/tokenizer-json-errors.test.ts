// A broken tokenizer.json gets an error naming the file and what is wrong, not a TypeError from
// deep inside the loader: `{}` (no model), JSON null / an array / a string, invalid JSON, a model
// without a vocab, malformed added_tokens or components.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer } from '../../src/tokenizers/index.js';

function folderWith(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-badjson-'));
  writeFileSync(join(dir, 'tokenizer.json'), text);
  return dir;
}

const MODEL = { type: 'WordLevel', vocab: { '[UNK]': 0, a: 1 }, unk_token: '[UNK]' };

async function rejectsNaming(text: string, message: string): Promise<void> {
  const dir = folderWith(text);
  const file = join(dir, 'tokenizer.json');
  await assert.rejects(AutoTokenizer.fromPretrained(dir), (e: Error) => {
    assert.equal(e.message, `${file}: ${message}`);
    return true;
  });
}

const SHAPE = 'HF tokenizers\' serialization: {"model": {"type": "BPE" | "WordPiece" | "WordLevel" | "Unigram", "vocab": ...}, "normalizer": ..., "pre_tokenizer": ..., ...}';

test('{} names the file and the missing model', async () => {
  await rejectsNaming('{}', `not a tokenizer.json: it has no "model" section (${SHAPE}); the file is an empty object`);
  await rejectsNaming('{"version": "1.0", "normalizer": null}', `not a tokenizer.json: it has no "model" section (${SHAPE}); its keys are version, normalizer`);
});

test('JSON null, an array, a string, and text that is not JSON name the file', async () => {
  await rejectsNaming('null', `not a tokenizer.json: expected a JSON object (${SHAPE}), got null`);
  await rejectsNaming('[1, 2]', `not a tokenizer.json: expected a JSON object (${SHAPE}), got an array (2 items)`);
  await rejectsNaming('"model"', `not a tokenizer.json: expected a JSON object (${SHAPE}), got string "model"`);
  const dir = folderWith('{"model": ');
  await assert.rejects(AutoTokenizer.fromPretrained(dir), (e: Error) => {
    assert.ok(e.message.startsWith(`${join(dir, 'tokenizer.json')}: invalid JSON (`), e.message);
    return true;
  });
});

test('a model without a vocab, and malformed sections, name the file and the section', async () => {
  await rejectsNaming('{"model": 3}', '"model" must be an object with a "type" and a "vocab", got number 3');
  await rejectsNaming('{"model": {"type": "BPE", "merges": []}}', 'the model (type BPE) has no "vocab" (a token -> id object, or a [token, score] list for Unigram)');
  await rejectsNaming('{"model": {"type": "BPE", "vocab": "v.txt"}}', 'the model (type BPE) has no "vocab" (got string "v.txt") (a token -> id object, or a [token, score] list for Unigram)');
  await rejectsNaming(JSON.stringify({ model: MODEL, added_tokens: 5 }), '"added_tokens" must be a list, got number 5');
  await rejectsNaming(JSON.stringify({ model: MODEL, added_tokens: [{ content: 'x' }] }), 'added_tokens[0] must be an object with a string "content" and an integer "id", got {"content":"x"}');
  await rejectsNaming(JSON.stringify({ model: MODEL, normalizer: 'Lowercase' }), '"normalizer" must be an object with a "type", or null, got string "Lowercase"');
});

test('a minimal valid tokenizer.json still loads (added_tokens and components optional)', async () => {
  const tok = await AutoTokenizer.fromPretrained(folderWith(JSON.stringify({ model: MODEL, pre_tokenizer: { type: 'Whitespace' } })));
  assert.deepEqual((await tok.call('a b')).input_ids, [1, 0]);
});
