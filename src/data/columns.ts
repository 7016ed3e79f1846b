// src/data/columns.ts — column-level transforms on a Store: cast, flatten, sort, unique, concat.
// Mirrors datasets/arrow_dataset.py (cast, cast_column, flatten, sort, unique,
// class_encode_column) and concatenate_datasets. Internal module; Dataset wraps these.
import { encodeColumn } from './encode.js';
import { ClassLabel, type FeatureType, type Features, featuresEqual, featureToString, isFeatureDict, Value } from './features.js';
import { Store } from './store.js';

/** Re-encodes the given columns' values for new features (e.g. string -> ClassLabel), materialising indices. */
export function castStore(store: Store, features: Features): Store {
  const names = Object.keys(features);
  const have = store.columnNames;
  if (names.length !== have.length || names.some((n) => !have.includes(n)))
    throw new Error(`cast: the new features must have the same columns as the dataset: got ${JSON.stringify(names)}, dataset has ${JSON.stringify(have)}`);
  const cols = new Map<string, unknown[]>();
  const out: Features = {};
  for (const name of have) {
    const f = features[name]!;
    out[name] = f;
    const v = store.columnSlice(name, 0, store.numRows);
    cols.set(name, featuresEqual(f, store.features[name]!) ? v : encodeColumn(name, v, f));
  }
  return Store.fromEncoded(cols, out, store.numRows);
}

/** Replaces/adds columns (already-validated values of `features`) keeping the others, in order. */
export function withColumns(store: Store, replace: ReadonlyMap<string, { feature: FeatureType; values: unknown[] }>, order?: readonly string[]): Store {
  const names = order ?? [...store.columnNames, ...[...replace.keys()].filter((k) => !store.columnNames.includes(k))];
  const cols = new Map<string, unknown[]>();
  const features: Features = {};
  for (const name of names) {
    const r = replace.get(name);
    features[name] = r ? r.feature : store.features[name]!;
    cols.set(name, r ? r.values : store.columnSlice(name, 0, store.numRows));
  }
  return Store.fromEncoded(cols, features, store.numRows);
}

/** HF flatten: struct columns become `parent.child` columns, recursively (lists of structs stay). */
export function flattenStore(store: Store): Store {
  const replace = new Map<string, { feature: FeatureType; values: unknown[] }>();
  const order: string[] = [];
  const visit = (name: string, f: FeatureType, values: unknown[]): void => {
    if (!isFeatureDict(f)) {
      order.push(name);
      replace.set(name, { feature: f, values });
      return;
    }
    for (const [k, sub] of Object.entries(f)) {
      visit(`${name}.${k}`, sub, values.map((v) => (v === null || v === undefined ? null : (v as Record<string, unknown>)[k] ?? null)));
    }
  };
  for (const name of store.columnNames) visit(name, store.features[name]!, store.columnSlice(name, 0, store.numRows));
  return withColumns(new Store(store.table, {}, null, store.numRows), replace, order);
}

function compareScalars(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0; // code-unit order, like pyarrow's byte order for BMP text
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new TypeError(`cannot compare ${typeof a} with ${typeof b}`);
}

/** Stable sort order of a scalar column, nulls last (HF's null_placement='at_end'). */
export function sortIndices(store: Store, column: string, reverse = false): Int32Array {
  const f = store.features[column];
  if (f === undefined) store.checkColumn(column);
  if (!(f instanceof Value || f instanceof ClassLabel))
    throw new TypeError(`sort: column '${column}' is not a scalar column (${featureToString(f!)})`);
  const vals = store.columnSlice(column, 0, store.numRows);
  const idx = Array.from({ length: vals.length }, (_, i) => i);
  idx.sort((i, j) => {
    const a = vals[i], b = vals[j];
    if (a === null || b === null) return a === b ? i - j : a === null ? 1 : -1;
    const c = compareScalars(a, b) * (reverse ? -1 : 1);
    return c !== 0 ? c : i - j;
  });
  return Int32Array.from(idx);
}

/** Distinct values in first-seen order; list columns are flattened one level (e.g. NER tag ids). */
export function uniqueValues(store: Store, column: string): unknown[] {
  const seen = new Set<unknown>();
  const out: unknown[] = [];
  const add = (v: unknown): void => {
    const key = v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  };
  const all = store.tableColumn(column);
  for (let i = 0; i < store.numRows; i++) {
    const v = all[store.tableRow(i)];
    if (Array.isArray(v)) v.forEach(add);
    else add(v);
  }
  return out;
}

/** Rows of several stores one after the other; features must be identical. */
export function concatStores(stores: readonly Store[]): Store {
  if (stores.length === 0) throw new Error('concatenateDatasets: no datasets given');
  const features = stores[0]!.features;
  stores.forEach((s, i) => {
    if (!featuresEqual(s.features, features) || JSON.stringify(s.columnNames) !== JSON.stringify(Object.keys(features)))
      throw new Error(`concatenateDatasets: dataset ${i} has features ${JSON.stringify(s.features)}, dataset 0 has ${JSON.stringify(features)}`);
  });
  const n = stores.reduce((a, s) => a + s.numRows, 0);
  const cols = new Map<string, unknown[]>();
  for (const name of Object.keys(features)) cols.set(name, stores.flatMap((s) => s.columnSlice(name, 0, s.numRows)));
  return Store.fromEncoded(cols, features, n);
}
