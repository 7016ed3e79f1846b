// src/data/loaders/csv.ts — CSV/TSV with a header line and pandas-like column typing. Mirrors
// datasets/packaged_modules/csv/csv.py (pandas.read_csv): empty fields are missing values, a
// column of integers is int64 (float64 when some are missing, as pandas), decimals float64,
// True/False bool, anything else string; an empty header is "Unnamed: i", duplicates "a.1".
import { parse } from 'csv-parse/sync';
import { type Features, Value } from '../features.js';
import { type Builder, type FormatOptions, type ParsedFile, decodeText } from './types.js';

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;
const BOOL = /^(?:true|false)$/i;

/** Types one column of raw strings (null = empty field), as pandas would. */
export function typeCsvColumn(raw: (string | null)[]): { values: unknown[]; feature: Value } {
  const present = raw.filter((v): v is string => v !== null);
  if (present.length === 0) return { values: raw, feature: new Value(raw.length ? 'float64' : 'string') }; // pandas: all-NaN is float64
  if (present.every((v) => INT.test(v) && Number.isSafeInteger(Number(v)))) {
    // pandas stores an int column with missing values as float64 (NaN); we keep null for the missing ones.
    return { values: raw.map((v) => (v === null ? null : Number(v))), feature: new Value(present.length === raw.length ? 'int64' : 'float64') };
  }
  if (present.every((v) => FLOAT.test(v.trim()))) {
    const values = raw.map((v) => (v === null ? null : parseFloat(v.trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'))));
    return { values, feature: new Value('float64') };
  }
  if (present.every((v) => BOOL.test(v))) return { values: raw.map((v) => (v === null ? null : v.toLowerCase() === 'true')), feature: new Value('bool') };
  return { values: raw, feature: new Value('string') };
}

/** pandas' header cleanup: '' -> 'Unnamed: i', repeated names get '.1', '.2'. */
function headerNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((h, i) => {
    let name = h === '' ? `Unnamed: ${i}` : h;
    const k = seen.get(name);
    seen.set(name, (k ?? 0) + 1);
    if (k !== undefined) name = `${name}.${k}`;
    return name;
  });
}

/** Parses CSV/TSV text into typed columns; parse errors name `file` and the line. */
export function parseCsv(text: string, file: string, opts: FormatOptions): ParsedFile {
  const delimiter = opts.delimiter ?? opts.sep ?? ',';
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      delimiter,
      quote: opts.quoting === false ? false : '"',
      relax_column_count: false,
      skip_empty_lines: true,
      relax_quotes: opts.quoting === false,
    }) as string[][];
  } catch (e) {
    // csv-parse reports the physical line ("... on line 12"): name the file too.
    throw new Error(`${file}: ${(e as Error).message}${(e as { code?: string }).code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' ? ' (ragged row: every row needs as many fields as the header)' : ''}`);
  }
  const header = opts.header ?? opts.columnNames === undefined;
  let names: string[];
  if (header) {
    const h = records.shift();
    if (h === undefined) return { columns: new Map(), numRows: 0, features: {} };
    names = headerNames(h);
  } else {
    names = opts.columnNames ?? Array.from({ length: records[0]?.length ?? 0 }, (_, i) => String(i));
  }
  if (opts.columnNames && header) names = opts.columnNames;
  if (records.length > 0 && records[0]!.length !== names.length)
    throw new Error(`${file}: ${names.length} column names for rows of ${records[0]!.length} fields`);
  const columns = new Map<string, unknown[]>();
  const features: Features = {};
  names.forEach((name, j) => {
    const typed = typeCsvColumn(records.map((r) => (r[j] === '' ? null : r[j]!)));
    columns.set(name, typed.values);
    features[name] = typed.feature;
  });
  return { columns, numRows: records.length, features };
}

/** loadDataset('csv'): .tsv files default to a tab delimiter. */
export const csvBuilder: Builder = {
  extensions: ['.csv', '.tsv', '.csv.gz', '.tsv.gz'],
  parse: (bytes, file, opts) => {
    const o = { ...opts };
    if (o.delimiter === undefined && o.sep === undefined && /\.tsv(\.gz)?$/.test(file)) o.delimiter = '\t';
    return parseCsv(decodeText(bytes), file, o);
  },
};
