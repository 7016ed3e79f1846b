// errors.test.ts — the server's refusals, in OpenAI's error shape ({error: {message, type, param,
// code}}) through the `openai` client's error classes: 429 when the queue is full, 400 for broken
// JSON, a prompt over --max-prompt-tokens or the context, max_tokens over --max-tokens, n > 1 and
// unsupported fields, 404 for another model name, 408 past --request-timeout; a client that hangs
// up frees its place; and after every one of them the server still answers correctly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { loadForServing, startServer, type RunningServer } from '../../src/serve/index.js';
import type { PreTrainedModel } from '../../src/models/index.js';
import type { PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { REFERENCE, STORIES, client, completionText, greedyNew, postRaw } from './helpers.js';

let model: PreTrainedModel;
let tok: PreTrainedTokenizerFast;
const servers: RunningServer[] = [];
const ready = (async () => ({ model, tokenizer: tok } = await loadForServing(STORIES)))();
const serve = async (opts: Parameters<typeof startServer>[2]): Promise<RunningServer> => {
  await ready;
  const s = await startServer(model, tok, { port: 0, servedModelName: 'stories', ...opts });
  servers.push(s);
  return s;
};
after(async () => { for (const s of servers) await s.close(); });

/** The server still answers a normal request with generate()'s text. */
async function stillServes(s: RunningServer): Promise<void> {
  const ids = await tok.encode('Tom had a big');
  const r = await client(s.url).completions.create({ model: 'stories', prompt: 'Tom had a big', max_tokens: 12, temperature: 0 });
  assert.equal(r.choices[0]!.text, completionText(tok, ids, greedyNew(model, ids, 12)));
}

async function refusal(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof OpenAI.APIError, `an APIError, got ${String(e)}`);
    return e;
  }
  assert.fail('the request was not refused');
}

test('400s: broken JSON, a non-object body, n > 1, unsupported fields, bad values — each names the problem; 404 for another model', async () => {
  const s = await serve({});
  const broken = await postRaw(s.url, '/v1/completions', '{"model": "stories", "prompt": ');
  assert.equal(broken.status, 400);
  assert.equal(broken.json.error.type, 'invalid_request_error');
  assert.equal(broken.json.error.code, 'invalid_json');
  assert.match(broken.json.error.message, /not valid JSON/);
  const arr = await postRaw(s.url, '/v1/chat/completions', '[1, 2]');
  assert.equal(arr.status, 400);
  assert.match(arr.json.error.message, /must be a JSON object/);
  await stillServes(s);

  const c = client(s.url);
  const n = await refusal(c.completions.create({ model: 'stories', prompt: 'Hi', n: 2 }));
  assert.equal(n.status, 400);
  assert.equal(n.param, 'n');
  assert.match(n.message, /n = 2 is not supported/);
  const chatN = await refusal(c.chat.completions.create({ model: 'stories', messages: [{ role: 'user', content: 'Hi' }], n: 3 }));
  assert.equal(chatN.status, 400);
  assert.equal(chatN.param, 'n');
  const lp = await refusal(c.completions.create({ model: 'stories', prompt: 'Hi', logprobs: 2 }));
  assert.equal(lp.param, 'logprobs');
  const temp = await refusal(c.completions.create({ model: 'stories', prompt: 'Hi', temperature: 3 }));
  assert.equal(temp.param, 'temperature');
  assert.match(temp.message, /\[0, 2\]/);
  const many = await refusal(c.completions.create({ model: 'stories', prompt: ['a', 'b'] }));
  assert.match(many.message, /2 prompts/);
  const other = await refusal(c.completions.create({ model: 'gpt-4o', prompt: 'Hi' }));
  assert.equal(other.status, 404);
  assert.equal(other.code, 'model_not_found');
  const noTemplate = await refusal(c.chat.completions.create({ model: 'stories', messages: [{ role: 'user', content: 'Hi' }] }));
  assert.equal(noTemplate.status, 400);
  assert.match(noTemplate.message, /no chat template.*--chat-template/);
  const route = await fetch(`${s.url}/v1/embeddings`, { method: 'POST', body: '{}' });
  assert.equal(route.status, 404);
  await stillServes(s);
});

test('400s naming the limit: a prompt over --max-prompt-tokens, over the model context (512), max_tokens over --max-tokens or past the context', async () => {
  const s = await serve({ maxPromptTokens: 8, maxTokens: 64 });
  const c = client(s.url);
  const long = 'Once upon a time, there was a little girl named Lily.';
  assert.ok((await tok.encode(long)).length > 8);
  const e1 = await refusal(c.completions.create({ model: 'stories', prompt: long, max_tokens: 5 }));
  assert.equal(e1.status, 400);
  assert.equal(e1.code, 'context_length_exceeded');
  assert.match(e1.message, /the prompt has \d+ tokens, more than this server's limit of 8 prompt tokens \(--max-prompt-tokens\)/);
  const e2 = await refusal(c.completions.create({ model: 'stories', prompt: 'Hi', max_tokens: 65 }));
  assert.equal(e2.param, 'max_tokens');
  assert.match(e2.message, /limit of 64 new tokens per request \(--max-tokens\)/);
  await stillServes(s);

  const wide = await serve({});
  const cw = client(wide.url);
  const huge = 'the cat sat on the mat. '.repeat(60);
  const e3 = await refusal(cw.completions.create({ model: 'stories', prompt: huge, max_tokens: 5 }));
  assert.equal(e3.status, 400);
  assert.match(e3.message, /maximum context length is 512 tokens, but the prompt has \d{3,} tokens/);
  const ids = await tok.encode('Tom had a big');
  const e4 = await refusal(cw.completions.create({ model: 'stories', prompt: 'Tom had a big', max_tokens: 512 - ids.length + 1 }));
  assert.match(e4.message, new RegExp(`maximum context length is 512 tokens\\. However, you requested 513 tokens \\(${ids.length} in the prompt, ${513 - ids.length} in the completion\\)`));
  // without max_tokens a chat-less completion gets OpenAI's default of 16 tokens
  const d = await cw.completions.create({ model: 'stories', prompt: 'Tom had a big', temperature: 0 });
  assert.equal(d.usage!.completion_tokens, 16);
  await stillServes(wide);
});

test('429 when the queue is full (rate_limit_exceeded); a client that hangs up frees the batch; the server still answers', async () => {
  const s = await serve({ maxBatchSize: 1, maxQueue: 1 });
  const c = client(s.url);
  const blocker = await c.completions.create({ model: 'stories', prompt: '', max_tokens: 450, temperature: 0, stream: true });
  const it = blocker[Symbol.asyncIterator]();
  await it.next(); // decoding: the batch (of one) is taken
  const ask = (p: string): Promise<OpenAI.Completion> => c.completions.create({ model: 'stories', prompt: p, max_tokens: 6, temperature: 0 });
  const both = [ask('Tom had a big'), ask('The sun was')];
  const outcome = both.map((p) => p.then((r) => r, (e: unknown) => e as Error));
  // one waits in the queue behind the blocker, the other finds the queue full at once
  const first = await Promise.race(outcome);
  assert.ok(first instanceof OpenAI.APIError, 'the first answer is the refusal');
  assert.equal(first.status, 429);
  assert.equal(first.code, 'rate_limit_exceeded');
  assert.equal((first.error as { type?: string }).type, 'requests');
  assert.match(first.message, /queue is full \(1 requests waiting, --max-queue\)/);
  assert.equal(s.engine.stats.rejectedQueueFull, 1);
  assert.equal(s.engine.queued, 1);
  await it.return!(); // the blocker's client hangs up: its row leaves the batch
  const results = await Promise.all(outcome);
  const ok = results.filter((r): r is OpenAI.Completion => !(r instanceof Error));
  assert.equal(ok.length, 1);
  const prompt = results[0] instanceof Error ? 'The sun was' : 'Tom had a big';
  const ids = await tok.encode(prompt);
  assert.equal(ok[0]!.choices[0]!.text, completionText(tok, ids, greedyNew(model, ids, 6)));
  assert.ok(s.engine.stats.rows <= 2, 'the refused request never decoded');
  await stillServes(s);
});

test('408 past --request-timeout (queued or decoding), streamed as an error event after the 200; the server still answers', async () => {
  const s = await serve({ requestTimeout: 0.15 });
  const c = client(s.url);
  const e = await refusal(c.completions.create({ model: 'stories', prompt: '', max_tokens: 500, temperature: 0 }));
  assert.equal(e.status, 408);
  assert.equal(e.code, 'request_timeout');
  assert.match(e.message, /within 0\.15 s \(--request-timeout\)/);
  const st = await c.completions.create({ model: 'stories', prompt: '', max_tokens: 500, temperature: 0, stream: true });
  let text = '';
  const err = await refusal((async () => { for await (const ch of st) text += ch.choices[0]!.text; })());
  assert.match(err.message, /--request-timeout/);
  assert.equal(text, REFERENCE.slice(0, text.length), 'what streamed before the timeout is the story');
  assert.ok(s.engine.stats.timedOut >= 2);
  // the check that the engine is not wedged must not itself race the 0.15 s limit: a busy CI machine once
  // took longer for its 12 tokens
  s.engine.opts.requestTimeoutMs = null;
  await stillServes(s);
});
