// logits-process.ts — logits processors and warpers (transformers/generation/logits_process.py):
// each maps the next-token scores (B, V) float32 of one decoding step, given the sequences so far
// (B, T) int64, to new scores. Filtered tokens get -inf (HF's filter_value). Processors never
// modify their inputs, except through callInPlace when the caller says it owns the scores. The
// order they run in is buildLogitsProcessors' (processors-list.ts).
import { F, arange, tensor, tidy, where, type Tensor } from '../torch/index.js';

/** One processing step (HF LogitsProcessor.__call__). */
export interface LogitsProcessor {
  /** inputIds (B, T) int64: the sequences so far; scores (B, V) float32 -> processed (B, V). */
  call(inputIds: Tensor, scores: Tensor): Tensor;
  /**
   * The same, writing into `scores` (which the caller owns and will not read again) and returning
   * it: a decode step's column masks without a copy of the (B, V) scores. Optional.
   */
  callInPlace?(inputIds: Tensor, scores: Tensor): Tensor;
}

/** Runs processors in order (HF LogitsProcessorList). */
export class LogitsProcessorList implements LogitsProcessor {
  readonly processors: LogitsProcessor[];
  constructor(processors: LogitsProcessor[] = []) { this.processors = [...processors]; }
  get length(): number { return this.processors.length; }
  push(...p: LogitsProcessor[]): void { this.processors.push(...p); }
  /**
   * `owned`: the caller will not read `scores` again (generate() when it keeps no raw logits), so
   * processors with callInPlace may write into it. A processor that returns a new tensor through
   * call() ends that (its result may be a view of something else).
   */
  call(inputIds: Tensor, scores: Tensor, opts: { owned?: boolean } = {}): Tensor {
    let s = scores, owned = opts.owned ?? false;
    for (const p of this.processors) {
      if (owned && p.callInPlace) { s = p.callInPlace(inputIds, s); continue; }
      const r = p.call(inputIds, s);
      if (r !== s) owned = false;
      s = r;
    }
    return s;
  }
}

const checkMinKeep = (n: number): void => {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`min_tokens_to_keep has to be an integer >= 1, got ${n}`);
};
/** (1, V) bool mask of the given ids (ids outside [0, V) ignored). */
function idMask(ids: readonly number[], scores: Tensor): Tensor {
  const v = scores.size(-1);
  const m = new Uint8Array(v);
  for (const i of ids) if (i >= 0 && i < v) m[i] = 1;
  return tensor(m, { shape: [1, v] }).bool().to(scores.device);
}
/** The distinct ids that are columns of scores (others ignored, as idMask ignores them). */
const columnsIn = (ids: readonly number[], scores: Tensor): number[] => {
  const v = scores.size(-1);
  return [...new Set(ids.filter((i) => i >= 0 && i < v))];
};
/**
 * scores with the columns `ids` set to `value` in every row, out of place: one scatter (a copy of
 * scores and B x k writes) instead of a (1, V) mask built and read by masked_fill over all B x V
 * entries — the same result, ~5x cheaper per decode step at V = 32k. Ids outside the vocabulary
 * are ignored, as idMask ignores them.
 */
function fillIds(scores: Tensor, ids: readonly number[], value: number): Tensor {
  const keep = columnsIn(ids, scores);
  if (keep.length === 0) return scores;
  if (scores.ndim !== 2) return scores.maskedFill(idMask(keep, scores), value);
  const index = tensor(keep, { dtype: 'int64' }).to(scores.device).unsqueeze(0).expand(scores.size(0), keep.length); // (B, k)
  return scores.scatter(1, index, value);
}
/** fillIds in place: one index_fill_ of the k columns, no copy of the scores. */
function fillIds_(scores: Tensor, ids: readonly number[], value: number): Tensor {
  const keep = columnsIn(ids, scores);
  if (keep.length === 0) return scores;
  return scores.indexFill_(scores.ndim - 1, tensor(keep, { dtype: 'int64' }).to(scores.device), value);
}
/** The sequences as host rows (one device-to-host copy). */
function rowsOf(inputIds: Tensor): number[][] {
  const [b, t] = inputIds.shape as [number, number];
  const flat = tidy(() => inputIds.cpu().long().toTypedArray() as BigInt64Array);
  return Array.from({ length: b }, (_, i) => Array.from(flat.subarray(i * t, (i + 1) * t), Number));
}
/** (B, V) bool mask: row r has the ids in sets[r]. */
function rowMask(sets: ReadonlyArray<Iterable<number>>, scores: Tensor): Tensor {
  const [b, v] = scores.shape as [number, number];
  const m = new Uint8Array(b * v);
  sets.forEach((s, r) => { for (const i of s) if (i >= 0 && i < v) m[r * v + i] = 1; });
  return tensor(m, { shape: [b, v] }).bool().to(scores.device);
}

// ---- processors (applied in every mode) ----

/**
 * HF RepetitionPenaltyLogitsProcessor, the CTRL rule: the score of every token already in the
 * sequence (prompt included for decoder-only models) is divided by `penalty` if positive and
 * multiplied by it if negative.
 */
export class RepetitionPenaltyLogitsProcessor implements LogitsProcessor {
  constructor(readonly penalty: number) {
    if (!(penalty > 0)) throw new RangeError(`repetition_penalty has to be a number > 0, got ${penalty}`);
  }
  call(inputIds: Tensor, scores: Tensor): Tensor {
    const v = scores.size(-1);
    // ids beyond the output vocabulary go to a spare column, dropped after (HF)
    const ids = inputIds.clamp(null, v).to(scores.device); // (B, T)
    const wide = F.pad(scores, [0, 1]); // (B, V + 1)
    const seen = wide.gather(1, ids); // (B, T)
    const penalised = where(seen.lt(0), seen.mul(this.penalty), seen.div(this.penalty));
    return wide.scatter(1, ids, penalised).narrow(1, 0, v); // (B, V)
  }
}

/** HF NoRepeatNGramLogitsProcessor: bans every token that would repeat an n-gram of the sequence. */
export class NoRepeatNGramLogitsProcessor implements LogitsProcessor {
  constructor(readonly ngramSize: number) {
    if (!Number.isInteger(ngramSize) || ngramSize <= 0) throw new RangeError(`no_repeat_ngram_size has to be an integer > 0, got ${ngramSize}`);
  }
  /** The tokens banned after `row`: those that followed an earlier occurrence of its last n - 1 tokens. */
  banned(row: readonly number[]): number[] {
    const n = this.ngramSize, t = row.length;
    if (t + 1 < n) return [];
    const out: number[] = [];
    for (let s = 0; s + n <= t; s++) {
      let same = true;
      for (let j = 0; j < n - 1 && same; j++) same = row[s + j] === row[t - n + 1 + j];
      if (same) out.push(row[s + n - 1]!);
    }
    return out;
  }
  call(inputIds: Tensor, scores: Tensor): Tensor {
    if (inputIds.size(1) + 1 < this.ngramSize) return scores;
    return scores.maskedFill(rowMask(rowsOf(inputIds).map((r) => this.banned(r)), scores), -Infinity);
  }
}

/**
 * HF NoBadWordsLogitsProcessor: a one-token bad word is always banned; a longer one bans its
 * last token when the sequence ends with the rest of it. Sequences equal to an EOS id are dropped
 * (HF: banning EOS is min_length's job).
 */
export class NoBadWordsLogitsProcessor implements LogitsProcessor {
  readonly badWords: number[][];
  constructor(badWordsIds: number[][], eosTokenId: number[] | null = null) {
    if (!Array.isArray(badWordsIds) || badWordsIds.length === 0 || badWordsIds.some((s) => !Array.isArray(s) || s.length === 0 || s.some((x) => !Number.isInteger(x) || x < 0)))
      throw new RangeError(`bad_words_ids has to be a non-empty list of non-empty lists of token ids, got ${JSON.stringify(badWordsIds)}`);
    const eos = eosTokenId ?? [];
    this.badWords = badWordsIds.filter((s) => !(s.length === 1 && eos.includes(s[0]!)));
  }
  banned(row: readonly number[]): number[] {
    const out: number[] = [];
    for (const w of this.badWords) {
      const k = w.length - 1;
      if (k > row.length) continue;
      let match = true;
      for (let j = 0; j < k && match; j++) match = row[row.length - k + j] === w[j];
      if (match) out.push(w[k]!);
    }
    return out;
  }
  call(inputIds: Tensor, scores: Tensor): Tensor {
    if (this.badWords.length === 0) return scores;
    const rows = this.badWords.some((w) => w.length > 1) ? rowsOf(inputIds) : Array.from({ length: inputIds.size(0) }, () => []);
    return scores.maskedFill(rowMask(rows.map((r) => this.banned(r)), scores), -Infinity);
  }
}

/** HF MinLengthLogitsProcessor: EOS gets -inf while the sequence (prompt included) is shorter than minLength. */
export class MinLengthLogitsProcessor implements LogitsProcessor {
  constructor(readonly minLength: number, readonly eosTokenId: number[]) {
    if (!Number.isInteger(minLength) || minLength < 0) throw new RangeError(`min_length has to be an integer >= 0, got ${minLength}`);
  }
  call(inputIds: Tensor, scores: Tensor): Tensor {
    if (inputIds.size(-1) >= this.minLength) return scores;
    return fillIds(scores, this.eosTokenId, -Infinity);
  }
  callInPlace(inputIds: Tensor, scores: Tensor): Tensor {
    return inputIds.size(-1) >= this.minLength ? scores : fillIds_(scores, this.eosTokenId, -Infinity);
  }
}

/** HF MinNewTokensLengthLogitsProcessor: EOS gets -inf until minNewTokens tokens follow the prompt. */
export class MinNewTokensLengthLogitsProcessor implements LogitsProcessor {
  constructor(readonly promptLengthToSkip: number, readonly minNewTokens: number, readonly eosTokenId: number[]) {
    if (!Number.isInteger(minNewTokens) || minNewTokens < 0) throw new RangeError(`min_new_tokens has to be an integer >= 0, got ${minNewTokens}`);
  }
  call(inputIds: Tensor, scores: Tensor): Tensor {
    if (inputIds.size(-1) - this.promptLengthToSkip >= this.minNewTokens) return scores;
    return fillIds(scores, this.eosTokenId, -Infinity);
  }
  callInPlace(inputIds: Tensor, scores: Tensor): Tensor {
    return inputIds.size(-1) - this.promptLengthToSkip >= this.minNewTokens ? scores : fillIds_(scores, this.eosTokenId, -Infinity);
  }
}

/** HF ForcedBOSTokenLogitsProcessor: at length 1 only `bosTokenId` can follow (score 0, others -inf). */
export class ForcedBOSTokenLogitsProcessor implements LogitsProcessor {
  constructor(readonly bosTokenId: number) {}
  call(inputIds: Tensor, scores: Tensor): Tensor {
    if (inputIds.size(-1) !== 1) return scores;
    return where(idMask([this.bosTokenId], scores), 0, -Infinity).expand(...scores.shape);
  }
}

/** HF ForcedEOSTokenLogitsProcessor: the last token before maxLength is an EOS. */
export class ForcedEOSTokenLogitsProcessor implements LogitsProcessor {
  constructor(readonly maxLength: number, readonly eosTokenId: number[]) {}
  call(inputIds: Tensor, scores: Tensor): Tensor {
    if (inputIds.size(-1) !== this.maxLength - 1) return scores;
    return where(idMask(this.eosTokenId, scores), 0, -Infinity).expand(...scores.shape);
  }
}

/** HF SuppressTokensLogitsProcessor: these tokens always get -inf. */
export class SuppressTokensLogitsProcessor implements LogitsProcessor {
  constructor(readonly suppressTokens: number[]) {}
  call(_inputIds: Tensor, scores: Tensor): Tensor {
    return fillIds(scores, this.suppressTokens, -Infinity);
  }
  callInPlace(_inputIds: Tensor, scores: Tensor): Tensor {
    return fillIds_(scores, this.suppressTokens, -Infinity);
  }
}

/** HF SuppressTokensAtBeginLogitsProcessor: these tokens get -inf when the sequence is `beginIndex` long. */
export class SuppressTokensAtBeginLogitsProcessor implements LogitsProcessor {
  constructor(readonly beginSuppressTokens: number[], readonly beginIndex: number) {}
  call(inputIds: Tensor, scores: Tensor): Tensor {
    if (inputIds.size(-1) !== this.beginIndex) return scores;
    return fillIds(scores, this.beginSuppressTokens, -Infinity);
  }
  callInPlace(inputIds: Tensor, scores: Tensor): Tensor {
    return inputIds.size(-1) !== this.beginIndex ? scores : fillIds_(scores, this.beginSuppressTokens, -Infinity);
  }
}

/** HF InfNanRemoveLogitsProcessor (4.47): NaN -> 0, +inf -> float32 max, -inf -> float32 min. */
export class InfNanRemoveLogitsProcessor implements LogitsProcessor {
  call(_inputIds: Tensor, scores: Tensor): Tensor {
    const FMAX = 3.4028234663852886e38;
    return scores.nanToNum({ nan: 0, posinf: FMAX, neginf: -FMAX });
  }
}

// ---- warpers (sampling only) ----

/** HF TemperatureLogitsWarper: scores / temperature. */
export class TemperatureLogitsWarper implements LogitsProcessor {
  constructor(readonly temperature: number) {
    if (!(temperature > 0)) throw new RangeError(`temperature has to be a number > 0, got ${temperature}${temperature === 0 ? '; for greedy decoding set do_sample: false' : ''}`);
  }
  call(_inputIds: Tensor, scores: Tensor): Tensor { return scores.div(this.temperature); }
}

/** HF TopKLogitsWarper: keeps the k highest scores (ties with the k-th kept too). */
export class TopKLogitsWarper implements LogitsProcessor {
  readonly topK: number;
  constructor(topK: number, readonly minTokensToKeep = 1) {
    if (!Number.isInteger(topK) || topK <= 0) throw new RangeError(`top_k has to be an integer > 0, got ${topK}`);
    checkMinKeep(minTokensToKeep);
    this.topK = Math.max(topK, minTokensToKeep);
  }
  call(_inputIds: Tensor, scores: Tensor): Tensor {
    const k = Math.min(this.topK, scores.size(-1));
    const kth = scores.topk(k, -1).values.narrow(-1, k - 1, 1); // (B, 1)
    return scores.maskedFill(scores.lt(kth), -Infinity);
  }
}

/**
 * HF TopPLogitsWarper (nucleus): keeps the smallest set of most likely tokens whose probability
 * sums to at least top_p (sorted ascending, a token is dropped while the cumulative probability
 * up to it is <= 1 - top_p), and always the minTokensToKeep most likely.
 */
export class TopPLogitsWarper implements LogitsProcessor {
  constructor(readonly topP: number, readonly minTokensToKeep = 1) {
    if (!(topP >= 0 && topP <= 1)) throw new RangeError(`top_p has to be a number in (0, 1], got ${topP}`);
    checkMinKeep(minTokensToKeep);
  }
  call(_inputIds: Tensor, scores: Tensor): Tensor {
    const v = scores.size(-1);
    const { values, indices } = scores.sort(-1, false); // ascending
    const cum = values.softmax(-1).cumsum(-1); // (B, V)
    let remove = cum.le(1 - this.topP);
    const col = arange(0, v, 1, { dtype: 'int64', device: scores.device }).unsqueeze(0); // (1, V)
    remove = remove.logicalAnd(col.lt(v - this.minTokensToKeep)); // the last minTokensToKeep are kept
    return scores.maskedFill(remove.scatter(1, indices, remove), -Infinity);
  }
}

/**
 * HF MinPLogitsWarper: drops tokens whose probability is below min_p times the top token's, keeping
 * at least minTokensToKeep.
 */
export class MinPLogitsWarper implements LogitsProcessor {
  constructor(readonly minP: number, readonly minTokensToKeep = 1) {
    if (!(minP >= 0 && minP <= 1)) throw new RangeError(`min_p has to be a number in [0, 1], got ${minP}`);
    checkMinKeep(minTokensToKeep);
  }
  call(_inputIds: Tensor, scores: Tensor): Tensor {
    const v = scores.size(-1);
    const probs = scores.softmax(-1);
    const threshold = probs.amax(-1, true).mul(this.minP); // (B, 1)
    const toRemove = probs.lt(threshold);
    const sorted = scores.argsort(-1, true); // descending
    const col = arange(0, v, 1, { dtype: 'int64', device: scores.device }).unsqueeze(0);
    const sortedRemove = toRemove.gather(1, sorted).logicalAnd(col.ge(this.minTokensToKeep));
    return scores.maskedFill(sortedRemove.scatter(1, sorted, sortedRemove), -Infinity);
  }
}

/**
 * HF TypicalLogitsWarper (locally typical sampling): sorts tokens by |-log p - entropy| and keeps
 * them until their probability mass reaches typical_p.
 */
export class TypicalLogitsWarper implements LogitsProcessor {
  constructor(readonly mass: number, readonly minTokensToKeep = 1) {
    if (!(mass > 0 && mass < 1)) throw new RangeError(`typical_p has to be a number in (0, 1), got ${mass}`);
    checkMinKeep(minTokensToKeep);
  }
  call(_inputIds: Tensor, scores: Tensor): Tensor {
    const v = scores.size(-1);
    const logp = scores.logSoftmax(-1);
    const p = logp.exp();
    const plogp = logp.mul(p);
    const ent = plogp.maskedFill(plogp.isnan(), 0).sum(-1, true).neg(); // nansum
    const shifted = logp.neg().sub(ent).abs();
    const { values: sortedScores, indices } = shifted.sort(-1, false);
    const cum = scores.gather(-1, indices).softmax(-1).cumsum(-1);
    const lastInd = cum.lt(this.mass).sum(1, true).clamp(null, v - 1); // (B, 1) int64
    const col = arange(0, v, 1, { dtype: 'int64', device: scores.device }).unsqueeze(0);
    const sortedRemove = sortedScores.gt(sortedScores.gather(1, lastInd)).logicalAnd(col.ge(this.minTokensToKeep));
    return scores.maskedFill(sortedRemove.scatter(1, indices, sortedRemove), -Infinity);
  }
}

/** HF EpsilonLogitsWarper: drops tokens with probability below epsilon (keeping minTokensToKeep). */
export class EpsilonLogitsWarper implements LogitsProcessor {
  constructor(readonly epsilon: number, readonly minTokensToKeep = 1) {
    if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`epsilon_cutoff has to be a number in (0, 1), got ${epsilon}`);
    checkMinKeep(minTokensToKeep);
  }
  call(_inputIds: Tensor, scores: Tensor): Tensor {
    const k = Math.min(this.minTokensToKeep, scores.size(-1));
    const kth = scores.topk(k, -1).values.narrow(-1, k - 1, 1);
    return scores.maskedFill(scores.softmax(-1).lt(this.epsilon).logicalAnd(scores.lt(kth)), -Infinity);
  }
}

/** HF EtaLogitsWarper: drops tokens below min(eta, sqrt(eta) * exp(-entropy)). */
export class EtaLogitsWarper implements LogitsProcessor {
  constructor(readonly epsilon: number, readonly minTokensToKeep = 1) {
    if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`eta_cutoff has to be a number in (0, 1), got ${epsilon}`);
    checkMinKeep(minTokensToKeep);
  }
  call(_inputIds: Tensor, scores: Tensor): Tensor {
    const probs = scores.softmax(-1);
    // torch.distributions.Categorical(logits).entropy(): normalised logits clamped to finfo.min
    const logp = scores.logSoftmax(-1).clamp(-3.4028234663852886e38, null);
    const entropy = logp.mul(probs).sum(-1, true).neg(); // (B, 1)
    const eta = entropy.neg().exp().mul(Math.sqrt(this.epsilon)).clamp(null, this.epsilon);
    const k = Math.min(this.minTokensToKeep, scores.size(-1));
    const kth = scores.topk(k, -1).values.narrow(-1, k - 1, 1);
    return scores.maskedFill(probs.lt(eta).logicalAnd(scores.lt(kth)), -Infinity);
  }
}

/** HF LogitNormalization: log_softmax, so beam scores stay log-probabilities after warpers. */
export class LogitNormalization implements LogitsProcessor {
  call(_inputIds: Tensor, scores: Tensor): Tensor { return scores.logSoftmax(-1); }
}
