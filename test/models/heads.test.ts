// heads.test.ts — the shared task heads on decoders: every folder of test/fixtures/models (tiny
// Llama / Qwen2 heads from transformers 5.18, scripts/fixtures/gen_decoder_heads.py) must reproduce
// HF's logits, loss and every gradient for a left- and a right-padded batch; HF's last-non-pad
// pooling rule (no pad token: batch of one only; inputs_embeds: last position); state-dict names;
// the registry; a causal-LM checkpoint into a classifier reports what HF reports.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import {
  AutoConfig, AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoModelForQuestionAnswering,
  LlamaConfig, Qwen2Config, Qwen3Config, MistralConfig, LlamaForSequenceClassification, LlamaForQuestionAnswering,
  MistralForQuestionAnswering, Qwen3ForTokenClassification, BertForSequenceClassification, RobertaForSequenceClassification,
  DistilBertForSequenceClassification, lastNonPadIndex, type AutoModelFactory, type ModelTask,
} from '../../src/models/index.js';
import { sharedDir } from '../helpers.js';

const FIXTURES = new URL('../fixtures/models/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'tunekit-heads-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const AUTO: [string, AutoModelFactory<ModelTask>][] = [
  ['ForSequenceClassification', AutoModelForSequenceClassification],
  ['ForTokenClassification', AutoModelForTokenClassification],
  ['ForQuestionAnswering', AutoModelForQuestionAnswering],
];
// Tolerances as parity.test.ts (fixtures/README.md): float32 runs differ by ~5e-7 in outputs, ~1e-6 in gradients.
const OUT_RTOL = 1e-4, OUT_ATOL = 1e-5, GRAD_RTOL = 1e-4, GRAD_ATOL = 1e-6;
const silent = { onWarning: (m: string) => assert.fail(`unexpected load warning: ${m}`) };
const maxAbs = (t: torch.Tensor): number => torch.tidy(() => (t.numel() ? t.abs().max().item() : 0));

for (const name of existsSync(FIXTURES) ? readdirSync(FIXTURES).sort() : []) {
  const dir = join(FIXTURES, name);
  const cls = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { architectures: string[] }).architectures[0]!;
  test(`${name}: ${cls} matches transformers 5.18 (left and right padding: outputs, loss, every gradient)`, async (t) => {
    const auto = AUTO.find(([s]) => cls.endsWith(s))![1];
    const model = await auto.fromPretrained(dir, silent);
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
        const out = model.forward(inputs as never) as unknown as Record<string, torch.Tensor>;
        let worstOut = 0;
        for (const [k, want] of Object.entries(ref)) {
          if (!k.startsWith(`${side}.output.`) || k.endsWith('last_non_pad')) continue;
          const key = k.slice(side.length + 8);
          const got = out[key]!;
          assert.ok(got, `forward() returned no '${key}'`);
          assert.deepEqual(got.shape, want.shape, `${side} ${key} shape`);
          let diff = got.sub(want).abs(), bound = want.abs().mul(OUT_RTOL).add(OUT_ATOL);
          if (got.ndim === 3) {
            // Per-token outputs at real tokens (fixtures/README.md allows it): a left pad's query has every
            // key masked, and GPT-2 there differs from HF 5.18 (Llama matches even there).
            const real = inputs.attention_mask!.unsqueeze(-1).expand(...got.shape);
            diff = diff.mul(real); bound = bound.mul(real);
          }
          worstOut = Math.max(worstOut, maxAbs(diff));
          assert.equal(maxAbs(diff.sub(bound).relu()), 0, `${side} ${key}: max |diff| ${maxAbs(diff).toExponential(3)}`);
        }
        const last = ref[`${side}.output.last_non_pad`];
        if (last) {
          const idx = lastNonPadIndex(inputs.input_ids, model.config.pad_token_id, 3, cls) as torch.Tensor;
          assert.deepEqual(idx.toArray(), last.toArray(), `${side}: pooled positions`);
        }
        out.loss!.backward();
        let worstRel = 0;
        for (const [n, p] of model.namedParameters()) {
          const want = ref[`${side}.grad.${n}`]!, got = p.grad;
          assert.ok(got, `${n} has no gradient`);
          const err = got.sub(want).norm().item(), norm = want.norm().item();
          assert.ok(err <= GRAD_RTOL * norm + GRAD_ATOL, `${side} ${n}: ||grad - ref|| = ${err.toExponential(3)} vs ||ref|| ${norm.toExponential(3)}`);
          if (norm > 1e-5) worstRel = Math.max(worstRel, err / norm); // QA's qa_outputs.bias and final norm: zero up to noise
        }
        report.push(`${side}: max |out diff| ${worstOut.toExponential(2)}, max rel grad err ${worstRel.toExponential(2)}`);
      });
    }
    t.diagnostic(`${name}: ${report.join('; ')}`);
    // save + reload: the same keys (HF's names) and logits
    const out = join(tmp, name);
    await model.savePretrained(out);
    const again = await auto.fromPretrained(out, silent);
    assert.deepEqual([...again.stateDict().keys()], [...model.stateDict().keys()]);
    torch.tidy(() => {
      const inputs = { input_ids: ref['right.input.input_ids']!, attention_mask: ref['right.input.attention_mask']! };
      const a = model.forward(inputs) as unknown as Record<string, torch.Tensor>, b = again.forward(inputs) as unknown as Record<string, torch.Tensor>;
      const k = 'logits' in a ? 'logits' : 'start_logits';
      assert.ok(torch.equal(a[k]!, b[k]!), 'reloaded logits');
    });
    for (const v of Object.values(ref)) v.dispose();
    model.dispose(); again.dispose();
  });
}

test('HF\'s state-dict names: score without bias, qa_outputs beside `transformer` (Llama/Qwen) or `model` (Mistral), dropout + score for tokens', () => {
  const sizes = { vocab_size: 32, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, pad_token_id: 0 };
  const seq = new LlamaForSequenceClassification(new LlamaConfig({ ...sizes, num_labels: 3 }));
  const top = (m: { stateDict(): Map<string, unknown> }) => [...m.stateDict().keys()].filter((k) => !k.includes('layers.'));
  assert.deepEqual(top(seq), ['model.embed_tokens.weight', 'model.norm.weight', 'score.weight']);
  assert.deepEqual(top(new LlamaForQuestionAnswering(new LlamaConfig(sizes))), ['transformer.embed_tokens.weight', 'transformer.norm.weight', 'qa_outputs.weight', 'qa_outputs.bias']);
  assert.deepEqual(top(new MistralForQuestionAnswering(new MistralConfig(sizes))), ['model.embed_tokens.weight', 'model.norm.weight', 'qa_outputs.weight', 'qa_outputs.bias']);
  const tok = new Qwen3ForTokenClassification(new Qwen3Config({ ...sizes, head_dim: 8, num_labels: 4 }));
  assert.deepEqual(top(tok), ['model.embed_tokens.weight', 'model.norm.weight', 'score.weight', 'score.bias']);
  assert.equal((tok as unknown as { dropout: { p: number } }).dropout.p, 0.1, 'HF\'s default when the config has neither classifier_dropout nor hidden_dropout');
  // encoders keep theirs
  const enc = { vocab_size: 32, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, max_position_embeddings: 16 };
  const heads = (m: { stateDict(): Map<string, unknown> }, base: string) => [...m.stateDict().keys()].filter((k) => !k.startsWith(base));
  assert.deepEqual(heads(BertForSequenceClassification.fromConfig(new (BertForSequenceClassification.configClass as never as typeof LlamaConfig)(enc as never) as never), 'bert.'), ['classifier.weight', 'classifier.bias']);
  assert.deepEqual(heads(RobertaForSequenceClassification.fromConfig(new (RobertaForSequenceClassification.configClass as never as typeof LlamaConfig)(enc as never) as never), 'roberta.'),
    ['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias']);
  const dcfg = new (DistilBertForSequenceClassification.configClass as never as typeof LlamaConfig)({ vocab_size: 32, dim: 8, n_layers: 1, n_heads: 2, hidden_dim: 8, max_position_embeddings: 16 } as never);
  assert.deepEqual(heads(DistilBertForSequenceClassification.fromConfig(dcfg as never), 'distilbert.'), ['pre_classifier.weight', 'pre_classifier.bias', 'classifier.weight', 'classifier.bias']);
});

test('last-non-pad pooling: rightmost non-pad for left and right padding, a row of pads gives 0; no pad token: batch of one only; inputs_embeds: last position', () => {
  torch.tidy(() => {
    const ids = torch.tensor([[0, 0, 5, 6], [5, 6, 7, 0], [0, 0, 0, 0], [4, 0, 3, 0]], { dtype: 'int64' });
    assert.deepEqual((lastNonPadIndex(ids, 0, 4, 'X') as torch.Tensor).toArray(), [3, 2, 0, 2]);
    assert.equal(lastNonPadIndex(ids.narrow(0, 0, 1), null, 1, 'X'), -1);
    assert.throws(() => lastNonPadIndex(ids, null, 4, 'X'), /Cannot handle batch sizes > 1 if no padding token is defined/);
    assert.equal(lastNonPadIndex(null, 0, 4, 'X'), -1);
    // the model: without a pad token, a batch of one pools the last position; a batch of two fails
    torch.manualSeed(0);
    const cfg = { vocab_size: 32, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_labels: 2 };
    const m = new LlamaForSequenceClassification(new LlamaConfig(cfg));
    const one = torch.tensor([[3, 4, 5]], { dtype: 'int64' });
    const logits = m.forward({ input_ids: one }).logits;
    const h = m.model.forward({ input_ids: one }).last_hidden_state.select(1, 2);
    assert.ok(torch.allclose(logits, m.score.forward(h)), 'last position');
    assert.throws(() => m.forward({ input_ids: torch.tensor([[3, 4], [5, 6]], { dtype: 'int64' }) }), /batch sizes > 1/);
    m.dispose();
  });
});

test('the registry: AutoModelFor{Sequence,Token}Classification / QuestionAnswering build every decoder family\'s head', () => {
  const sizes = { vocab_size: 32, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, pad_token_id: 0 };
  for (const [Cfg, family] of [[LlamaConfig, 'Llama'], [Qwen2Config, 'Qwen2'], [Qwen3Config, 'Qwen3'], [MistralConfig, 'Mistral']] as const) {
    const c = new Cfg({ ...sizes, ...(family === 'Qwen3' ? { head_dim: 8 } : {}) });
    for (const [suffix, auto] of AUTO) {
      const m = auto.fromConfig(c);
      assert.equal(m.constructor.name, `${family}${suffix}`);
      assert.equal((m.constructor as unknown as { configClass: unknown }).configClass, Cfg);
      m.dispose();
    }
  }
});

test('the registry: GPT-2 / GPT-Neo (sequence, token, QA) and OPT (sequence, QA; HF has no OPT token head) under their HF names', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['gpt2', { vocab_size: 32, n_embd: 16, n_layer: 1, n_head: 2, n_positions: 16, pad_token_id: 0 }, ['GPT2ForSequenceClassification', 'GPT2ForTokenClassification', 'GPT2ForQuestionAnswering']],
    ['gpt_neo', { vocab_size: 32, hidden_size: 16, num_layers: 1, num_heads: 2, attention_types: [[['global'], 1]], max_position_embeddings: 16, pad_token_id: 0 },
      ['GPTNeoForSequenceClassification', 'GPTNeoForTokenClassification', 'GPTNeoForQuestionAnswering']],
    ['opt', { vocab_size: 32, hidden_size: 16, ffn_dim: 32, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 16, pad_token_id: 0 }, ['OPTForSequenceClassification', '', 'OPTForQuestionAnswering']],
  ];
  for (const [type, init, names] of cases) {
    const c = AutoConfig.forModel(type, init);
    AUTO.forEach(([, auto], i) => {
      if (!names[i]) return assert.throws(() => auto.fromConfig(c), /has no token-classification model/);
      const m = auto.fromConfig(c);
      assert.equal(m.constructor.name, names[i]);
      const head = [...m.stateDict().keys()].filter((k) => !k.startsWith(type === 'opt' ? 'model.' : 'transformer.'));
      assert.deepEqual(head, [['score.weight'], ['classifier.weight', 'classifier.bias'], ['qa_outputs.weight', 'qa_outputs.bias']][i]);
      m.dispose();
    });
  }
});

test('a causal-LM checkpoint into LlamaForSequenceClassification: score newly initialised, lm_head unused (HF\'s report)', async () => {
  const warnings: string[] = [];
  const m = await AutoModelForSequenceClassification.fromPretrained(sharedDir('fixtures', 'hf', 'models', 'llama_lm'), { numLabels: 2, onWarning: (w) => warnings.push(w) });
  assert.equal(m.constructor.name, 'LlamaForSequenceClassification');
  assert.deepEqual(m.loadingInfo!.missingKeys, ['score.weight']);
  assert.deepEqual(m.loadingInfo!.unexpectedKeys, ['lm_head.weight']);
  assert.equal(warnings.length, 2);
  m.dispose();
});
