// config.test.ts — typed configs: every fixture config.json round-trips byte for byte (as
// transformers writes it), unknown config.json keys are kept verbatim, unknown keys from code are
// errors, range and cross-field rules name the field and value, label maps follow HF.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoConfig, BertConfig, DistilBertConfig, RobertaConfig, ConfigError, knownModelTypes, parsePyJson, pyDumps,
} from '../../src/models/index.js';
import { sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
const dir = mkdtempSync(join(tmpdir(), 'tunekit-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('every implemented fixture config.json is re-written byte for byte (to_diff_dict, sort_keys, float repr)', async () => {
  let n = 0;
  for (const name of readdirSync(MODELS).sort()) {
    const path = join(MODELS, name, 'config.json');
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    if (!knownModelTypes().includes((JSON.parse(text) as { model_type: string }).model_type)) continue;
    const cfg = await AutoConfig.fromPretrained(join(MODELS, name));
    assert.equal(cfg.toJsonString(), text, name);
    n++;
  }
  assert.ok(n >= 13, `checked ${n} configs`);
});

test('AutoConfig dispatches on model_type and types the fields', async () => {
  const bert = await AutoConfig.fromPretrained(join(MODELS, 'bert_seqcls'));
  assert.ok(bert instanceof BertConfig);
  assert.equal((bert as BertConfig).hidden_size, 32);
  assert.equal(bert.num_labels, 3);
  assert.deepEqual({ ...bert.id2label }, { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
  assert.equal(bert.problem_type, 'single_label_classification');
  const distil = await AutoConfig.fromPretrained(join(MODELS, 'distilbert_mlm'));
  assert.ok(distil instanceof DistilBertConfig);
  assert.equal((distil as DistilBertConfig).hidden_size, 32, 'attribute_map hidden_size -> dim');
  assert.equal((distil as DistilBertConfig).num_hidden_layers, 2);
  const rob = await AutoConfig.fromPretrained(join(MODELS, 'roberta_seqcls'));
  assert.ok(rob instanceof RobertaConfig);
  assert.deepEqual([rob.pad_token_id, rob.bos_token_id, rob.eos_token_id], [1, 0, 2]);
  assert.deepEqual([new RobertaConfig().pad_token_id, new BertConfig().pad_token_id, new DistilBertConfig().pad_token_id], [1, 0, 0]);
});

test('unknown model_type: the error lists the known ones; a missing model_type falls back to the folder name', async () => {
  const d = join(dir, 'weird');
  mkdirSync(d);
  writeFileSync(join(d, 'config.json'), JSON.stringify({ model_type: 'gpt_bigcode_xl', hidden_size: 8 }));
  await assert.rejects(AutoConfig.fromPretrained(d), (e: Error) => /Unrecognized model_type 'gpt_bigcode_xl'/.test(e.message) && ['bert', 'distilbert', 'roberta', 'llama'].every((t) => e.message.includes(t)));
  assert.throws(() => AutoConfig.forModel('nope'), /tunekit knows: .*bert/);
  const named = join(dir, 'my-roberta-finetune');
  mkdirSync(named);
  writeFileSync(join(named, 'config.json'), JSON.stringify({ hidden_size: 16, num_attention_heads: 2 }));
  assert.ok((await AutoConfig.fromPretrained(named)) instanceof RobertaConfig);
});

test('unknown config.json keys are kept verbatim (floats stay floats) and written back', async () => {
  const d = join(dir, 'extras');
  mkdirSync(d);
  const src = { model_type: 'bert', hidden_size: 16, num_attention_heads: 2, gradient_checkpointing: false, my_scale: 1.0, nested: { b: [1, 2.0, 'x'], a: null }, _name_or_path: 'bert-base-uncased' };
  writeFileSync(join(d, 'config.json'), JSON.stringify(src).replace('"my_scale":1', '"my_scale":1.0').replace('[1,2,', '[1,2.0,'));
  const cfg = await BertConfig.fromPretrained(d);
  assert.deepEqual(Object.keys(cfg.extras).sort(), ['_name_or_path', 'gradient_checkpointing', 'my_scale', 'nested']);
  await cfg.savePretrained(join(d, 'out'));
  const text = readFileSync(join(d, 'out', 'config.json'), 'utf8');
  assert.match(text, /"my_scale": 1\.0,/);
  assert.match(text, /"nested": \{\n    "a": null,\n    "b": \[\n      1,\n      2\.0,\n      "x"\n    \]\n  \}/);
  const again = await BertConfig.fromPretrained(join(d, 'out'));
  assert.equal(again.toJsonString(), text, 'stable round trip');
});

test('unknown fields passed from code are errors', () => {
  assert.throws(() => new BertConfig({ hiden_size: 8 } as never), (e: Error) => e instanceof ConfigError && /unknown field 'hiden_size'/.test(e.message));
  const cfg = new BertConfig();
  assert.throws(() => cfg.update({ num_lables: 3 }), /unknown field\(s\) 'num_lables'/);
  assert.equal(cfg.num_labels, 2, 'left unchanged');
});

test('range and cross-field rules name the field and the value', () => {
  const bad: [() => unknown, RegExp][] = [
    [() => new BertConfig({ hidden_size: 30, num_attention_heads: 4 }), /hidden_size \(30\) must be a multiple of num_attention_heads \(4\)/],
    [() => new BertConfig({ vocab_size: 0 }), /BertConfig\.vocab_size must be an integer >= 1, got 0/],
    [() => new BertConfig({ layer_norm_eps: 0 }), /BertConfig\.layer_norm_eps must be a number > 0, got 0/],
    [() => new BertConfig({ hidden_dropout_prob: 1.5 }), /BertConfig\.hidden_dropout_prob must be a number >= 0 and <= 1, got 1\.5/],
    [() => new BertConfig({ attention_probs_dropout_prob: -0.1 }), /attention_probs_dropout_prob .* got -0\.1/],
    [() => new BertConfig({ hidden_act: 'swishy' }), /BertConfig\.hidden_act must be one of .*gelu.*, got "swishy"/],
    [() => new BertConfig({ num_hidden_layers: 2.5 }), /num_hidden_layers must be an integer >= 0, got 2\.5/],
    [() => new BertConfig({ hidden_size: '768' as never }), /hidden_size must be an integer >= 1, got "768"/],
    [() => new BertConfig({ pad_token_id: 500, vocab_size: 100 }), /pad_token_id must be in \[0, vocab_size=100\), got 500/],
    [() => new BertConfig({ position_embedding_type: 'relative_key' }), /position_embedding_type "relative_key" is not supported/],
    [() => new BertConfig({ problem_type: 'ranking' as never }), /problem_type must be one of 'regression', 'single_label_classification', 'multi_label_classification' or null, got "ranking"/],
    [() => new BertConfig({ num_labels: 5, id2label: { 0: 'a', 1: 'b' } }), /num_labels=5 is inconsistent with id2label, which has 2 entries/],
    [() => new BertConfig({ id2label: { 0: 'a', 2: 'b' } }), /id2label keys must be the indices 0\.\.1, got key "2"/],
    [() => new BertConfig({ id2label: { 0: 'a', 1: 'b' }, label2id: { a: 1, b: 0 } }), /label2id .* is not the inverse of id2label/],
    [() => new BertConfig({ num_labels: 0 }), /num_labels must be an integer >= 1, got 0/],
    [() => new BertConfig({ is_decoder: true }), /is_decoder/],
    [() => new DistilBertConfig({ dim: 30, n_heads: 4 }), /dim \(30\) must be a multiple of n_heads \(4\)/],
    [() => new DistilBertConfig({ activation: 'tanhh' }), /DistilBertConfig\.activation must be one of/],
    [() => new DistilBertConfig({ seq_classif_dropout: 2 }), /seq_classif_dropout .* got 2/],
    [() => new RobertaConfig({ pad_token_id: null }), /RobertaConfig\.pad_token_id must be set/],
    [() => new BertConfig({ model_type: 'roberta' } as never), /model_type is 'bert', got "roberta"/],
  ];
  for (const [fn, re] of bad) assert.throws(fn, (e: Error) => e instanceof ConfigError && re.test(e.message), String(re));
});

test('labels: num_labels makes LABEL_i maps, id2label keys are strings in JSON, a changed count resets the maps', () => {
  const c = new BertConfig({ num_labels: 3 });
  assert.deepEqual({ ...c.label2id }, { LABEL_0: 0, LABEL_1: 1, LABEL_2: 2 });
  const named = new BertConfig({ id2label: { 0: 'neg', 1: 'pos' } });
  assert.equal(named.num_labels, 2);
  assert.deepEqual({ ...named.label2id }, { neg: 0, pos: 1 });
  const json = named.toDiffDict();
  assert.deepEqual(json.id2label, { 0: 'neg', 1: 'pos' });
  assert.match(named.toJsonString(), /"id2label": \{\n    "0": "neg",\n    "1": "pos"\n  \}/);
  named.num_labels = 2;
  assert.equal(named.id2label[1], 'pos', 'same count keeps the names');
  named.num_labels = 4;
  assert.equal(named.id2label[3], 'LABEL_3', 'a new count resets to LABEL_i (HF)');
  named.update({ num_labels: 4 });
  assert.equal(named.id2label[3], 'LABEL_3');
  const kept = new BertConfig({ id2label: { 0: 'neg', 1: 'pos' } }).update({ num_labels: 2, hidden_dropout_prob: 0.2 });
  assert.deepEqual({ ...kept.id2label }, { 0: 'neg', 1: 'pos' }, 'update with the same count keeps the names');
  assert.equal(kept.hidden_dropout_prob, 0.2);
  assert.equal(new DistilBertConfig().update({ hidden_size: 64, n_heads: 8 }).dim, 64, 'attribute_map in update');
  // A hub config.json's stale label2id is accepted (type-checked only).
  const stale = BertConfig.fromDict({ id2label: { 0: 'neg', 1: 'pos' }, label2id: { LABEL_0: 0, LABEL_1: 1 } });
  assert.deepEqual({ ...stale.label2id }, { LABEL_0: 0, LABEL_1: 1 });
  // The default two-label maps are not written (HF's to_diff_dict).
  assert.doesNotMatch(new BertConfig().toJsonString(), /id2label/);
});

test('pyDumps writes what Python json.dumps(indent=2, sort_keys=True) writes', () => {
  const v = parsePyJson('{"b": 1.0, "a": [], "c": {}, "10": "x", "2": "y", "u": "é😀", "e": 1e-05, "big": 1e16, "neg": -0.0}');
  assert.equal(pyDumps(v), '{\n  "10": "x",\n  "2": "y",\n  "a": [],\n  "b": 1.0,\n  "big": 1e+16,\n  "c": {},\n  "e": 1e-05,\n  "neg": -0.0,\n  "u": "\\u00e9\\ud83d\\ude00"\n}');
  assert.throws(() => parsePyJson('{"a": 1,}', 'x.json'), /x\.json: invalid JSON/);
  assert.equal((parsePyJson('{"__proto__": 1}') as Record<string, number>)['__proto__'], 1);
});
