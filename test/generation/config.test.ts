// config.test.ts — GenerationConfig: transformers 4.47.1's defaults, validation (errors name the
// fields and values; unknown keys from code are errors with the closest name, from files they are
// kept), generation_config.json read and written byte for byte as HF writes it, from_model_config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenerationConfig } from '../../src/generation/index.js';
import { AutoConfig, ConfigError } from '../../src/models/index.js';
import { sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');

test('defaults are transformers 4.47.1\'s', () => {
  const g = new GenerationConfig();
  assert.equal(g.max_length, 20);
  assert.equal(g.max_new_tokens, null);
  assert.equal(g.min_length, 0);
  assert.equal(g.do_sample, false);
  assert.equal(g.num_beams, 1);
  assert.equal(g.num_return_sequences, 1);
  assert.equal(g.temperature, 1.0);
  assert.equal(g.top_k, 50);
  assert.equal(g.top_p, 1.0);
  assert.equal(g.min_p, null);
  assert.equal(g.typical_p, 1.0);
  assert.equal(g.repetition_penalty, 1.0);
  assert.equal(g.length_penalty, 1.0);
  assert.equal(g.early_stopping, false);
  assert.equal(g.no_repeat_ngram_size, 0);
  assert.equal(g.use_cache, true);
  assert.equal(g.eos_token_id, null);
  assert.equal(g.renormalize_logits, false);
  assert.equal(g.toJsonString(), '{\n  "transformers_version": "4.47.1"\n}\n');
});

test('fields from code: snake_case or camelCase; unknown names are errors naming the closest field', () => {
  assert.equal(new GenerationConfig({ maxNewTokens: 5, topP: 0.5 }).max_new_tokens, 5);
  assert.equal(new GenerationConfig({ maxNewTokens: 5, topP: 0.5 }).top_p, 0.5);
  assert.throws(() => new GenerationConfig({ max_new_tokens: 5, maxNewTokens: 6 }), /'maxNewTokens' and 'max_new_tokens' are the same field/);
  assert.throws(() => new GenerationConfig({ max_new_token: 5 } as never), (e: Error) => e instanceof ConfigError && /unknown field 'max_new_token' \(did you mean 'max_new_tokens'\?\)/.test(e.message));
  assert.throws(() => new GenerationConfig({ temprature: 0.5 } as never), /did you mean 'temperature'/);
  const g = new GenerationConfig();
  assert.deepEqual(g.update({ top_k: 5, foo: 1 }), { foo: 1 }, 'update returns the keys that are not fields (HF: model kwargs)');
  assert.equal(g.top_k, 5);
});

test('validation: values and cross-field rules, errors naming them', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ num_beams: 2, num_return_sequences: 3 }, /num_return_sequences \(3\) has to be smaller or equal to num_beams \(2\)/],
    [{ num_return_sequences: 2 }, /greedy decoding .* num_return_sequences is 2/],
    [{ do_sample: true, temperature: 0 }, /temperature must be > 0 when sampling .* got 0/],
    [{ do_sample: true, temperature: -1 }, /temperature must be > 0 when sampling/],
    [{ top_p: 0 }, /GenerationConfig\.top_p must be a number in \(0, 1\], got 0/],
    [{ top_p: 1.5 }, /top_p must be a number in \(0, 1\], got 1.5/],
    [{ top_k: -1 }, /top_k must be an integer >= 0, got -1/],
    [{ top_k: 2.5 }, /top_k must be an integer/],
    [{ min_p: 2 }, /min_p must be a number in \[0, 1\]/],
    [{ typical_p: 0 }, /typical_p must be a number in \(0, 1\]/],
    [{ max_new_tokens: 0 }, /max_new_tokens must be an integer > 0, got 0/],
    [{ num_beams: 0 }, /num_beams must be an integer >= 1/],
    [{ repetition_penalty: 0 }, /repetition_penalty must be a number > 0/],
    [{ early_stopping: 'sometimes' }, /early_stopping must be true, false or 'never'/],
    [{ eos_token_id: [] }, /eos_token_id must be an integer, a non-empty list/],
    [{ eos_token_id: 'x' }, /eos_token_id must be an integer/],
    [{ bad_words_ids: [1, 2] }, /bad_words_ids must be a non-empty list of non-empty lists/],
    [{ stop_strings: [''] }, /stop_strings must be a non-empty string/],
    [{ do_sample: 'yes' }, /do_sample must be true or false/],
  ];
  for (const [init, re] of bad) assert.throws(() => new GenerationConfig(init as never), (e: Error) => e instanceof ConfigError && re.test(e.message), JSON.stringify(init));
  // fine: temperature 0 without sampling (HF only warns), early_stopping 'never', a list of EOS ids
  assert.equal(new GenerationConfig({ temperature: 0 }).temperature, 0);
  assert.equal(new GenerationConfig({ early_stopping: 'never', num_beams: 2 }).early_stopping, 'never');
  assert.deepEqual(new GenerationConfig({ eos_token_id: [1, 2] }).eos_token_id, [1, 2]);
  // a direct assignment is checked on the next validate()
  const g = new GenerationConfig();
  (g as unknown as Record<string, unknown>).top_k = -3;
  assert.throws(() => g.validate(), /top_k must be an integer >= 0/);
});

test('toJsonString writes what transformers writes: only non-default fields, sorted, indent 2, floats as floats', () => {
  const g = new GenerationConfig({
    do_sample: true, temperature: 0.7, top_p: 0.9, top_k: 40, max_new_tokens: 128, eos_token_id: [1, 2], length_penalty: 2,
    num_beams: 4, stop_strings: ['\n\nUser:'], bad_words_ids: [[3, 4]], min_p: 0.05, repetition_penalty: 1.0, max_length: 20,
  });
  // transformers 5.18's GenerationConfig(...).to_json_string() for these fields, version set to 4.47.1 (whose defaults drop max_length 20)
  const expected = '{\n  "bad_words_ids": [\n    [\n      3,\n      4\n    ]\n  ],\n  "do_sample": true,\n  "eos_token_id": [\n    1,\n    2\n  ],\n'
    + '  "length_penalty": 2.0,\n  "max_new_tokens": 128,\n  "min_p": 0.05,\n  "num_beams": 4,\n  "stop_strings": [\n    "\\n\\nUser:"\n  ],\n'
    + '  "temperature": 0.7,\n  "top_k": 40,\n  "top_p": 0.9,\n  "transformers_version": "4.47.1"\n}\n';
  assert.equal(g.toJsonString(), expected);
});

test('generation_config.json: the fixtures round-trip byte for byte; unknown keys and integer literals are kept', async () => {
  for (const name of ['llama_lm', 'qwen2_lm', 'gpt2_lm']) {
    const text = readFileSync(join(MODELS, name, 'generation_config.json'), 'utf8');
    const g = await GenerationConfig.fromPretrained(join(MODELS, name));
    assert.equal(g.toJsonString(), text, name);
    assert.equal(g._from_model_config, true);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tk-gencfg-'));
  try {
    const src = '{\n  "bos_token_id": 1,\n  "custom_thing": {\n    "a": 1.0\n  },\n  "do_sample": true,\n  "repetition_penalty": 2,\n  "temperature": 0.6,\n  "transformers_version": "4.40.0"\n}\n';
    writeFileSync(join(dir, 'generation_config.json'), src);
    const g = await GenerationConfig.fromPretrained(dir);
    assert.equal(JSON.stringify(g.extras), '{"custom_thing":{"a":1}}');
    assert.equal(g.toJsonString(), src);
    const out = join(dir, 'out');
    await g.savePretrained(out);
    assert.equal(readFileSync(join(out, 'generation_config.json'), 'utf8'), src);
    // a default-valued key a file carries is dropped on save, as HF's to_diff_dict does
    writeFileSync(join(dir, 'generation_config.json'), '{"bos_token_id": 1, "eos_token_id": 2, "do_sample": false}');
    assert.equal((await GenerationConfig.fromPretrained(dir)).toJsonString(), '{\n  "bos_token_id": 1,\n  "eos_token_id": 2,\n  "transformers_version": "4.47.1"\n}\n');
    writeFileSync(join(dir, 'generation_config.json'), '{"top_p": 7}');
    await assert.rejects(GenerationConfig.fromPretrained(dir), /generation_config\.json: GenerationConfig\.top_p must be a number in \(0, 1\], got 7/);
    await assert.rejects(GenerationConfig.fromPretrained(join(dir, 'nope')), /no generation config at/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fromModelConfig (HF from_model_config) gives the fixtures\' generation_config.json from their config.json', async () => {
  for (const name of ['llama_lm', 'qwen2_lm', 'gpt2_lm']) {
    const cfg = await AutoConfig.fromPretrained(join(MODELS, name));
    const g = GenerationConfig.fromModelConfig(cfg);
    assert.equal(g.toJsonString(), readFileSync(join(MODELS, name, 'generation_config.json'), 'utf8'), name);
  }
  // legacy generation keys in a model config are taken; null ids are left out; sub-configs fill unset fields
  const g = GenerationConfig.fromModelConfig({ max_length: 64, num_beams: 4, pad_token_id: null, eos_token_id: 7, hidden_size: 3, text_config: { top_k: 5, eos_token_id: 9 } });
  assert.equal(g.max_length, 64);
  assert.equal(g.num_beams, 4);
  assert.equal(g.pad_token_id, null);
  assert.equal(g.eos_token_id, 7);
  assert.equal(g.top_k, 5);
  assert.deepEqual(Object.keys(g.extras), []);
});

test('clone is deep and keeps explicit fields', () => {
  const g = new GenerationConfig({ bad_words_ids: [[1]], top_k: 50 });
  const c = g.clone();
  c.bad_words_ids![0]!.push(2);
  assert.deepEqual(g.bad_words_ids, [[1]]);
  assert.deepEqual(c.explicitFields().sort(), ['bad_words_ids', 'top_k']);
});
