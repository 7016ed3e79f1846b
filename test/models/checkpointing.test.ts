// checkpointing.test.ts — gradient checkpointing (PreTrainedModel.gradientCheckpointingEnable): the
// same gradients as a plain backward (Llama, BERT, DistilBERT heads, T5 / T5 v1.1 / UMT5 encoder-decoders;
// dropout masks replayed from the saved RNG state; every other layer; frozen embeddings), a plain forward leaving only its outputs' handles, no
// leak, HF's use_cache rule, and a loud error when the second half of the backward is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import '../../src/generation/index.js';
import {
  AutoModelForCausalLM, AutoModelForSequenceClassification, AutoModelForTokenClassification, DistilBertConfig, DistilBertForTokenClassification,
  LlamaConfig, LlamaForCausalLM, GPT2Config, GPT2LMHeadModel, AutoModelForSeq2SeqLM, T5Config, T5ForConditionalGeneration,
  UMT5Config, UMT5ForConditionalGeneration, type PreTrainedModel,
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

for (const [name, auto] of [['llama_lm', AutoModelForCausalLM], ['bert_seqcls', AutoModelForSequenceClassification], ['distilbert_tokcls', AutoModelForTokenClassification], ['gpt2_lm', AutoModelForCausalLM], ['opt_lm', AutoModelForCausalLM], ['gpt_neo_lm', AutoModelForCausalLM],
  ['t5_seq2seq', AutoModelForSeq2SeqLM], ['t5v11_seq2seq', AutoModelForSeq2SeqLM]] as const) {
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

// T5: the position bias (block 0's bucket table, trained) and the encoder output (read by every decoder block's
// cross-attention) feed several checkpointed blocks; their gradients gather over all of them first
test('T5 / UMT5 with dropout: every block, every other block, the packed encoder, a frozen bucket table — the plain gradients', () => {
  const seq2seq = { vocab_size: 48, d_model: 16, d_kv: 4, d_ff: 24, num_layers: 3, num_decoder_layers: 2, num_heads: 4, relative_attention_num_buckets: 8,
    relative_attention_max_distance: 10, dropout_rate: 0.2, decoder_start_token_id: 0 };
  const i64 = { dtype: 'int64' } as const;
  const mask = torch.tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0]], i64);
  const inputs = { input_ids: torch.randint(2, 48, [2, 7]).mul(mask), attention_mask: mask, labels: torch.tensor([[5, 6, 7, 1], [8, 9, 1, -100]], i64) };
  for (const [what, make] of [
    ['t5 gated-gelu', () => new T5ForConditionalGeneration(new T5Config({ ...seq2seq, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false }))],
    ['t5 relu tied', () => new T5ForConditionalGeneration(new T5Config({ ...seq2seq }))],
    ['umt5', () => new UMT5ForConditionalGeneration(new UMT5Config({ ...seq2seq }))],
  ] as const) {
    torch.manualSeed(4);
    const model = make();
    const plain = step(model, inputs, 9);
    model.gradientCheckpointingEnable();
    const ckpt = step(model, inputs, 9);
    assert.equal(ckpt.loss, plain.loss, `${what}: the same forward`);
    assert.equal(ckpt.leaked, 0, `${what}: no tensor outlives the step`);
    assert.equal(pendingCheckpoints(), 0);
    const tables = [...ckpt.grads.keys()].filter((n) => n.includes('relative_attention_bias'));
    assert.equal(tables.length, what === 'umt5' ? 5 : 2, `${what}: the bucket tables get gradients`);
    assertSameGrads(plain.grads, ckpt.grads, what);
    model.gradientCheckpointingEnable({ everyNLayers: 2 });
    const again = step(model, inputs, 9);
    assertSameGrads(step((model.gradientCheckpointingDisable(), model), inputs, 9).grads, again.grads, `${what}, every other block`);
    // the packed encoder of a chunked training forward (the Seq2SeqTrainer's)
    model.lossType = 'chunked_nll';
    const packedPlain = step(model, inputs, 9);
    model.gradientCheckpointingEnable();
    assertSameGrads(packedPlain.grads, step(model, inputs, 9).grads, `${what}, packed encoder`);
    // LoRA-style: the bucket tables frozen (no stand-in for the bias then)
    for (const [n, p] of model.namedParameters()) if (n.includes('relative_attention_bias')) p.requiresGrad_(false);
    const frozen = step(model, inputs, 9);
    model.gradientCheckpointingDisable();
    assertSameGrads(step(model, inputs, 9).grads, frozen.grads, `${what}, frozen tables`);
    model.dispose();
  }
  for (const v of Object.values(inputs)) v.dispose();
});

test('T5: use_cache in training is turned off (HF T5Stack; its warning is the Llama test\'s, once per process); generate() after checkpointed training runs plainly', () => {
  torch.manualSeed(5);
  const model = new T5ForConditionalGeneration(new T5Config({ vocab_size: 32, d_model: 16, d_kv: 4, d_ff: 24, num_layers: 2, num_heads: 4, dropout_rate: 0, decoder_start_token_id: 0 }));
  model.gradientCheckpointingEnable();
  const ids = torch.tensor([[4, 5, 6, 1]], { dtype: 'int64' }), labels = torch.tensor([[7, 8, 1]], { dtype: 'int64' });
  torch.tidy(() => {
    model.train();
    const out = model.forward({ input_ids: ids, labels, use_cache: true });
    assert.equal(out.past_key_values, undefined, 'no cache while checkpointed blocks train');
    assert.equal(pendingCheckpoints(), 4, '2 encoder blocks + 2 decoder blocks await their recomputation');
    model.backward(out.loss!);
    assert.equal(pendingCheckpoints(), 0);
  });
  model.eval();
  const gen = model.generate({ input_ids: ids, max_new_tokens: 3, do_sample: false });
  assert.equal(pendingCheckpoints(), 0, 'generate() never checkpoints');
  assert.equal(gen.size(1), 4);
  gen.dispose();
  model.dispose();
});
