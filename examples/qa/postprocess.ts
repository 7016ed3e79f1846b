// examples/qa/postprocess.ts — logits of the windows back to one answer per question: HF's
// postprocess_qa_predictions (transformers examples/pytorch/question-answering/utils_qa.py) with
// version_2_with_negative, n_best_size 20 and max_answer_length 30.
import type { NDArray } from '../../src/trainer/index.js';

/** One validation feature as prepareValidationFeatures writes it. */
export interface QaFeature {
  example_id: string;
  /** (start, end) code-point offsets of context tokens; null for question, special and padding tokens. */
  offset_mapping: ([number, number] | null)[];
}

/** One question: its id and context. */
export interface QaExample { id: string; context: string }

/** The answer chosen for one question. */
export interface QaPrediction {
  id: string;
  /** '' when the null answer wins (version_2_with_negative). */
  prediction_text: string;
  /** The softmax probability of the null answer among the n-best candidates and the null answer. */
  no_answer_probability: number;
  /** The best non-null span, whatever the null score (for span-quality diagnostics). */
  best_span_text: string;
  /** null score minus the best span's score (HF's scores_diff_json). */
  score_diff: number;
}

export interface PostprocessOptions {
  nBestSize?: number;
  maxAnswerLength?: number;
  /** Predict '' when null score - best span score > this (HF null_score_diff_threshold, default 0). */
  nullScoreDiffThreshold?: number;
}

/** The indices of the `k` largest values of row `r` of a (N, L) array, largest first. */
function topK(a: NDArray, r: number, k: number): number[] {
  const L = a.shape[1]!;
  const row = a.data.subarray(r * L, (r + 1) * L);
  return Array.from({ length: L }, (_, i) => i).sort((x, y) => row[y]! - row[x]!).slice(0, k);
}

/**
 * For each example: over all its features, candidate spans (start among the n-best start logits,
 * end among the n-best end logits, both inside the context, end >= start, at most
 * maxAnswerLength tokens) scored start_logit + end_logit; the null score is
 * start_logits[CLS] + end_logits[CLS] (CLS = index 0), the minimum over the features.  The answer
 * is '' when nullScore - bestSpanScore > threshold, else the best span's text.
 * `start` / `end` are the (features, L) logits in feature order (padding positions hold -100).
 */
export function postprocessQaPredictions(
  examples: readonly QaExample[], features: readonly QaFeature[], start: NDArray, end: NDArray, opts: PostprocessOptions = {},
): QaPrediction[] {
  const nBest = opts.nBestSize ?? 20, maxLen = opts.maxAnswerLength ?? 30, thresh = opts.nullScoreDiffThreshold ?? 0;
  if (start.shape[0] !== features.length || end.shape[0] !== features.length)
    throw new RangeError(`postprocess: ${features.length} features but logits of shape [${start.shape}] / [${end.shape}]`);
  const L = start.shape[1]!;
  const byExample = new Map<string, number[]>();
  features.forEach((f, i) => {
    const list = byExample.get(f.example_id);
    if (list) list.push(i); else byExample.set(f.example_id, [i]);
  });
  return examples.map((ex) => {
    type Cand = { text: string; score: number; startLogit: number; endLogit: number; isNull: boolean };
    let nullPred: Cand | null = null;
    const prelim: Cand[] = [];
    const chars = [...ex.context]; // offsets count code points
    for (const fi of byExample.get(ex.id) ?? []) {
      const s0 = start.data[fi * L]!, e0 = end.data[fi * L]!;
      if (nullPred === null || nullPred.score > s0 + e0) nullPred = { text: '', score: s0 + e0, startLogit: s0, endLogit: e0, isNull: true };
      const offs = features[fi]!.offset_mapping;
      const ends = topK(end, fi, nBest);
      for (const si of topK(start, fi, nBest)) {
        for (const ei of ends) {
          if (si >= offs.length || ei >= offs.length || !offs[si] || !offs[ei]) continue;
          if (ei < si || ei - si + 1 > maxLen) continue;
          const sl = start.data[fi * L + si]!, el = end.data[fi * L + ei]!;
          prelim.push({ text: chars.slice(offs[si]![0], offs[ei]![1]).join(''), score: sl + el, startLogit: sl, endLogit: el, isNull: false });
        }
      }
    }
    if (nullPred) prelim.push(nullPred);
    const preds = prelim.sort((a, b) => b.score - a.score).slice(0, nBest);
    if (nullPred && !preds.some((p) => p.isNull)) preds.push(nullPred);
    const max = Math.max(...preds.map((p) => p.score));
    const exps = preds.map((p) => Math.exp(p.score - max));
    const z = exps.reduce((a, b) => a + b, 0);
    const nullProb = preds.reduce((acc, p, i) => acc + (p.isNull ? exps[i]! / z : 0), 0);
    const best = preds.find((p) => !p.isNull && p.text !== '');
    if (!best || !nullPred) return { id: ex.id, prediction_text: '', no_answer_probability: 1, best_span_text: '', score_diff: Infinity };
    const diff = nullPred.score - best.startLogit - best.endLogit;
    return { id: ex.id, prediction_text: diff > thresh ? '' : best.text, no_answer_probability: nullProb, best_span_text: best.text, score_diff: diff };
  });
}

/**
 * Window-level span scores on features with gold positions (the eval-loss features): for windows
 * whose answer is inside, the best span (start + end logit, positions > 0, end - start < maxLen)
 * against the gold token span — exact match and token-overlap F1 in percent — and, for windows
 * labelled [CLS], how often the [CLS] score beats the best span.  A cheap span-learning signal
 * to log at every evaluation (logits of padding positions are -100, never a best span).
 */
export function windowSpanMetrics(start: NDArray, end: NDArray, gold: { start: NDArray; end: NDArray }, maxLen = 30): { span_exact: number; span_f1: number; null_accuracy: number } {
  const [N, L] = start.shape as [number, number];
  let nSpan = 0, exact = 0, f1 = 0, nNull = 0, nullRight = 0;
  for (let r = 0; r < N; r++) {
    const s = start.data.subarray(r * L, (r + 1) * L), e = end.data.subarray(r * L, (r + 1) * L);
    let best = -Infinity, bs = 0, be = 0;
    for (let j = 1; j < L; j++)
      for (let i = Math.max(1, j - maxLen + 1); i <= j; i++) if (s[i]! + e[j]! > best) { best = s[i]! + e[j]!; bs = i; be = j; }
    const gs = gold.start.data[r]!, ge = gold.end.data[r]!;
    if (gs === 0) { nNull++; if (s[0]! + e[0]! > best) nullRight++; continue; }
    nSpan++;
    if (bs === gs && be === ge) exact++;
    const overlap = Math.max(0, Math.min(be, ge) - Math.max(bs, gs) + 1);
    if (overlap > 0) { const p = overlap / (be - bs + 1), rc = overlap / (ge - gs + 1); f1 += (2 * p * rc) / (p + rc); }
  }
  return { span_exact: (100 * exact) / Math.max(1, nSpan), span_f1: (100 * f1) / Math.max(1, nSpan), null_accuracy: (100 * nullRight) / Math.max(1, nNull) };
}
