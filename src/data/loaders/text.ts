// src/data/loaders/text.ts — plain text: one row per line in column "text" (or per paragraph, or
// the whole document). Mirrors datasets/packaged_modules/text/text.py: universal newlines, no
// trailing empty row, empty lines inside the file kept as empty strings.
import { Value } from '../features.js';
import { type Builder, type FormatOptions, type ParsedFile, decodeText } from './types.js';

/** Splits text into rows per line (default), paragraph or document, in column "text". */
export function parseText(text: string, opts: FormatOptions): ParsedFile {
  const t = text.replace(/\r\n?/g, '\n'); // Python's universal newlines
  let rows: string[];
  switch (opts.sampleBy ?? 'line') {
    case 'document':
      rows = t.length ? [t] : [];
      break;
    case 'paragraph':
      rows = t.split(/\n{2,}/).filter((p) => p.trim() !== '').map((p) => (opts.keepLinebreaks ? p : p.replace(/\n+$/, '')));
      break;
    case 'line': {
      const parts = t.split('\n');
      if (parts[parts.length - 1] === '') parts.pop(); // the final newline ends the last line, it starts no new one
      rows = opts.keepLinebreaks ? parts.map((p, i) => (i < parts.length - 1 || t.endsWith('\n') ? `${p}\n` : p)) : parts;
      break;
    }
    default:
      throw new Error(`text: sampleBy must be 'line', 'paragraph' or 'document', got '${String(opts.sampleBy)}'`);
  }
  return { columns: new Map([['text', rows]]), numRows: rows.length, features: { text: new Value('string') } };
}

/** loadDataset('text'); .gz files are decompressed. */
export const textBuilder: Builder = {
  extensions: ['.txt', '.txt.gz', '.text'],
  parse: (bytes, _file, opts) => parseText(decodeText(bytes), opts),
};
