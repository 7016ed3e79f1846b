// bleu.ts — evaluate's metrics/bleu: sacrebleu's 13a tokenizer (tokenizer_13a.py, mteval-v13a)
// and tensorflow/nmt's compute_bleu (nmt_bleu.py): clipped n-gram precisions against the
// per-order maximum counts over the references, geometric mean, brevity penalty against the
// SHORTEST reference of each segment; optional Lin & Och add-one smoothing.
import { MetricError, pySplit } from './common.js';

const REGEXES: [RegExp, string][] = [
  // language-dependent part (assuming Western languages): ASCII symbols become tokens
  [/([\{-\~\[-\` -\&\(-\+\:-\@\/])/g, ' $1 '],
  // period and comma unless preceded by a digit
  [/([^0-9])([\.,])/g, '$1 $2 '],
  // period and comma unless followed by a digit
  [/([\.,])([^0-9])/g, ' $1 $2'],
  // dash when preceded by a digit
  [/([0-9])(-)/g, '$1 $2 '],
];

/**
 * The 13a tokenizer (sacrebleu tokenizers/tokenizer_13a.py) returning tokens.
 * @example tokenize13a('Hello, world.') // ['Hello', ',', 'world', '.']
 */
export function tokenize13a(line: string): string[] {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  s = ` ${s} `;
  for (const [re, repl] of REGEXES) s = s.replace(re, repl);
  return pySplit(s);
}

/** n-gram counts of orders minOrder..maxOrder, keyed by the tokens joined with U+0000 ({@link ngramOrder}). */
export function ngramCounts(tokens: readonly string[], maxOrder: number, minOrder = 1): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = minOrder; n <= maxOrder; n++)
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = tokens.slice(i, i + n).join('\u0000');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  return counts;
}

/** The order of an {@link ngramCounts} key. */
export function ngramOrder(key: string): number {
  let n = 1;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 0) n++;
  return n;
}

/** evaluate's bleu output (bleu and precisions in 0..1). */
export interface BleuOutput {
  bleu: number;
  precisions: number[];
  brevity_penalty: number;
  length_ratio: number;
  translation_length: number;
  reference_length: number;
}

/**
 * tensorflow/nmt `compute_bleu` on tokenized segments: `references[i]` are the tokenized
 * references of `translations[i]`.
 */
export function computeBleu(references: readonly (readonly (readonly string[])[])[], translations: readonly (readonly string[])[], maxOrder = 4, smooth = false): BleuOutput {
  const matches = new Array<number>(maxOrder).fill(0);
  const possible = new Array<number>(maxOrder).fill(0);
  let referenceLength = 0, translationLength = 0;
  translations.forEach((translation, k) => {
    const refs = references[k]!;
    referenceLength += Math.min(...refs.map((r) => r.length));
    translationLength += translation.length;
    // Counter |= : per n-gram the maximum count over the references
    const merged = new Map<string, number>();
    for (const r of refs) for (const [g, c] of ngramCounts(r, maxOrder)) merged.set(g, Math.max(merged.get(g) ?? 0, c));
    for (const [g, c] of ngramCounts(translation, maxOrder)) {
      const overlap = Math.min(c, merged.get(g) ?? 0);
      if (overlap > 0) matches[ngramOrder(g) - 1]! += overlap;
    }
    for (let order = 1; order <= maxOrder; order++) {
      const p = translation.length - order + 1;
      if (p > 0) possible[order - 1]! += p;
    }
  });
  const precisions = matches.map((m, i) => (smooth ? (m + 1) / (possible[i]! + 1) : possible[i]! > 0 ? m / possible[i]! : 0));
  let geoMean = 0;
  if (Math.min(...precisions) > 0) {
    let pLogSum = 0;
    for (const p of precisions) pLogSum += (1 / maxOrder) * Math.log(p);
    geoMean = Math.exp(pLogSum);
  }
  let ratio = 0, bp = 0;
  if (referenceLength !== 0 && translationLength !== 0) {
    ratio = translationLength / referenceLength;
    bp = ratio > 1 ? 1 : Math.exp(1 - 1 / ratio);
  }
  return { bleu: geoMean * bp, precisions, brevity_penalty: bp, length_ratio: ratio, translation_length: translationLength, reference_length: referenceLength };
}

/** Checks corpus inputs and turns single references into one-element lists. */
export function corpusReferences(metric: string, predictions: readonly string[], references: readonly (string | readonly string[])[]): string[][] {
  if (predictions.length !== references.length)
    throw new MetricError(`${metric}: predictions and references differ in length: ${predictions.length} predictions, ${references.length} references`);
  if (predictions.length === 0) throw new MetricError(`${metric}: predictions and references are empty`);
  const refs = references.map((r) => (typeof r === 'string' ? [r] : [...r]));
  refs.forEach((r, i) => {
    if (r.length === 0) throw new MetricError(`${metric}: prediction ${i} has no references`);
  });
  if ([...predictions, ...refs.flat()].some((s) => typeof s !== 'string')) throw new MetricError(`${metric}: predictions and references must be strings`);
  return refs;
}

/**
 * evaluate's bleu metric: 13a-tokenized corpus BLEU (0..1).  `references[i]` is one string or
 * a list of references for `predictions[i]`.
 * @example bleu(['hello there general kenobi'], [['hello there general kenobi', 'hello there!']]).bleu // 1
 */
export function bleu(predictions: readonly string[], references: readonly (string | readonly string[])[], opts: { maxOrder?: number; smooth?: boolean; tokenizer?: (s: string) => string[] } = {}): BleuOutput {
  const refs = corpusReferences('bleu', predictions, references);
  const maxOrder = opts.maxOrder ?? 4;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) throw new MetricError(`bleu: maxOrder must be a positive integer, got ${maxOrder}`);
  const tok = opts.tokenizer ?? tokenize13a;
  return computeBleu(refs.map((r) => r.map(tok)), predictions.map(tok), maxOrder, opts.smooth ?? false);
}
