// Dataset folders from elsewhere (an archive, a shared drive) cannot make saveToDisk / loadFromDisk
// reach outside the folder: split names follow HF's rule '^\w+(\.\w+)*$' on save and load,
// state.json data files must be plain file names, the fingerprint (a cache folder name) a single
// path component, and symlinks resolving outside the folder are refused.  Each hostile folder
// points at a real, loadable dataset outside it, so following the entry would succeed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset, DatasetDict, loadFromDisk } from '../../src/data/index.js';

process.env.TUNEKIT_DATASETS_CACHE = mkdtempSync(join(tmpdir(), 'tunekit-hostile-cache-'));
const made: string[] = [process.env.TUNEKIT_DATASETS_CACHE];
after(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

/** A fresh temp folder holding `outside/` (a valid saved dataset) and an empty `victim/`. */
async function sandbox(): Promise<{ base: string; outside: string; victim: string }> {
  const base = mkdtempSync(join(tmpdir(), 'tunekit-hostile-'));
  made.push(base);
  const outside = join(base, 'outside');
  await Dataset.fromList([{ secret: 'outside row' }]).saveToDisk(outside);
  const victim = join(base, 'victim');
  mkdirSync(victim);
  return { base, outside, victim };
}

const state = (files: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ _data_files: files, _fingerprint: 'abcd', _split: null, ...extra });

test('DatasetDict.saveToDisk refuses split names outside HF\'s rule before writing anything', async () => {
  const { base } = await sandbox();
  const victim = join(base, 'n1', 'victim'); // deep enough that '../../x' would land in `base` (were it followed)
  mkdirSync(victim, { recursive: true });
  const ds = Dataset.fromList([{ a: 1 }]);
  for (const bad of ['../../x', '../x', '/tmp/abs', 'a/b', 'a\\b', '..', '.', '', 'x\0y', 'tr ain', '.train', 'train.', 'a..b']) {
    const dd = new DatasetDict({ train: ds, [bad]: ds });
    await assert.rejects(dd.saveToDisk(victim), (e: Error) => {
      assert.equal(e.message, `DatasetDict.saveToDisk(${JSON.stringify(victim)}): split ${JSON.stringify(bad)} is not allowed as a folder name: Split name should match '^\\w+(\\.\\w+)*$' but got '${bad}'.`);
      return true;
    }, `split ${JSON.stringify(bad)}`);
    assert.deepEqual(readdirSync(victim), [], `nothing written for ${JSON.stringify(bad)} (not even the valid 'train')`);
  }
  assert.deepEqual(readdirSync(base).sort(), ['n1', 'outside', 'victim'], 'nothing written beside the folder');
  assert.deepEqual(readdirSync(join(base, 'n1')), ['victim']);
  assert.equal(existsSync(join(base, 'x')), false);
  // Names HF allows round-trip, Unicode word characters included (Python's \w is Unicode-aware).
  const good = new DatasetDict({ train: ds, 'validation.v2': ds, tëst_1: ds, 测试: ds });
  await good.saveToDisk(victim);
  assert.deepEqual(JSON.parse(readFileSync(join(victim, 'dataset_dict.json'), 'utf8')), { splits: ['train', 'validation.v2', 'tëst_1', '测试'] });
  const back = await DatasetDict.loadFromDisk(victim);
  assert.deepEqual(back.keys(), ['train', 'validation.v2', 'tëst_1', '测试']);
  assert.deepEqual(back.get('测试').toList(), [{ a: 1 }]);
});

test('loadFromDisk refuses dataset_dict.json splits with .., absolute paths, separators or NUL, naming the file and entry', async () => {
  const { outside, victim } = await sandbox();
  const jsonPath = join(victim, 'dataset_dict.json');
  mkdirSync(join(victim, 'sub', 'train'), { recursive: true });
  await Dataset.fromList([{ a: 1 }]).saveToDisk(join(victim, 'sub', 'train')); // a valid dataset under a separator path
  for (const bad of ['../outside', outside, 'sub/train', 'sub\\train', '..', '.', 'train\0', '', 3, null]) {
    writeFileSync(jsonPath, JSON.stringify({ splits: [bad] }));
    for (const load of [() => DatasetDict.loadFromDisk(victim), () => loadFromDisk(victim)]) {
      await assert.rejects(load(), (e: Error) => {
        assert.equal(e.message, `${jsonPath}: split ${JSON.stringify(bad)} is not allowed as a folder name: Split name should match '^\\w+(\\.\\w+)*$' but got ${typeof bad === 'string' ? `'${bad}'` : JSON.stringify(bad)}.`);
        return true;
      }, `split ${JSON.stringify(bad)}`);
    }
  }
  writeFileSync(jsonPath, JSON.stringify({ splits: 'train' }));
  await assert.rejects(DatasetDict.loadFromDisk(victim), { message: `${jsonPath}: no "splits" list` });
  writeFileSync(jsonPath, JSON.stringify({ splits: ['missing'] }));
  await assert.rejects(DatasetDict.loadFromDisk(victim), { message: `${join(victim, 'missing')} not found (split 'missing' listed in ${jsonPath})` });
});

test('loadFromDisk refuses state.json data files that are not plain file names in the folder', async () => {
  const { base, outside, victim } = await sandbox();
  const statePath = join(victim, 'state.json');
  const outsideArrow = join(outside, 'data-00000-of-00001.arrow');
  mkdirSync(join(victim, 'sub'));
  writeFileSync(join(victim, 'sub', 'x.arrow'), readFileSync(outsideArrow)); // loadable if `sub/x.arrow` were followed
  writeFileSync(join(victim, 'a\\b'), readFileSync(outsideArrow));
  const bad: unknown[] = [
    { filename: '../outside/data-00000-of-00001.arrow' }, { filename: outsideArrow }, { filename: 'sub/x.arrow' }, { filename: 'a\\b' },
    { filename: '..' }, { filename: '.' }, { filename: '' }, { filename: 'x\0.arrow' }, { filename: 5 }, {}, 'data.arrow', null,
  ];
  for (const entry of bad) {
    writeFileSync(statePath, state([entry]));
    await assert.rejects(Dataset.loadFromDisk(victim), (e: Error) => {
      assert.equal(e.message, `${statePath}: data file entry ${JSON.stringify(entry)} is not allowed: "filename" must be a plain file name inside the folder (no path separators, .., absolute paths or NUL)`);
      return true;
    }, `entry ${JSON.stringify(entry)}`);
  }
  // A bad entry after a good one is refused too (every entry is checked).
  writeFileSync(join(victim, 'ok.arrow'), readFileSync(outsideArrow));
  writeFileSync(statePath, state([{ filename: 'ok.arrow' }, { filename: '../outside/data-00000-of-00001.arrow' }]));
  await assert.rejects(Dataset.loadFromDisk(victim), /state\.json: data file entry \{"filename":"\.\.\/outside\/data-00000-of-00001\.arrow"\} is not allowed/);
  writeFileSync(statePath, state({ filename: 'ok.arrow' }));
  await assert.rejects(Dataset.loadFromDisk(victim), { message: `${statePath}: "_data_files" must be a list of {"filename": ...}, got {"filename":"ok.arrow"}` });
  // A folder or a missing file named in state.json.
  writeFileSync(statePath, state([{ filename: 'sub' }]));
  await assert.rejects(Dataset.loadFromDisk(victim), { message: `${join(victim, 'sub')}: expected a regular file` });
  writeFileSync(statePath, state([{ filename: 'nope.arrow' }]));
  await assert.rejects(Dataset.loadFromDisk(victim), { message: `${join(victim, 'nope.arrow')} not found (listed in ${statePath})` });
  // Plain names inside the folder still load.
  writeFileSync(statePath, state([{ filename: 'ok.arrow' }, { filename: 'a_b' }]));
  writeFileSync(join(victim, 'a_b'), readFileSync(outsideArrow));
  assert.deepEqual((await Dataset.loadFromDisk(victim)).toList(), [{ secret: 'outside row' }, { secret: 'outside row' }]);
  assert.deepEqual(readdirSync(base).sort(), ['outside', 'victim']);
});

test('state.json: a _fingerprint that is not a single path component (it names the cache folder) and a non-string _split are refused', async () => {
  const { outside, victim } = await sandbox();
  const statePath = join(victim, 'state.json');
  writeFileSync(join(victim, 'd.arrow'), readFileSync(join(outside, 'data-00000-of-00001.arrow')));
  for (const fp of ['../../../escape', '..', '.', 'a/b', 'a\\b', 'x\0', 'c:d', 'x'.repeat(65), 42]) {
    writeFileSync(statePath, state([{ filename: 'd.arrow' }], { _fingerprint: fp }));
    await assert.rejects(Dataset.loadFromDisk(victim), (e: Error) => {
      assert.equal(e.message, `${statePath}: invalid "_fingerprint" ${JSON.stringify(fp)}: it names a cache folder, so it must be at most 64 characters without / \\ : < > | ? * or control characters, and not . or ..`);
      return true;
    }, `fingerprint ${JSON.stringify(fp)}`);
  }
  writeFileSync(statePath, state([{ filename: 'd.arrow' }], { _split: { evil: true } }));
  await assert.rejects(Dataset.loadFromDisk(victim), { message: `${statePath}: "_split" must be a string or null, got {"evil":true}` });
  // HF's fingerprints (hex), 64 characters, or none at all still load; the cache folder stays under the cache root.
  for (const fp of ['cd69dee5caf3204b', 'f'.repeat(64), 'my-fp_1.2']) {
    writeFileSync(statePath, state([{ filename: 'd.arrow' }], { _fingerprint: fp, _split: 'train[:50%]' }));
    const ds = await Dataset.loadFromDisk(victim);
    assert.equal(ds.fingerprint, fp);
    assert.equal(ds.split, 'train[:50%]');
    assert.equal(ds.cacheDir, join(process.env.TUNEKIT_DATASETS_CACHE!, 'from_disk', fp));
  }
  writeFileSync(statePath, JSON.stringify({ _data_files: [{ filename: 'd.arrow' }] }));
  assert.match((await Dataset.loadFromDisk(victim)).fingerprint, /^[0-9a-f]{16}$/);
});

test('symlinks resolving outside the dataset folder are refused (realpath); links inside it and a linked folder itself load', async () => {
  const { base, outside, victim } = await sandbox();
  const real = realpathSync(victim);
  // A split folder that is a symlink to a dataset elsewhere.
  symlinkSync(outside, join(victim, 'train'));
  writeFileSync(join(victim, 'dataset_dict.json'), JSON.stringify({ splits: ['train'] }));
  await assert.rejects(DatasetDict.loadFromDisk(victim), {
    message: `${join(victim, 'train')} resolves to ${realpathSync(outside)}, outside the dataset folder ${real} (a symlink?); refusing to read it`,
  });
  // dataset_dict.json itself a symlink to a file elsewhere.
  const dd2 = join(base, 'dd2');
  mkdirSync(dd2);
  writeFileSync(join(base, 'splits.json'), JSON.stringify({ splits: [] }));
  symlinkSync(join(base, 'splits.json'), join(dd2, 'dataset_dict.json'));
  await assert.rejects(DatasetDict.loadFromDisk(dd2), { message: `${join(dd2, 'dataset_dict.json')} resolves to ${realpathSync(join(base, 'splits.json'))}, outside the dataset folder ${realpathSync(dd2)} (a symlink?); refusing to read it` });
  // In a single dataset: the data file, state.json and dataset_info.json as links to elsewhere.
  const one = join(base, 'one');
  mkdirSync(one);
  const oneReal = realpathSync(one);
  const outsideArrow = join(outside, 'data-00000-of-00001.arrow');
  symlinkSync(outsideArrow, join(one, 'data.arrow'));
  writeFileSync(join(one, 'state.json'), state([{ filename: 'data.arrow' }]));
  await assert.rejects(Dataset.loadFromDisk(one), { message: `${join(one, 'data.arrow')} resolves to ${realpathSync(outsideArrow)}, outside the dataset folder ${oneReal} (a symlink?); refusing to read it` });
  const two = join(base, 'two');
  mkdirSync(two);
  symlinkSync(join(outside, 'state.json'), join(two, 'state.json'));
  await assert.rejects(Dataset.loadFromDisk(two), { message: `${join(two, 'state.json')} resolves to ${realpathSync(join(outside, 'state.json'))}, outside the dataset folder ${realpathSync(two)} (a symlink?); refusing to read it` });
  const three = join(base, 'three');
  mkdirSync(three);
  writeFileSync(join(three, 'd.arrow'), readFileSync(outsideArrow));
  writeFileSync(join(three, 'state.json'), state([{ filename: 'd.arrow' }]));
  symlinkSync(join(outside, 'dataset_info.json'), join(three, 'dataset_info.json'));
  await assert.rejects(Dataset.loadFromDisk(three), /three\/dataset_info\.json resolves to .*outside the dataset folder/);
  // A link inside the folder to a file inside it loads; so does a folder reached through a link.
  const four = join(base, 'four');
  mkdirSync(four);
  writeFileSync(join(four, 'real.arrow'), readFileSync(outsideArrow));
  symlinkSync('real.arrow', join(four, 'data.arrow'));
  writeFileSync(join(four, 'state.json'), state([{ filename: 'data.arrow' }]));
  assert.deepEqual((await Dataset.loadFromDisk(four)).toList(), [{ secret: 'outside row' }]);
  symlinkSync(four, join(base, 'four-link'));
  assert.deepEqual((await Dataset.loadFromDisk(join(base, 'four-link'))).toList(), [{ secret: 'outside row' }]);
  const dictLink = join(base, 'dict');
  await new DatasetDict({ train: Dataset.fromList([{ a: 2 }]) }).saveToDisk(dictLink);
  symlinkSync(dictLink, join(base, 'dict-link'));
  assert.deepEqual((await loadFromDisk(join(base, 'dict-link')) as DatasetDict).get('train').toList(), [{ a: 2 }]);
});

test('map/filter newFingerprint names cache files, so it must be one path component (HF validate_fingerprint)', async () => {
  const { base, outside } = await sandbox();
  const ds = await loadFromDisk(outside); // file-backed: its transforms are cached under the cache folder
  for (const bad of ['../../escape', 'a/b', 'a\\b', '..', '.', 'x'.repeat(65), 'a:b', 'nul\0']) {
    await assert.rejects((ds as Dataset).map((r) => r, { newFingerprint: bad }),
      new RegExp(`^Error: Dataset\\.map: invalid newFingerprint ${JSON.stringify(bad).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}: it names cache files`));
  }
  assert.deepEqual(readdirSync(base).sort(), ['outside', 'victim']);
  const ok = await (ds as Dataset).map((r) => ({ ...r, n: 1 }), { newFingerprint: 'my_fp-1' });
  assert.equal(ok.numRows, 1);
});
