// evaluation.ts — the Trainer's evaluate / predict (transformers 4.47 trainer.py evaluate,
// predict, evaluation_loop, prediction_step): per-batch losses and predictions under noGrad,
// each batch one tidy() scope, gathered into NDArrays (padded with -100 where lengths differ),
// then compute_metrics and the `<prefix>_` keys.
import { Tensor, full, noGrad, tidy } from '../torch/index.js';
import { gatherForMetrics } from './distributed.js';
import type { DataLoader } from '../data/dataloader.js';
import type { Batch, Feature } from '../data/collators/index.js';
import { nestedConcat, speedMetrics, toNDArray, type EvalPrediction, type NDArrays, type PredictionOutput } from './arrays.js';
import { callForward, keysToIgnoreAtInference, type ModelOutput } from './model.js';
import type { EvalLoopOptions, TrainerContext } from './context.js';
import type { TrainerDataset } from './options.js';
import { castForFullEval, underAutocast } from './precision.js';

/** See Trainer.predictionStep. */
export function predictionStep(ctx: TrainerContext, inputs: Batch, predictionLossOnly: boolean, ignoreKeys?: string[]):
  { loss: Tensor | null; logits: Tensor[] | null; labels: Tensor[] | null } {
  const t = ctx.trainer;
  const hasLabels = t.labelNames.length > 0 && t.labelNames.every((k) => inputs[k] !== undefined);
  const labels = hasLabels ? t.labelNames.map((k) => inputs[k]!) : null;
  const ignore = new Set([...(ignoreKeys ?? keysToIgnoreAtInference(t.model)), 'loss']);
  return noGrad(() => {
    let loss: Tensor | null = null;
    let outputs: ModelOutput;
    if (hasLabels) ({ loss, outputs } = t.computeLoss(inputs));
    else ({ outputs } = underAutocast(ctx, () => ({ outputs: callForward(t.model, inputs) })));
    if (predictionLossOnly) return { loss, logits: null, labels: null };
    // a model cast by bf16/fp16_full_eval returns half logits: metrics read float32 (HF: bf16 -> float32 in nested_numpify)
    const logits = Object.entries(outputs).filter(([k, v]) => !ignore.has(k) && v instanceof Tensor)
      .map(([, v]) => ((v as Tensor).dtype === 'bfloat16' || (v as Tensor).dtype === 'float16' ? (v as Tensor).float() : v as Tensor));
    return { loss, logits, labels };
  });
}

/** HF evaluation_loop: per-row losses, predictions and labels gathered over the loader (padded with -100), metrics prefixed. */
export function evaluationLoop(ctx: TrainerContext, loader: DataLoader<Feature, Batch>, opts: EvalLoopOptions): PredictionOutput & { numSamples: number } {
  const t = ctx.trainer;
  castForFullEval(ctx);
  t.model.eval();
  t.callbackHandler.ctx.evalDataloader = loader;
  const includeInputs = t.args.include_for_metrics.includes('inputs');
  const losses: number[] = [];
  let preds: NDArrays | null = null, labels: NDArrays | null = null, inputsAll: NDArrays | null = null;
  const pack = (ts: Tensor[]): NDArrays => (ts.length === 1 ? toNDArray(ts[0]!) : ts.map(toNDArray));
  let numSamples = 0;
  // several processes: each evaluates its shard; every batch is gathered in rank order (accelerate's
  // gather_for_metrics), the last round keeping only the rows even_batches did not duplicate
  const ws = t.args.world_size, nb = loader.length;
  const remainder = ws > 1 ? loader.numRows % (loader.batchSize * ws) : 0;
  let b = 0;
  for (const raw of loader.iterEpoch(0)) {
    const keep = ws > 1 && b === nb - 1 && remainder > 0 ? remainder : null;
    const g = (x: Tensor): Tensor => (ws > 1 ? gatherForMetrics(x, keep) : x);
    b += 1;
    tidy(() => {
      const batch = ctx.hooks.prepareInputs(raw);
      const first = Object.values(batch).find((v) => v instanceof Tensor && v.ndim > 0);
      const bs = first ? first.size(0) : 1;
      const out = t.predictionStep(batch, opts.predictionLossOnly, opts.ignoreKeys);
      // HF: the batch's mean loss repeated per row, gathered with the rows
      const rows = ws > 1 ? g(full([bs], out.loss ? out.loss.mean().item() : 0, { dtype: 'float32' })) : null;
      numSamples += rows ? rows.size(0) : bs;
      if (out.loss) {
        if (rows) for (const l of rows.toTypedArray() as Float32Array) losses.push(l);
        else { const l = out.loss.mean().item(); for (let i = 0; i < bs; i++) losses.push(l); }
      }
      let logits = out.logits;
      if (logits && logits.length && t.preprocessLogitsForMetrics) {
        const p = t.preprocessLogitsForMetrics(logits.length === 1 ? logits[0]! : logits, out.labels?.[0] ?? null);
        logits = Array.isArray(p) ? p : [p];
      }
      if (logits && logits.length) preds = nestedConcat(preds, pack(logits.map(g)));
      if (out.labels) labels = nestedConcat(labels, pack(out.labels.map(g)));
      const main = batch[t.model.mainInputName ?? 'input_ids'];
      if (includeInputs && main) inputsAll = nestedConcat(inputsAll, toNDArray(g(main)));
    });
    for (const v of Object.values(raw)) if (v instanceof Tensor) v.dispose();
    t.control = t.callbackHandler.call('onPredictionStep', t.args, t.state, t.control);
  }
  let metrics: Record<string, number> = {};
  if (t.computeMetrics && preds !== null && labels !== null) {
    const p: EvalPrediction = { predictions: preds, label_ids: labels };
    if (includeInputs) p.inputs = inputsAll;
    if (t.args.include_for_metrics.includes('loss')) p.losses = { data: Float32Array.from(losses), shape: [losses.length] };
    metrics = { ...t.computeMetrics(p) };
  }
  // HF's key order: `<prefix>_loss` is added already prefixed, then every other key is popped and
  // re-added with the prefix, so eval_loss comes first and compute_metrics' keys follow
  const pre = `${opts.metricKeyPrefix}_`;
  if (losses.length) metrics[`${pre}loss`] = losses.reduce((s, x) => s + x, 0) / losses.length;
  for (const k of Object.keys(metrics)) {
    if (k.startsWith(pre)) continue;
    const v = metrics[k]!;
    delete metrics[k];
    metrics[`${pre}${k}`] = v;
  }
  return { predictions: preds, label_ids: labels, metrics, numSamples };
}

/** See Trainer.evaluate. */
export function evaluate(ctx: TrainerContext, evalDataset: TrainerDataset | undefined, opts: { ignoreKeys?: string[]; metricKeyPrefix?: string }): Record<string, number> {
  const t = ctx.trainer;
  const prefix = opts.metricKeyPrefix ?? 'eval';
  const named = evalDataset === undefined && t.evalDataset !== null && !('at' in t.evalDataset) ? t.evalDataset : null;
  if (named) {
    const all: Record<string, number> = {};
    for (const [name, ds] of Object.entries(named)) Object.assign(all, t.evaluate(ds, { ...opts, metricKeyPrefix: `${prefix}_${name}` }));
    return all;
  }
  ctx.memory.start('eval');
  const start = performance.now();
  const loader = t.getEvalDataloader(evalDataset);
  const out = ctx.hooks.evaluationLoop(loader, { predictionLossOnly: t.computeMetrics === null || t.args.prediction_loss_only, ignoreKeys: opts.ignoreKeys, metricKeyPrefix: prefix });
  const bs = t.args.eval_batch_size;
  Object.assign(out.metrics, speedMetrics(prefix, start, { numSamples: out.numSamples, numSteps: Math.ceil(out.numSamples / bs) }));
  t.log(out.metrics);
  t.control = t.callbackHandler.call('onEvaluate', t.args, t.state, t.control, { metrics: out.metrics });
  // HF: the memory deltas join the returned metrics after they were logged
  ctx.memory.stopAndUpdateMetrics('eval', out.metrics);
  return out.metrics;
}

/** See Trainer.predict. */
export function predict(ctx: TrainerContext, testDataset: TrainerDataset, opts: { ignoreKeys?: string[]; metricKeyPrefix?: string }): PredictionOutput {
  const t = ctx.trainer;
  const prefix = opts.metricKeyPrefix ?? 'test';
  ctx.memory.start('test');
  const start = performance.now();
  const out = ctx.hooks.evaluationLoop(t.getEvalDataloader(testDataset), { predictionLossOnly: t.args.prediction_loss_only, ignoreKeys: opts.ignoreKeys, metricKeyPrefix: prefix });
  Object.assign(out.metrics, speedMetrics(prefix, start, { numSamples: out.numSamples, numSteps: Math.ceil(out.numSamples / t.args.eval_batch_size) }));
  t.control = t.callbackHandler.call('onPredict', t.args, t.state, t.control, { metrics: out.metrics });
  ctx.memory.stopAndUpdateMetrics('test', out.metrics);
  return { predictions: out.predictions, label_ids: out.label_ids, metrics: out.metrics };
}
