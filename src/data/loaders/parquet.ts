// src/data/loaders/parquet.ts — Parquet files through hyparquet (pure JS; snappy-compressed or
// uncompressed files, which is what pyarrow and HF write by default). Mirrors
// datasets/packaged_modules/parquet/parquet.py: HF's "huggingface" key-value metadata gives the
// features when present, else they come from the Parquet schema.
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { type FeatureType, type Features, featuresFromJSON, List, Value } from '../features.js';
import { type Builder, type ParsedFile, rowsToColumns } from './types.js';

type SchemaTree = ReturnType<typeof parquetSchema>;

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Uint8Array) return Array.from(v);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const INT_CONVERTED: Record<string, Value['dtype']> = { INT_8: 'int8', INT_16: 'int16', INT_32: 'int32', INT_64: 'int64', UINT_8: 'uint8', UINT_16: 'uint16', UINT_32: 'uint32', UINT_64: 'uint64' };

/** Feature of a Parquet schema node, or undefined when we cannot tell (then values are inferred). */
function featureOf(node: SchemaTree): FeatureType | undefined {
  const el = node.element;
  if (el.converted_type === 'LIST' || el.logical_type?.type === 'LIST') {
    const repeated = node.children[0];
    const item = repeated && repeated.children.length === 1 ? repeated.children[0]! : repeated;
    const f = item && featureOf(item);
    return f && new List(f);
  }
  if (node.children.length > 0) {
    if (el.converted_type === 'MAP' || el.logical_type?.type === 'MAP') return undefined;
    const fields: Record<string, FeatureType> = {};
    for (const c of node.children) {
      const f = featureOf(c);
      if (!f) return undefined;
      fields[c.element.name] = f;
    }
    return fields;
  }
  const conv = el.converted_type ? INT_CONVERTED[el.converted_type] : undefined;
  if (conv) return new Value(conv);
  switch (el.type) {
    case 'BOOLEAN': return new Value('bool');
    case 'INT32': return new Value('int32');
    case 'INT64': return new Value('int64');
    case 'FLOAT': return new Value('float32');
    case 'DOUBLE': return new Value('float64');
    case 'BYTE_ARRAY': return el.converted_type === 'UTF8' || el.logical_type?.type === 'STRING' ? new Value('string') : undefined;
    default: return undefined;
  }
}

/** Reads a Parquet file's rows (int64 as numbers) and features. */
export async function parseParquet(bytes: Buffer, file: string): Promise<ParsedFile> {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let meta;
  try {
    meta = parquetMetadata(ab);
  } catch (e) {
    throw new Error(`${file}: not a readable Parquet file (${(e as Error).message})`);
  }
  const rows = (await parquetReadObjects({ file: ab, metadata: meta })).map((r) => plain(r) as Record<string, unknown>);
  const schema = parquetSchema(meta);
  const names = schema.children.map((c) => c.element.name);
  const columns = rows.length ? rowsToColumns(rows) : new Map(names.map((n) => [n, [] as unknown[]]));
  const hf = meta.key_value_metadata?.find((kv) => kv.key === 'huggingface')?.value;
  if (hf) {
    let f: unknown;
    try {
      f = (JSON.parse(hf) as { info?: { features?: unknown } }).info?.features;
    } catch (e) {
      throw new Error(`${file}: the 'huggingface' metadata is not JSON (${(e as Error).message})`);
    }
    if (f) return { columns, numRows: rows.length, features: featuresFromJSON(f), hfMetadata: true };
  }
  const features: Features = {};
  for (const c of schema.children) {
    const f = featureOf(c);
    if (!f) return { columns, numRows: rows.length }; // let inference decide
    features[c.element.name] = f;
  }
  return { columns, numRows: rows.length, features };
}

/** loadDataset('parquet'). */
export const parquetBuilder: Builder = {
  extensions: ['.parquet'],
  parse: (bytes, file) => parseParquet(bytes, file),
};
