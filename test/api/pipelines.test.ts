// Pipelines with HF's call styles: option names in snake_case or camelCase give identical
// outputs, options given at construction are the defaults of every call (HF keeps the
// pipeline() kwargs), a call's own options win, and a typo names the closest option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callable, pipeline, QuestionAnsweringPipeline, TextGenerationPipeline, TokenClassificationPipeline, type GroupedEntity, type TokenEntity,
} from '../../src/pipelines/index.js';
import { AutoModelForCausalLM } from '../../src/models/index.js';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { assertClose, sharedDir } from '../helpers.js';
import { fixtureDir, id, tableQaModel, tableTokenModel, tinyTokenizer } from '../pipelines/tiny.js';

const LABELS = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'];
// 'new' -> B-LOC, 'york' -> I-LOC, 'john' -> B-PER, anything else O, each with logit 5 against 0
const table = (t: number): number[] => {
  const hot = t === id('new') ? 1 : t === id('york') ? 2 : t === id('john') ? 3 : 0;
  return LABELS.map((_, i) => (i === hot ? 5 : 0));
};
const P = Math.exp(5) / (Math.exp(5) + 4); // softmax of the hot label
const TEXT = 'john lives in new york';

test('token-classification: aggregation_strategy / aggregationStrategy identical; construction options are defaults', async () => {
  const tokenizer = await tinyTokenizer();
  const ner = await pipeline('ner', { model: tableTokenModel(LABELS, table), tokenizer });
  const snake = await ner(TEXT, { aggregation_strategy: 'simple' });
  const camel = await ner(TEXT, { aggregationStrategy: 'simple' });
  assert.deepEqual(camel, snake);
  assert.deepEqual(snake.map((e) => [e.entity_group, e.word, e.start, e.end]), [['PER', 'john', 0, 4], ['LOC', 'new york', 14, 22]]);
  assertClose(snake.map((e) => e.score), [P, P], { rtol: 1e-6 });

  // constructed with aggregation_strategy: every call groups; a call can still ask for tokens
  const grouped = callable(new TokenClassificationPipeline('ner', tableTokenModel(LABELS, table), tokenizer, undefined, { aggregation_strategy: 'simple' }));
  assert.deepEqual(await grouped(TEXT), snake);
  const tokens = await grouped(TEXT, { aggregation_strategy: 'none' }) as unknown as TokenEntity[];
  assert.deepEqual(tokens.map((e) => [e.entity, e.word]), [['B-PER', 'john'], ['B-LOC', 'new'], ['I-LOC', 'york']]);
  // setDefaults adds to them (camelCase too); O groups now kept
  grouped.setDefaults({ ignoreLabels: [] });
  const withO = await grouped(TEXT) as unknown as GroupedEntity[];
  assert.deepEqual(withO.map((e) => e.entity_group), ['PER', 'O', 'LOC']);
  assert.deepEqual(grouped.defaults, { aggregation_strategy: 'simple', ignore_labels: [] });

  await assert.rejects(ner(TEXT, { aggregation_stratgy: 'simple' } as never),
    (e: unknown) => e instanceof TypeError && e.message === "pipeline('ner'): unknown option 'aggregation_stratgy' — did you mean 'aggregation_strategy'?");
  await assert.rejects(ner(TEXT, { aggregation_strategy: 'simple', aggregationStrategy: 'first' }), /same option, given different values/);
  assert.throws(() => new TokenClassificationPipeline('ner', tableTokenModel(LABELS, table), tokenizer, undefined, { agregation_strategy: 'simple' }),
    /pipeline\('ner'\): unknown option 'agregation_strategy' — did you mean 'aggregation_strategy'\?/);
});

test('question-answering: max_answer_len / handle_impossible_answer in either spelling, as defaults or per call', async () => {
  const tokenizer = await tinyTokenizer();
  // 'new' starts best, 'york' ends best: the two-token answer 'new york' unless max answer length is 1
  const qaTable = (t: number): [number, number] => (t === id('new') ? [4, 1] : t === id('york') ? [1, 4] : t === id('[CLS]') ? [3, 3] : [0, 0]);
  const qa = await pipeline('question-answering', { model: tableQaModel(qaTable), tokenizer });
  const input = { question: 'where does john live', context: 'john lives in new york' };
  const two = await qa(input);
  assert.equal(two.answer, 'new york');
  const oneSnake = await qa(input, { max_answer_len: 1 });
  const oneCamel = await qa(input, { maxAnswerLen: 1 });
  assert.deepEqual(oneCamel, oneSnake);
  assert.notEqual(oneSnake.answer, 'new york');
  const nullSnake = await qa(input, { handle_impossible_answer: true, top_k: 2 });
  assert.deepEqual(await qa(input, { handleImpossibleAnswer: true, topK: 2 }), nullSnake);
  assert.ok(Array.isArray(nullSnake) && nullSnake.some((a) => a.answer === ''));
  const short = callable(new QuestionAnsweringPipeline('question-answering', tableQaModel(qaTable), tokenizer, undefined, { maxAnswerLen: 1 }));
  assert.deepEqual(await short(input), oneSnake);
  assert.equal((await short(input, { max_answer_len: 15 })).answer, 'new york');
});

test('text-classification: top_k / topK and function_to_apply / functionToApply identical', async () => {
  const clf = await pipeline('text-classification', { model: fixtureDir('bert_seqcls') });
  const texts = ['win free money now', 'meeting tomorrow at noon'];
  const snake = await clf(texts, { top_k: null, function_to_apply: 'sigmoid' });
  assert.deepEqual(await clf(texts, { topK: null, functionToApply: 'sigmoid' }), snake);
  assert.equal(snake.length, 2);
  for (const row of snake) for (const r of row) assert.ok(r.score > 0 && r.score < 1);
  // sigmoid scores do not sum to 1, softmax ones do: the option was applied
  const soft = await clf(texts, { top_k: null });
  assertClose(soft[0]!.reduce((s, r) => s + r.score, 0), 1, { rtol: 1e-6 });
  clf.setDefaults({ top_k: 1 });
  assert.deepEqual(await clf(texts), soft.map((r) => [r[0]]));
});

test('text-generation: construction defaults under either spelling, the call wins', async () => {
  const MODEL = sharedDir('data', 'models', 'stories260K');
  const model = await AutoModelForCausalLM.fromPretrained(MODEL);
  const tokenizer = await AutoTokenizer.fromPretrained(MODEL);
  const gen = callable(new TextGenerationPipeline('text-generation', model, tokenizer, undefined, { maxNewTokens: 4, return_full_text: false, do_sample: false }));
  const a = await gen('Once upon a time');
  // the defaults act as the same options given to a plain pipeline's call
  const plain = callable(new TextGenerationPipeline('text-generation', model, tokenizer));
  assert.deepEqual(a, await plain('Once upon a time', { max_new_tokens: 4, returnFullText: false, do_sample: false }));
  const b = await gen('Once upon a time', { max_new_tokens: 12 });
  assert.ok((b[0]!.generated_text as string).startsWith(a[0]!.generated_text as string)); // greedy: the longer run extends the shorter
  assert.ok((b[0]!.generated_text as string).length > (a[0]!.generated_text as string).length);
  // both spellings of a generate() option in one call with different values
  await assert.rejects(gen('x', { max_new_tokens: 2, maxNewTokens: 3 }), /'max_new_tokens' and 'maxNewTokens' are the same option/);
});
