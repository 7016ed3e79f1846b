// generate.test.ts — generate()'s behaviour beyond the HF fixtures: seeded sampling is
// reproducible and top_k 1 sampling is greedy; several EOS ids; min_new_tokens; max_time; the
// default max_length; num_return_sequences; beam scores = sum of the chosen log-probs (EOS
// included) / length ** length_penalty, checked against a plain forward; beams with the static
// cache and without a cache; no_repeat_ngram / bad_words on a real model; option names, config
// precedence and tensor lifetime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { AutoModelForCausalLM, type PreTrainedModel, type CausalLMOutput } from '../../src/models/index.js';
import { generate, GenerationConfig, BeamHypotheses } from '../../src/generation/index.js';
import { assertClose, sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
const REF = JSON.parse(readFileSync(sharedDir('fixtures', 'hf', 'generation', 'llama_lm', 'reference.json'), 'utf8')) as {
  cases: Record<string, { input_ids: number[][]; attention_mask: number[][]; sequences: number[][]; new_tokens: number[][] }>;
};
const ids = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const rows = (t: torch.Tensor): number[][] => t.toArray() as number[][];

let llama: PreTrainedModel;
let stories: PreTrainedModel;
const ready = (async () => {
  llama = await AutoModelForCausalLM.fromPretrained(join(MODELS, 'llama_lm'));
  stories = await AutoModelForCausalLM.fromPretrained(sharedDir('data', 'models', 'stories260K'));
})();
/** generate() inside a scope, returning rows. */
const gen = (m: PreTrainedModel, opts: Record<string, unknown>): number[][] => torch.tidy(() => rows(m.generate(opts)));

test('seeded sampling: the same seed gives the same tokens (manualSeed or a Generator); another seed other tokens', async () => {
  await ready;
  const opts = { input_ids: ids([[1]]), do_sample: true, max_new_tokens: 40, top_k: 0 };
  torch.manualSeed(1234);
  const a = gen(stories, opts);
  torch.manualSeed(1234);
  assert.deepEqual(gen(stories, opts), a);
  const g1 = gen(stories, { ...opts, generator: new torch.Generator(7) });
  assert.deepEqual(gen(stories, { ...opts, generator: new torch.Generator(7) }), g1);
  assert.notDeepEqual(gen(stories, { ...opts, generator: new torch.Generator(8) }), g1);
  assert.notDeepEqual(g1, gen(stories, { input_ids: ids([[1]]), max_new_tokens: 40 }), 'sampling at temperature 1 leaves the greedy path');
  // beam sampling, seeded
  const beam = { input_ids: ids([[1]]), do_sample: true, num_beams: 3, max_new_tokens: 12 };
  assert.deepEqual(gen(stories, { ...beam, generator: new torch.Generator(3) }), gen(stories, { ...beam, generator: new torch.Generator(3) }));
});

test('top_k 1 sampling equals greedy search (and so does a near-zero temperature)', async () => {
  await ready;
  const greedy = gen(stories, { input_ids: ids([[1]]), max_new_tokens: 60 });
  assert.deepEqual(gen(stories, { input_ids: ids([[1]]), max_new_tokens: 60, do_sample: true, top_k: 1, generator: new torch.Generator(5) }), greedy);
  assert.deepEqual(gen(stories, { input_ids: ids([[1]]), max_new_tokens: 60, do_sample: true, top_p: 1e-6, generator: new torch.Generator(5) }), greedy);
});

test('num_return_sequences with sampling: each prompt repeated, left padding kept', async () => {
  await ready;
  const c = REF.cases.batch_greedy!;
  const out = gen(llama, { input_ids: ids(c.input_ids), attention_mask: ids(c.attention_mask), do_sample: true, num_return_sequences: 2, max_new_tokens: 6, pad_token_id: 0, generator: new torch.Generator(1) });
  assert.equal(out.length, 6);
  out.forEach((r, i) => assert.deepEqual(r.slice(0, 5), c.input_ids[Math.floor(i / 2)]));
});

test('several EOS ids: each row stops at its first, is then padded; the loop ends when all rows are done', async () => {
  await ready;
  const c = REF.cases.batch_greedy!; // new tokens: row 0 [81 254 239 150 223 ...], row 1 [119 255 5 150 173 163 ...], row 2 [135 26 135 26 163 ...]
  const out = gen(llama, { input_ids: ids(c.input_ids), attention_mask: ids(c.attention_mask), max_new_tokens: 12, pad_token_id: 0, eos_token_id: [163, 223] });
  const expected = c.sequences.map((r, i) => {
    const stop = [5, 6, 5][i]!; // new tokens up to and including the first EOS
    return [...r.slice(0, 5 + stop), ...new Array<number>(6 - stop).fill(0)];
  });
  assert.deepEqual(out, expected);
  // min_new_tokens: EOS is banned for the first 6 new tokens, so row 0 cannot stop at its 5th
  const late = gen(llama, { input_ids: ids(c.input_ids), attention_mask: ids(c.attention_mask), max_new_tokens: 12, pad_token_id: 0, eos_token_id: 223, min_new_tokens: 6 });
  assert.notEqual(late[0]![9], 223);
  assert.deepEqual(late[0]!.slice(0, 9), c.sequences[0]!.slice(0, 9));
});

test('lengths: the default max_length 20 gives 20 new tokens; max_length counts the prompt; max_time stops after a step', async () => {
  await ready;
  const p = ids([[100, 110, 161, 134, 118]]);
  assert.equal(gen(llama, { input_ids: p, pad_token_id: 0 })[0]!.length, 25);
  assert.equal(gen(llama, { input_ids: p, pad_token_id: 0, max_length: 8 })[0]!.length, 8);
  assert.equal(gen(llama, { input_ids: p, pad_token_id: 0, max_new_tokens: 30, max_time: 1e-9 })[0]!.length, 6);
  // without input_ids: one row from bos_token_id
  const fromBos = gen(stories, { max_new_tokens: 5 });
  assert.deepEqual(fromBos[0]!.slice(0, 1), [1]);
});

test('beam search: sequences_scores = sum of the log-probs of the generated tokens (EOS included) / length ** length_penalty', async () => {
  await ready;
  const prompt = REF.cases.beam3!.input_ids;
  for (const [eos, lp] of [[24, 1.0], [24, 2.0], [42, 0.5], [136, 1.0]] as const) {
    const out = llama.generate({ input_ids: ids(prompt), num_beams: 3, num_return_sequences: 3, max_new_tokens: 12, pad_token_id: 0, eos_token_id: eos, length_penalty: lp, return_dict_in_generate: true, output_scores: true });
    const seqs = rows(out.sequences);
    const scores = Array.from(out.sequences_scores!.toTypedArray() as Float32Array);
    assert.ok(scores[0]! >= scores[1]! && scores[1]! >= scores[2]!, 'best first');
    const finished = seqs.filter((r) => r.slice(5).includes(eos)).length;
    assert.ok(finished > 0, 'some hypothesis ends with the EOS');
    seqs.forEach((r, i) => {
      const stop = r.indexOf(eos, 5);
      const gen = stop >= 0 ? r.slice(5, stop + 1) : r.slice(5).filter((t, j, a) => !(t === 0 && a.slice(j).every((x) => x === 0)));
      if (stop >= 0) assert.ok(r.slice(stop + 1).every((t) => t === 0), 'padded after the EOS');
      const sum = torch.tidy(() => {
        const logits = (llama.forward({ input_ids: ids([[...prompt[0]!, ...gen]]) }) as CausalLMOutput).logits.logSoftmax(-1); // (1, T, V)
        let s = 0;
        gen.forEach((t, j) => { s += logits.select(1, 4 + j).select(1, t).item(); });
        return s;
      });
      assertClose(scores[i]!, sum / gen.length ** lp, { rtol: 1e-4, msg: `eos ${eos} lp ${lp} beam ${i}` });
    });
    out.sequences.dispose(); out.sequences_scores!.dispose(); for (const s of out.scores!) s.dispose();
  }
});

test('beam search gives the fixture\'s beams with the static cache and without a cache', async () => {
  await ready;
  const c = REF.cases.beam3!;
  for (const extra of [{ cache_implementation: 'static' }, { use_cache: false }]) {
    const out = gen(llama, { input_ids: ids(c.input_ids), num_beams: 3, num_return_sequences: 3, max_new_tokens: 12, pad_token_id: 0, ...extra });
    assert.deepEqual(out, c.sequences, JSON.stringify(extra));
  }
  const batch = REF.cases.batch_greedy!;
  assert.deepEqual(gen(llama, { input_ids: ids(batch.input_ids), attention_mask: ids(batch.attention_mask), max_new_tokens: 12, pad_token_id: 0, cache_implementation: 'static' }), batch.sequences);
});

test('BeamHypotheses keeps the num_beams best and applies the early_stopping rules', () => {
  const h = new BeamHypotheses(2, 1.0, false, 20);
  h.add([1], -4, 2); // -2
  h.add([2], -3, 1); // -3
  assert.equal(h.worstScore, -3);
  h.add([3], -2, 2); // -1 replaces -3
  assert.deepEqual(h.beams.map((b) => b.score).sort(), [-1, -2]);
  assert.equal(h.worstScore, -2);
  h.add([4], -9, 3); // -3: worse than the worst kept, dropped
  assert.equal(h.length, 2);
  // early_stopping false: done when the best running sum at the current length cannot beat the worst kept
  assert.equal(h.isDone(-3, 5, 2), false); // -3 / 3 = -1 > -2
  assert.equal(h.isDone(-9, 5, 2), true); // -3 <= -2
  assert.equal(new BeamHypotheses(3, 1.0, true, 20).isDone(0, 5, 2), false, 'not before num_beams are finished');
  const always = new BeamHypotheses(1, 1.0, true, 20);
  always.add([1], -100, 1);
  assert.equal(always.isDone(0, 5, 2), true, 'early_stopping true: as soon as num_beams are finished');
  const never = new BeamHypotheses(1, 2.0, 'never', 20);
  never.add([1], -8, 2); // -2
  assert.equal(never.isDone(-100, 5, 2), false, "'never' with length_penalty > 0 scores at max_length: -100 / 18^2 > -2");
  assert.equal(new BeamHypotheses(1, 2.0, false, 20).isDone(-100, 5, 2), false);
});

test('no_repeat_ngram_size and bad_words_ids on stories260K', async () => {
  await ready;
  const greedy = gen(stories, { max_new_tokens: 120 })[0]!;
  const bigrams = (r: number[]): string[] => r.slice(1).map((t, i) => `${r[i]} ${t}`);
  assert.ok(new Set(bigrams(greedy)).size < bigrams(greedy).length, 'greedy repeats bigrams');
  const norep = gen(stories, { max_new_tokens: 120, no_repeat_ngram_size: 2 })[0]!;
  assert.equal(new Set(bigrams(norep)).size, bigrams(norep).length, 'no bigram twice');
  const lily = 317; // "▁Lily"
  assert.ok(greedy.includes(lily));
  const banned = gen(stories, { max_new_tokens: 120, bad_words_ids: [[lily]] })[0]!;
  assert.ok(!banned.includes(lily));
  // a two-token bad word: "." may not follow "▁Lily"
  const two = gen(stories, { max_new_tokens: 120, bad_words_ids: [[lily, 426]] })[0]!;
  assert.ok(two.includes(lily) && two.every((t, i) => !(i > 0 && two[i - 1] === lily && t === 426)));
});

test('options: camelCase aliases, generate(model) = model.generate, config precedence (model < generation_config < keywords)', async () => {
  await ready;
  const c = REF.cases.greedy!;
  const out = generate(llama, { inputIds: ids(c.input_ids), maxNewTokens: 12, padTokenId: 0, returnDictInGenerate: true, outputScores: true });
  assert.deepEqual(rows(out.sequences), c.sequences);
  assert.equal(out.scores!.length, 12);
  const saved = llama.generation_config;
  try {
    llama.generation_config = new GenerationConfig({ max_new_tokens: 4, pad_token_id: 0, return_dict_in_generate: true });
    const t = llama.generate({ input_ids: ids(c.input_ids) });
    assert.ok(t instanceof torch.Tensor, "the model's return_dict_in_generate does not change the return type");
    assert.equal(t.size(1), 9);
    t.dispose();
    assert.equal(gen(llama, { input_ids: ids(c.input_ids), generation_config: new GenerationConfig({ max_new_tokens: 6 }) })[0]!.length, 11);
    assert.equal(gen(llama, { input_ids: ids(c.input_ids), generation_config: new GenerationConfig({ max_new_tokens: 6 }), max_new_tokens: 2 })[0]!.length, 7);
    assert.deepEqual(llama.generation_config.max_new_tokens, 4, 'generate() does not modify the model default');
  } finally {
    llama.generation_config = saved;
  }
});

test('tensor lifetime: generate() inside tidy leaves nothing; outputs are owned by the caller\'s scope', async () => {
  await ready;
  const c = REF.cases.batch_greedy!;
  const live = torch.liveTensorCount();
  torch.tidy(() => {
    llama.generate({ input_ids: ids(c.input_ids), attention_mask: ids(c.attention_mask), max_new_tokens: 12, pad_token_id: 0, return_dict_in_generate: true, output_scores: true, output_logits: true });
    llama.generate({ input_ids: ids(c.input_ids), attention_mask: ids(c.attention_mask), num_beams: 2, max_new_tokens: 5, pad_token_id: 0 });
  });
  assert.equal(torch.liveTensorCount(), live);
  assert.equal(torch.isGradEnabled(), true, 'gradients are switched back on');
});

test('every causal-LM family through the same forward contract: DynamicCache, no cache and static cache give the same tokens (greedy and beams, left-padded)', async () => {
  for (const name of ['gpt2_lm', 'opt_lm', 'gpt_neo_lm', 'llama_lm', 'qwen2_lm']) {
    const m = await AutoModelForCausalLM.fromPretrained(join(MODELS, name));
    const input = { input_ids: ids([[5, 6, 7, 8, 9, 10], [0, 0, 11, 12, 13, 14]]), attention_mask: ids([[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]]), max_new_tokens: 10, pad_token_id: 0 };
    for (const mode of [{}, { num_beams: 2 }]) {
      const [dyn, none, stat] = [{}, { use_cache: false }, { cache_implementation: 'static' }].map((c) => gen(m, { ...input, ...mode, ...c }));
      assert.equal(dyn![0]!.length, 16);
      assert.deepEqual(none, dyn, `${name} ${JSON.stringify(mode)} no cache`);
      assert.deepEqual(stat, dyn, `${name} ${JSON.stringify(mode)} static cache`);
    }
  }
});
