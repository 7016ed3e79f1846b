// inputs.test.ts — forward() refuses inputs the embeddings cannot look up, before libtorch sees
// them, with a message naming the model called, the argument, its shape and the limit: empty
// sequences or batches, sequences longer than max_position_embeddings (RoBERTa: less its
// pad_token_id + 1 offset), ids outside [0, vocab_size) (one min/max reduction per forward, head
// and base model together), index dtypes, and attention_mask / token_type_ids / position_ids /
// inputs_embeds shaped unlike input_ids.  BERT, DistilBERT and RoBERTa, base models and heads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  BertConfig, BertModel, BertForSequenceClassification, BertForQuestionAnswering, BertForMaskedLM,
  DistilBertConfig, DistilBertModel, DistilBertForTokenClassification, DistilBertForMaskedLM,
  RobertaConfig, RobertaModel, RobertaForMaskedLM, RobertaForSequenceClassification,
  type PreTrainedModel,
} from '../../src/models/index.js';

const V = 50; // vocab_size
const H = 8;
const bert = new BertConfig({ vocab_size: V, hidden_size: H, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 });
const distil = new DistilBertConfig({ vocab_size: V, dim: H, n_layers: 1, n_heads: 2, hidden_dim: 16, max_position_embeddings: 16 });
const roberta = new RobertaConfig({ vocab_size: V, hidden_size: H, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 18, type_vocab_size: 1 }); // pad 1: 16 tokens fit

torch.manualSeed(0);
const MODELS: [string, PreTrainedModel][] = [
  ['BertModel', new BertModel(bert)], ['BertForSequenceClassification', new BertForSequenceClassification(bert)],
  ['BertForQuestionAnswering', new BertForQuestionAnswering(bert)], ['BertForMaskedLM', new BertForMaskedLM(bert)],
  ['DistilBertModel', new DistilBertModel(distil)], ['DistilBertForTokenClassification', new DistilBertForTokenClassification(distil)],
  ['DistilBertForMaskedLM', new DistilBertForMaskedLM(distil)],
  ['RobertaModel', new RobertaModel(roberta)], ['RobertaForSequenceClassification', new RobertaForSequenceClassification(roberta)],
  ['RobertaForMaskedLM', new RobertaForMaskedLM(roberta)],
];
for (const [, m] of MODELS) m.eval();
const fwd = (m: PreTrainedModel, inputs: Record<string, unknown>): unknown => torch.tidy(() => { m.forward(inputs as never); });
const ids = (rows: number[][], dtype: 'int64' | 'int32' = 'int64'): torch.Tensor => torch.tensor(rows, { dtype });
const long = (shape: number[], v = 1): torch.Tensor => torch.full(shape, v, { dtype: 'int64' });

test('empty sequences and empty batches are refused, naming the model, the argument and the shape', () => {
  for (const [name, m] of MODELS) {
    assert.throws(() => fwd(m, { input_ids: long([2, 0]) }), { name: 'RangeError', message: `${name}: input_ids has shape [2, 0]: sequences must have at least one token` });
    assert.throws(() => fwd(m, { input_ids: long([0, 4]) }), { name: 'RangeError', message: `${name}: input_ids has shape [0, 4]: the batch is empty (no sequences)` });
    assert.throws(() => fwd(m, { inputs_embeds: torch.zeros([3, 0, H]) }), { message: `${name}: inputs_embeds has shape [3, 0, ${H}]: sequences must have at least one token` });
    assert.throws(() => fwd(m, { input_ids: long([0, 0]) }), { message: `${name}: input_ids has shape [0, 0]: sequences must have at least one token` });
  }
});

test('sequences longer than max_position_embeddings name it and the most tokens that fit (RoBERTa: less pad_token_id + 1)', () => {
  for (const [name, m] of MODELS) {
    const isRoberta = name.startsWith('Roberta');
    assert.doesNotThrow(() => fwd(m, { input_ids: long([1, 16], 5) }), 'at the limit it runs');
    const why = isRoberta ? ' (positions start at pad_token_id + 1 = 2, so max_position_embeddings 18 holds 16 tokens)' : '';
    assert.throws(() => fwd(m, { input_ids: long([2, 17], 5) }), {
      name: 'RangeError',
      message: `${name}: input_ids has shape [2, 17]: sequence length 17 exceeds max_position_embeddings ${isRoberta ? 18 : 16}${why}; truncate the inputs to at most 16 tokens`,
    });
    assert.throws(() => fwd(m, { inputs_embeds: torch.zeros([1, 17, H]) }), { message: new RegExp(`^${name}: inputs_embeds has shape \\[1, 17, ${H}\\]: sequence length 17 exceeds max_position_embeddings`) });
  }
  // RoBERTa with explicit position_ids: the whole table is usable (positions are the caller's).
  const r = MODELS.find(([n]) => n === 'RobertaModel')![1];
  assert.doesNotThrow(() => fwd(r, { input_ids: long([1, 18], 5), position_ids: torch.arange(18).unsqueeze(0) }));
});

test('ids outside [0, vocab_size) name the bad id and vocab_size; token_type_ids and position_ids their tables', () => {
  const hint = ' (were the inputs tokenized with this model\'s tokenizer?)';
  for (const [name, m] of MODELS) {
    assert.throws(() => fwd(m, { input_ids: ids([[1, 2, V]]) }), { name: 'RangeError', message: `${name}: input_ids contains id ${V}; input_ids must lie in [0, vocab_size) = [0, ${V})${hint}` });
    assert.throws(() => fwd(m, { input_ids: ids([[1, -1], [3, 4]]) }), { message: `${name}: input_ids contains id -1; input_ids must lie in [0, vocab_size) = [0, ${V})${hint}` });
    assert.throws(() => fwd(m, { input_ids: ids([[-7, 3], [3, 999]]) }), { message: `${name}: input_ids contains ids -7 and 999; input_ids must lie in [0, vocab_size) = [0, ${V})${hint}` });
    assert.throws(() => fwd(m, { input_ids: ids([[1, 70]], 'int32') }), { message: `${name}: input_ids contains id 70; input_ids must lie in [0, vocab_size) = [0, ${V})${hint}` });
    assert.throws(() => fwd(m, { input_ids: torch.ones([1, 3]) }), { name: 'TypeError', message: `${name}: input_ids must be an int64 (or int32) tensor of token ids, got float32` });
    assert.doesNotThrow(() => fwd(m, { input_ids: ids([[0, V - 1]]) }));
    assert.doesNotThrow(() => fwd(m, { input_ids: ids([[0, V - 1]], 'int32') }));
  }
  for (const [name, m] of MODELS.filter(([n]) => !n.startsWith('DistilBert'))) {
    const types = name.startsWith('Roberta') ? 1 : 2;
    assert.throws(() => fwd(m, { input_ids: long([2, 3]), token_type_ids: long([2, 3], types) }), { message: `${name}: token_type_ids contains id ${types}; token_type_ids must lie in [0, type_vocab_size) = [0, ${types})` });
    const P = name.startsWith('Roberta') ? 18 : 16;
    assert.throws(() => fwd(m, { input_ids: long([1, 3]), position_ids: ids([[0, 1, P]]) }), { message: `${name}: position_ids contains position ${P}; position_ids must lie in [0, max_position_embeddings) = [0, ${P})` });
    assert.throws(() => fwd(m, { input_ids: long([1, 3]), position_ids: ids([[-1, 1, 2]]) }), { message: `${name}: position_ids contains position -1; position_ids must lie in [0, max_position_embeddings) = [0, ${P})` });
    assert.throws(() => fwd(m, { input_ids: long([1, 3]), token_type_ids: torch.zeros([1, 3]) }), { name: 'TypeError', message: `${name}: token_type_ids must be an int64 (or int32) tensor, got float32` });
  }
});

test('the id check is one min and one max per index tensor per forward (head and base model together) and leaks no tensor', () => {
  const proto = torch.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const counts = { amin: 0, amax: 0 };
  const orig = { amin: proto.amin!, amax: proto.amax! };
  proto.amin = function (this: unknown, ...a: unknown[]) { counts.amin++; return orig.amin.apply(this, a); };
  proto.amax = function (this: unknown, ...a: unknown[]) { counts.amax++; return orig.amax.apply(this, a); };
  try {
    for (const [name, m] of MODELS) {
      counts.amin = counts.amax = 0;
      fwd(m, { input_ids: long([2, 5], 3), attention_mask: long([2, 5]) });
      // input_ids once, and the CPU attention_mask once (all ones: the padding mask is dropped, as HF's sdpa path)
      assert.deepEqual([counts.amin, counts.amax], [2, 2], `${name}: input_ids and attention_mask reduced once each`);
      if (name.startsWith('DistilBert')) continue;
      counts.amin = counts.amax = 0;
      fwd(m, { input_ids: long([2, 5], 3), token_type_ids: long([2, 5], 0), position_ids: torch.arange(5).unsqueeze(0) });
      assert.deepEqual([counts.amin, counts.amax], [3, 3], `${name}: ids, types and positions reduced once each`);
    }
  } finally {
    proto.amin = orig.amin;
    proto.amax = orig.amax;
  }
  // The check leaves no tensor behind.
  const m = MODELS[1]![1];
  torch.tidy(() => { m.forward({ input_ids: long([2, 5], 3) } as never); }); // warm up
  const before = torch.liveTensorCount();
  torch.tidy(() => { m.forward({ input_ids: long([2, 5], 3) } as never); });
  assert.throws(() => torch.tidy(() => { m.forward({ input_ids: long([2, 5], V) } as never); }), /contains id 50/);
  assert.equal(torch.liveTensorCount(), before);
});

test('attention_mask, token_type_ids, position_ids and inputs_embeds shaped unlike input_ids are refused', () => {
  for (const [name, m] of MODELS) {
    assert.throws(() => fwd(m, { input_ids: long([2, 4]), attention_mask: long([2, 5]) }), {
      name: 'RangeError', message: `${name}: attention_mask has shape [2, 5] but input_ids has shape [2, 4]; attention_mask must be (B, T) = [2, 4] (or (B, T, T))`,
    });
    assert.throws(() => fwd(m, { input_ids: long([2, 4]), attention_mask: long([1, 4]) }), { message: `${name}: attention_mask has shape [1, 4] but input_ids has shape [2, 4]; attention_mask must be (B, T) = [2, 4] (or (B, T, T))` });
    assert.throws(() => fwd(m, { input_ids: long([2, 4]), attention_mask: long([8]) }), /attention_mask has shape \[8\] but input_ids has shape \[2, 4\]/);
    assert.throws(() => fwd(m, { inputs_embeds: torch.zeros([2, 4, H]), attention_mask: long([2, 3]) }), { message: `${name}: attention_mask has shape [2, 3] but inputs_embeds has shape [2, 4, ${H}]; attention_mask must be (B, T) = [2, 4] (or (B, T, T))` });
    assert.throws(() => fwd(m, { inputs_embeds: torch.zeros([2, 4, H + 1]) }), { message: `${name}: inputs_embeds has shape [2, 4, ${H + 1}]: its last dim must be the hidden size ${H}` });
    assert.doesNotThrow(() => fwd(m, { input_ids: long([2, 4]), attention_mask: long([2, 4]) }));
    assert.doesNotThrow(() => fwd(m, { input_ids: long([2, 4]), attention_mask: long([2, 4, 4]) }));
    if (name.startsWith('DistilBert')) continue;
    assert.throws(() => fwd(m, { input_ids: long([2, 4]), token_type_ids: long([2, 3], 0) }), { message: `${name}: token_type_ids has shape [2, 3] but input_ids has shape [2, 4]; token_type_ids must be (B, T) = [2, 4]` });
    assert.throws(() => fwd(m, { input_ids: long([2, 4]), position_ids: long([3, 4], 0) }), { message: `${name}: position_ids has shape [3, 4] but input_ids has shape [2, 4]; position_ids must be (B, T) = [2, 4] (or [1, 4])` });
    assert.doesNotThrow(() => fwd(m, { input_ids: long([2, 4]), position_ids: torch.arange(4).unsqueeze(0) }));
  }
});
