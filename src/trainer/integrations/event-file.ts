// event-file.ts — TensorBoard event files: TFRecord framing (tensorflow/core/lib/io/record_writer.cc:
// uint64 length, masked crc32c of the length, data, masked crc32c of the data; little-endian) around
// serialized `Event` protos (tensorboard/compat/proto/event.proto, summary.proto, tensor.proto).
// Encodes what a SummaryWriter writes (file_version, scalars as simple_value, text as a DT_STRING
// tensor with plugin 'text') and decodes the events of any writer (new-style tensor scalars too).
import { readFileSync } from 'node:fs';
import { maskedCrc32c } from './crc32c.js';
import { ProtoWriter, readFields, type ProtoField } from './protobuf.js';

/** TensorFlow's DataType enum values the writer and reader use (types.proto). */
export const DT_FLOAT = 1, DT_DOUBLE = 2, DT_INT32 = 3, DT_STRING = 7, DT_INT64 = 9;

/** One Summary.Value: a scalar (simpleValue) or a tensor (strings / numbers), with its plugin. */
export interface SummaryValue {
  tag: string;
  /** Summary.Value.simple_value (float32): the classic scalar. */
  simpleValue?: number;
  /** TensorProto.string_val, UTF-8 decoded: a text summary's strings. */
  strings?: string[];
  /** TensorProto float_val / double_val / int_val / int64_val or tensor_content: a tensor's numbers (reader only). */
  numbers?: number[];
  /** TensorProto.dtype (DT_STRING = 7, DT_FLOAT = 1, ...). */
  dtype?: number;
  /** TensorProto.tensor_shape dims. */
  shape?: number[];
  /** SummaryMetadata.plugin_data.plugin_name ('text', 'scalars', ...). */
  pluginName?: string;
}

/** One Event: wall_time (seconds), step, and one of file_version / summary. */
export interface TensorBoardEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  summary?: SummaryValue[];
  /** SourceMetadata.writer: which library wrote the file (first event). */
  sourceWriter?: string;
}

function encodeValue(v: SummaryValue): Buffer {
  if (v.numbers !== undefined) throw new TypeError(`TensorBoard writer: tag '${v.tag}': numeric tensors are not written, use simpleValue`);
  const w = new ProtoWriter().string(1, v.tag);
  if (v.simpleValue !== undefined) w.float(2, v.simpleValue);
  if (v.strings !== undefined) {
    const shape = new ProtoWriter().bytes(2, new ProtoWriter().varint(1, v.strings.length).finish()).finish();
    const t = new ProtoWriter().varint(1, DT_STRING).bytes(2, shape);
    for (const s of v.strings) t.bytes(8, Buffer.from(s, 'utf8'));
    w.bytes(8, t.finish());
  }
  // TextPluginData(version=0) serializes to nothing, so PluginData.content is left out
  if (v.pluginName !== undefined) w.bytes(9, new ProtoWriter().bytes(1, new ProtoWriter().string(1, v.pluginName).finish()).finish());
  return w.finish();
}

/** Serializes an Event as protobuf does (default-valued wall_time / step left out). */
export function encodeEvent(ev: TensorBoardEvent): Buffer {
  const w = new ProtoWriter();
  if (ev.wallTime !== 0) w.double(1, ev.wallTime);
  if (ev.step !== 0) w.varint(2, ev.step);
  if (ev.fileVersion !== undefined) w.string(3, ev.fileVersion);
  if (ev.summary !== undefined) {
    const s = new ProtoWriter();
    for (const v of ev.summary) s.bytes(1, encodeValue(v));
    w.bytes(5, s.finish());
  }
  if (ev.sourceWriter !== undefined) w.bytes(10, new ProtoWriter().string(1, ev.sourceWriter).finish());
  return w.finish();
}

/** One TFRecord: length, masked crc of the length, data, masked crc of the data. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/**
 * The records of a TFRecord byte string, checksums verified.  A record cut short at the end (a
 * writer in mid-flush) is left out, as TensorBoard's reader waits for it; a checksum mismatch is
 * an error naming `name` and the byte offset.
 */
export function readRecords(buf: Buffer, name: string): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos + 12 <= buf.length) {
    const header = buf.subarray(pos, pos + 8);
    if (buf.readUInt32LE(pos + 8) !== maskedCrc32c(header))
      throw new Error(`${name}: corrupt TFRecord length checksum at byte ${pos}`);
    const n = buf.readBigUInt64LE(pos);
    if (BigInt(pos + 16) + n > BigInt(buf.length)) break;
    const data = buf.subarray(pos + 12, pos + 12 + Number(n));
    if (buf.readUInt32LE(pos + 12 + data.length) !== maskedCrc32c(data))
      throw new Error(`${name}: corrupt TFRecord data checksum in the record at byte ${pos}`);
    out.push(data);
    pos += 16 + data.length;
  }
  return out;
}

const str = (f: ProtoField): string => (f.value as Buffer).toString('utf8');
const sub = (f: ProtoField, what: string): ProtoField[] => {
  if (f.wire !== 2) throw new Error(`protobuf: ${what} (field ${f.field}) is not length-delimited`);
  return readFields(f.value as Buffer, what);
};

/** Numbers of a repeated numeric field, packed (wire 2) or not. */
function numbersOf(f: ProtoField, kind: 'f32' | 'f64' | 'varint'): number[] {
  if (f.wire === 0) return [Number(BigInt.asIntN(64, f.value as bigint))];
  const b = f.value as Buffer;
  if (f.wire === 5) return [b.readFloatLE(0)];
  if (f.wire === 1) return [b.readDoubleLE(0)];
  if (kind === 'f32') return Array.from({ length: b.length / 4 }, (_, i) => b.readFloatLE(4 * i));
  if (kind === 'f64') return Array.from({ length: b.length / 8 }, (_, i) => b.readDoubleLE(8 * i));
  // a packed run of varints: each ends at a byte without the continuation bit
  const out: number[] = [];
  let x = 0n, shift = 0n;
  for (const byte of b) {
    x |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if (byte & 0x80) continue;
    out.push(Number(BigInt.asIntN(64, x)));
    x = 0n;
    shift = 0n;
  }
  return out;
}

function decodeTensor(f: ProtoField, v: SummaryValue): void {
  let content: Buffer | null = null;
  for (const t of sub(f, `tensor of '${v.tag}'`)) {
    if (t.field === 1) v.dtype = Number(t.value);
    else if (t.field === 2) v.shape = sub(t, 'tensor_shape').filter((d) => d.field === 2).map((d) => Number(sub(d, 'dim').find((x) => x.field === 1)?.value ?? 0n));
    else if (t.field === 4) content = t.value as Buffer;
    else if (t.field === 5) (v.numbers ??= []).push(...numbersOf(t, 'f32'));
    else if (t.field === 6) (v.numbers ??= []).push(...numbersOf(t, 'f64'));
    else if (t.field === 7 || t.field === 10) (v.numbers ??= []).push(...numbersOf(t, 'varint'));
    else if (t.field === 8) (v.strings ??= []).push(str(t));
  }
  if (content && v.numbers === undefined) {
    const c: Buffer = content;
    if (v.dtype === DT_FLOAT) v.numbers = Array.from({ length: c.length / 4 }, (_, i) => c.readFloatLE(4 * i));
    else if (v.dtype === DT_DOUBLE) v.numbers = Array.from({ length: c.length / 8 }, (_, i) => c.readDoubleLE(8 * i));
    else if (v.dtype === DT_INT32) v.numbers = Array.from({ length: c.length / 4 }, (_, i) => c.readInt32LE(4 * i));
    else if (v.dtype === DT_INT64) v.numbers = Array.from({ length: c.length / 8 }, (_, i) => Number(c.readBigInt64LE(8 * i)));
  }
}

function decodeValue(f: ProtoField): SummaryValue {
  const fields = sub(f, 'Summary.Value');
  const v: SummaryValue = { tag: str(fields.find((x) => x.field === 1) ?? { field: 1, wire: 2, value: Buffer.alloc(0) }) };
  for (const x of fields) {
    if (x.field === 2) v.simpleValue = (x.value as Buffer).readFloatLE(0);
    else if (x.field === 8) decodeTensor(x, v);
    else if (x.field === 9) {
      const pd = sub(x, 'SummaryMetadata').find((m) => m.field === 1);
      const name = pd && sub(pd, 'PluginData').find((m) => m.field === 1);
      if (name) v.pluginName = str(name);
    }
  }
  return v;
}

/** Decodes one serialized Event (unknown fields are skipped, as protobuf does). */
export function decodeEvent(data: Buffer): TensorBoardEvent {
  const ev: TensorBoardEvent = { wallTime: 0, step: 0 };
  for (const f of readFields(data, 'Event')) {
    if (f.field === 1) ev.wallTime = (f.value as Buffer).readDoubleLE(0);
    else if (f.field === 2) ev.step = Number(BigInt.asIntN(64, f.value as bigint));
    else if (f.field === 3) ev.fileVersion = str(f);
    else if (f.field === 5) ev.summary = sub(f, 'Summary').filter((x) => x.field === 1).map(decodeValue);
    else if (f.field === 10) ev.sourceWriter = str(sub(f, 'SourceMetadata').find((x) => x.field === 1) ?? { field: 1, wire: 2, value: Buffer.alloc(0) });
  }
  return ev;
}

/**
 * Every event of a TensorBoard event file, in order.
 * @example
 * for (const ev of readEventFile('out/runs/Jan01_00-00-00_host/events.out.tfevents.1700000000.host.42.0'))
 *   for (const v of ev.summary ?? []) console.log(ev.step, v.tag, v.simpleValue ?? v.strings?.[0]);
 */
export function readEventFile(path: string): TensorBoardEvent[] {
  return readRecords(readFileSync(path), path).map((r, i) => {
    try {
      return decodeEvent(r);
    } catch (e) {
      throw new Error(`${path}: event ${i}: ${(e as Error).message}`);
    }
  });
}
