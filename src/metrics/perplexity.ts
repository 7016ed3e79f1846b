// perplexity.ts — perplexity from losses already computed by a model: exp(mean token NLL) as
// transformers' run_clm.py reports it (math.exp(eval_loss)), and per sequence as evaluate's
// metrics/perplexity/perplexity.py (exp(sum NLL / tokens) per text, then their plain mean).
// The model forward lives in the trainer; this layer only sees numbers.
import { MetricError, npMean } from './common.js';

/**
 * exp(meanLoss), with run_clm.py's guard: an overflowing exponent gives Infinity.
 * @example perplexity(Math.log(20)) // 20 (up to rounding)
 */
export function perplexity(meanLoss: number): number {
  if (typeof meanLoss !== 'number' || Number.isNaN(meanLoss)) throw new MetricError(`perplexity: the loss must be a number, got ${String(meanLoss)}`);
  return Math.exp(meanLoss);
}

function checkNll(nllSums: readonly number[], tokenCounts: readonly number[]): void {
  if (nllSums.length !== tokenCounts.length)
    throw new MetricError(`perplexity: nllSums and tokenCounts differ in length: ${nllSums.length} NLL sums, ${tokenCounts.length} token counts`);
  if (nllSums.length === 0) throw new MetricError('perplexity: nllSums and tokenCounts are empty');
  tokenCounts.forEach((c, i) => {
    if (!(c > 0)) throw new MetricError(`perplexity: tokenCounts[${i}] must be positive, got ${c}`);
  });
}

/**
 * Corpus perplexity from per-sequence (or per-batch) summed token NLLs (natural log) and the
 * number of scored tokens in each: exp(Σ nll / Σ tokens), i.e. every token weighs the same.
 * @example corpusPerplexity([2.0, 4.0], [1, 2]) // exp(2)
 */
export function corpusPerplexity(nllSums: readonly number[], tokenCounts: readonly number[]): number {
  checkNll(nllSums, tokenCounts);
  let nll = 0, n = 0;
  for (let i = 0; i < nllSums.length; i++) {
    nll += nllSums[i]!;
    n += tokenCounts[i]!;
  }
  return Math.exp(nll / n);
}

/**
 * evaluate's perplexity output from per-sequence summed NLLs and token counts: each
 * sequence's exp(nll / tokens), and their mean (every sequence weighs the same).
 */
export function sequencePerplexities(nllSums: readonly number[], tokenCounts: readonly number[]): { perplexities: number[]; mean_perplexity: number } {
  checkNll(nllSums, tokenCounts);
  const perplexities = nllSums.map((s, i) => Math.exp(s / tokenCounts[i]!));
  return { perplexities, mean_perplexity: npMean(perplexities) };
}
