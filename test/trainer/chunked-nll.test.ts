// chunked-nll.test.ts — TrainingArguments.loss_type 'chunked_nll' beyond the HF curves of
// hf-curve.test.ts: GPT-2 (lm_head tied to wte, so the weight gradient joins the embedding's)
// trains to the same losses and weights as 'nll'; a training forward returns (B, 0, V) logits while
// evaluation still gets them all; and what cannot work is refused (LoRA on lm_head, a model that is
// not a causal LM, computeLossFunc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { GPT2LMHeadModel } from '../../src/models/gpt2/index.js';
import { LlamaForCausalLM } from '../../src/models/llama/index.js';
import { getPeftModel } from '../../src/peft/index.js';
import { sharedDir } from '../helpers.js';
import { TinyClassifier, lmRows, quietTrainer, testArgs } from './tiny.js';

const GPT2 = sharedDir('fixtures/hf/lora/gpt2_causal_lm', 'base');
const LLAMA = sharedDir('fixtures/hf/lora/llama_causal_lm', 'base');

async function gpt2Run(lossType: 'nll' | 'chunked_nll') {
  const model = await GPT2LMHeadModel.fromPretrained(GPT2);
  const v = model.config.vocab_size;
  const args = testArgs({ per_device_train_batch_size: 2, gradient_accumulation_steps: 2, max_steps: 4, logging_steps: 1, learning_rate: 5e-3, loss_type: lossType });
  const t = quietTrainer({ model, args, trainDataset: lmRows(16, { vocab: v, seed: 9 }), trainSampler: 'sequential' });
  await t.train();
  return { model, losses: t.state.log_history.filter((e) => e.loss !== undefined).map((e) => [e.loss!, e.grad_norm!] as [number, number]) };
}

test('GPT-2 (tied lm_head) trains with chunked_nll as with nll: same logged losses, grad norms and weights', async () => {
  const a = await gpt2Run('nll'), b = await gpt2Run('chunked_nll');
  assert.equal(a.model.lm_head.weight, a.model.transformer.wte.weight, 'tied');
  b.losses.forEach(([l, g], i) => {
    assert.ok(Math.abs(l - a.losses[i]![0]) <= 1e-4, `step ${i + 1}: loss ${l} vs ${a.losses[i]![0]}`);
    assert.ok(Math.abs(g - a.losses[i]![1]) <= 1e-5 * a.losses[i]![1], `step ${i + 1}: grad_norm ${g} vs ${a.losses[i]![1]}`);
  });
  const wa = new Map(a.model.namedParameters());
  const hs = a.model.config.n_embd;
  for (const [n, p] of b.model.namedParameters()) {
    const q = wa.get(n)!;
    if (n.endsWith('attn.c_attn.bias')) {
      // the key bias has a mathematically zero gradient (softmax is shift-invariant): AdamW moves it
      // on float32 noise by up to ~lr a step in both runs, so only the query and value parts compare
      for (const off of [0, 2 * hs]) {
        const d = torch.tidy(() => p.narrow(0, off, hs).sub(q.narrow(0, off, hs)).abs().max().item());
        assert.ok(d < 1e-5, `${n}[${off}:${off + hs}] differs by ${d}`);
      }
      continue;
    }
    const d = torch.tidy(() => p.sub(q).abs().max().item());
    assert.ok(d < 1e-5, `${n} differs by ${d}`);
  }
});

test('a chunked_nll training forward makes no logits; under noGrad (evaluation, generation) they are all there', async () => {
  const m = await LlamaForCausalLM.fromPretrained(LLAMA);
  m.lossType = 'chunked_nll';
  const ids = torch.tensor([[5, 9, 17, 3], [11, 12, 13, 14]], { dtype: 'int64' });
  const train = m.forward({ input_ids: ids, labels: ids });
  assert.deepEqual(train.logits.shape, [2, 0, m.config.vocab_size]);
  const evalOut = torch.noGrad(() => m.forward({ input_ids: ids, labels: ids }));
  assert.deepEqual(evalOut.logits.shape, [2, 4, m.config.vocab_size]);
  assert.ok(Math.abs(train.loss!.item() - evalOut.loss!.item()) < 1e-5, 'the same loss either way');
});

test('chunked_nll refuses a LoRA-wrapped lm_head, a model without lossType, and computeLossFunc', async () => {
  const lora = getPeftModel(await LlamaForCausalLM.fromPretrained(LLAMA), { target_modules: ['q_proj', 'lm_head'] });
  const t = quietTrainer({ model: lora, args: testArgs({ max_steps: 1, loss_type: 'chunked_nll' }), trainDataset: lmRows(4, { vocab: 100 }) });
  await assert.rejects(t.train(), /lm_head must be a plain Linear \(got LoraLinear/);
  assert.throws(() => quietTrainer({ model: new TinyClassifier(), args: testArgs({ loss_type: 'chunked_nll' }) }), /needs a causal LM .*got TinyClassifier/);
  const plain = await LlamaForCausalLM.fromPretrained(LLAMA);
  assert.throws(() => quietTrainer({ model: plain, args: testArgs({ loss_type: 'chunked_nll' }), computeLossFunc: (o) => o.loss as torch.Tensor }),
    /cannot be combined with computeLossFunc/);
  assert.throws(() => testArgs({ loss_type: 'dft' as never }), /loss_type/);
});
