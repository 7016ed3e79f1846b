// src/utils/options.ts: HF's names with camelCase aliases, extra aliases, the closest-name
// suggestion for a typo, and the conflict rule (two spellings, different values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { camelCase, closestName, normalizeOptions, resolveOptions, snakeCase, unknownOptionMessage } from '../../src/utils/options.js';

const SPEC = { names: ['max_length', 'padding', 'return_offsets_mapping', 'processing_class'], aliases: { tokenizer: 'processing_class' } };

test('snake_case and camelCase spellings land on the HF name; undefined counts as absent', () => {
  assert.equal(snakeCase('returnOffsetsMapping'), 'return_offsets_mapping');
  assert.equal(camelCase('return_offsets_mapping'), 'returnOffsetsMapping');
  assert.deepEqual(normalizeOptions({ maxLength: 8, padding: true }, SPEC, 'f()'), { max_length: 8, padding: true });
  assert.deepEqual(normalizeOptions({ max_length: 8, returnOffsetsMapping: true }, SPEC, 'f()'), { max_length: 8, return_offsets_mapping: true });
  assert.deepEqual(normalizeOptions({ max_length: undefined, maxLength: 4 }, SPEC, 'f()'), { max_length: 4 });
  assert.deepEqual(normalizeOptions({ tokenizer: 't' }, SPEC, 'f()'), { processing_class: 't' });
  assert.deepEqual(normalizeOptions(undefined, SPEC, 'f()'), {});
  // the spelling each came in, for messages about bad values
  assert.deepEqual(resolveOptions({ maxLength: 8, padding: 'longest' }, SPEC, 'f()').given, { max_length: 'maxLength', padding: 'padding' });
});

test('both spellings: equal values are one option, different values an error naming both', () => {
  assert.deepEqual(normalizeOptions({ max_length: 8, maxLength: 8 }, SPEC, 'f()'), { max_length: 8 });
  assert.deepEqual(normalizeOptions({ padding: ['a'], processing_class: [1], processingClass: [1] }, SPEC, 'f()'), { padding: ['a'], processing_class: [1] });
  assert.throws(() => normalizeOptions({ max_length: 8, maxLength: 16 }, SPEC, 'tokenizer()'),
    (e: unknown) => e instanceof TypeError && e.message === "tokenizer(): 'max_length' and 'maxLength' are the same option, given different values (8 and 16); pass one");
  assert.throws(() => normalizeOptions({ tokenizer: 'a', processing_class: 'b' }, SPEC, 'Trainer()'), /'tokenizer' and 'processing_class' are the same option/);
});

test('an unknown key names the function, the key and the closest known name', () => {
  assert.throws(() => normalizeOptions({ max_lenght: 8 }, SPEC, 'tokenizer()'),
    (e: unknown) => e instanceof TypeError && e.message === "tokenizer(): unknown option 'max_lenght' — did you mean 'max_length'?");
  assert.throws(() => normalizeOptions({ maxLenght: 8 }, SPEC, 'tokenizer()'), /unknown option 'maxLenght' — did you mean 'max_length'\?/);
  assert.throws(() => normalizeOptions({ returnOffsetMapping: true }, SPEC, 'g()'), /did you mean 'return_offsets_mapping'\?/);
  // nothing close: the known names instead
  assert.equal(unknownOptionMessage('g()', 'frobnicate', ['max_length', 'padding']), "g(): unknown option 'frobnicate' (known: max_length, padding)");
  assert.equal(closestName('paddin', ['padding', 'max_length']), 'padding');
  assert.equal(closestName('zzzzzz', ['padding', 'max_length']), null);
  assert.throws(() => normalizeOptions([1], SPEC, 'g()'), /g\(\): options must be an object/);
  assert.throws(() => normalizeOptions(5, SPEC, 'g()'), /got number/);
});
