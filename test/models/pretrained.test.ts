// pretrained.test.ts — savePretrained / fromPretrained: byte-identical files to transformers',
// identical logits after a reload (single file and shards), HF's base-model prefix handling and
// warnings, size mismatches, LayerNorm gamma/beta, dtype, problem_type inference, forward input
// checks, and that a training step inside tidy() leaks no tensor.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import {
  AutoModelForSequenceClassification,
  BertModel, BertForSequenceClassification, BertForMaskedLM, DistilBertForSequenceClassification, RobertaForMaskedLM,
  knownModelTypes,
} from '../../src/models/index.js';
import { assertClose, sharedDir } from '../helpers.js';
import { autoClassFor } from '../auto-classes.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
const dir = mkdtempSync(join(tmpdir(), 'tunekit-pretrained-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const fresh = (): string => join(dir, `d${seq++}`);

/** The reference inputs of a fixture (without labels / positions unless asked). */
async function inputsOf(name: string, withTargets = false): Promise<Record<string, torch.Tensor>> {
  const file = await torch.safetensors.loadFile(join(MODELS, name, 'reference.safetensors'));
  const out: Record<string, torch.Tensor> = {};
  for (const [k, v] of Object.entries(file)) {
    if (!k.startsWith('input.')) { v.dispose(); continue; }
    const key = k.slice(6);
    if (!withTargets && (key === 'labels' || key === 'start_positions' || key === 'end_positions')) { v.dispose(); continue; }
    out[key] = v;
  }
  return out;
}
const firstOutput = (out: Record<string, unknown>): torch.Tensor => (out.logits ?? out.start_logits ?? out.last_hidden_state) as torch.Tensor;
const silent = { onWarning: (m: string) => assert.fail(`unexpected warning: ${m}`) };

test('savePretrained writes transformers\' bytes and a reload gives identical logits (every implemented fixture)', async () => {
  let n = 0;
  for (const name of readdirSync(MODELS).sort()) {
    const cfgPath = join(MODELS, name, 'config.json');
    if (!existsSync(cfgPath)) continue;
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as { model_type: string; architectures: string[] };
    if (!knownModelTypes().includes(cfg.model_type)) continue;
    const auto = autoClassFor(cfg.architectures[0]!)!;
    const model = await auto.fromPretrained(join(MODELS, name), silent);
    const out = fresh();
    await model.savePretrained(out);
    assert.equal(readFileSync(join(out, 'config.json'), 'utf8'), readFileSync(cfgPath, 'utf8'), `${name} config.json`);
    // bert_seqcls_bin has the weights of bert_seqcls: its safetensors must be those bytes too.
    const twin = existsSync(join(MODELS, name, 'model.safetensors')) ? name : name.replace(/_bin$/, '');
    assert.ok(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(join(MODELS, twin, 'model.safetensors'))), `${name} model.safetensors bytes`);
    const meta = await torch.safetensors.readMetadata(join(out, 'model.safetensors'));
    assert.deepEqual({ ...meta }, { format: 'pt' });
    const again = await auto.fromPretrained(out, silent);
    const inputs = await inputsOf(name);
    torch.tidy(() => {
      const a = firstOutput(model.forward(inputs) as never), b = firstOutput(again.forward(inputs) as never);
      assert.ok(torch.equal(a, b), `${name}: reloaded logits differ`);
    });
    for (const t of Object.values(inputs)) t.dispose();
    model.dispose(); again.dispose();
    n++;
  }
  assert.ok(n >= 13);
});

test('sharded save (model.safetensors.index.json) reloads to the same logits', async () => {
  const model = await BertForSequenceClassification.fromPretrained(join(MODELS, 'bert_seqcls'), silent);
  const out = fresh();
  await model.savePretrained(out, { maxShardSize: 30_000 });
  assert.ok(existsSync(join(out, 'model.safetensors.index.json')));
  assert.ok(!existsSync(join(out, 'model.safetensors')));
  const shards = readdirSync(out).filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f));
  assert.ok(shards.length >= 3, `${shards.length} shards`);
  const again = await BertForSequenceClassification.fromPretrained(out, silent);
  assert.equal(again.loadingInfo?.file, 'model.safetensors.index.json');
  const inputs = await inputsOf('bert_seqcls');
  torch.tidy(() => assert.ok(torch.equal(model.forward(inputs).logits, again.forward(inputs).logits)));
  await assert.rejects(model.savePretrained(out, { maxShard: 1 } as never), /unknown option 'maxShard'/);
});

test('a bare BertModel checkpoint loads into BertForSequenceClassification: the head is named as newly initialised', async () => {
  const head = await BertForSequenceClassification.fromPretrained(join(MODELS, 'bert_seqcls'), silent);
  const baseDir = fresh();
  // Save the base model alone: keys without the `bert.` prefix, as a BertModel checkpoint.
  const base = new BertModel(head.config.clone());
  base.loadStateDict(head.bert.stateDict());
  await base.savePretrained(baseDir);
  const st = await torch.safetensors.readHeader(join(baseDir, 'model.safetensors'));
  assert.ok(Object.keys(st.tensors).every((k) => !k.startsWith('bert.')));
  const warnings: string[] = [];
  const loaded = await BertForSequenceClassification.fromPretrained(baseDir, { numLabels: 3, onWarning: (m) => warnings.push(m) });
  assert.deepEqual(warnings, [
    `Some weights of BertForSequenceClassification were not initialized from the model checkpoint at ${baseDir} and are newly initialized: ['classifier.bias', 'classifier.weight']\n` +
      'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.',
  ]);
  assert.deepEqual(loaded.loadingInfo?.missingKeys, ['classifier.bias', 'classifier.weight']);
  for (const [n, p] of head.bert.namedParameters()) assert.ok(torch.equal(p, loaded.bert.getParameter(n)), n);
  // The new head follows HF's _init_weights: N(0, initializer_range), zero bias.
  torch.tidy(() => {
    assert.equal(loaded.classifier.bias!.abs().max().item(), 0);
    const std = loaded.classifier.weight.std().item();
    assert.ok(std > 0.03 && std < 0.2, `classifier std ${std} (initializer_range 0.1)`);
  });
});

test('a bert.-prefixed checkpoint loads into BertModel; the head keys are reported unexpected', async () => {
  const warnings: string[] = [];
  const base = await BertModel.fromPretrained(join(MODELS, 'bert_seqcls'), { onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0]!.startsWith(`Some weights of the model checkpoint at ${join(MODELS, 'bert_seqcls')} were not used when initializing BertModel: ['classifier.bias', 'classifier.weight']\n- This IS expected`));
  const head = await BertForSequenceClassification.fromPretrained(join(MODELS, 'bert_seqcls'), silent);
  for (const [n, p] of base.namedParameters()) assert.ok(torch.equal(p, head.bert.getParameter(n)), n);
  // BertModel's own output equals the head's base output.
  const inputs = await inputsOf('bert_seqcls');
  torch.tidy(() => assert.ok(torch.equal(base.forward(inputs).pooler_output!, head.bert.forward(inputs).pooler_output!)));
});

test('MLM: the decoder is the word-embedding tensor; an MLM checkpoint into a classifier reports both sides', async () => {
  const mlm = await BertForMaskedLM.fromPretrained(join(MODELS, 'bert_mlm'), silent);
  assert.equal(mlm.cls.predictions.decoder.weight, mlm.bert.embeddings.word_embeddings.weight);
  assert.equal(mlm.cls.predictions.decoder.bias, mlm.cls.predictions.bias);
  const rob = await RobertaForMaskedLM.fromPretrained(join(MODELS, 'roberta_mlm'), silent);
  assert.equal(rob.lm_head.decoder.weight, rob.roberta.embeddings.word_embeddings.weight);
  const warnings: string[] = [];
  await BertForSequenceClassification.fromPretrained(join(MODELS, 'bert_mlm'), { onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /^Some weights of the model checkpoint at .* were not used when initializing BertForSequenceClassification: \['cls\.predictions\.bias', 'cls\.predictions\.transform\.LayerNorm\.bias'/);
  assert.match(warnings[1]!, /newly initialized: \['bert\.pooler\.dense\.bias', 'bert\.pooler\.dense\.weight', 'classifier\.bias', 'classifier\.weight'\]\nYou should probably TRAIN/);
});

test('numLabels that changes the classifier shape: an error, or re-initialised with ignoreMismatchedSizes', async () => {
  const path = join(MODELS, 'bert_seqcls');
  await assert.rejects(BertForSequenceClassification.fromPretrained(path, { numLabels: 5, ...silent }),
    /size mismatch for classifier\.weight: copying a param with shape torch\.Size\(\[3, 32\]\) from checkpoint, the shape in current model is torch\.Size\(\[5, 32\]\)/);
  const warnings: string[] = [];
  const m = await BertForSequenceClassification.fromPretrained(path, { numLabels: 5, ignoreMismatchedSizes: true, onWarning: (w) => warnings.push(w) });
  assert.equal(m.config.num_labels, 5);
  assert.equal(m.config.id2label[4], 'LABEL_4');
  assert.deepEqual(m.classifier.weight.shape, [5, 32]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /newly initialized because the shapes did not match:\n- classifier\.bias: found shape torch\.Size\(\[3\]\) in the checkpoint and torch\.Size\(\[5\]\) in the model instantiated\n- classifier\.weight/);
  const named = await BertForSequenceClassification.fromPretrained(path, { id2label: { 0: 'neg', 1: 'neu', 2: 'pos' }, ...silent });
  assert.deepEqual({ ...named.config.label2id }, { neg: 0, neu: 1, pos: 2 });
  await assert.rejects(BertForSequenceClassification.fromPretrained(path, { numLabel: 3 } as never), /unknown option 'numLabel'/);
  await assert.rejects(AutoModelForSequenceClassification.fromPretrained(path, { dtypes: 'float32' } as never), /unknown option 'dtypes'/);
  await assert.rejects(BertForSequenceClassification.fromPretrained(path, { config: { hidden_sise: 3 } }), /unknown field\(s\) 'hidden_sise'/);
  await assert.rejects(BertForSequenceClassification.fromPretrained(join(MODELS, 'distilbert_seqcls')), /model_type is 'bert', got "distilbert"/);
  await assert.rejects(BertForSequenceClassification.fromPretrained(dir), /no config|config\.json/);
});

test('legacy LayerNorm gamma/beta names are renamed on load (with HF\'s notice)', async () => {
  const src = join(MODELS, 'bert_seqcls');
  const sd = await torch.safetensors.loadFile(join(src, 'model.safetensors'));
  const renamed: Record<string, torch.Tensor> = {};
  for (const [k, v] of Object.entries(sd)) renamed[k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')] = v;
  const out = fresh();
  mkdirSync(out);
  copyFileSync(join(src, 'config.json'), join(out, 'config.json'));
  await torch.safetensors.saveFile(renamed, join(out, 'model.safetensors'), { format: 'pt' });
  const warnings: string[] = [];
  const m = await BertForSequenceClassification.fromPretrained(out, { onWarning: (w) => warnings.push(w) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /renamed internally/);
  assert.deepEqual(m.loadingInfo?.missingKeys, []);
  const ref = await BertForSequenceClassification.fromPretrained(src, silent);
  const inputs = await inputsOf('bert_seqcls');
  torch.tidy(() => assert.ok(torch.equal(m.forward(inputs).logits, ref.forward(inputs).logits)));
});

test('dtype option: bfloat16 parameters, float32 by default, auto from torch_dtype; eval mode after loading', async () => {
  const path = join(MODELS, 'distilbert_seqcls');
  const m = await DistilBertForSequenceClassification.fromPretrained(path, { dtype: 'bfloat16', ...silent });
  assert.ok(m.parameters().every((p) => p.dtype === 'bfloat16'));
  assert.equal(m.dtype, 'bfloat16');
  assert.equal(m.training, false);
  const ref = await DistilBertForSequenceClassification.fromPretrained(path, { dtype: 'auto', ...silent });
  assert.equal(ref.dtype, 'float32');
  await assert.rejects(DistilBertForSequenceClassification.fromPretrained(path, { dtype: 'int64' }), /dtype must be 'float32', 'float16', 'bfloat16', 'float64' or 'auto', got 'int64'/);
  const inputs = await inputsOf('distilbert_seqcls');
  torch.tidy(() => {
    const a = m.forward(inputs).logits.float(), b = ref.forward(inputs).logits;
    assertClose(a, b, { rtol: 0.05, atol: 0.05, msg: 'bfloat16 logits near float32' }); // bf16 has 8 mantissa bits
  });
});

test('problem_type is inferred at the first forward; int64 multi-hot labels mean multi-label (JS caveat)', async () => {
  const ref = await torch.safetensors.loadFile(join(MODELS, 'bert_seqcls_multilabel', 'reference.safetensors'));
  const inputs = await inputsOf('bert_seqcls_multilabel');
  const m = await BertForSequenceClassification.fromPretrained(join(MODELS, 'bert_seqcls_multilabel'), { problemType: null, ...silent });
  assert.equal(m.config.problem_type, null);
  torch.tidy(() => {
    const intLabels = ref['input.labels']!.long(); // whole numbers arrive as int64 from JS data
    const out = m.forward({ ...inputs, labels: intLabels });
    assert.equal(m.config.problem_type, 'multi_label_classification');
    assertClose(out.loss!, ref['output.loss']!, { rtol: 1e-4, atol: 1e-5 });
  });
  const single = await BertForSequenceClassification.fromPretrained(join(MODELS, 'bert_seqcls'), { problemType: null, ...silent });
  const sref = await torch.safetensors.loadFile(join(MODELS, 'bert_seqcls', 'reference.safetensors'));
  torch.tidy(() => {
    const out = single.forward({ ...(Object.fromEntries(Object.entries(sref).filter(([k]) => k.startsWith('input.')).map(([k, v]) => [k.slice(6), v]))) });
    assert.equal(single.config.problem_type, 'single_label_classification');
    assertClose(out.loss!, sref['output.loss']!, { rtol: 1e-4, atol: 1e-5 });
  });
  const reg = await BertForSequenceClassification.fromPretrained(join(MODELS, 'bert_seqcls_regression'), { problemType: null, ...silent });
  const rref = await torch.safetensors.loadFile(join(MODELS, 'bert_seqcls_regression', 'reference.safetensors'));
  const rin = await inputsOf('bert_seqcls_regression');
  torch.tidy(() => {
    const out = reg.forward({ ...rin, labels: rref['input.labels']! });
    assert.equal(reg.config.problem_type, 'regression', 'num_labels == 1 -> regression');
    assertClose(out.loss!, rref['output.loss']!, { rtol: 1e-4, atol: 1e-5 });
    const whole = reg.forward({ ...rin, labels: torch.tensor([1, 3], { dtype: 'int64' }) }); // int labels are cast for MSE
    const manual = out.logits.squeeze().sub(torch.tensor([1, 3])).square().mean();
    assertClose(whole.loss!, manual, { rtol: 1e-6 });
  });
});

test('forward: hidden_states, unknown inputs, DistilBERT has no token_type_ids, too-long sequences', async () => {
  const m = await BertForSequenceClassification.fromPretrained(join(MODELS, 'bert_seqcls'), silent);
  const inputs = await inputsOf('bert_seqcls');
  torch.tidy(() => {
    const out = m.forward({ ...inputs, output_hidden_states: true });
    assert.equal(out.hidden_states!.length, m.config.num_hidden_layers + 1);
    assert.deepEqual(out.hidden_states![0]!.shape, [2, 8, 32]);
    assert.equal(out.loss, undefined, 'no labels, no loss');
    assert.ok(!('loss' in out));
    const base = m.bert.forward(inputs);
    assert.ok(torch.equal(out.hidden_states!.at(-1)!, base.last_hidden_state));
  });
  assert.throws(() => m.forward({ ...inputs, label: inputs.input_ids } as never), /unexpected input 'label' \(accepted: input_ids, attention_mask/);
  assert.throws(() => m.forward({ attention_mask: inputs.attention_mask } as never), /exactly one of input_ids and inputs_embeds/);
  assert.deepEqual(BertForSequenceClassification.inputNames, m.inputNames);
  assert.ok(m.inputNames.includes('labels'));
  const d = await DistilBertForSequenceClassification.fromPretrained(join(MODELS, 'distilbert_seqcls'), silent);
  assert.throws(() => d.forward({ input_ids: inputs.input_ids!, token_type_ids: inputs.token_type_ids! } as never), /unexpected input 'token_type_ids'/);
  assert.throws(() => torch.tidy(() => m.forward({ input_ids: torch.zeros([1, 65], { dtype: 'int64' }) })), /sequence length 65 exceeds max_position_embeddings 64/);
  // inputs_embeds give the same result as the ids they embed.
  torch.tidy(() => {
    const emb = m.bert.embeddings.word_embeddings.forward(inputs.input_ids!);
    const a = m.forward({ inputs_embeds: emb, attention_mask: inputs.attention_mask, token_type_ids: inputs.token_type_ids });
    assert.ok(torch.equal(a.logits, m.forward(inputs).logits));
  });
});

test('a training step inside tidy() leaks no tensor (every architecture)', async () => {
  for (const name of ['bert_seqcls', 'bert_qa', 'distilbert_mlm', 'roberta_seqcls']) {
    const cfg = JSON.parse(readFileSync(join(MODELS, name, 'config.json'), 'utf8')) as { architectures: string[] };
    const auto = autoClassFor(cfg.architectures[0]!)!;
    const model = await auto.fromPretrained(join(MODELS, name), silent);
    model.train();
    const inputs = await inputsOf(name, true);
    const step = (): number => torch.tidy(() => {
      const out = model.forward(inputs as never) as unknown as { loss: torch.Tensor };
      out.loss.backward();
      model.zeroGrad();
      return out.loss.item();
    });
    step(); // first step may allocate lazily
    const before = torch.liveTensorCount();
    for (let i = 0; i < 3; i++) step();
    assert.equal(torch.liveTensorCount(), before, `${name}: live tensors after 3 steps`);
    for (const t of Object.values(inputs)) t.dispose();
    model.dispose();
  }
});
