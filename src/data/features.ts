// src/data/features.ts — the typed schema of a Dataset: Value, ClassLabel, List, nested dicts.
// Mirrors datasets/features/features.py as of datasets >= 4: `Sequence(dict)` is a dict of Lists
// (the TFDS compatibility rule), `Sequence(x)` otherwise is `List(x)`. JSON is HF's
// `Features.to_dict()` format, so dataset_info.json and Arrow schema metadata interoperate.
import { inspect } from 'node:util';

/** HF dtype names (datasets `Value(dtype)`), as pyarrow spells them. */
export type Dtype =
  | 'null' | 'bool'
  | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'float32' | 'float64'
  | 'string' | 'large_string';

const DTYPES: readonly Dtype[] = ['null', 'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'float32', 'float64', 'string', 'large_string'];
// HF's Value.__post_init__ aliases.
const DTYPE_ALIASES: Record<string, Dtype> = { double: 'float64', float: 'float32' };

/** A scalar column: `new Value('string')`, `new Value('int64')`, ... */
export class Value {
  readonly dtype: Dtype;
  constructor(dtype: Dtype | 'float' | 'double') {
    const d = DTYPE_ALIASES[dtype] ?? dtype;
    if (!DTYPES.includes(d as Dtype))
      throw new TypeError(`Value: unknown dtype '${dtype}'; supported: ${DTYPES.join(', ')}`);
    this.dtype = d as Dtype;
  }
  toJSON(): { dtype: Dtype; _type: 'Value' } {
    return { dtype: this.dtype, _type: 'Value' };
  }
  toString(): string {
    return `Value('${this.dtype}')`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Integer class labels with names, stored as int64 (HF). -1 means "no label" (GLUE test splits).
 * @example new ClassLabel({ names: ['neg', 'pos'] }).str2int('pos') // 1
 */
export class ClassLabel {
  readonly names: readonly string[];
  private readonly index: Map<string, number>;
  constructor(opts: { names?: readonly string[]; numClasses?: number }) {
    let names = opts.names;
    if (names === undefined) {
      if (opts.numClasses === undefined) throw new TypeError('ClassLabel: give names or numClasses');
      names = Array.from({ length: opts.numClasses }, (_, i) => String(i));
    } else if (opts.numClasses !== undefined && opts.numClasses !== names.length) {
      throw new TypeError(`ClassLabel: numClasses ${opts.numClasses} != ${names.length} names`);
    }
    this.names = Object.freeze([...names].map(String));
    this.index = new Map(this.names.map((n, i) => [n, i]));
    if (this.index.size !== this.names.length) {
      const dup = this.names.filter((n, i) => this.names.indexOf(n) !== i);
      throw new TypeError(`ClassLabel: duplicate names ${JSON.stringify([...new Set(dup)])}`);
    }
  }
  get numClasses(): number {
    return this.names.length;
  }
  /** Name -> id. Like HF it also accepts a surrounding-whitespace variant or a numeric string. */
  str2int(value: string): number;
  str2int(values: readonly string[]): number[];
  str2int(v: string | readonly string[]): number | number[] {
    if (typeof v !== 'string') return v.map((x) => this.str2int(x));
    const id = this.index.get(v) ?? this.index.get(v.trim());
    if (id !== undefined) return id;
    if (/^\s*-?\d+\s*$/.test(v)) {
      const n = Number(v);
      if (n >= -1 && n < this.numClasses) return n;
    }
    throw new RangeError(`ClassLabel: '${v}' is not one of the names ${fmtNames(this.names)}`);
  }
  /** Id -> name; throws for ids outside [0, numClasses). */
  int2str(value: number): string;
  int2str(values: readonly number[]): string[];
  int2str(v: number | readonly number[]): string | string[] {
    if (typeof v !== 'number') return v.map((x) => this.int2str(x));
    const name = Number.isInteger(v) ? this.names[v] : undefined;
    if (name === undefined)
      throw new RangeError(`ClassLabel: ${v} is not a valid label id (0..${this.numClasses - 1}) for names ${fmtNames(this.names)}`);
    return name;
  }
  toJSON(): { names: string[]; _type: 'ClassLabel' } {
    return { names: [...this.names], _type: 'ClassLabel' };
  }
  toString(): string {
    return `ClassLabel(names=${fmtNames(this.names)})`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** Names as Python prints a list, truncated for long label sets (error messages stay readable). */
export function fmtNames(names: readonly string[], max = 50): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`).join(', ');
  return `[${shown}${names.length > max ? `, ... (${names.length} names)` : ''}]`;
}

/** A variable-length (length = -1) or fixed-length list of `feature` (Arrow List / FixedSizeList). */
export class List {
  constructor(readonly feature: FeatureType, readonly length = -1) {
    if (!Number.isInteger(length) || length < -1) throw new TypeError(`List: bad length ${length}`);
  }
  toJSON(): { feature: unknown; length?: number; _type: 'List' } {
    const out: { feature: unknown; length?: number; _type: 'List' } = { feature: featureToJSON(this.feature), _type: 'List' };
    if (this.length !== -1) out.length = this.length;
    return out;
  }
  toString(): string {
    const f = featureToString(this.feature);
    return this.length === -1 ? `List(${f})` : `List(${f}, length=${this.length})`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** One column's type. A plain object is a struct (HF: a dict of features). */
export type FeatureType = Value | ClassLabel | List | FeatureDict;
/** A struct of named features; the top-level `Features` of a dataset is one (key order = column order). */
export interface FeatureDict {
  [name: string]: FeatureType;
}
/** The features of a dataset: column name -> feature, in column order. */
export type Features = FeatureDict;

/**
 * HF's `Sequence`: `List(feature)`, except that a dict feature becomes a dict of Lists
 * (`Sequence({text: Value('string')})` -> `{text: List(Value('string'))}`, squad's `answers`).
 */
export function Sequence(feature: FeatureType, length = -1): List | FeatureDict {
  if (isFeatureDict(feature) && Object.values(feature).some((f) => !(f instanceof List))) {
    return Object.fromEntries(Object.entries(feature).map(([k, f]) => [k, new List(f, length)]));
  }
  return new List(feature, length);
}

/** True for a struct feature (a plain object of features). */
export function isFeatureDict(f: unknown): f is FeatureDict {
  return typeof f === 'object' && f !== null && !(f instanceof Value) && !(f instanceof ClassLabel) && !(f instanceof List) && !Array.isArray(f);
}

/** HF `Features.to_dict()` JSON of one feature. */
export function featureToJSON(f: FeatureType): unknown {
  if (isFeatureDict(f)) return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, featureToJSON(v)]));
  return f.toJSON();
}

/** HF `Features.to_dict()` JSON of a dataset's features (dataset_info.json, Arrow metadata). */
export function featuresToJSON(features: Features): Record<string, unknown> {
  return featureToJSON(features) as Record<string, unknown>;
}

/**
 * Parses HF feature JSON: current (`_type: List`) and legacy forms (`_type: Sequence`,
 * `LargeList`, a JSON array `[feature]`, ClassLabel with only `num_classes`, `id: null` keys).
 */
export function featureFromJSON(obj: unknown, path = 'features'): FeatureType {
  if (Array.isArray(obj)) {
    if (obj.length !== 1) throw new TypeError(`${path}: a list feature must have exactly one element, got ${obj.length}`);
    return new List(featureFromJSON(obj[0], `${path}[0]`));
  }
  if (typeof obj !== 'object' || obj === null) throw new TypeError(`${path}: expected a feature object, got ${JSON.stringify(obj)}`);
  const o = obj as Record<string, unknown>;
  const type = o._type;
  if (typeof type !== 'string') {
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, featureFromJSON(v, `${path}.${k}`)]));
  }
  const length = typeof o.length === 'number' ? o.length : -1;
  switch (type) {
    case 'Value':
      return new Value(o.dtype as Dtype);
    case 'ClassLabel':
      return new ClassLabel({ names: o.names as string[] | undefined, numClasses: (o.num_classes as number | null) ?? undefined });
    case 'List':
    case 'LargeList':
      return new List(featureFromJSON(o.feature, `${path}.feature`), length);
    case 'Sequence':
      return Sequence(featureFromJSON(o.feature, `${path}.feature`), length);
    default:
      throw new TypeError(`${path}: feature type '${type}' is not supported (Value, ClassLabel, List, Sequence, dict)`);
  }
}

/** Parses a dataset's features from HF JSON (see featureFromJSON). */
export function featuresFromJSON(obj: unknown): Features {
  const f = featureFromJSON(obj);
  if (!isFeatureDict(f)) throw new TypeError('features: the top level must be a dict of columns');
  return f;
}

/** Python-like repr: `{'text': Value('string'), 'label': ClassLabel(names=['neg', 'pos'])}`. */
export function featureToString(f: FeatureType): string {
  if (isFeatureDict(f)) return `{${Object.entries(f).map(([k, v]) => `'${k}': ${featureToString(v)}`).join(', ')}}`;
  return f.toString();
}

/** Same types (compared through their HF JSON). */
export function featuresEqual(a: FeatureType, b: FeatureType): boolean {
  return JSON.stringify(featureToJSON(a)) === JSON.stringify(featureToJSON(b));
}

/** The feature of a (possibly nested, dot-separated after `flatten`) column, or throws naming the columns. */
export function columnFeature(features: Features, name: string): FeatureType {
  const f = features[name];
  if (f === undefined || !Object.prototype.hasOwnProperty.call(features, name)) throw missingColumn(name, Object.keys(features));
  return f;
}

/** The error for a column that does not exist, listing those that do. */
export function missingColumn(name: string, existing: readonly string[], what = 'Column'): Error {
  return new Error(`${what} '${name}' not in the dataset. Current columns in the dataset: ${JSON.stringify(existing)}`);
}

/** Walks a feature tree replacing leaves (`fn` returns a replacement or undefined to recurse). */
export function mapFeature(f: FeatureType, fn: (f: FeatureType) => FeatureType | undefined): FeatureType {
  const r = fn(f);
  if (r !== undefined) return r;
  if (isFeatureDict(f)) return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, mapFeature(v, fn)]));
  if (f instanceof List) return new List(mapFeature(f.feature, fn), f.length);
  return f;
}
