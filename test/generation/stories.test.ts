// stories.test.ts — generation on a real pretrained model: stories260K (karpathy/tinyllamas, a
// Llama) greedy from BOS reproduces the story of REFERENCE_OUTPUT.md (llama2.c's run.c output,
// also checked there against transformers 4.47.1) for 200 new tokens, with the DynamicCache,
// without a cache and with the static cache; a left-padded batch decodes each row as its prompt
// alone; streaming (TextStreamer, TextIteratorStreamer, streamGenerate) gives the same text in
// whole words; stop_strings stops where the string is completed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { AutoModelForCausalLM, type PreTrainedModel } from '../../src/models/index.js';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { streamGenerate, TextStreamer, TextIteratorStreamer, generate } from '../../src/generation/index.js';
import { sharedDir } from '../helpers.js';

const DIR = sharedDir('data', 'models', 'stories260K');
const REFERENCE = readFileSync(join(DIR, 'REFERENCE_OUTPUT.md'), 'utf8').match(/```\n\$ [^\n]*\n([\s\S]*?)```/)![1]!;
const NEW = 200;
const BOS = [[1]];

let model: PreTrainedModel;
let tok: PreTrainedTokenizerFast;
const ready = (async () => {
  model = await AutoModelForCausalLM.fromPretrained(DIR, { onWarning: (w) => assert.fail(w) });
  tok = await AutoTokenizer.fromPretrained(DIR);
})();
const ids = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const run = (opts: Record<string, unknown>): number[][] => torch.tidy(() => model.generate({ input_ids: ids(BOS), ...opts }).toArray() as number[][]);

const greedy: Record<string, number[]> = {};
for (const [label, opts] of [
  ['DynamicCache (default)', {}],
  ['no cache (use_cache false)', { use_cache: false }],
  ['static cache', { cache_implementation: 'static' }],
] as const) {
  test(`stories260K greedy from BOS, ${label}: ${NEW} new tokens reproduce the reference story`, async () => {
    await ready;
    const live = torch.liveTensorCount();
    const [row] = run({ max_new_tokens: NEW, ...opts });
    assert.equal(torch.liveTensorCount(), live, 'no tensor outlives generate()');
    assert.equal(row!.length, 1 + NEW, 'no EOS inside the story: all 200 tokens are generated');
    const text = tok.decode(row!.slice(1));
    assert.ok(text.length > 400, `200 tokens of the story are ${text.length} characters`);
    assert.equal(text, REFERENCE.slice(0, text.length));
    greedy[label] = row!;
  });
}
test('stories260K: the three caches give the same token ids', () => {
  const rows = Object.values(greedy);
  assert.equal(rows.length, 3);
  for (const r of rows) assert.deepEqual(r, rows[0]);
});

test('stories260K: the model generation_config is its generation_config.json', async () => {
  await ready;
  assert.equal(model.generation_config.bos_token_id, 1);
  assert.equal(model.generation_config.eos_token_id, 2);
  assert.equal(model.generation_config._from_model_config, false);
});

test('stories260K: a left-padded batch decodes each row as its prompt alone (position_ids = cumsum(mask) - 1)', async () => {
  await ready;
  const prompts = [[1, ...(await tok.encode('Once upon a time', { addSpecialTokens: false }))], [1, ...(await tok.encode('Tom had a big dog', { addSpecialTokens: false }))], [1]];
  const len = Math.max(...prompts.map((p) => p.length));
  const padded = prompts.map((p) => [...new Array<number>(len - p.length).fill(0), ...p]);
  const mask = prompts.map((p) => [...new Array<number>(len - p.length).fill(0), ...p.map(() => 1)]);
  const batch = torch.tidy(() => model.generate({ input_ids: ids(padded), attention_mask: ids(mask), max_new_tokens: 24, pad_token_id: 0 }).toArray() as number[][]);
  prompts.forEach((p, i) => {
    const alone = torch.tidy(() => model.generate({ input_ids: ids([p]), max_new_tokens: 24 }).toArray() as number[][])[0]!;
    assert.deepEqual(batch[i]!.slice(len), alone.slice(p.length), `row ${i}`);
    assert.notDeepEqual(alone.slice(p.length), batch[(i + 1) % 3]!.slice(len), 'rows differ (the check has teeth)');
  });
});

test('TextStreamer: whole words as they form, the rest at end(), prompt skipped; the same text as decode()', async () => {
  await ready;
  const pieces: [string, boolean][] = [];
  const streamer = new TextStreamer(tok, { skip_prompt: true, onText: (t, end) => pieces.push([t, end]) });
  const [row] = torch.tidy(() => model.generate({ input_ids: ids(BOS), max_new_tokens: 60, streamer }).toArray() as number[][]);
  assert.equal(pieces.length, 61, 'one piece per token, and one at end()');
  assert.deepEqual(pieces.map(([, e]) => e), [...new Array<boolean>(60).fill(false), true]);
  for (const [t] of pieces.slice(0, -1)) assert.ok(t === '' || t.endsWith(' ') || t.endsWith('\n'), `a piece ends a word: ${JSON.stringify(t)}`);
  assert.ok(pieces.filter(([t]) => t === '').length > 10, 'incomplete words are held back');
  assert.equal(pieces.map(([t]) => t).join(''), tok.decode(row!.slice(1)));
});

test('TextIteratorStreamer: for await over the text of generate()', async () => {
  await ready;
  const streamer = new TextIteratorStreamer(tok, { skip_prompt: true });
  const [row] = torch.tidy(() => model.generate({ input_ids: ids(BOS), max_new_tokens: 30, streamer }).toArray() as number[][]);
  let text = '';
  for await (const t of streamer) text += t;
  assert.equal(text, tok.decode(row!.slice(1)));
});

test('streamGenerate: one chunk per token, the text in whole words, the same tokens as generate(); it yields to the event loop', async () => {
  await ready;
  const expected = run({ max_new_tokens: 40 })[0]!;
  const tokens: number[] = [];
  let text = '';
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 0);
  let last: unknown;
  for await (const chunk of streamGenerate(model, { input_ids: ids(BOS), max_new_tokens: 40, tokenizer: tok })) {
    tokens.push(...chunk.tokens);
    text += chunk.text;
    last = chunk;
  }
  clearInterval(timer);
  assert.deepEqual(tokens, expected.slice(1));
  assert.equal(text, tok.decode(expected.slice(1)));
  assert.ok(ticks > 0, 'timers ran while generating');
  const end = last as { done: boolean; output: { sequences: torch.Tensor } };
  assert.equal(end.done, true);
  assert.deepEqual(end.output.sequences.toArray(), [expected]);
  end.output.sequences.dispose();
});

test('streamGenerate: breaking out stops generation and frees the cache', async () => {
  await ready;
  const input = ids(BOS);
  const live = torch.liveTensorCount();
  let n = 0;
  for await (const chunk of streamGenerate(model, { input_ids: input, max_new_tokens: 100 })) {
    assert.equal(chunk.tokens.length, 1);
    if (++n === 5) break;
  }
  assert.equal(n, 5);
  assert.equal(torch.liveTensorCount(), live, 'the abandoned stream freed its cache and buffers');
  input.dispose();
});

test('stop_strings (HF StopStringCriteria): stops at the token that completes the string, which may start in an earlier token', async () => {
  await ready;
  // "Lily." first appears in "named Lily.": the story goes on without the stop string
  const [row] = run({ max_new_tokens: NEW, stop_strings: ['Lily.'], tokenizer: tok });
  const text = tok.decode(row!.slice(1));
  assert.ok(text.endsWith('Lily.'), JSON.stringify(text));
  assert.ok(!tok.decode(row!.slice(1, -1)).includes('Lily.'), 'not one token later');
  assert.equal(tok.decode(row!.slice(-1)), '.', 'the string spans two tokens: "▁Lily" "."');
  // a token may run past the end of the string: "Lil" stops at the token "▁Lily"
  const [over] = run({ max_new_tokens: NEW, stop_strings: 'Lil', tokenizer: tok });
  assert.ok(tok.decode(over!.slice(1)).endsWith('named Lily'), tok.decode(over!.slice(1)));
  assert.equal(text, REFERENCE.slice(0, text.length));
  // a string that is never generated changes nothing; several strings: the first completed wins
  assert.deepEqual(run({ max_new_tokens: 30, stop_strings: 'dragon', tokenizer: tok })[0], greedy['DynamicCache (default)']!.slice(0, 31));
  const [two] = run({ max_new_tokens: NEW, stop_strings: ['park', 'girl'], tokenizer: tok });
  assert.ok(tok.decode(two!.slice(1)).endsWith('girl'));
  assert.throws(() => generate(model, { input_ids: ids(BOS), stop_strings: ['x'] }), /stop_strings need the model's tokenizer/);
});
