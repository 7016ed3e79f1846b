// checkpointing.test.ts — gradient checkpointing (PreTrainedModel.gradientCheckpointingEnable): the
// same gradients as a plain backward (Llama, BERT, DistilBERT heads; dropout masks replayed from the
// saved RNG state; every other layer; frozen embeddings), a plain forward leaving only its outputs' handles, no
// leak, HF's use_cache rule, and a loud error when the second half of the backward is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import {
  AutoModelForCausalLM, AutoModelForSequenceClassification, AutoModelForTokenClassification, DistilBertConfig, DistilBertForTokenClassification,
  LlamaConfig, LlamaForCausalLM, GPT2Config, GPT2LMHeadModel, type PreTrainedModel,
} from '../../src/models/index.js';
import { pendingCheckpoints } from '../../src/models/utils/gradient-checkpointing.js';
import { sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
type Fwd = { forward(i: Record<string, torch.Tensor>): { loss?: torch.Tensor } };

async function inputsOf(name: string): Promise<Record<string, torch.Tensor>> {
  const file = await torch.safetensors.loadFile(join(MODELS, name, 'reference.safetensors'));
  const out: Record<string, torch.Tensor> = {};
  for (const [k, v] of Object.entries(file)) if (k.startsWith('input.') && k !== 'input.decoder_input_ids') out[k.slice(6)] = v; else v.dispose();
  return out;
}

/** Gradients of one training step (cloned, by name); `seed` before the forward (dropout). */
function step(model: PreTrainedModel, inputs: Record<string, torch.Tensor>, seed = 0): { grads: Map<string, torch.Tensor>; liveAfterForward: number; leaked: number; loss: number } {
  const live0 = torch.liveTensorCount();
  model.train();
  model.zeroGrad();
  torch.manualSeed(seed);
  let liveAfterForward = 0;
  const loss = torch.tidy(() => {
    const out = (model as unknown as Fwd).forward(inputs);
    liveAfterForward = torch.liveTensorCount();
    model.backward(out.loss!);
    return out.loss!.item() as number;
  });
  const leaked = torch.liveTensorCount() - live0;
  const grads = new Map<string, torch.Tensor>();
  for (const [n, p] of model.namedParameters()) {
    const g = p.grad;
    if (g) { grads.set(n, torch.keep(g.clone())); g.dispose(); }
  }
  return { grads, liveAfterForward: liveAfterForward - live0, leaked, loss };
}

function assertSameGrads(a: Map<string, torch.Tensor>, b: Map<string, torch.Tensor>, what: string): number {
  assert.deepEqual([...b.keys()], [...a.keys()], `${what}: the same parameters have gradients`);
  let worst = 0;
  for (const [n, ga] of a) {
    const gb = b.get(n)!;
    const d = torch.tidy(() => ga.sub(gb).abs().max().item() as number), scale = torch.tidy(() => ga.abs().max().item() as number);
    worst = Math.max(worst, d);
    assert.ok(d <= 1e-6 * scale + 1e-9, `${what}: ${n} differs by ${d.toExponential(3)} (max |g| ${scale.toExponential(3)})`); // float32 summation order only
  }
  for (const t of [...a.values(), ...b.values()]) t.dispose();
  return worst;
}

for (const [name, auto] of [['llama_lm', AutoModelForCausalLM], ['bert_seqcls', AutoModelForSequenceClassification], ['distilbert_tokcls', AutoModelForTokenClassification], ['gpt2_lm', AutoModelForCausalLM], ['opt_lm', AutoModelForCausalLM], ['gpt_neo_lm', AutoModelForCausalLM]] as const) {
  test(`${name}: checkpointed layers give the gradients of a plain backward; a plain forward leaves only its outputs' handles`, async (t) => {
    const model = await auto.fromPretrained(join(MODELS, name), { onWarning: () => {} });
    const inputs = await inputsOf(name);
    const plain = step(model, inputs);
    model.gradientCheckpointingEnable();
    assert.ok(model.isGradientCheckpointing);
    const ckpt = step(model, inputs);
    assert.equal(ckpt.leaked, 0, 'no tensor outlives the step');
    assert.equal(plain.leaked, 0);
    assert.equal(pendingCheckpoints(), 0, 'nothing left to recompute');
    assert.equal(ckpt.loss, plain.loss, 'the forward is the same computation');
    const worst = assertSameGrads(plain.grads, ckpt.grads, name);
    // every module's forward is its own tidy scope (nn/module.ts): a plain forward hands back its
    // outputs (loss, logits) and nothing else — autograd's graph holds the activations natively, so
    // handle counts no longer measure activation memory (bench/inference.ts measures RSS instead)
    assert.ok(plain.liveAfterForward <= 3, `live tensors after a plain forward: ${plain.liveAfterForward}`);
    t.diagnostic(`${name}: max |grad diff| ${worst.toExponential(2)}; live tensors after the forward ${ckpt.liveAfterForward} vs ${plain.liveAfterForward} plain`);
    model.gradientCheckpointingDisable();
    assert.ok(!model.isGradientCheckpointing);
    for (const v of Object.values(inputs)) v.dispose();
    model.dispose();
  });
}

test('dropout: the recomputation replays the forward\'s masks (CPU RNG state), and the RNG continues as without checkpointing', () => {
  torch.manualSeed(1);
  const model = new DistilBertForTokenClassification(new DistilBertConfig({ vocab_size: 40, dim: 32, n_layers: 3, n_heads: 4, hidden_dim: 48, max_position_embeddings: 16, num_labels: 3, dropout: 0.3, attention_dropout: 0.2 }));
  const inputs = { input_ids: torch.randint(0, 40, [2, 7]), labels: torch.randint(0, 3, [2, 7]) };
  const plain = step(model, inputs, 7);
  const after = torch.tidy(() => torch.rand([4]).toArray());
  model.gradientCheckpointingEnable();
  const ckpt = step(model, inputs, 7);
  assert.deepEqual(torch.tidy(() => torch.rand([4]).toArray()), after, 'the RNG stream after the step is unchanged');
  assert.equal(ckpt.loss, plain.loss);
  assertSameGrads(plain.grads, ckpt.grads, 'dropout 0.3');
  model.dispose();
});

test('every other layer, and frozen embeddings (HF\'s reentrant pitfall: the layers still get gradients)', () => {
  torch.manualSeed(2);
  const cfg = new LlamaConfig({ vocab_size: 64, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, pad_token_id: 0 });
  const model = new LlamaForCausalLM(cfg);
  const ids = torch.randint(1, 64, [2, 6]);
  const inputs = { input_ids: ids, attention_mask: torch.tensor([[0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]]), labels: ids };
  const plain = step(model, inputs);
  model.gradientCheckpointingEnable({ everyNLayers: 2 });
  assert.deepEqual([...model.model.layers].map((l) => (l as unknown as { gradientCheckpointing: boolean }).gradientCheckpointing), [true, false, true, false]);
  assertSameGrads(plain.grads, step(model, inputs).grads, 'everyNLayers 2');
  model.getInputEmbeddings().weight.requiresGrad_(false);
  model.gradientCheckpointingEnable();
  const frozen = step(model, inputs);
  assert.ok(!frozen.grads.has('model.embed_tokens.weight'));
  assert.ok(frozen.grads.has('model.layers.0.self_attn.q_proj.weight'), 'the first layer has its gradient');
  for (const g of frozen.grads.values()) g.dispose();
  model.dispose();
});

test('a plain loss.backward() without the second half: the next forward says so; eval / noGrad do not checkpoint; use_cache is turned off', async () => {
  torch.manualSeed(3);
  const model = new LlamaForCausalLM(new LlamaConfig({ vocab_size: 64, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 }));
  model.gradientCheckpointingEnable();
  const ids = torch.randint(0, 64, [1, 5]);
  torch.tidy(() => { model.forward({ input_ids: ids, labels: ids }).loss!.backward(); });
  assert.throws(() => torch.tidy(() => model.forward({ input_ids: ids, labels: ids })), /previous backward was not finished.*model\.backward\(loss\)/s);
  model.finishCheckpointedBackward();
  assert.equal(pendingCheckpoints(), 0);
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', onWarning);
  torch.tidy(() => {
    torch.noGrad(() => model.forward({ input_ids: ids }));
    model.eval();
    model.forward({ input_ids: ids });
    assert.equal(pendingCheckpoints(), 0, 'eval and noGrad run the layers plainly');
    model.train();
    const out = model.forward({ input_ids: ids, use_cache: true });
    assert.equal(out.past_key_values, undefined, 'use_cache is turned off in training (HF)');
    assert.equal(pendingCheckpoints(), 2);
    model.gradientCheckpointingDisable();
    assert.equal(pendingCheckpoints(), 0);
  });
  await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
  process.off('warning', onWarning);
  assert.ok(warnings.some((w) => /use_cache=True` is incompatible with gradient checkpointing/.test(w)), warnings.join('; '));
  model.dispose();
});

test('a model without checkpointable layers refuses (HF\'s ValueError)', () => {
  const m = new GPT2LMHeadModel(new GPT2Config({ vocab_size: 16, n_embd: 8, n_layer: 0, n_head: 2, n_positions: 8 }));
  assert.throws(() => m.gradientCheckpointingEnable(), /GPT2LMHeadModel does not support gradient checkpointing/);
  m.dispose();
});
