// protobuf.ts — the few protocol-buffer wire-format pieces TensorBoard's event files need
// (https://protobuf.dev/programming-guides/encoding/): varints, 64/32-bit little-endian fields and
// length-delimited fields, written in field-number order as protobuf's own serializers do, and a
// generic field reader.  Small on purpose: no schema compiler and no npm dependency.

/** Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (3 / 4, groups, are not used by these messages). */
export type WireType = 0 | 1 | 2 | 5;

/** One encoded field of a message: a varint as a bigint, the other wire types as their raw bytes. */
export interface ProtoField {
  field: number;
  wire: WireType;
  /** wire 0: the varint; wire 1 / 5: the 8 / 4 bytes; wire 2: the payload. */
  value: bigint | Buffer;
}

function varint(v: bigint): Buffer {
  // int64 negatives are their 64-bit two's complement (10 bytes), as protobuf encodes them
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Buffer.from(out);
}

/** Builds one message; call the field methods in increasing field-number order. */
export class ProtoWriter {
  private readonly parts: Buffer[] = [];
  private key(field: number, wire: WireType): void { this.parts.push(varint(BigInt((field << 3) | wire))); }

  /** A varint field (int32 / int64 / enum / bool); a number must be an integer. */
  varint(field: number, v: number | bigint): this {
    if (typeof v === 'number' && !Number.isInteger(v)) throw new RangeError(`protobuf: field ${field} needs an integer, got ${v}`);
    this.key(field, 0);
    this.parts.push(varint(BigInt(v)));
    return this;
  }
  /** A double (fixed64) field. */
  double(field: number, v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.key(field, 1);
    this.parts.push(b);
    return this;
  }
  /** A float (fixed32) field: the value rounded to float32. */
  float(field: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.key(field, 5);
    this.parts.push(b);
    return this;
  }
  /** A bytes field, or an embedded message given as its encoding. */
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.parts.push(varint(BigInt(b.length)), Buffer.from(b));
    return this;
  }
  /** A string field (UTF-8). */
  string(field: number, s: string): this { return this.bytes(field, Buffer.from(s, 'utf8')); }
  finish(): Buffer { return Buffer.concat(this.parts); }
}

/**
 * The fields of one encoded message, in file order.  `what` names the message in errors
 * (a truncated or malformed message is an error, never a silent partial read).
 */
export function readFields(buf: Buffer, what: string): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let x = 0n, shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error(`protobuf: truncated varint in ${what} at byte ${pos}`);
      const b = buf[pos++]!;
      x |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return x;
      shift += 7n;
      if (shift > 63n) throw new Error(`protobuf: varint longer than 10 bytes in ${what} at byte ${pos}`);
    }
  };
  const take = (n: number): Buffer => {
    if (pos + n > buf.length) throw new Error(`protobuf: field runs past the end of ${what} (needs ${n} bytes at byte ${pos} of ${buf.length})`);
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  while (pos < buf.length) {
    const key = readVarint();
    const field = Number(key >> 3n), wire = Number(key & 7n);
    if (field === 0) throw new Error(`protobuf: field number 0 in ${what} at byte ${pos}`);
    if (wire === 0) out.push({ field, wire, value: readVarint() });
    else if (wire === 1) out.push({ field, wire, value: take(8) });
    else if (wire === 2) out.push({ field, wire, value: take(Number(readVarint())) });
    else if (wire === 5) out.push({ field, wire, value: take(4) });
    else throw new Error(`protobuf: unsupported wire type ${wire} (field ${field}) in ${what}`);
  }
  return out;
}
