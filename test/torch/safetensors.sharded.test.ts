// safetensors.sharded.test.ts — HF sharded checkpoints (names, index, round trip, stale files,
// hostile indexes), loadCheckpoint, atomic writes and writer input validation.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import type { ShardIndex } from '../../src/torch/safetensors/index.js';
import { assertClose } from '../helpers.js';

const st = torch.safetensors;
const root = mkdtempSync(join(tmpdir(), 'tunekit-st-sharded-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshDir = (): string => { const d = join(root, `d${count++}`); mkdirSync(d); return d; };

/** 5 tensors of 400, 400, 1000, 40 and 8 bytes (float32 / int64). */
function stateDict(): Record<string, torch.Tensor> {
  torch.manualSeed(0);
  return {
    'layer.0.weight': torch.randn([10, 10]),
    'layer.1.weight': torch.randn([10, 10]),
    'embed.weight': torch.randn([250]),
    'layer.0.bias': torch.randn([10]),
    'steps': torch.tensor([7], { dtype: 'int64' }),
  };
}
function assertSame(a: Record<string, torch.Tensor>, b: Record<string, torch.Tensor>): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const k of Object.keys(b)) {
    assert.equal(a[k]!.dtype, b[k]!.dtype, k);
    assertClose(a[k]!, b[k]!, { rtol: 0, atol: 0, msg: k });
  }
}

test('saveSharded splits as huggingface_hub does, writes HF names and index, loads back', async () => {
  const dir = freshDir();
  const sd = stateDict();
  const files = await st.saveSharded(sd, dir, { maxShardSize: 800 });
  // [400+400] | [1000: over the limit, its own shard, pushed first] ... | [40+8]
  assert.deepEqual(files, ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors', 'model.safetensors.index.json']);
  const text = readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8');
  const index = JSON.parse(text) as ShardIndex;
  assert.deepEqual(index.metadata, { total_size: 1848 });
  assert.deepEqual(index.weight_map, {
    'embed.weight': 'model-00001-of-00003.safetensors',
    'layer.0.bias': 'model-00003-of-00003.safetensors',
    'layer.0.weight': 'model-00002-of-00003.safetensors',
    'layer.1.weight': 'model-00002-of-00003.safetensors',
    'steps': 'model-00003-of-00003.safetensors',
  });
  assert.deepEqual(Object.keys(index.weight_map), Object.keys(index.weight_map).sort()); // sort_keys=True
  assert.ok(text.startsWith('{\n  "metadata": {\n    "total_size": 1848\n  },') && text.endsWith('}\n'));
  assert.deepEqual({ ...(await st.readMetadata(join(dir, files[0]!))) }, { format: 'pt' });
  assertSame(await st.loadSharded(dir), sd);
  assertSame(await st.loadSharded(join(dir, 'model.safetensors.index.json')), sd);
  assertSame(await st.loadCheckpoint(dir), sd);
  const some = await st.loadSharded(dir, { names: ['steps', 'embed.weight'], dtype: 'float64' });
  assert.deepEqual(Object.keys(some).sort(), ['embed.weight', 'steps']);
  assert.equal(some['embed.weight']!.dtype, 'float64');
  assert.equal(some['steps']!.dtype, 'int64');
  await assert.rejects(st.loadSharded(dir, { names: ['nope'] }), /no tensor named 'nope' in the weight_map/);
});

test('one shard is a plain model.safetensors; re-saving removes the other layout\'s stale files', async () => {
  const dir = freshDir();
  const sd = stateDict();
  await st.saveSharded(sd, dir, { maxShardSize: 500 }); // [400] [1000] [400 40 8]
  assert.equal(readdirSync(dir).filter((f) => /^model-\d{5}-of-00003\.safetensors$/.test(f)).length, 3);
  writeFileSync(join(dir, 'notes.txt'), 'kept');
  assert.deepEqual(await st.saveSharded(sd, dir), ['model.safetensors']); // 5GB default: one file
  assert.deepEqual(readdirSync(dir).sort(), ['model.safetensors', 'notes.txt']);
  assertSame(await st.loadCheckpoint(dir), sd);
  await st.saveSharded(sd, dir, { maxShardSize: '1kB' }); // 1000 bytes -> 3 shards, single file removed
  assert.deepEqual(readdirSync(dir).sort(), ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors', 'model.safetensors.index.json', 'notes.txt']);
  assertSame(await st.loadCheckpoint(dir), sd);
  assert.equal(st.parseSize('2GiB'), 2 * 2 ** 30);
  assert.equal(st.parseSize('5GB'), 5e9);
  assert.throws(() => st.parseSize('five'), /not a size/);
  await assert.rejects(st.loadCheckpoint(freshDir()), (e: Error) => e instanceof st.SafetensorsError && /no model.safetensors or model.safetensors.index.json/.test(e.message));
});

test('hostile or inconsistent shard indexes are rejected', async () => {
  const dir = freshDir();
  await st.saveSharded(stateDict(), dir, { maxShardSize: 800 });
  const index = join(dir, 'model.safetensors.index.json');
  const put = (v: unknown) => writeFileSync(index, typeof v === 'string' ? v : JSON.stringify(v));
  put({ metadata: {}, weight_map: { a: '../../etc/passwd' } });
  await assert.rejects(st.loadSharded(dir), /weight_map\['a'\] = "..\/..\/etc\/passwd" is not a file name in the index's folder/);
  put({ weight_map: { a: '/abs/model.safetensors' } });
  await assert.rejects(st.loadSharded(dir), /is not a file name/);
  put({ metadata: {} });
  await assert.rejects(st.loadSharded(dir), /index has no weight_map object/);
  put('{ not json');
  await assert.rejects(st.loadSharded(dir), (e: Error) => e instanceof st.SafetensorsError && /index is not valid JSON/.test(e.message) && e.message.includes(index));
  put({ weight_map: { 'steps': 'model-00001-of-00003.safetensors' } });
  await assert.rejects(st.loadSharded(dir), /the index maps 'steps' to this shard but it is not in it/);
  put({ weight_map: { 'x': 'model-00009-of-00009.safetensors' } });
  await assert.rejects(st.loadSharded(dir), /ENOENT/);
});

test('saveFile is atomic: a failure midway leaves the existing file intact and no temp file', async () => {
  const dir = freshDir();
  const path = join(dir, 'model.safetensors');
  await st.saveFile({ old: torch.ones([3]) }, path, { v: '1' });
  const original = readFileSync(path);
  const a = torch.randn([1000]);
  const b = torch.randn([1000]);
  // saveFile validates and lays out synchronously; b is disposed before its bytes are written.
  const pending = st.saveFile({ a, b }, path, { v: '2' });
  b.dispose();
  await assert.rejects(pending, (e: Error) => e instanceof st.SafetensorsError && /tensor 'b' was disposed while being saved/.test(e.message) && e.message.includes(path));
  assert.ok(readFileSync(path).equals(original), 'the existing file changed');
  assert.deepEqual(readdirSync(dir), ['model.safetensors'], 'a temp file was left behind');
  // A successful save replaces it whole.
  await st.saveFile({ a }, path, { v: '3' });
  assert.deepEqual({ ...(await st.readMetadata(path)) }, { v: '3' });
  assertClose((await st.loadFile(path))['a']!, a, { rtol: 0, atol: 0 });
  await assert.rejects(st.saveFile({ a }, join(dir, 'missing-dir', 'x.safetensors')), /ENOENT/);
});

test('writers reject bad names, tensors and metadata before touching the disk', async () => {
  const dir = freshDir();
  const path = join(dir, 'x.safetensors');
  const t = torch.ones([2]);
  const disposed = torch.ones([2]);
  disposed.dispose();
  const cases: [() => Promise<unknown>, RegExp][] = [
    [() => st.saveFile({ '': t }, path), /tensor names must be non-empty strings/],
    [() => st.saveFile({ __metadata__: t }, path), /tensor name '__metadata__' starts with '__'/],
    [() => st.saveFile({ __x: t }, path), /starts with '__'/],
    [() => st.saveFile([['w', t], ['w', t]], path), /duplicate tensor name 'w'/],
    [() => st.saveFile(new Map([['w', t]]), path, { n: 1 as unknown as string }), /metadata\['n'\] is not a string \(got number\)/],
    [() => st.saveFile({ w: t }, path, ['x'] as unknown as Record<string, string>), /metadata must be an object of string values/],
    [() => st.saveFile({ w: [1, 2] as unknown as torch.Tensor }, path), /'w' is not a Tensor/],
    [() => st.saveFile({ w: disposed }, path), /tensor 'w' is disposed/],
    [() => st.saveSharded({ w: t, v: disposed }, dir, { maxShardSize: 4 }), /tensor 'v' is disposed/],
  ];
  for (const [fn, problem] of cases) await assert.rejects(fn, (e: Error) => e instanceof st.SafetensorsError && problem.test(e.message));
  assert.throws(() => st.save({ w: t }, { n: null as unknown as string }), /metadata\['n'\] is not a string/);
  assert.deepEqual(readdirSync(dir), [], 'a rejected save wrote something');
  assert.equal(existsSync(path), false);
  // Map and pair-list inputs work like objects.
  assertSame(st.load(st.save(new Map([['w', t]]))), { w: t });
  assertSame(st.load(st.save([['w', t]])), { w: t });
});
