// tasks.ts — what `tunekit train` does per task, as HF's run_glue.py / run_ner.py / run_mlm.py do it:
// the label names (the dataset's ClassLabel names, else its sorted values, or model.labels), the
// tokenization map, the collator, and compute_metrics (accuracy + macro F1; seqeval's overall
// numbers).  Question answering is in qa.ts.
import { DataCollatorForLanguageModeling, DataCollatorForTokenClassification, DataCollatorWithPadding, groupTexts, List, ClassLabel, type Batch, type CollatorTokenizer, type Dataset } from '../../data/index.js';
import { accuracyScore, f1Score, seqeval } from '../../metrics/index.js';
import type { PreTrainedTokenizerFast } from '../../tokenizers/index.js';
import { argmax, type EvalPrediction, type NDArray } from '../../trainer/index.js';
import type { Recipe } from '../recipe/recipe.js';
import { RecipeError } from '../recipe/source.js';

/** What a task hands the Trainer. */
export interface TaskData {
  train: Dataset;
  eval: Dataset | null;
  collator: unknown;
  computeMetrics?: (p: EvalPrediction) => Record<string, number>;
}

/** The dataset's class names of `column` (a ClassLabel, or a list of ClassLabel), or null. */
function classNames(ds: Dataset, column: string): string[] | null {
  let f: unknown = ds.features[column];
  if (f instanceof List) f = f.feature;
  return f instanceof ClassLabel ? [...f.names] : null;
}

/**
 * The label names of a classification column across the splits: model.labels when given, else the
 * ClassLabel names, else the sorted distinct values (HF: label_list = sorted(unique)).
 */
export function resolveLabels(r: Recipe, sets: readonly Dataset[], column: string, nested: boolean): string[] {
  if (r.model.labels) return r.model.labels;
  const names = classNames(sets[0]!, column);
  if (names) return names;
  const values = new Set<unknown>();
  for (const ds of sets) for (const v of ds.column(column)) for (const x of nested ? (v as unknown[]) : [v]) values.add(x);
  const all = [...values];
  if (all.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    const n = r.model.num_labels ?? Math.max(...(all as number[])) + 1;
    return Array.from({ length: n }, (_, i) => `LABEL_${i}`);
  }
  return all.map(String).sort();
}

/** Value -> class id: an integer id as is, a string through the names; an unknown value names its row. */
function idOf(r: Recipe, names: readonly string[], v: unknown, row: number, role: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < names.length) return v;
  const i = names.indexOf(String(v));
  if (i < 0) throw new RecipeError(`${r.source.where(['model', 'labels'])}: row ${row} of the data has ${role} ${JSON.stringify(v)}, which is not one of the labels ${JSON.stringify(names)}`);
  return i;
}

/**
 * The label column as class ids (nested: a list per row, token tags), converted before the
 * tokenizing map so that map reads nothing but the tokenizer and its settings (and is cached).
 */
export function encodeLabels(r: Recipe, ds: Dataset, column: string, names: readonly string[], nested: boolean): Dataset {
  const values = ds.column(column);
  const ids = values.map((v, row) => (nested ? (v as unknown[]).map((x) => idOf(r, names, x, row, 'tag')) : idOf(r, names, v, row, 'label')));
  return ds.removeColumns(column).addColumn(column, ids);
}

const asCollatorTokenizer = (t: PreTrainedTokenizerFast): CollatorTokenizer => t as unknown as CollatorTokenizer;

/** text-classification: text (+ text_pair) -> input_ids, label -> labels; padding collator; accuracy + macro F1. */
export async function textClassification(r: Recipe, tok: PreTrainedTokenizerFast, data: { train: Dataset; eval: Dataset | null }, labels: readonly string[]): Promise<TaskData> {
  const maxLength = r.dataset.max_seq_length as number;
  const prep = (ds: Dataset) => encodeLabels(r, ds, 'label', labels, false).map(async (b: Batch) => {
    const enc = await tok.call(b.text as string[], { textPair: b.text_pair as string[] | undefined, truncation: true, maxLength });
    return { ...(enc.data as Record<string, unknown[]>), labels: b.label };
  }, { batched: true, removeColumns: ds.columnNames, captures: { tok, maxLength }, desc: 'Tokenizing' });
  const computeMetrics = (p: EvalPrediction): Record<string, number> => {
    const pred = Array.from(argmax(p.predictions as NDArray).data as ArrayLike<number>);
    const gold = Array.from((p.label_ids as NDArray).data as ArrayLike<number>);
    return { accuracy: accuracyScore(gold, pred), f1: f1Score(gold, pred, { average: 'macro', zeroDivision: 0 }) as number };
  };
  return { train: await prep(data.train), eval: data.eval && await prep(data.eval), collator: new DataCollatorWithPadding({ tokenizer: asCollatorTokenizer(tok) }), computeMetrics };
}

/** For each tag id, its I- tag's id when it is a B- tag (label_all_tokens), else itself. */
function bToI(names: readonly string[]): number[] {
  return names.map((n, i) => (n.startsWith('B-') && names.includes(`I-${n.slice(2)}`) ? names.indexOf(`I-${n.slice(2)}`) : i));
}

/** token-classification: pre-split words, labels on each word's first sub-token (-100 elsewhere); seqeval. */
export async function tokenClassification(r: Recipe, tok: PreTrainedTokenizerFast, data: { train: Dataset; eval: Dataset | null }, labels: readonly string[]): Promise<TaskData> {
  const maxLength = r.dataset.max_seq_length as number;
  const labelAll = r.dataset.label_all_tokens as boolean;
  const inner = bToI(labels);
  const prep = (ds: Dataset) => encodeLabels(r, ds, 'tags', labels, true).map(async (b: Batch) => {
    const enc = await tok.call(b.tokens as string[][], { isSplitIntoWords: true, truncation: true, maxLength });
    const out = (b.tags as number[][]).map((tags, i) => {
      let prev: number | null = null;
      return enc.wordIds(i).map((w) => {
        const label = w === null ? -100 : w !== prev ? tags[w]! : labelAll ? inner[tags[w]!]! : -100;
        prev = w;
        return label;
      });
    });
    return { ...(enc.data as Record<string, unknown[]>), labels: out };
  }, { batched: true, removeColumns: ds.columnNames, captures: { tok, maxLength, labelAll, inner }, desc: 'Tokenizing and aligning labels' });
  const computeMetrics = (p: EvalPrediction): Record<string, number> => {
    const gold = p.label_ids as NDArray;
    const pred = argmax(p.predictions as NDArray);
    const [rows, T] = gold.shape as [number, number];
    const refs: string[][] = [], hyps: string[][] = [];
    for (let i = 0; i < rows; i++) {
      const ref: string[] = [], hyp: string[] = [];
      for (let j = i * T; j < (i + 1) * T; j++) {
        const g = Number(gold.data[j]);
        if (g === -100) continue;
        ref.push(labels[g]!);
        hyp.push(labels[Number(pred.data[j])]!);
      }
      refs.push(ref);
      hyps.push(hyp);
    }
    const s = seqeval(hyps, refs, { zeroDivision: 0 }) as unknown as Record<string, number>;
    return { precision: s.overall_precision!, recall: s.overall_recall!, f1: s.overall_f1!, accuracy: s.overall_accuracy! };
  };
  return {
    train: await prep(data.train), eval: data.eval && await prep(data.eval),
    collator: new DataCollatorForTokenClassification({ tokenizer: asCollatorTokenizer(tok) }), computeMetrics,
  };
}

/** fill-mask: texts tokenized, concatenated and cut into max_seq_length blocks (run_mlm.py's group_texts); 15% masking. */
export async function fillMask(r: Recipe, tok: PreTrainedTokenizerFast, data: { train: Dataset; eval: Dataset | null }): Promise<TaskData> {
  const blockSize = r.dataset.max_seq_length as number;
  const prep = async (ds: Dataset) => {
    const tokenized = await ds.map(async (b: Batch) => (await tok.call(b.text as string[], { returnSpecialTokensMask: true })).data,
      { batched: true, removeColumns: ds.columnNames, captures: { tok }, desc: 'Tokenizing' });
    return tokenized.map((b: Batch) => groupTexts(b, blockSize, { add_labels: false }), { batched: true, captures: { groupTexts, blockSize }, desc: `Grouping texts in chunks of ${blockSize}` });
  };
  const collator = new DataCollatorForLanguageModeling({ tokenizer: asCollatorTokenizer(tok), mlm_probability: r.dataset.mlm_probability as number, seed: r.args.seed });
  return { train: await prep(data.train), eval: data.eval && await prep(data.eval), collator };
}
