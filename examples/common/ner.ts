// examples/common/ner.ts — the CoNLL-2003 pieces both NER ports share (HF course chapter 7.2 and
// examples/pytorch/token-classification/run_ner.py): tokenize pre-split words and align the word
// labels with the sub-tokens through word_ids, and the seqeval compute_metrics that drops the
// -100 positions and maps ids to tag names.
import { type Dataset } from '../../src/data/index.js';
import { seqeval } from '../../src/metrics/index.js';
import type { PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';

/**
 * Word labels -> one label per token (run_ner.py's tokenize_and_align_labels): special tokens get
 * -100, the first sub-token of a word its word's label, the other sub-tokens -100 — or, with
 * `labelAllTokens`, the word's label with B-X turned into I-X (`bToI[label]`), as the course does.
 * @example alignLabels([3, 0], [null, 0, 0, 1, null], false, b2i) // [-100, 3, -100, 0, -100]
 */
export function alignLabels(wordLabels: readonly number[], wordIds: readonly (number | null)[], labelAllTokens: boolean, bToI: readonly number[]): number[] {
  let previous: number | null = null;
  return wordIds.map((w) => {
    let label: number;
    if (w === null) label = -100;
    else if (w !== previous) label = wordLabels[w]!;
    else label = labelAllTokens ? bToI[wordLabels[w]!]! : -100;
    previous = w;
    return label;
  });
}

/** For each tag id, the id of its I- tag when it is a B- tag, else itself (run_ner.py's b_to_i_label). */
export function bToIMap(names: readonly string[]): number[] {
  return names.map((n, i) => (n.startsWith('B-') && names.includes(`I-${n.slice(2)}`) ? names.indexOf(`I-${n.slice(2)}`) : i));
}

/**
 * Dataset.map over CoNLL rows: tokens (pre-split words) -> input_ids, token_type_ids,
 * attention_mask and aligned `labels`; every original column is removed (the collator and the
 * model need only these).  Truncation at `maxLength` sub-tokens.
 */
export async function tokenizeAndAlign(ds: Dataset, tokenizer: PreTrainedTokenizerFast, opts: { maxLength: number; labelAllTokens: boolean; labelNames: readonly string[]; key: string }): Promise<Dataset> {
  const bToI = bToIMap(opts.labelNames);
  return ds.map(async (batch: Record<string, unknown[]>) => {
    const enc = await tokenizer.call(batch.tokens as string[][], { isSplitIntoWords: true, truncation: true, maxLength: opts.maxLength });
    const tags = batch.ner_tags as number[][];
    const labels = tags.map((t, i) => alignLabels(t, enc.wordIds(i), opts.labelAllTokens, bToI));
    return { ...(enc.data as Record<string, unknown[]>), labels };
  }, { batched: true, removeColumns: ds.columnNames, fnKwargs: { tokenizer: opts.key, maxLength: opts.maxLength, labelAllTokens: opts.labelAllTokens }, desc: 'Tokenizing and aligning labels' });
}

/** Overall seqeval numbers, HF's compute_metrics keys. */
export interface NerMetrics { precision: number; recall: number; f1: number; accuracy: number; [k: string]: number }

/**
 * The course's postprocess: argmax predictions and labels, both (rows, T) row-major with -100
 * where a position has no label; those positions are dropped and ids mapped to tag names.
 */
export function postprocess(predictions: ArrayLike<number>, labels: ArrayLike<number>, rows: number, labelNames: readonly string[]): { predictions: string[][]; references: string[][] } {
  const T = rows === 0 ? 0 : labels.length / rows;
  const references: string[][] = [], preds: string[][] = [];
  for (let r = 0; r < rows; r++) {
    const t: string[] = [], p: string[] = [];
    for (let j = r * T; j < (r + 1) * T; j++) {
      if (labels[j] === -100) continue;
      t.push(labelNames[labels[j]!]!);
      p.push(labelNames[predictions[j]!]!);
    }
    references.push(t);
    preds.push(p);
  }
  return { predictions: preds, references };
}

/** seqeval's overall precision / recall / f1 / accuracy of tag sequences (0 where nothing was predicted). */
export function overallSeqeval(predictions: string[][], references: string[][]): NerMetrics {
  const m = seqeval(predictions, references, { zeroDivision: 0 });
  return { precision: m.overall_precision, recall: m.overall_recall, f1: m.overall_f1, accuracy: m.overall_accuracy };
}

/** The course's compute_metrics: {@link postprocess} then {@link overallSeqeval}. */
export function nerMetrics(predictions: ArrayLike<number>, labels: ArrayLike<number>, rows: number, labelNames: readonly string[]): NerMetrics {
  const p = postprocess(predictions, labels, rows, labelNames);
  return overallSeqeval(p.predictions, p.references);
}

/** Token accuracy of predicting O everywhere (the majority baseline; its entity f1 is 0). */
export function allOAccuracy(labels: ArrayLike<number>, oId = 0): number {
  let n = 0, o = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === -100) continue;
    n++;
    if (labels[i] === oId) o++;
  }
  return o / n;
}
