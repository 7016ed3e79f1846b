// Dataset / DatasetDict basics: construction and inference, features JSON (HF format), row and
// column access, select/slice/shuffle/sort/unique, train_test_split sizes against HF
// (test/fixtures/data/hf_reference.json), column ops, flatten and HF's repr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  ClassLabel, Dataset, DatasetDict, List, Rng, Sequence, Value, concatenateDatasets, featureFromJSON, featureToString, featuresToJSON, permutation,
} from '../../src/data/index.js';
import { readJson } from '../helpers.js';

const rows = [
  { text: 'good film', label: 1, score: 0.5, tags: ['a', 'b'] },
  { text: 'bad', label: 0, score: 1, tags: [] },
  { text: 'meh', label: 1, score: null, tags: ['c'] },
];

test('fromList infers HF features; fromDict checks lengths; rows and columns are fresh copies', () => {
  const ds = Dataset.fromList(rows);
  assert.equal(ds.numRows, 3);
  assert.deepEqual(ds.columnNames, ['text', 'label', 'score', 'tags']);
  assert.equal(featureToString(ds.features), "{'text': Value('string'), 'label': Value('int64'), 'score': Value('float64'), 'tags': List(Value('string'))}");
  assert.deepEqual(ds.toList(), rows);
  assert.deepEqual(ds.at(-1), rows[2]);
  assert.deepEqual(ds.column('label'), [1, 0, 1]);
  assert.deepEqual(ds.get('tags'), [['a', 'b'], [], ['c']]);
  ds.at(0).tags.push('mutated');
  (ds.column('tags')[0] as string[]).push('mutated');
  assert.deepEqual(ds.at(0).tags, ['a', 'b']);
  assert.deepEqual([...ds].map((r) => r.text), ['good film', 'bad', 'meh']);
  assert.deepEqual(ds.toDict(), { text: ['good film', 'bad', 'meh'], label: [1, 0, 1], score: [0.5, 1, null], tags: [['a', 'b'], [], ['c']] });
  assert.deepEqual([...ds.iter({ batchSize: 2 })].map((b) => b.label), [[1, 0], [1]]);
  assert.throws(() => Dataset.fromDict({ a: [1, 2], b: [1] }), /different lengths: a: 2, b: 1/);
  assert.throws(() => ds.at(3), /Index 3 out of range for a dataset of 3 rows/);
  assert.throws(() => Dataset.fromList([{ a: 1 }, { a: 'x' }]), /column 'a', row 1: mixed types int and string/);
  // HF's OptimizedTypedSequence: tokenizer outputs get small ints.
  const tok = Dataset.fromDict({ input_ids: [[101, 2023, 102]], attention_mask: [[1, 1, 1]], token_type_ids: [[0, 0, 0]], labels: [[1, 2, 3]] });
  assert.equal(featureToString(tok.features), "{'input_ids': List(Value('int32')), 'attention_mask': List(Value('int8')), 'token_type_ids': List(Value('int8')), 'labels': List(Value('int64'))}");
  // Typed arrays are lists of their element type; nested objects are structs with keys unioned.
  const typed = Dataset.fromList([{ v: Float32Array.of(1, 2), m: { a: 1 } }, { v: Float32Array.of(3), m: { b: 'x' } }]);
  assert.equal(featureToString(typed.features), "{'v': List(Value('float32')), 'm': {'a': Value('int64'), 'b': Value('string')}}");
  assert.deepEqual(typed.at(1), { v: [3], m: { a: null, b: 'x' } });
});

test('features: ClassLabel str2int/int2str, Sequence(dict) is a dict of Lists, JSON in HF format', () => {
  const cl = new ClassLabel({ names: ['neg', 'pos'] });
  assert.equal(cl.numClasses, 2);
  assert.equal(cl.str2int('pos'), 1);
  assert.equal(cl.str2int(' pos '), 1);
  assert.deepEqual(cl.int2str([0, 1]), ['neg', 'pos']);
  assert.throws(() => cl.str2int('neutral'), /'neutral' is not one of the names \['neg', 'pos'\]/);
  assert.throws(() => cl.int2str(2), /2 is not a valid label id \(0..1\)/);
  assert.throws(() => new ClassLabel({ names: ['a', 'a'] }), /duplicate names \["a"\]/);
  assert.deepEqual(new ClassLabel({ numClasses: 3 }).names, ['0', '1', '2']);
  assert.throws(() => new Value('int' as 'int64'), /unknown dtype 'int'/);
  assert.equal(new Value('float').dtype, 'float32');
  const answers = Sequence({ text: new Value('string'), answer_start: new Value('int32') });
  assert.equal(featureToString(answers), "{'text': List(Value('string')), 'answer_start': List(Value('int32'))}");
  assert.ok(Sequence(new Value('string')) instanceof List);
  // HF datasets >= 4 JSON, and the legacy forms it still reads.
  const json = { feature: { names: ['O', 'B'], _type: 'ClassLabel' }, _type: 'List' };
  assert.deepEqual(featuresToJSON({ t: new List(new ClassLabel({ names: ['O', 'B'] })) }), { t: json });
  assert.equal(featureToString(featureFromJSON({ feature: { dtype: 'string', id: null, _type: 'Value' }, length: -1, id: null, _type: 'Sequence' })), "List(Value('string'))");
  assert.equal(featureToString(featureFromJSON({ feature: { text: { dtype: 'string', _type: 'Value' } }, _type: 'Sequence' })), "{'text': List(Value('string'))}");
  assert.equal(featureToString(featureFromJSON([{ role: { dtype: 'string', _type: 'Value' } }])), "List({'role': Value('string')})");
  assert.equal(featureToString(featureFromJSON({ num_classes: 2, names: ['a', 'b'], id: null, _type: 'ClassLabel' })), "ClassLabel(names=['a', 'b'])");
  assert.throws(() => featureFromJSON({ _type: 'Image' }), /feature type 'Image' is not supported/);
  assert.equal(inspect(cl), "ClassLabel(names=['neg', 'pos'])");
});

test("printing: HF's Dataset and DatasetDict repr, also through util.inspect", () => {
  const ds = Dataset.fromList(rows);
  const expected = "Dataset({\n    features: ['text', 'label', 'score', 'tags'],\n    num_rows: 3\n})";
  assert.equal(ds.toString(), expected);
  assert.equal(inspect(ds), expected);
  const dd = new DatasetDict({ train: ds, test: ds.select([0]) });
  assert.equal(String(dd), "DatasetDict({\n    train: Dataset({\n        features: ['text', 'label', 'score', 'tags'],\n        num_rows: 3\n    })\n" +
    "    test: Dataset({\n        features: ['text', 'label', 'score', 'tags'],\n        num_rows: 1\n    })\n})");
  assert.equal(inspect({ dd }).includes('DatasetDict({'), true);
  assert.throws(() => dd.get('validation'), /Unknown split "validation". Should be one of \['train', 'test'\]/);
});

test('select / slice / sort / unique / concatenate', () => {
  const ds = Dataset.fromDict({ x: [5, 3, null, 9, 3], s: ['e', 'c', 'a', 'd', 'b'] });
  assert.deepEqual(ds.select([4, 0, 0]).column('s'), ['b', 'e', 'e']);
  assert.deepEqual(ds.slice(1, 3).column('s'), ['c', 'a']);
  assert.deepEqual(ds.slice(-2).column('s'), ['d', 'b']);
  assert.deepEqual(ds.select([3, 1]).select([1]).column('s'), ['c']); // indices compose
  assert.throws(() => ds.select([5]), /index 5 out of range for a dataset of 5 rows/);
  assert.throws(() => ds.select([1.5]), /index 1.5 at position 0 is not an integer/);
  assert.deepEqual(ds.sort('x').column('s'), ['c', 'b', 'e', 'd', 'a']); // stable, nulls last
  assert.deepEqual(ds.sort('x', { reverse: true }).column('x'), [9, 5, 3, 3, null]);
  assert.deepEqual(ds.sort('s').column('s'), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(ds.unique('x'), [5, 3, null, 9]);
  assert.deepEqual(Dataset.fromDict({ t: [[1, 2], [2, 3]] }).unique('t'), [1, 2, 3]);
  const cat = concatenateDatasets([ds.slice(0, 2), ds.slice(3)]);
  assert.deepEqual(cat.column('s'), ['e', 'c', 'd', 'b']);
  assert.throws(() => concatenateDatasets([ds, Dataset.fromDict({ y: [1] })]), /features differ|has features/);
});

test('shuffle is deterministic per seed (xoshiro128**), differs across seeds, and is a permutation', () => {
  const ds = Dataset.fromDict({ i: Array.from({ length: 1000 }, (_, i) => i) });
  const a = ds.shuffle({ seed: 42 }).column('i') as number[];
  const b = ds.shuffle({ seed: 42 }).column('i') as number[];
  const c = ds.shuffle({ seed: 43 }).column('i') as number[];
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual([...a].sort((x, y) => x - y), ds.column('i'));
  assert.equal(ds.shuffle({ seed: 42 }).fingerprint, ds.shuffle({ seed: 42 }).fingerprint);
  assert.notEqual(ds.shuffle({ seed: 42 }).fingerprint, ds.shuffle({ seed: 43 }).fingerprint);
  // Pinned so that a change of generator is noticed (orders are ours, not numpy's).
  assert.deepEqual(Array.from(permutation(10, 0)), Array.from(permutation(10, 0)));
  assert.deepEqual(Array.from({ length: 4 }, ((r) => () => r.nextU32())(new Rng(1))), Array.from({ length: 4 }, ((r) => () => r.nextU32())(new Rng(1))));
  const counts = new Array(10).fill(0);
  const rng = new Rng(7);
  for (let k = 0; k < 100000; k++) counts[rng.int(10)]++;
  for (const n of counts) assert.ok(Math.abs(n - 10000) < 500, `bucket ${n}`); // ~5 sigma
  // seeds beyond 32 bits still matter
  assert.notDeepEqual(Array.from(permutation(20, 2 ** 32)), Array.from(permutation(20, 0)));
});

interface SplitRef { n: number; testSize: number | null; trainSize: number | null; nTrain?: number; nTest?: number; error?: string }
const splitRef = readJson<{ trainTestSplit: SplitRef[] }>('test/fixtures/data/hf_reference.json').trainTestSplit;

test('trainTestSplit sizes equal HF train_test_split (ceil test fraction, floor train fraction, counts)', () => {
  for (const r of splitRef) {
    const ds = Dataset.fromDict({ i: Array.from({ length: r.n }, (_, i) => i) });
    const opts = { testSize: r.testSize ?? undefined, trainSize: r.trainSize ?? undefined, seed: 0 };
    if (r.error) {
      assert.throws(() => ds.trainTestSplit(opts), Error, JSON.stringify(r));
      continue;
    }
    const dd = ds.trainTestSplit(opts);
    assert.deepEqual(dd.numRows, { train: r.nTrain, test: r.nTest }, JSON.stringify(r));
    const all = [...(dd.get('train').column('i') as number[]), ...(dd.get('test').column('i') as number[])];
    assert.equal(new Set(all).size, all.length);
  }
});

test('trainTestSplit: same seed same split, no shuffle keeps order, bad sizes throw like HF', () => {
  const ds = Dataset.fromDict({ i: Array.from({ length: 100 }, (_, i) => i) });
  const a = ds.trainTestSplit({ testSize: 0.1, seed: 1 });
  const b = ds.trainTestSplit({ testSize: 0.1, seed: 1 });
  const c = ds.trainTestSplit({ testSize: 0.1, seed: 2 });
  assert.deepEqual(a.get('test').column('i'), b.get('test').column('i'));
  assert.notDeepEqual(a.get('test').column('i'), c.get('test').column('i'));
  // the test rows are the first n_test of the seed's permutation, as in HF
  assert.deepEqual(a.get('test').column('i'), Array.from(permutation(100, 1).slice(0, 10)));
  const ordered = ds.trainTestSplit({ testSize: 20, shuffle: false });
  assert.deepEqual(ordered.get('test').column('i'), Array.from({ length: 20 }, (_, i) => 80 + i));
  assert.throws(() => ds.trainTestSplit({ testSize: 1.5 }), /testSize=1.5 should be either positive and smaller than the number of samples 100/);
  assert.throws(() => ds.trainTestSplit({ testSize: 100 }), /testSize=100 should be/);
  assert.throws(() => ds.trainTestSplit({ testSize: 0.6, trainSize: 0.6 }), /The sum of testSize and trainSize = 1.2/);
  assert.throws(() => ds.trainTestSplit({ testSize: 60, trainSize: 50 }), /= 110, should be smaller than the number of samples 100/);
});

test('column ops: remove / rename / select / cast / classEncode / add / flatten, with errors naming columns', () => {
  const ds = Dataset.fromList(rows);
  assert.deepEqual(ds.removeColumns(['score', 'tags']).columnNames, ['text', 'label']);
  assert.throws(() => ds.removeColumns('nope'), /Column 'nope' not in the dataset. Current columns in the dataset: \["text","label","score","tags"\]/);
  assert.throws(() => ds.column('labels'), /Column 'labels' not in the dataset. Current columns in the dataset: \["text","label","score","tags"\]/);
  const renamed = ds.renameColumn('label', 'labels');
  assert.deepEqual(renamed.columnNames, ['text', 'labels', 'score', 'tags']);
  assert.deepEqual(renamed.column('labels'), [1, 0, 1]);
  assert.throws(() => ds.renameColumn('label', 'text'), /would appear twice/);
  assert.throws(() => ds.renameColumn('lbl', 'x'), /Original column name 'lbl' not in the dataset/);
  assert.deepEqual(ds.renameColumns({ text: 'sentence', label: 'y' }).columnNames, ['sentence', 'y', 'score', 'tags']);
  assert.deepEqual(ds.selectColumns(['tags', 'text']).columnNames, ['tags', 'text']);
  const cl = ds.castColumn('label', new ClassLabel({ names: ['neg', 'pos'] }));
  assert.ok(cl.features.label instanceof ClassLabel);
  const str = Dataset.fromDict({ label: ['pos', 'neg', 'pos'] }).castColumn('label', new ClassLabel({ names: ['neg', 'pos'] }));
  assert.deepEqual(str.column('label'), [1, 0, 1]);
  assert.throws(() => Dataset.fromDict({ label: ['pos', 'meh'] }).castColumn('label', new ClassLabel({ names: ['neg', 'pos'] })),
    /column 'label', row 1: ClassLabel value 'meh' is not one of the names \['neg', 'pos'\]/);
  assert.throws(() => ds.castColumn('label', new ClassLabel({ names: ['only'] })), /row 0: ClassLabel value 1 is outside 0..0/);
  assert.deepEqual(ds.castColumn('label', new Value('string')).column('label'), ['1', '0', '1']);
  assert.deepEqual(ds.castColumn('score', new Value('float32')).column('score'), [0.5, 1, null]);
  assert.throws(() => ds.castColumn('text', new Value('int64')), /expected a number/);
  const enc = Dataset.fromDict({ y: ['b', 'a', null, 'b'] }).classEncodeColumn('y');
  assert.deepEqual((enc.features.y as ClassLabel).names, ['a', 'b']);
  assert.deepEqual(enc.column('y'), [1, 0, null, 1]);
  assert.deepEqual(ds.addColumn('n', [1, 2, 3]).column('n'), [1, 2, 3]);
  assert.throws(() => ds.addColumn('n', [1]), /Column lengths mismatch: addColumn\('n'\) got 1 values for 3 rows/);
  // select then cast only validates the selected rows
  const filtered = Dataset.fromDict({ y: ['a', 'bad', 'b'] }).select([0, 2]).castColumn('y', new ClassLabel({ names: ['a', 'b'] }));
  assert.deepEqual(filtered.column('y'), [0, 1]);
  const squad = Dataset.fromList([{ id: 'q', answers: { text: ['x'], answer_start: [3] } }], {
    features: { id: new Value('string'), answers: Sequence({ text: new Value('string'), answer_start: new Value('int32') }) },
  });
  const flat = squad.flatten();
  assert.deepEqual(flat.columnNames, ['id', 'answers.text', 'answers.answer_start']);
  assert.deepEqual(flat.at(0), { id: 'q', 'answers.text': ['x'], 'answers.answer_start': [3] });
  assert.equal(featureToString(flat.features['answers.answer_start']!), "List(Value('int32'))");
});

test('fromList with features converts and validates (ClassLabel names, ints, fixed lengths)', () => {
  const features = { label: new ClassLabel({ names: ['neg', 'pos'] }), n: new Value('int8'), v: new List(new Value('float32'), 2) };
  const ds = Dataset.fromList([{ label: 'pos', n: '3', v: [1, 2] }, { label: 0, n: 4, v: [0.5, 0.25] }], { features });
  assert.deepEqual(ds.toList(), [{ label: 1, n: 3, v: [1, 2] }, { label: 0, n: 4, v: [0.5, 0.25] }]);
  assert.throws(() => Dataset.fromList([{ label: 'x' }], { features: { label: features.label } }), /column 'label', row 0: ClassLabel value 'x' is not one of the names \['neg', 'pos'\]/);
  assert.throws(() => Dataset.fromList([{ label: 2 }], { features: { label: features.label } }), /ClassLabel value 2 is outside 0..1 \(or -1 for none\); names: \['neg', 'pos'\]/);
  assert.throws(() => Dataset.fromList([{ n: 300 }], { features: { n: features.n } }), /300 does not fit Value\('int8'\)/);
  assert.throws(() => Dataset.fromList([{ n: 1.5 }], { features: { n: features.n } }), /1.5 is not an integer/);
  assert.throws(() => Dataset.fromList([{ v: [1] }], { features: { v: features.v } }), /list of length 1, the feature has fixed length 2/);
  assert.throws(() => Dataset.fromList([{ zz: 1 }], { features: { v: features.v } }), /columns \["zz"\] are not in the given features/);
});

test('DatasetDict applies transforms per split', async () => {
  const dd = new DatasetDict({ train: Dataset.fromList(rows), test: Dataset.fromList(rows.slice(0, 1)) });
  assert.deepEqual(dd.removeColumns('tags').columnNames, { train: ['text', 'label', 'score'], test: ['text', 'label', 'score'] });
  assert.deepEqual(dd.renameColumn('label', 'labels').columnNames.test, ['text', 'labels', 'score', 'tags']);
  const mapped = await dd.map((r) => ({ len: r.text.length }));
  assert.deepEqual(mapped.get('train').column('len'), [9, 3, 3]);
  const batched = await dd.map((b) => ({ len: b.text.map((t: string) => t.length) }), { batched: true });
  assert.deepEqual(batched.get('test').column('len'), [9]);
  const filtered = await dd.filter((r) => r.label === 1);
  assert.deepEqual(filtered.numRows, { train: 2, test: 1 });
  assert.deepEqual(dd.shuffle({ seed: 3 }).get('train').column('text'), dd.get('train').shuffle({ seed: 3 }).column('text'));
  const enc = new DatasetDict({ a: Dataset.fromDict({ y: ['z', 'x'] }), b: Dataset.fromDict({ y: ['y'] }) }).classEncodeColumn('y');
  assert.deepEqual((enc.get('b').features.y as ClassLabel).names, ['x', 'y', 'z']);
  assert.deepEqual(enc.get('b').column('y'), [1]);
  assert.deepEqual(dd.unique('label'), { train: [1, 0], test: [1] });
  assert.deepEqual([...dd].map(([k]) => k), ['train', 'test']);
});
