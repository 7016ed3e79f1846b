// hostile-torch-checkpoint.test.ts — pytorch_model.bin files built to make the loader allocate
// far more than they hold: stride-0 views, storages larger or smaller than their entries, one
// storage fanned out to many keys, deflate bombs, overlapping / forged zip entries, a quadratic
// LONG4.  Each is refused before the memory is allocated, with an error naming the file (and the
// tensor or entry); the legitimate shapes next to them (views into a shared storage at several
// offsets, tied weights, HF's expanded position_ids, compressible deflated entries) still load.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, constants } from 'node:zlib';
import * as torch from '../../src/torch/index.js';
import { loadTorchCheckpoint, unpickle, UnpicklingError, ZipError } from '../../src/torch/index.js';
import { makeZip, stateDictPickle, tensorPickle, P, type ZipInput } from './torch-archive.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-hostile-bin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function write(bytes: Uint8Array): string {
  const p = join(dir, `hostile-${count++}.bin`);
  writeFileSync(p, bytes);
  return p;
}
const f32 = (xs: number[]): Uint8Array => new Uint8Array(new Float32Array(xs).buffer);
/** An archive `a/` holding the pickle and the storages. */
const archive = (pkl: Buffer, storages: Omit<ZipInput, 'name'>[] | Record<string, Omit<ZipInput, 'name'>>, torchLayout = false): Buffer => {
  const list = Array.isArray(storages) ? storages.map((s, i) => [String(i), s] as const) : Object.entries(storages);
  return makeZip([{ name: 'a/data.pkl', data: pkl }, ...list.map(([k, s]) => ({ name: `a/data/${k}`, ...s }))], { torch: torchLayout });
};

/** loadTorchCheckpoint rejects with `cls`, a message naming the file and matching `re`, and makes no tensor. */
async function refuses(path: string, cls: typeof ZipError | typeof UnpicklingError, re: RegExp): Promise<void> {
  const live = torch.liveTensorCount();
  await assert.rejects(loadTorchCheckpoint(path), (e: Error) => {
    assert.ok(e instanceof cls, `expected a ${cls.name}, got ${e.name}: ${e.message}`);
    assert.match(e.message, re);
    assert.ok(e.message.includes(path), `the message does not name the file: ${e.message}`);
    return true;
  });
  assert.equal(torch.liveTensorCount(), live, 'no tensor may be left behind');
}

test('a 10000 x 10000 stride-0 view of a 1-element storage is refused before anything is allocated', async () => {
  const pkl = stateDictPickle([['w', tensorPickle('0', 1, 0, [10000, 10000], [0, 0])]]);
  const path = write(archive(pkl, [{ data: f32([1]) }]));
  assert.ok(statSync(path).size < 600, 'a few hundred bytes');
  await refuses(path, UnpicklingError,
    /tensor 'w' \(offset 0, size \[10000,10000\], stride \[0,0\]\) has 100000000 elements but its storage '0' holds only 1: an overlapping \(stride-0\) view repeating its storage more than 16 times/);
  // torch.save keeps an expanded tensor's stride 0 (torch.save({'b': x.expand(k, 4)}) writes size (k, 4),
  // stride (0, 1) over x's 4 elements): up to 16 repetitions are copied out, 17 are refused.
  const expanded = (k: number): string => write(archive(stateDictPickle([['b', tensorPickle('0', 4, 0, [k, 4], [0, 1])]]), [{ data: f32([1, 2, 3, 4]) }]));
  await refuses(expanded(17), UnpicklingError, /tensor 'b' \(offset 0, size \[17,4\], stride \[0,1\]\) has 68 elements but its storage '0' holds only 4/);
  const b = await loadTorchCheckpoint(expanded(16));
  assert.deepEqual(b.b!.toArray(), Array<number[]>(16).fill([1, 2, 3, 4]));
  b.b!.dispose();
  // HF's `position_ids = arange(n).expand((1, -1))` buffer: stride 0 on a size-1 dim, as many elements as its storage.
  const ok = await loadTorchCheckpoint(write(archive(stateDictPickle([['position_ids', tensorPickle('0', 4, 0, [1, 4], [0, 1], 'LongStorage')]]),
    [{ data: new Uint8Array(new BigInt64Array([0n, 1n, 2n, 3n]).buffer) }])));
  assert.deepEqual(ok.position_ids!.toArray(), [[0, 1, 2, 3]]);
  ok.position_ids!.dispose();
});

test('views into one shared storage at different offsets (tied weights) keep loading, in torch.save\'s exact layout', async () => {
  // As torch.save({'a': base[2:8].view(2, 3), 'b': base[10:14], 'c': base, 'tied': base, 't': base[:12].view(3, 4).t()}).
  const base = Array.from({ length: 20 }, (_, i) => i);
  const pkl = stateDictPickle([
    ['a', tensorPickle('0', 20, 2, [2, 3], [3, 1])],
    ['b', tensorPickle('0', 20, 10, [4], [1])],
    ['c', tensorPickle('0', 20, 0, [20], [1])],
    ['tied', tensorPickle('0', 20, 0, [20], [1])],
    ['t', tensorPickle('0', 20, 0, [4, 3], [1, 4])],
    ['empty', tensorPickle('0', 20, 20, [0], [1])],
  ]);
  const path = write(makeZip([
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/data/0', data: f32(base) },
    { name: 'archive/version', data: Buffer.from('3\n') },
  ], { torch: true }));
  const sd = await loadTorchCheckpoint(path);
  assert.deepEqual(sd.a!.toArray(), [[2, 3, 4], [5, 6, 7]]);
  assert.deepEqual(sd.b!.toArray(), [10, 11, 12, 13]);
  assert.deepEqual(sd.c!.toArray(), base);
  assert.deepEqual(sd.tied!.toArray(), base);
  assert.deepEqual(sd.t!.toArray(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
  assert.deepEqual(sd.empty!.shape, [0]);
  for (const t of Object.values(sd)) t.dispose();
});

test('a view past its storage, negative offsets, sizes or strides, and too many dimensions are refused, naming the key', async () => {
  const one = (t: Buffer, numel = 4): string => write(archive(stateDictPickle([['w', t]]), [{ data: f32(Array.from({ length: numel }, (_, i) => i)) }]));
  await refuses(one(tensorPickle('0', 4, 2, [2, 2], [2, 1])), UnpicklingError, /tensor 'w' \(offset 2, size \[2,2\], stride \[2,1\]\) reads past its storage of 4 elements/);
  await refuses(one(tensorPickle('0', 4, 3, [2], [-1])), UnpicklingError, /tensor 'w': stride \(-1\) must be non-negative integers/);
  await refuses(one(tensorPickle('0', 4, -1, [1], [1])), UnpicklingError, /tensor 'w': storage_offset -1 must be a non-negative integer/);
  await refuses(one(tensorPickle('0', 4, 0, [2, -2], [1, 1])), UnpicklingError, /tensor 'w': size \(2, -2\) must be non-negative integers/);
  const ones = Array<number>(65).fill(1);
  await refuses(one(tensorPickle('0', 4, 0, ones, ones)), UnpicklingError, /tensor 'w': 65 dimensions, more than the 64 allowed/);
  // Extents far beyond 2^53 (computed as BigInt) are still compared, not rounded.
  const big = 2 ** 31 - 1;
  await refuses(one(tensorPickle('0', 4, 0, [big, big, 2], [big, big, 0])), UnpicklingError, /size \[2147483647,2147483647,2\].* reads past its storage of 4 elements/);
});

test('a storage must be exactly as large as its zip entry, checked before the entry is read', async () => {
  const pkl = (numel: number): Buffer => stateDictPickle([['w', tensorPickle('0', numel, 0, [1], [1])]]);
  await refuses(write(archive(pkl(1_000_000_000), [{ data: f32([1]) }])), ZipError,
    /storage '0' declares 1000000000 float32 elements \(4000000000 bytes\) but its entry a\/data\/0 holds 4 bytes/);
  await refuses(write(archive(pkl(1), [{ data: new Uint8Array(400) }])), ZipError,
    /storage '0' declares 1 float32 elements \(4 bytes\) but its entry a\/data\/0 holds 400 bytes/);
  await refuses(write(archive(pkl(1), {})), ZipError, /storage '0' has no entry a\/data\/0/);
  await refuses(write(archive(pkl(-1), [{ data: f32([1]) }])), UnpicklingError, /a\/data\.pkl: persistent id: bad storage key or size \('0', -1\)/);
});

test('one storage fanned out to more than 16 state-dict keys is refused; 16 load', async () => {
  const keys = (n: number): [string, Buffer][] => Array.from({ length: n }, (_, i) => [`layer.${i}.weight`, tensorPickle('0', 4, 0, [4], [1])]);
  await refuses(write(archive(stateDictPickle(keys(17)), [{ data: f32([1, 2, 3, 4]) }])), UnpicklingError,
    /its 17 tensors would copy 272 bytes out of 16 bytes of storage, more than 16 times/);
  const sd = await loadTorchCheckpoint(write(archive(stateDictPickle(keys(16)), [{ data: f32([1, 2, 3, 4]) }])));
  assert.equal(Object.keys(sd).length, 16);
  assert.deepEqual(sd['layer.15.weight']!.toArray(), [1, 2, 3, 4]);
  for (const t of Object.values(sd)) t.dispose();
});

/** A raw deflate stream of `mib` MiB of zeros: one byte-aligned 1 MiB block (~1 KB) repeated. */
function zeroBomb(mib: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_FULL_FLUSH });
  return Buffer.concat([...Array<Buffer>(mib).fill(block), deflateRawSync(Buffer.alloc(0))]);
}

test('a deflated storage claiming 64 MiB from a 66 KB file is refused before inflating', async () => {
  const body = zeroBomb(64);
  const numel = (64 << 20) / 4;
  const pkl = stateDictPickle([['w', tensorPickle('0', numel, 0, [numel], [1])]]);
  // A consistent archive: sizes, CRC and the storage's numel all agree; it would load 64 MiB of zeros.
  const path = write(archive(pkl, [{ data: Buffer.alloc(64 << 20), body, deflate: true }]));
  assert.ok(statSync(path).size < 70_000);
  await refuses(path, ZipError, /entries claim \d+ bytes in total, more than 32 times the file's \d+ bytes \(a zip bomb\?\)/);
});

test('a deflated entry inflating past its declared size stops there; a claim beyond deflate\'s 1032x is refused unread', async () => {
  const body = zeroBomb(256); // 256 MiB of zeros in ~260 KB
  const pkl = stateDictPickle([['w', tensorPickle('0', 4, 0, [4], [1])]]);
  const path = write(archive(pkl, [{ data: f32([0, 0, 0, 0]), body, deflate: true }]));
  const t0 = Date.now();
  await refuses(path, ZipError, /entry 'a\/data\/0': inflates to more than its declared 16 bytes \(stopped there; a zip bomb or a corrupt archive\)/);
  assert.ok(Date.now() - t0 < 5000, 'inflating must stop at the declared size, not run through 256 MiB');
  const liar = stateDictPickle([['w', tensorPickle('0', 262144, 0, [262144], [1])]]);
  await refuses(write(archive(liar, [{ data: new Uint8Array(1 << 20), body: Buffer.alloc(10), deflate: true }])), ZipError,
    /entry 'a\/data\/0' claims 1048576 bytes from 10 deflated bytes, more than deflate can produce \(1032x\)/);
});

test('legitimately compressible deflated entries still load', async () => {
  // 64 KiB of zeros deflates ~1000x on its own; the archive as a whole stays within 32x its size.
  const zeros = new Float32Array(16384);
  zeros[5] = 7;
  const other = f32(Array.from({ length: 1024 }, (_, i) => Math.sin(i)));
  const pkl = stateDictPickle([['mask', tensorPickle('0', 16384, 0, [128, 128], [128, 1])], ['w', tensorPickle('1', 1024, 0, [32, 32], [32, 1])]]);
  const path = write(archive(pkl, [{ data: new Uint8Array(zeros.buffer), deflate: true }, { data: other, deflate: true }]));
  const sd = await loadTorchCheckpoint(path);
  assert.equal((sd.mask!.toArray() as number[][])[0]![5], 7);
  assert.deepEqual(sd.w!.shape, [32, 32]);
  for (const t of Object.values(sd)) t.dispose();
});

test('forged zip directories: overlapping entries, sizes past the directory, disagreeing headers, duplicate names', async () => {
  const pkl = stateDictPickle([['x', tensorPickle('0', 4, 0, [4], [1])], ['y', tensorPickle('1', 4, 0, [4], [1])]]);
  const four = f32([1, 2, 3, 4]);
  // Two storages whose directory records share one body (the non-recursive zip bomb's trick).
  const overlap = makeZip([{ name: 'a/data.pkl', data: pkl }, { name: 'a/data/0', data: four }, { name: 'a/data/1', data: four, alias: 'a/data/0' }]);
  await refuses(write(overlap), ZipError, /entries 'a\/data\/0' and 'a\/data\/1' overlap \(offsets \d+ and \d+\); overlapping entries are a zip-bomb construction/);
  const one = stateDictPickle([['x', tensorPickle('0', 4, 0, [4], [1])]]);
  // Declared sizes running into the central directory.
  await refuses(write(archive(one, [{ data: four, size: 4000, compressedSize: 4000 }])), ZipError,
    /entry 'a\/data\/0': 4000 bytes at offset \d+ run past the start of the central directory/);
  // A stored entry whose two sizes differ.
  await refuses(write(archive(one, [{ data: four, size: 16, compressedSize: 8 }])), ZipError, /entry 'a\/data\/0' is stored \(uncompressed\) but claims 16 bytes in 8/);
  // Without a data descriptor the local header's sizes must match the directory's.
  await refuses(write(archive(one, [{ data: four, localSize: 8 }])), ZipError,
    /entry 'a\/data\/0': the local header says 16 bytes \(8 uncompressed, CRC [0-9a-f]+\), the central directory 16 \(16 uncompressed/);
  // A local header whose extra-field length pushes the body into the next entry.
  const pushed = makeZip([{ name: 'a/data.pkl', data: one }, { name: 'a/data/0', data: four }, { name: 'a/version', data: Buffer.from('3\n') }]);
  pushed.writeUInt16LE(40, 30 + 'a/data.pkl'.length + one.length + 28);
  await refuses(write(pushed), ZipError, /entry 'a\/data\/0': its 16 bytes at \d+ run past the start of the next entry \(\d+\); overlapping or truncated entry/);
  // Two directory records with the same name: the later one used to win silently.
  const dup = makeZip([{ name: 'a/data.pkl', data: one }, { name: 'a/data/0', data: four }, { name: 'a/data/0', data: f32([9, 9, 9, 9]) }]);
  await refuses(write(dup), ZipError, /entry 'a\/data\/0' appears twice in the central directory/);
  // An end record claiming more entries than its directory can hold.
  await refuses(write(makeZip([{ name: 'a/data.pkl', data: one }], { count: 5000 })), ZipError, /central directory of 56 bytes cannot hold the 5000 entries it claims/);
});

test('LONG4 is parsed in linear time (a 200 KB integer used to take about 20 s)', () => {
  const n = 200_000;
  const b = Buffer.alloc(5 + n + 1, 0xff);
  b[0] = 0x8b; // LONG4
  b.writeInt32LE(n, 1);
  b[5 + n - 1] = 0x7f; // the largest positive n-byte integer: 2^(8n-1) - 1
  b[5 + n] = 0x2e; // STOP
  const t0 = Date.now();
  const v = unpickle(b, { globals: new Map() });
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  assert.equal(v, (1n << BigInt(8 * n - 1)) - 1n);
  const neg = Buffer.from([0x8b, 3, 0, 0, 0, 0xfe, 0xff, 0xff, 0x2e]);
  assert.equal(unpickle(neg, { globals: new Map() }), -2);
  assert.equal(unpickle(Buffer.concat([P.proto, Buffer.from([0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40]), P.stop]), { globals: new Map() }), 2n ** 70n);
});
