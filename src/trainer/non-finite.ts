// non-finite.ts — what the Trainer does when numbers go NaN/inf: NonFiniteLossError, and the
// diagnosis that names the cause (the parameter that broke, the learning rate of the update
// that broke it, a float32 overflow in the optimizer step).  HF filters such losses
// (logging_nan_inf_filter) and trains on; tunekit stops before anything bad is applied or saved.
import { currentLr, zeroGrad, type TrainerContext } from './context.js';
import { firstNonFiniteWeight, largestWeight, type NonFiniteWeight } from './model.js';
import type { FirstNonFinite } from './step-values.js';

/** What NonFiniteLossError found not finite: the loss, the gradient norm, or the weights after an optimizer update. */
export type NonFiniteKind = 'loss' | 'grad_norm' | 'weights';

/** The known cause of a NonFiniteLossError. */
export interface NonFiniteDetail {
  /** The parameter found non-finite (or where the optimizer update overflowed). */
  parameter?: string | null;
  /** The learning rate of the optimizer update concerned. */
  learningRate?: number | null;
  /** One or more sentences on the cause and the way out. */
  cause?: string;
  /** The optimizer step itself failed on a float32 overflow (the weights may be partly updated). */
  overflowed?: boolean;
}

export const fmtNum = (v: number): string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v));

/**
 * Thrown when a loss or the gradient norm is NaN or infinite, or when the weights are (an
 * optimizer update that overflows, or a checkpoint about to be saved with NaN/inf weights).
 * Unlike HF (which averages such a loss away with logging_nan_inf_filter), tunekit stops: the
 * failing update is not applied, no checkpoint with non-finite weights is ever written (each
 * save checks them), so `lastCheckpoint` is the last good state.  `parameter` and
 * `learningRate` name the cause when the weights went non-finite.
 */
export class NonFiniteLossError extends Error {
  readonly parameter: string | null;
  readonly learningRate: number | null;
  constructor(readonly what: NonFiniteKind, readonly value: number, readonly step: number, readonly epoch: number, readonly lastCheckpoint: string | null,
    detail: NonFiniteDetail = {}) {
    const at = `step ${step} (epoch ${epoch.toFixed(2)})`;
    const head = what === 'weights'
      ? (detail.overflowed ? `the optimizer update of ${at} overflows float32 at parameter '${detail.parameter ?? '?'}'.`
        : `parameter '${detail.parameter ?? '?'}' holds ${fmtNum(value)} after the optimizer update of ${at}.`)
      : `the ${what === 'loss' ? 'loss' : 'gradient norm'} is ${value} at ${at}; the update was not applied and nothing was saved after it.`;
    const cause = detail.cause ? ` ${detail.cause.replace(/\.?$/, '.')}` : '';
    super(`Training stopped: ${head}${cause}${what === 'weights' ? ' Nothing was saved with these weights.' : ''} ` +
      `Last good checkpoint: ${lastCheckpoint ?? 'none (no checkpoint was saved)'}.`);
    this.name = 'NonFiniteLossError';
    this.parameter = detail.parameter ?? null;
    this.learningRate = detail.learningRate ?? null;
  }
}

/** Why an update can make the weights non-finite, given its learning rate: the likely setting at fault and the way out. */
export function updateHint(ctx: TrainerContext, lr: number | null): string {
  const at = `learning_rate ${lr === null ? '?' : fmtNum(lr)}`;
  if (lr !== null && !Number.isFinite(lr)) return `The update used ${at}: a learning rate must be finite.`;
  const eps = (ctx.trainer.optimizer?.paramGroups[0] as { eps?: unknown } | undefined)?.eps;
  if (eps === 0)
    return `The update used ${at} with adam_epsilon 0: AdamW divides by sqrt(v) + adam_epsilon, which is 0/0 = NaN for a weight whose gradient is 0; use adam_epsilon > 0 (default 1e-8).`;
  return `The update used ${at}: lower learning_rate (an update too large overflows float32), or check the gradients (max_grad_norm clips them and stops on a non-finite norm).`;
}

/** A non-finite loss or gradient norm at `epoch`: throws NonFiniteLossError naming the likely cause. */
export function failNonFinite(ctx: TrainerContext, what: 'loss' | 'grad_norm', value: number, epoch: number): never {
  const t = ctx.trainer;
  zeroGrad(ctx);
  const bad = firstNonFiniteWeight(t.model);
  const lrNow = currentLr(ctx);
  const last = ctx.run.lastUpdate;
  const detail: NonFiniteDetail = { learningRate: lrNow };
  if (bad !== null) {
    // the weights were broken before this step: by the last update (the loss of that step was finite)
    const lr = last?.lr ?? null;
    detail.parameter = bad.name;
    detail.learningRate = lr;
    detail.cause = last
      ? `The weights were already non-finite: parameter '${bad.name}' holds ${fmtNum(bad.value)} after the optimizer update of step ${last.step}. ${updateHint(ctx, lr)}`
      : `The weights were non-finite before any update of this run: parameter '${bad.name}' holds ${fmtNum(bad.value)} (the model was given so)`;
  } else {
    const big = largestWeight(t.model);
    detail.cause = `This step ran at learning_rate ${lrNow === null ? '?' : fmtNum(lrNow)}; the weights are finite` +
      (big !== null && big.value > 1e6 ? `, but huge: |${big.name}| reaches ${big.value.toPrecision(3)}, so the forward pass overflows — lower learning_rate` : '');
    if (big !== null && big.value > 1e6) detail.parameter = big.name;
  }
  throw new NonFiniteLossError(what, value, t.state.global_step + 1, epoch, t.lastCheckpoint, detail);
}

/**
 * An optimizer step that threw: when it overflowed float32 (the addon's "value cannot be
 * converted to type float without overflow" for a step size beyond 3.4e38) or left non-finite
 * weights, a NonFiniteLossError naming the learning rate and the parameter; else the error as is.
 */
export function failOptimizerStep(ctx: TrainerContext, e: unknown, lr: number | null, epoch: number): never {
  const t = ctx.trainer;
  const msg = e instanceof Error ? e.message : String(e);
  const bad = firstNonFiniteWeight(t.model);
  const param = bad?.name ?? firstParamWithGrad(ctx);
  zeroGrad(ctx);
  if (!/overflow/i.test(msg) && bad === null) throw e;
  const a = t.args;
  const size = a.optim.startsWith('adamw_torch') && lr !== null ? ` (AdamW's first update moves a weight by about learning_rate / (1 - adam_beta1) = ${fmtNum(Number((lr / (1 - a.adam_beta1)).toPrecision(3)))})` : '';
  throw new NonFiniteLossError('weights', bad?.value ?? Infinity, t.state.global_step + 1, epoch, t.lastCheckpoint, {
    parameter: param, learningRate: lr, overflowed: bad === null,
    cause: `The update used learning_rate ${lr === null ? '?' : fmtNum(lr)}${size}, beyond float32's 3.4e38 (${msg}). ` +
      'Lower learning_rate; the weights may be partly updated',
  });
}

/** The name of the first parameter with a gradient, in optimizer order (where a fused optimizer step starts). */
function firstParamWithGrad(ctx: TrainerContext): string | null {
  const t = ctx.trainer;
  const names = new Map(t.model.namedParameters().map(([n, p]) => [p, n]));
  for (const g of t.optimizer?.paramGroups ?? [])
    for (const p of g.params) {
      const grad = p.grad;
      if (grad === null) continue;
      grad.dispose();
      return names.get(p) ?? null;
    }
  return null;
}

/**
 * A deferred check (syncEachStep false) found an inf/NaN loss or gradient norm: the updates from
 * `bad.step` to now were applied (as in HF, which never checks), but no checkpoint was written
 * after it (saves read the record first, and refuse non-finite weights).
 */
export function failDeferred(ctx: TrainerContext, bad: FirstNonFinite): never {
  const t = ctx.trainer;
  zeroGrad(ctx);
  const w = firstNonFiniteWeight(t.model);
  const cause = `Found when the values were read at step ${t.state.global_step} (syncEachStep: false keeps them on the device until a log or save): ` +
    `the updates of steps ${bad.step}-${t.state.global_step} were applied${w ? `, and parameter '${w.name}' now holds ${fmtNum(w.value)}` : ''}. ` +
    `Resume from the last good checkpoint with syncEachStep: true to stop before the bad update, and lower learning_rate or check the data of step ${bad.step}`;
  throw new NonFiniteLossError(bad.what, bad.value, bad.step, t.state.epoch ?? 0, t.lastCheckpoint, { parameter: w?.name ?? null, cause });
}

/**
 * fp16: the GradScaler skipped this update (inf/NaN gradients).  That is routine while the scale
 * settles, but not when the weights themselves are broken (every later step would skip too), nor
 * once the scale has backed off below 2^-24 (float16's smallest subnormal: the forward overflows
 * float16 whatever the scale) — then training stops, naming the cause.
 */
export function checkSkippedStep(ctx: TrainerContext, epoch: number): void {
  const t = ctx.trainer;
  const scale = t.gradScaler?.getScale() ?? 1;
  const bad = firstNonFiniteWeight(t.model);
  if (bad === null && scale >= 2 ** -24) return;
  zeroGrad(ctx);
  const cause = bad !== null
    ? `parameter '${bad.name}' holds ${fmtNum(bad.value)}, so every float16 step would be skipped`
    : `the GradScaler skipped update after update until its scale fell to ${scale}: the float16 forward or backward overflows at any scale. Use bf16=true or float32, or lower learning_rate`;
  throw new NonFiniteLossError('grad_norm', NaN, t.state.global_step + 1, epoch, t.lastCheckpoint, { parameter: bad?.name ?? null, cause });
}

/** A checkpoint about to be saved with non-finite weights: NonFiniteLossError instead. */
export function refuseNonFiniteSave(ctx: TrainerContext, bad: NonFiniteWeight): never {
  const t = ctx.trainer;
  const step = t.state.global_step;
  const last = ctx.run.lastUpdate;
  const lr = last?.lr ?? null;
  throw new NonFiniteLossError('weights', bad.value, last?.step ?? step, t.state.epoch ?? 0, t.lastCheckpoint, {
    parameter: bad.name, learningRate: lr, cause: `${updateHint(ctx, lr)} checkpoint-${step} was not written`,
  });
}
