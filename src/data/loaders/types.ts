// src/data/loaders/types.ts — the contract between loadDataset and one file format (a "builder").
// Mirrors datasets/packaged_modules/*: each builder turns one data file into columns.
import type { Features } from '../features.js';

/** Columns parsed from one file; `features` when the format fixes them (CoNLL, GLUE, SQuAD, parquet). */
export interface ParsedFile {
  columns: Map<string, unknown[]>;
  numRows: number;
  features?: Features;
  /** The features come from HF's own metadata (a Parquet file's `huggingface` key), not the format's types. */
  hfMetadata?: boolean;
}

/** Format options of loadDataset, shared by all builders (each reads the ones it knows). */
export interface FormatOptions {
  /** json: the key holding the records (`{"data": [...]}` -> field: 'data'). */
  field?: string;
  /** csv: field separator (default ','; '\t' for TSV). `sep` is pandas' alias. */
  delimiter?: string;
  sep?: string;
  /** csv: false disables quote handling (HF/GLUE `quoting=csv.QUOTE_NONE`, needed for MRPC). Default true. */
  quoting?: boolean;
  /** csv: column names to use instead of a header line. */
  columnNames?: string[];
  /** csv: whether the first line is a header (default true unless columnNames are given). */
  header?: boolean;
  /** text: keep '\n' at line ends (default false). */
  keepLinebreaks?: boolean;
  /** text: one row per line (default), paragraph (blank-line separated) or whole document. */
  sampleBy?: 'line' | 'paragraph' | 'document';
  /** conll2003: rewrite IOB1 chunk/NER tags to IOB2 (default true; a no-op on IOB2 data). */
  toIob2?: boolean;
  /** glue: the task ('mrpc'). */
  name?: string;
}

/** One file format: how to find its files in a folder and how to parse one. */
export interface Builder {
  /** File name endings this builder reads when files are found by folder (dataDir). */
  extensions: readonly string[];
  /** Split -> file name inside dataDir for a known layout (conll2003, glue/mrpc). */
  defaultFiles?: (opts: FormatOptions) => Readonly<Record<string, string>> | undefined;
  parse(bytes: Buffer, file: string, opts: FormatOptions): ParsedFile | Promise<ParsedFile>;
}

/** Columns from rows: keys in first-seen order, missing values null. */
export function rowsToColumns(rows: readonly Record<string, unknown>[]): Map<string, unknown[]> {
  const cols = new Map<string, unknown[]>();
  rows.forEach((r, i) => {
    for (const k of Object.keys(r)) if (!cols.has(k)) cols.set(k, new Array<unknown>(i).fill(null));
    for (const [k, col] of cols) col.push(r[k] ?? null);
  });
  return cols;
}

/** Text of a file without a UTF-8 byte order mark (MRPC's TSVs start with one). */
export function decodeText(bytes: Buffer): string {
  const s = bytes.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}
