// pipeline('text2text-generation' | 'summarization' | 'translation_xx_to_yy') against transformers
// 4.47's pipelines on the tiny T5 fixture checkpoints (t5_seq2seq, t5v11_seq2seq) with a 128-piece
// T5-layout tokenizer: test/fixtures/text2text/pipelines.json, made by scripts/fixtures/gen_text2text.py
// (transformers 5.18 has no text2text pipelines, so the script runs 4.47's steps with transformers'
// tokenizer, generate() and decode()). Cases: plain, clean_up_tokenization_spaces, a batch,
// return_tensors, beams with num_return_sequences (single and batch), truncation, task_specific_params
// (summarization prefix + settings, call options overriding them; translation_en_to_de). Outputs equal.
// Also: the pipeline equals model.generate() on the prefixed text, batch_size, 'translation' picking
// the model's translation task, no tensors left behind, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { pipeline } from '../../src/pipelines/index.js';
import { Text2TextGenerationPipeline, SummarizationPipeline, TranslationPipeline } from '../../src/pipelines/text2text.js';
import { AutoModelForCausalLM, AutoModelForSeq2SeqLM } from '../../src/models/index.js';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import '../../src/generation/index.js';
import { sharedDir } from '../helpers.js';

const FIX = new URL('../fixtures/text2text/', import.meta.url).pathname;
const TOKENIZER = join(FIX, 'tokenizer');
const fixture = JSON.parse(readFileSync(join(FIX, 'pipelines.json'), 'utf8')) as {
  task_specific_params: Record<string, Record<string, unknown>>;
  encodings: Record<string, number[]>;
  cases: Record<string, { name: string; task: string; inputs: string | string[]; kwargs: Record<string, unknown>; output: unknown }[]>;
};
const NAMES = ['t5_seq2seq', 't5v11_seq2seq'];

/** A checkpoint folder: the fixture's weights + generation_config, config.json with task_specific_params, the tokenizer. */
function checkpoint(name: string, taskParams: unknown = fixture.task_specific_params): string {
  const src = sharedDir('fixtures', 'hf', 'models', name);
  const dir = mkdtempSync(join(tmpdir(), `tunekit-t2t-${name}-`));
  for (const f of ['model.safetensors', 'generation_config.json']) copyFileSync(join(src, f), join(dir, f));
  const config = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')) as Record<string, unknown>;
  if (taskParams) config.task_specific_params = taskParams;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(TOKENIZER, f), join(dir, f));
  return dir;
}
/** Runs `fn` with length warnings (summarization / translation check_inputs) collected, not printed. */
async function quiet<T>(fn: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const orig = process.emitWarning;
  process.emitWarning = ((w: string | Error) => { warnings.push(String(w)); }) as typeof process.emitWarning;
  try { return { value: await fn(), warnings }; } finally { process.emitWarning = orig; }
}

test('the fixture tokenizer encodes as transformers does', async () => {
  const tok = await AutoTokenizer.fromPretrained(TOKENIZER);
  for (const [text, ids] of Object.entries(fixture.encodings)) assert.deepEqual((await tok.call(text)).input_ids, ids, text);
});

for (const name of NAMES) {
  test(`${name}: every pipeline case equals transformers 4.47's pipeline`, async () => {
    const dir = checkpoint(name);
    const cases = fixture.cases[name]!;
    assert.ok(cases.length >= 11);
    const pipes = new Map<string, Awaited<ReturnType<typeof pipeline>>>();
    for (const c of cases) if (!pipes.has(c.task)) pipes.set(c.task, await pipeline(c.task as 'text2text-generation', { model: dir }));
    const before = torch.liveTensorCount();
    for (const c of cases) {
      const pipe = pipes.get(c.task)!;
      const { value } = await quiet(() => (pipe as unknown as (i: unknown, o: unknown) => Promise<unknown>)(c.inputs, c.kwargs));
      assert.deepEqual(value, c.output, `${name} ${c.name}`);
    }
    assert.equal(torch.liveTensorCount(), before, 'no tensors left behind');
    assert.ok(pipes.get('summarization') instanceof SummarizationPipeline);
    assert.ok(pipes.get('translation_en_to_de') instanceof TranslationPipeline);
    const tr = pipes.get('translation_en_to_de') as unknown as TranslationPipeline;
    assert.deepEqual([tr.srcLang, tr.tgtLang, tr.prefix], ['en', 'de', 'translate English to German: ']);
    for (const p of pipes.values()) p.model.dispose();
  });
}

test('text2text-generation equals model.generate() on the tokenized text; batch_size pads inputs together', async () => {
  const model = await AutoModelForSeq2SeqLM.fromPretrained(sharedDir('fixtures', 'hf', 'models', 't5v11_seq2seq'));
  const tokenizer = await AutoTokenizer.fromPretrained(TOKENIZER);
  const t2t = await pipeline('text2text-generation', { model, tokenizer });
  assert.ok(t2t instanceof Text2TextGenerationPipeline);
  const texts = ['the cat sat on the mat', 'hello world'];
  const got = await t2t(texts, { max_new_tokens: 6, return_tensors: true }) as { generated_token_ids: number[] }[];
  for (const [i, text] of texts.entries()) {
    const ids = torch.tensor([(await tokenizer.call(text)).input_ids as number[]], { dtype: 'int64' });
    const seq = model.generate({ input_ids: ids, max_new_tokens: 6 });
    assert.deepEqual(got[i]!.generated_token_ids, (seq.toArray() as number[][])[0], text);
    ids.dispose(); seq.dispose();
  }
  // right-padded together (T5's encoder masks the padding): the same tokens as one by one
  const batched = await t2t(texts, { max_new_tokens: 6, return_tensors: true, batch_size: 2 });
  assert.deepEqual(batched, got);
  // generateKwargs at construction are defaults; call options win
  const withDefaults = await pipeline('text2text-generation', { model, tokenizer, generateKwargs: { max_new_tokens: 3, return_tensors: true } });
  const short = await withDefaults('hello world') as { generated_token_ids: number[] }[];
  assert.deepEqual(short[0]!.generated_token_ids, got[1]!.generated_token_ids.slice(0, 4));
  assert.equal((await withDefaults('hello world', { max_new_tokens: 6 }))[0]!.generated_token_ids!.length, 7);
  model.dispose();
});

test("'translation' uses the model's translation_xx_to_yy task_specific_params (HF), with a warning", async () => {
  const dir = checkpoint('t5_seq2seq');
  const { value: tr, warnings } = await quiet(() => pipeline('translation', { model: dir }));
  assert.ok(warnings.some((w) => /defaulting to "translation_en_to_de"/.test(w)), warnings.join('\n'));
  assert.equal(tr.prefix, 'translate English to German: ');
  const expected = fixture.cases.t5_seq2seq!.find((c) => c.name === 'translation')!;
  assert.deepEqual((await quiet(() => tr(expected.inputs as string))).value, expected.output);
  tr.model.dispose();
});

test('summarization warns as HF check_inputs does; a config without task_specific_params has no prefix', async () => {
  const sum = await pipeline('summarization', { model: checkpoint('t5_seq2seq') });
  const { warnings } = await quiet(() => sum('the sun', { max_length: 8 })); // 'summarize: the sun' + </s>: 5 tokens
  assert.ok(warnings.some((w) => /Your max_length is set to 8, but your input_length is only 5/.test(w)), warnings.join('\n'));
  const plain = await pipeline('summarization', { model: checkpoint('t5_seq2seq', null) });
  assert.equal(plain.prefix, '');
  assert.equal(plain.generationConfig.num_beams, 1);
  assert.equal(sum.generationConfig.num_beams, 2);
  sum.model.dispose(); plain.model.dispose();
});

test('bad input: a malformed translation task, a causal LM, non-string inputs, unknown options, stop_sequence', async () => {
  const dir = checkpoint('t5_seq2seq');
  await assert.rejects(pipeline('translation_en_de' as 'translation', { model: dir }), /Invalid translation task translation_en_de, use 'translation_XX_to_YY' format/);
  await assert.rejects(pipeline('text2txt' as 'translation', { model: dir }), /Unknown task text2txt/);
  const lm = await AutoModelForCausalLM.fromPretrained(sharedDir('fixtures', 'hf', 'models', 'llama_lm'));
  const tokenizer = await AutoTokenizer.fromPretrained(TOKENIZER);
  await assert.rejects(pipeline('summarization', { model: lm, tokenizer }), /not an encoder-decoder LM/);
  lm.dispose();
  const t2t = await pipeline('text2text-generation', { model: dir });
  await assert.rejects(t2t([1, 2] as never), /inputs must be a string or a non-empty list of strings/);
  await assert.rejects(t2t('hello', { max_new_tokns: 3 } as never), /max_new_tokns.*did you mean 'max_new_tokens'/);
  await assert.rejects(t2t('hello', { batch_size: 0 }), /batch_size must be a positive integer/);
  // stop_sequence: its first token becomes the EOS, so generation stops right after it
  const free = (await t2t('hello world', { max_new_tokens: 6, return_tensors: true }))[0]!.generated_token_ids!;
  const stopTok = free[2]!;
  const piece = tokenizer.backend.idToToken(stopTok)!.replace('▁', '');
  const stopped = (await t2t('hello world', { max_new_tokens: 6, return_tensors: true, stop_sequence: piece }))[0]!.generated_token_ids!;
  assert.deepEqual(stopped, free.slice(0, free.indexOf(stopTok) + 1), `stop at ${piece} (${stopTok})`);
  t2t.model.dispose();
});
