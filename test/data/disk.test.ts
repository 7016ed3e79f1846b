// saveToDisk / loadFromDisk: our round trip (features, nulls, nested types, indices applied), and
// folders written by HF datasets 5.0.1 save_to_disk (test/fixtures/data/hf_saved*, made by
// scripts/fixtures/gen_datasets.py) read with identical features and rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import {
  ClassLabel, Dataset, DatasetDict, List, Sequence, Value, featureToString, featuresToJSON, loadDataset, loadFromDisk,
} from '../../src/data/index.js';
import { sharedDir } from '../helpers.js';

process.env.TUNEKIT_DATASETS_CACHE = mkdtempSync(join(tmpdir(), 'tunekit-disk-cache-'));

const hfFeatures = {
  text: new Value('string'),
  label: new ClassLabel({ names: ['neg', 'pos'] }),
  tags: new List(new ClassLabel({ names: ['O', 'B-PER', 'I-PER'] })),
  answers: Sequence({ text: new Value('string'), answer_start: new Value('int32') }),
  messages: new List({ role: new Value('string'), content: new Value('string') }),
  score: new Value('float32'),
  ok: new Value('bool'),
  n: new Value('int64'),
};
const hfRows = [
  { text: 'good film', label: 1, tags: [0, 1, 2], answers: { text: ['film'], answer_start: [5] }, messages: [{ role: 'user', content: 'hi' }], score: 0.5, ok: true, n: 2 ** 40 },
  { text: 'bad', label: 0, tags: [], answers: { text: [], answer_start: [] }, messages: [], score: -1.25, ok: false, n: -3 },
  { text: null, label: 1, tags: [1], answers: { text: ['a', 'b'], answer_start: [0, 2] }, messages: [{ role: 'assistant', content: 'yo' }, { role: 'user', content: '' }], score: null, ok: null, n: null },
];

test('a folder written by HF save_to_disk loads with the same features and rows', async () => {
  const ds = await Dataset.loadFromDisk('test/fixtures/data/hf_saved');
  assert.equal(featureToString(ds.features), featureToString(hfFeatures));
  assert.deepEqual(ds.toList(), hfRows);
  const state = JSON.parse(readFileSync('test/fixtures/data/hf_saved/state.json', 'utf8')) as { _fingerprint: string };
  assert.equal(ds.fingerprint, state._fingerprint);
  const dd = await loadFromDisk('test/fixtures/data/hf_saved_dict');
  assert.ok(dd instanceof DatasetDict);
  assert.deepEqual(dd.numRows, { train: 2, test: 1 });
  assert.deepEqual(dd.get('test').at(0), hfRows[2]);
  // mapping a dataset loaded from a read-only fixture writes its cache under the cache root, not beside the fixture
  const mapped = await ds.map((r) => ({ len: r.tags.length }));
  assert.ok(mapped.cacheDir!.startsWith(process.env.TUNEKIT_DATASETS_CACHE!));
  assert.deepEqual(readdirSync('test/fixtures/data/hf_saved').sort(), ['data-00000-of-00001.arrow', 'dataset_info.json', 'state.json']);
});

test('saveToDisk writes HF layout and metadata; loadFromDisk round-trips features, rows, split, fingerprint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-save-'));
  const ds = Dataset.fromList(hfRows, { features: hfFeatures, split: 'train' });
  const picked = ds.select([2, 0]); // indices are applied on save
  await picked.saveToDisk(dir);
  assert.deepEqual(readdirSync(dir).sort(), ['data-00000-of-00001.arrow', 'dataset_info.json', 'state.json']);
  const info = JSON.parse(readFileSync(join(dir, 'dataset_info.json'), 'utf8')) as { features: unknown };
  assert.deepEqual(info.features, JSON.parse(readFileSync('test/fixtures/data/hf_saved/dataset_info.json', 'utf8')).features);
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(state, {
    _data_files: [{ filename: 'data-00000-of-00001.arrow' }], _fingerprint: picked.fingerprint, _format_columns: null,
    _format_kwargs: {}, _format_type: null, _output_all_columns: false, _split: 'train',
  });
  // The .arrow file is an IPC stream (HF's format) with the features in the schema metadata.
  const bytes = readFileSync(join(dir, 'data-00000-of-00001.arrow'));
  assert.equal(bytes.readUInt32LE(0), 0xffffffff, 'IPC stream continuation marker');
  const meta = JSON.parse(tableFromIPC(bytes).schema.metadata.get('huggingface')!) as { info: { features: unknown } };
  assert.deepEqual(meta.info.features, featuresToJSON(hfFeatures));
  const back = await Dataset.loadFromDisk(dir);
  assert.deepEqual(back.toList(), [hfRows[2], hfRows[0]]);
  assert.equal(featureToString(back.features), featureToString(hfFeatures));
  assert.equal(back.split, 'train');
  assert.equal(back.fingerprint, picked.fingerprint);
  // The same bytes as the HF file would be nice but pyarrow's buffer layout differs; the data is what must match.
});

test('DatasetDict saveToDisk / loadFromDisk (dataset_dict.json + one folder per split)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-save-dict-'));
  const dd = await loadDataset('conll2003', { dataFiles: { validation: sharedDir('data', 'conll2003', 'valid.txt') } });
  const small = new DatasetDict({ train: dd.get('validation').slice(0, 50), test: dd.get('validation').slice(50, 60) });
  await small.saveToDisk(dir);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'dataset_dict.json'), 'utf8')), { splits: ['train', 'test'] });
  const back = await DatasetDict.loadFromDisk(dir);
  assert.deepEqual(back.numRows, { train: 50, test: 10 });
  assert.deepEqual(back.get('test').toList(), small.get('test').toList());
  assert.equal(featureToString(back.get('train').features), featureToString(dd.get('validation').features));
  await assert.rejects(DatasetDict.loadFromDisk(join(dir, 'train')), /not a DatasetDict folder/);
});

test('loadFromDisk errors name the folder; the arrow builder reads saved shards', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'tunekit-empty-'));
  await assert.rejects(Dataset.loadFromDisk(empty), /state.json not found: not a folder written by saveToDisk/);
  writeFileSync(join(empty, 'state.json'), '{"_data_files": [{"filename": "x.arrow"}]}');
  writeFileSync(join(empty, 'x.arrow'), 'not arrow');
  await assert.rejects(Dataset.loadFromDisk(empty), /x.arrow: not a readable Arrow IPC file/);
  const viaBuilder = await loadDataset('arrow', { dataFiles: 'test/fixtures/data/hf_saved/data-00000-of-00001.arrow', split: 'train' });
  assert.deepEqual(viaBuilder.toList(), hfRows);
});
