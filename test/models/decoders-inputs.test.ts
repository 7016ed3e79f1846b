// decoders-inputs.test.ts — bad inputs to GPT-2, OPT and GPT-Neo fail with errors naming the
// argument and the limit, before any lookup (not an index error from libtorch): sequences longer
// than the learned position table, with and without a KV cache (past + new tokens), ids outside
// the vocabulary, position ids outside the table. A failed step leaves the cache as it was.
// OPT counts positions over tokens, not padding, so a left-padded row may be longer than the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { DynamicCache } from '../../src/nn/index.js';
import { AutoModelForCausalLM, type CausalLMOutput, type TaskModels } from '../../src/models/index.js';
import { sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
// Fixture sizes (each config.json): 64 positions, 256 tokens.
const MAX_POS = 64, VOCAB = 256;
const FAMILIES = [
  ['gpt2_lm', 'GPT2LMHeadModel', 'n_positions \\(max_position_embeddings\\)'],
  ['opt_lm', 'OPTForCausalLM', 'max_position_embeddings'],
  ['gpt_neo_lm', 'GPTNeoForCausalLM', 'max_position_embeddings'],
] as const;

type LM = TaskModels['causal-lm'];
const row = (n: number, start = 3): number[] => Array.from({ length: n }, (_, i) => (start + 7 * i) % VOCAB);
const ids = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
/** Not a libtorch index error: a RangeError from the model's own checks. */
const clear = (re: RegExp) => (e: unknown): boolean => {
  assert.ok(!(e instanceof torch.TorchError), `expected a clear error, got a TorchError: ${(e as Error).message}`);
  assert.ok(e instanceof RangeError, `expected a RangeError, got ${String(e)}`);
  assert.match((e as Error).message, re);
  return true;
};

for (const [name, cls, field] of FAMILIES) {
  test(`${name}: a sequence longer than the position table, with or without a cache, names the limit`, async () => {
    const m: LM = await AutoModelForCausalLM.fromPretrained(join(MODELS, name));
    m.eval();
    torch.tidy(() => {
      // Exactly the table fits; one more token does not.
      assert.equal((m.forward({ input_ids: ids([row(MAX_POS)]) }) as CausalLMOutput).logits.size(1), MAX_POS);
      assert.throws(() => m.forward({ input_ids: ids([row(MAX_POS + 1)]) }),
        clear(new RegExp(`^${cls}: input_ids has shape \\[1, 65\\]: sequence length 65 exceeds max_position_embeddings 64`)));
    });
    // With a cache: 60 cached + 5 new = 65 positions.
    for (const withMask of [false, true]) {
      const cache = new DynamicCache();
      torch.tidy(() => {
        m.forward({ input_ids: ids([row(60)]), past_key_values: cache, ...(withMask ? { attention_mask: ids([new Array<number>(60).fill(1)]) } : {}) });
        assert.equal(cache.getSeqLength(), 60);
        const step = { input_ids: ids([row(5, 11)]), past_key_values: cache, ...(withMask ? { attention_mask: ids([new Array<number>(65).fill(1)]) } : {}) };
        const msg = name === 'opt_lm' && withMask
          ? /^OPTModel: a row of attention_mask holds 65 tokens \(padding excluded, over 60 cached \+ 5 new columns\): positions exceed max_position_embeddings 64/
          : new RegExp(`^${cls.replace(/LMHeadModel|ForCausalLM/, 'Model')}: 60 cached \\+ 5 new tokens = 65 positions exceed ${field} 64`);
        assert.throws(() => m.forward(step), clear(msg));
        assert.equal(cache.getSeqLength(), 60, 'the failed step cached nothing');
        // Decoding on token by token: the 64th position works, the 65th is refused.
        for (let p = 60; p < MAX_POS; p++)
          m.forward({ input_ids: ids([[7]]), past_key_values: cache, ...(withMask ? { attention_mask: ids([new Array<number>(p + 1).fill(1)]) } : {}) });
        assert.equal(cache.getSeqLength(), MAX_POS);
        assert.throws(() => m.forward({ input_ids: ids([[7]]), past_key_values: cache, ...(withMask ? { attention_mask: ids([new Array<number>(65).fill(1)]) } : {}) }),
          clear(/65 (positions exceed|tokens)/));
      });
      cache.dispose();
    }
    m.dispose();
  });

  test(`${name}: ids outside the vocabulary and position ids outside the table are refused before the lookup`, async () => {
    const m: LM = await AutoModelForCausalLM.fromPretrained(join(MODELS, name));
    torch.tidy(() => {
      assert.throws(() => m.forward({ input_ids: ids([[1, 2, VOCAB]]) }),
        clear(new RegExp(`^${cls}: input_ids contains id 256; input_ids must lie in \\[0, vocab_size\\) = \\[0, 256\\)`)));
      assert.throws(() => m.forward({ input_ids: ids([[1, -1, 2]]) }), clear(/input_ids contains id -1; input_ids must lie in \[0, vocab_size\) = \[0, 256\)/));
      assert.throws(() => m.forward({ input_ids: ids([[1, 2, 3]]), position_ids: ids([[62, 63, 64]]) }),
        clear(/position_ids contains position 64; position_ids must lie in \[0, max_position_embeddings\) = \[0, 64\)/));
      // Given position ids are what is looked up: a cache past the table is fine while they fit.
      const cache = new DynamicCache();
      m.forward({ input_ids: ids([row(40)]), past_key_values: cache });
      const out = m.forward({ input_ids: ids([row(30)]), past_key_values: cache, position_ids: ids([row(30).map((_, i) => i)]) }) as CausalLMOutput;
      assert.deepEqual(out.logits.shape, [1, 30, VOCAB]);
      cache.dispose();
    });
    m.dispose();
  });
}

test('opt_lm: positions count tokens, not padding: a left-padded row may run past the table with a cache (as HF); more tokens than the table may not', async () => {
  const m: LM = await AutoModelForCausalLM.fromPretrained(join(MODELS, 'opt_lm'));
  m.eval();
  const cache = new DynamicCache(), plain = new DynamicCache();
  torch.tidy(() => {
    // 2 pads + 60 tokens, then 4 decoding steps: the mask spans 66 > 64 columns, the row has 64 tokens.
    const mask = [0, 0, ...new Array<number>(60).fill(1)];
    let padded = m.forward({ input_ids: ids([[1, 1, ...row(60)]]), attention_mask: ids([mask]), past_key_values: cache }) as CausalLMOutput;
    let alone = m.forward({ input_ids: ids([row(60)]), past_key_values: plain }) as CausalLMOutput;
    let worst = padded.logits.narrow(1, 2, 60).sub(alone.logits).abs().max().item();
    for (let s = 0; s < 4; s++) {
      mask.push(1);
      padded = m.forward({ input_ids: ids([[9 + s]]), attention_mask: ids([mask]), past_key_values: cache }) as CausalLMOutput;
      alone = m.forward({ input_ids: ids([[9 + s]]), past_key_values: plain }) as CausalLMOutput;
      worst = Math.max(worst, padded.logits.sub(alone.logits).abs().max().item());
    }
    assert.equal(cache.getSeqLength(), 66);
    // Positions 0..63 for the 64 real tokens: the logits of the same row without padding.
    assert.ok(worst < 1e-5, `left-padded vs unpadded logits: ${worst}`);
    mask.push(1);
    assert.throws(() => m.forward({ input_ids: ids([[3]]), attention_mask: ids([mask]), past_key_values: cache }),
      clear(/^OPTModel: a row of attention_mask holds 65 tokens \(padding excluded, over 66 cached \+ 1 new columns\)/));
    // Without a cache the whole sequence is checked against the table first (tokenizers truncate to it).
    assert.throws(() => m.forward({ input_ids: ids([[1, 1, ...row(MAX_POS)]]), attention_mask: ids([[0, 0, ...new Array<number>(MAX_POS).fill(1)]]) }),
      clear(/sequence length 66 exceeds max_position_embeddings 64/));
  });
  cache.dispose(); plain.dispose(); m.dispose();
});
