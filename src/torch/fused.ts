// fused.ts — the optimizer kernels of native/src/ops/optim.cc over tensor lists: one native call
// per step instead of ~10 ops per parameter.  Each replays torch 1.13's single-tensor code path op
// for op (torch/optim/adamw.py _single_tensor_adamw, sgd.py _single_tensor_sgd,
// nn/utils/clip_grad.py), so the numbers equal PyTorch's bit for bit.  Everything runs under
// no-grad natively; parameters without a gradient are skipped, as in torch.
import { native as N, type Handle } from './native.js';
import { Tensor, wrap } from './tensor.js';
import { TorchError } from './errors.js';

/** The handles of a tensor list (null kept where `nullable`); anything else is a TorchError naming the op and the position. */
function handles(ts: readonly Tensor[], op: string, what?: string): Handle[];
function handles(ts: readonly (Tensor | null)[], op: string, what: string, nullable: true): (Handle | null)[];
function handles(ts: readonly (Tensor | null)[], op: string, what = 'params', nullable = false): (Handle | null)[] {
  return ts.map((t, i) => {
    if (t instanceof Tensor) return t._h;
    if (t === null && nullable) return null;
    throw new TorchError(`${op}: ${what}[${i}] is not a Tensor (got ${t === null ? 'null' : typeof t})`, op);
  });
}

/** Hyperparameters of one AdamW step over a list of parameters. */
export interface AdamWStepOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  maximize?: boolean;
}

/**
 * AdamW, in place, for every parameter with a gradient (torch.optim.AdamW 1.13, no amsgrad):
 * p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
 * `expAvgs[i]` / `expAvgSqs[i]` (shaped as `params[i]`) are updated in place; `steps[i]` is the
 * step count t of params[i] *after* this step (already incremented by the caller).
 */
export function adamwStep(params: readonly Tensor[], expAvgs: readonly Tensor[], expAvgSqs: readonly Tensor[], steps: readonly number[],
  o: AdamWStepOptions): void {
  N.adamwStep(handles(params, 'adamwStep'), handles(expAvgs, 'adamwStep', 'expAvgs'), handles(expAvgSqs, 'adamwStep', 'expAvgSqs'), [...steps], o.lr, o.betas[0], o.betas[1], o.eps, o.weightDecay, o.maximize ?? false);
}

/**
 * AdamW as torch.optim.AdamW(fused=True): libtorch's multi-tensor kernel (_fused_adamw_) over every
 * parameter with a gradient, where this libtorch has it for their device (CUDA with libtorch 2.x,
 * CPU from 2.4) and they share one device and dtype; otherwise adamwStep's single-tensor loop.
 * Same math, float32 rounding apart (within 5e-7 on the optim tests' MLP).
 * @returns whether the fused kernel ran.
 */
export function adamwStepFused(params: readonly Tensor[], expAvgs: readonly Tensor[], expAvgSqs: readonly Tensor[], steps: readonly number[],
  o: AdamWStepOptions): boolean {
  return N.adamwStepFused(handles(params, 'adamwStepFused'), handles(expAvgs, 'adamwStepFused', 'expAvgs'), handles(expAvgSqs, 'adamwStepFused', 'expAvgSqs'),
    [...steps], o.lr, o.betas[0], o.betas[1], o.eps, o.weightDecay, o.maximize ?? false);
}

/** Hyperparameters of one SGD step over a list of parameters. */
export interface SGDStepOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov?: boolean;
  maximize?: boolean;
}

/**
 * SGD, in place, for every parameter with a gradient (torch.optim.SGD 1.13).  `buffers[i]` is the
 * momentum buffer of params[i], or null before its first step with momentum.
 * @returns per parameter, the momentum buffer this step created (a new tensor, owned by the
 * current scope: keep() it to hold it across steps), or null where none was made.
 */
export function sgdStep(params: readonly Tensor[], buffers: readonly (Tensor | null)[], o: SGDStepOptions): (Tensor | null)[] {
  const created = N.sgdStep(handles(params, 'sgdStep'), handles(buffers, 'sgdStep', 'buffers', true), o.lr, o.momentum, o.dampening,
    o.weightDecay, o.nesterov ?? false, o.maximize ?? false);
  return created.map((h) => (h === null ? null : wrap(h)));
}

/**
 * torch.nn.utils.clip_grad_norm_ (1.13): the norm (order `normType`, Infinity = max) of the
 * per-gradient norms; every gradient is scaled in place by min(1, maxNorm / (total + 1e-6)).
 * @returns the total norm before clipping (0 when no parameter has a gradient).
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, normType = 2): number {
  return N.clipGradNorm(handles(params, 'clipGradNorm'), maxNorm, normType);
}

/**
 * clipGradNorm without reading the norm back: the total norm as a 0-d tensor on the gradients'
 * device (null when no parameter has a gradient), so a CUDA step need not wait for the GPU.
 */
export function clipGradNormTensor(params: readonly Tensor[], maxNorm: number, normType = 2): Tensor | null {
  const h = N.clipGradNormTensor(handles(params, 'clipGradNormTensor'), maxNorm, normType);
  return h === null ? null : wrap(h);
}

/**
 * GradScaler's unscale_: every gradient multiplied in place by `invScale` (give it as float32, as
 * torch takes the reciprocal of its float32 scale in double and rounds it to float).
 * @returns whether any gradient held inf or NaN before (torch's found_inf; one device read).
 */
export function ampUnscale(params: readonly Tensor[], invScale: number): boolean {
  return N.ampUnscale(handles(params, 'ampUnscale'), invScale);
}

/** The total gradient norm clipGradNorm computes, without changing the gradients. */
export function gradNorm(params: readonly Tensor[], normType = 2): number {
  return N.gradNorm(handles(params, 'gradNorm'), normType);
}

/** Clears the gradients: to undefined (setToNone, torch >= 2.0's default) or zeroed in place. */
export function zeroGrad(params: readonly Tensor[], setToNone = true): void {
  N.zeroGrad(handles(params, 'zeroGrad'), setToNone);
}
