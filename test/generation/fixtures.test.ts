// fixtures.test.ts — generate() against transformers 4.47.1's generate() on the tiny fixture
// checkpoints (shared/fixtures/hf/generation/<name>/reference.json): greedy, repetition penalty,
// beam search with sequences_scores, a left-padded batch, and a batch where one row hits EOS and
// is then filled with pad_token_id. Token ids exactly; the scores of the chosen tokens, the
// top-1/top-2 margins and the beam scores at 1e-4 relative (float32 runs of the same ops).
// Data-driven over the fixture folders: a folder runs once its model_type is registered, and the
// list of folders that ran is asserted (llama_lm, qwen2_lm, and gpt2_lm once gpt2 is known).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { AutoModelForCausalLM, knownModelTypes, type PreTrainedModel } from '../../src/models/index.js';
import '../../src/generation/index.js';
import { assertClose, sharedDir } from '../helpers.js';

const GEN = sharedDir('fixtures', 'hf', 'generation');
const MODELS = sharedDir('fixtures', 'hf', 'models');
/** Encoder-decoder folders: test/generation/seq2seq.test.ts runs them (encoder once, decoder from decoder_start_token_id). */
const LATER = new Set(['t5_seq2seq', 't5v11_seq2seq']);

interface Case {
  input_ids: number[][];
  attention_mask: number[][];
  generate_kwargs: Record<string, unknown>;
  sequences: number[][];
  new_tokens: number[][];
  top1_minus_top2?: number[][];
  chosen_scores?: number[][];
  sequences_scores?: number[];
  row0_stops_after_new_tokens?: number;
}
interface Reference { model: string; cases: Record<string, Case>; generation_config: Record<string, unknown> }

const folders = readdirSync(GEN).filter((n) => !n.startsWith('.')).sort();
const known = knownModelTypes();
const modelTypeOf = (name: string): string => {
  const ref = JSON.parse(readFileSync(join(GEN, name, 'reference.json'), 'utf8')) as Reference;
  return (JSON.parse(readFileSync(join(MODELS, ref.model.replace(/^models\//, ''), 'config.json'), 'utf8')) as { model_type: string }).model_type;
};
const runnable = folders.filter((n) => !LATER.has(n) && known.includes(modelTypeOf(n)));

test('the fixture folders that run: llama_lm, qwen2_lm, and gpt2_lm once gpt2 is registered; T5 left out explicitly', () => {
  for (const l of LATER) assert.ok(folders.includes(l), `expected the fixture folder ${l}`);
  assert.ok(runnable.includes('llama_lm') && runnable.includes('qwen2_lm'), `ran: ${runnable.join(', ')}`);
  if (known.includes('gpt2')) assert.ok(runnable.includes('gpt2_lm'), 'gpt2 is registered, so gpt2_lm must run');
  // every folder is either run or waiting for its architecture (named here so it cannot vanish silently)
  const waiting = folders.filter((n) => !LATER.has(n) && !runnable.includes(n));
  for (const n of waiting) assert.ok(!known.includes(modelTypeOf(n)), `${n} should run`);
});

const ids = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const fl32 = (t: torch.Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);

for (const name of runnable) {
  const ref = JSON.parse(readFileSync(join(GEN, name, 'reference.json'), 'utf8')) as Reference;
  let model: PreTrainedModel | null = null;
  const load = async (): Promise<PreTrainedModel> => {
    model ??= await AutoModelForCausalLM.fromPretrained(join(MODELS, ref.model.replace(/^models\//, '')), { onWarning: (w) => assert.fail(w) });
    return model;
  };

  test(`${name}: the model's generation_config is the checkpoint's generation_config.json (HF defaults)`, async () => {
    const m = await load();
    const g = m.generation_config;
    for (const k of ['bos_token_id', 'eos_token_id', 'pad_token_id']) assert.deepEqual((g as unknown as Record<string, unknown>)[k], ref.generation_config[k] ?? null, k);
  });

  for (const [caseName, c] of Object.entries(ref.cases)) {
    test(`${name} ${caseName}: sequences equal transformers' generate()`, async () => {
      const m = await load();
      const inputIds = ids(c.input_ids), mask = ids(c.attention_mask);
      const live = torch.liveTensorCount();
      const out = m.generate({ input_ids: inputIds, attention_mask: mask, ...c.generate_kwargs, return_dict_in_generate: true, output_scores: true });
      const outputs = [out.sequences, ...(out.scores ?? []), ...(out.sequences_scores ? [out.sequences_scores] : [])];
      assert.equal(torch.liveTensorCount(), live + outputs.length, 'generate() leaves only its outputs alive (cache and buffers freed)');
      torch.tidy(() => {
      assert.deepEqual(out.sequences.toArray(), c.sequences);
      assert.deepEqual(out.sequences.narrow(1, c.input_ids[0]!.length, c.new_tokens[0]!.length).toArray(), c.new_tokens);
      if (c.sequences_scores) {
        // tolerance: HF's beam scores are float32 sums of float32 log-probs; ours the same ops (1e-4 relative, fixtures/README)
        assertClose(out.sequences_scores!, c.sequences_scores, { rtol: 1e-4, atol: 0, msg: `${name} ${caseName} sequences_scores` });
      }
      if (c.chosen_scores) {
        // the processed score of each chosen token and the top-1 / top-2 margin, per row while it runs
        c.chosen_scores.forEach((row, r) => {
          const got = row.map((_, s) => fl32(out.scores![s]!.select(0, r)));
          assertClose(got.map((v, s) => v[c.new_tokens[r]![s]!]!), row, { rtol: 1e-4, atol: 1e-5, msg: `${caseName} row ${r} chosen scores` });
          const margins = got.map((v) => { const [a, b] = [...v].sort((x, y) => y - x); return a! - b!; });
          assertClose(margins, c.top1_minus_top2![r]!, { rtol: 1e-3, atol: 1e-5, msg: `${caseName} row ${r} margins` });
        });
      }
      if (c.row0_stops_after_new_tokens !== undefined) {
        const row0 = c.sequences[0]!.slice(c.input_ids[0]!.length);
        assert.equal(row0[c.row0_stops_after_new_tokens - 1], c.generate_kwargs.eos_token_id);
        assert.ok(row0.slice(c.row0_stops_after_new_tokens).every((t) => t === c.generate_kwargs.pad_token_id));
      }
      });
      for (const t of [...outputs, inputIds, mask]) t.dispose();
    });
  }
}
