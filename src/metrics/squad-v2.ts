// squad-v2.ts — the official SQuAD v2.0 scoring (evaluate metrics/squad_v2/compute_score.py and
// squad_v2.py): unanswerable questions (empty answers.text) score 1 only for an empty
// prediction; a prediction whose no_answer_probability exceeds no_answer_threshold counts as
// "no answer"; HasAns_* / NoAns_* split the totals; best_* pick the threshold that maximises
// the score (find_best_thresh).
import { MetricError, pySplit } from './common.js';
import { commonTokenCount, normalizeAnswer, predictionMap, type SquadReference } from './squad.js';

/** A prediction as evaluate's squad_v2 metric takes it. */
export interface SquadV2Prediction {
  id: string;
  prediction_text: string;
  /** probability that the question has no answer (default 0.0, as the script without a na-prob file) */
  no_answer_probability?: number;
}

/** evaluate's squad_v2 output (scores in percent; HasAns_* / NoAns_* only when such questions exist). */
export interface SquadV2Output {
  exact: number;
  f1: number;
  total: number;
  HasAns_exact?: number;
  HasAns_f1?: number;
  HasAns_total?: number;
  NoAns_exact?: number;
  NoAns_f1?: number;
  NoAns_total?: number;
  best_exact: number;
  best_exact_thresh: number;
  best_f1: number;
  best_f1_thresh: number;
}

/** get_tokens: no tokens for an empty string, else the normalised words. */
function getTokens(s: string): string[] {
  return s ? pySplit(normalizeAnswer(s)) : [];
}

/** SQuAD v2 compute_exact: 1 when equal after normalisation. */
export function computeExact(gold: string, pred: string): number {
  return normalizeAnswer(gold) === normalizeAnswer(pred) ? 1 : 0;
}

/** SQuAD v2 compute_f1: token-bag F1; if either side has no tokens, 1 when both have none. */
export function computeF1(gold: string, pred: string): number {
  const goldToks = getTokens(gold);
  const predToks = getTokens(pred);
  if (goldToks.length === 0 || predToks.length === 0) return goldToks.length === predToks.length ? 1 : 0;
  const numSame = commonTokenCount(goldToks, predToks);
  if (numSame === 0) return 0;
  const precision = (1.0 * numSame) / predToks.length;
  const recall = (1.0 * numSame) / goldToks.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Python's left-to-right sum() over the ids. */
function sumOver(scores: Map<string, number>, ids: readonly string[]): number {
  let s = 0;
  for (const id of ids) s += scores.get(id)!;
  return s;
}

/** find_best_thresh: sweep the questions by rising no-answer probability. */
function findBestThresh(preds: Map<string, string>, scores: Map<string, number>, naProbs: Map<string, number>, hasAns: Map<string, boolean>): [number, number] {
  let numNoAns = 0;
  for (const v of hasAns.values()) if (!v) numNoAns++;
  let cur = numNoAns;
  let best = cur;
  let bestThresh = 0.0;
  // a stable sort, as Python's sorted()
  const ids = [...naProbs.keys()].sort((a, b) => (naProbs.get(a)! < naProbs.get(b)! ? -1 : naProbs.get(a)! > naProbs.get(b)! ? 1 : 0));
  for (const id of ids) {
    if (!scores.has(id)) continue;
    const diff = hasAns.get(id) ? scores.get(id)! : preds.get(id) ? -1 : 0;
    cur += diff;
    if (cur > best) {
      best = cur;
      bestThresh = naProbs.get(id)!;
    }
  }
  return [(100.0 * best) / scores.size, bestThresh];
}

/**
 * evaluate's squad_v2 metric.  Every reference id needs a prediction (the official script fails
 * with a KeyError otherwise; here a MetricError names the ids).
 * @example
 * squadV2([{ id: 'q', prediction_text: '', no_answer_probability: 0.9 }],
 *         [{ id: 'q', answers: { text: [], answer_start: [] } }])
 * // { exact: 100, f1: 100, total: 1, NoAns_exact: 100, ..., best_f1_thresh: 0 }
 */
export function squadV2(predictions: readonly SquadV2Prediction[], references: readonly SquadReference[], opts: { noAnswerThreshold?: number } = {}): SquadV2Output {
  const threshold = opts.noAnswerThreshold ?? 1.0;
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new MetricError(`squad_v2: noAnswerThreshold must be a number, got ${String(threshold)}`);
  const byId = predictionMap('squad_v2', predictions, references);
  const naProbs = new Map<string, number>();
  const preds = new Map<string, string>();
  for (const p of predictions) {
    const na = p.no_answer_probability ?? 0.0;
    if (typeof na !== 'number' || Number.isNaN(na)) throw new MetricError(`squad_v2: no_answer_probability of ${p.id} must be a number, got ${String(na)}`);
    naProbs.set(p.id, na);
    preds.set(p.id, byId.get(p.id)!.prediction_text);
  }
  const hasAns = new Map<string, boolean>();
  for (const qa of references) hasAns.set(qa.id, qa.answers.text.length > 0);
  const missing = [...hasAns.keys()].filter((id) => !preds.has(id));
  if (missing.length > 0) throw new MetricError(`squad_v2: no prediction for question id(s) ${missing.join(', ')}`);

  // get_raw_scores: gold answers that normalise to '' are dropped; unanswerable -> ['']
  const exactRaw = new Map<string, number>();
  const f1Raw = new Map<string, number>();
  for (const qa of references) {
    let golds = qa.answers.text.filter((t) => normalizeAnswer(t));
    if (golds.length === 0) golds = [''];
    const pred = preds.get(qa.id)!;
    exactRaw.set(qa.id, Math.max(...golds.map((g) => computeExact(g, pred))));
    f1Raw.set(qa.id, Math.max(...golds.map((g) => computeF1(g, pred))));
  }
  const applyThreshold = (scores: Map<string, number>) => {
    const out = new Map<string, number>();
    for (const [id, s] of scores) out.set(id, naProbs.get(id)! > threshold ? (hasAns.get(id) ? 0 : 1) : s);
    return out;
  };
  const exactT = applyThreshold(exactRaw);
  const f1T = applyThreshold(f1Raw);
  const allIds = [...exactT.keys()];
  const hasIds = [...hasAns.keys()].filter((id) => hasAns.get(id));
  const noIds = [...hasAns.keys()].filter((id) => !hasAns.get(id));
  const evalDict = (ids: readonly string[]) => ({
    exact: (100.0 * sumOver(exactT, ids)) / ids.length,
    f1: (100.0 * sumOver(f1T, ids)) / ids.length,
    total: ids.length,
  });
  // key order as the script's OrderedDict: totals, HasAns_*, NoAns_*, best_*
  const ordered: Record<string, number> = evalDict(allIds);
  if (hasIds.length > 0) {
    const e = evalDict(hasIds);
    Object.assign(ordered, { HasAns_exact: e.exact, HasAns_f1: e.f1, HasAns_total: e.total });
  }
  if (noIds.length > 0) {
    const e = evalDict(noIds);
    Object.assign(ordered, { NoAns_exact: e.exact, NoAns_f1: e.f1, NoAns_total: e.total });
  }
  [ordered.best_exact, ordered.best_exact_thresh] = findBestThresh(preds, exactRaw, naProbs, hasAns);
  [ordered.best_f1, ordered.best_f1_thresh] = findBestThresh(preds, f1Raw, naProbs, hasAns);
  return ordered as unknown as SquadV2Output;
}
