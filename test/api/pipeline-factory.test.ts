// pipeline(task, { model, ..., <task option> }): the task's options given to the factory are the
// defaults of every call (HF keeps pipeline()'s kwargs), checked at construction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pipeline } from '../../src/pipelines/index.js';
import { id, tableTokenModel, tinyTokenizer } from '../pipelines/tiny.js';

const LABELS = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'];
const table = (t: number): number[] => {
  const hot = t === id('new') ? 1 : t === id('york') ? 2 : t === id('john') ? 3 : 0;
  return LABELS.map((_, i) => (i === hot ? 5 : 0));
};

test("pipeline('ner', { ..., aggregation_strategy }) groups every call; a call's option wins; typos fail at construction", async () => {
  const tokenizer = await tinyTokenizer();
  const plain = await pipeline('ner', { model: tableTokenModel(LABELS, table), tokenizer });
  const ner = await pipeline('ner', { model: tableTokenModel(LABELS, table), tokenizer, aggregation_strategy: 'simple' });
  const want = await plain('john lives in new york', { aggregation_strategy: 'simple' });
  assert.deepEqual(want.map((e) => e.word), ['john', 'new york']);
  assert.deepEqual(await ner('john lives in new york'), want);
  assert.deepEqual((await ner('john lives in new york', { aggregationStrategy: 'none' })).length, 3);
  const camel = await pipeline('ner', { model: tableTokenModel(LABELS, table), tokenizer, aggregationStrategy: 'simple' });
  assert.deepEqual(await camel('john lives in new york'), want);
  await assert.rejects(pipeline('ner', { model: tableTokenModel(LABELS, table), tokenizer, aggregation_stratgy: 'simple' } as never),
    /pipeline\('ner'\): unknown option 'aggregation_stratgy' — did you mean 'aggregation_strategy'\?/);
});
