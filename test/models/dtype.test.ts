// dtype.test.ts — fromPretrained(dir, { dtype }) (HF torch_dtype= / dtype=): bfloat16 / float16 /
// float32 parameters, logits and loss of bfloat16 near float32's (Llama, BERT), RoPE's inv_freq kept
// in float32 as HF, 'auto' from config.json's torch_dtype (4.x) or dtype (5.x) or the weights
// themselves, and a bfloat16 save reloading as float32 exactly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { AutoModelForCausalLM, AutoModelForSequenceClassification, LlamaForCausalLM, type PreTrainedModel } from '../../src/models/index.js';
import { assertClose, sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
const tmp = mkdtempSync(join(tmpdir(), 'tunekit-dtype-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = { onWarning: (w: string) => assert.fail(w) };

async function inputsOf(name: string): Promise<Record<string, torch.Tensor>> {
  const file = await torch.safetensors.loadFile(join(MODELS, name, 'reference.safetensors'));
  const out: Record<string, torch.Tensor> = {};
  for (const [k, v] of Object.entries(file)) if (k.startsWith('input.')) out[k.slice(6)] = v; else v.dispose();
  return out;
}
const floatDtypes = (m: PreTrainedModel): string[] => [...new Set(m.parameters().map((p) => p.dtype))];

for (const [name, auto] of [['llama_lm', AutoModelForCausalLM], ['bert_seqcls', AutoModelForSequenceClassification]] as const) {
  test(`${name}: dtype 'bfloat16' gives bfloat16 parameters whose logits and loss are near float32's`, async (t) => {
    const ref = await auto.fromPretrained(join(MODELS, name), quiet);
    const bf = await auto.fromPretrained(join(MODELS, name), { dtype: 'bfloat16', ...quiet });
    assert.deepEqual(floatDtypes(ref), ['float32']);
    assert.deepEqual(floatDtypes(bf), ['bfloat16']);
    const inputs = await inputsOf(name);
    torch.tidy(() => {
      const a = bf.forward(inputs as never) as { logits: torch.Tensor; loss: torch.Tensor }, b = ref.forward(inputs as never) as { logits: torch.Tensor; loss: torch.Tensor };
      assert.equal(a.logits.dtype, 'bfloat16');
      const diff = a.logits.float().sub(b.logits).abs().max().item() as number, scale = b.logits.abs().max().item() as number;
      // bfloat16 keeps 8 significant bits (~4e-3 relative per rounding) through a 2-layer model
      assertClose(a.logits.float(), b.logits, { rtol: 0.05, atol: 0.03 * scale, msg: `${name} bf16 logits` });
      assertClose(a.loss.float().item() as number, b.loss.item() as number, { rtol: 0.02, msg: `${name} bf16 loss` });
      t.diagnostic(`${name}: bf16 vs fp32 logits max |diff| ${diff.toExponential(2)} (max |logit| ${scale.toFixed(3)}), loss ${(a.loss.float().item() as number).toFixed(5)} vs ${(b.loss.item() as number).toFixed(5)}`);
    });
    for (const v of Object.values(inputs)) v.dispose();
    ref.dispose(); bf.dispose();
  });
}

test('RoPE\'s inv_freq stays float32 under dtype bfloat16 (HF makes it in float32), so cos/sin are exact', async () => {
  const bf = await LlamaForCausalLM.fromPretrained(join(MODELS, 'llama_lm'), { dtype: 'bfloat16', ...quiet });
  assert.equal(bf.model.rotary_emb.inv_freq.dtype, 'float32');
  bf.dispose();
});

test('float16 and float32 parameters; float16 values are the float32 ones rounded (libtorch 1.13 has no float16 matmul on the CPU)', async () => {
  const dir = join(MODELS, 'llama_lm');
  const f32 = await LlamaForCausalLM.fromPretrained(dir, { dtype: 'float32', ...quiet });
  const f16 = await LlamaForCausalLM.fromPretrained(dir, { dtype: 'float16', ...quiet });
  assert.deepEqual(floatDtypes(f32), ['float32']);
  assert.deepEqual(floatDtypes(f16), ['float16']);
  torch.tidy(() => assert.ok(torch.equal(f16.lm_head.weight, f32.lm_head.weight.to('float16'))));
  f32.dispose(); f16.dispose();
});

test('dtype auto: config.json\'s torch_dtype (4.x) or dtype (5.x), else the weights\' own; a bfloat16 save reloads as float32 exactly', async () => {
  const src = await LlamaForCausalLM.fromPretrained(join(MODELS, 'llama_lm'), { dtype: 'bfloat16', ...quiet });
  const dir = join(tmp, 'bf16');
  await src.savePretrained(dir);
  const cfgPath = join(dir, 'config.json');
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  assert.equal(cfg.torch_dtype, 'bfloat16', 'savePretrained records the dtype');
  assert.equal((await LlamaForCausalLM.fromPretrained(dir, { dtype: 'auto', ...quiet })).dtype, 'bfloat16');
  const asF32 = await LlamaForCausalLM.fromPretrained(dir, quiet);
  assert.equal(asF32.dtype, 'float32', 'the default is float32 (transformers 4.x)');
  torch.tidy(() => assert.ok(torch.equal(asF32.lm_head.weight.to('bfloat16'), src.lm_head.weight) && torch.equal(asF32.lm_head.weight, src.lm_head.weight.float())));
  // transformers 5.x writes "dtype"
  delete cfg.torch_dtype;
  writeFileSync(cfgPath, JSON.stringify({ ...cfg, dtype: 'float16' }));
  assert.equal((await LlamaForCausalLM.fromPretrained(dir, { dtype: 'auto', onWarning: () => {} })).dtype, 'float16');
  // neither: the first floating tensor of the checkpoint (bfloat16 here)
  writeFileSync(cfgPath, JSON.stringify(cfg));
  assert.equal((await LlamaForCausalLM.fromPretrained(dir, { dtype: 'auto', onWarning: () => {} })).dtype, 'bfloat16');
  src.dispose(); asF32.dispose();
});
