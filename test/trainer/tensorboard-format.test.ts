// TensorBoard event files: crc32c on the RFC 3720 vectors; the reader on a file written by
// TensorBoard's own writer (test/fixtures/tensorboard, made by make_fixture.py beside it); the
// writer byte-for-byte against that file's records; framing errors; SummaryWriter's file name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c, maskedCrc32c } from '../../src/trainer/integrations/crc32c.js';
import { DT_FLOAT, DT_STRING, encodeEvent, frameRecord, readRecords } from '../../src/trainer/integrations/event-file.js';
import { SummaryWriter, readEventFile } from '../../src/trainer/index.js';

const FIXTURE = new URL('../fixtures/tensorboard/', import.meta.url).pathname;
interface Expected { kind: 'scalar' | 'text'; tag: string; step: number; wall_time: number; value?: number; text?: string; new_style?: boolean }
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as { file: string; events: Expected[] };
const fixturePath = join(FIXTURE, expected.file);
/** TensorBoard's EventFileWriter name: events.out.tfevents.<%010d secs>.<host>.<pid>.<uid> */
const NAME = /^events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)$/;

test('crc32c: RFC 3720 B.4 vectors and "123456789"; masked form', () => {
  assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  // mask = rotr15(crc) + 0xa282ead8: for "123456789" rotr15(0xe3069283) = 0x2507c60d
  assert.equal(maskedCrc32c(Buffer.from('123456789')), (0x2507c60d + 0xa282ead8) >>> 0);
});

test("reader: TensorBoard's own file decodes to what its generator wrote", () => {
  assert.match(expected.file, NAME);
  const events = readEventFile(fixturePath);
  assert.equal(events[0]!.fileVersion, 'brain.Event:2');
  assert.equal(events[0]!.sourceWriter, 'tensorboard.summary.writer.event_file_writer');
  const rest = events.slice(1);
  assert.equal(rest.length, expected.events.length);
  rest.forEach((ev, i) => {
    const e = expected.events[i]!;
    assert.equal(ev.wallTime, e.wall_time, `event ${i + 1}`);
    assert.equal(ev.step, e.step, `event ${i + 1}`);
    assert.equal(ev.summary!.length, 1);
    const v = ev.summary![0]!;
    assert.equal(v.tag, e.tag);
    if (e.kind === 'text') {
      assert.deepEqual(v.strings, [e.text]);
      assert.equal(v.pluginName, 'text');
      assert.equal(v.dtype, DT_STRING);
      assert.deepEqual(v.shape, [1]);
    } else if (e.new_style) {
      assert.deepEqual(v.numbers, [e.value]); // TensorProto.float_val, read as float32
      assert.equal(v.dtype, DT_FLOAT);
      assert.equal(v.pluginName, 'scalars');
    } else {
      assert.equal(v.simpleValue, e.value); // exact: both are the float32 of the value
    }
  });
});

test("writer: each scalar / text record is byte-identical to TensorBoard's", () => {
  // the raw framed records of the file (length, crc, data, crc), so the checksums are compared too
  const buf = readFileSync(fixturePath);
  const framed: Buffer[] = [];
  for (let pos = 0; pos < buf.length; pos += 16 + Number(buf.readBigUInt64LE(pos))) framed.push(buf.subarray(pos, pos + 16 + Number(buf.readBigUInt64LE(pos))));
  assert.equal(framed.length, expected.events.length + 1);
  let compared = 0;
  expected.events.forEach((e, i) => {
    if (e.new_style) return; // the writer writes classic simple_value scalars only
    const summary = e.kind === 'text'
      ? [{ tag: e.tag, strings: [e.text!], pluginName: 'text' }]
      : [{ tag: e.tag, simpleValue: e.value! }];
    const mine = frameRecord(encodeEvent({ wallTime: e.wall_time, step: e.step, summary }));
    const theirs = framed[i + 1]!;
    assert.ok(mine.equals(theirs), `record ${i + 1} (${e.tag}): ${mine.toString('hex')} != ${theirs.toString('hex')}`);
    compared++;
  });
  assert.equal(compared, expected.events.length - 1);
});

test('framing: a corrupt byte is an error naming the file; a record cut short at the end is left out', () => {
  const buf = readFileSync(fixturePath);
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-tb-'));
  const bad = Buffer.from(buf);
  bad[20] = bad[20]! ^ 0xff; // inside the first record's data
  writeFileSync(join(dir, 'bad'), bad);
  assert.throws(() => readEventFile(join(dir, 'bad')), /bad: corrupt TFRecord data checksum in the record at byte 0/);
  const badLen = Buffer.from(buf);
  badLen[0] = badLen[0]! ^ 0x01;
  assert.throws(() => readRecords(badLen, 'x.tfevents'), /x.tfevents: corrupt TFRecord length checksum at byte 0/);
  const all = readRecords(buf, 'f');
  const cut = readRecords(buf.subarray(0, buf.length - 3), 'f');
  assert.equal(cut.length, all.length - 1);
  assert.deepEqual(cut.map((r) => r.toString('hex')), all.slice(0, -1).map((r) => r.toString('hex')));
});

test("SummaryWriter: TensorBoard's file name, file_version first, then scalars and text read back", () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'tunekit-tb-')), 'a', 'b');
  const before = Math.floor(Date.now() / 1000);
  const w1 = new SummaryWriter(dir);
  const w2 = new SummaryWriter(dir);
  const names = readdirSync(dir).sort();
  assert.equal(names.length, 2);
  const m1 = NAME.exec(w1.path.split('/').at(-1)!)!, m2 = NAME.exec(w2.path.split('/').at(-1)!)!;
  assert.ok(m1 && m2);
  assert.ok(Number(m1[1]) >= before && Number(m1[1]) <= Math.ceil(Date.now() / 1000));
  assert.equal(m1[2], hostname());
  assert.equal(Number(m1[3]), process.pid);
  assert.equal(Number(m2[4]), Number(m1[4]) + 1); // the per-process counter
  w1.addScalar('train/loss', 0.1, 7, 1234.5);
  w1.addText('samples', 'héllo', 7, 1235.5);
  assert.equal(readEventFile(w1.path).length, 1); // nothing before flush but file_version
  w1.close();
  const ev = readEventFile(w1.path);
  assert.equal(ev[0]!.fileVersion, 'brain.Event:2');
  assert.equal(ev[0]!.step, 0);
  assert.deepEqual(ev.slice(1).map((e) => [e.wallTime, e.step, e.summary![0]!.tag, e.summary![0]!.simpleValue ?? e.summary![0]!.strings![0]]),
    [[1234.5, 7, 'train/loss', Math.fround(0.1)], [1235.5, 7, 'samples/text_summary', 'héllo']]);
  assert.throws(() => w1.addScalar('x', 1, 0), /is closed/);
  assert.throws(() => w2.addScalar('x', 1, 0.5), /step of 'x' must be an integer, got 0.5/);
  assert.throws(() => w2.addScalar('', 1, 0), /a tag must be a non-empty string/);
  // negative and > 2^32 steps round-trip through the int64 varint
  w2.addScalar('s', 2, -3, 1);
  w2.addScalar('s', 3, 2 ** 40 + 3, 1);
  w2.flush();
  assert.deepEqual(readEventFile(w2.path).slice(1).map((e) => e.step), [-3, 2 ** 40 + 3]);
});
