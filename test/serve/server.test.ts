// server.test.ts — `tunekit serve` through the official `openai` client on 127.0.0.1 with the real
// pretrained stories260K: greedy completions equal tunekit's generate() for the same prompt (and
// llama2.c's reference story from BOS), chat completions render the chat template with
// add_generation_prompt, streaming concatenates to the non-streamed answer, concurrent requests
// decode in shared batches yet each equals its prompt run alone, and streams are not mixed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type OpenAI from 'openai';
import { loadForServing, startServer, type RunningServer } from '../../src/serve/index.js';
import type { PreTrainedModel } from '../../src/models/index.js';
import type { PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { REFERENCE, client, completionText, greedyNew, storiesWithTemplate } from './helpers.js';

const CHAT_DIR = storiesWithTemplate();
let model: PreTrainedModel;
let tok: PreTrainedTokenizerFast;
let server: RunningServer;
const ready = (async () => {
  ({ model, tokenizer: tok } = await loadForServing(CHAT_DIR));
  server = await startServer(model, tok, { port: 0, servedModelName: 'stories' });
})();
after(async () => { await server?.close(); rmSync(CHAT_DIR, { recursive: true, force: true }); });

test('GET /v1/models lists the served model; the server listens on 127.0.0.1 with an ephemeral port', async () => {
  await ready;
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(server.port, 8000);
  const list = await client(server.url).models.list();
  assert.deepEqual(list.data.map((m) => [m.id, m.object, m.owned_by]), [['stories', 'model', 'tunekit']]);
});

test('completion from an empty prompt (BOS) is llama2.c\'s greedy story; usage counts the tokens', async () => {
  await ready;
  const r = await client(server.url).completions.create({ model: 'stories', prompt: '', max_tokens: 150, temperature: 0 });
  assert.equal(r.object, 'text_completion');
  assert.match(r.id, /^cmpl-/);
  assert.equal(r.model, 'stories');
  const c = r.choices[0]!;
  assert.equal(r.choices.length, 1);
  assert.equal(c.index, 0);
  assert.equal(c.finish_reason, 'length');
  assert.ok(c.text.length > 300, `150 tokens of story, got ${c.text.length} characters`);
  assert.equal(c.text, REFERENCE.slice(0, c.text.length));
  assert.deepEqual(r.usage, { prompt_tokens: 1, completion_tokens: 150, total_tokens: 151 });
});

test('greedy completions equal generate() on the same prompt ids; the completion keeps the space after the prompt', async () => {
  await ready;
  for (const [prompt, n] of [['Tom had a big', 40], ['The sun was', 25]] as const) {
    const ids = await tok.encode(prompt);
    const want = greedyNew(model, ids, n);
    const r = await client(server.url).completions.create({ model: 'stories', prompt, max_tokens: n, temperature: 0 });
    const text = completionText(tok, ids, want);
    assert.ok(text.startsWith(' '), 'the completion of a prompt that ends in a word starts with a space');
    assert.equal(r.choices[0]!.text, text, prompt);
    assert.deepEqual(r.usage, { prompt_tokens: ids.length, completion_tokens: want.length, total_tokens: ids.length + want.length });
  }
});

test('a prompt given as token ids is the same request as its text', async () => {
  await ready;
  const ids = await tok.encode('Lily saw a cat');
  const c = client(server.url);
  const [a, b] = await Promise.all([
    c.completions.create({ model: 'stories', prompt: ids, max_tokens: 20, temperature: 0 }),
    c.completions.create({ model: 'stories', prompt: 'Lily saw a cat', max_tokens: 20, temperature: 0 }),
  ]);
  assert.equal(a.choices[0]!.text, completionText(tok, ids, greedyNew(model, ids, 20)));
  assert.equal(a.choices[0]!.text, b.choices[0]!.text);
});

test('chat completion: the messages through the chat template with add_generation_prompt, answered as generate() continues them', async () => {
  await ready;
  const messages = [{ role: 'system' as const, content: 'You tell stories.' }, { role: 'user' as const, content: 'Once upon a time, there was a dog named Max.' }];
  const ids = await tok.applyChatTemplate(messages, { addGenerationPrompt: true });
  const without = await tok.applyChatTemplate(messages, { addGenerationPrompt: false });
  assert.notDeepEqual(ids, without, 'the template uses add_generation_prompt (the check has teeth)');
  const want = greedyNew(model, ids, 30);
  const r = await client(server.url).chat.completions.create({ model: 'stories', messages, max_completion_tokens: 30, temperature: 0 });
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.choices[0]!.message.role, 'assistant');
  assert.equal(r.choices[0]!.message.content, completionText(tok, ids, want));
  assert.equal(r.choices[0]!.finish_reason, 'length');
  assert.deepEqual(r.usage, { prompt_tokens: ids.length, completion_tokens: 30, total_tokens: ids.length + 30 });
  assert.notEqual(completionText(tok, ids, want), completionText(tok, without, greedyNew(model, without, 30)));
});

test('streaming: the chunks concatenate to the non-streamed answer; chat chunks start with the role and end with finish_reason, usage last', async () => {
  await ready;
  const c = client(server.url);
  const whole = await c.completions.create({ model: 'stories', prompt: 'Tom and Sue', max_tokens: 60, temperature: 0 });
  const s = await c.completions.create({ model: 'stories', prompt: 'Tom and Sue', max_tokens: 60, temperature: 0, stream: true });
  const pieces: string[] = [];
  const finishes: Array<string | null> = [];
  for await (const ch of s) {
    assert.equal(ch.object, 'text_completion');
    pieces.push(ch.choices[0]!.text);
    finishes.push(ch.choices[0]!.finish_reason);
  }
  assert.ok(pieces.filter((p) => p !== '').length > 10, 'the text arrives in many pieces');
  assert.equal(pieces.join(''), whole.choices[0]!.text);
  assert.deepEqual(finishes.slice(0, -1).filter((f) => f !== null), []);
  assert.equal(finishes.at(-1), 'length');

  const messages = [{ role: 'user' as const, content: 'Lily had a red ball.' }];
  const chat = await c.chat.completions.create({ model: 'stories', messages, max_tokens: 40, temperature: 0 });
  const cs = await c.chat.completions.create({ model: 'stories', messages, max_tokens: 40, temperature: 0, stream: true, stream_options: { include_usage: true } });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const ch of cs) chunks.push(ch);
  assert.ok(chunks.every((ch) => ch.object === 'chat.completion.chunk' && ch.id === chunks[0]!.id));
  assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' });
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, [], 'the usage chunk has no choices');
  assert.deepEqual(last.usage, chat.usage);
  assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, 'length');
  assert.equal(chunks.map((ch) => ch.choices[0]?.delta.content ?? '').join(''), chat.choices[0]!.message.content);
});

test('stop strings: the text before the first one, finish_reason stop, streamed the same (no piece of the stop string leaks)', async () => {
  await ready;
  const c = client(server.url);
  const r = await c.completions.create({ model: 'stories', prompt: '', max_tokens: 100, temperature: 0, stop: [' named', 'zzz'] });
  assert.equal(r.choices[0]!.text, 'Once upon a time, there was a little girl');
  assert.equal(r.choices[0]!.finish_reason, 'stop');
  const s = await c.completions.create({ model: 'stories', prompt: '', max_tokens: 100, temperature: 0, stop: ' named', stream: true });
  let text = '';
  for await (const ch of s) text += ch.choices[0]!.text;
  assert.equal(text, 'Once upon a time, there was a little girl');
});

test('concurrent requests decode in shared batches, each exactly as its prompt alone; concurrent streams are not mixed', async () => {
  await ready;
  const c = client(server.url);
  const prompts = ['Once upon a time', 'Tom had a big dog', 'The cat', 'Lily and Ben went to the park', 'One day', 'A little bird'];
  const lengths = [30, 45, 20, 35, 50, 25];
  const ids = await Promise.all(prompts.map((p) => tok.encode(p)));
  const want = ids.map((p, i) => completionText(tok, p, greedyNew(model, p, lengths[i]!)));
  assert.equal(new Set(want).size, want.length, 'every prompt has its own text (the check has teeth)');
  const before = { ...server.engine.stats };
  // a long request first, so the others queue up behind it and form a batch
  const blocker = await c.completions.create({ model: 'stories', prompt: '', max_tokens: 200, temperature: 0, stream: true });
  const it = blocker[Symbol.asyncIterator]();
  await it.next();
  const got = await Promise.all(prompts.map(async (prompt, i) => {
    if (i % 2 === 0) {
      const r = await c.completions.create({ model: 'stories', prompt, max_tokens: lengths[i]!, temperature: 0 });
      return r.choices[0]!.text;
    }
    const s = await c.completions.create({ model: 'stories', prompt, max_tokens: lengths[i]!, temperature: 0, stream: true });
    let t = '';
    for await (const ch of s) t += ch.choices[0]!.text;
    return t;
  }));
  for (let r = await it.next(); !r.done; r = await it.next()); // drain the blocker
  assert.deepEqual(got, want);
  const rows = server.engine.stats.rows - before.rows, batches = server.engine.stats.batches - before.batches;
  assert.equal(rows, prompts.length + 1);
  assert.ok(batches < rows, `requests shared batches (${rows} requests in ${batches} batches)`);
  assert.ok(server.engine.stats.maxBatchRows >= 2);
});

test('sampling: a seed reproduces its text, another seed or greedy gives another', async () => {
  await ready;
  const c = client(server.url);
  const ask = async (extra: object): Promise<string> =>
    (await c.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 40, ...extra })).choices[0]!.text;
  const [a, b, other, greedy] = await Promise.all([
    ask({ temperature: 1.0, seed: 7 }), ask({ temperature: 1.0, seed: 7 }), ask({ temperature: 1.0, seed: 8 }), ask({ temperature: 0 }),
  ]);
  assert.equal(a, b);
  assert.notEqual(a, other);
  assert.notEqual(a, greedy);
  // without temperature the model's generation_config.json decides: stories260K's is greedy (do_sample false)
  assert.equal(await ask({}), greedy);
});
