// decoder-lms.test.ts — causal LMs of the families and options the shared fixtures leave out, against
// transformers 5.18 (test/fixtures/decoder-lms, scripts/fixtures/gen_decoder_lms.py): Qwen3 (q/k
// RMSNorm, head_dim != hidden / heads; attention_bias with tied head), Mistral with a sliding window of
// 3 on 8 tokens, Qwen2 with use_sliding_window on its upper layer, Llama with llama3 / yarn / linear /
// dynamic RoPE scaling (dynamic: 8 tokens over max_position_embeddings 6). Every fixture's config.json
// is transformers 5.x's (rope_parameters, layer_types, dtype). Logits at every position (the 'min'
// mask matches eager even on fully masked rows), loss and every gradient, left and right padding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { AutoModelForCausalLM } from '../../src/models/index.js';

const FIXTURES = new URL('../fixtures/decoder-lms/', import.meta.url).pathname;
// Tolerances as parity.test.ts (fixtures/README.md).
const OUT_RTOL = 1e-4, OUT_ATOL = 1e-5, GRAD_RTOL = 1e-4, GRAD_ATOL = 1e-6;
const maxAbs = (t: torch.Tensor): number => torch.tidy(() => (t.numel() ? t.abs().max().item() : 0));
const names = existsSync(FIXTURES) ? readdirSync(FIXTURES).sort() : [];

test('the fixture set is there (a missing folder must fail, not skip)', () => {
  for (const n of ['qwen3_lm', 'qwen3_lm_bias_tied', 'mistral_lm_window3', 'qwen2_lm_sliding', 'llama_rope_llama3', 'llama_rope_yarn', 'llama_rope_linear', 'llama_rope_dynamic'])
    assert.ok(names.includes(n), n);
});

for (const name of names) {
  const dir = join(FIXTURES, name);
  const cls = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { architectures: string[] }).architectures[0]!;
  test(`${name}: ${cls} matches transformers 5.18 (left and right padding: logits, loss, every gradient)`, async (t) => {
    const model = await AutoModelForCausalLM.fromPretrained(dir, { onWarning: (m) => assert.fail(`unexpected load warning: ${m}`) });
    assert.equal(model.constructor.name, cls);
    const ref = await torch.safetensors.loadFile(join(dir, 'reference.safetensors'));
    const report: string[] = [];
    for (const side of ['left', 'right']) {
      const inputs: Record<string, torch.Tensor> = {};
      for (const [k, v] of Object.entries(ref)) if (k.startsWith(`${side}.input.`)) inputs[k.slice(side.length + 7)] = v;
      const gradNames = Object.keys(ref).filter((k) => k.startsWith(`${side}.grad.`)).map((k) => k.slice(side.length + 6));
      assert.deepEqual(model.namedParameters().map(([n]) => n).sort(), gradNames.sort(), 'named_parameters');
      torch.tidy(() => {
        model.train();
        model.zeroGrad();
        const out = model.forward(inputs as never);
        const want = ref[`${side}.output.logits`]!;
        const diff = out.logits.sub(want).abs(), bound = want.abs().mul(OUT_RTOL).add(OUT_ATOL);
        assert.equal(maxAbs(diff.sub(bound).relu()), 0, `${side} logits: max |diff| ${maxAbs(diff).toExponential(3)}`);
        const wl = ref[`${side}.output.loss`]!.item();
        assert.ok(Math.abs(out.loss!.item() - wl) <= OUT_RTOL * Math.abs(wl) + OUT_ATOL, `${side} loss ${out.loss!.item()} vs ${wl}`);
        out.loss!.backward();
        let worstRel = 0;
        for (const [n, p] of model.namedParameters()) {
          const g = ref[`${side}.grad.${n}`]!;
          const err = p.grad!.sub(g).norm().item(), norm = g.norm().item();
          assert.ok(err <= GRAD_RTOL * norm + GRAD_ATOL, `${side} ${n}: ||grad - ref|| = ${err.toExponential(3)} vs ||ref|| ${norm.toExponential(3)}`);
          if (norm > 1e-5) worstRel = Math.max(worstRel, err / norm);
        }
        report.push(`${side}: max |logit diff| ${maxAbs(diff).toExponential(2)}, max rel grad err ${worstRel.toExponential(2)}`);
      });
    }
    t.diagnostic(`${name}: ${report.join('; ')}`);
    for (const v of Object.values(ref)) v.dispose();
    model.zeroGrad();
    model.dispose();
  });
}
