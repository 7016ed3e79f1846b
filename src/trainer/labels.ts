// labels.ts — the label column of a train/eval dataset checked before training starts: a row
// without a label, or (for single-label sequence classification and token classification) a
// class id that is not an integer, is an error naming the dataset row.  Without it a 1.5 is
// truncated to class 1 by the model's labels.long() and trains silently, and a null label makes
// the collator drop the label column (HF's default_data_collator does the same) so that the
// first sign is "The model did not return a loss".  The models check their batches too
// (src/models/heads.ts: "labels[3] = 1.5 is not an integer class id"); this names the row of the
// dataset, which the batch index cannot.
import { DataCollatorForSeq2Seq, DataCollatorForTokenClassification, DataCollatorWithPadding, defaultDataCollator } from '../data/collators/index.js';
import type { TrainableModel } from './model.js';

/** What the labels of a model must be: integer class ids per row ('class') or per token ('token'); null: anything numeric. */
export interface LabelRule {
  kind: 'class' | 'token';
  /** Why, for the message: the model class and its problem type. */
  why: string;
  numLabels: number | null;
}

/**
 * The label rule of a model, read from its class name as HF's find_labels does
 * (`...ForTokenClassification`, `...ForSequenceClassification`) and its config: sequence
 * classification with problem_type 'single_label_classification', or unset with num_labels > 1
 * (then a number per row is a class id; a list per row is a multi-label target and is not
 * checked).  Regression (num_labels 1 / 'regression') and multi-label keep float labels: null.
 */
export function labelRuleOf(model: TrainableModel): LabelRule | null {
  const name = (model as { constructor?: { name?: string } }).constructor?.name ?? '';
  const cfg = model.config as { num_labels?: unknown; problem_type?: unknown } | undefined;
  const n = typeof cfg?.num_labels === 'number' ? cfg.num_labels : null;
  if (/ForTokenClassification$/.test(name)) return { kind: 'token', why: `${name} takes one integer class id per token (-100 to ignore one)`, numLabels: n };
  if (/ForSequenceClassification$/.test(name) && n !== null) {
    const pt = cfg?.problem_type ?? null;
    if (pt === 'single_label_classification' || (pt === null && n > 1))
      return { kind: 'class', why: `${name} (num_labels ${n}) trains single-label classification`, numLabels: n };
  }
  return null;
}

/** True for the collators of src/data/collators, whose handling of label values is known; a custom collator may map them. */
export function isBuiltinCollator(c: unknown): boolean {
  return c === defaultDataCollator || c instanceof DataCollatorWithPadding || c instanceof DataCollatorForTokenClassification || c instanceof DataCollatorForSeq2Seq;
}

/** The dataset shapes whose label column can be read cheaply: tunekit's Dataset (column()) and arrays of rows. */
interface ColumnSource {
  readonly columnNames?: readonly string[];
  column?(name: string): unknown[];
}

/** Each label column of `ds` that can be read in one pass: [name, values, present(i)]. */
function labelColumns(ds: unknown, names: readonly string[]): [string, ArrayLike<unknown>, (i: number) => boolean][] {
  const out: [string, ArrayLike<unknown>, (i: number) => boolean][] = [];
  if (Array.isArray(ds)) {
    const rows = ds as unknown[];
    for (const col of names) {
      const has = (i: number): boolean => { const r = rows[i]; return r !== null && typeof r === 'object' && col in r; };
      if (!rows.some((_, i) => has(i))) continue;
      out.push([col, rows.map((r) => (r !== null && typeof r === 'object' ? (r as Record<string, unknown>)[col] : undefined)), has]);
    }
    return out;
  }
  const src = ds as ColumnSource;
  if (typeof src?.column !== 'function' || !Array.isArray(src.columnNames)) return out;
  for (const col of names) if (src.columnNames.includes(col)) out.push([col, src.column(col), () => true]);
  return out;
}

const show = (v: unknown): string => (typeof v === 'number' ? String(v) : v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v));

/**
 * Throws naming the first bad row of `ds` (`where`: 'train_dataset', "eval_dataset['x']"): a row
 * without a label (null, undefined or no such key: in a training set always, in an eval set when
 * other rows have one — an eval set without any label is a prediction set), and, when `rule` asks
 * for class ids, a label (or per-token label) that is not an integer.  `labelNames`: the model's
 * label names; `labels` also covers the `label` / `label_ids` columns the collators rename.
 * Datasets that are neither arrays nor column-readable are not checked (the model checks batches).
 */
export function checkDatasetLabels(ds: unknown, where: string, labelNames: readonly string[], rule: LabelRule | null, opts: { training: boolean }): void {
  const names = labelNames.includes('labels') ? [...labelNames, 'label', 'label_ids'] : [...labelNames];
  const renamed = new Set(['labels', 'label', 'label_ids']);
  for (const [col, values, present] of labelColumns(ds, names)) {
    const n = values.length;
    let labelled = opts.training;
    if (!labelled) for (let i = 0; i < n && !labelled; i++) labelled = values[i] !== null && values[i] !== undefined;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null || v === undefined) {
        if (!labelled) continue;
        throw new Error(`Trainer: ${where} row ${i} has no label ('${col}' is ${present(i) ? show(v) : 'missing'})${opts.training ? '' : ' while other rows have one'}. ` +
          'Every row needs one: a batch without labels loses its label column in the collator (as with HF\'s default_data_collator) ' +
          'and the model then returns no loss; a batch with some is refused. Remove the unlabeled rows (e.g. dataset.filter) or label them.');
      }
      if (rule === null || !renamed.has(col)) continue;
      if (rule.kind === 'class') {
        if (typeof v === 'number' && !Number.isInteger(v)) throw notAnId(where, i, `${col} = ${v}`, v, rule);
      } else if (typeof v !== 'string' && (Array.isArray(v) || ArrayBuffer.isView(v))) {
        const row = v as ArrayLike<unknown>;
        for (let j = 0; j < row.length; j++) {
          const x = row[j];
          if (typeof x !== 'number' ? typeof x !== 'bigint' : !Number.isInteger(x)) throw notAnId(where, i, `${col}[${j}] = ${show(x)}`, x, rule);
        }
      }
    }
  }
}

function notAnId(where: string, row: number, what: string, v: unknown, rule: LabelRule): Error {
  const trunc = typeof v === 'number' && Number.isFinite(v) ? `, which labels.long() would truncate to ${Math.trunc(v)}` : '';
  const ids = rule.numLabels !== null ? `0..${rule.numLabels - 1}` : 'integers';
  const alt = rule.kind === 'class'
    ? ' For regression set num_labels = 1 (or problem_type \'regression\'); for multi-label give each row a list of num_labels values.'
    : '';
  return new Error(`Trainer: ${where} row ${row} has ${what}, which is not an integer class id: ${rule.why}${trunc}. Use class ids ${ids} (-100 to ignore).${alt}`);
}
