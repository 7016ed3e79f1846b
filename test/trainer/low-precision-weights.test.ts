// low-precision-weights.test.ts — training a model whose weights are themselves bfloat16 / float16
// (no autocast), as seed runs do: from_pretrained(torch_dtype=bfloat16) + LoRA, model.half() on a
// PeftModel, adam_epsilon 1e-4.  peft's autocast_adapter_dtype makes adapters on a half base
// float32 (and `false` keeps the base's dtype); the Trainer trains them and the loss follows the
// float32 run within the precision of the base's dtype; float16 weights on a libtorch without
// float16 CPU kernels (1.13) are refused with the way out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { LlamaForCausalLM } from '../../src/models/llama/index.js';
import { getPeftModel, type PeftModel } from '../../src/peft/index.js';
import { sharedDir } from '../helpers.js';
import { lmRows, quietTrainer, testArgs } from './tiny.js';

const BASE = join(sharedDir('fixtures/hf/lora/llama_causal_lm'), 'base');
const [MAJOR, MINOR] = torch.version().split('.').map(Number) as [number, number];
const CPU_HALF = MAJOR > 2 || (MAJOR === 2 && MINOR >= 3);
const dtypes = (m: PeftModel, trainable: boolean): string[] => [...new Set(m.namedParameters().filter(([, p]) => p.requiresGrad === trainable).map(([, p]) => p.dtype))];

async function run(model: PeftModel): Promise<number[]> {
  const v = (model.config as { vocab_size: number }).vocab_size;
  const args = testArgs({ per_device_train_batch_size: 2, max_steps: 4, logging_steps: 1, learning_rate: 1e-3, adam_epsilon: 1e-4 });
  const t = quietTrainer({ model, args, trainDataset: lmRows(8, { vocab: v, seed: 3 }), trainSampler: 'sequential' });
  await t.train();
  return t.state.log_history.filter((e) => e.loss !== undefined).map((e) => e.loss!);
}
const lora = (base: LlamaForCausalLM, opts = {}): PeftModel => { torch.manualSeed(5); return getPeftModel(base, { target_modules: ['q_proj', 'v_proj'], init_lora_weights: 'gaussian' }, 'default', opts); };

test('a bfloat16 base (torch_dtype): LoRA adapters are float32 (peft autocast_adapter_dtype) and train with the float32 curve within bf16 precision', async () => {
  const ref = await run(lora(await LlamaForCausalLM.fromPretrained(BASE)));
  const m = lora(await LlamaForCausalLM.fromPretrained(BASE, { torch_dtype: 'bfloat16' }));
  assert.deepEqual(dtypes(m, true), ['float32'], 'adapters upcast');
  assert.deepEqual(dtypes(m, false), ['bfloat16'], 'the base stays bfloat16');
  const got = await run(m);
  got.forEach((l, i) => assert.ok(Math.abs(l - ref[i]!) / ref[i]! < 2e-2, `step ${i + 1}: ${l} vs float32 ${ref[i]}`));
  assert.ok(got.some((l, i) => l !== ref[i]), 'the bf16 base took part');
  const keep = lora(await LlamaForCausalLM.fromPretrained(BASE, { dtype: 'bfloat16' }), { autocast_adapter_dtype: false });
  assert.deepEqual(dtypes(keep, true), ['bfloat16'], 'autocast_adapter_dtype false keeps the base dtype');
  await assert.rejects(LlamaForCausalLM.fromPretrained(BASE, { dtype: 'bfloat16', torch_dtype: 'bfloat16' }), /give dtype or torch_dtype/);
});

test('model.half() on a PeftModel: pure float16 training with adam_epsilon 1e-4 (libtorch >= 2.3), or a clear refusal', async () => {
  const m = lora(await LlamaForCausalLM.fromPretrained(BASE)).half();
  assert.deepEqual([...new Set(m.namedParameters().map(([, p]) => p.dtype))], ['float16'], 'half() casts the adapters too, as torch');
  if (!CPU_HALF) {
    assert.throws(() => quietTrainer({ model: m, args: testArgs({ max_steps: 1 }), trainDataset: lmRows(2, { vocab: 100 }) }),
      /the model's weights are float16 .*no float16 matmul on CPU.*dtype 'bfloat16'/);
    return;
  }
  const ref = await run(lora(await LlamaForCausalLM.fromPretrained(BASE)));
  const got = await run(m);
  got.forEach((l, i) => assert.ok(Number.isFinite(l) && Math.abs(l - ref[i]!) / ref[i]! < 2e-2, `step ${i + 1}: ${l} vs float32 ${ref[i]}`));
});
