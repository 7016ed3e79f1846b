// Hub datasets against the loopback Hub (test/hub/server.ts): loadDataset('glue', 'mrpc') finds
// the Hub's nyu-mll/glue (a fake one built here from the shared MRPC TSVs in the layout and card
// the real repo has) through README `configs`, reads features from the Parquet files' HF metadata
// or the card's dataset_info; a script-only repo loads from its `refs/convert/parquet`
// conversion; config / split errors name what exists; a warm cache answers offline; and a
// DatasetDict pushed with pushToHub comes back equal through a second cache.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import {
  ClassLabel, Dataset, DatasetDict, List, Value, featuresEqual, loadDataset, parseGlue, writeParquet, type Features,
} from '../../src/data/index.js';
import { HubAuthError, LocalEntryNotFoundError, RepositoryNotFoundError } from '../../src/hub/index.js';
import { glueFeatures } from '../../src/data/hub-canonical.js';
import { featuresFromYaml, featuresToYaml, parseCard } from '../../src/data/hub-card.js';
import { defaultSplitFiles, parquetExportLayout } from '../../src/data/hub-files.js';
import { sharedDir } from '../helpers.js';
import { FakeHub } from '../hub/server.js';
import { hubEnv } from '../hub/env.js';

let hub: FakeHub;
let env: ReturnType<typeof hubEnv>;
beforeEach(async () => {
  hub = await FakeHub.start({ writeToken: 'hf_write', readToken: 'hf_read' });
  env = hubEnv(hub.url);
});
afterEach(async () => {
  await hub.stop();
  env.restore();
});

/** A second client: its own hub cache and datasets cache. */
const freshCaches = (): string => {
  process.env.HF_HUB_CACHE = mkdtempSync(join(env.root, 'hub-cache-'));
  return mkdtempSync(join(env.root, 'datasets-cache-'));
};

const MRPC = sharedDir('data', 'glue_mrpc');
/** The TSV's data lines, read here without the glue loader: [Quality, #1 ID, #2 ID, #1 String, #2 String]. */
const tsvRows = (file: string): string[][] =>
  readFileSync(join(MRPC, file), 'utf8').replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '').slice(1).map((l) => l.split('\t'));

/** Parquet bytes without HF metadata (as pandas or another writer makes them). */
function plainParquet(columns: { name: string; data: unknown[]; type: 'STRING' | 'INT32' | 'INT64' }[]): Buffer {
  const data = columns.map((c) => ({ ...c, data: c.type === 'INT64' ? c.data.map((v) => BigInt(v as number)) : c.data }));
  return Buffer.from(parquetWriteBuffer({ columnData: data }));
}

const GLUE_CARD = `---
pretty_name: GLUE (General Language Understanding Evaluation benchmark)
config_names:
- cola
- mrpc
dataset_info:
- config_name: cola
  features:
  - name: sentence
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
          '0': unacceptable
          '1': acceptable
  - name: idx
    dtype: int32
  splits:
  - name: train
    num_bytes: 120
    num_examples: 2
- config_name: mrpc
  features:
  - name: sentence1
    dtype: string
  - name: sentence2
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
          '0': not_equivalent
          '1': equivalent
  - name: idx
    dtype: int32
configs:
- config_name: cola
  data_files:
  - split: train
    path: cola/train-*
- config_name: mrpc
  data_files:
  - split: train
    path: mrpc/train-*
  - split: validation
    path: mrpc/validation-*
  - split: test
    path: mrpc/test-*
---
# Dataset Card for GLUE
`;

/** nyu-mll/glue as the Hub has it: `{config}/{split}-00000-of-00001.parquet` and the card above. */
function addFakeGlue(): void {
  const files: Record<string, Buffer | string> = { 'README.md': GLUE_CARD };
  for (const [split, tsv] of [['train', 'train.tsv'], ['validation', 'dev.tsv'], ['test', 'test.tsv']] as const) {
    const p = parseGlue(readFileSync(join(MRPC, tsv), 'utf8').replace(/^\uFEFF/, ''), tsv, { name: 'mrpc' });
    files[`mrpc/${split}-00000-of-00001.parquet`] = Buffer.from(writeParquet(Object.fromEntries(p.columns), glueFeatures('mrpc')!));
  }
  // cola's file carries no HF metadata: its features must come from the card's dataset_info
  files['cola/train-00000-of-00001.parquet'] = plainParquet([
    { name: 'sentence', data: ['Our friends won\'t buy this analysis, let alone the next one we propose.', 'The more we study verbs, the crazier they get.'], type: 'STRING' },
    { name: 'label', data: [1, 0], type: 'INT64' },
    { name: 'idx', data: [0, 1], type: 'INT32' },
  ]);
  hub.addRepo('nyu-mll/glue', files, { type: 'dataset' });
}

test("loadDataset('glue', 'mrpc'): nyu-mll/glue's card configs, rows and ClassLabel features from the Parquet metadata", async () => {
  addFakeGlue();
  const cacheDir = join(env.root, 'datasets-cache');
  // a split spec downloads only the splits it reads
  const val = await loadDataset('glue', 'mrpc', { split: 'validation[:10]', cacheDir });
  assert.equal(val.numRows, 10);
  assert.equal(hub.seen(/mrpc\/train-/).length, 0, 'the train file is not fetched for a validation slice');
  const dev = tsvRows('dev.tsv');
  assert.deepEqual(val.at(3), { sentence1: dev[3]![3], sentence2: dev[3]![4], label: Number(dev[3]![0]), idx: 3 });

  const dd = await loadDataset('glue', 'mrpc', { cacheDir });
  assert.deepEqual(dd.keys(), ['train', 'validation', 'test']);
  const train = tsvRows('train.tsv');
  assert.equal(dd.get('train').numRows, train.length);
  assert.equal(train.length, 3668);
  assert.deepEqual(dd.get('train').at(0), { sentence1: train[0]![3], sentence2: train[0]![4], label: Number(train[0]![0]), idx: 0 });
  assert.match(String(dd.get('train').at(0).sentence1), /^Amrozi accused his brother, whom he called "the witness"/);
  assert.equal(dd.get('train').at(0).label, 1);
  assert.deepEqual(dd.numRows, { train: 3668, validation: dev.length, test: tsvRows('test.tsv').length });
  const label = dd.get('train').features.label;
  assert.ok(label instanceof ClassLabel);
  assert.deepEqual(label.names, ['not_equivalent', 'equivalent']);
  assert.ok(featuresEqual(dd.get('test').features, glueFeatures('mrpc')!));
  assert.equal(dd.get('test').at(0).label, -1, 'GLUE test labels are -1');
  assert.ok(hub.seen(/^GET \/api\/datasets\/nyu-mll\/glue\/revision\/main$/).length >= 1, 'the repo was listed by its new name');
  assert.ok(hub.seen(/^HEAD \/datasets\/nyu-mll\/glue\/resolve\/main\/mrpc\/train-00000-of-00001\.parquet$/).length === 1);
  // in HF's cache layout, shared with Python
  assert.ok(readFileSync(join(env.cache, 'datasets--nyu-mll--glue', 'snapshots', hub.repo('nyu-mll/glue', 'dataset').branches.get('main')!, 'README.md'), 'utf8').startsWith('---'));

  // cola: the file has no HF metadata, the card's dataset_info gives the ClassLabel
  const cola = await loadDataset('nyu-mll/glue', 'cola', { split: 'train', cacheDir });
  assert.deepEqual(cola.toList().map((r) => r.label), [1, 0]);
  assert.deepEqual((cola.features.label as ClassLabel).names, ['unacceptable', 'acceptable']);
  assert.equal((cola.features.idx as Value).dtype, 'int32');

  // dataFiles / dataDir inside the repo (load_dataset's data_files / data_dir), under the 'default' config
  const picked = await loadDataset('nyu-mll/glue', { dataFiles: { train: 'mrpc/validation-*' }, split: 'train', cacheDir });
  assert.deepEqual(picked.toList(), dd.get('validation').toList());
  const byDir = await loadDataset('nyu-mll/glue', { dataDir: 'mrpc', cacheDir });
  assert.deepEqual(byDir.numRows, dd.numRows, 'split names from the file names under mrpc/');
  await assert.rejects(loadDataset('nyu-mll/glue', { dataFiles: 'mrpc/dev-*' }), /Unable to find 'mrpc\/dev-\*' \(split 'train'\)/);

  // the local TSV path is unchanged: dataDir means the files of a folder
  const local = await loadDataset('glue', { name: 'mrpc', dataDir: MRPC, split: 'train' });
  assert.deepEqual(local.at(0), dd.get('train').at(0));
});

test('config and split errors name what exists; a missing repo is the Hub error', async () => {
  addFakeGlue();
  await assert.rejects(loadDataset('glue'), (e: Error) =>
    e.message === "Config name is missing.\nPlease pick one among the available configs: ['cola', 'mrpc']\nExample of usage:\n\t`loadDataset('nyu-mll/glue', 'cola')`");
  await assert.rejects(loadDataset('glue', 'mprc'), (e: Error) => e.message === "BuilderConfig 'mprc' not found. Available: ['cola', 'mrpc']");
  await assert.rejects(loadDataset('glue', 'mrpc', { split: 'dev' }), (e: Error) => e.message === 'Unknown split "dev". Should be one of [\'train\', \'validation\', \'test\'].');
  await assert.rejects(loadDataset('glue', 'mrpc', { name: 'cola' }), /the config name is given twice, 'mrpc' and name: 'cola'/);
  await assert.rejects(loadDataset('acme/nope', { token: 'hf_read' }), (e: Error) => e instanceof RepositoryNotFoundError && /dataset acme\/nope/.test(e.message));
  await assert.rejects(loadDataset('nyu-mll/glue', 'mrpc', { revision: 'v9' }), /no such branch, tag or commit/);
  await assert.rejects(loadDataset('yaml', { dataFiles: 'x' }), /'yaml' is neither a builder .* nor a local folder, nor a Hub dataset/);
});

test('offline: a warm cache answers with no request; a cold one says what is missing', async () => {
  addFakeGlue();
  const cacheDir = join(env.root, 'datasets-cache');
  const online = await loadDataset('glue', 'mrpc', { cacheDir });
  process.env.HF_HUB_OFFLINE = '1';
  const n = hub.requests.length;
  const offline = await loadDataset('glue', 'mrpc', { cacheDir });
  assert.equal(hub.requests.length, n, 'no request offline');
  assert.deepEqual(offline.numRows, online.numRows);
  assert.deepEqual(offline.get('validation').toList(), online.get('validation').toList());
  assert.ok(featuresEqual(offline.get('train').features, online.get('train').features));
  assert.equal(offline.get('train').fingerprint, online.get('train').fingerprint, 'same files, same fingerprint');
  // cola's file was never downloaded
  await assert.rejects(loadDataset('glue', 'cola'), /Unable to find 'cola\/train-\*'.*HF_HUB_OFFLINE=1: only files already in the HF cache/s);
  freshCaches();
  await assert.rejects(loadDataset('glue', 'mrpc'), (e: Error) => e instanceof LocalEntryNotFoundError && /dataset nyu-mll\/glue \(revision main\) is not in the HF cache/.test(e.message));
  assert.equal(hub.requests.length, n);
});

test('a repo without data files loads from its refs/convert/parquet conversion', async () => {
  const card = `---\ndataset_info:\n  features:\n  - name: text\n    dtype: string\n  - name: label\n    dtype:\n      class_label:\n        names:\n          '0': neg\n          '1': pos\n  splits:\n  - name: train\n    num_examples: 5\n  - name: test\n    num_examples: 1\n---\n`;
  hub.addRepo('acme/scripted', { 'README.md': card, 'scripted.py': 'import datasets\n' }, { type: 'dataset' });
  const shard = (texts: string[], labels: number[]): Buffer => plainParquet([{ name: 'text', data: texts, type: 'STRING' }, { name: 'label', data: labels, type: 'INT64' }]);
  const feats: Features = { text: new Value('string'), label: new ClassLabel({ names: ['neg', 'pos'] }) };
  hub.push('acme/scripted', {
    'default/train/0000.parquet': shard(['a', 'b', 'c'], [0, 1, 0]),
    'default/train/0001.parquet': shard(['d', 'e'], [1, 1]),
    'default/test/0000.parquet': shard(['t'], [0]),
    'other/partial-train/0000.parquet': Buffer.from(writeParquet({ text: ['x', 'y'], label: [1, 0] }, feats)),
  }, { type: 'dataset', branch: 'refs/convert/parquet', orphan: true });
  assert.ok(!hub.repo('acme/scripted', 'dataset').commits.get(hub.repo('acme/scripted', 'dataset').branches.get('refs/convert/parquet')!)!.files.has('scripted.py'));

  const dd = await loadDataset('acme/scripted');
  assert.deepEqual(dd.keys(), ['train', 'test']);
  assert.deepEqual(dd.get('train').column('text'), ['a', 'b', 'c', 'd', 'e'], 'shards in order');
  assert.deepEqual(dd.get('train').column('label'), [0, 1, 0, 1, 1]);
  assert.ok(featuresEqual(dd.get('train').features, feats), 'the ClassLabel comes from the main revision\'s card');
  assert.equal(hub.seen(/resolve\/refs%2Fconvert%2Fparquet\/default\/train\/0001\.parquet$/).length, 1);

  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', onWarning);
  const other = await loadDataset('acme/scripted', 'other', { split: 'train' });
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.deepEqual(other.toList(), [{ text: 'x', label: 1 }, { text: 'y', label: 0 }]);
  assert.ok(warnings.some((w) => /Parquet conversion of other\/train is partial/.test(w)), warnings.join('\n'));
  await assert.rejects(loadDataset('acme/scripted', 'nope'), (e: Error) => e.message === "BuilderConfig 'nope' not found. Available: ['default', 'other']");

  // offline, the cached conversion answers too
  process.env.HF_HUB_OFFLINE = '1';
  assert.deepEqual((await loadDataset('acme/scripted', undefined, { split: 'test' })).toList(), [{ text: 't', label: 0 }]);
  delete process.env.HF_HUB_OFFLINE;

  hub.addRepo('acme/empty', { 'README.md': '# nothing\n' }, { type: 'dataset' });
  await assert.rejects(loadDataset('acme/empty'), /No \(supported\) data files found in acme\/empty .*no Parquet conversion on refs\/convert\/parquet/);
});

/** A DatasetDict with every kind of feature the writer maps. */
function sampleDict(): DatasetDict {
  const features: Features = {
    text: new Value('string'), label: new ClassLabel({ names: ['neg', 'pos'] }), ids: new List(new Value('int32')),
    meta: { source: new Value('string'), score: new Value('float64') }, flag: new Value('bool'), big: new Value('int64'),
  };
  const rows = (n: number, off: number): Record<string, unknown>[] => Array.from({ length: n }, (_, i) => ({
    text: `review ${i + off}: ${'good '.repeat((i * 7) % 13)}`.trim(), label: (i + off) % 2, ids: Array.from({ length: (i % 5) + 1 }, (_, k) => i * 10 + k),
    meta: { source: i % 3 === 0 ? null : `site${i % 4}`, score: (i + off) / 8 }, flag: i % 4 === 0, big: 2 ** 40 + i,
  }));
  return new DatasetDict({ train: Dataset.fromList(rows(300, 0), { features }), test: Dataset.fromList(rows(40, 1000), { features }) });
}

test('DatasetDict.pushToHub: HF layout and card; loadDataset through a second cache gives the same rows and features', async () => {
  const dd = sampleDict();
  await assert.rejects(dd.pushToHub('me/pushed'), HubAuthError, 'no token');
  process.env.HF_TOKEN = 'hf_write';
  await assert.rejects(dd.pushToHub('me/pushed', { config_name: 'data' }), /`config_name` cannot be 'data'/);
  await assert.rejects(dd.get('train').pushToHub('me/pushed', { split: 'train[:10%]' }), /Split name should match/);
  await assert.rejects(dd.pushToHub('me/pushed', { max_shard_size: '1MB', num_shards: { train: 2 } }), /either max_shard_size or num_shards/);
  await assert.rejects(dd.pushToHub('me/pushed', { maxShardSize: 'lots' }), /'lots' is not a size/);

  const c1 = await dd.pushToHub('me/pushed', { maxShardSize: 6000, commit_message: 'first push' });
  const repo = hub.repo('me/pushed', 'dataset');
  assert.equal(repo.commits.get(c1.commitOid)!.title, 'first push');
  const files = [...repo.commits.get(repo.branches.get('main')!)!.files.keys()].sort();
  const trainShards = files.filter((f) => f.startsWith('data/train-'));
  assert.ok(trainShards.length > 1, `train was cut into shards: ${files.join(', ')}`);
  const n = String(trainShards.length).padStart(5, '0');
  assert.deepEqual(trainShards, trainShards.map((_, i) => `data/train-${String(i).padStart(5, '0')}-of-${n}.parquet`));
  assert.ok(files.some((f) => /^data\/test-00000-of-\d{5}\.parquet$/.test(f)));
  const card = parseCard(repo.commits.get(repo.branches.get('main')!)!.files.get('README.md')!.toString());
  assert.deepEqual(card.data.configs, [{ config_name: 'default', data_files: [{ split: 'train', path: 'data/train-*' }, { split: 'test', path: 'data/test-*' }] }]);
  const info = card.data.dataset_info as { features: unknown[]; splits: { name: string; num_examples: number }[] };
  assert.deepEqual(info.splits.map((s) => [s.name, s.num_examples]), [['train', 300], ['test', 40]]);
  assert.ok(featuresEqual(featuresFromYaml(info.features), dd.get('train').features));

  const cacheDir = freshCaches();
  delete process.env.HF_TOKEN;
  const back = await loadDataset('me/pushed', { cacheDir });
  assert.deepEqual(back.keys(), ['train', 'test']);
  for (const s of ['train', 'test']) {
    assert.deepEqual(back.get(s).toList(), dd.get(s).toList(), s);
    assert.ok(featuresEqual(back.get(s).features, dd.get(s).features), s);
  }

  // a second config from one split; the card keeps both
  process.env.HF_TOKEN = 'hf_write';
  await dd.get('test').select([0, 1, 2]).pushToHub('me/pushed', { config_name: 'small', split: 'validation' });
  const card2 = parseCard(repo.commits.get(repo.branches.get('main')!)!.files.get('README.md')!.toString());
  assert.deepEqual((card2.data.configs as { config_name: string }[]).map((c) => c.config_name), ['default', 'small']);
  const infos2 = card2.data.dataset_info as { config_name: string; features: { name: string; dtype: unknown }[] }[];
  assert.deepEqual(infos2.map((c) => c.config_name), ['default', 'small']);
  assert.deepEqual(infos2[0]!.features.find((f) => f.name === 'label')!.dtype, { class_label: { names: { 0: 'neg', 1: 'pos' } } }, "the other config's entry is kept as written");
  freshCaches();
  const small = await loadDataset('me/pushed', 'small', { split: 'validation' });
  assert.deepEqual(small.toList(), dd.get('test').toList().slice(0, 3));
  assert.deepEqual((await loadDataset('me/pushed', { split: 'test' })).numRows, 40, "the 'default' config stays the default");

  // pushing again with fewer shards replaces the old ones
  await dd.pushToHub('me/pushed', { num_shards: { train: 1, test: 1 } });
  const after = [...repo.commits.get(repo.branches.get('main')!)!.files.keys()].filter((f) => f.startsWith('data/')).sort();
  assert.deepEqual(after, ['data/test-00000-of-00001.parquet', 'data/train-00000-of-00001.parquet']);
  freshCaches();
  assert.deepEqual((await loadDataset('me/pushed', { split: 'train' })).toList(), dd.get('train').toList());
});

test('file layouts: the default split patterns, the Parquet conversion layouts, card features both ways', () => {
  const ext = ['.parquet', '.csv', '.jsonl'];
  assert.deepEqual([...defaultSplitFiles(['data/test-00000-of-00001.parquet', 'data/train-00001-of-00002.parquet', 'data/train-00000-of-00002.parquet', 'data/extra-00000-of-00001.parquet', 'README.md'], '', ext)],
    [['train', ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']], ['test', ['data/test-00000-of-00001.parquet']], ['extra', ['data/extra-00000-of-00001.parquet']]]);
  assert.deepEqual([...defaultSplitFiles(['train/a.csv', 'train/b.csv', 'dev/x.csv', '.hidden/test/y.csv', 'notes.txt'], '', ext)], [['train', ['train/a.csv', 'train/b.csv']], ['validation', ['dev/x.csv']]]);
  assert.deepEqual([...defaultSplitFiles(['my_train.jsonl', 'my-test.jsonl', 'contest.jsonl'], '', ext)], [['train', ['my_train.jsonl']], ['test', ['my-test.jsonl']]]);
  assert.deepEqual([...defaultSplitFiles(['all.csv', 'sub/more.csv'], '', ext)], [['train', ['all.csv', 'sub/more.csv']]]);
  assert.deepEqual([...defaultSplitFiles(['mrpc/train-0.parquet', 'cola/train-0.parquet'], 'mrpc', ext)], [['train', ['mrpc/train-0.parquet']]]);

  const { configs, partial } = parquetExportLayout(['plain_text/imdb-train.parquet', 'plain_text/imdb-test-00000-of-00002.parquet', 'plain_text/imdb-test-00001-of-00002.parquet', 'en/partial-train/0000.parquet', 'en/validation/0000.parquet', '.gitattributes']);
  assert.deepEqual([...configs].map(([c, s]) => [c, [...s]]), [
    ['en', [['train', ['en/partial-train/0000.parquet']], ['validation', ['en/validation/0000.parquet']]]],
    ['plain_text', [['test', ['plain_text/imdb-test-00000-of-00002.parquet', 'plain_text/imdb-test-00001-of-00002.parquet']], ['train', ['plain_text/imdb-train.parquet']]]],
  ]);
  assert.deepEqual(partial, ['en/train']);

  // squad's card features: a struct of lists, written back in the same YAML form
  const yaml = [
    { name: 'id', dtype: 'string' },
    { name: 'answers', sequence: [{ name: 'text', dtype: 'string' }, { name: 'answer_start', dtype: 'int32' }] },
    { name: 'tags', list: { class_label: { names: { 0: 'O', 1: 'B-PER' } } } },
    { name: 'vec', list: 'float32', length: 3 },
  ];
  const f = featuresFromYaml(structuredClone(yaml));
  assert.ok(featuresEqual(f, {
    id: new Value('string'), answers: { text: new List(new Value('string')), answer_start: new List(new Value('int32')) },
    tags: new List(new ClassLabel({ names: ['O', 'B-PER'] })), vec: new List(new Value('float32'), 3),
  }));
  assert.deepEqual(featuresToYaml(f), [
    { name: 'id', dtype: 'string' },
    { name: 'answers', struct: [{ name: 'text', list: 'string' }, { name: 'answer_start', list: 'int32' }] },
    { name: 'tags', list: { class_label: { names: { 0: 'O', 1: 'B-PER' } } } },
    { name: 'vec', list: 'float32', length: 3 },
  ]);
  assert.throws(() => featuresFromYaml([{ name: 'l', dtype: { class_label: { names: { 0: 'a', 2: 'c' } } } }]), /ClassLabel expected a value for all label ids \[0:2\]/);
});
