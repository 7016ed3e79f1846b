// safetensors.test.ts — round trips of every dtype (bit-exact), HF's exact bytes, a real HF
// checkpoint (shapes vs reference.json, sums vs scripts/fixtures/safetensors_summary.py),
// load options, lazy reads, and Python reading what tunekit wrote.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as torch from '../../src/torch/index.js';
import { isFloating } from '../../src/torch/dtype.js';
import { assertClose, readJson, sharedDir } from '../helpers.js';

const st = torch.safetensors;
const dir = mkdtempSync(join(tmpdir(), 'tunekit-st-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const HF = process.env.TUNEKIT_HF_FIXTURES ?? sharedDir('fixtures', 'hf');
const BERT = join(HF, 'models/bert_seqcls');

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
/** One tensor per dtype with edge values, built from raw bits (NaN payloads, -0, subnormals, extremes). */
function samples(): { name: string; dtype: torch.DType; shape: number[]; raw: Uint8Array }[] {
  return [
    { name: 'f64', dtype: 'float64', shape: [7], raw: bytesOf(new Float64Array([0, -0, Math.PI, -1e300, Infinity, NaN, 5e-324])) },
    { name: 'f32', dtype: 'float32', shape: [3, 3], raw: bytesOf(new Float32Array([0, -0, 1.5, -2.25, Infinity, -Infinity, NaN, 1e-45, 3.4028234663852886e38])) },
    { name: 'f16', dtype: 'float16', shape: [2, 4], raw: bytesOf(new Uint16Array([0x0000, 0x8000, 0x3c00, 0xc000, 0x7c00, 0x7e00, 0x0001, 0x7bff])) },
    { name: 'bf16', dtype: 'bfloat16', shape: [4, 2], raw: bytesOf(new Uint16Array([0x0000, 0x8000, 0x3f80, 0xc040, 0x7f80, 0x7fc0, 0x0001, 0x7f7f])) },
    { name: 'i64', dtype: 'int64', shape: [5], raw: bytesOf(new BigInt64Array([0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 123456789012345n])) },
    { name: 'i32', dtype: 'int32', shape: [2, 2], raw: bytesOf(new Int32Array([0, -1, 2147483647, -2147483648])) },
    { name: 'i16', dtype: 'int16', shape: [4], raw: bytesOf(new Int16Array([0, -1, 32767, -32768])) },
    { name: 'i8', dtype: 'int8', shape: [4], raw: bytesOf(new Int8Array([0, -1, 127, -128])) },
    { name: 'u8', dtype: 'uint8', shape: [5], raw: new Uint8Array([0, 1, 127, 128, 255]) },
    { name: 'bool', dtype: 'bool', shape: [2, 2], raw: new Uint8Array([0, 1, 1, 0]) },
    { name: 'scalar', dtype: 'float32', shape: [], raw: bytesOf(new Float32Array([-7.5])) },
    { name: 'empty', dtype: 'float32', shape: [0, 4], raw: new Uint8Array(0) },
  ];
}
function makeSamples(): Record<string, torch.Tensor> {
  const out: Record<string, torch.Tensor> = {};
  for (const s of samples()) out[s.name] = torch.frombuffer(s.raw, { dtype: s.dtype, shape: s.shape });
  return out;
}
function assertSamples(loaded: Record<string, torch.Tensor>): void {
  assert.deepEqual(Object.keys(loaded).sort(), samples().map((s) => s.name).sort());
  for (const s of samples()) {
    const t = loaded[s.name]!;
    assert.equal(t.dtype, s.dtype, s.name);
    assert.deepEqual(t.shape, s.shape, s.name);
    assert.ok(Buffer.from(t.toBuffer()).equals(Buffer.from(s.raw)), `${s.name}: bytes differ after the round trip`);
  }
}

test('every dtype round-trips bit-exactly through save/load and saveFile/loadFile', async () => {
  const src = makeSamples();
  assertSamples(st.load(st.save(src)));
  const path = join(dir, 'all-dtypes.safetensors');
  await st.saveFile(src, path);
  assertSamples(await st.loadFile(path));
  // Non-contiguous input is written in C order.
  const m = torch.arange(6, undefined, 1, { dtype: 'float32' }).reshape(2, 3).T;
  assert.deepEqual(st.load(st.save({ m }))['m']!.toArray(), [[0, 3], [1, 4], [2, 5]]);
});

test('writes the exact bytes of HF\'s Rust crate (its serialize tests)', () => {
  const attn = torch.tensor(new Float32Array([0, 1, 2, 3, 4, 5]), { shape: [1, 2, 3] });
  const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  const expected = Buffer.concat([Buffer.from([64, 0, 0, 0, 0, 0, 0, 0]), Buffer.from(header), Buffer.from(attn.toBuffer())]);
  assert.ok(Buffer.from(st.save({ 'attn.0': attn })).equals(expected));
  assert.deepEqual([...st.save({})], [8, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{}      ')]);
  assert.deepEqual([...st.save({}, { framework: 'pt' })], [40, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{"__metadata__":{"framework":"pt"}}     ')]);
  // Header padded to 8 with spaces; sorted by dtype alignment (I64 > F32 > BF16 > U8), then name.
  const bytes = st.save({ z: torch.zeros([3], { dtype: 'uint8' }), b: torch.zeros([1]), a: torch.zeros([1]), h: torch.zeros([1], { dtype: 'bfloat16' }), i: torch.zeros([1], { dtype: 'int64' }) });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const order = Object.keys(JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString()) as object);
  assert.deepEqual(order, ['i', 'a', 'b', 'h', 'z']);
});

test('metadata round trip; readHeader and readMetadata', async () => {
  const path = join(dir, 'meta.safetensors');
  const md = { format: 'pt', note: 'ünïcode ✓ "quoted"', '0': 'integer-like key', empty: '' };
  await st.saveFile({ w: torch.ones([2, 3]), '9': torch.zeros([1]), '10': torch.zeros([1]) }, path, md);
  assert.deepEqual({ ...(await st.readMetadata(path)) }, md);
  const h = await st.readHeader(path);
  // Names sort as bytes ('10' < '9' < 'w'), even integer-like ones that JS objects would reorder.
  assert.deepEqual({ ...h.tensors['10'] }, { dtype: 'float32', shape: [1], dataOffsets: [0, 4] });
  assert.deepEqual({ ...h.tensors['9'] }, { dtype: 'float32', shape: [1], dataOffsets: [4, 8] });
  assert.deepEqual({ ...h.tensors['w'] }, { dtype: 'float32', shape: [2, 3], dataOffsets: [8, 32] });
  const f = await st.safeOpen(path);
  assert.deepEqual(f.keys(), ['10', '9', 'w']);
  await f.close();
  assert.equal(h.dataStart, 8 + h.headerSize);
  assert.equal(h.headerSize % 8, 0);
  const plain = join(dir, 'nometa.safetensors');
  await st.saveFile({ w: torch.ones([1]) }, plain);
  assert.equal(await st.readMetadata(plain), null);
  const emptyMeta = join(dir, 'emptymeta.safetensors');
  await st.saveFile({ w: torch.ones([1]) }, emptyMeta, {});
  assert.deepEqual({ ...(await st.readMetadata(emptyMeta)) }, {}); // present but empty, not null
});

interface Summary { header_size: number; metadata: Record<string, string> | null; tensors: Record<string, { dtype: string; shape: number[]; sum: number | string; values?: string[] }> }

test('reads a real HF checkpoint: names, shapes, sums, and re-saves it byte for byte', async () => {
  const path = join(BERT, 'model.safetensors');
  const sd = await st.loadFile(path);
  // Shapes against the model's own parameter list (reference.json, written by transformers).
  const ref = JSON.parse(readFileSync(join(BERT, 'reference.json'), 'utf8')) as { grads: { per_param: Record<string, { shape: number[] }> } };
  assert.deepEqual(Object.keys(sd).sort(), Object.keys(ref.grads.per_param).sort());
  for (const [name, p] of Object.entries(ref.grads.per_param)) assert.deepEqual(sd[name]!.shape, p.shape, name);
  assert.deepEqual(sd['bert.embeddings.word_embeddings.weight']!.shape, [128, 32]);
  // Sums from an independent Python reader (generator: scripts/fixtures/safetensors_summary.py).
  const expected = readJson<Summary>('test/fixtures/torch/safetensors_bert_seqcls.json');
  assert.equal(Object.keys(expected.tensors).length, 41);
  for (const [name, e] of Object.entries(expected.tensors)) {
    assert.equal(sd[name]!.dtype, 'float32');
    // float64 sums of the same float32 values; only the summation order may differ.
    assertClose(sd[name]!.sum(undefined, false, { dtype: 'float64' }).item(), Number(e.sum), { rtol: 1e-12, atol: 1e-12, msg: name });
  }
  const h = await st.readHeader(path);
  assert.equal(h.headerSize, expected.header_size);
  assert.deepEqual({ ...h.metadata }, { format: 'pt' });
  // Re-saving with the same metadata reproduces HF's file exactly (layout, header, padding).
  for (const file of ['model.safetensors', 'reference.safetensors']) {
    const p = join(BERT, file);
    const again = st.save(await st.loadFile(p), { ...(await st.readMetadata(p)) });
    assert.ok(Buffer.from(again).equals(readFileSync(p)), `${file} not reproduced byte for byte`);
  }
});

test('load options: dtype casts floating tensors only, names selects', async () => {
  const path = join(BERT, 'reference.safetensors');
  const sd = await st.loadFile(path, { dtype: 'float64' });
  assert.equal(sd['input.input_ids']!.dtype, 'int64');
  assert.equal(sd['grad.classifier.weight']!.dtype, 'float64');
  const f32 = await st.loadFile(path, { names: ['grad.classifier.weight'] });
  assert.deepEqual(Object.keys(f32), ['grad.classifier.weight']);
  assertClose(sd['grad.classifier.weight']!, f32['grad.classifier.weight']!, { rtol: 0, atol: 0 });
  await assert.rejects(st.loadFile(path, { dtype: 'int32' }), /must be a floating dtype/);
  await assert.rejects(st.loadFile(path, { names: ['nope'] }), (e: Error) => e instanceof st.SafetensorsError && /no tensor named 'nope'/.test(e.message) && e.message.includes(path));
  const bytes = readFileSync(path);
  assert.equal(st.load(bytes, { dtype: 'bfloat16' })['grad.classifier.weight']!.dtype, 'bfloat16');
  assert.deepEqual(Object.keys(st.load(bytes, { names: ['input.labels'] })), ['input.labels']);
});

test('device option puts tensors on CUDA', async (t) => {
  if (!torch.cuda.isAvailable()) return t.skip('no CUDA device');
  const g = await st.loadFile(join(BERT, 'reference.safetensors'), { device: 'cuda', dtype: 'float16' });
  assert.equal(g['grad.classifier.weight']!.device, 'cuda:0');
  assert.equal(g['grad.classifier.weight']!.dtype, 'float16');
});

test('safeOpen reads single tensors lazily; big tensors and small windows read the same values', async () => {
  const path = join(BERT, 'model.safetensors');
  const all = await st.loadFile(path);
  const f = await st.safeOpen(path);
  try {
    assert.equal(f.keys().length, 41);
    assert.deepEqual({ ...f.metadata() }, { format: 'pt' });
    assert.deepEqual(f.info('classifier.bias').shape, [3]);
    assert.throws(() => f.info('missing'), /no tensor named 'missing'/);
    const w = await f.getTensor('classifier.weight');
    assertClose(w, all['classifier.weight']!, { rtol: 0, atol: 0 });
    // A 1 KiB window: most tensors take the direct-to-tensor-memory path, the rest are grouped.
    const tiny = await f.getTensors({ chunkBytes: 1024 });
    for (const k of f.keys()) assertClose(tiny[k]!, all[k]!, { rtol: 0, atol: 0, msg: k });
    const cast = await f.getTensors({ chunkBytes: 1024, dtype: 'float64', names: ['bert.embeddings.word_embeddings.weight'] });
    assert.equal(cast['bert.embeddings.word_embeddings.weight']!.dtype, 'float64');
    assertClose(cast['bert.embeddings.word_embeddings.weight']!, all['bert.embeddings.word_embeddings.weight']!, { rtol: 0, atol: 0 });
  } finally {
    await f.close();
  }
  await assert.rejects(f.getTensor('classifier.weight'), /file is closed/);
});

const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const pyNumber = (s: string): number => (s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));

test('Python (struct + json + torch.frombuffer) reads what tunekit wrote', async (t) => {
  if (!hasTorch) return t.skip('/usr/bin/python3 has no torch');
  const path = join(dir, 'for-python.safetensors');
  const src = makeSamples();
  await st.saveFile(src, path, { format: 'pt', by: 'tunekit' });
  const r = spawnSync('/usr/bin/python3', ['scripts/fixtures/safetensors_summary.py', path, '--values'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout) as Summary;
  assert.deepEqual(py.metadata, { format: 'pt', by: 'tunekit' });
  assert.equal(py.header_size % 8, 0);
  for (const s of samples()) {
    const p = py.tensors[s.name]!;
    assert.equal(p.dtype, { float64: 'F64', float32: 'F32', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL' }[s.dtype]);
    assert.deepEqual(p.shape, s.shape, s.name);
    const ours = src[s.name]!.toTypedArray(); // float16/bfloat16 widened to float32 (exact)
    assert.equal(p.values!.length, ours.length, s.name);
    ours.forEach((v: number | bigint, i: number) => {
      const got = p.values![i]!;
      if (typeof v === 'bigint' || !isFloating(s.dtype)) assert.equal(BigInt(got), BigInt(v), `${s.name}[${i}]`);
      else assert.ok(Object.is(pyNumber(got), v), `${s.name}[${i}]: python ${got}, tunekit ${v}`);
    });
  }
});
