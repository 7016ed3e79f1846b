// seq2seq.test.ts — encoder-decoder generate() (T5) against transformers' generate() on the tiny T5
// fixture checkpoints: shared/fixtures/hf/generation/{t5_seq2seq,t5v11_seq2seq} (transformers
// 4.47.1: greedy, repetition penalty, beams with sequences_scores, a right-padded batch, a batch
// where a row hits EOS) and test/fixtures/text2text/generate.json (scripts/fixtures/gen_text2text.py,
// transformers 5.18: default max_length, max_length, min_new_tokens, no_repeat_ngram_size, a padded
// batch with beams, an inferred mask, use_cache false, early stopping, decoder_start_token_id).
// Token ids exactly; scores at 1e-4 relative (float32 runs of the same ops). Also: the encoder runs
// once per call, sampling / streamGenerate run, outputs are the only tensors left, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { AutoModelForSeq2SeqLM, ConfigError, type PreTrainedModel } from '../../src/models/index.js';
import { GenerationConfig, streamGenerate, type GenerateOutput } from '../../src/generation/index.js';
import { assertClose, sharedDir } from '../helpers.js';

const GEN = sharedDir('fixtures', 'hf', 'generation');
const MODELS = sharedDir('fixtures', 'hf', 'models');
const NAMES = ['t5_seq2seq', 't5v11_seq2seq'];
const EXTRA = JSON.parse(readFileSync(new URL('../fixtures/text2text/generate.json', import.meta.url), 'utf8')) as {
  models: Record<string, Record<string, Case>>;
};

interface Case {
  input_ids: number[][];
  attention_mask: number[][] | null;
  generate_kwargs: Record<string, unknown>;
  sequences: number[][];
  new_tokens?: number[][];
  top1_minus_top2?: number[][];
  chosen_scores?: number[][];
  sequences_scores?: number[];
  row0_stops_after_new_tokens?: number;
}
interface Reference { model: string; class: string; cases: Record<string, Case>; generation_config: Record<string, unknown> }

const ids = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const fl32 = (t: torch.Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);
const models = new Map<string, PreTrainedModel>();
const load = async (name: string): Promise<PreTrainedModel> => {
  if (!models.has(name)) models.set(name, await AutoModelForSeq2SeqLM.fromPretrained(join(MODELS, name), { onWarning: (w) => assert.fail(w) }));
  return models.get(name)!;
};

/** Runs one case with scores on; checks that only the outputs stay alive; returns the output. */
function runCase(m: PreTrainedModel, c: Case): GenerateOutput {
  const inputIds = ids(c.input_ids), mask = c.attention_mask ? ids(c.attention_mask) : null;
  const live = torch.liveTensorCount();
  const out = m.generate({ input_ids: inputIds, attention_mask: mask, ...c.generate_kwargs, return_dict_in_generate: true, output_scores: true });
  const outputs = [out.sequences, ...(out.scores ?? []), ...(out.sequences_scores ? [out.sequences_scores] : [])];
  assert.equal(torch.liveTensorCount(), live + outputs.length, 'generate() leaves only its outputs alive (encoder output, cache and buffers freed)');
  inputIds.dispose(); mask?.dispose();
  return out;
}
const disposeOut = (out: GenerateOutput): void => { for (const t of [out.sequences, ...(out.scores ?? []), ...(out.sequences_scores ? [out.sequences_scores] : [])]) t.dispose(); };

for (const name of NAMES) {
  const ref = JSON.parse(readFileSync(join(GEN, name, 'reference.json'), 'utf8')) as Reference;

  test(`${name}: the fixture is a T5ForConditionalGeneration; generation_config carries decoder_start_token_id`, async () => {
    assert.equal(ref.class, 'T5ForConditionalGeneration');
    const m = await load(name);
    for (const k of ['decoder_start_token_id', 'eos_token_id', 'pad_token_id'])
      assert.deepEqual((m.generation_config as unknown as Record<string, unknown>)[k], ref.generation_config[k], k);
    // derived from the model config alone (no generation_config.json): HF from_model_config keeps it too
    assert.equal(GenerationConfig.fromModelConfig(m.config).decoder_start_token_id, ref.generation_config.decoder_start_token_id);
  });

  for (const [caseName, c] of Object.entries(ref.cases)) {
    test(`${name} ${caseName}: sequences equal transformers' generate()`, async () => {
      const out = runCase(await load(name), c);
      torch.tidy(() => {
        assert.deepEqual(out.sequences.toArray(), c.sequences);
        assert.equal(out.scores!.length, c.sequences[0]!.length - 1, 'one score tensor per decoder step');
        if (c.sequences_scores) assertClose(out.sequences_scores!, c.sequences_scores, { rtol: 1e-4, atol: 0, msg: `${caseName} sequences_scores` });
        if (c.chosen_scores) {
          // the processed score of each chosen token (sequences[r][s + 1]: after the start token) and the top-1 / top-2 margin
          c.chosen_scores.forEach((row, r) => {
            const got = row.map((_, s) => fl32(out.scores![s]!.select(0, r)));
            assertClose(got.map((v, s) => v[c.sequences[r]![s + 1]!]!), row, { rtol: 1e-4, atol: 1e-5, msg: `${caseName} row ${r} chosen scores` });
            const margins = got.map((v) => { const [a, b] = [...v].sort((x, y) => y - x); return a! - b!; });
            assertClose(margins, c.top1_minus_top2![r]!, { rtol: 1e-3, atol: 1e-5, msg: `${caseName} row ${r} margins` });
          });
        }
        if (c.row0_stops_after_new_tokens !== undefined) {
          const row0 = c.sequences[0]!.slice(1);
          assert.equal(row0[c.row0_stops_after_new_tokens - 1], c.generate_kwargs.eos_token_id);
          assert.ok(row0.slice(c.row0_stops_after_new_tokens).every((t) => t === c.generate_kwargs.pad_token_id));
        }
      });
      disposeOut(out);
    });
  }

  for (const [caseName, c] of Object.entries(EXTRA.models[name]!)) {
    test(`${name} ${caseName} (${JSON.stringify(c.generate_kwargs)}): sequences equal transformers' generate()`, async () => {
      const out = runCase(await load(name), c);
      assert.deepEqual(out.sequences.toArray(), c.sequences);
      if (c.sequences_scores) assertClose(out.sequences_scores!, c.sequences_scores, { rtol: 1e-4, atol: 1e-6, msg: `${caseName} sequences_scores` });
      disposeOut(out);
    });
  }
}

test('the encoder runs once per generate() call (greedy, beams, sampling; with and without the cache)', async () => {
  const m = await load('t5_seq2seq');
  const encoder = (m as unknown as { getEncoder(): { forward(i: unknown): unknown } }).getEncoder();
  const orig = encoder.forward;
  let calls = 0;
  encoder.forward = function (this: unknown, i: unknown) { calls++; return orig.call(this, i); };
  try {
    const c = EXTRA.models.t5_seq2seq!.batch_beam4_ret2!;
    for (const kw of [{}, { num_beams: 4, num_return_sequences: 2 }, { do_sample: true, num_return_sequences: 3 }, { use_cache: false }, { num_beams: 2, do_sample: true }]) {
      calls = 0;
      const seq = m.generate({ input_ids: ids(c.input_ids), attention_mask: ids(c.attention_mask!), max_new_tokens: 6, ...kw });
      assert.equal(calls, 1, `encoder forwards with ${JSON.stringify(kw)}`);
      seq.dispose();
    }
  } finally {
    encoder.forward = orig;
  }
});

test('sampling with top_k 1 equals greedy (each prompt num_return_sequences times); streamGenerate yields the greedy tokens', async () => {
  const m = await load('t5v11_seq2seq');
  const c = EXTRA.models.t5v11_seq2seq!.batch_inferred_mask!;
  const greedy = c.sequences;
  const sampled = m.generate({ input_ids: ids(c.input_ids), max_new_tokens: 8, do_sample: true, top_k: 1, num_return_sequences: 2 });
  assert.deepEqual(sampled.toArray(), greedy.flatMap((r) => [r, r]), 'top_k 1 sampling, each prompt twice (num_return_sequences expands the encoder output)');
  sampled.dispose();
  const steps: number[][] = [];
  let final: GenerateOutput | undefined;
  for await (const chunk of streamGenerate(m, { input_ids: ids(c.input_ids), max_new_tokens: 8 })) {
    if (chunk.done) final = chunk.output; else steps.push(chunk.tokens);
  }
  assert.deepEqual(final!.sequences.toArray(), greedy);
  assert.deepEqual(steps, greedy[0]!.slice(1).map((_, s) => greedy.map((r) => r[s + 1]!)), 'one chunk per decoder step, the start token not streamed');
  final!.sequences.dispose();
});

test('bad input: no decoder_start_token_id, no input_ids, a decoder_start_token_id list of the wrong length, a static cache', async () => {
  const m = await load('t5_seq2seq');
  const x = ids([[113, 78, 14, 76, 1]]);
  const saved = m.generation_config;
  const cfgStart = (m.config as unknown as { decoder_start_token_id: number | null }).decoder_start_token_id;
  try {
    m.generation_config = new GenerationConfig({ eos_token_id: 1, pad_token_id: 0 });
    (m.config as unknown as { decoder_start_token_id: number | null }).decoder_start_token_id = null;
    assert.throws(() => m.generate({ input_ids: x, max_new_tokens: 3 }), (e: Error) => e instanceof ConfigError && /needs decoder_start_token_id/.test(e.message));
    // bos_token_id is HF's fallback
    const seq = m.generate({ input_ids: x, max_new_tokens: 2, bos_token_id: 7 });
    assert.equal((seq.toArray() as number[][])[0]![0], 7);
    seq.dispose();
  } finally {
    m.generation_config = saved;
    (m.config as unknown as { decoder_start_token_id: number | null }).decoder_start_token_id = cfgStart;
  }
  assert.throws(() => m.generate({ max_new_tokens: 3 }), /give input_ids: the encoder's input/);
  assert.throws(() => m.generate({ input_ids: x, max_new_tokens: 3, decoder_start_token_id: [0, 0] }), /list of 2 ids but the batch has 1 prompts/);
  assert.throws(() => m.generate({ input_ids: x, max_new_tokens: 3, cache_implementation: 'static' }), /'static' is not supported for encoder-decoder/);
  assert.throws(() => m.generate({ input_ids: x, max_length: 1 }), /max_length is 1: nothing to generate/);
  assert.throws(() => m.generate({ input_ids: x, decoder_input_ids: x } as never), /decoder_input_ids.*decoder_start_token_id/);
  x.dispose();
});

test("beams share their prompt's encoder row (decoder_rows_per_source): the same tokens and scores as expanded copies", async () => {
  const m = await load('t5_seq2seq');
  const c = EXTRA.models.t5_seq2seq!.batch_beam4_ret2!;
  const self = m as unknown as { sharesEncoderRows: boolean };
  assert.equal(self.sharesEncoderRows, true);
  const run = (kw: Record<string, unknown>): { seq: number[][]; scores: number[] } => {
    const out = m.generate({ input_ids: ids(c.input_ids), attention_mask: ids(c.attention_mask!), max_new_tokens: 7, return_dict_in_generate: true, output_scores: true, ...kw });
    const r = { seq: out.sequences.toArray() as number[][], scores: out.sequences_scores ? fl32(out.sequences_scores) : fl32(out.scores!.at(-1)!) };
    disposeOut(out);
    return r;
  };
  for (const kw of [{ num_beams: 4, num_return_sequences: 2 }, { num_beams: 3, length_penalty: 0.5 }, { do_sample: true, num_return_sequences: 3, top_k: 1 }]) {
    const shared = run(kw);
    Object.defineProperty(m, 'sharesEncoderRows', { value: false, configurable: true });
    try {
      const expanded = run(kw);
      assert.deepEqual(shared.seq, expanded.seq, JSON.stringify(kw));
      assertClose(shared.scores, expanded.scores, { rtol: 1e-5, atol: 1e-5, msg: JSON.stringify(kw) });
    } finally {
      Object.defineProperty(m, 'sharesEncoderRows', { value: true, configurable: true });
    }
  }
  // the forward checks the row count against the encoder output
  torch.tidy(() => {
    const enc = (m as unknown as { getEncoder(): { forward(i: unknown): { last_hidden_state: torch.Tensor } } }).getEncoder().forward({ input_ids: ids(c.input_ids) });
    const fwd = (per: number, rows: number) => () => (m as unknown as { forward(i: unknown): unknown }).forward({
      encoder_outputs: { last_hidden_state: enc.last_hidden_state, decoder_rows_per_source: per }, decoder_input_ids: torch.zeros([rows, 1], { dtype: 'int64' }),
    });
    const b = c.input_ids.length;
    assert.doesNotThrow(fwd(3, 3 * b));
    assert.throws(fwd(3, 2 * b), /decoder_input_ids has batch size .* but the encoder output has .* rows for 3 decoder rows each/);
    assert.throws(fwd(0, b), /decoder_rows_per_source must be a positive integer, got 0/);
  });
});
