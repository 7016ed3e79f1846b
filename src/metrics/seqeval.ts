// seqeval.ts — seqeval 1.2.2 (seqeval/metrics/sequence_labeling.py and v1.py) and evaluate's
// metrics/seqeval/seqeval.py: entity-level precision / recall / F1 per type and overall, token
// accuracy, classification_report(output_dict=True).  Default mode chunks like conlleval
// (get_entities: an I- without B- opens a chunk, a type switch closes one); mode 'strict' uses a
// scheme (seqeval-scheme.ts), auto-detected from the references when none is given.
import {
  MetricError, emitWarning, checkZeroDivision, comparePy, prfFromCounts,
  type Average, type PrfCounts, type WarningHandler, type ZeroDivision,
} from './common.js';
import { autoDetectScheme, checkScheme, strictEntities, type SeqevalScheme } from './seqeval-scheme.js';

/** Options of seqeval's metrics (evaluate's seqeval compute keywords). */
export interface SeqevalOptions {
  /** the B/I/E/S letter ends the tag ('PER-B') instead of starting it */
  suffix?: boolean;
  /** tagging scheme for mode 'strict' (default: auto-detected from the references) */
  scheme?: SeqevalScheme;
  /** null (default): conlleval-compatible chunking; 'strict': chunks must follow the scheme */
  mode?: 'strict' | null;
  zeroDivision?: ZeroDivision;
  onWarning?: WarningHandler;
}

/** A default-mode chunk: type, first and last (inclusive) index in the flattened sequence. */
export type Chunk = readonly [type: string, start: number, end: number];

function firstChar(s: string): string {
  return String.fromCodePoint(s.codePointAt(0)!);
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/**
 * seqeval's `get_entities` (default mode).  Sentences are joined with an 'O' between them, so
 * indices run over the flattened sequence.  Tags that are neither O nor B-/I-/E-/S- get a
 * warning and are still chunked by their first letter.
 * @example getEntities(['B-PER', 'I-PER', 'O', 'I-LOC']) // [['PER', 0, 1], ['LOC', 3, 3]]
 */
export function getEntities(seq: readonly string[] | readonly (readonly string[])[], opts: { suffix?: boolean; onWarning?: WarningHandler } = {}): Chunk[] {
  const suffix = opts.suffix ?? false;
  const onWarning = opts.onWarning ?? emitWarning;
  const flat: string[] = seq.some((s) => Array.isArray(s))
    ? (seq as readonly (readonly string[])[]).flatMap((s) => [...s, 'O'])
    : [...(seq as readonly string[])];
  flat.push('O');
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  const chunks: Chunk[] = [];
  flat.forEach((chunk, i) => {
    if (typeof chunk !== 'string' || chunk.length === 0) throw new MetricError(`seqeval: tags must be non-empty strings, got ${JSON.stringify(chunk)}`);
    if (!['O', 'B', 'I', 'E', 'S'].includes(chunk) && !(suffix ? /-[BIES]$/ : /^[BIES]-/).test(chunk))
      onWarning(`${chunk} seems not to be NE tag.`);
    let tag: string, type: string;
    if (suffix) {
      const body = chunk.slice(0, chunk.length - ([...chunk].at(-1)!.length));
      tag = chunk.slice(body.length);
      const k = body.lastIndexOf('-');
      type = (k >= 0 ? body.slice(0, k) : body) || '_';
    } else {
      tag = firstChar(chunk);
      const rest = chunk.slice(tag.length);
      const k = rest.indexOf('-');
      type = (k >= 0 ? rest.slice(k + 1) : rest) || '_';
    }
    if (endOfChunk(prevTag, tag, prevType, type)) chunks.push([prevType, begin, i - 1]);
    if (startOfChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  });
  return chunks;
}

/** seqeval's check_consistent_length plus evaluate's non-empty input. */
function checkSequences(yTrue: readonly (readonly string[])[], yPred: readonly (readonly string[])[]): void {
  const lt = yTrue.map((s) => s.length);
  const lp = yPred.map((s) => s.length);
  if (yTrue.length !== yPred.length)
    throw new MetricError(`seqeval: predictions and references differ in length: ${yPred.length} predictions, ${yTrue.length} references`);
  if (yTrue.length === 0) throw new MetricError('seqeval: predictions and references are empty');
  const bad = lt.findIndex((n, i) => n !== lp[i]);
  if (bad >= 0)
    throw new MetricError(`seqeval: sequence ${bad} has ${lp[bad]} predicted tags but ${lt[bad]} reference tags (inconsistent numbers of samples: [${lt.join(', ')}] vs [${lp.join(', ')}])`);
}

/** Entity types (sorted as Python sorts str) and their tp / predicted / true counts. */
function typeCounts(yTrue: readonly (readonly string[])[], yPred: readonly (readonly string[])[], opts: SeqevalOptions, onWarning: WarningHandler): PrfCounts & { names: string[] } {
  const byType = (entities: [string, string][]) => {
    const m = new Map<string, Set<string>>();
    for (const [type, key] of entities) {
      if (!m.has(type)) m.set(type, new Set());
      m.get(type)!.add(key);
    }
    return m;
  };
  let truth: Map<string, Set<string>>, pred: Map<string, Set<string>>;
  // evaluate resolves the scheme name in either mode; only strict mode uses it
  const named = opts.scheme !== undefined && opts.scheme !== null ? checkScheme(opts.scheme) : undefined;
  if (opts.mode === 'strict') {
    const scheme = named ?? autoDetectScheme(yTrue, opts);
    const ents = (seqs: readonly (readonly string[])[]) => byType(seqs.flatMap((s, k) =>
      strictEntities(s, scheme, { suffix: opts.suffix, sentence: k }).map(([sent, type, a, b]): [string, string] => [type, `${sent},${a},${b}`])));
    truth = ents(yTrue);
    pred = ents(yPred);
  } else {
    if (opts.mode !== undefined && opts.mode !== null) throw new MetricError(`seqeval: mode must be null or 'strict', got ${JSON.stringify(opts.mode)}`);
    const ents = (seqs: readonly (readonly string[])[]) => byType(getEntities(seqs, { suffix: opts.suffix, onWarning }).map(([type, a, b]): [string, string] => [type, `${a},${b}`]));
    truth = ents(yTrue);
    pred = ents(yPred);
  }
  const names = [...new Set([...truth.keys(), ...pred.keys()])].sort(comparePy);
  const empty = new Set<string>();
  const tp = names.map((n) => {
    const p = pred.get(n) ?? empty;
    let c = 0;
    for (const e of truth.get(n) ?? empty) if (p.has(e)) c++;
    return c;
  });
  return { names, tp, pred: names.map((n) => (pred.get(n) ?? empty).size), true: names.map((n) => (truth.get(n) ?? empty).size) };
}

/** Python's default warning filter shows a message once per call site: once per report here. */
function dedupe(onWarning: WarningHandler): WarningHandler {
  const seen = new Set<string>();
  return (m) => {
    if (!seen.has(m)) {
      seen.add(m);
      onWarning(m);
    }
  };
}

/** One row of seqeval's classification_report(output_dict=True). */
export interface ReportRow {
  precision: number;
  recall: number;
  'f1-score': number;
  support: number;
}
/** Rows per entity type (sorted), then 'micro avg', 'macro avg', 'weighted avg'. */
export type ClassificationReport = Record<string, ReportRow>;

/**
 * seqeval's `classification_report(y_true, y_pred, output_dict=True)`: per entity type and the
 * micro / macro / weighted averages (macro is NaN when there are no entities at all, as numpy).
 */
export function classificationReport(yTrue: readonly (readonly string[])[], yPred: readonly (readonly string[])[], opts: SeqevalOptions = {}): ClassificationReport {
  checkSequences(yTrue, yPred);
  const zeroDivision = checkZeroDivision(opts.zeroDivision ?? 'warn');
  const onWarning = dedupe(opts.onWarning ?? emitWarning);
  const counts = typeCounts(yTrue, yPred, opts, onWarning);
  const prf = (average: Average) => prfFromCounts(counts, { average, beta: 1, zeroDivision, onWarning, warnFor: ['precision', 'recall', 'f-score'] });
  const report: ClassificationReport = {};
  const per = prf(null);
  counts.names.forEach((n, i) => {
    report[n] = { precision: (per.precision as number[])[i]!, recall: (per.recall as number[])[i]!, 'f1-score': (per.fscore as number[])[i]!, support: counts.true[i]! };
  });
  for (const average of ['micro', 'macro', 'weighted'] as const) {
    const r = prf(average);
    report[`${average} avg`] = { precision: r.precision as number, recall: r.recall as number, 'f1-score': r.fscore as number, support: r.support as number };
  }
  return report;
}

/**
 * seqeval's `precision_score` / `recall_score` / `f1_score` in one pass: entity-level scores
 * averaged as `average` says (default 'micro'; null gives per-type arrays in sorted type order).
 * @example seqevalScores([['B-PER', 'O']], [['B-PER', 'B-LOC']]) // { precision: 0.5, recall: 1, f1: 0.666… }
 */
export function seqevalScores(yTrue: readonly (readonly string[])[], yPred: readonly (readonly string[])[], opts: SeqevalOptions & { average?: Exclude<Average, 'binary'> } = {}): { precision: number | number[]; recall: number | number[]; f1: number | number[] } {
  checkSequences(yTrue, yPred);
  const average = opts.average === undefined ? 'micro' : opts.average;
  if (!([null, 'micro', 'macro', 'weighted'] as unknown[]).includes(average))
    throw new MetricError(`seqeval: average has to be one of null, 'micro', 'macro', 'weighted'; got ${JSON.stringify(average)}`);
  const zeroDivision = checkZeroDivision(opts.zeroDivision ?? 'warn');
  const onWarning = dedupe(opts.onWarning ?? emitWarning);
  const counts = typeCounts(yTrue, yPred, opts, onWarning);
  const r = prfFromCounts(counts, { average, beta: 1, zeroDivision, onWarning, warnFor: ['precision', 'recall', 'f-score'] });
  return { precision: r.precision, recall: r.recall, f1: r.fscore };
}

/** seqeval's token-level `accuracy_score` over the flattened sequences. */
export function seqevalAccuracy(yTrue: readonly (readonly string[])[], yPred: readonly (readonly string[])[]): number {
  checkSequences(yTrue, yPred);
  let correct = 0, total = 0;
  yTrue.forEach((s, i) => s.forEach((t, j) => {
    total++;
    if (t === yPred[i]![j]) correct++;
  }));
  if (total === 0) throw new MetricError('seqeval: the sequences hold no tags');
  return correct / total;
}

/** Per-type scores in evaluate's seqeval output. */
export interface SeqevalTypeScores {
  precision: number;
  recall: number;
  f1: number;
  number: number;
}
/** evaluate's seqeval output: one entry per entity type plus the overall_* numbers. */
export type SeqevalOutput = { [type: string]: SeqevalTypeScores | number } & {
  overall_precision: number;
  overall_recall: number;
  overall_f1: number;
  overall_accuracy: number;
};

/**
 * evaluate's seqeval metric: classification_report per type (precision, recall, f1, number =
 * support) and overall micro-averaged precision / recall / f1 plus token accuracy.
 * @example
 * seqeval([['B-PER', 'I-PER', 'O']], [['B-PER', 'I-PER', 'O']])
 * // { PER: { precision: 1, recall: 1, f1: 1, number: 1 }, overall_precision: 1, ... }
 */
export function seqeval(predictions: readonly (readonly string[])[], references: readonly (readonly string[])[], opts: SeqevalOptions = {}): SeqevalOutput {
  const report = classificationReport(references, predictions, opts);
  const out: Record<string, SeqevalTypeScores | number> = {};
  for (const [name, row] of Object.entries(report)) {
    if (name === 'micro avg' || name === 'macro avg' || name === 'weighted avg') continue;
    out[name] = { precision: row.precision, recall: row.recall, f1: row['f1-score'], number: row.support };
  }
  const micro = report['micro avg']!;
  out.overall_precision = micro.precision;
  out.overall_recall = micro.recall;
  out.overall_f1 = micro['f1-score'];
  out.overall_accuracy = seqevalAccuracy(references, predictions);
  return out as SeqevalOutput;
}
