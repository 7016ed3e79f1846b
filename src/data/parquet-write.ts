// src/data/parquet-write.ts — columns + HF features -> one Parquet file, as datasets'
// Dataset.to_parquet writes it through pyarrow: the Parquet types pyarrow gives each Arrow type
// (ClassLabel is int64, small ints carry INT_8 / UINT_16 annotations, lists are the 3-level LIST
// group, dicts are groups) and the `huggingface` key-value metadata holding
// `{"info": {"features": ...}}`, which the parquet loader (loaders/parquet.ts) and HF read back.
// The bytes are written by hyparquet-writer (snappy, hyparquet's companion writer).
import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { ClassLabel, type FeatureType, type Features, featuresToJSON, isFeatureDict, List, Value } from './features.js';

type Leaf = Pick<SchemaElement, 'type' | 'converted_type'>;

const VALUE_LEAF: Record<Value['dtype'], Leaf> = {
  null: { type: 'BYTE_ARRAY' }, // every value is null; HF's metadata keeps Value('null')
  bool: { type: 'BOOLEAN' },
  int8: { type: 'INT32', converted_type: 'INT_8' },
  int16: { type: 'INT32', converted_type: 'INT_16' },
  int32: { type: 'INT32' },
  int64: { type: 'INT64' },
  uint8: { type: 'INT32', converted_type: 'UINT_8' },
  uint16: { type: 'INT32', converted_type: 'UINT_16' },
  uint32: { type: 'INT32', converted_type: 'UINT_32' },
  uint64: { type: 'INT64', converted_type: 'UINT_64' },
  float32: { type: 'FLOAT' },
  float64: { type: 'DOUBLE' },
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  large_string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
};

/** The schema elements of one column (preorder, as Parquet's flat schema list), every level nullable as pyarrow writes it. */
function columnSchema(name: string, f: FeatureType): SchemaElement[] {
  if (f instanceof List) {
    // LIST annotation -> repeated `list` -> `element` (the names pyarrow >= 13 writes)
    return [
      { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...columnSchema('element', f.feature),
    ];
  }
  if (isFeatureDict(f)) {
    const keys = Object.keys(f);
    if (keys.length === 0) throw new Error(`parquet: the struct column '${name}' has no fields (Parquet cannot store an empty group)`);
    return [{ name, repetition_type: 'OPTIONAL', num_children: keys.length }, ...keys.flatMap((k) => columnSchema(k, f[k]!))];
  }
  const leaf = f instanceof ClassLabel ? { type: 'INT64' as const } : VALUE_LEAF[f.dtype];
  return [{ name, repetition_type: 'OPTIONAL', ...leaf }];
}

/** The Parquet schema (root first) of a dataset's features. */
export function parquetSchemaOf(features: Features): SchemaElement[] {
  const names = Object.keys(features);
  return [{ name: 'schema', num_children: names.length }, ...names.flatMap((n) => columnSchema(n, features[n]!))];
}

/** A value as hyparquet-writer takes it: int64 leaves as bigint, typed arrays as arrays. */
function toWritable(f: FeatureType, v: unknown, where: () => string): unknown {
  if (v === null || v === undefined) return null;
  if (f instanceof List) {
    const arr = ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<unknown>) : v;
    if (!Array.isArray(arr)) throw new TypeError(`${where()}: expected a list for ${f.toString()}, got ${typeof v}`);
    return arr.map((x, i) => toWritable(f.feature, x, () => `${where()}[${i}]`));
  }
  if (isFeatureDict(f)) {
    if (typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${where()}: expected an object for a struct column, got ${JSON.stringify(v)}`);
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.entries(f).map(([k, sub]) => [k, toWritable(sub, o[k], () => `${where()}.${k}`)]));
  }
  const int64 = f instanceof ClassLabel || f.dtype === 'int64' || f.dtype === 'uint64';
  if (int64) {
    if (typeof v === 'bigint') return v;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${where()}: expected an integer, got ${JSON.stringify(v)}`);
    return BigInt(v);
  }
  return v;
}

/**
 * One Parquet file from columns (name -> values, each `numRows` long) typed by `features`, with
 * HF's `huggingface` metadata so that HF `datasets` and tunekit read the same features back.
 * @example
 *   const bytes = writeParquet(ds.toDict(), ds.features);   // what push_to_hub uploads per shard
 */
export function writeParquet(columns: Readonly<Record<string, readonly unknown[]>>, features: Features): Uint8Array {
  const names = Object.keys(features);
  const missing = names.filter((n) => !(n in columns));
  if (missing.length) throw new Error(`writeParquet: no values for columns ${JSON.stringify(missing)}`);
  const numRows = columns[names[0]!]?.length ?? 0;
  const columnData = names.map((n) => {
    const vals = columns[n]!;
    if (vals.length !== numRows) throw new Error(`writeParquet: column '${n}' has ${vals.length} values, '${names[0]}' has ${numRows}`);
    return { name: n, data: Array.from(vals, (v, i) => toWritable(features[n]!, v, () => `column '${n}' row ${i}`)) };
  });
  const buffer = parquetWriteBuffer({
    columnData,
    schema: parquetSchemaOf(features),
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features: featuresToJSON(features) } }) }],
    createdBy: 'tunekit (hyparquet-writer)',
  });
  return new Uint8Array(buffer);
}
