// parity.test.ts — every folder of shared/fixtures/hf/models whose model_type tunekit implements
// is loaded through AutoModelFor<task of reference.json's class> and must reproduce transformers'
// logits, loss and the gradient of every parameter (train mode; the fixtures' dropout is 0).
// Data-driven: a new fixture folder is tested with no change here; nothing depends on sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { knownModelTypes } from '../../src/models/index.js';
import { autoClassFor } from '../auto-classes.js';
import { sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');

interface Reference {
  class: string;
  num_parameters: number;
  num_trainable_parameters: number;
  state_dict_keys_not_in_named_parameters: string[];
  grads: { per_param: Record<string, { l2: number; abs_max: number }> };
}

// Tolerances (fixtures/README.md): float32 vs float64 runs differ by ~5e-7 in logits and ~1e-6 in
// gradients; these leave a hundredfold margin.
const OUT_RTOL = 1e-4, OUT_ATOL = 1e-5;
const GRAD_RTOL = 1e-4, GRAD_ATOL = 1e-6;
// Mathematically zero gradients (softmax shift invariance: key biases, QA's qa_outputs.bias and
// last output LayerNorm bias) are float32 noise in the reference (abs_max < 1e-6): absolute check.
const ZERO_GRAD_MAX = 1e-6, ZERO_GRAD_ATOL = 1e-5;

function maxAbs(t: torch.Tensor): number {
  return torch.tidy(() => (t.numel() ? t.abs().max().item() : 0));
}

for (const name of existsSync(MODELS) ? readdirSync(MODELS).sort() : []) {
  const dir = join(MODELS, name);
  if (!existsSync(join(dir, 'reference.json'))) continue;
  const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as Reference;
  const modelType = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { model_type: string }).model_type;
  const auto = autoClassFor(ref.class);
  const skip = !knownModelTypes().includes(modelType) ? `model_type '${modelType}' is not implemented yet`
    : !auto ? `no Auto class for ${ref.class}` : false;

  test(`${name}: ${ref.class} matches transformers (outputs, loss, every gradient)`, { skip }, async (t) => {
    const model = await auto!.fromPretrained(dir, { onWarning: (m) => assert.fail(`unexpected load warning: ${m}`) });
    assert.equal(model.constructor.name, ref.class);
    assert.equal(model.numParameters(), ref.num_parameters, 'num_parameters');
    assert.equal(model.numParameters({ onlyTrainable: true }), ref.num_trainable_parameters, 'trainable parameters');
    const paramNames = model.namedParameters().map(([n]) => n);
    assert.deepEqual([...paramNames].sort(), Object.keys(ref.grads.per_param).sort(), 'named_parameters');
    const aliases = [...model.stateDict().keys()].filter((k) => !paramNames.includes(k)).sort();
    assert.deepEqual(aliases, [...ref.state_dict_keys_not_in_named_parameters].sort(), 'state_dict keys beyond named_parameters (tied aliases)');

    const file = await torch.safetensors.loadFile(join(dir, 'reference.safetensors'));
    const inputs: Record<string, torch.Tensor> = {};
    for (const [k, v] of Object.entries(file)) if (k.startsWith('input.')) inputs[k.slice(6)] = v;
    const report: string[] = [];
    torch.tidy(() => {
      model.train();
      const out = model.forward(inputs) as unknown as Record<string, torch.Tensor>;
      let worstOut = 0;
      for (const [k, want] of Object.entries(file)) {
        if (!k.startsWith('output.')) continue;
        const got = out[k.slice(7)];
        assert.ok(got, `forward() returned no '${k.slice(7)}'`);
        assert.deepEqual(got.shape, want.shape, `${k} shape`);
        const diff = got.sub(want).abs(), bound = want.abs().mul(OUT_RTOL).add(OUT_ATOL);
        const excess = maxAbs(diff.sub(bound).relu());
        worstOut = Math.max(worstOut, maxAbs(diff));
        assert.equal(excess, 0, `${k}: max |diff| ${maxAbs(diff).toExponential(3)} exceeds ${OUT_RTOL}|b| + ${OUT_ATOL}`);
      }
      assert.ok(out.loss, 'loss');
      out.loss!.backward();
      let worstRel = 0, worstRelName = '', worstZero = 0;
      for (const [n, p] of model.namedParameters()) {
        const want = file[`grad.${n}`];
        assert.ok(want, `reference has no grad.${n}`);
        const got = p.grad;
        assert.ok(got, `${n} has no gradient`);
        const err = got.sub(want).norm().item(), norm = want.norm().item();
        if (ref.grads.per_param[n]!.abs_max < ZERO_GRAD_MAX) {
          const e = maxAbs(got.sub(want));
          worstZero = Math.max(worstZero, e);
          assert.ok(e <= ZERO_GRAD_ATOL, `${n}: zero-gradient parameter off by ${e.toExponential(3)} (abs tol ${ZERO_GRAD_ATOL})`);
          continue;
        }
        const rel = err / norm;
        if (rel > worstRel) { worstRel = rel; worstRelName = n; }
        assert.ok(err <= GRAD_RTOL * norm + GRAD_ATOL, `${n}: ||grad - ref|| = ${err.toExponential(3)} > ${GRAD_RTOL}·${norm.toExponential(3)} + ${GRAD_ATOL}`);
      }
      report.push(`max |out diff| ${worstOut.toExponential(2)}, max rel grad err ${worstRel.toExponential(2)} (${worstRelName}), max zero-grad abs ${worstZero.toExponential(2)}`);
    });
    t.diagnostic(`${name}: ${report.join('; ')}`);
    for (const v of Object.values(file)) v.dispose();
    model.zeroGrad();
    model.dispose();
  });
}

test('the fixture folder exists and holds the encoder fixtures', () => {
  for (const n of ['bert_seqcls', 'bert_seqcls_bin', 'distilbert_mlm', 'roberta_seqcls']) assert.ok(existsSync(join(MODELS, n)), `${n} in ${MODELS}`);
});
