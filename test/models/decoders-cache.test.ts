// decoders-cache.test.ts — GPT-2, OPT and GPT-Neo with a KV cache: greedy decoding token by token
// (DynamicCache and StaticCache) gives the logits of one full forward over prompt + generated
// tokens without a cache, for one prompt and for a left-padded batch (position ids from the
// mask, as generate() derives them); a left-padded row decodes as its prompt alone would; GPT-2's
// loop reproduces transformers' generate() tokens (fixtures/hf/generation/gpt2_lm). Run on
// the fixture checkpoints (initializer_range 0.1, so attention is far from uniform and a wrong
// position, window or mask moves logits by far more than the tolerance).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { DynamicCache, StaticCache, positionIdsFromMask, type KVCache } from '../../src/nn/index.js';
import { AutoModelForCausalLM, type CausalLMOutput, type PreTrainedModel, type TaskModels } from '../../src/models/index.js';
import { assertClose, sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
const FAMILIES = ['gpt2_lm', 'opt_lm', 'gpt_neo_lm'] as const;
// Cached and full forwards run the same float32 ops on differently shaped operands: they agree
// to ~1e-6; the brief's bound is 1e-5.
const TOL = 1e-5;
const NEW_TOKENS = 10;
const PAD = 0;

type LM = TaskModels['causal-lm'];
const load = async (name: string): Promise<LM> => {
  const m = await AutoModelForCausalLM.fromPretrained(join(MODELS, name), { onWarning: (w) => assert.fail(w) });
  m.eval();
  return m;
};
const ids = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const maxAbs = (a: Float32Array, b: Float32Array): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
/** (B, V) row of logits at time index `t` of a (B, T, V) tensor, as a flat array. */
const at = (logits: torch.Tensor, t: number): Float32Array => torch.tidy(() => logits.select(1, t).contiguous().toTypedArray() as Float32Array);

interface Decoded {
  /** Per decoding step: the (B, V) logits that chose the next token. */
  stepLogits: Float32Array[];
  /** (B, P + N) prompt + generated ids. */
  sequences: number[][];
  /** (B, P + N) mask. */
  mask: number[][];
}

/**
 * Greedy decoding with a cache: the prompt in one step, then one token per step; the mask grows
 * by a column of ones; position ids from the mask (padding -> 1) unless `derivePositions`.
 */
function greedy(model: LM, prompt: number[][], mask: number[][], cache: KVCache, derivePositions = false, newTokens = NEW_TOKENS): Decoded {
  const seqs = prompt.map((r) => [...r]);
  const m = mask.map((r) => [...r]);
  const stepLogits: Float32Array[] = [];
  let input = prompt;
  for (let s = 0; s < newTokens; s++) {
    const next = torch.tidy(() => {
      const am = ids(m);
      const out = model.forward({
        input_ids: ids(input), attention_mask: am, past_key_values: cache, logits_to_keep: 1,
        ...(derivePositions ? {} : { position_ids: positionIdsFromMask(am, input[0]!.length) }),
      }) as CausalLMOutput;
      assert.equal(out.past_key_values, cache);
      assert.equal(out.logits.size(1), 1, 'logits_to_keep: 1');
      stepLogits.push(at(out.logits, 0));
      return Array.from(out.logits.select(1, 0).argmax(-1).toTypedArray() as BigInt64Array, Number);
    });
    next.forEach((tok, b) => { seqs[b]!.push(tok); m[b]!.push(1); });
    input = next.map((tok) => [tok]);
  }
  return { stepLogits, sequences: seqs, mask: m };
}

/** One forward over the whole sequences without a cache: (B, V) logits at every position. */
function full(model: LM, seqs: number[][], mask: number[][], derivePositions = false): Float32Array[] {
  return torch.tidy(() => {
    const am = ids(mask);
    const out = model.forward({
      input_ids: ids(seqs), attention_mask: am,
      ...(derivePositions ? {} : { position_ids: positionIdsFromMask(am, seqs[0]!.length) }),
    }) as CausalLMOutput;
    assert.equal(out.past_key_values, undefined, 'no cache unless asked');
    return Array.from({ length: seqs[0]!.length }, (_, t) => at(out.logits, t));
  });
}

/** Max |diff| between each decoding step's logits and the full forward's at the same position. */
function compareToFull(d: Decoded, f: Float32Array[], promptLen: number): number {
  let worst = 0;
  d.stepLogits.forEach((l, s) => { worst = Math.max(worst, maxAbs(l, f[promptLen - 1 + s]!)); });
  return worst;
}

const numKv = (m: PreTrainedModel): { heads: number; headDim: number; layers: number } => {
  const c = m.config as unknown as { num_attention_heads: number; hidden_size: number; num_hidden_layers: number };
  return { heads: c.num_attention_heads, headDim: c.hidden_size / c.num_attention_heads, layers: c.num_hidden_layers };
};

for (const name of FAMILIES) {
  test(`${name}: greedy decoding with a DynamicCache / StaticCache gives the full forward's logits (one prompt)`, async (t) => {
    const model = await load(name);
    const prompt = [[5, 17, 200, 33, 9, 120]];
    const mask = [prompt[0]!.map(() => 1)];
    const cache = new DynamicCache();
    const d = greedy(model, prompt, mask, cache);
    assert.equal(cache.getSeqLength(), prompt[0]!.length + NEW_TOKENS - 1);
    const f = full(model, d.sequences, d.mask);
    const diff = compareToFull(d, f, prompt[0]!.length);
    assert.ok(diff <= TOL, `cached vs full logits: max |diff| ${diff.toExponential(3)} > ${TOL}`);
    // The generated tokens are the argmax of the full forward too (same decision at every step).
    for (let s = 0; s < NEW_TOKENS - 1; s++) {
      const row = f[prompt[0]!.length - 1 + s]!;
      assert.equal(row.indexOf(Math.max(...row)), d.sequences[0]![prompt[0]!.length + s]);
    }
    // A preallocated StaticCache: the attention spans all its slots, the mask hides the empty ones.
    const k = numKv(model);
    const sc = new StaticCache({ numLayers: k.layers, batchSize: 1, numKvHeads: k.heads, headDim: k.headDim, maxLength: prompt[0]!.length + NEW_TOKENS });
    const ds = greedy(model, prompt, mask, sc);
    assert.deepEqual(ds.sequences, d.sequences, 'StaticCache generates the same tokens');
    let sdiff = 0;
    ds.stepLogits.forEach((l, s) => { sdiff = Math.max(sdiff, maxAbs(l, d.stepLogits[s]!)); });
    assert.ok(sdiff <= TOL, `static vs dynamic cache logits: max |diff| ${sdiff.toExponential(3)}`);
    t.diagnostic(`${name}: tokens ${d.sequences[0]!.slice(prompt[0]!.length).join(' ')}; cached vs full max |diff| ${diff.toExponential(2)}, static vs dynamic ${sdiff.toExponential(2)}`);
    cache.dispose(); sc.dispose(); model.dispose();
  });

  test(`${name}: a left-padded batch decodes with the cache as the full forward does, each row as its prompt alone`, async (t) => {
    const model = await load(name);
    const prompts = [[11, 250, 3, 77, 140], [42, 7, 99], [5, 17, 200, 33, 9, 120, 64]];
    const len = Math.max(...prompts.map((p) => p.length));
    const padded = prompts.map((p) => [...new Array<number>(len - p.length).fill(PAD), ...p]);
    const mask = prompts.map((p) => [...new Array<number>(len - p.length).fill(0), ...p.map(() => 1)]);
    const cache = new DynamicCache();
    const d = greedy(model, padded, mask, cache);
    const f = full(model, d.sequences, d.mask);
    const diff = compareToFull(d, f, len);
    assert.ok(diff <= TOL, `cached vs full logits (left-padded batch): max |diff| ${diff.toExponential(3)} > ${TOL}`);
    // Each row alone (no padding, default positions) generates the same tokens with the same logits.
    let rowDiff = 0;
    prompts.forEach((p, b) => {
      const c = new DynamicCache();
      const alone = greedy(model, [p], [p.map(() => 1)], c);
      c.dispose();
      assert.deepEqual(alone.sequences[0]!.slice(p.length), d.sequences[b]!.slice(len), `row ${b} tokens`);
      const v = alone.stepLogits[0]!.length;
      alone.stepLogits.forEach((l, s) => { rowDiff = Math.max(rowDiff, maxAbs(l, d.stepLogits[s]!.subarray(b * v, (b + 1) * v))); });
    });
    assert.ok(rowDiff <= TOL, `padded row vs the prompt alone: max |diff| ${rowDiff.toExponential(3)} > ${TOL}`);
    t.diagnostic(`${name}: left-padded batch, cached vs full max |diff| ${diff.toExponential(2)}, padded row vs alone ${rowDiff.toExponential(2)}`);
    cache.dispose(); model.dispose();
  });
}

test('opt_lm: without position_ids, OPT derives them from the mask (cumsum(mask) * mask - 1): the same logits as positionIdsFromMask', async () => {
  const model = await load('opt_lm');
  const prompts = [[11, 250, 3, 77, 140], [42, 7, 99]];
  const padded = prompts.map((p) => [...new Array<number>(5 - p.length).fill(PAD), ...p]);
  const mask = prompts.map((p) => [...new Array<number>(5 - p.length).fill(0), ...p.map(() => 1)]);
  const a = new DynamicCache(), b = new DynamicCache();
  const given = greedy(model, padded, mask, a);
  const derived = greedy(model, padded, mask, b, true);
  assert.deepEqual(derived.sequences, given.sequences);
  let worst = 0;
  derived.stepLogits.forEach((l, s) => { worst = Math.max(worst, maxAbs(l, given.stepLogits[s]!)); });
  assert.ok(worst <= TOL, `derived vs given positions: ${worst}`);
  // ... and without the mask-derived shift, the left-padded row would differ: positions matter.
  const shifted = torch.tidy(() => {
    const out = model.forward({ input_ids: ids(padded), attention_mask: ids(mask), position_ids: ids([[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]) }) as CausalLMOutput;
    return at(out.logits, 4).subarray(256, 512);
  });
  assert.ok(maxAbs(shifted, given.stepLogits[0]!.subarray(256, 512)) > 1e-2, 'positions counted over padding change the logits');
  a.dispose(); b.dispose(); model.dispose();
});

test('gpt2_lm: the cached greedy loop reproduces transformers\' generate() (greedy and left-padded batch_greedy): tokens exact, chosen logits within 1e-4', async (t) => {
  const ref = JSON.parse(readFileSync(sharedDir('fixtures', 'hf', 'generation', 'gpt2_lm', 'reference.json'), 'utf8')) as {
    cases: Record<string, { input_ids: number[][]; attention_mask: number[][]; new_tokens: number[][]; chosen_scores: number[][]; generate_kwargs: { max_new_tokens: number } }>;
  };
  const model = await load('gpt2_lm');
  for (const name of ['greedy', 'batch_greedy']) {
    const c = ref.cases[name]!;
    const n = c.generate_kwargs.max_new_tokens;
    const cache = new DynamicCache();
    const d = greedy(model, c.input_ids, c.attention_mask, cache, false, n);
    cache.dispose();
    const p = c.input_ids[0]!.length;
    assert.deepEqual(d.sequences.map((r) => r.slice(p)), c.new_tokens, `${name}: new tokens`);
    const v = d.stepLogits[0]!.length / c.input_ids.length;
    // No logits processors in these cases: the chosen score is the raw logit of the chosen token.
    const chosen = c.new_tokens.map((row, b) => row.map((tok, s) => d.stepLogits[s]![b * v + tok]!));
    assertClose(chosen.flat(), c.chosen_scores.flat(), { rtol: 1e-4, atol: 1e-5, msg: `${name}: chosen scores` });
    t.diagnostic(`${name}: ${c.new_tokens.length} x ${n} tokens identical to HF generate()`);
  }
  model.dispose();
});
