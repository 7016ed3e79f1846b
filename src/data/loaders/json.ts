// src/data/loaders/json.ts — JSON Lines, a JSON array of records, or an object with the records
// under `field`. Mirrors datasets/packaged_modules/json/json.py (JSON Lines first, whole-file
// JSON as the fallback; a column of scalars is named "text").
import { type Builder, type ParsedFile, decodeText, rowsToColumns } from './types.js';

/** Line and column (1-based) of a character offset. */
function lineCol(text: string, pos: number): string {
  let line = 1, last = -1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) (line++, (last = i));
  return `line ${line}, column ${pos - last}`;
}

function jsonError(text: string, file: string, e: Error): Error {
  const m = /position (\d+)/.exec(e.message);
  return new SyntaxError(`${file}: invalid JSON${m ? ` at ${lineCol(text, Number(m[1]))}` : ''}: ${e.message}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Records from a parsed JSON value: an array of objects, an array of scalars (-> "text"), or a dict of columns. */
function fromValue(v: unknown, file: string, what: string): ParsedFile {
  if (Array.isArray(v)) {
    if (v.every(isPlainObject)) return { columns: rowsToColumns(v), numRows: v.length };
    if (v.every((x) => !isPlainObject(x))) return { columns: new Map([['text', v]]), numRows: v.length };
    throw new TypeError(`${file}: ${what} mixes objects and non-objects`);
  }
  if (isPlainObject(v)) {
    const vals = Object.values(v);
    if (vals.length > 0 && vals.every(Array.isArray)) {
      const lens = new Set(vals.map((a) => (a as unknown[]).length));
      if (lens.size > 1) throw new Error(`${file}: ${what} is a dict of columns with different lengths: ${Object.entries(v).map(([k, a]) => `${k}: ${(a as unknown[]).length}`).join(', ')}`);
      return { columns: new Map(Object.entries(v) as [string, unknown[]][]), numRows: (vals[0] as unknown[]).length };
    }
    return { columns: rowsToColumns([v]), numRows: 1 }; // one object = one row, as pyarrow's JSON reader
  }
  throw new TypeError(`${file}: ${what} is ${JSON.stringify(v)?.slice(0, 40)}, expected records`);
}

/** Parses JSON Lines: one object per non-blank line; errors name the file and line. */
function parseLines(text: string, file: string): ParsedFile | { error: Error } {
  const rows: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message);
      return { error: new SyntaxError(`${file}:${i + 1}: malformed JSON Lines record${m ? ` at column ${Number(m[1]) + 1}` : ''}: ${(e as Error).message}`) };
    }
    if (!isPlainObject(v)) return { error: new TypeError(`${file}:${i + 1}: expected a JSON object per line, got ${Array.isArray(v) ? 'an array' : JSON.stringify(v).slice(0, 40)}`) };
    rows.push(v);
  }
  return { columns: rowsToColumns(rows), numRows: rows.length };
}

/** Parses JSON Lines, a JSON array, or (with `field`) the records under a key. */
export function parseJson(text: string, file: string, field?: string): ParsedFile {
  if (field !== undefined) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw jsonError(text, file, e as Error);
    }
    if (!isPlainObject(v) || !(field in v))
      throw new Error(`${file}: field '${field}' not found; top-level ${isPlainObject(v) ? `keys: ${JSON.stringify(Object.keys(v))}` : 'value is not an object'}`);
    return fromValue(v[field], file, `field '${field}'`);
  }
  const t = text.trimStart();
  if (t.startsWith('[')) {
    try {
      return fromValue(JSON.parse(t), file, 'the JSON array');
    } catch (e) {
      if (e instanceof SyntaxError && !e.message.startsWith(file)) throw jsonError(t, file, e);
      throw e;
    }
  }
  const lines = parseLines(text, file);
  if (!('error' in lines)) return lines;
  // Not JSON Lines: maybe one pretty-printed JSON document (HF falls back the same way).
  try {
    return fromValue(JSON.parse(text), file, 'the JSON document');
  } catch {
    throw lines.error;
  }
}

/** loadDataset('json'). */
export const jsonBuilder: Builder = {
  extensions: ['.json', '.jsonl', '.json.gz', '.jsonl.gz'],
  parse: (bytes, file, opts) => parseJson(decodeText(bytes), file, opts.field),
};
