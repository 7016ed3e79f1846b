// qa-decode.ts — answer-span selection of transformers 4.47 pipelines/question_answering.py
// (select_starts_ends, decode_spans) as pure functions over one window's start/end logits:
// tokens outside the context are masked, start and end get a softmax each, a span scores
// start_prob * end_prob, and the [CLS] (position 0) product is the null answer's score.

/** The spans kept from one window and the running null-answer score. */
export interface SpanSelection {
  /** Token positions (in the window) of each kept span, best first. */
  starts: number[];
  ends: number[];
  /** start_prob * end_prob of each span. */
  scores: number[];
  /** min over windows so far of p_start[0] * p_end[0] (only lowered with handleImpossibleAnswer). */
  minNullScore: number;
}

/** Softmax of a row (numpy: max subtracted, then divided by the sum). */
function softmaxInPlace(x: Float64Array): void {
  let m = -Infinity;
  for (const v of x) if (v > m) m = v;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] = Math.exp(x[i]! - m));
  for (let i = 0; i < x.length; i++) x[i]! /= s;
}

/**
 * HF decode_spans: the topk (start, end) pairs of the outer product start ⊗ end restricted to
 * start <= end <= start + maxAnswerLen - 1, best first (ties: lower flat index first; numpy
 * leaves their order open), then only those whose start and end are both allowed tokens.
 * HF tests membership against `undesired_tokens.nonzero()` of a (1, T) array, whose row indices
 * are all 0, so position 0 counts as allowed whenever any token is.
 * @param start (T) start probabilities; end (T) end probabilities; allowed (T) 1 = may be in the answer.
 */
export function decodeSpans(start: ArrayLike<number>, end: ArrayLike<number>, topk: number, maxAnswerLen: number, allowed: ArrayLike<number>):
  { starts: number[]; ends: number[]; scores: number[] } {
  const T = start.length;
  const score = (s: number, e: number): number => (e >= s && e - s <= maxAnswerLen - 1 ? start[s]! * end[e]! : 0);
  let picked: number[];
  if (topk === 1) {
    let best = 0, bestScore = -Infinity;
    for (let s = 0; s < T; s++) for (let e = 0; e < T; e++) {
      const v = score(s, e);
      if (v > bestScore) { bestScore = v; best = s * T + e; }
    }
    picked = [best];
  } else {
    // Positive scores lie in the band s <= e < s + maxAnswerLen; zeros follow in flat-index order.
    const positive: number[] = [];
    for (let s = 0; s < T; s++) for (let e = s; e < Math.min(T, s + maxAnswerLen); e++) if (score(s, e) > 0) positive.push(s * T + e);
    positive.sort((a, b) => score(Math.floor(b / T), b % T) - score(Math.floor(a / T), a % T) || a - b);
    picked = positive.slice(0, topk);
    for (let f = 0; picked.length < Math.min(topk, T * T) && f < T * T; f++) if (score(Math.floor(f / T), f % T) === 0) picked.push(f);
  }
  const ok = new Set<number>();
  for (let j = 0; j < T; j++) if (allowed[j]) ok.add(j);
  if (ok.size > 0) ok.add(0);
  const out = { starts: [] as number[], ends: [] as number[], scores: [] as number[] };
  for (const f of picked) {
    const s = Math.floor(f / T), e = f % T;
    if (!ok.has(s) || !ok.has(e)) continue;
    out.starts.push(s);
    out.ends.push(e);
    out.scores.push(score(s, e));
  }
  return out;
}

/**
 * HF select_starts_ends for one window: masks tokens with p_mask 1 or attention 0 to -10000,
 * softmaxes start and end logits, lowers minNullScore to p_start[0] * p_end[0] when
 * handleImpossibleAnswer, zeroes position 0, and decodes the spans.
 * @param startLogits (T); endLogits (T); pMask (T) 1 = not in the answer; attentionMask (T) or null.
 */
export function selectStartsEnds(
  startLogits: ArrayLike<number>, endLogits: ArrayLike<number>, pMask: ArrayLike<number>, attentionMask: ArrayLike<number> | null,
  opts: { minNullScore?: number; topK?: number; handleImpossibleAnswer?: boolean; maxAnswerLen?: number } = {},
): SpanSelection {
  const T = startLogits.length;
  const allowed = new Uint8Array(T);
  for (let j = 0; j < T; j++) allowed[j] = Math.abs(pMask[j]! - 1) & (attentionMask === null ? 1 : attentionMask[j]!);
  const start = Float64Array.from(startLogits, (v, j) => (allowed[j] ? v : -10000));
  const end = Float64Array.from(endLogits, (v, j) => (allowed[j] ? v : -10000));
  softmaxInPlace(start);
  softmaxInPlace(end);
  let minNullScore = opts.minNullScore ?? 1000000;
  if (opts.handleImpossibleAnswer) minNullScore = Math.min(minNullScore, start[0]! * end[0]!);
  start[0] = end[0] = 0; // the [CLS] position is the null answer, never a span
  const spans = decodeSpans(start, end, opts.topK ?? 1, opts.maxAnswerLen ?? 15, allowed);
  return { ...spans, minNullScore };
}
