// registry.ts — `load(name)` and `combine(...)` in the manner of evaluate.load / evaluate.combine
// (evaluate/loading.py, evaluate/module.py CombinedEvaluations): a metric object whose
// compute({ predictions, references, ...options }) returns evaluate's output dict, and which
// accumulates examples with add_batch / add first (module.ts).  Options are evaluate's
// snake_case (pos_label, zero_division, no_answer_threshold) or camelCase; records and outputs keep HF's keys.
import { MetricError, type WarningHandler } from './common.js';
import { EvaluationModule } from './module.js';
import {
  accuracyScore, f1Score, matthewsCorrcoef, precisionScore, recallScore, type Label, type PrfOptions,
} from './classification.js';
import { checkGlueConfig, glue, GLUE_CONFIGS, type GlueConfig, type GlueOutput } from './glue.js';
import { seqeval, type SeqevalOptions, type SeqevalOutput } from './seqeval.js';
import { squad, type SquadPrediction, type SquadReference } from './squad.js';
import { squadV2, type SquadV2Output, type SquadV2Prediction } from './squad-v2.js';
import { corpusPerplexity, sequencePerplexities } from './perplexity.js';
import { bleu, type BleuOutput } from './bleu.js';
import { sacrebleu, type SacrebleuOptions, type SacrebleuOutput } from './sacrebleu.js';
import { rouge, type RougeOptions } from './rouge.js';

interface Common {
  onWarning?: WarningHandler;
}
type Cls = Common & { predictions: readonly Label[]; references: readonly Label[] };
type Score = number | number[];
type Text = Common & { predictions: readonly string[]; references: readonly (string | readonly string[])[] };

/** Inputs and outputs of every metric `load` knows. */
export interface MetricSpecs {
  accuracy: { inputs: Cls & { normalize?: boolean; sampleWeight?: readonly number[] }; output: { accuracy: number } };
  precision: { inputs: Cls & PrfOptions; output: { precision: Score } };
  recall: { inputs: Cls & PrfOptions; output: { recall: Score } };
  f1: { inputs: Cls & PrfOptions; output: { f1: Score } };
  matthews_correlation: { inputs: Cls & { sampleWeight?: readonly number[] }; output: { matthews_correlation: number } };
  glue: { inputs: Common & { predictions: readonly number[]; references: readonly number[] }; output: GlueOutput<GlueConfig> };
  seqeval: { inputs: SeqevalOptions & { predictions: readonly (readonly string[])[]; references: readonly (readonly string[])[] }; output: SeqevalOutput };
  squad: { inputs: Common & { predictions: readonly SquadPrediction[]; references: readonly SquadReference[] }; output: { exact_match: number; f1: number } };
  squad_v2: { inputs: Common & { predictions: readonly SquadV2Prediction[]; references: readonly SquadReference[]; noAnswerThreshold?: number }; output: SquadV2Output };
  /** per-sequence summed token NLLs and token counts (the model forward happens elsewhere) */
  perplexity: { inputs: Common & { nllSums: readonly number[]; tokenCounts: readonly number[] }; output: { perplexities: number[]; mean_perplexity: number; perplexity: number } };
  bleu: { inputs: Text & { maxOrder?: number; smooth?: boolean; tokenizer?: (s: string) => string[] }; output: BleuOutput };
  sacrebleu: { inputs: Text & SacrebleuOptions; output: SacrebleuOutput };
  /** per-example F-measures with useAggregator false, else their mean (see rouge.ts) */
  rouge: { inputs: Text & RougeOptions; output: Record<string, number | number[]> };
}
/** A name `load` accepts. */
export type MetricName = keyof MetricSpecs;

/**
 * A loaded metric: `compute` is synchronous, numbers in, numbers out; `add_batch` / `add`
 * accumulate examples for a later `compute()` (evaluate's pattern).
 */
export type Metric<I, O> = EvaluationModule<I, O>;

/** Each metric's options in camelCase (their snake_case spelling is accepted too). */
const PRF = ['average', 'labels', 'posLabel', 'sampleWeight', 'zeroDivision', 'onWarning'];
const OPTIONS: Readonly<Record<MetricName, readonly string[]>> = {
  accuracy: ['normalize', 'sampleWeight', 'onWarning'], precision: PRF, recall: PRF, f1: PRF,
  matthews_correlation: ['sampleWeight', 'onWarning'], glue: ['onWarning'],
  seqeval: ['suffix', 'scheme', 'mode', 'zeroDivision', 'onWarning'], squad: ['onWarning'], squad_v2: ['noAnswerThreshold', 'onWarning'],
  perplexity: ['onWarning'], bleu: ['maxOrder', 'smooth', 'tokenizer', 'onWarning'],
  sacrebleu: ['smoothMethod', 'smoothValue', 'lowercase', 'tokenize', 'useEffectiveOrder', 'onWarning'],
  rouge: ['rougeTypes', 'useAggregator', 'useStemmer', 'onWarning'],
};

/** evaluate returns a float for a one-element score array. */
function scalarIfOne(x: Score): Score {
  return Array.isArray(x) && x.length === 1 ? x[0]! : x;
}

type Impl = { [N in MetricName]: (inputs: MetricSpecs[N]['inputs'], config: string) => MetricSpecs[N]['output'] };

const IMPL: Impl = {
  accuracy: (i) => ({ accuracy: accuracyScore(i.references, i.predictions, i) }),
  precision: (i) => ({ precision: scalarIfOne(precisionScore(i.references, i.predictions, i)) }),
  recall: (i) => ({ recall: scalarIfOne(recallScore(i.references, i.predictions, i)) }),
  f1: (i) => ({ f1: scalarIfOne(f1Score(i.references, i.predictions, i)) }),
  matthews_correlation: (i) => ({ matthews_correlation: matthewsCorrcoef(i.references, i.predictions, i) }),
  glue: (i, config) => glue(checkGlueConfig(config), i.predictions, i.references, i),
  seqeval: (i) => seqeval(i.predictions, i.references, i),
  squad: (i) => squad(i.predictions, i.references, i),
  squad_v2: (i) => squadV2(i.predictions, i.references, i),
  perplexity: (i) => ({ ...sequencePerplexities(i.nllSums, i.tokenCounts), perplexity: corpusPerplexity(i.nllSums, i.tokenCounts) }),
  bleu: (i) => bleu(i.predictions, i.references, i),
  sacrebleu: (i) => sacrebleu(i.predictions, i.references, i),
  rouge: (i) => rouge(i.predictions, i.references, i),
};

/** The names `load` accepts. */
export const METRIC_NAMES = Object.keys(IMPL) as MetricName[];

/**
 * Like `evaluate.load(name, configName)`.  glue needs its task as `configName`.
 * @example
 * load('seqeval').compute({ predictions: [['B-PER', 'O']], references: [['B-PER', 'O']], mode: 'strict', scheme: 'IOB2' })
 * load('glue', 'mrpc').compute({ predictions: [1, 0], references: [1, 1] }) // { accuracy: 0.5, f1: 0.666… }
 */
export function load<C extends GlueConfig>(name: 'glue', configName: C): Metric<MetricSpecs['glue']['inputs'], GlueOutput<C>>;
export function load<N extends Exclude<MetricName, 'glue'>>(name: N, configName?: 'default'): Metric<MetricSpecs[N]['inputs'], MetricSpecs[N]['output']>;
export function load(name: string, configName?: string): Metric<never, Record<string, unknown>>;
export function load(name: string, configName?: string): Metric<never, unknown> {
  if (!(METRIC_NAMES as string[]).includes(name)) throw new MetricError(`Unknown metric ${JSON.stringify(name)}; known: ${METRIC_NAMES.join(', ')}`);
  let config = configName ?? 'default';
  if (name === 'glue') {
    if (configName === undefined) throw new MetricError(`glue needs a configuration name, one of ${GLUE_CONFIGS.join(', ')}`);
    config = checkGlueConfig(configName);
  } else if (config !== 'default') throw new MetricError(`Metric ${name} has no configuration ${JSON.stringify(config)} (only 'default')`);
  const impl = IMPL[name as MetricName] as (inputs: never, config: string) => unknown;
  return new EvaluationModule(name, config, (inputs) => impl(inputs as never, config), OPTIONS[name as MetricName]);
}

/** A metric, by name or loaded, for {@link combine}. */
export type MetricLike = MetricName | Metric<never, object>;

/**
 * Like `evaluate.combine([...])`: one compute over several metrics, results merged into one
 * dict.  A key produced by more than one metric (or every key with `forcePrefix`) becomes
 * `<metric>_<key>`, and `<metric>_<k>_<key>` when the same metric appears twice (evaluate's
 * _merge_results).
 * @example combine(['accuracy', 'f1']).compute({ predictions: [1, 0], references: [1, 1] }) // { accuracy: 0.5, f1: 0.666… }
 */
export function combine(metrics: readonly MetricLike[], opts: { forcePrefix?: boolean } = {}): Metric<Record<string, unknown> & { predictions: unknown; references: unknown }, Record<string, unknown>> {
  const modules = metrics.map((m) => (typeof m === 'string' ? (load(m) as Metric<never, object>) : m));
  if (modules.length === 0) throw new MetricError('combine needs at least one metric');
  const options = [...new Set(modules.flatMap((m) => OPTIONS[m.name as MetricName] ?? []))];
  return new EvaluationModule(modules.map((m) => m.name).join('+'), 'default', (inputs) => {
    const results = modules.map((m) => m.compute(inputs as never) as Record<string, unknown>);
    const keyCount = new Map<string, number>();
    for (const r of results) for (const k of Object.keys(r)) keyCount.set(k, (keyCount.get(k) ?? 0) + 1);
    const nameCount = new Map<string, number>();
    for (const m of modules) nameCount.set(m.name, (nameCount.get(m.name) ?? 0) + 1);
    const seen = new Map<string, number>();
    const merged: Record<string, unknown> = {};
    modules.forEach((m, i) => {
      const dup = nameCount.get(m.name)! > 1;
      const k0 = seen.get(m.name) ?? 0;
      for (const [k, v] of Object.entries(results[i]!)) {
        if (keyCount.get(k) === 1 && !opts.forcePrefix) merged[k] = v;
        else if (dup) merged[`${m.name}_${k0}_${k}`] = v;
        else merged[`${m.name}_${k}`] = v;
      }
      if (dup) seen.set(m.name, k0 + 1);
    });
    return merged;
  }, options);
}
