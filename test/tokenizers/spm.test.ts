// The sentencepiece ModelProto reader and the pieces of convert_slow_tokenizer.py built on it:
// the real T5 and Llama-2 models parse to their known specs, merges follow
// SentencePieceExtractor's ordering, and T5's sentinels land at the end of the vocabulary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateMerges } from '../../src/tokenizers/converters/sentencepiece.js';
import { PieceType, parseSpmModel } from '../../src/tokenizers/index.js';
import { sharedDir } from '../helpers.js';
import { loadReference } from './load.js';

test('t5 spiece.model: 32000 unigram pieces, control <pad> </s>, unk 2, nmt_nfkc charsmap', () => {
  const m = parseSpmModel(readFileSync(sharedDir('data', 'tokenizers', 't5', 'spiece.model')));
  assert.equal(m.pieces.length, 32000);
  assert.deepEqual(m.pieces.slice(0, 3).map((p) => [p.piece, p.type]), [['<pad>', PieceType.CONTROL], ['</s>', PieceType.CONTROL], ['<unk>', PieceType.UNKNOWN]]);
  assert.equal(m.pieces[3]!.piece, '\u2581');
  // Scores are float32 log-probabilities.
  assert.equal(m.pieces[3]!.score, Math.fround(m.pieces[3]!.score));
  assert.ok(m.pieces[3]!.score < 0);
  assert.equal(m.trainerSpec.modelType, 1);
  assert.equal(m.trainerSpec.unkId, 2);
  assert.equal(m.trainerSpec.bosId, -1, 'negative int32 varints decode');
  assert.equal(m.trainerSpec.eosId, 1);
  assert.equal(m.normalizerSpec.name, 'nmt_nfkc');
  assert.ok(m.normalizerSpec.precompiledCharsmap.length > 100_000);
  assert.equal(m.normalizerSpec.addDummyPrefix, true);
  assert.equal(m.normalizerSpec.removeExtraWhitespaces, true);
});

test('llama2 tokenizer.model: BPE with byte fallback, 256 byte pieces, identity normalizer', () => {
  const m = parseSpmModel(readFileSync(sharedDir('data', 'tokenizers', 'llama2', 'tokenizer.model')));
  assert.equal(m.pieces.length, 32000);
  assert.equal(m.trainerSpec.modelType, 2);
  assert.equal(m.trainerSpec.byteFallback, true);
  assert.deepEqual([m.trainerSpec.unkId, m.trainerSpec.bosId, m.trainerSpec.eosId, m.trainerSpec.padId], [0, 1, 2, -1]);
  assert.equal(m.pieces.filter((p) => p.type === PieceType.BYTE).length, 256);
  assert.equal(m.pieces[3]!.piece, '<0x00>');
  assert.equal(m.normalizerSpec.name, 'identity');
  assert.equal(m.normalizerSpec.precompiledCharsmap.length, 0);
  assert.equal(m.normalizerSpec.removeExtraWhitespaces, false);
});

test('malformed bytes are an error, not a crash', () => {
  assert.throws(() => parseSpmModel(new Uint8Array([0x0a, 0x50, 0x01])), /truncated/);
  assert.throws(() => parseSpmModel(new Uint8Array(0)), /no pieces/);
});

test('generateMerges: every two-piece split, ranked by the merged piece score, ties by half ids', () => {
  const vocab = new Map([['a', 0], ['b', 1], ['c', 2], ['ab', 3], ['bc', 4], ['abc', 5]]);
  const scores: Array<[string, number]> = [['a', 0], ['b', 0], ['c', 0], ['ab', -1], ['bc', -2], ['abc', -1]];
  // ab (-1) and abc (-1) tie: vocabulary order keeps ab first; abc's splits (a|bc, ab|c) by left id.
  assert.deepEqual(generateMerges(vocab, scores), [['a', 'b'], ['a', 'bc'], ['ab', 'c'], ['b', 'c']]);
});

test('T5: <extra_id_99> .. <extra_id_0> are ids 32000 .. 32099 and special', async () => {
  const tok = await loadReference('t5');
  assert.equal(tok.convertTokensToIds('<extra_id_99>'), 32000);
  assert.equal(tok.convertTokensToIds('<extra_id_0>'), 32099);
  assert.equal(tok.additionalSpecialTokens.length, 100);
  assert.deepEqual((await tok.call('a <extra_id_0> b')).input_ids, [3, 9, 32099, 3, 115, 1]);
  assert.equal(tok.decode([9, 32099, 115], { skipSpecialTokens: true }), 'ab');
});
