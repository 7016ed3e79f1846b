// loaders.ts — the Trainer's data side (transformers 4.47 trainer.py): remove_unused_columns
// (_remove_unused_columns / RemoveColumnsCollator), the label checks before a dataset is used,
// the train and eval DataLoaders (get_train_dataloader, get_eval_dataloader) and moving a batch
// to the device (_prepare_inputs).
import { toDeviceNotingRanges } from '../models/index.js';
import { DataLoader, type CollateFn } from '../data/dataloader.js';
import type { Batch, Feature } from '../data/collators/index.js';
import { checkDatasetLabels, isBuiltinCollator, labelRuleOf } from './labels.js';
import { signatureColumns } from './model.js';
import type { TrainerContext } from './context.js';
import type { TrainerDataset } from './options.js';

/**
 * HF _remove_unused_columns: a Dataset loses the columns forward() does not take; for other row
 * sources (arrays) the collator drops those keys per row (HF RemoveColumnsCollator).
 */
export function prepareDataset(ctx: TrainerContext, ds: TrainerDataset): { dataset: TrainerDataset; collate: CollateFn<Feature, Batch> } {
  const t = ctx.trainer;
  const base = t.dataCollator;
  const keep = t.args.remove_unused_columns ? signatureColumns(t.model, t.labelNames, t.processingClass?.modelInputNames) : null;
  if (!keep) return { dataset: ds, collate: base };
  if (ds.columnNames && typeof ds.removeColumns === 'function') {
    const ignored = ds.columnNames.filter((c) => !keep.includes(c));
    if (ignored.length === 0) return { dataset: ds, collate: base };
    if (ignored.length === ds.columnNames.length)
      throw new Error("No columns in the dataset match the model's forward method signature. " +
        `The following columns have been ignored: [${ignored.join(', ')}]. Please check the dataset and model. ` +
        'You may need to set `remove_unused_columns=False` in `TrainingArguments`.');
    return { dataset: ds.removeColumns(ignored), collate: base };
  }
  const call = typeof base === 'function' ? base : (rows: Feature[]): Batch => base.collate(rows);
  const pick = (r: Feature): Feature => Object.fromEntries(Object.entries(r).filter(([k]) => keep.includes(k)));
  return { dataset: ds, collate: (rows: Feature[]) => call(rows.map(pick)) };
}

/**
 * Reads the label column of a dataset before it is used (see labels.ts): a row without a label
 * (in a training set; in an eval set when other rows have one) or a non-integer class id for a
 * single-label / token classification model is an error naming the dataset row.  Only with
 * the built-in collators (a custom one may map labels) and for datasets readable by column or
 * arrays of rows; each eval dataset is read once.
 */
export function checkLabels(ctx: TrainerContext, ds: TrainerDataset | Record<string, TrainerDataset> | null, where: string, training: boolean): void {
  const t = ctx.trainer;
  if (ds === null || !isBuiltinCollator(t.dataCollator)) return;
  if (!('at' in ds) || typeof ds.at !== 'function') {
    for (const [name, d] of Object.entries(ds as Record<string, TrainerDataset>)) ctx.hooks.checkLabels(d, `${where}['${name}']`, training);
    return;
  }
  if (!training && ctx.run.labelsChecked.has(ds)) return;
  checkDatasetLabels(ds, where, t.labelNames, labelRuleOf(t.model), { training });
  if (!training) ctx.run.labelsChecked.add(ds);
}

/** Row lengths for group_by_length: the length_column_name column when present (HF), else inferred by the loader. */
function lengthsFor(ctx: TrainerContext, ds: TrainerDataset): number[] | undefined {
  const col = ctx.trainer.args.length_column_name;
  if (!ds.columnNames?.includes(col)) return undefined;
  const n = ds.numRows ?? ds.length ?? 0;
  return Array.from({ length: n }, (_, i) => Number((ds.at(i) as Record<string, unknown>)[col]));
}

/** See Trainer.getTrainDataloader. */
export function getTrainDataloader(ctx: TrainerContext): DataLoader<Feature, Batch> {
  const t = ctx.trainer;
  if (!t.trainDataset) throw new Error('Trainer: training requires a train_dataset.');
  const { dataset, collate } = ctx.hooks.prepareDataset(t.trainDataset);
  const a = t.args;
  return new DataLoader<Feature, Batch>(dataset, {
    batchSize: a.train_batch_size, shuffle: t.trainSampler === 'random', seed: a.data_seed ?? a.seed, dropLast: a.dataloader_drop_last,
    collateFn: collate, groupByLength: a.group_by_length, lengths: a.group_by_length ? lengthsFor(ctx, dataset) : undefined,
    lengthColumn: t.processingClass?.modelInputNames?.[0] ?? 'input_ids',
    // several processes: each takes its batches of the common order (accelerate's BatchSamplerShard)
    shard: a.world_size > 1 ? { numProcesses: a.world_size, processIndex: a.process_index } : undefined,
  });
}

/** See Trainer.getEvalDataloader. */
export function getEvalDataloader(ctx: TrainerContext, ds?: TrainerDataset): DataLoader<Feature, Batch> {
  const t = ctx.trainer;
  const src = ds ?? t.evalDataset;
  if (!src) throw new Error('Trainer: evaluation requires an eval_dataset.');
  if (!('at' in src) || typeof src.at !== 'function') throw new TypeError('Trainer: pass one eval dataset here (a named set of them is evaluated by evaluate() without an argument)');
  ctx.hooks.checkLabels(src as TrainerDataset, ds ? 'the evaluated dataset' : 'eval_dataset', false);
  const { dataset, collate } = ctx.hooks.prepareDataset(src as TrainerDataset);
  const a = t.args;
  return new DataLoader<Feature, Batch>(dataset, {
    batchSize: a.eval_batch_size, shuffle: false, dropLast: a.dataloader_drop_last, collateFn: collate,
    // several processes: each evaluates its batches; evaluationLoop gathers them back in order
    shard: a.world_size > 1 ? { numProcesses: a.world_size, processIndex: a.process_index } : undefined,
  });
}

/** Moves a batch to the training device (HF _prepare_inputs); a no-op on CPU. */
export function prepareInputs(ctx: TrainerContext, batch: Batch): Batch {
  if (ctx.device === 'cpu') return batch;
  // the ids' and masks' min / max are read on the host as they leave it, so the model's range and
  // padding checks need no device read (a GPU sync per forward otherwise)
  return toDeviceNotingRanges(batch, ctx.device);
}
