// safetensors.hostile.test.ts — malformed files are rejected with a SafetensorsError naming the
// file and the problem, before anything big is allocated; the duplicate-key scanner; no leaked
// tensors when a read fails midway.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { findDuplicateKey } from '../../src/torch/safetensors/jsonkeys.js';

const st = torch.safetensors;
const dir = mkdtempSync(join(tmpdir(), 'tunekit-st-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A file from a header (object, or raw JSON text) and a data buffer; `n` overrides the length field. */
function file(header: unknown, data: number | Uint8Array = 0, n?: bigint): Uint8Array {
  const json = typeof header === 'string' ? Buffer.from(header) : header instanceof Uint8Array ? Buffer.from(header) : Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(n ?? BigInt(json.length));
  return Buffer.concat([prefix, json, typeof data === 'number' ? Buffer.alloc(data) : data]);
}
const f32 = (shape: unknown, offsets: unknown, dtype: unknown = 'F32') => ({ dtype, shape, data_offsets: offsets });

let count = 0;
/** Every reader rejects the bytes with a SafetensorsError whose message names the file and matches `problem`. */
async function rejects(bytes: Uint8Array, problem: RegExp): Promise<void> {
  const path = join(dir, `hostile-${count++}.safetensors`);
  writeFileSync(path, bytes);
  const check = (where: string) => (e: unknown): boolean => {
    assert.ok(e instanceof st.SafetensorsError, `${where}: expected a SafetensorsError, got ${String(e)}`);
    assert.match(e.message, problem, where);
    assert.ok(where === 'load' ? e.message.includes('<bytes>') : e.message.includes(path), `${where}: message does not name the file: ${e.message}`);
    return true;
  };
  await assert.rejects(st.loadFile(path), check('loadFile'));
  await assert.rejects(st.readHeader(path), check('readHeader'));
  await assert.rejects(st.safeOpen(path), check('safeOpen'));
  assert.throws(() => st.load(bytes), check('load'));
}

test('size prefix: too short, past the end, over 100 MB', async () => {
  await rejects(new Uint8Array(0), /0 bytes, shorter than the 8-byte header length/);
  await rejects(new Uint8Array([1, 2, 3]), /3 bytes, shorter than the 8-byte header length/);
  await rejects(file('{}', 0, 1000n), /header length 1000 runs past the end of the file \(10 bytes\)/);
  await rejects(file('{}', 0, 99_000_000n), /header length 99000000 runs past the end of the file/);
  await rejects(file('{}', 0, 200_000_000n), /header length 200000000 exceeds the 100000000-byte \(100 MB\) limit/);
  await rejects(file('{}', 0, 2n ** 64n - 1n), /exceeds the 100000000-byte \(100 MB\) limit/);
});

test('header text: invalid UTF-8, invalid JSON, not an object, duplicate names', async () => {
  await rejects(file(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /header is not valid UTF-8/);
  await rejects(file('{"a": '), /header is not valid JSON/);
  // Non-objects fail at the first byte, as the Rust crate's InvalidHeaderStart.
  await rejects(file('[1, 2]'), /header must start with '\{' \(InvalidHeaderStart\): it starts with byte 0x5b/);
  await rejects(file('null'), /header must start with '\{'.*byte 0x6e/);
  await rejects(file('42      '), /header must start with '\{'.*byte 0x34/);
  const e = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  await rejects(file(`{"a":${e},"a":${e}}`, 4), /header has the key 'a' twice/);
  await rejects(file(`{"a":${e},"\\u0061":${e}}`, 4), /header has the key 'a' twice/);
  await rejects(file('{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}', 4), /key 'dtype' twice/);
});

test('entries: dtype, shape, data_offsets', async () => {
  await rejects(file({ a: 5 }), /tensor 'a': entry is not an object/);
  await rejects(file({ a: { shape: [1], data_offsets: [0, 4] } }, 4), /tensor 'a': dtype is missing or not a string/);
  await rejects(file({ a: f32([1], [0, 4], 'F17') }, 4), /tensor 'a': unknown dtype 'F17'/);
  await rejects(file({ a: f32([1], [0, 4], 'constructor') }, 4), /unknown dtype 'constructor'/);
  await rejects(file({ a: f32([2], [0, 4], 'U16') }, 4), /dtype U16 is not supported by tunekit/);
  await rejects(file({ a: f32(3, [0, 12]) }, 12), /shape is missing or not an array/);
  await rejects(file({ a: f32([-1], [0, 4]) }, 4), /shape \[-1\] has an entry that is not a non-negative integer: -1/);
  await rejects(file({ a: f32([1.5], [0, 4]) }, 4), /not a non-negative integer: 1.5/);
  await rejects(file({ a: f32(['2'], [0, 8]) }, 8), /not a non-negative integer: "2"/);
  await rejects(file({ a: f32([1], [0]) }, 4), /data_offsets must be two non-negative integers, got \[0\]/);
  await rejects(file({ a: f32([1], [0, 4, 8]) }, 8), /data_offsets must be two non-negative integers/);
  await rejects(file({ a: f32([1], ['0', '4']) }, 4), /data_offsets must be two non-negative integers/);
  await rejects(file({ a: f32([1], [-4, 0]) }, 4), /data_offsets must be two non-negative integers/);
  await rejects(file({ a: f32([1], { begin: 0, end: 4 }) }, 4), /data_offsets must be two non-negative integers/);
  await rejects(file({ a: f32([1], [8, 4]) }, 8), /data_offsets \[8, 4\] end before they begin/);
  await rejects(file({ a: f32([4], [0, 16]) }, 8), /data_offsets \[0, 16\] are out of range of the data buffer \(8 bytes\)/);
  await rejects(file({ a: f32([3], [0, 16]) }, 16), /byte size mismatch: data_offsets span 16 bytes but F32 \[3\] needs 12/);
  await rejects(file({ __metadata__: { a: 1 } }), /__metadata__\['a'\] is not a string/);
  await rejects(file({ __metadata__: ['x'] }), /__metadata__ is not an object of strings/);
});

test('numel overflow is caught before any allocation', async () => {
  const big = 2 ** 30;
  await rejects(file({ a: f32([big, big, big], [0, 4]) }, 4), /numel of shape \[1073741824, 1073741824, 1073741824\] overflows/);
  // As the Rust crate's checked_mul fold: an overflow before a 0 dimension is still an error.
  await rejects(file({ a: f32([big, big, big, 0], [0, 0]) }), /overflows/);
  await rejects(file({ a: f32([2 ** 52, 4], [0, 4]) }, 4), /overflows/); // numel fits, bytes (x4) do not
  await rejects(file({ a: f32([1e300], [0, 4]) }, 4), /not a non-negative integer/);
});

test('ranges must tile the data buffer: no overlap, no hole, no trailing bytes', async () => {
  await rejects(file({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, 12), /tensor 'b' \[4, 12\) overlaps tensor 'a'/);
  await rejects(file({ a: f32([1], [0, 4]), b: f32([1], [0, 4]) }, 4), /overlaps/);
  await rejects(file({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12), /hole in the data buffer: bytes \[4, 8\) before tensor 'b'.*metadata incomplete buffer/);
  await rejects(file({ a: f32([1], [4, 8]) }, 8), /hole in the data buffer: bytes \[0, 4\)/);
  await rejects(file({ a: f32([1], [0, 4]) }, 8), /4 trailing bytes after the last tensor \(metadata incomplete buffer\)/);
  await rejects(file({}, 3), /3 trailing bytes/);
  // Valid edge cases: zero-size tensors may share an offset, and key order need not be offset order.
  const ok = st.load(file({ z: f32([0], [4, 4]), b: f32([1], [4, 8]), a: f32([1], [0, 4]), e: f32([0, 3], [0, 0]) }, 8));
  assert.deepEqual(Object.keys(ok).sort(), ['a', 'b', 'e', 'z']);
  assert.deepEqual(ok['e']!.shape, [0, 3]);
  const proto = st.load(file({ __proto__x: f32([1], [0, 4]), ['__proto__']: f32([1], [4, 8]) }, 8));
  assert.ok(proto['__proto__'] instanceof torch.Tensor, 'a tensor named __proto__ is an ordinary key');
});

test("the header must start with '{': a UTF-8 byte-order mark, leading whitespace, an empty header", async () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const one = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
  // Before: TextDecoder dropped the BOM, so these loaded (the second as an empty checkpoint).
  await rejects(file(Buffer.concat([bom, Buffer.from(one)]), 4), /header must start with '\{' \(InvalidHeaderStart\): it starts with a UTF-8 byte-order mark \(EF BB BF\)/);
  await rejects(file(Buffer.concat([bom, Buffer.from('{}')])), /header must start with '\{'.*byte-order mark/);
  await rejects(file(` ${one}`, 4), /header must start with '\{'.*byte 0x20/);
  await rejects(file(`\n${one}`, 4), /header must start with '\{'.*byte 0x0a/);
  await rejects(file(''), /header must start with '\{'.*it is empty/);
  // Trailing spaces are the writers' 8-byte padding: still fine.
  const padded = st.load(file(`${one}   `, new Uint8Array(new Float32Array([2.5]).buffer)));
  assert.deepEqual(padded['a']!.toArray(), [2.5]);
  assert.deepEqual(Object.keys(st.load(file('{}      '))), []);
});

test('data not covered by any tensor is refused as the crate\'s MetadataIncompleteBuffer, even with no tensors', async () => {
  await rejects(file({}, 8), /data buffer has 8 trailing bytes but the header lists no tensors \(metadata incomplete buffer\)/);
  await rejects(file({ __metadata__: { format: 'pt' } }, 4), /4 trailing bytes but the header lists no tensors/);
  await rejects(file({ z: f32([0], [0, 0]) }, 4), /4 trailing bytes after the last tensor \(metadata incomplete buffer\)/);
  // An empty file (header only) is valid, as in the crate.
  const path = join(dir, 'empty.safetensors');
  writeFileSync(path, file({ __metadata__: { format: 'pt' } }));
  assert.deepEqual(Object.keys(await st.loadFile(path)), []);
  assert.deepEqual({ ...await st.readMetadata(path) }, { format: 'pt' });
});

test('findDuplicateKey: nesting, escapes, strings that look like structure', () => {
  assert.equal(findDuplicateKey('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}'), null);
  assert.equal(findDuplicateKey('{"x":"}{\\"a\\":","a":1,"y":["a","a"]}'), null);
  assert.equal(findDuplicateKey('{"a":1,"b":{"c":1,"c":2}}'), 'c');
  assert.equal(findDuplicateKey('{"q\\"":1,"q\\u0022":2}'), 'q"');
  assert.equal(findDuplicateKey('[{"k":1},{"k":2,"k":3}]'), 'k');
});

test('a read failing midway frees the tensors it made (file truncated after the header was read)', async () => {
  const path = join(dir, 'truncated.safetensors');
  await st.saveFile({ a: torch.ones([4]), b: torch.ones([64]), c: torch.ones([64]) }, path);
  const f = await st.safeOpen(path);
  const before = torch.liveTensorCount();
  truncateSync(path, f.header.dataStart + 16 + 256 + 8); // a and b survive, c is cut
  await assert.rejects(f.getTensors({ chunkBytes: 64 }), (e: Error) => e instanceof st.SafetensorsError && /unexpected end of file/.test(e.message) && e.message.includes(path));
  await f.close();
  assert.ok(torch.liveTensorCount() <= before, `leaked ${torch.liveTensorCount() - before} tensors`);
});
