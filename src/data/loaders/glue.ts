// src/data/loaders/glue.ts — GLUE task TSVs as HF's glue dataset. MRPC: header
// `Quality #1 ID #2 ID #1 String #2 String` (test: `index ...` without labels) -> sentence1,
// sentence2, label (ClassLabel not_equivalent/equivalent; -1 on test), idx (int32). Mirrors
// datasets/glue/glue.py, which reads these files with quoting disabled: MRPC sentences contain
// unbalanced double quotes, so a quote is an ordinary character here.
import { ClassLabel, Value, type Features } from '../features.js';
import { parseCsv } from './csv.js';
import { type Builder, type FormatOptions, type ParsedFile, decodeText } from './types.js';

interface GlueTask {
  features: () => Features;
  rows: (cols: Map<string, unknown[]>, n: number, file: string) => Map<string, unknown[]>;
}

function need(cols: Map<string, unknown[]>, name: string, file: string): unknown[] {
  const c = cols.get(name);
  if (!c) throw new Error(`${file}: no column '${name}' (header has ${JSON.stringify([...cols.keys()])})`);
  return c;
}

const TASKS: Record<string, GlueTask> = {
  mrpc: {
    features: () => ({
      sentence1: new Value('string'),
      sentence2: new Value('string'),
      label: new ClassLabel({ names: ['not_equivalent', 'equivalent'] }),
      idx: new Value('int32'),
    }),
    rows: (cols, n, file) => new Map<string, unknown[]>([
      ['sentence1', need(cols, '#1 String', file).map(String)],
      ['sentence2', need(cols, '#2 String', file).map(String)],
      ['label', cols.has('Quality') ? cols.get('Quality')! : new Array<unknown>(n).fill(-1)],
      ['idx', Array.from({ length: n }, (_, i) => i)],
    ]),
  },
};

/** Parses a GLUE task TSV (quoting off) into HF glue columns. */
export function parseGlue(text: string, file: string, opts: FormatOptions): ParsedFile {
  const name = opts.name ?? 'mrpc';
  const task = TASKS[name];
  if (!task) throw new Error(`glue: task '${name}' is not supported; supported: ${JSON.stringify(Object.keys(TASKS))}`);
  const raw = parseCsv(text, file, { delimiter: '\t', quoting: false });
  return { columns: task.rows(raw.columns, raw.numRows, file), numRows: raw.numRows, features: task.features() };
}

/** loadDataset('glue', {name: 'mrpc'}): dataDir defaults to train.tsv / dev.tsv / test.tsv. */
export const glueBuilder: Builder = {
  extensions: ['.tsv'],
  defaultFiles: (opts) => ((opts.name ?? 'mrpc') === 'mrpc' ? { train: 'train.tsv', validation: 'dev.tsv', test: 'test.tsv' } : undefined),
  parse: (bytes, file, opts) => parseGlue(decodeText(bytes), file, opts),
};
