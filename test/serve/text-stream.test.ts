// text-stream.test.ts — the pieces of the server that need no HTTP: StopTextStream (incremental
// text with stop strings across token boundaries, held-back prefixes, incomplete UTF-8 characters
// of the byte-fallback tokenizer, the prompt's space) with the real stories260K tokenizer, and the
// request checks of protocol.ts / limits.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { GenerationConfig } from '../../src/generation/index.js';
import { StopTextStream, parseChatRequest, parseCompletionRequest, parseJsonBody, admit, resolveSampling, batchKey, ApiError } from '../../src/serve/index.js';
import { STORIES } from './helpers.js';

const tok = await AutoTokenizer.fromPretrained(STORIES);
const STORY = 'Once upon a time, there was a little girl named Lily. She loved 🍕 pizza and the café.';

/** Feeds the ids one by one; returns the pieces handed out and the stream. */
function feed(ids: number[], stop: string[], prompt: number[] = []): { pieces: string[]; s: StopTextStream; stoppedAt: number } {
  const s = new StopTextStream(tok, stop, prompt);
  const pieces: string[] = [];
  let stoppedAt = -1;
  for (const [i, id] of ids.entries()) {
    pieces.push(s.push(id));
    if (s.stopped) { stoppedAt = i; break; }
  }
  if (!s.stopped) pieces.push(s.finish());
  return { pieces, s, stoppedAt };
}

test('StopTextStream without stop strings: the pieces join to decode(ids); no piece holds half a UTF-8 character', async () => {
  const ids = await tok.encode(STORY, { addSpecialTokens: false });
  const { pieces } = feed(ids, []);
  assert.equal(pieces.join(''), tok.decode(ids));
  assert.equal(pieces.join(''), STORY);
  assert.ok(pieces.every((p) => !p.includes('\uFFFD')), 'the emoji and é arrive whole');
  assert.ok(pieces.filter((p) => p === '').length >= 3, 'byte-fallback tokens of one character are held until it is complete');
});

test('StopTextStream: a stop string across tokens cuts the text before it; its first characters are held back, never emitted', async () => {
  const ids = await tok.encode(STORY, { addSpecialTokens: false });
  for (const [stop, want] of [[' named', 'Once upon a time, there was a little girl'], ['Lily. She', 'Once upon a time, there was a little girl named '], ['🍕', 'Once upon a time, there was a little girl named Lily. She loved ']] as const) {
    const { pieces, s, stoppedAt } = feed(ids, ['never there', stop]);
    assert.equal(pieces.join(''), want, stop);
    assert.ok(s.stopped && stoppedAt < ids.length - 1, 'it stopped at the token completing the stop string');
  }
  // the earliest of several stop strings wins
  assert.equal(feed(ids, ['Lily', 'little']).pieces.join(''), 'Once upon a time, there was a ');
  // a prefix of a stop string that does not complete is released at the end
  assert.equal(feed(ids, ['café!']).pieces.join(''), STORY);
});

test('StopTextStream: the prompt\'s last tokens give the completion its leading space', async () => {
  const prompt = await tok.encode('Tom had a');
  const ids = await tok.encode('Tom had a big dog', { addSpecialTokens: true });
  const fresh = ids.slice(prompt.length);
  assert.equal(feed(fresh, [], prompt).pieces.join(''), ' big dog');
  assert.equal(feed(fresh, []).pieces.join(''), 'big dog', 'decoded alone, SentencePiece drops the space');
});

test('protocol: bodies are checked and normalised; each refusal is a 400 naming its parameter', () => {
  const bad = (f: () => unknown, param: string | null, re: RegExp): void => {
    assert.throws(f, (e: unknown) => e instanceof ApiError && e.status === 400 && e.param === param && re.test(e.message));
  };
  bad(() => parseJsonBody('{"a": '), null, /not valid JSON/);
  bad(() => parseJsonBody('"text"'), null, /JSON object/);
  const c = parseCompletionRequest({ model: 'm', prompt: ['Hi'], max_tokens: 5, stop: 'x', temperature: 0, stream: true, stream_options: { include_usage: true }, user: 'u' });
  assert.deepEqual(c, { model: 'm', kind: 'completion', prompt: 'Hi', maxTokens: 5, temperature: 0, topP: null, seed: null, stop: ['x'], stream: true, includeUsage: true });
  assert.deepEqual(parseCompletionRequest({ model: 'm', prompt: [[1, 5, 9]] }).prompt, [1, 5, 9]);
  const chat = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }], max_completion_tokens: 7 });
  assert.deepEqual(chat.messages, [{ role: 'user', content: 'a\nb' }]);
  assert.equal(chat.maxTokens, 7);
  bad(() => parseCompletionRequest({ prompt: 'x' }), 'model', /`model` is required/);
  bad(() => parseCompletionRequest({ model: 'm', prompt: 'x', n: 4 }), 'n', /n = 4 is not supported/);
  bad(() => parseCompletionRequest({ model: 'm', prompt: 'x', max_tokens: 0 }), 'max_tokens', /integer >= 1/);
  bad(() => parseCompletionRequest({ model: 'm', prompt: 'x', max_tokens: 3, max_completion_tokens: 4 }), 'max_completion_tokens', /disagree/);
  bad(() => parseCompletionRequest({ model: 'm', prompt: 'x', top_p: 0 }), 'top_p', /\(0, 1\]/);
  bad(() => parseCompletionRequest({ model: 'm', prompt: 'x', stop: ['a', ''] }), 'stop', /non-empty/);
  bad(() => parseCompletionRequest({ model: 'm', prompt: 'x', presence_penalty: 0.5 }), 'presence_penalty', /not supported/);
  bad(() => parseCompletionRequest({ model: 'm', prompt: 'x', stream_options: { include_usage: true } }), 'stream_options', /only allowed with stream/);
  bad(() => parseChatRequest({ model: 'm', messages: [] }), 'messages', /non-empty/);
  bad(() => parseChatRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }), 'messages[0].content', /only text parts/);
  // defaults that mean "off" are accepted
  assert.equal(parseCompletionRequest({ model: 'm', prompt: 'x', n: 1, logprobs: null, presence_penalty: 0, echo: false }).prompt, 'x');
});

test('limits: admit() picks max_tokens within --max-tokens and the context; sampling follows the request over generation_config', () => {
  const limits = { context: 100, maxTokens: 30, maxPromptTokens: 50 };
  assert.equal(admit(10, null, null, limits, 'prompt', null, []), 30);
  assert.equal(admit(10, null, 16, limits, 'prompt', null, []), 16);
  assert.equal(admit(50, 20, null, { ...limits, maxTokens: 80 }, 'prompt', null, []), 20);
  assert.equal(admit(45, null, null, { ...limits, maxTokens: 80 }, 'prompt', null, []), 55, 'what is left of the context');
  assert.throws(() => admit(51, 5, null, limits, 'prompt', null, []), /limit of 50 prompt tokens \(--max-prompt-tokens\)/);
  assert.throws(() => admit(10, 31, null, limits, 'prompt', null, []), /limit of 30 new tokens per request \(--max-tokens\)/);
  assert.throws(() => admit(80, 25, null, { ...limits, maxPromptTokens: null }, 'messages', null, []), /requested 105 tokens \(80 in the messages, 25 in the completion\)/);
  assert.throws(() => admit(0, 5, null, limits, 'prompt', null, []), /empty/);
  assert.throws(() => admit(2, 5, null, limits, 'prompt', 512, [3, 600]), /prompt\[1\] = 600 is not a token id/);

  const greedyModel = new GenerationConfig({ do_sample: false });
  const none = { temperature: null, topP: null, seed: null };
  assert.equal(resolveSampling(none, greedyModel).doSample, false);
  assert.deepEqual(resolveSampling({ ...none, temperature: 0.7, seed: 3 }, greedyModel), { doSample: true, temperature: 0.7, topP: 1, topK: 0, seed: 3 });
  assert.equal(resolveSampling({ ...none, temperature: 0, seed: 3 }, new GenerationConfig({ do_sample: true })).seed, null, 'greedy needs no seed');
  const sampler = new GenerationConfig({ do_sample: true, temperature: 0.6, top_k: 20 });
  assert.deepEqual(resolveSampling(none, sampler), { doSample: true, temperature: 0.6, topP: 1, topK: 20, seed: null });
  assert.equal(batchKey(resolveSampling(none, greedyModel)), 'greedy');
  assert.equal(batchKey(resolveSampling({ ...none, temperature: 1, seed: 1 }, greedyModel)), null, 'a seeded request decodes alone');
  assert.notEqual(batchKey(resolveSampling({ ...none, temperature: 1 }, greedyModel)), batchKey(resolveSampling({ ...none, temperature: 0.5 }, greedyModel)));
});
