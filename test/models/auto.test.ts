// auto.test.ts — the model_type registry and Auto* dispatch, fromConfig with HF's _init_weights
// (normal(0, initializer_range), zero biases, LayerNorm 1/0, zero padding rows, tied decoders,
// DistilBERT's fixed sinusoidal positions), head output shapes, RoBERTa position ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as torch from '../../src/torch/index.js';
import { Linear, LayerNorm, Embedding } from '../../src/nn/index.js';
import {
  AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoModelForQuestionAnswering,
  AutoModelForMaskedLM, BertConfig, DistilBertConfig, RobertaConfig, BertForMaskedLM, DistilBertForMaskedLM, DistilBertModel,
  DistilBertForQuestionAnswering, BertModel, registerArchitecture, getArchitecture, knownModelTypes, positionIdsFromInputIds, sinusoidalEmbeddings,
  BERT, type PretrainedConfig, type AutoModelFactory, type ModelTask,
} from '../../src/models/index.js';
import { assertClose, sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
const small = {
  bert: () => new BertConfig({ vocab_size: 50, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 96, max_position_embeddings: 20, num_labels: 3 }),
  distilbert: () => new DistilBertConfig({ vocab_size: 50, dim: 64, n_layers: 2, n_heads: 4, hidden_dim: 96, max_position_embeddings: 20, num_labels: 3 }),
  roberta: () => new RobertaConfig({ vocab_size: 50, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 96, max_position_embeddings: 22, num_labels: 3 }),
};
const PREFIX: Record<string, string> = { bert: 'Bert', distilbert: 'DistilBert', roberta: 'Roberta' };
const TASKS: [AutoModelFactory<ModelTask>, string][] = [
  [AutoModel, 'Model'], [AutoModelForSequenceClassification, 'ForSequenceClassification'], [AutoModelForTokenClassification, 'ForTokenClassification'],
  [AutoModelForQuestionAnswering, 'ForQuestionAnswering'], [AutoModelForMaskedLM, 'ForMaskedLM'],
];

test('the registry knows the implemented architectures, keyed by model_type', () => {
  for (const t of ['bert', 'distilbert', 'roberta', 'llama', 'qwen2', 'qwen3', 'mistral']) assert.ok(knownModelTypes().includes(t), t);
  assert.deepEqual(knownModelTypes(), [...knownModelTypes()].sort());
  assert.equal(getArchitecture('bert'), BERT);
  assert.throws(() => registerArchitecture(BERT), /already registered/);
  assert.throws(() => getArchitecture('gpt_bigcode_xl'), new RegExp(`Unrecognized model_type 'gpt_bigcode_xl'; tunekit knows: ${knownModelTypes().join(', ')}$`));
});

test('Auto* fromConfig builds every (model_type, task) class; forward shapes and losses', () => {
  for (const [type, make] of Object.entries(small)) {
    for (const [auto, suffix] of TASKS) {
      const cfg = make();
      if (suffix === 'ForQuestionAnswering') cfg.num_labels = 2;
      const model = auto.fromConfig(cfg);
      assert.equal(model.constructor.name, `${PREFIX[type]}${suffix}`);
      assert.equal(model.training, true, 'a new model trains (HF: eval only after from_pretrained)');
      torch.tidy(() => {
        const ids = torch.randint(3, 50, [2, 7]);
        const mask = torch.tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0]], { dtype: 'int64' });
        const base = { input_ids: ids, attention_mask: mask };
        switch (suffix) {
          case 'Model': {
            const out = (model as { forward(i: object): { last_hidden_state: torch.Tensor } }).forward(base);
            assert.deepEqual(out.last_hidden_state.shape, [2, 7, 64]);
            break;
          }
          case 'ForSequenceClassification': {
            const out = (model as { forward(i: object): { logits: torch.Tensor; loss?: torch.Tensor } }).forward({ ...base, labels: torch.tensor([0, 2], { dtype: 'int64' }) });
            assert.deepEqual(out.logits.shape, [2, 3]);
            assert.ok(Number.isFinite(out.loss!.item()));
            break;
          }
          case 'ForTokenClassification': case 'ForMaskedLM': {
            const labels = torch.full([2, 7], -100, { dtype: 'int64' });
            labels.select(1, 2).fill_(1);
            const out = (model as { forward(i: object): { logits: torch.Tensor; loss?: torch.Tensor } }).forward({ ...base, labels });
            assert.deepEqual(out.logits.shape, [2, 7, suffix === 'ForMaskedLM' ? 50 : 3]);
            assert.ok(Number.isFinite(out.loss!.item()));
            break;
          }
          case 'ForQuestionAnswering': {
            const out = (model as { forward(i: object): { start_logits: torch.Tensor; end_logits: torch.Tensor; loss?: torch.Tensor } })
              .forward({ ...base, start_positions: torch.tensor([1, 2], { dtype: 'int64' }), end_positions: torch.tensor([3, 99], { dtype: 'int64' }) });
            assert.deepEqual(out.start_logits.shape, [2, 7]);
            assert.deepEqual(out.end_logits.shape, [2, 7]);
            assert.ok(Number.isFinite(out.loss!.item()));
            break;
          }
        }
      });
      model.dispose();
    }
  }
  assert.throws(() => AutoModelForMaskedLM.fromConfig({} as PretrainedConfig), /expected a config object/);
  assert.throws(() => BertModel.fromConfig(small.roberta()), /expected a BertConfig, got RobertaConfig/);
  assert.throws(() => new DistilBertForQuestionAnswering(small.distilbert()), /config\.num_labels should be 2, but it is 3/);
});

test('Auto* fromPretrained: an unknown model_type names the known ones', async () => {
  const unknown = mkdtempSync(join(tmpdir(), 'tk-unknown-'));
  writeFileSync(join(unknown, 'config.json'), JSON.stringify({ model_type: 'gpt_bigcode_xl' }));
  await assert.rejects(AutoModelForSequenceClassification.fromPretrained(unknown),
    new RegExp(`Unrecognized model_type 'gpt_bigcode_xl' in .*config\\.json; tunekit knows: ${knownModelTypes().join(', ')}$`));
  rmSync(unknown, { recursive: true, force: true });
  const base = await AutoModel.fromPretrained(join(MODELS, 'distilbert_seqcls'), { onWarning: () => {} });
  assert.ok(base instanceof DistilBertModel);
  const cfg = await AutoConfig.fromPretrained(join(MODELS, 'bert_mlm'));
  const m = await AutoModelForMaskedLM.fromPretrained(join(MODELS, 'bert_mlm'), { config: cfg, onWarning: (w) => assert.fail(w) });
  assert.ok(m instanceof BertForMaskedLM);
});

function std(t: torch.Tensor): number { return torch.tidy(() => t.float().std().item()); }
function maxAbs(t: torch.Tensor): number { return torch.tidy(() => t.abs().max().item()); }

test("fromConfig follows HF's _init_weights", () => {
  torch.manualSeed(0);
  for (const [type, make] of Object.entries(small)) {
    const cfg = make();
    const model = AutoModelForMaskedLM.fromConfig(cfg);
    const range = (cfg as BertConfig).initializer_range;
    for (const [name, m] of model.namedModules()) {
      if (m instanceof Linear) {
        const s = std(m.weight);
        assert.ok(Math.abs(s - range) < 0.25 * range, `${type} ${name}.weight std ${s} vs ${range}`);
        if (m.bias) assert.equal(maxAbs(m.bias), 0, `${type} ${name}.bias`);
      } else if (m instanceof LayerNorm) {
        torch.tidy(() => assert.equal(m.weight!.sub(1).abs().max().item(), 0, `${name}.weight`));
        assert.equal(maxAbs(m.bias!), 0);
      } else if (m instanceof Embedding && m.paddingIdx !== null) {
        torch.tidy(() => assert.equal(maxAbs(m.weight.select(0, m.paddingIdx!)), 0, `${type} ${name} padding row`));
      }
    }
    model.dispose();
  }
  const mlm = new BertForMaskedLM(small.bert());
  assert.equal(mlm.cls.predictions.decoder.weight, mlm.bert.embeddings.word_embeddings.weight, 'tied');
  assert.equal(mlm.numParameters(), mlm.namedParameters().reduce((a, [, p]) => a + p.numel(), 0));
  const untied = new BertForMaskedLM(new BertConfig({ ...small.bert().toDict(false), tie_word_embeddings: false } as never, { unknownKeys: 'keep' }));
  assert.notEqual(untied.cls.predictions.decoder.weight, untied.bert.embeddings.word_embeddings.weight);
  assert.equal(untied.numParameters() - mlm.numParameters(), 50 * 64);
});

test('DistilBERT sinusoidal_pos_embds: fixed (no grad) sin/cos positions, as create_sinusoidal_embeddings', () => {
  const cfg = new DistilBertConfig({ vocab_size: 30, dim: 8, n_layers: 1, n_heads: 2, hidden_dim: 16, max_position_embeddings: 6, sinusoidal_pos_embds: true });
  const m = new DistilBertForMaskedLM(cfg);
  const w = m.distilbert.embeddings.position_embeddings.weight;
  assert.equal(w.requiresGrad, false);
  assert.equal(m.numParameters() - m.numParameters({ onlyTrainable: true }), 6 * 8);
  const want: number[] = [];
  for (let pos = 0; pos < 6; pos++) for (let j = 0; j < 8; j++) {
    const a = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / 8);
    want.push(j % 2 ? Math.cos(a) : Math.sin(a));
  }
  assertClose(w, want, { rtol: 0, atol: 1e-7 });
  torch.tidy(() => assert.ok(torch.equal(sinusoidalEmbeddings(6, 8), w)));
});

test("RoBERTa position ids: padding_idx + running count of non-pad tokens; pads get padding_idx", () => {
  torch.tidy(() => {
    const ids = torch.tensor([[0, 5, 6, 2, 1, 1], [0, 7, 2, 1, 1, 1]], { dtype: 'int64' });
    assert.deepEqual(positionIdsFromInputIds(ids, 1).toArray(), [[2, 3, 4, 5, 1, 1], [2, 3, 4, 1, 1, 1]]);
  });
});
