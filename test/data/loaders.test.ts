// src/data loaders on the real shared files (exact counts from shared/data/SOURCES.md), and the
// generic json/csv/text builders against what HF datasets 5.0.1 made of the same files
// (test/fixtures/data/hf_reference.json, scripts/fixtures/gen_datasets.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONLL2003_NER, ClassLabel, Dataset, DatasetDict, List, Value, featuresToJSON, isIob1, iob1ToIob2, loadDataset, parseConll, type Features,
} from '../../src/data/index.js';
import { readJson, sharedDir } from '../helpers.js';

process.env.TUNEKIT_DATASETS_CACHE = mkdtempSync(join(tmpdir(), 'tunekit-loaders-'));
const data = (...p: string[]): string => sharedDir('data', ...p);

const conll = loadDataset('conll2003', { dataDir: data('conll2003') });

test('CoNLL-2003: split sizes, token counts and HF conll2003 features', async () => {
  const dd = await conll;
  assert.deepEqual(dd.numRows, { train: 14041, validation: 3250, test: 3453 });
  const tokens = (d: Dataset): number => (d.column('tokens') as string[][]).reduce((a, t) => a + t.length, 0);
  assert.equal(tokens(dd.get('train')), 203621);
  assert.equal(tokens(dd.get('validation')), 51362);
  assert.equal(tokens(dd.get('test')), 46435);
  const f = dd.get('train').features;
  assert.deepEqual(Object.keys(f), ['id', 'tokens', 'pos_tags', 'chunk_tags', 'ner_tags']);
  const ner = (f.ner_tags as List).feature as ClassLabel;
  assert.deepEqual(ner.names, ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC']);
  assert.equal(((f.pos_tags as List).feature as ClassLabel).numClasses, 47);
  assert.equal(((f.chunk_tags as List).feature as ClassLabel).numClasses, 23);
});

test("CoNLL-2003: the first sentences equal HF's train[0] (HF course ch. 7) and the dataset card example", async () => {
  const train = (await conll).get('train');
  // HF: raw_datasets["train"][0] in the course's token-classification chapter.
  assert.deepEqual(train.at(0), {
    id: '0',
    tokens: ['EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'lamb', '.'],
    pos_tags: [22, 42, 16, 21, 35, 37, 16, 21, 7],
    chunk_tags: [11, 21, 11, 12, 21, 22, 11, 12, 0],
    ner_tags: [3, 0, 7, 0, 0, 0, 7, 0, 0],
  });
  // The conll2003 dataset card's example sentence ("The European Commission said ...") is train[3] here.
  const s3 = train.at(3);
  assert.equal(s3.tokens.slice(0, 3).join(' '), 'The European Commission');
  assert.deepEqual(s3.ner_tags.slice(0, 10), [0, 3, 4, 0, 0, 0, 0, 0, 0, 7]);
  assert.deepEqual(s3.pos_tags.slice(0, 5), [12, 22, 22, 38, 15]);
  assert.deepEqual(s3.chunk_tags.slice(0, 5), [11, 12, 12, 21, 13]);
  const ner = ((train.features.ner_tags as List).feature as ClassLabel);
  assert.deepEqual(ner.int2str(train.at(1).ner_tags), ['B-PER', 'I-PER']);
});

test('CoNLL-2003: the shared files are IOB2 already (SOURCES.md says IOB1); IOB1 input is converted', async () => {
  const dd = await conll;
  const ner = CONLL2003_NER as readonly string[];
  for (const [, d] of dd) for (const tags of d.column('ner_tags') as number[][]) assert.equal(isIob1(tags.map((t) => ner[t]!)), false);
  // Loading without conversion gives the same ids: the conversion is a no-op on these files.
  const raw = await loadDataset('conll2003', { dataFiles: { validation: data('conll2003', 'valid.txt') }, toIob2: false });
  assert.deepEqual(raw.get('validation').column('ner_tags'), dd.get('validation').column('ner_tags'));
  assert.deepEqual(iob1ToIob2(['I-PER', 'I-PER', 'O', 'I-LOC', 'B-LOC', 'I-ORG']), ['B-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC', 'B-ORG']);
  const iob1 = parseConll('-DOCSTART- -X- -X- O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n', 'mem.txt');
  assert.deepEqual(iob1.columns.get('ner_tags'), [[3, 0]]);
  assert.deepEqual(iob1.columns.get('chunk_tags'), [[11, 21]]);
});

test('GLUE MRPC: 3,668 / 408 / 1,725 rows, HF glue/mrpc columns, quotes kept literally', async () => {
  const dd = await loadDataset('glue', { name: 'mrpc', dataDir: data('glue_mrpc') });
  assert.deepEqual(dd.numRows, { train: 3668, validation: 408, test: 1725 });
  const train = dd.get('train');
  assert.deepEqual(train.columnNames, ['sentence1', 'sentence2', 'label', 'idx']);
  assert.deepEqual(featuresToJSON(train.features), {
    sentence1: { dtype: 'string', _type: 'Value' }, sentence2: { dtype: 'string', _type: 'Value' },
    label: { names: ['not_equivalent', 'equivalent'], _type: 'ClassLabel' }, idx: { dtype: 'int32', _type: 'Value' },
  });
  // The pair of HF glue/mrpc train[0]; HF's copy (SentEval's MSR files) is tokenized ("brother , whom"),
  // the GLUE TSVs here are not, so only the text's spacing differs.
  assert.deepEqual(train.at(0), {
    sentence1: 'Amrozi accused his brother, whom he called "the witness", of deliberately distorting his evidence.',
    sentence2: 'Referring to him as only "the witness", Amrozi accused his brother of deliberately distorting his evidence.',
    label: 1, idx: 0,
  });
  // dev.tsv line 2 has an unbalanced opening quote: with quoting on, it would swallow the next lines.
  const dev = dd.get('validation');
  assert.equal(dev.at(0).sentence2, '"The foodservice pie business does not fit our long-term growth strategy.');
  const labels = train.column('label') as number[];
  assert.equal(labels.filter((l) => l === 1).length, 2474); // MRPC train: 2,474 paraphrases of 3,668
  assert.equal((dev.column('label') as number[]).filter((l) => l === 1).length, 279);
  assert.ok((dd.get('test').column('label') as number[]).every((l) => l === -1));
  assert.deepEqual(dev.column('idx').slice(0, 3), [0, 1, 2]);
});

test('SQuAD v2 half-dev: 16 articles, 6,078 questions, 2,910 answerable / 3,168 not', async () => {
  const ds = await loadDataset('squad_v2', { dataFiles: { validation: data('squad_v2', 'dev-v2.0.cs224n-half.json') }, split: 'validation' });
  assert.equal(ds.numRows, 6078);
  assert.equal(ds.unique('title').length, 16);
  assert.deepEqual(ds.columnNames, ['id', 'title', 'context', 'question', 'answers']);
  const answers = ds.column('answers') as { text: string[]; answer_start: number[] }[];
  assert.equal(answers.filter((a) => a.text.length > 0).length, 2910);
  assert.equal(answers.filter((a) => a.text.length === 0 && a.answer_start.length === 0).length, 3168);
  assert.deepEqual(featuresToJSON(ds.features).answers, {
    text: { feature: { dtype: 'string', _type: 'Value' }, _type: 'List' },
    answer_start: { feature: { dtype: 'int32', _type: 'Value' }, _type: 'List' },
  });
  const r = ds.at(0);
  assert.equal(r.question, 'In what country is Normandy located?');
  assert.deepEqual(r.answers, { text: ['France', 'France', 'France', 'France'], answer_start: [159, 159, 159, 159] });
  assert.equal(r.context.slice(159, 165), 'France');
  assert.equal(ds.split, 'validation');
});

test('IMDB CSV: 3,000 rows, 1,489 Positive / 1,511 Negative, pandas column names and types', async () => {
  const ds = await loadDataset('csv', { dataFiles: data('imdb', 'imdb_small_3000.csv'), split: 'train' });
  assert.equal(ds.numRows, 3000);
  assert.deepEqual(ds.columnNames, ['Unnamed: 0', 'text', 'label']);
  const labels = ds.column('label') as string[];
  assert.equal(labels.filter((l) => l === 'Positive').length, 1489);
  assert.equal(labels.filter((l) => l === 'Negative').length, 1511);
  const enc = ds.classEncodeColumn('label');
  assert.deepEqual((enc.features.label as ClassLabel).names, ['Negative', 'Positive']);
  assert.equal((enc.column('label') as number[]).filter((l) => l === 1).length, 1489);
  assert.ok((ds.at(0).text as string).includes('""clairvoyance""') === false && (ds.at(0).text as string).includes('"clairvoyance"'));
});

interface LoaderRef { format: string; file: string; options: Record<string, unknown>; numRows: number; columns: string[]; features: Record<string, unknown>; row0: Record<string, unknown> }
const ref = readJson<{ loaders: LoaderRef[] }>('test/fixtures/data/hf_reference.json');

// pandas 3 (which HF's csv builder used for the reference) types CSV text as large_string; we use string.
const normalizeLarge = (j: unknown): unknown => JSON.parse(JSON.stringify(j).replace(/"large_string"/g, '"string"'));

for (const r of ref.loaders) {
  test(`${r.format} builder on ${r.file} matches HF (rows, columns, features, first row)`, async () => {
    const opts: Record<string, unknown> = { dataFiles: data(r.file), split: 'train' };
    if (r.options.field) opts.field = r.options.field;
    if (r.options.delimiter) opts.delimiter = r.options.delimiter;
    if (r.options.quoting === 3) opts.quoting = false;
    const ds = await loadDataset(r.format, opts as { split: string });
    assert.equal(ds.numRows, r.numRows);
    assert.deepEqual(ds.columnNames, r.columns);
    // pyarrow infers all JSON integers as int64 (our inference: the same); nested key order follows first appearance.
    assert.deepEqual(featuresToJSON(ds.features), normalizeLarge(r.features));
    assert.deepEqual(ds.at(0), r.row0);
  });
}

test('text builder: keepLinebreaks and sampleBy document/paragraph', async () => {
  const en = await loadDataset('text', { dataFiles: data('multi30k_en_de', 'val.en.gz'), split: 'train', keepLinebreaks: true });
  assert.equal(en.numRows, 1014);
  assert.equal(en.at(0).text, 'A group of men are loading cotton onto a truck\n');
  const doc = await loadDataset('text', { dataFiles: data('multi30k_en_de', 'val.en.gz'), split: 'train', sampleBy: 'document' });
  assert.equal(doc.numRows, 1);
  const train = await loadDataset('text', { dataFiles: { train: data('multi30k_en_de', 'train.en.gz'), validation: data('multi30k_en_de', 'val.en.gz') } });
  assert.deepEqual(train.numRows, { train: 29000, validation: 1014 });
});

test('parquet builder reads a pyarrow-written file (types from the Parquet schema, nulls kept)', async () => {
  const ds = await loadDataset('parquet', { dataFiles: 'test/fixtures/data/small.parquet', split: 'train' });
  assert.deepEqual(ds.toList(), [
    { id: 1, x: 0.5, s: 'a', b: true, l: [1, 2], st: { k: 'u', v: 1 } },
    { id: 2, x: null, s: 'bé', b: false, l: [], st: { k: 'w', v: null } },
    { id: 3, x: -2, s: null, b: null, l: null, st: null },
  ]);
  const f: Features = ds.features;
  assert.deepEqual(featuresToJSON(f), featuresToJSON({
    id: new Value('int64'), x: new Value('float64'), s: new Value('string'), b: new Value('bool'),
    l: new List(new Value('int32')), st: { k: new Value('string'), v: new Value('int64') },
  }));
});

test('a folder path picks the builder by extension and the splits by file name', async () => {
  const dd = await loadDataset(data('samsum'));
  assert.ok(dd instanceof DatasetDict);
  assert.deepEqual(dd.numRows, { validation: 818, test: 819 });
  assert.deepEqual(dd.get('test').columnNames, ['id', 'summary', 'dialogue']);
});
