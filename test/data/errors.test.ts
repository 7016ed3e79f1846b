// Bad input gets errors that name the problem: malformed JSON Lines (file:line), ragged CSV rows
// (file and line), missing files, missing columns, ClassLabel values outside the names, bad CoNLL
// lines and tags, map outputs of different lengths, bad split specs. Bad files go to os.tmpdir().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassLabel, Dataset, loadDataset } from '../../src/data/index.js';

process.env.TUNEKIT_DATASETS_CACHE = mkdtempSync(join(tmpdir(), 'tunekit-errors-cache-'));
const dir = mkdtempSync(join(tmpdir(), 'tunekit-bad-'));
const file = (name: string, text: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('malformed JSON Lines: the file and line number', async () => {
  const p = file('bad.jsonl', '{"a": 1}\n{"a": 2}\n\n{"a": 3,}\n{"a": 4}\n');
  await assert.rejects(loadDataset('json', { dataFiles: p }), (e: Error) => {
    assert.match(e.message, /bad\.jsonl:4: malformed JSON Lines record/);
    return true;
  });
  const notObj = file('arr.jsonl', '{"a": 1}\n[1, 2]\n');
  await assert.rejects(loadDataset('json', { dataFiles: notObj }), /arr\.jsonl:2: expected a JSON object per line, got an array/);
  const badArray = file('bad.json', '[\n  {"a": 1},\n  {"a": 2\n]');
  await assert.rejects(loadDataset('json', { dataFiles: badArray }), /bad\.json: invalid JSON at line 4/);
  const noField = file('obj.json', '{"version": 1, "rows": []}');
  await assert.rejects(loadDataset('json', { dataFiles: noField, field: 'data' }), /field 'data' not found; top-level keys: \["version","rows"\]/);
  const mixed = file('mixed.jsonl', '{"a": 1}\n{"a": "x"}\n');
  await assert.rejects(loadDataset('json', { dataFiles: mixed }), /column 'a', row 1: mixed types int and string/);
  // a pretty-printed JSON document is not JSON Lines but still loads (HF's fallback)
  const pretty = file('pretty.json', '{\n  "a": [1, 2],\n  "b": ["x", "y"]\n}\n');
  assert.deepEqual((await loadDataset('json', { dataFiles: pretty, split: 'train' })).toList(), [{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
  const gz = file('ok.jsonl.gz', gzipSync('{"a": 1}\n'));
  assert.equal((await loadDataset('json', { dataFiles: gz, split: 'train' })).numRows, 1);
  await assert.rejects(loadDataset('json', { dataFiles: file('bad.jsonl.gz', 'not gzip') }), /bad\.jsonl\.gz: not valid gzip/);
});

test('ragged CSV rows and unclosed quotes: the file and line', async () => {
  const ragged = file('ragged.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8\n');
  await assert.rejects(loadDataset('csv', { dataFiles: ragged }), /ragged\.csv: Invalid Record Length: expect 3, got 2 on line 3 \(ragged row/);
  const tsv = file('ragged.tsv', 'a\tb\n1\t2\t3\n');
  await assert.rejects(loadDataset('csv', { dataFiles: tsv }), /ragged\.tsv: Invalid Record Length: expect 2, got 3 on line 2/);
  const quote = file('quote.csv', 'a,b\n1,"open\n2,3\n');
  await assert.rejects(loadDataset('csv', { dataFiles: quote }), /quote\.csv: Quote Not Closed/);
  // with quoting off (as GLUE) the same file is fine
  const ds = await loadDataset('csv', { dataFiles: quote, quoting: false, split: 'train' });
  assert.deepEqual(ds.column('b'), ['"open', '3']);
  // pandas-like typing: ints, floats, bools, missing values
  const typed = file('typed.csv', 'i,f,b,s,m\n1,1.5,True,x,1\n2,2,False,y,\n');
  const t = await loadDataset('csv', { dataFiles: typed, split: 'train' });
  assert.deepEqual(t.toList(), [{ i: 1, f: 1.5, b: true, s: 'x', m: 1 }, { i: 2, f: 2, b: false, s: 'y', m: null }]);
  assert.equal(String(t.features.m), "Value('float64')"); // pandas: an int column with a missing value is float64
});

test('missing data files and folders', async () => {
  await assert.rejects(loadDataset('json', { dataFiles: join(dir, 'nope.jsonl') }), /Unable to find '.*nope\.jsonl'/);
  await assert.rejects(loadDataset('json', { dataFiles: { train: 'a.jsonl' }, dataDir: join(dir, 'none') }), /Unable to find '.*none\/a\.jsonl' \(data file 'a\.jsonl' relative to/);
  await assert.rejects(loadDataset('json', { dataFiles: join(dir, '*.nothing') }), /Unable to find any data file matching/);
  await assert.rejects(loadDataset('conll2003', { dataDir: join(dir, 'empty') }), /none of \["train.txt","valid.txt","test.txt"\] found/);
  await assert.rejects(loadDataset('json', {}), /give dataFiles or dataDir/);
  await assert.rejects(loadDataset('yaml', { dataFiles: 'x' }), /'yaml' is neither a builder \(json, csv, text, parquet, arrow, conll2003, glue, squad, squad_v2\) nor a local folder/);
  await assert.rejects(loadDataset('glue', { name: 'cola', dataFiles: file('x.tsv', 'a\n') }), /glue: task 'cola' is not supported; supported: \["mrpc"\]/);
  // globs pick files up
  file('g1.jsonl', '{"a": 1}\n');
  file('g2.jsonl', '{"a": 2}\n');
  assert.deepEqual((await loadDataset('json', { dataFiles: join(dir, 'g*.jsonl'), split: 'train' })).column('a'), [1, 2]);
});

test('CoNLL: bad lines and unknown tags name the file and line', async () => {
  const bad = file('bad.conll', 'EU NNP B-NP B-ORG\nrejects VBZ B-VP\n');
  await assert.rejects(loadDataset('conll2003', { dataFiles: bad }), /bad\.conll:2: expected 4 space-separated columns \(token POS chunk NER\), got 3/);
  const tag = file('tag.conll', '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nX NNP B-NP B-FOO\n');
  await assert.rejects(loadDataset('conll2003', { dataFiles: tag }), /tag\.conll:4: tag 'B-FOO' is not one of the names \["O","B-PER"/);
});

test('columns that do not exist, ClassLabel values outside the names, bad map outputs, bad splits', async () => {
  const ds = Dataset.fromDict({ text: ['a', 'b'], label: [0, 1] });
  assert.throws(() => ds.column('labels'), /Column 'labels' not in the dataset. Current columns in the dataset: \["text","label"\]/);
  assert.throws(() => ds.sort('nope'), /Column 'nope' not in the dataset/);
  assert.throws(() => ds.unique('nope'), /Column 'nope' not in the dataset/);
  assert.throws(() => ds.castColumn('nope', new ClassLabel({ names: ['a'] })), /Column 'nope' not in the dataset/);
  assert.throws(() => ds.castColumn('text', new ClassLabel({ names: ['x', 'y'] })), /column 'text', row 0: ClassLabel value 'a' is not one of the names \['x', 'y'\]/);
  assert.throws(() => Dataset.fromDict({ l: ['x'] }, { features: { l: new ClassLabel({ names: ['neg', 'pos'] }) } }), /ClassLabel value 'x' is not one of the names \['neg', 'pos'\]/);
  await assert.rejects(ds.map((b) => ({ a: [1], b: [1, 2] }), { batched: true }), /columns of different lengths for rows 0..1: a: 1, b: 2/);
  await assert.rejects(ds.map((b) => ({ x: [1, 2, 3] }), { batched: true }), /Column lengths mismatch/);
  const p = file('s.jsonl', '{"a": 1}\n');
  await assert.rejects(loadDataset('json', { dataFiles: p, split: 'train[:10' }), /Unrecognized instruction format: train\[:10/);
  await assert.rejects(loadDataset('json', { dataFiles: p, split: 'validation' }), /Unknown split "validation". Should be one of \['train'\]/);
  await assert.rejects(loadDataset('json', { dataFiles: p, split: 'train[-200%:]' }), /Percent slice boundaries must be > -100 and < 100/);
  await assert.rejects(loadDataset('json', { dataFiles: { 'tr ain': p } }), /Split name should match/);
  await assert.rejects(loadDataset('json', { dataFiles: { '../x': p } }), { message: "Split name should match '^\\w+(\\.\\w+)*$' but got '../x'." });
  // HF's rule is Python's Unicode \w: non-ASCII letters and digits make valid split names (same rule as saveToDisk folders).
  const dd = await loadDataset('json', { dataFiles: { тест: p, 'train.v2': p } });
  assert.deepEqual(dd.keys(), ['тест', 'train.v2']);
});
