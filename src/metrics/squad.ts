// squad.ts — the official SQuAD v1.1 scoring (evaluate metrics/squad/compute_score.py, called by
// metrics/squad/squad.py): answers normalised (lower-case, no string.punctuation, no articles
// a/an/the, single spaces), exact match and token-bag F1, max over the gold answers, in percent.
// Python semantics kept: `\b` and `str.split()` are Unicode-aware, so they are spelled out below.
import { MetricError, emitWarning, pySplit, type WarningHandler } from './common.js';

/** A prediction as evaluate's squad metric takes it. */
export interface SquadPrediction {
  id: string;
  prediction_text: string;
}
/** A reference as evaluate's squad metrics take it (answer_start is not used by the scoring). */
export interface SquadReference {
  id: string;
  answers: { text: readonly string[]; answer_start?: readonly number[] };
}

// Python's string.punctuation
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
// Python's \b for str patterns: word characters are Unicode letters, digits and '_'
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;
/**
 * SQuAD's normalize_answer: lower-case, drop ASCII punctuation, replace the articles a/an/the
 * by a space, collapse whitespace.
 * @example normalizeAnswer('The  Eiffel-Tower!') // 'eiffeltower'
 */
export function normalizeAnswer(s: string): string {
  let t = s.toLowerCase();
  t = Array.from(t).filter((ch) => !PUNCTUATION.has(ch)).join('');
  t = t.replace(ARTICLES, ' ');
  return pySplit(t).join(' ');
}

/** Token-bag overlap: the size of the multiset intersection (Counter & Counter). */
export function commonTokenCount(a: readonly string[], b: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const t of a) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of b) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  return same;
}

/** SQuAD v1.1 f1_score of one prediction against one gold answer (0..1). */
export function squadF1(prediction: string, groundTruth: string): number {
  const predToks = pySplit(normalizeAnswer(prediction));
  const goldToks = pySplit(normalizeAnswer(groundTruth));
  const numSame = commonTokenCount(predToks, goldToks);
  if (numSame === 0) return 0;
  const precision = (1.0 * numSame) / predToks.length;
  const recall = (1.0 * numSame) / goldToks.length;
  return (2 * precision * recall) / (precision + recall);
}

/** SQuAD v1.1 exact_match_score: equal after normalisation. */
export function squadExactMatch(prediction: string, groundTruth: string): boolean {
  return normalizeAnswer(prediction) === normalizeAnswer(groundTruth);
}

/** Checks the records and maps id → prediction (a later duplicate id wins, as a Python dict). */
export function predictionMap<P extends { id: string; prediction_text: string }>(metric: string, predictions: readonly P[], references: readonly SquadReference[]): Map<string, P> {
  if (!Array.isArray(predictions) || !Array.isArray(references)) throw new MetricError(`${metric}: predictions and references must be arrays`);
  if (predictions.length !== references.length)
    throw new MetricError(`${metric}: predictions and references differ in length: ${predictions.length} predictions, ${references.length} references`);
  if (references.length === 0) throw new MetricError(`${metric}: predictions and references are empty`);
  const preds = new Map<string, P>();
  for (const p of predictions) {
    if (typeof p?.id !== 'string' || typeof p.prediction_text !== 'string')
      throw new MetricError(`${metric}: each prediction needs a string id and prediction_text, got ${JSON.stringify(p)}`);
    preds.set(p.id, p);
  }
  for (const r of references)
    if (typeof r?.id !== 'string' || !Array.isArray(r.answers?.text))
      throw new MetricError(`${metric}: each reference needs a string id and answers.text[], got ${JSON.stringify(r)}`);
  return preds;
}

/**
 * evaluate's squad metric (official v1.1 script): mean exact match and F1 in percent, each the
 * max over the gold answers.  A reference without a prediction scores 0 and gets the script's
 * "Unanswered question … will receive score 0." warning.
 * @example
 * squad([{ id: 'q', prediction_text: 'Denver Broncos' }],
 *       [{ id: 'q', answers: { text: ['Denver Broncos'], answer_start: [0] } }])
 * // { exact_match: 100, f1: 100 }
 */
export function squad(predictions: readonly SquadPrediction[], references: readonly SquadReference[], opts: { onWarning?: WarningHandler } = {}): { exact_match: number; f1: number } {
  const preds = predictionMap('squad', predictions, references);
  const onWarning = opts.onWarning ?? emitWarning;
  let exact = 0, f1 = 0, total = 0;
  for (const qa of references) {
    total += 1;
    const pred = preds.get(qa.id);
    if (pred === undefined) {
      onWarning(`Unanswered question ${qa.id} will receive score 0.`);
      continue;
    }
    const golds = qa.answers.text;
    if (golds.length === 0) throw new MetricError(`squad: question ${qa.id} has no gold answers (SQuAD v1.1 needs at least one; use squad_v2 for unanswerable questions)`);
    exact += golds.some((g) => squadExactMatch(pred.prediction_text, g)) ? 1 : 0;
    f1 += Math.max(...golds.map((g) => squadF1(pred.prediction_text, g)));
  }
  return { exact_match: (100.0 * exact) / total, f1: (100.0 * f1) / total };
}
