// pickle.test.ts — pytorch_model.bin through the restricted unpickler: the HF fixture loads the
// same tensors as its safetensors twin; hostile pickles (posix.system, builtins.eval, unknown
// classes) are refused before anything runs; strided storages, deflated entries, truncated /
// garbled / legacy files; the opcode subset against Python-written pickles.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { loadTorchCheckpoint, unpickle, UnpicklingError, ZipError, type AllowedGlobal } from '../../src/torch/index.js';
import { loadWeights } from '../../src/models/index.js'; // folder-level loading (shard indexes) is models'
import { sharedDir } from '../helpers.js';
import { makeZip, stateDictPickle, tensorPickle, P } from './torch-archive.js';

const HF = sharedDir('fixtures', 'hf', 'models');
const BIN = join(HF, 'bert_seqcls_bin', 'pytorch_model.bin');
const dir = mkdtempSync(join(tmpdir(), 'tunekit-pickle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
const f32 = (xs: number[]): Uint8Array => new Uint8Array(new Float32Array(xs).buffer);

test('bert_seqcls_bin/pytorch_model.bin holds exactly the tensors of bert_seqcls/model.safetensors', async () => {
  const bin = await loadTorchCheckpoint(BIN);
  const st = await torch.safetensors.loadFile(join(HF, 'bert_seqcls', 'model.safetensors'));
  assert.deepEqual(Object.keys(bin).sort(), Object.keys(st).sort());
  for (const k of Object.keys(st)) {
    assert.equal(bin[k]!.dtype, 'float32');
    assert.ok(torch.equal(bin[k]!, st[k]!), `${k} differs`);
  }
  for (const t of [...Object.values(bin), ...Object.values(st)]) t.dispose();
});

test('a pickle calling posix.system is refused before anything runs', async () => {
  const marker = join(dir, 'pwned');
  const evil = Buffer.concat([P.proto, P.global('posix', 'system'), P.str(`touch ${marker}`), Buffer.from([0x85]), P.reduce, P.stop]);
  const path = write('evil.bin', makeZip([{ name: 'archive/data.pkl', data: evil }, { name: 'archive/version', data: Buffer.from('3\n') }]));
  await assert.rejects(loadTorchCheckpoint(path), (e: Error) => e instanceof UnpicklingError && /refusing to load global 'posix\.system'/.test(e.message));
  assert.equal(existsSync(marker), false, 'the command must not have run');
});

test('builtins.eval, os.system via STACK_GLOBAL, unknown classes and NEWOBJ are refused, naming the global', () => {
  const globals = new Map<string, AllowedGlobal>([['collections.OrderedDict', { call: () => new Map() }]]);
  const refuse = (bytes: Buffer, re: RegExp): void => assert.throws(() => unpickle(bytes, { globals }), (e: Error) => e instanceof UnpicklingError && re.test(e.message));
  refuse(Buffer.concat([P.proto, P.global('builtins', 'eval'), P.str('1+1'), Buffer.from([0x85]), P.reduce, P.stop]), /'builtins\.eval'/);
  // Python's protocol 4 pickle of an object whose __reduce__ returns (os.system, ('touch /tmp/x',)).
  refuse(Buffer.from('80049527000000000000008c05706f736978948c0673797374656d9493948c0c746f756368202f746d702f789485945294', 'hex'), /'posix\.system'/);
  // Python's pickle of a plain class instance: GLOBAL __main__.C + NEWOBJ + BUILD.
  refuse(Buffer.from('\x80\x02c__main__\nC\nq\x00)\x81q\x01}q\x02X\x01\x00\x00\x00xq\x03K\x01sb.', 'latin1'), /'__main__\.C'/);
  // An allowed global used as a value is still not callable unless allowed so.
  const withMarker = new Map<string, AllowedGlobal>([['torch.FloatStorage', { marker: 'F' }]]);
  assert.throws(() => unpickle(Buffer.concat([P.proto, P.global('torch', 'FloatStorage'), P.emptyTuple, P.reduce, P.stop]), { globals: withMarker }),
    /refusing to call 'torch\.FloatStorage'/);
  // torch's own allowlist refuses everything else too (inside a well-formed archive).
});

test('a state dict whose value is not a tensor, or whose storage is out of range, is refused', async () => {
  const notTensor = stateDictPickle([['w', Buffer.concat([P.global('torch', 'device'), P.mark, P.str('cpu'), P.tuple, P.reduce])]]);
  const p1 = write('nt.bin', makeZip([{ name: 'a/data.pkl', data: notTensor }]));
  await assert.rejects(loadTorchCheckpoint(p1), /'w' is not a tensor/);
  const tooBig = stateDictPickle([['w', tensorPickle('0', 4, 2, [2, 2], [2, 1])]]);
  const p2 = write('big.bin', makeZip([{ name: 'a/data.pkl', data: tooBig }, { name: 'a/data/0', data: f32([1, 2, 3, 4]) }]));
  await assert.rejects(loadTorchCheckpoint(p2), /reads past its storage of 4 elements/);
});

test('strided (non-contiguous) tensors, storage offsets, shared storages and deflated entries', async () => {
  const data = f32([0, 1, 2, 3, 4, 5, 6, 7]);
  const pkl = stateDictPickle([
    ['t', tensorPickle('0', 8, 0, [2, 3], [1, 2])], // a transposed (3, 2) view: [[0, 2, 4], [1, 3, 5]]
    ['o', tensorPickle('0', 8, 5, [3], [1])], // offset 5: [5, 6, 7]
    ['s', tensorPickle('0', 8, 1, [2, 2], [4, 2])], // [[1, 3], [5, 7]]
    ['e', tensorPickle('0', 8, 0, [0, 4], [4, 1])], // empty
  ]);
  const path = write('strided.bin', makeZip([
    { name: 'archive/data.pkl', data: pkl, deflate: true },
    { name: 'archive/data/0', data, deflate: true },
    { name: 'archive/version', data: Buffer.from('3\n') },
  ]));
  const sd = await loadTorchCheckpoint(path);
  assert.deepEqual(sd.t!.toArray(), [[0, 2, 4], [1, 3, 5]]);
  assert.deepEqual(sd.o!.toArray(), [5, 6, 7]);
  assert.deepEqual(sd.s!.toArray(), [[1, 3], [5, 7]]);
  assert.deepEqual(sd.e!.shape, [0, 4]);
  const half = await loadTorchCheckpoint(path, { dtype: 'bfloat16' });
  assert.equal(half.t!.dtype, 'bfloat16');
  for (const t of [...Object.values(sd), ...Object.values(half)]) t.dispose();
});

test('torch.save(model.state_dict()) form: an OrderedDict root with a _metadata BUILD', async () => {
  const od = Buffer.concat([P.global('collections', 'OrderedDict'), P.emptyTuple, P.reduce]);
  const pkl = Buffer.concat([
    P.proto, od, P.mark, P.str('w'), tensorPickle('0', 2, 0, [2], [1]), P.setitems,
    P.emptyDict, P.str('_metadata'), od, Buffer.from('s'), Buffer.from('b'), P.stop,
  ]);
  const path = write('od.bin', makeZip([{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/data/0', data: f32([4, 5]) }]));
  const sd = await loadTorchCheckpoint(path);
  assert.deepEqual(Object.keys(sd), ['w']);
  assert.deepEqual(sd.w!.toArray(), [4, 5]);
  sd.w!.dispose();
  // BUILD on anything but a dict is refused.
  const bad = Buffer.concat([P.proto, P.emptyTuple, P.emptyDict, Buffer.from('b'), P.stop]);
  assert.throws(() => unpickle(bad, { globals: new Map() }), /refusing BUILD/);
});

test('other storage types keep their dtype (LongStorage -> int64)', async () => {
  const ids = new Uint8Array(new BigInt64Array([7n, -1n, 3n]).buffer);
  const pkl = stateDictPickle([['ids', tensorPickle('k', 3, 0, [3], [1], 'LongStorage')]]);
  const path = write('long.bin', makeZip([{ name: 'x/data.pkl', data: pkl }, { name: 'x/data/k', data: ids }]));
  const sd = await loadTorchCheckpoint(path);
  assert.equal(sd.ids!.dtype, 'int64');
  assert.deepEqual(sd.ids!.toArray(), [7, -1, 3]);
  sd.ids!.dispose();
});

test('sharded pytorch_model.bin.index.json checkpoints load every shard', async () => {
  const d = join(dir, 'sharded');
  mkdirSync(d);
  writeFileSync(join(d, 'pytorch_model-00001-of-00002.bin'), makeZip([
    { name: 'a/data.pkl', data: stateDictPickle([['x', tensorPickle('0', 2, 0, [2], [1])]]) }, { name: 'a/data/0', data: f32([1, 2]) }]));
  writeFileSync(join(d, 'pytorch_model-00002-of-00002.bin'), makeZip([
    { name: 'b/data.pkl', data: stateDictPickle([['y', tensorPickle('0', 1, 0, [1], [1])]]) }, { name: 'b/data/0', data: f32([3]) }]));
  writeFileSync(join(d, 'pytorch_model.bin.index.json'), JSON.stringify({ metadata: {}, weight_map: { x: 'pytorch_model-00001-of-00002.bin', y: 'pytorch_model-00002-of-00002.bin' } }));
  const { tensors, file } = await loadWeights(d);
  assert.equal(file, 'pytorch_model.bin.index.json');
  assert.deepEqual(tensors.x!.toArray(), [1, 2]);
  assert.deepEqual(tensors.y!.toArray(), [3]);
  writeFileSync(join(d, 'pytorch_model.bin.index.json'), JSON.stringify({ weight_map: { x: '../evil.bin' } }));
  await assert.rejects(loadWeights(d), /is not a file name in the folder/);
  await assert.rejects(loadWeights(join(dir, 'nothing-here')), /no model weights found/);
});

test('truncated, garbled, legacy and non-zip files fail with clear errors', async () => {
  const bytes = readFileSync(BIN);
  const truncated = write('truncated.bin', bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(loadTorchCheckpoint(truncated), (e: Error) => e instanceof ZipError && /end-of-central-directory|truncated/.test(e.message));
  const cut = write('cut.bin', bytes.subarray(0, bytes.length - 30)); // central directory damaged
  await assert.rejects(loadTorchCheckpoint(cut), (e: Error) => e instanceof ZipError);
  const garbled = Buffer.from(bytes);
  garbled[8000] = garbled[8000]! ^ 0xff; // inside a storage
  await assert.rejects(loadTorchCheckpoint(write('garbled.bin', garbled)), /CRC-32 mismatch/);
  const legacy = write('legacy.bin', Buffer.from('80028a0a6cfc9c46f9206aa8501900', 'hex'));
  await assert.rejects(loadTorchCheckpoint(legacy), /legacy torch\.save format/);
  await assert.rejects(loadTorchCheckpoint(write('text.bin', Buffer.from('hello world, not a checkpoint'))), /not a PyTorch checkpoint/);
  const badPickle = write('badpkl.bin', makeZip([{ name: 'a/data.pkl', data: Buffer.from([0x80, 0x02, 0x7d, 0x28, 0x58, 0xff, 0xff]) }]));
  await assert.rejects(loadTorchCheckpoint(badPickle), (e: Error) => e instanceof UnpicklingError && /truncated/.test(e.message));
  const noPkl = write('nopkl.bin', makeZip([{ name: 'a/constants.pkl', data: Buffer.from([0x80, 0x02, 0x4e, 0x2e]) }]));
  await assert.rejects(loadTorchCheckpoint(noPkl), /no <archive>\/data\.pkl/);
});

test('the opcode subset reads what Python pickle writes (protocols 0, 2 and 4)', () => {
  // pickle.dumps({'a': [1, 2.5, 'x', (True, None)], 'b': b'\x00\x01', 'big': 2**70, 'neg': -5, 'n1': -1,
  //   'large': 100000, 'ué': 'π', 't3': (1, 2, 3), 'empty': {}, 'lst': [], 'f': -0.125}, protocol=p)
  const hex: Record<number, string> = {
    0: '286470300a56610a70310a286c70320a49310a6146322e350a6156780a70330a61284930310a4e7470340a617356620a70350a635f636f646563730a656e636f64650a70360a28565c7530303030010a70370a566c6174696e310a70380a7470390a527031300a73566269670a7031310a4c313138303539313632303731373431313330333432344c0a73566e65670a7031320a492d350a73566e310a7031330a492d310a73566c617267650a7031340a493130303030300a735675e90a7031350a565c75303363300a7031360a735674330a7031370a2849310a49320a49330a747031380a7356656d7074790a7031390a28647032300a73566c73740a7032310a286c7032320a7356660a7032330a462d302e3132350a732e',
    2: '80027d71002858010000006171015d7102284b014740040000000000005801000000787103884e867104655801000000627105635f636f646563730a656e636f64650a710658020000000001710758060000006c6174696e31710886710952710a5803000000626967710b8a0900000000000000004058030000006e6567710c4afbffffff58020000006e31710d4affffffff58050000006c61726765710e4aa0860100580300000075c3a9710f5802000000cf8071105802000000743371114b014b024b038771125805000000656d70747971137d711458030000006c737471155d7116580100000066711747bfc0000000000000752e',
    4: '80049593000000000000007d94288c0161945d94284b014740040000000000008c017894884e8694658c01629443020001948c03626967948a090000000000000000408c036e6567944afbffffff8c026e31944affffffff8c056c61726765944aa08601008c0375c3a9948c02cf80948c027433944b014b024b0387948c05656d707479947d948c036c7374945d948c01669447bfc0000000000000752e',
  };
  // Protocols 0 and 2 pickle bytes as _codecs.encode(str, 'latin1'): allowed here, only for this test.
  const globals = new Map<string, AllowedGlobal>([['_codecs.encode', { call: (a) => Uint8Array.from(String(a[0]), (c) => c.charCodeAt(0)) }]]);
  for (const [proto, h] of Object.entries(hex)) {
    const v = unpickle(Buffer.from(h, 'hex'), { globals }) as Map<string, unknown>;
    assert.ok(v instanceof Map, `protocol ${proto}`);
    assert.deepEqual([...v.get('a') as unknown[]], [1, 2.5, 'x', [true, null]], `protocol ${proto} a`);
    assert.deepEqual([...v.get('b') as Uint8Array], [0, 1]);
    assert.equal(v.get('big'), 2n ** 70n);
    assert.equal(v.get('neg'), -5);
    assert.equal(v.get('n1'), -1);
    assert.equal(v.get('large'), 100000);
    assert.equal(v.get('ué'), 'π');
    assert.deepEqual(v.get('t3'), [1, 2, 3]);
    assert.ok(Object.isFrozen(v.get('t3')), 'tuples are frozen');
    assert.ok(v.get('empty') instanceof Map);
    assert.deepEqual(v.get('lst'), []);
    assert.equal(v.get('f'), -0.125);
  }
  assert.throws(() => unpickle(Buffer.from(hex[2]!, 'hex'), { globals: new Map() }), /refusing to load global '_codecs\.encode'/);
});
