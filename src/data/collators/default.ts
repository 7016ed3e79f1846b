// default.ts — defaultDataCollator: HF's default_data_collator / torch_default_data_collator
// (transformers/data/data_collator.py): stack equal-length columns, `label` / `label_ids` -> `labels`.
import { tidy, type DType } from '../../torch/index.js';
import { checkFeatures, columnTensor, type Batch, type Feature } from './tensorize.js';
import { normalizeOptions, type WithCamelAliases } from '../../utils/options.js';

/** Options of {@link defaultDataCollator}: HF's names, or camelCase (`labelDtype`). */
export type DefaultCollatorOptions = WithCamelAliases<{
  /** Forces the dtype of `labels` (e.g. 'float32' for a regression column of whole numbers); tunekit's. */
  label_dtype?: DType;
  /** Only 'pt'; HF's default_data_collator(features, return_tensors='pt'). */
  return_tensors?: 'pt';
}>;

/**
 * Collates rows whose columns already have equal lengths (no padding): each column becomes one
 * tensor of shape (B, ...).  `label` (one value per row) or `label_ids` (a list per row) become
 * `labels`: int64 when the values are integers, else float32 — HF decides from the first label's
 * Python type; JS numbers carry no int/float distinction, so here every label of the batch is
 * looked at (a Float32Array / Float64Array value marks a float column; `labelDtype` forces it).
 * Keys whose value in features[0] is null, undefined or a string are skipped, as in HF — except
 * `label` / `label_ids` null in features[0] but set in another row, an error (HF would drop it).
 * Other integer columns become int64, fractional ones float32, booleans bool.
 * @example defaultDataCollator([{ input_ids: [1, 2], label: 0 }, { input_ids: [3, 4], label: 1 }])
 *   // { labels: int64 (2), input_ids: int64 (2, 2) }
 */
export function defaultDataCollator(features: readonly Feature[], options: DefaultCollatorOptions | 'pt' = {}): Batch {
  const o = normalizeOptions(typeof options === 'string' ? { return_tensors: options } : options, { names: ['label_dtype', 'return_tensors'] }, 'defaultDataCollator()');
  if (o.return_tensors !== undefined && o.return_tensors !== 'pt') throw new RangeError(`Framework '${String(o.return_tensors)}' not recognized!`);
  const opts = { labelDtype: o.label_dtype as DType | undefined };
  const keys = checkFeatures(features, 'defaultDataCollator');
  const first = features[0]!;
  const present = (k: string): boolean => keys.includes(k) && first[k] !== null && first[k] !== undefined;
  return tidy(() => {
    const batch: Batch = {};
    const labelKey = present('label') ? 'label' : present('label_ids') ? 'label_ids' : null;
    // HF drops a label column whose first value is None; a later row with a label would then be
    // trained without it, so a batch labelled only in part is an error naming the rows
    for (const k of ['label', 'label_ids'])
      if (k !== labelKey && keys.includes(k)) {
        const j = features.findIndex((f) => f[k] !== null && f[k] !== undefined);
        if (j >= 0) throw new TypeError(`defaultDataCollator: '${k}' of features[0] is ${String(first[k])} but features[${j}] has one; ` +
          'a batch needs a label in every row (or in none): remove or label the unlabeled rows');
      }
    if (labelKey !== null) batch['labels'] = columnTensor(labelKey, features.map((f) => f[labelKey]), opts.labelDtype);
    for (const k of keys) {
      if (k === 'label' || k === 'label_ids') continue;
      const v = first[k];
      if (v === null || v === undefined || typeof v === 'string') continue;
      batch[k] = columnTensor(k, features.map((f) => f[k]), k === 'labels' ? opts.labelDtype : undefined);
    }
    return batch;
  });
}
