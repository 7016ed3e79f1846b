// src/data/arrow.ts — features <-> Arrow types, JS columns <-> Arrow data, and the HF schema
// metadata (`huggingface` key: {"info": {"features": ...}}). Mirrors datasets/features/features.py
// (get_nested_type, generate_from_arrow_type) and arrow_writer.py (the metadata it writes).
import * as arrow from 'apache-arrow';
import { ClassLabel, type FeatureType, type Features, featuresFromJSON, featuresToJSON, isFeatureDict, List, Value, type Dtype } from './features.js';

/** The Arrow type HF uses for a feature (ClassLabel is int64; list children are named "item"). */
export function arrowType(f: FeatureType): arrow.DataType {
  if (f instanceof ClassLabel) return new arrow.Int64();
  if (f instanceof List) {
    const child = new arrow.Field('item', arrowType(f.feature), true);
    return f.length === -1 ? new arrow.List(child) : new arrow.FixedSizeList(f.length, child);
  }
  if (isFeatureDict(f)) return new arrow.Struct(Object.entries(f).map(([k, v]) => new arrow.Field(k, arrowType(v), true)));
  switch (f.dtype) {
    case 'null': return new arrow.Null();
    case 'bool': return new arrow.Bool();
    case 'int8': return new arrow.Int8();
    case 'int16': return new arrow.Int16();
    case 'int32': return new arrow.Int32();
    case 'int64': return new arrow.Int64();
    case 'uint8': return new arrow.Uint8();
    case 'uint16': return new arrow.Uint16();
    case 'uint32': return new arrow.Uint32();
    case 'uint64': return new arrow.Uint64();
    case 'float32': return new arrow.Float32();
    case 'float64': return new arrow.Float64();
    case 'string': return new arrow.Utf8();
    case 'large_string': return new arrow.LargeUtf8();
  }
}

/** HF's generate_from_arrow_type: the feature of an Arrow type when no metadata says more. */
export function featureFromArrowType(t: arrow.DataType): FeatureType {
  if (arrow.DataType.isStruct(t)) return Object.fromEntries(t.children.map((c) => [c.name, featureFromArrowType(c.type)]));
  if (arrow.DataType.isList(t) || arrow.DataType.isLargeList(t)) return new List(featureFromArrowType(t.children[0]!.type));
  if (arrow.DataType.isFixedSizeList(t)) return new List(featureFromArrowType(t.children[0]!.type), t.listSize);
  if (arrow.DataType.isDictionary(t)) return featureFromArrowType(t.dictionary);
  if (arrow.DataType.isNull(t)) return new Value('null');
  if (arrow.DataType.isBool(t)) return new Value('bool');
  if (arrow.DataType.isUtf8(t)) return new Value('string');
  if (arrow.DataType.isLargeUtf8(t)) return new Value('large_string');
  if (arrow.DataType.isInt(t)) return new Value(`${t.isSigned ? 'int' : 'uint'}${t.bitWidth}` as Dtype);
  if (arrow.DataType.isFloat(t)) {
    if (t.precision === arrow.Precision.SINGLE) return new Value('float32');
    if (t.precision === arrow.Precision.DOUBLE) return new Value('float64');
  }
  throw new TypeError(`Arrow type ${t} has no supported feature (Value, ClassLabel, List, struct)`);
}

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  let nullCount = 0;
  for (const v of values) if (v === null || v === undefined) nullCount++;
  if (nullCount === 0) return { nullBitmap: new Uint8Array(0), nullCount };
  const bm = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] !== null && values[i] !== undefined) bm[i >> 3]! |= 1 << (i & 7);
  return { nullBitmap: bm, nullCount };
}

const NUMERIC: Partial<Record<Dtype, new (n: number) => ArrayLike<number | bigint> & { [i: number]: number | bigint }>> = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array,
  float32: Float32Array, float64: Float64Array,
};

/**
 * Builds Arrow data for a column of values already checked by encodeValue (so numbers are in
 * range, lists are arrays, ClassLabels are ids); null/undefined are nulls at every level.
 */
export function buildData(values: readonly unknown[], f: FeatureType): arrow.Data {
  const type = arrowType(f);
  const length = values.length;
  const { nullBitmap, nullCount } = validity(values);
  if (f instanceof List) {
    const flat: unknown[] = [];
    if (f.length === -1) {
      const offsets = new Int32Array(length + 1);
      for (let i = 0; i < length; i++) {
        const v = values[i] as unknown[] | null | undefined;
        if (v) for (const x of v) flat.push(x);
        offsets[i + 1] = flat.length;
      }
      if (flat.length > 0x7fffffff) throw new RangeError('list column too large for 32-bit offsets');
      return arrow.makeData({ type: type as arrow.List, length, nullCount, nullBitmap, valueOffsets: offsets, child: buildData(flat, f.feature) });
    }
    for (const v of values) {
      const a = v as unknown[] | null | undefined;
      for (let j = 0; j < f.length; j++) flat.push(a ? a[j] : null);
    }
    return arrow.makeData({ type: type as arrow.FixedSizeList, length, nullCount, nullBitmap, child: buildData(flat, f.feature) });
  }
  if (isFeatureDict(f)) {
    const children = Object.entries(f).map(([k, sub]) =>
      buildData(values.map((v) => (v === null || v === undefined ? null : (v as Record<string, unknown>)[k])), sub));
    return arrow.makeData({ type: type as arrow.Struct, length, nullCount, nullBitmap, children });
  }
  const dtype = f instanceof ClassLabel ? 'int64' : f.dtype;
  switch (dtype) {
    case 'null':
      return arrow.makeData({ type: type as arrow.Null, length });
    case 'bool': {
      const bits = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) if (values[i] === true) bits[i >> 3]! |= 1 << (i & 7);
      return arrow.makeData({ type: type as arrow.Bool, length, nullCount, nullBitmap, data: bits });
    }
    case 'int64':
    case 'uint64': {
      const a = dtype === 'int64' ? new BigInt64Array(length) : new BigUint64Array(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) a[i] = BigInt(v as number);
      }
      return arrow.makeData({ type: type as arrow.Int, length, nullCount, nullBitmap, data: a });
    }
    case 'string':
    case 'large_string': {
      let bytes = 0;
      for (const v of values) if (typeof v === 'string') bytes += Buffer.byteLength(v, 'utf8');
      const data = Buffer.allocUnsafe(bytes);
      const offsets = dtype === 'string' ? new Int32Array(length + 1) : new BigInt64Array(length + 1);
      if (dtype === 'string' && bytes > 0x7fffffff) throw new RangeError('string column over 2 GiB: use large_string');
      let pos = 0;
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (typeof v === 'string') pos += data.write(v, pos, 'utf8');
        if (offsets instanceof Int32Array) offsets[i + 1] = pos;
        else offsets[i + 1] = BigInt(pos);
      }
      const u8 = new Uint8Array(data.buffer, data.byteOffset, bytes);
      return arrow.makeData({ type: type as arrow.Utf8, length, nullCount, nullBitmap, valueOffsets: offsets as Int32Array, data: u8 });
    }
    default: {
      const a = new NUMERIC[dtype]!(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) a[i] = v as number;
      }
      return arrow.makeData({ type: type as arrow.Int, length, nullCount, nullBitmap, data: a as Int32Array });
    }
  }
}

/**
 * buildData for a column that passed scanIntLists and intListFits for `f` (a List of an integer
 * Value): the values go straight into one typed array, with no per-element encodeValue copy.
 */
export function buildIntListData(values: readonly unknown[], f: List, total: number): arrow.Data {
  const length = values.length;
  if (total > 0x7fffffff) throw new RangeError('list column too large for 32-bit offsets');
  const { nullBitmap, nullCount } = validity(values);
  const dtype = (f.feature as Value).dtype;
  const offsets = new Int32Array(length + 1);
  let at = 0;
  let flat: ArrayLike<number | bigint>;
  if (dtype === 'int64' || dtype === 'uint64') {
    const a = dtype === 'int64' ? new BigInt64Array(total) : new BigUint64Array(total);
    for (let i = 0; i < length; i++) {
      const row = values[i] as number[] | null | undefined;
      if (row) for (let j = 0; j < row.length; j++) a[at++] = BigInt(row[j]!);
      offsets[i + 1] = at;
    }
    flat = a;
  } else {
    const a = new NUMERIC[dtype]!(total) as Int32Array;
    for (let i = 0; i < length; i++) {
      const row = values[i] as number[] | null | undefined;
      if (row) {
        a.set(row, at);
        at += row.length;
      }
      offsets[i + 1] = at;
    }
    flat = a;
  }
  const child = arrow.makeData({ type: arrowType(f.feature) as arrow.Int, length: total, nullCount: 0, nullBitmap: new Uint8Array(0), data: flat as Int32Array });
  return arrow.makeData({ type: arrowType(f) as arrow.List, length, nullCount, nullBitmap, valueOffsets: offsets, child });
}

/** Decodes one Arrow chunk into plain JS values (int64 -> number, lists -> arrays, structs -> objects). */
export function decodeData(data: arrow.Data): unknown[] {
  const n = data.length;
  const out = new Array<unknown>(n);
  const t = data.type;
  const valid = data.nullCount > 0 ? (i: number) => data.getValid(i) : () => true;
  if (arrow.DataType.isNull(t)) return out.fill(null);
  if (arrow.DataType.isBool(t)) {
    const bits = data.values as Uint8Array;
    for (let i = 0; i < n; i++) {
      const b = data.offset + i;
      out[i] = valid(i) ? ((bits[b >> 3]! >> (b & 7)) & 1) === 1 : null;
    }
    return out;
  }
  if (arrow.DataType.isInt(t) || arrow.DataType.isFloat(t)) {
    if (arrow.DataType.isFloat(t) && t.precision === arrow.Precision.HALF) return fallback(data);
    const vals = data.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) out[i] = valid(i) ? Number(vals[i]!) : null;
    return out;
  }
  if (arrow.DataType.isUtf8(t) || arrow.DataType.isLargeUtf8(t)) {
    const offs = data.valueOffsets as ArrayLike<number | bigint>;
    const bytes = data.values as Uint8Array;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = valid(i) ? buf.toString('utf8', Number(offs[i]!), Number(offs[i + 1]!)) : null;
    return out;
  }
  if (arrow.DataType.isList(t) || arrow.DataType.isLargeList(t)) {
    const offs = data.valueOffsets as ArrayLike<number | bigint>;
    const child = decodeData(data.children[0]!);
    for (let i = 0; i < n; i++) out[i] = valid(i) ? child.slice(Number(offs[i]!), Number(offs[i + 1]!)) : null;
    return out;
  }
  if (arrow.DataType.isFixedSizeList(t)) {
    const size = t.listSize;
    const child = decodeData(data.children[0]!);
    for (let i = 0; i < n; i++) out[i] = valid(i) ? child.slice(i * size, (i + 1) * size) : null;
    return out;
  }
  if (arrow.DataType.isStruct(t)) {
    const names = t.children.map((c) => c.name);
    const cols = data.children.map((c) => decodeData(c));
    for (let i = 0; i < n; i++) {
      if (!valid(i)) {
        out[i] = null;
        continue;
      }
      const o: Record<string, unknown> = {};
      for (let k = 0; k < names.length; k++) o[names[k]!] = cols[k]![i];
      out[i] = o;
    }
    return out;
  }
  return fallback(data);
}

// Types we do not decode by hand (dictionary, half floats, ...) go through Arrow's own getters.
function fallback(data: arrow.Data): unknown[] {
  const vec = arrow.makeVector(data);
  return Array.from({ length: data.length }, (_, i) => plain(vec.get(i)));
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof arrow.Vector) return Array.from(v, plain);
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return Object.fromEntries(Object.entries((v as { toJSON(): object }).toJSON()).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** Schema metadata HF writes: {"huggingface": '{"info": {"features": ...}}'}. */
export function hfMetadata(features: Features): Map<string, string> {
  return new Map([['huggingface', JSON.stringify({ info: { features: featuresToJSON(features) } })]]);
}

/** Builds a single-batch table; `columns` in `features` key order, each of `numRows` values. */
export function makeTable(columns: ReadonlyMap<string, arrow.Data>, features: Features, numRows: number): arrow.Table {
  const fields = Object.keys(features).map((k) => new arrow.Field(k, columns.get(k)!.type, true));
  const schema = new arrow.Schema(fields, hfMetadata(features));
  const children = Object.keys(features).map((k) => columns.get(k)!);
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: numRows, nullCount: 0, children });
  return new arrow.Table(schema, new arrow.RecordBatch(schema, struct));
}

/** Features stored in a table's metadata (checked against its columns), else derived from its Arrow types. */
export function featuresOfTable(table: arrow.Table): Features {
  const raw = table.schema.metadata.get('huggingface');
  const names = table.schema.fields.map((f) => f.name);
  if (raw) {
    const meta = JSON.parse(raw) as { info?: { features?: unknown } };
    if (meta.info?.features) {
      const features = featuresFromJSON(meta.info.features);
      if (JSON.stringify(Object.keys(features)) === JSON.stringify(names)) return features;
    }
  }
  return Object.fromEntries(table.schema.fields.map((f) => [f.name, featureFromArrowType(f.type)]));
}

/** Reads an Arrow IPC stream or file (HF writes streams). */
export function tableFromBytes(bytes: Uint8Array): arrow.Table {
  return arrow.tableFromIPC(bytes);
}

/** Serialises a table as an Arrow IPC stream, the format of HF's .arrow files. */
export function tableToBytes(table: arrow.Table): Uint8Array {
  return arrow.tableToIPC(table, 'stream');
}
