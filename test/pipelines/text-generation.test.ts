// pipeline('text-generation') against transformers' own pipeline on the real pretrained stories260K
// Llama (scripts/fixtures/gen_text_generation.py, transformers 5.18, greedy): plain prompts,
// return_full_text false, a batch, return_tensors, a prefix, generation options per call, and chats
// through a chat template (a new assistant reply; continue_final_message). Outputs must be equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pipeline, TextGenerationPipeline } from '../../src/pipelines/index.js';
import { AutoModelForCausalLM } from '../../src/models/index.js';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import * as torch from '../../src/torch/index.js';
import { settledLiveTensorCount, sharedDir } from '../helpers.js';

const MODEL = sharedDir('data', 'models', 'stories260K');
const fixture = JSON.parse(readFileSync(new URL('../fixtures/pipelines/text-generation.json', import.meta.url), 'utf8')) as {
  chat_template: string;
  cases: { name: string; inputs: unknown; kwargs: Record<string, unknown>; output: unknown }[];
};

test('text-generation equals transformers\' pipeline on stories260K, case by case', async () => {
  const tokenizer = await AutoTokenizer.fromPretrained(MODEL);
  tokenizer.chatTemplate = fixture.chat_template;
  const gen = await pipeline('text-generation', { model: MODEL, tokenizer });
  assert.ok(gen instanceof TextGenerationPipeline);
  // garbage left by loading (unscoped tensors the GC will finalize) must not count either way
  const before = await settledLiveTensorCount(torch.liveTensorCount);
  assert.ok(fixture.cases.length >= 9);
  for (const c of fixture.cases) {
    const got = await gen(c.inputs as never, { do_sample: false, ...c.kwargs });
    assert.deepEqual(got, c.output, c.name);
  }
  assert.equal(await settledLiveTensorCount(torch.liveTensorCount), before, 'no tensors left behind');
});

test('generation options at construction are defaults; call options win; a model object needs its tokenizer', async () => {
  const model = await AutoModelForCausalLM.fromPretrained(MODEL);
  const tokenizer = await AutoTokenizer.fromPretrained(MODEL);
  const gen = await pipeline('text-generation', { model, tokenizer, generateKwargs: { max_new_tokens: 5, return_full_text: false } });
  const a = await gen('Once upon a time');
  const b = await gen('Once upon a time', { max_new_tokens: 24, return_full_text: true });
  const plain = fixture.cases.find((c) => c.name === 'plain')!.output as { generated_text: string }[];
  assert.equal(b[0]!.generated_text, plain[0]!.generated_text);
  assert.ok(plain[0]!.generated_text.startsWith(`Once upon a time${a[0]!.generated_text as string}`), `${a[0]!.generated_text}`);
  await assert.rejects(pipeline('text-generation', { model }), /a model object needs a tokenizer/);
  await assert.rejects(pipeline('fill-mask', { model, tokenizer, generateKwargs: {} }), /generateKwargs is only for text-generation/);
  await assert.rejects(gen('x', { max_new_tokns: 3 } as never), /max_new_tokns/);
  model.dispose();
});
