// attn-implementation.test.ts — HF's attn_implementation: 'eager' sends every attention of a
// forward (nested models included) down the explicit math path, 'sdpa' (default) to libtorch's
// scaled_dot_product_attention; the outputs agree to float rounding; values tunekit lacks are
// refused naming what to use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { native } from '../../src/torch/native.js';
import { AutoModelForCausalLM, AutoModelForSequenceClassification } from '../../src/models/index.js';
import { sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures/hf/models');

/** Runs fn while recording the `eager` flag of every native sdpa call. */
function eagerFlags<T>(fn: () => T): { out: T; flags: boolean[] } {
  const n = native as unknown as Record<string, (...a: unknown[]) => unknown>;
  const orig = n.sdpa!;
  const flags: boolean[] = [];
  n.sdpa = (...a: unknown[]) => { flags.push(a[8] === true); return orig(...a); };
  try {
    return { out: fn(), flags };
  } finally {
    n.sdpa = orig;
  }
}

for (const [name, auto] of [['bert_seqcls', AutoModelForSequenceClassification], ['llama_lm', AutoModelForCausalLM], ['gpt2_lm', AutoModelForCausalLM]] as const) {
  test(`${name}: attn_implementation 'eager' vs 'sdpa' — every attention on the chosen path, the same logits`, async () => {
    const quiet = { onWarning: () => {} };
    const sdpa = await auto.fromPretrained(join(MODELS, name), quiet);
    const eager = await auto.fromPretrained(join(MODELS, name), { attn_implementation: 'eager', ...quiet });
    assert.equal(sdpa.attnImplementation, 'sdpa');
    assert.equal(eager.attnImplementation, 'eager');
    const ids = torch.tensor([[5, 9, 17, 3, 20, 41], [11, 12, 13, 14, 15, 16]], { dtype: 'int64' });
    const fwd = (m: typeof sdpa) => torch.noGrad(() => (m.forward({ input_ids: ids } as never) as { logits: torch.Tensor }).logits.keep());
    const a = eagerFlags(() => fwd(sdpa)), b = eagerFlags(() => fwd(eager));
    assert.ok(a.flags.length > 0 && a.flags.every((f) => !f), `sdpa: ${a.flags}`);
    assert.ok(b.flags.length === a.flags.length && b.flags.every((f) => f), `eager: ${b.flags}`);
    const d = torch.tidy(() => a.out.sub(b.out).abs().max().item());
    assert.ok(d < 1e-5, `logits differ by ${d}`);
    // set after loading, as model.config._attn_implementation in HF
    sdpa.attnImplementation = 'eager';
    assert.ok(eagerFlags(() => fwd(sdpa)).flags.every((f) => f));
  });
}

test('attn_implementation values tunekit lacks are refused, naming sdpa', async () => {
  await assert.rejects(AutoModelForCausalLM.fromPretrained(join(MODELS, 'llama_lm'), { attn_implementation: 'flash_attention_2' as never }), /'flash_attention_2' is not available in tunekit: 'sdpa' runs libtorch's/);
  const m = await AutoModelForCausalLM.fromPretrained(join(MODELS, 'llama_lm'), { onWarning: () => {} });
  assert.throws(() => { m.attnImplementation = 'fast' as never; }, /must be 'sdpa' or 'eager', got "fast"/);
});
