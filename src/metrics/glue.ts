// glue.ts — evaluate's metrics/glue/glue.py: per GLUE task, accuracy (+ binary F1 for mrpc and
// qqp), Matthews correlation for cola, Pearson + Spearman for stsb.  Labels are class ids;
// stsb takes float scores (compared in float64, as glue's _compute on Python floats).
import { MetricError, checkLengths, npMean, type WarningHandler } from './common.js';
import { f1Score, matthewsCorrcoef } from './classification.js';
import { pearsonr, spearmanr } from './correlation.js';

/** The configurations evaluate.load('glue', name) accepts. */
export const GLUE_CONFIGS = [
  'sst2', 'mnli', 'mnli_mismatched', 'mnli_matched', 'cola', 'stsb', 'mrpc', 'qqp', 'qnli', 'rte', 'wnli', 'hans',
] as const;
/** A GLUE task name. */
export type GlueConfig = (typeof GLUE_CONFIGS)[number];

/** What each configuration returns (evaluate's keys). */
export type GlueOutput<C extends GlueConfig> =
  C extends 'cola' ? { matthews_correlation: number }
    : C extends 'stsb' ? { pearson: number; spearmanr: number }
      : C extends 'mrpc' | 'qqp' ? { accuracy: number; f1: number }
        : { accuracy: number };

/** Throws evaluate's message unless `config` is a GLUE configuration. */
export function checkGlueConfig(config: string): GlueConfig {
  if ((GLUE_CONFIGS as readonly string[]).includes(config)) return config as GlueConfig;
  throw new MetricError(`You should supply a configuration name selected in [${GLUE_CONFIGS.map((c) => `"${c}"`).join(', ')}], got ${JSON.stringify(config)}`);
}

/** (preds == labels).mean(), glue's simple_accuracy. */
function simpleAccuracy(predictions: readonly number[], references: readonly number[]): number {
  return npMean(predictions.map((p, i) => (p === references[i] ? 1 : 0)));
}

/**
 * evaluate's glue metric for one task.
 * @example glue('mrpc', [0, 1, 1], [0, 1, 0]) // { accuracy: 0.666…, f1: 0.666… }
 */
export function glue<C extends GlueConfig>(config: C, predictions: readonly number[], references: readonly number[], opts: { onWarning?: WarningHandler } = {}): GlueOutput<C> {
  const name = checkGlueConfig(config);
  checkLengths(`glue/${name}`, predictions, references);
  let out: Record<string, number>;
  if (name === 'cola') out = { matthews_correlation: matthewsCorrcoef(references, predictions) };
  else if (name === 'stsb') out = { pearson: pearsonr(predictions, references, opts), spearmanr: spearmanr(predictions, references, opts) };
  else {
    for (const y of [...predictions, ...references])
      if (!Number.isInteger(y)) throw new MetricError(`glue/${name}: labels must be integer class ids, got ${y}`);
    out = { accuracy: simpleAccuracy(predictions, references) };
    if (name === 'mrpc' || name === 'qqp') out.f1 = f1Score(references, predictions, { average: 'binary', onWarning: opts.onWarning });
  }
  return out as GlueOutput<C>;
}
