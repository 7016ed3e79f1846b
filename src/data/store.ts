// src/data/store.ts — a Dataset's rows: an Arrow table plus an optional indices mapping (HF's
// `_indices`, so select/shuffle/filter never copy data), with decoded JS columns cached per Arrow
// chunk. Mirrors datasets/table.py + the indices handling of arrow_dataset.py. Internal module.
import * as arrow from 'apache-arrow';
import { buildData, decodeData, hfMetadata, makeTable } from './arrow.js';
import { encodeColumn } from './encode.js';
import { type Features, missingColumn } from './features.js';

/**
 * A row: column name -> value (ints as numbers, lists as arrays, structs as objects, null for
 * nulls). `any` on purpose: rows are dynamically typed like HF's dicts, and map fns read fields.
 */
export type Row = Record<string, any>;
/**
 * A batch: column name -> array of the values of consecutive rows (what a batched map fn receives
 * and returns). Typed `any` per column so that `batch.text.map(...)` needs no casts.
 */
export type Batch = Record<string, any>;

// Decoded values per Arrow chunk. Chunks are immutable and shared between tables that reuse
// them (rename, select, shuffle), so one decode serves them all; entries die with the chunk.
const decoded = new WeakMap<arrow.Data, unknown[]>();

function decodeChunk(d: arrow.Data): unknown[] {
  let v = decoded.get(d);
  if (v === undefined) {
    v = decodeData(d);
    decoded.set(d, v);
  }
  return v;
}

/** Deep copy of a decoded value, so callers may mutate what they get without touching the cache. */
export function cloneValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneValue(v[i]);
    return out;
  }
  const o: Record<string, unknown> = {};
  for (const k in v as Record<string, unknown>) o[k] = cloneValue((v as Record<string, unknown>)[k]);
  return o;
}

/** The rows of a Dataset: an Arrow table seen through an optional indices mapping. */
export class Store {
  private readonly whole = new Map<string, readonly unknown[]>();

  /**
   * @param table     the data (schema metadata carries the features)
   * @param features  one per table column, same order
   * @param indices   row i of the store is table row indices[i]; null = identity
   * @param tableRows rows of the table (kept explicitly: a table with no columns still has rows)
   */
  constructor(
    readonly table: arrow.Table,
    readonly features: Features,
    readonly indices: Int32Array | null,
    readonly tableRows: number,
  ) {}

  get numRows(): number {
    return this.indices ? this.indices.length : this.tableRows;
  }

  get columnNames(): string[] {
    return Object.keys(this.features);
  }

  checkColumn(name: string): void {
    if (!Object.prototype.hasOwnProperty.call(this.features, name)) throw missingColumn(name, this.columnNames);
  }

  /** All values of a column in table order (shared cache: do not mutate). */
  tableColumn(name: string): readonly unknown[] {
    this.checkColumn(name);
    let v = this.whole.get(name);
    if (v === undefined) {
      const chunks = this.table.getChild(name)?.data ?? [];
      v = chunks.length === 1 ? decodeChunk(chunks[0]!) : chunks.flatMap((c) => decodeChunk(c));
      this.whole.set(name, v);
    }
    return v;
  }

  /** Table row of store row i. */
  tableRow(i: number): number {
    return this.indices ? this.indices[i]! : i;
  }

  /** A column's values for rows [start, end), copied. */
  columnSlice(name: string, start: number, end: number): unknown[] {
    const all = this.tableColumn(name);
    const out = new Array<unknown>(end - start);
    for (let i = start; i < end; i++) out[i - start] = cloneValue(all[this.tableRow(i)]);
    return out;
  }

  row(i: number): Row {
    const r: Row = {};
    const t = this.tableRow(i);
    for (const name of this.columnNames) r[name] = cloneValue(this.tableColumn(name)[t]);
    return r;
  }

  batch(start: number, end: number, columns: readonly string[] = this.columnNames): Batch {
    const b: Batch = {};
    for (const name of columns) b[name] = this.columnSlice(name, start, end);
    return b;
  }

  /** The store seen through `idx` (positions in this store). */
  select(idx: Int32Array): Store {
    const n = this.numRows;
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i]!;
      if (!(j >= 0 && j < n)) throw new RangeError(`select: index ${j} out of range for a dataset of ${n} rows`);
    }
    const composed = this.indices ? idx.map((j) => this.indices![j]!) : idx;
    return new Store(this.table, this.features, composed, this.tableRows);
  }

  /** The same rows, materialised without an indices mapping. */
  flattenIndices(): Store {
    if (!this.indices) return this;
    const cols = new Map<string, unknown[]>();
    for (const name of this.columnNames) cols.set(name, this.columnSlice(name, 0, this.numRows));
    return Store.fromEncoded(cols, this.features, this.numRows);
  }

  /** Only `names` (in that order), same rows; Arrow chunks are reused, not copied. */
  selectColumns(names: readonly string[], rename: ReadonlyMap<string, string> = new Map()): Store {
    for (const n of names) this.checkColumn(n);
    const features: Features = {};
    const fields: arrow.Field[] = [];
    const vectors: arrow.Data[][] = [];
    for (const n of names) {
      const to = rename.get(n) ?? n;
      features[to] = this.features[n]!;
      const child = this.table.getChild(n)!;
      fields.push(new arrow.Field(to, child.type, true));
      vectors.push([...child.data]);
    }
    return new Store(tableFrom(fields, vectors, features, this.tableRows), features, this.indices, this.tableRows);
  }

  /** Builds a store from columns whose values already passed encodeValue for `features` (or Arrow data already built for them). */
  static fromEncoded(columns: ReadonlyMap<string, readonly unknown[] | arrow.Data>, features: Features, numRows: number): Store {
    const datas = new Map<string, arrow.Data>();
    for (const [name, f] of Object.entries(features)) {
      const v = columns.get(name);
      if (v === undefined) throw new Error(`internal: column '${name}' missing`);
      if (v.length !== numRows) throw new Error(`Column lengths mismatch: column '${name}' has ${v.length} rows, expected ${numRows}`);
      datas.set(name, v instanceof arrow.Data ? v : buildData(v, f));
    }
    return new Store(makeTable(datas, features, numRows), features, null, numRows);
  }

  /** Builds a store from raw JS columns, validating/converting every value against `features`. */
  static fromColumns(columns: ReadonlyMap<string, readonly unknown[]>, features: Features, numRows: number): Store {
    const enc = new Map<string, unknown[]>();
    for (const [name, f] of Object.entries(features)) enc.set(name, encodeColumn(name, columns.get(name) ?? new Array(numRows).fill(null), f));
    return Store.fromEncoded(enc, features, numRows);
  }

  /** Wraps a table read from disk. */
  static fromTable(table: arrow.Table, features: Features): Store {
    return new Store(table, features, null, table.numRows);
  }
}

/** A table of the given column chunks; batches are re-cut so that every column's chunks line up. */
function tableFrom(fields: arrow.Field[], columns: arrow.Data[][], features: Features, numRows: number): arrow.Table {
  const schema = new arrow.Schema(fields, hfMetadata(features));
  // Columns of one table share chunk boundaries (they come from the same record batches).
  const nChunks = columns[0]?.length ?? 1;
  const batches: arrow.RecordBatch[] = [];
  for (let c = 0; c < nChunks; c++) {
    const children = columns.map((col) => col[c]!);
    const length = children[0]?.length ?? numRows;
    const struct = arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children });
    batches.push(new arrow.RecordBatch(schema, struct));
  }
  return new arrow.Table(schema, batches);
}
