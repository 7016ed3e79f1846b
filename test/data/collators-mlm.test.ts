// src/data/collators masked / causal / whole-word LM collators on real BERT ids of the C4 sample
// (shared/data/pretrain_text): selection and 80/10/10 statistics over >100k tokens against HF's
// torch_mask_tokens rates, special tokens and padding never selected, whole words kept whole,
// determinism per seed, and HF's error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/torch/index.js';
import { DataCollatorForLanguageModeling, DataCollatorForWholeWordMask, type Batch, type Feature } from '../../src/data/collators/index.js';
import { bertTokenizer, gpt2Tokenizer } from './collators-tokenizer.js';
import { sharedDir } from '../helpers.js';

const bert = await bertTokenizer();
const V = bert.length; // 30522
const [PAD, UNK, CLS, SEP, MASK] = [0, 100, 101, 102, 103];
const SPECIAL = new Set([PAD, UNK, CLS, SEP, MASK]);

// Corpus: every C4 document cut into [CLS] chunk [SEP] rows of 20..120 word pieces, so batches
// of 32 rows hold padding; ~170k ids in all.
const docs = readFileSync(sharedDir('data', 'pretrain_text', 'c4_demo.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
const rows: number[][] = [];
let cut = 0;
for (const ids of await bert.encodeBatch(docs)) {
  const body = ids.slice(1, -1);
  for (let i = 0; i < body.length; ) {
    const n = 20 + ((cut++ * 37) % 101);
    rows.push([CLS, ...body.slice(i, i + n), SEP]);
    i += n;
  }
}
const batches: Feature[][] = [];
for (let i = 0; i < rows.length; i += 32) batches.push(rows.slice(i, i + 32).map((r) => ({ input_ids: r, attention_mask: r.map(() => 1) })));

const ints = (t: torch.Tensor): number[] => Array.from(t.toTypedArray() as BigInt64Array, Number);
/** The rows padded as the collator pads them (right, [PAD]), flat. */
function paddedOriginal(feats: Feature[], L: number): number[] {
  return feats.flatMap((f) => { const r = f['input_ids'] as number[]; return [...r, ...Array(L - r.length).fill(PAD)]; });
}

interface Stats { eligible: number; selected: number; masked: number; random: number; kept: number; total: number }
/** Checks one batch's invariants and adds up its selection / replacement counts. */
function tally(feats: Feature[], b: Batch, s: Stats): void {
  const [B, L] = b['input_ids']!.shape as [number, number];
  const orig = paddedOriginal(feats, L), out = ints(b['input_ids']!), labels = ints(b['labels']!);
  assert.equal(B, feats.length);
  for (let k = 0; k < orig.length; k++) {
    const o = orig[k]!;
    if (o !== PAD) s.total++;
    if (!SPECIAL.has(o)) s.eligible++;
    if (labels[k] === -100) {
      assert.equal(out[k], o, 'an unselected token changed');
      continue;
    }
    assert.ok(!SPECIAL.has(o), `special or padding token ${o} selected`);
    assert.equal(labels[k], o, 'label of a selected token is not its original id');
    s.selected++;
    if (out[k] === MASK) s.masked++;
    else if (out[k] === o) s.kept++;
    else s.random++;
  }
}
const empty = (): Stats => ({ eligible: 0, selected: 0, masked: 0, random: 0, kept: 0, total: 0 });

test('MLM: 15% of eligible tokens selected, then 80% [MASK] / 10% random / 10% kept (>100k tokens)', () => {
  const c = new DataCollatorForLanguageModeling({ tokenizer: bert, seed: 1234 });
  const s = empty();
  for (const feats of batches) {
    const b = c.collate(feats);
    assert.deepEqual(Object.keys(b).sort(), ['attention_mask', 'input_ids', 'labels']);
    assert.equal(b['labels']!.dtype, 'int64');
    tally(feats, b, s);
    Object.values(b).forEach((t) => t.dispose());
  }
  assert.ok(s.eligible > 100_000, `only ${s.eligible} eligible tokens`);
  // Expected rates: a random id equals the original w.p. 1/V (counted as kept) and is [MASK] w.p. 1/V (counted as masked).
  const rates = { selected: s.selected / s.eligible, masked: s.masked / s.selected, random: s.random / s.selected, kept: s.kept / s.selected };
  const want = { selected: 0.15, masked: 0.8 + 0.1 / V, random: 0.1 * (1 - 2 / V), kept: 0.1 + 0.1 / V };
  // 1% absolute: > 3 standard deviations for the ~25k selected tokens (sd of the 80% rate ~0.0025)
  for (const k of Object.keys(want) as (keyof typeof want)[])
    assert.ok(Math.abs(rates[k] - want[k]) < 0.01, `${k}: ${rates[k].toFixed(4)} vs ${want[k].toFixed(4)} (${JSON.stringify(s)})`);
});

test('MLM: deterministic per seed, different across seeds; the input features are not changed', () => {
  const feats = batches[0]!;
  const snapshot = JSON.stringify(feats);
  const run = (seed: number): number[] => ints(new DataCollatorForLanguageModeling({ tokenizer: bert, seed }).collate(feats)['input_ids']!);
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7), run(8));
  // an explicit generator gives the same stream as the same seed
  const viaGen = ints(new DataCollatorForLanguageModeling({ tokenizer: bert, generator: new torch.Generator(7) }).collate(feats)['input_ids']!);
  assert.deepEqual(viaGen, run(7));
  assert.equal(JSON.stringify(feats), snapshot);
});

test('MLM: a special_tokens_mask column decides what is special, and is not returned', () => {
  // mark every token special except position 1: only position 1 can ever be selected
  const feats: Feature[] = rows.slice(0, 64).map((r) => ({ input_ids: r, special_tokens_mask: r.map((_, j) => (j === 1 ? 0 : 1)) }));
  const b = new DataCollatorForLanguageModeling({ tokenizer: bert, seed: 3, mlmProbability: 1 }).collate(feats);
  assert.equal(b['special_tokens_mask'], undefined);
  const labels = b['labels']!.toArray() as number[][];
  labels.forEach((row, i) => row.forEach((l, j) => assert.equal(l, j === 1 ? rows[i]![1] : -100)));
  // getSpecialTokensMask is preferred over allSpecialIds when the tokenizer has it
  const tok = { ...bert, getSpecialTokensMask: (ids: number[]) => ids.map((id) => (id === CLS || id === SEP || id === PAD || id === 1996 ? 1 : 0)) };
  const the = new DataCollatorForLanguageModeling({ tokenizer: tok, seed: 3, mlmProbability: 1 }).collate(rows.slice(0, 64).map((r) => ({ input_ids: r })));
  const ids = ints(the['labels']!);
  assert.ok(!ids.includes(1996), "'the' (1996) was declared special but selected");
  assert.equal(ids.includes(UNK), rows.slice(0, 64).flat().includes(UNK)); // [UNK] is not special for this tokenizer
});

test('MLM: bare id lists, padToMultipleOf, and the pad-token errors of HF', () => {
  const c = new DataCollatorForLanguageModeling({ tokenizer: bert, seed: 0, padToMultipleOf: 8 });
  const b = c.collate([[CLS, 7592, SEP], [CLS, 7592, 2088, 999, SEP]]);
  assert.deepEqual(Object.keys(b).sort(), ['input_ids', 'labels']);
  assert.deepEqual(b['input_ids']!.shape, [2, 8]);
  const gpt2 = gpt2Tokenizer();
  assert.throws(() => new DataCollatorForLanguageModeling({ tokenizer: gpt2 }),
    /^Error: This tokenizer does not have a mask token which is necessary for masked language modeling\. You should pass `mlm=False` to train on causal language modeling instead\.$/);
  const clm = new DataCollatorForLanguageModeling({ tokenizer: gpt2, mlm: false });
  assert.throws(() => clm.collate([[1, 2, 3], [4, 5]]), /You are attempting to pad samples but the tokenizer you are using \(tokenizer\) does not have a pad token\./);
  assert.deepEqual(clm.collate([[1, 2], [3, 4]])['labels']!.toArray(), [[1, 2], [3, 4]]); // equal lengths need no pad
  assert.throws(() => clm.collate([{ input_ids: [1, 2] }]), /Asking to pad but the tokenizer does not have a padding token/);
  assert.throws(() => new DataCollatorForLanguageModeling({ tokenizer: bert, mlmProbability: 1.5 }), /between 0 and 1/);
  assert.throws(() => c.collate([[CLS, 0.5]]), /must hold integers/);
});

test('causal LM (mlm=false): labels = input_ids with padding -> -100 (pad = eos is ignored too, as in HF)', async () => {
  const gpt2 = gpt2Tokenizer({ padTokenId: 50256 });
  const ids = await gpt2.encode('Hello world');
  const b = new DataCollatorForLanguageModeling({ tokenizer: gpt2, mlm: false }).collate([{ input_ids: [...ids, 50256] }, { input_ids: [464] }]);
  assert.deepEqual(b['input_ids']!.toArray(), [[15496, 995, 50256], [464, 50256, 50256]]);
  assert.deepEqual(b['labels']!.toArray(), [[15496, 995, -100], [464, -100, -100]]);
  assert.deepEqual(b['attention_mask']!.toArray(), [[1, 1, 1], [1, 0, 0]]);
  const left = new DataCollatorForLanguageModeling({ tokenizer: { ...gpt2, paddingSide: 'left' }, mlm: false }).collate([{ input_ids: [15496, 995] }, { input_ids: [464] }]);
  assert.deepEqual(left['labels']!.toArray(), [[15496, 995], [-100, 464]]);
});

/** Word spans of a row: a token and the `##` pieces after it ([CLS]/[SEP] alone). */
function words(ids: number[]): number[][] {
  const toks = bert.convertIdsToTokens!(ids);
  const out: number[][] = [];
  toks.forEach((t, i) => {
    if (t.startsWith('##') && out.length && !SPECIAL.has(ids[out[out.length - 1]![0]!]!)) out[out.length - 1]!.push(i);
    else out.push([i]);
  });
  return out;
}

test('whole-word masking: sub-tokens of a word are selected together, ~15% of tokens, 80/10/10', () => {
  const c = new DataCollatorForWholeWordMask({ tokenizer: bert, seed: 99 });
  const s = empty();
  let multiPieceWordsSelected = 0;
  for (const feats of batches) {
    const b = c.collate(feats);
    assert.deepEqual(Object.keys(b).sort(), ['input_ids', 'labels']); // HF returns only these
    tally(feats, b, s);
    const [, L] = b['labels']!.shape as [number, number];
    const labels = ints(b['labels']!);
    feats.forEach((f, i) => {
      for (const w of words(f['input_ids'] as number[])) {
        const sel = w.map((j) => labels[i * L + j] !== -100);
        assert.ok(sel.every((x) => x === sel[0]), `row ${i}: word at ${w} partly selected`);
        if (sel[0] && w.length > 1) multiPieceWordsSelected++;
      }
    });
    Object.values(b).forEach((t) => t.dispose());
  }
  assert.ok(s.total > 100_000);
  assert.ok(multiPieceWordsSelected > 500, `only ${multiPieceWordsSelected} multi-piece words selected: the word check is too weak`);
  // round(len * 0.15) tokens per row, len counting [CLS]/[SEP]; a word that would overshoot is skipped
  const frac = s.selected / s.total;
  assert.ok(Math.abs(frac - 0.15) < 0.01, `selected ${frac.toFixed(4)} of the tokens`);
  const masked = s.masked / s.selected, random = s.random / s.selected, kept = s.kept / s.selected;
  assert.ok(Math.abs(masked - 0.8) < 0.01 && Math.abs(random - 0.1) < 0.01 && Math.abs(kept - 0.1) < 0.01, JSON.stringify(s));
});

test('whole-word masking: deterministic per seed, left padding, errors', () => {
  const feats = batches[1]!;
  const run = (seed: number): number[] => ints(new DataCollatorForWholeWordMask({ tokenizer: bert, seed }).collate(feats)['labels']!);
  assert.deepEqual(run(5), run(5));
  assert.notDeepEqual(run(5), run(6));
  const left = new DataCollatorForWholeWordMask({ tokenizer: { ...bert, paddingSide: 'left' }, seed: 5, padToMultipleOf: 8 }).collate([[CLS, 19204, 3989, SEP], [CLS, SEP]]);
  assert.deepEqual(left['input_ids']!.shape, [2, 8]);
  const l = left['labels']!.toArray() as number[][];
  assert.deepEqual(l[1], Array(8).fill(-100)); // only special tokens and padding
  // "token ##ization": round(4 * 0.15) = 1 token, but the word has 2, so nothing fits
  assert.deepEqual(l[0], Array(8).fill(-100));
  const big = new DataCollatorForWholeWordMask({ tokenizer: bert, seed: 5, mlmProbability: 0.5 }).collate([[CLS, 19204, 3989, SEP]]);
  assert.deepEqual(big['labels']!.toArray(), [[-100, 19204, 3989, -100]]); // round(2.0) = 2 tokens: the whole word
  assert.throws(() => new DataCollatorForWholeWordMask({ tokenizer: { ...bert, maskTokenId: null } }), /does not have a mask token/);
  const { convertIdsToTokens: _drop, ...noTokens } = bert;
  assert.throws(() => new DataCollatorForWholeWordMask({ tokenizer: noTokens }), /convertIdsToTokens/);
});
