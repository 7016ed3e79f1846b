// resize.test.ts — PreTrainedModel.resizeTokenEmbeddings (HF resize_token_embeddings): old rows kept
// bit for bit, added rows from the old rows' mean and covariance (or the normal init), untied heads
// resized alike, tied heads (and BERT's decoder bias) following, config.vocab_size, padToMultipleOf,
// shrinking, save + reload; getInputEmbeddings / getOutputEmbeddings of every architecture; the
// Cholesky factor behind the sampling.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import {
  AutoModelForCausalLM, AutoModelForMaskedLM, AutoModelForSequenceClassification, BertForMaskedLM, LlamaConfig, LlamaForCausalLM,
  type PreTrainedModel,
} from '../../src/models/index.js';
import { choleskyLower } from '../../src/models/utils/embeddings.js';
import { sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
const tmp = mkdtempSync(join(tmpdir(), 'tunekit-resize-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = { onWarning: () => {} };
const maxAbs = (t: torch.Tensor): number => torch.tidy(() => t.abs().max().item() as number);
/** A kept copy without a graph (a clone of a parameter would hold its gradient accumulator, old shape included). */
const snap = (t: torch.Tensor): torch.Tensor => torch.keep(t.detach().clone());
const ids = (v: number): torch.Tensor => torch.tensor([[1, 5, 9, v - 1], [3, 2, v - 2, 7]], { dtype: 'int64' });

/** Old rows unchanged, added rows within `spread` of the old rows' mean (and their mean within 1e-5). */
function checkRows(after: torch.Tensor, before: torch.Tensor, what: string, spread = 1e-3): void {
  torch.tidy(() => {
    const n = before.size(0), added = after.size(0) - n;
    assert.ok(torch.equal(after.narrow(0, 0, n), before), `${what}: old rows unchanged`);
    const oldMean = before.mean(0), rows = after.narrow(0, n, added); // (D), (added, D)
    assert.ok(maxAbs(rows.mean(0).sub(oldMean)) < 1e-5, `${what}: the added rows' mean is the old mean (max diff ${maxAbs(rows.mean(0).sub(oldMean)).toExponential(2)})`);
    // N(mean, 1e-9 cov): each entry within a few sqrt(1e-9) * std of the mean
    assert.ok(maxAbs(rows.sub(oldMean)) < spread, `${what}: added rows near the mean (max ${maxAbs(rows.sub(oldMean)).toExponential(2)})`);
    assert.ok(maxAbs(rows.sub(oldMean)) > 0, `${what}: sampled, not the bare mean (the covariance is positive definite here)`);
  });
}

test('Llama (untied lm_head): embeddings and lm_head grow by mean resizing; old logits unchanged; config.vocab_size; save + reload', async () => {
  const m = await AutoModelForCausalLM.fromPretrained(join(MODELS, 'llama_lm'), quiet) as unknown as LlamaForCausalLM;
  const emb = m.getInputEmbeddings(), head = m.getOutputEmbeddings()!;
  assert.equal(emb, m.model.embed_tokens);
  assert.equal(head, m.lm_head);
  const e0 = snap(emb.weight), h0 = snap(head.weight);
  const x = ids(256);
  const logits0 = torch.keep(m.forward({ input_ids: x }).logits);
  const param = emb.weight;
  const returned = m.resizeTokenEmbeddings(300);
  assert.equal(returned, emb);
  assert.equal(emb.weight, param, 'the parameter object is kept (an optimizer\'s reference stays valid)');
  assert.deepEqual(emb.weight.shape, [300, 32]);
  assert.equal(emb.numEmbeddings, 300);
  assert.deepEqual(head.weight.shape, [300, 32]);
  assert.equal(head.outFeatures, 300);
  assert.equal(m.config.vocab_size, 300);
  checkRows(emb.weight, e0, 'embed_tokens');
  checkRows(head.weight, h0, 'lm_head');
  torch.tidy(() => {
    const logits = m.forward({ input_ids: x }).logits; // (B, T, 300)
    assert.ok(torch.equal(logits.narrow(2, 0, 256), logits0), 'logits over the old vocabulary are unchanged');
    m.forward({ input_ids: torch.tensor([[299, 280]], { dtype: 'int64' }) }); // the new ids embed
  });
  const dir = join(tmp, 'llama');
  await m.savePretrained(dir);
  const again = await AutoModelForCausalLM.fromPretrained(dir, { onWarning: (w) => assert.fail(w) }) as unknown as LlamaForCausalLM;
  assert.equal(again.config.vocab_size, 300);
  assert.ok(torch.equal(again.lm_head.weight, head.weight) && torch.equal(again.model.embed_tokens.weight, emb.weight));
  assert.notEqual(again.lm_head.weight, again.model.embed_tokens.weight, 'still untied');
  for (const t of [e0, h0, logits0]) t.dispose();
  m.dispose(); again.dispose();
});

test('tied heads follow: Qwen2 / GPT-2 lm_head is the resized embedding; saved once and re-tied on load', async () => {
  for (const name of ['qwen2_lm', 'gpt2_lm']) {
    const m = await AutoModelForCausalLM.fromPretrained(join(MODELS, name), quiet);
    const emb = m.getInputEmbeddings(), head = m.getOutputEmbeddings()!;
    assert.equal(head.weight, emb.weight, `${name} is tied`);
    const e0 = snap(emb.weight);
    m.resizeTokenEmbeddings(261, { padToMultipleOf: 16 }); // -> 272
    assert.equal(m.getOutputEmbeddings()!.weight, emb.weight, `${name}: still tied`);
    assert.equal(head.outFeatures, 272);
    checkRows(emb.weight, e0, name);
    const dir = join(tmp, name);
    await m.savePretrained(dir);
    const keys = Object.keys(await torch.safetensors.loadFile(join(dir, 'model.safetensors')));
    assert.ok(!keys.includes('lm_head.weight'), `${name}: the tied head is stored once`);
    const again = await AutoModelForCausalLM.fromPretrained(dir, { onWarning: (w) => assert.fail(w) });
    assert.equal(again.getOutputEmbeddings()!.weight, again.getInputEmbeddings().weight);
    torch.tidy(() => assert.ok(torch.equal((again.forward({ input_ids: ids(272) }) as { logits: torch.Tensor }).logits, (m.forward({ input_ids: ids(272) }) as { logits: torch.Tensor }).logits)));
    e0.dispose(); m.dispose(); again.dispose();
  }
});

test('BERT MLM: the tied decoder follows and its bias is padded with zeros (HF _adjust_bias), shared with cls.predictions.bias; shrinking keeps a prefix', async () => {
  const m = await AutoModelForMaskedLM.fromPretrained(join(MODELS, 'bert_mlm'), quiet) as unknown as BertForMaskedLM;
  const dec = m.getOutputEmbeddings()!;
  assert.equal(dec, m.cls.predictions.decoder);
  const b0 = snap(dec.bias!), e0 = snap(m.getInputEmbeddings().weight);
  m.resizeTokenEmbeddings(140);
  assert.deepEqual(dec.weight.shape, [140, 32]);
  assert.equal(dec.bias, m.cls.predictions.bias, 'one bias tensor');
  torch.tidy(() => {
    assert.ok(torch.equal(dec.bias!.narrow(0, 0, 128), b0));
    assert.equal(maxAbs(dec.bias!.narrow(0, 128, 12)), 0, 'added bias entries are 0');
  });
  m.resizeTokenEmbeddings(100);
  torch.tidy(() => {
    assert.ok(torch.equal(m.getInputEmbeddings().weight, e0.narrow(0, 0, 100)), 'shrinking keeps the first rows');
    assert.deepEqual(dec.bias!.shape, [100]);
    assert.equal(m.getInputEmbeddings().paddingIdx, 0, 'the padding row is still inside');
  });
  b0.dispose(); e0.dispose(); m.dispose();
});

test('meanResizing false: the added rows get the model\'s normal init N(0, initializer_range); padToMultipleOf alone pads the current size', () => {
  torch.manualSeed(0);
  const m = new LlamaForCausalLM(new LlamaConfig({ vocab_size: 100, hidden_size: 64, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 4, initializer_range: 0.5 }));
  const e0 = snap(m.getInputEmbeddings().weight);
  m.resizeTokenEmbeddings(null, { padToMultipleOf: 128, meanResizing: false });
  assert.equal(m.config.vocab_size, 128);
  torch.tidy(() => {
    const w = m.getInputEmbeddings().weight;
    assert.ok(torch.equal(w.narrow(0, 0, 100), e0));
    const std = w.narrow(0, 100, 28).std().item() as number, mean = w.narrow(0, 100, 28).mean().item() as number;
    assert.ok(Math.abs(std - 0.5) < 0.05 && Math.abs(mean) < 0.05, `added rows: mean ${mean}, std ${std} (want 0, 0.5)`);
  });
  assert.equal(m.resizeTokenEmbeddings(), m.getInputEmbeddings(), 'no size: nothing changes');
  assert.equal(m.config.vocab_size, 128);
  assert.throws(() => m.resizeTokenEmbeddings(130, { padToMultipleOf: 2.5 }), /pad the embedding matrix to a multiple of `2.5`/);
  assert.throws(() => m.resizeTokenEmbeddings(-1), /non-negative integer/);
  e0.dispose(); m.dispose();
});

test('fewer old rows than dimensions: the covariance is not positive definite, so the added rows are the mean (HF\'s fallback); a training step after resizing', () => {
  torch.manualSeed(1);
  const m = new LlamaForCausalLM(new LlamaConfig({ vocab_size: 16, hidden_size: 32, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 4 }));
  const w0 = snap(m.getInputEmbeddings().weight);
  torch.tidy(() => { const x = ids(16); m.forward({ input_ids: x, labels: x }).loss!.backward(); }); // grads of the old shape
  m.resizeTokenEmbeddings(20);
  torch.tidy(() => {
    const rows = m.getInputEmbeddings().weight.narrow(0, 16, 4);
    assert.ok(maxAbs(rows.sub(w0.mean(0))) < 1e-7, 'every added row is the mean');
    assert.equal(m.getInputEmbeddings().weight.grad, null, 'the stale gradient is cleared');
    const x = ids(20);
    m.forward({ input_ids: x, labels: x }).loss!.backward();
    assert.deepEqual(m.getInputEmbeddings().weight.grad!.shape, [20, 32]);
  });
  w0.dispose(); m.dispose();
});

test('getInputEmbeddings / getOutputEmbeddings across architectures (HF\'s get_input_embeddings / get_output_embeddings)', async () => {
  const cases: [string, (d: string) => Promise<PreTrainedModel>, string, string | null][] = [
    ['bert_seqcls', (d) => AutoModelForSequenceClassification.fromPretrained(d, quiet), 'bert.embeddings.word_embeddings', null],
    ['roberta_mlm', (d) => AutoModelForMaskedLM.fromPretrained(d, quiet), 'roberta.embeddings.word_embeddings', 'lm_head.decoder'],
    ['distilbert_mlm', (d) => AutoModelForMaskedLM.fromPretrained(d, quiet), 'distilbert.embeddings.word_embeddings', 'vocab_projector'],
    ['gpt2_lm', (d) => AutoModelForCausalLM.fromPretrained(d, quiet), 'transformer.wte', 'lm_head'],
    ['opt_lm', (d) => AutoModelForCausalLM.fromPretrained(d, quiet), 'model.decoder.embed_tokens', 'lm_head'],
    ['gpt_neo_lm', (d) => AutoModelForCausalLM.fromPretrained(d, quiet), 'transformer.wte', 'lm_head'],
  ];
  for (const [name, load, input, output] of cases) {
    const m = await load(join(MODELS, name));
    const names = new Map(m.namedModules().map(([n, mod]) => [mod, n]));
    assert.equal(names.get(m.getInputEmbeddings()), input, `${name} input embeddings`);
    const out = m.getOutputEmbeddings();
    assert.equal(out ? names.get(out) : null, output, `${name} output embeddings`);
    m.dispose();
  }
});

test('choleskyLower: L L^T = A across several blocks; null for a singular matrix', () => {
  torch.tidy(() => {
    torch.manualSeed(4);
    const x = torch.randn([400, 300], { dtype: 'float64' });
    const a = x.transpose(0, 1).mm(x).div(400); // (300, 300) positive definite
    const l = choleskyLower(a, 128)!;
    assert.ok(maxAbs(l.mm(l.transpose(0, 1)).sub(a)) < 1e-12, 'reconstruction');
    assert.equal(maxAbs(l.triu(1)), 0, 'lower triangular');
    const y = torch.randn([20, 30], { dtype: 'float64' });
    assert.equal(choleskyLower(y.transpose(0, 1).mm(y)), null, 'rank 20 of 30');
  });
});
