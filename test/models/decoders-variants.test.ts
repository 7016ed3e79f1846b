// decoders-variants.test.ts — GPT-2, OPT and GPT-Neo built from configs other than the fixtures':
// GPT-2 with scale_attn_by_inverse_layer_idx, n_inner, an untied lm_head, unscaled scores, ReLU;
// OPT post-LayerNorm with project_in / project_out (opt-350m style), and without biases, LayerNorm
// affine or final LayerNorm; GPT-Neo with a local first layer and window 3. Each is compared with
// transformers (numbers from scripts/fixtures/gen_decoder_variants.py, weights set by a formula
// both sides compute exactly). Also: configs (attribute_map, derived fields, rules), HF's init,
// old GPT-2 checkpoints with attn.bias buffers, hidden_states, logits_to_keep, num_items_in_batch.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { LayerNorm, type Conv1D } from '../../src/nn/index.js';
import {
  AutoConfig, AutoModelForCausalLM, AutoModel, ConfigError, GPT2Config, GPT2LMHeadModel, GPT2Model, OPTConfig, OPTForCausalLM, OPTModel,
  GPTNeoConfig, GPTNeoForCausalLM, GPTNeoModel, type CausalLMOutput, type PreTrainedModel, type PretrainedConfig,
} from '../../src/models/index.js';
import { assertClose, sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
const dir = mkdtempSync(join(tmpdir(), 'tunekit-decoders-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every parameter (sorted by name, index k) = ((j * 7919 + k * 104729 + 17) mod 2003 / 2003 - 0.5) * 0.4, LayerNorm weights + 1. */
function fill(model: PreTrainedModel): void {
  const named = [...model.namedParameters()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const isNormWeight = (n: string): boolean => /(^|\.)(ln_[12f]|[a-z_]*layer_norm)\.weight$/.test(n);
  torch.noGrad(() => named.forEach(([n, p], k) => {
    const v = new Float32Array(p.numel());
    for (let j = 0; j < v.length; j++) v[j] = ((((j * 7919 + (k * 104729 + 17)) % 2003) / 2003 - 0.5) * 0.4) + (isNormWeight(n) ? 1 : 0);
    torch.tidy(() => { p.copy_(torch.tensor(v, { shape: p.shape })); });
  }));
}

interface Ref {
  num_parameters: number; loss: number; logits_0_last: number[]; logits_1_4: number[]; logits_real_l2: number; grad_total_l2: number; grad_l2: Record<string, number>;
}
const off = { resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0 };
const VARIANTS: Record<string, { config: () => PretrainedConfig; ref: Ref }> = {
  gpt2_inverse_layer_idx: {
    config: () => new GPT2Config({ vocab_size: 64, n_positions: 16, n_embd: 32, n_layer: 3, n_head: 4, n_inner: 48, scale_attn_by_inverse_layer_idx: true, tie_word_embeddings: false, ...off }),
    ref: { num_parameters: 27184, loss: 5.1385384, logits_0_last: [-1.129644, -0.34425828, -1.0158646, -0.36615604, -0.47949436, -0.47004107], logits_1_4: [1.1475148, -1.5322865, 0.92833877, -1.5434945, 0.89992338, -1.4555364], logits_real_l2: 36.624782, grad_total_l2: 18.156891, grad_l2: { 'lm_head.weight': 1.944033, 'transformer.h.0.attn.c_attn.bias': 3.1202619 } },
  },
  gpt2_unscaled_relu: {
    config: () => new GPT2Config({ vocab_size: 64, n_positions: 16, n_embd: 32, n_layer: 2, n_head: 2, scale_attn_weights: false, reorder_and_upcast_attn: true, activation_function: 'relu', layer_norm_epsilon: 1e-3, ...off }),
    ref: { num_parameters: 28032, loss: 4.9398065, logits_0_last: [0.3974334, -0.80352956, -0.24793331, -0.57330859, -0.59259063, 0.34514987], logits_1_4: [-0.54843742, -0.17848064, -0.35934475, 0.58153468, -0.20209222, 1.65309], logits_real_l2: 38.48466, grad_total_l2: 14.770605, grad_l2: { 'transformer.h.0.attn.c_attn.bias': 2.3695377, 'transformer.h.0.attn.c_attn.weight': 7.3622771 } },
  },
  opt_post_ln_projections: {
    config: () => new OPTConfig({ vocab_size: 64, hidden_size: 32, num_hidden_layers: 2, ffn_dim: 40, max_position_embeddings: 16, num_attention_heads: 4, word_embed_proj_dim: 16, do_layer_norm_before: false, dropout: 0, pad_token_id: 1 }),
    ref: { num_parameters: 16592, loss: 4.1707377, logits_0_last: [0.21536231, -0.047628116, -0.19260108, 0.19026729, 0.22859773, -0.09919063], logits_1_4: [-0.087550186, -0.017161891, -0.045403402, 0.25694081, -0.070309922, -0.063230112], logits_real_l2: 4.2944962, grad_total_l2: 1.3766806, grad_l2: { 'model.decoder.embed_positions.weight': 0.27181844, 'model.decoder.embed_tokens.weight': 0.93353387 } },
  },
  opt_no_bias_no_affine: {
    config: () => new OPTConfig({ vocab_size: 64, hidden_size: 32, num_hidden_layers: 2, ffn_dim: 40, max_position_embeddings: 16, num_attention_heads: 8, enable_bias: false, layer_norm_elementwise_affine: false, _remove_final_layer_norm: true, activation_function: 'gelu', dropout: 0, pad_token_id: 1 }),
    ref: { num_parameters: 15936, loss: 4.214169, logits_0_last: [0.42975742, -0.34252197, 0.31138536, -0.22503211, 0.00093722623, -0.23646519], logits_1_4: [0.074003011, -0.0082178041, -0.023944164, 0.2343908, -0.44470373, 0.22785926], logits_real_l2: 13.507306, grad_total_l2: 3.3387684, grad_l2: { 'model.decoder.embed_positions.weight': 0.60397082, 'model.decoder.embed_tokens.weight': 1.2796071 } },
  },
  gpt_neo_local_first: {
    config: () => new GPTNeoConfig({ vocab_size: 64, max_position_embeddings: 16, hidden_size: 32, num_layers: 3, attention_types: [[['local'], 1], [['global', 'local'], 1]], num_heads: 4, intermediate_size: 40, window_size: 3 }),
    ref: { num_parameters: 23288, loss: 4.4170332, logits_0_last: [0.38746765, -0.61308837, -0.087148055, 0.23735489, -0.12385336, 0.23099022], logits_1_4: [-0.6926868, 0.38493147, -1.1290197, 0.75582975, -1.2488127, 0.7528069], logits_real_l2: 14.159333, grad_total_l2: 4.5040419, grad_l2: { 'transformer.h.0.attn.attention.k_proj.weight': 0.20222928, 'transformer.h.0.attn.attention.out_proj.bias': 0.16043212 } },
  },
};

// Tolerances as fixtures/README.md (the reference ran on torch 2.13, this on the addon's libtorch).
const OUT = { rtol: 1e-4, atol: 1e-5 };
const B = 2, T = 7;
const inputIds = (): number[][] => Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (b * 31 + t * 17 + 3) % 64));
const maskRows = (): number[][] => [new Array<number>(T).fill(1), [1, 1, 1, 1, 1, 0, 0]];

for (const [name, v] of Object.entries(VARIANTS)) {
  test(`${name}: logits, loss and gradients match transformers`, (t) => {
    const model = AutoModelForCausalLM.fromConfig(v.config());
    fill(model);
    model.eval(); // dropout 0 anyway; keeps OPT's layerdrop out
    assert.equal(model.numParameters(), v.ref.num_parameters, 'num_parameters');
    const r = v.ref;
    const got = torch.tidy(() => {
      const ids = torch.tensor(inputIds(), { dtype: 'int64' }), am = torch.tensor(maskRows(), { dtype: 'int64' });
      const out = model.forward({ input_ids: ids, attention_mask: am, labels: ids.maskedFill(am.eq(0), -100) }) as CausalLMOutput;
      out.loss!.backward();
      const real = out.logits.index([am.bool()]); // (real tokens, V)
      const grads = new Map(model.namedParameters().map(([n, p]) => [n, p.grad!.double().norm().item()]));
      return {
        loss: out.loss!.item(), l0: [...(out.logits.select(0, 0).select(0, T - 1).narrow(0, 0, 6).toTypedArray() as Float32Array)],
        l1: [...(out.logits.select(0, 1).select(0, 4).narrow(0, 0, 6).toTypedArray() as Float32Array)],
        l2: real.double().norm().item(), gradTotal: Math.sqrt([...grads.values()].reduce((s, g) => s + g * g, 0)), grads,
      };
    });
    assertClose(got.loss, r.loss, { ...OUT, msg: 'loss' });
    assertClose(got.l0, r.logits_0_last, { ...OUT, msg: 'logits[0, -1, :6]' });
    assertClose(got.l1, r.logits_1_4, { ...OUT, msg: 'logits[1, 4, :6]' });
    assertClose(got.l2, r.logits_real_l2, { rtol: 1e-5, msg: '||logits at real tokens||' });
    assertClose(got.gradTotal, r.grad_total_l2, { rtol: 1e-4, msg: 'total gradient norm' });
    for (const [n, g] of Object.entries(r.grad_l2)) assertClose(got.grads.get(n)!, g, { rtol: 1e-4, msg: `||grad ${n}||` });
    t.diagnostic(`${name}: loss ${got.loss} (HF ${r.loss}), |grad| ${got.gradTotal.toPrecision(8)} (HF ${r.grad_total_l2})`);
    model.dispose();
  });
}

test('variant structure: OPT projections / post-LN / no final norm, GPT-2 untied head, GPT-Neo layer kinds', () => {
  const opt = new OPTForCausalLM(VARIANTS.opt_post_ln_projections!.config() as OPTConfig);
  const d = opt.model.decoder;
  assert.ok(d.project_in && d.project_out, 'word_embed_proj_dim 16 != hidden_size 32: projections');
  assert.equal(d.final_layer_norm, null, 'post-LN: no decoder final_layer_norm');
  assert.deepEqual(opt.lm_head.weight.shape, [64, 16]);
  assert.equal(opt.lm_head.weight, d.embed_tokens.weight, 'tied');
  assert.deepEqual(d.embed_positions.weight.shape, [18, 32], 'max_position_embeddings + 2 rows');
  const plain = new OPTForCausalLM(VARIANTS.opt_no_bias_no_affine!.config() as OPTConfig);
  assert.equal(plain.model.decoder.final_layer_norm, null, '_remove_final_layer_norm');
  assert.ok(plain.namedParameters().every(([n]) => !n.endsWith('.bias') && !n.includes('layer_norm')), 'no biases, no LayerNorm parameters');
  const g = new GPT2LMHeadModel(VARIANTS.gpt2_inverse_layer_idx!.config() as GPT2Config);
  assert.notEqual(g.lm_head.weight, g.transformer.wte.weight, 'tie_word_embeddings false');
  assert.deepEqual(g.transformer.h[0]!.mlp.c_fc.weight.shape, [32, 48], 'Conv1D (in, out), n_inner 48');
  assert.deepEqual([0, 1, 2].map((i) => g.transformer.h[i]!.attn.scale), [0, 1, 2].map((i) => 1 / Math.sqrt(8) / (i + 1)));
  const neo = new GPTNeoForCausalLM(VARIANTS.gpt_neo_local_first!.config() as GPTNeoConfig);
  assert.deepEqual(neo.config.attention_layers, ['local', 'global', 'local']);
  assert.deepEqual([0, 1, 2].map((i) => neo.transformer.h[i]!.attn.slidingWindow), [3, null, 3]);
  for (const m of [opt, plain, g, neo]) m.dispose();
});

test('configs: attribute_map aliases, derived fields, HF defaults, rules that name the field', () => {
  const g = new GPT2Config({ hidden_size: 64, num_attention_heads: 8, num_hidden_layers: 3, max_position_embeddings: 128 });
  assert.deepEqual([g.n_embd, g.n_head, g.n_layer, g.n_positions, g.innerDim], [64, 8, 3, 128, 256]);
  assert.deepEqual([g.bos_token_id, g.eos_token_id, g.activation_function, g.vocab_size], [50256, 50256, 'gelu_new', 50257]);
  assert.throws(() => new GPT2Config({ n_embd: 30, n_head: 4 }), (e: Error) => e instanceof ConfigError && /n_embd \(30\) must be a multiple of n_head \(4\)/.test(e.message));
  assert.throws(() => new GPT2Config({ activation_function: 'swishy' }), /GPT2Config\.activation_function must be one of .*got "swishy"/);
  assert.throws(() => new GPT2Config({ n_ctx: 1024 } as never), /unknown field 'n_ctx'/);

  const o = new OPTConfig({ hidden_size: 64, num_attention_heads: 4 });
  assert.equal(o.word_embed_proj_dim, 64, 'null word_embed_proj_dim = hidden_size (as HF, written as the number)');
  assert.match(o.toJsonString(), /"word_embed_proj_dim": 64/);
  assert.deepEqual([o.pad_token_id, o.bos_token_id, o.eos_token_id, o.activation_function], [1, 2, 2, 'relu']);
  assert.throws(() => new OPTConfig({ pad_token_id: 300, vocab_size: 256 }), /OPTConfig\.pad_token_id must be in \[0, vocab_size=256\), got 300/);
  assert.throws(() => new OPTConfig({ dropout: 1.5 }), /OPTConfig\.dropout must be a number >= 0 and <= 1, got 1\.5/);

  const n = new GPTNeoConfig({ num_layers: 4, attention_types: [[['global', 'local'], 2]], num_attention_heads: 2, hidden_size: 8 });
  assert.deepEqual(n.attention_layers, ['global', 'local', 'global', 'local']);
  assert.equal(n.num_heads, 2);
  assert.deepEqual(new GPTNeoConfig().attention_layers.length, 24, 'HF default: [[["global", "local"], 12]]');
  assert.throws(() => new GPTNeoConfig({ num_layers: 3, attention_types: [[['global', 'local'], 2]] }),
    /len\(attention_layers\) = 4 must equal num_layers = 3; attention_layers is expanded from attention_types/);
  assert.throws(() => new GPTNeoConfig({ attention_types: [[['global', 'sparse'], 12]] } as never), /GPTNeoConfig\.attention_types must be a list of/);
  n.update({ attention_types: [[['local'], 3]], num_layers: 3 });
  assert.deepEqual(n.attention_layers, ['local', 'local', 'local'], 'update(attention_types) re-derives attention_layers');
});

test('fixture configs: attention_layers from config.json, re-saved; AutoModel gives the base classes', async () => {
  const neo = await AutoConfig.fromPretrained(join(MODELS, 'gpt_neo_lm')) as GPTNeoConfig;
  assert.deepEqual(neo.attention_layers, ['global', 'local']);
  assert.equal(neo.window_size, 4);
  for (const [name, cls] of [['gpt2_lm', GPT2Model], ['opt_lm', OPTModel], ['gpt_neo_lm', GPTNeoModel]] as const) {
    // A head checkpoint into the base model: the prefix (transformer. / model.) is stripped, as HF.
    const base = await AutoModel.fromPretrained(join(MODELS, name), { onWarning: (w) => assert.fail(w) });
    assert.ok(base instanceof cls, `${name}: ${base.constructor.name}`);
    base.dispose();
  }
});

test('HF init: GPT-2 c_proj ~ N(0, initializer_range / sqrt(2 n_layer)), OPT uses init_std, GPT-Neo initializer_range; LayerNorm 1/0, biases 0', () => {
  torch.manualSeed(0);
  const std = (t: torch.Tensor): number => torch.tidy(() => t.std().item());
  const g = new GPT2LMHeadModel(new GPT2Config({ n_embd: 256, n_head: 4, n_layer: 8, vocab_size: 512, n_positions: 64, initializer_range: 0.02 }));
  const blk = g.transformer.h[3]!;
  const attn = blk.attn as unknown as Record<'c_attn' | 'c_proj', Conv1D>; // registered under HF's names
  // 256x768 / 256x256 / 1024x256 samples: the sample std is within ~1% of sigma.
  assertClose(std(attn.c_attn.weight), 0.02, { rtol: 0.03, msg: 'c_attn' });
  assertClose(std(blk.mlp.c_fc.weight), 0.02, { rtol: 0.03, msg: 'c_fc' });
  assertClose(std(attn.c_proj.weight), 0.02 / 4, { rtol: 0.03, msg: 'attn.c_proj' });
  assertClose(std(blk.mlp.c_proj.weight), 0.02 / 4, { rtol: 0.03, msg: 'mlp.c_proj' });
  assertClose(std(g.transformer.wte.weight), 0.02, { rtol: 0.03, msg: 'wte' });
  assert.equal(torch.tidy(() => attn.c_attn.bias.abs().max().item()), 0);
  assert.equal(torch.tidy(() => blk.ln_1.weight!.sub(1).abs().max().item()), 0);
  const o = new OPTForCausalLM(new OPTConfig({ hidden_size: 256, num_attention_heads: 4, ffn_dim: 512, num_hidden_layers: 1, vocab_size: 512, init_std: 0.05 }));
  const l0 = o.model.decoder.layers[0]!;
  assertClose(std(l0.fc1.weight), 0.05, { rtol: 0.03, msg: 'OPT fc1' });
  assertClose(std(o.model.decoder.embed_positions.weight), 0.05, { rtol: 0.03, msg: 'OPT positions' });
  assert.equal(torch.tidy(() => o.model.decoder.embed_tokens.weight.select(0, 1).abs().max().item()), 0, 'padding row 0');
  const n = new GPTNeoForCausalLM(new GPTNeoConfig({ hidden_size: 256, num_heads: 4, num_layers: 2, attention_types: [[['global', 'local'], 1]], vocab_size: 512, initializer_range: 0.03 }));
  assertClose(std(n.transformer.h[1]!.mlp.c_proj.weight), 0.03, { rtol: 0.03, msg: 'GPT-Neo c_proj (no special scaling)' });
  assert.ok(n.transformer.h[0]!.ln_2 instanceof LayerNorm);
  for (const m of [g, o, n]) m.dispose();
});

test('an old GPT-2 checkpoint (bare GPT2Model keys with h.N.attn.bias / masked_bias buffers) loads into GPT2LMHeadModel silently', async () => {
  const src = await GPT2LMHeadModel.fromPretrained(join(MODELS, 'gpt2_lm'));
  const entries: [string, torch.Tensor][] = [];
  for (const [k, v] of src.transformer.stateDict()) entries.push([k, v]);
  const n = src.config.n_positions;
  const bias = torch.ones([n, n], { dtype: 'uint8' }).tril().view(1, 1, n, n).keep(), masked = torch.tensor(-1e4).keep();
  for (let i = 0; i < src.config.n_layer; i++) entries.push([`h.${i}.attn.bias`, bias], [`h.${i}.attn.masked_bias`, masked]);
  const out = join(dir, 'old-gpt2');
  mkdirSync(out, { recursive: true });
  await torch.safetensors.saveSharded(entries, out, { metadata: { format: 'pt' } });
  await src.config.savePretrained(out);
  const warnings: string[] = [];
  const m = await GPT2LMHeadModel.fromPretrained(out, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, [], 'no unexpected/missing-key warnings');
  assert.deepEqual(m.loadingInfo?.unexpectedKeys, []);
  torch.tidy(() => {
    const ids = torch.tensor([[3, 1, 4, 1, 5]], { dtype: 'int64' });
    assert.ok(torch.equal((m.forward({ input_ids: ids }) as CausalLMOutput).logits, (src.forward({ input_ids: ids }) as CausalLMOutput).logits));
  });
  bias.dispose(); masked.dispose(); m.dispose(); src.dispose();
});

test('hidden_states (L + 1, the last after the final norm), logits_to_keep, num_items_in_batch, token_type_ids', async () => {
  for (const name of ['gpt2_lm', 'opt_lm', 'gpt_neo_lm']) {
    const m = await AutoModelForCausalLM.fromPretrained(join(MODELS, name));
    m.eval();
    torch.tidy(() => {
      const ids = torch.tensor([[5, 17, 200, 33, 9], [1, 2, 3, 4, 5]], { dtype: 'int64' });
      const out = m.forward({ input_ids: ids, labels: ids, output_hidden_states: true }) as CausalLMOutput;
      const layers = (m.config as unknown as { num_hidden_layers: number }).num_hidden_layers;
      assert.equal(out.hidden_states!.length, layers + 1, `${name}: hidden_states`);
      const base = (m as unknown as { baseModel: PreTrainedModel }).baseModel;
      const bout = base.forward({ input_ids: ids }) as { last_hidden_state: torch.Tensor };
      assert.ok(torch.equal(out.hidden_states![layers]!, bout.last_hidden_state), `${name}: last hidden state = last_hidden_state`);
      assert.ok(!torch.equal(out.hidden_states![0]!, out.hidden_states![1]!));
      const kept = m.forward({ input_ids: ids, logits_to_keep: 2 }) as CausalLMOutput;
      assert.deepEqual(kept.logits.shape, [2, 2, out.logits.size(2)]);
      // lm_head over 2 rows instead of 5: another BLAS blocking, float32 rounding (~2e-7) apart.
      assertClose(kept.logits, out.logits.narrow(1, 3, 2), { rtol: 1e-5, atol: 1e-6, msg: `${name}: logits_to_keep` });
      // num_items_in_batch: sum of token losses / n (8 predicted tokens here, any n).
      const summed = m.forward({ input_ids: ids, labels: ids, num_items_in_batch: 20 }) as CausalLMOutput;
      assertClose(summed.loss!.item(), out.loss!.item() * 8 / 20, { rtol: 1e-6, msg: `${name}: num_items_in_batch` });
      if (name !== 'opt_lm') {
        const tt = m.forward({ input_ids: ids, token_type_ids: torch.onesLike(ids) } as never) as CausalLMOutput;
        assert.ok(!torch.allclose(tt.logits, out.logits), `${name}: token_type_ids are embedded with wte and added`);
      }
    });
    m.dispose();
  }
});
