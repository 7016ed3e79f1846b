// call()'s fast path (rust-path.ts: truncation, post-processor and padding inside one tokenizers
// encodeBatch) against the per-row path it replaces for single sequences: every fixture string,
// pair case and 24 IMDB reviews through both, under every truncation strategy and side, padding
// longest / max_length / padToMultipleOf on both sides; outputs must be identical. Also: copies
// follow added tokens and post-processor changes, and concurrent calls with different settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { AutoTokenizer, type BatchEncoding, type CallOptions, type PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { callTokenizer } from '../../src/tokenizers/call.js';
import { sharedDir } from '../helpers.js';
import { NAMES, loadReference, readReference, type Name } from './load.js';

/** 24 reviews picked by a fixed LCG from the 3,000 of the IMDB sample (long: most exceed 64 tokens). */
function imdbTexts(): string[] {
  const rows = parse(readFileSync(sharedDir('data', 'imdb', 'imdb_small_3000.csv')), { columns: true }) as Array<{ text: string }>;
  let s = 12345;
  return Array.from({ length: 24 }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return rows[s % rows.length]!.text;
  });
}

/** Every fixture string of a tokenizer: its 25 encodings, both sides of its pair cases, the batch and the words. */
function fixtureTexts(name: Name): string[] {
  const ref = readReference(name);
  const out = [...ref.encodings.map((e) => e.text), ...ref.pairs.flatMap((p) => [p.text, p.text_pair]), ...(ref.batch_padding_longest?.texts ?? [])];
  if (ref.split_into_words) out.push(ref.split_into_words.words.join(' '));
  return out;
}

/** The outcome of a call: the result, or the error message (both paths must fail alike). */
async function outcome(p: Promise<BatchEncoding>): Promise<BatchEncoding | string> {
  try {
    return await p;
  } catch (e) {
    return (e as Error).message;
  }
}

function assertSame(fast: BatchEncoding | string, slow: BatchEncoding | string, msg: string): void {
  if (typeof slow === 'string' || typeof fast === 'string') return assert.equal(fast, slow, msg);
  assert.deepEqual(fast.data, slow.data, msg);
  assert.equal(fast.encodings.length, slow.encodings.length, msg);
  for (let i = 0; i < slow.encodings.length; i++) {
    assert.deepEqual(fast.wordIds(i), slow.wordIds(i), `${msg} word ids of row ${i}`);
    assert.deepEqual(fast.sequenceIds(i), slow.sequenceIds(i), `${msg} sequence ids of row ${i}`);
    assert.deepEqual(fast.tokens(i), slow.tokens(i), `${msg} tokens of row ${i}`);
    // The attention mask is made in TS when nothing is padded: check it against tokenizers' own.
    const mask = fast.data.attention_mask;
    if (mask !== undefined) {
      const row = (Array.isArray((mask as unknown[])[0]) ? (mask as number[][])[i] : mask) as number[];
      assert.deepEqual(row, fast.encodings[i]!.getAttentionMask(), `${msg} attention mask of row ${i}`);
    }
  }
}

/** Counts the encodes the fast path completed on `tok` (so a silent fallback cannot pass for it). */
function countFast(tok: PreTrainedTokenizerFast): { done: () => number; restore: () => void } {
  const backends = tok.rustBackends;
  const original = backends.encode;
  let n = 0;
  backends.encode = async function (this: typeof backends, ...args: Parameters<typeof original>) {
    const r = await original.apply(this, args);
    if (r !== null) n++;
    return r;
  };
  return { done: () => n, restore: () => void (backends.encode = original) };
}

/** Both paths on the same text and options; `fast` (when given) says whether the fast path must have run. */
async function compare(tok: PreTrainedTokenizerFast, text: string | string[], opts: CallOptions, msg: string, fast?: ReturnType<typeof countFast>, expectFast = false): Promise<void> {
  const full: CallOptions = { ...opts, returnOffsetsMapping: true, returnSpecialTokensMask: true, returnLength: true, returnTokenTypeIds: true, returnAttentionMask: true };
  const before = fast?.done() ?? 0;
  const quick = await outcome(callTokenizer(tok, text, full));
  if (fast && typeof quick !== 'string') assert.equal(fast.done() - before, expectFast ? 1 : 0, `${msg}: ${expectFast ? 'fast' : 'per-row'} path expected`);
  const slow = await outcome(callTokenizer(tok, text, full, { slowPath: true }));
  assertSame(quick, slow, msg);
}

const TRUNCATIONS = [undefined, 'longest_first', 'only_first', 'only_second'] as const;
const PADDINGS: Array<Pick<CallOptions, 'padding' | 'padToMultipleOf'>> = [
  { padding: false }, { padding: 'longest' }, { padding: 'longest', padToMultipleOf: 8 }, { padding: 'max_length' }, { padding: 'max_length', padToMultipleOf: 8 },
];

for (const name of NAMES) {
  test(`${name}: the fast path equals the per-row path (fixtures + IMDB, every truncation and padding)`, async () => {
    const tok = await loadReference(name);
    const texts = [...fixtureTexts(name), ...imdbTexts()];
    const short = fixtureTexts(name).filter((t) => t.length < 40);
    // GPT-2 has no pad token: pad with eos, as HF users do, for the padded cases.
    const hadPad = tok.padToken;
    if (hadPad === null) tok.padToken = tok.eosToken ?? tok.unkToken;
    const sides = { truncation: tok.truncationSide, padding: tok.paddingSide };
    const counter = countFast(tok);
    try {
      for (const truncationSide of ['right', 'left'] as const) {
        tok.truncationSide = truncationSide;
        for (const truncation of TRUNCATIONS) {
          if (truncation === undefined && truncationSide === 'left') continue;
          for (const pad of PADDINGS) {
            for (const paddingSide of pad.padding ? (['right', 'left'] as const) : (['right'] as const)) {
              tok.paddingSide = paddingSide;
              for (const addSpecialTokens of [true, false]) {
                const opts: CallOptions = { ...pad, truncation: truncation ?? false, maxLength: 24, addSpecialTokens };
                const msg = `${name} ${JSON.stringify({ ...opts, truncationSide, paddingSide })}`;
                // Left truncation and only_second stay on the per-row path (see call.ts encodeInRust).
                const expectFast = truncation === undefined || (truncationSide === 'right' && truncation !== 'only_second');
                await compare(tok, texts, opts, `${msg} batch`, counter, expectFast);
                // only_second fails on any long single text: the short ones alone, one call each.
                for (const t of truncation === 'only_second' ? short : short.slice(0, 2)) await compare(tok, t, opts, `${msg} ${JSON.stringify(t)}`, counter, expectFast);
              }
            }
          }
        }
      }
      // maxLength from the tokenizer (512 / 1024), and no maxLength at all (no truncation).
      tok.truncationSide = 'right';
      await compare(tok, texts, { truncation: true }, `${name} truncation: true, default maxLength`, counter, true);
      await compare(tok, texts, {}, `${name} no options`, counter, true);
      await compare(tok, texts, { padding: true }, `${name} padding only`, counter, true);
      // Pairs keep the per-row path (the binding's encodeBatch takes strings only); both entry points still agree.
      for (const p of readReference(name).pairs)
        await compare(tok, p.text, { textPair: p.text_pair, truncation: 'only_second', maxLength: 20, padding: 'max_length' }, `${name} pair ${p.text}`, counter, false);
    } finally {
      counter.restore();
      tok.truncationSide = sides.truncation;
      tok.paddingSide = sides.padding;
      if (hadPad === null) tok.padToken = null;
    }
  });
}

test('the fast path follows added tokens, special tokens and post-processor changes', async () => {
  const bert = await AutoTokenizer.fromPretrained(sharedDir('data', 'tokenizers', 'bert-base-uncased'), { do_lower_case: true, model_max_length: 512 });
  const opts: CallOptions = { truncation: true, maxLength: 8, padding: 'max_length' };
  const text = 'a flibbertigibbet walked in';
  const before = await callTokenizer(bert, text, opts);
  assert.equal((before.input_ids as number[]).length, 8);
  assert.equal(bert.addTokens(['flibbertigibbet']), 1);
  const id = bert.convertTokensToIds('flibbertigibbet');
  const after = await callTokenizer(bert, text, opts);
  const ids = after.input_ids as number[];
  assert.deepEqual([ids[0], ids[1], ids[2], ids.length, ids.at(-1)], [101, 1037, id, 8, 0], 'the new token is one id, padded with [PAD]');
  assert.ok(!(before.input_ids as number[]).includes(id as number));
  assertSame(after, await callTokenizer(bert, text, opts, { slowPath: true }), 'after addTokens');
  bert.addSpecialTokens({ pad_token: '[NEWPAD]' });
  const newPad = bert.padTokenId!;
  const repadded = (await callTokenizer(bert, text, opts)).input_ids as number[];
  assert.deepEqual(repadded, [...ids.slice(0, -2), newPad, newPad]);

  const llama = await AutoTokenizer.fromPretrained(sharedDir('data', 'tokenizers', 'llama2'), { add_bos_token: true, add_eos_token: false, legacy: false });
  llama.padToken = llama.unkToken;
  const l = { truncation: true, maxLength: 6, padding: 'longest' } as const;
  const withoutEos = await callTokenizer(llama, ['Hello world', 'a b c d e f g h'], l);
  llama.addEosToken = true; // rebuilds the post-processor
  const withEos = await callTokenizer(llama, ['Hello world', 'a b c d e f g h'], l);
  assert.notDeepEqual(withEos.input_ids, withoutEos.input_ids);
  assert.equal((withEos.input_ids as number[][])[1]!.at(-1), llama.eosTokenId);
  assertSame(withEos, await callTokenizer(llama, ['Hello world', 'a b c d e f g h'], l, { slowPath: true }), 'after addEosToken');
});

test('concurrent calls with different settings on one tokenizer do not see each other\'s settings', async () => {
  const tok = await loadReference('bert-base-uncased');
  const texts = imdbTexts();
  const settings: CallOptions[] = [
    { truncation: true, maxLength: 16 }, { truncation: true, maxLength: 40, padding: 'max_length' }, { padding: true },
    { truncation: 'only_first', maxLength: 64, padding: 'longest', padToMultipleOf: 32 }, { truncation: true, maxLength: 16 },
  ];
  const fast = await Promise.all(settings.flatMap((o) => [callTokenizer(tok, texts, o), callTokenizer(tok, texts.slice(3), o)]));
  const slow = await Promise.all(settings.flatMap((o) => [callTokenizer(tok, texts, o, { slowPath: true }), callTokenizer(tok, texts.slice(3), o, { slowPath: true })]));
  fast.forEach((f, i) => assert.deepEqual(f.data, slow[i]!.data, JSON.stringify(settings[i >> 1])));
});

test('keys converted on first read: same values and HF key order; a write before the read wins', async () => {
  const tok = await loadReference('bert-base-uncased');
  const opts: CallOptions = { padding: true, returnOffsetsMapping: true, returnSpecialTokensMask: true, returnLength: true };
  const a = await tok.call(['Hello world', 'a'], opts);
  assert.deepEqual(a.keys(), ['input_ids', 'token_type_ids', 'attention_mask', 'special_tokens_mask', 'offset_mapping', 'length']);
  assert.deepEqual(a.token_type_ids, [[0, 0, 0, 0], [0, 0, 0, 0]]);
  assert.deepEqual(a.attention_mask, [[1, 1, 1, 1], [1, 1, 1, 0]]);
  assert.deepEqual(a.special_tokens_mask, [[1, 0, 0, 1], [1, 0, 1, 1]]);
  assert.deepEqual(a.offset_mapping, [[[0, 0], [0, 5], [6, 11], [0, 0]], [[0, 0], [0, 1], [0, 0], [0, 0]]]);
  assert.deepEqual(a.length, [4, 4]);
  assert.equal(a.token_type_ids, a.token_type_ids, 'converted once, then the same array');
  const b = await tok.call(['Hello world', 'a'], opts);
  b.set('token_type_ids', 'replaced');
  assert.equal(b.get('token_type_ids'), 'replaced');
  assert.deepEqual(JSON.parse(JSON.stringify({ ...b.data, token_type_ids: a.token_type_ids })), JSON.parse(JSON.stringify(a.data)));
});
