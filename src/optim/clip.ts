// clip.ts — gradient clipping and norms: torch.nn.utils.clip_grad_norm_ (1.13) and the total norm
// alone (what HF's Trainer logs as grad_norm).  Both are one fused call (torch fused.clipGradNorm).
import { Tensor, fused } from '../torch/index.js';

/** A norm order: any p > 0, or Infinity / 'inf' for the max norm. */
export type NormType = number | 'inf';

function list(parameters: Iterable<Tensor> | Tensor): Tensor[] {
  return parameters instanceof Tensor ? [parameters] : [...parameters];
}
function order(normType: NormType): number {
  const p = normType === 'inf' ? Infinity : normType;
  if (typeof p !== 'number' || Number.isNaN(p)) throw new TypeError(`normType must be a number or 'inf', got ${String(normType)}`);
  return p;
}

/**
 * Scales the gradients in place so their total norm is at most `maxNorm`, as
 * torch.nn.utils.clip_grad_norm_: total = norm of the per-gradient norms, every gradient is
 * multiplied by min(1, maxNorm / (total + 1e-6)).  Parameters without a gradient are ignored.
 * @returns the total norm before clipping (0 when no parameter has a gradient).
 * @example const gradNorm = clipGradNorm(params, 1.0);
 */
export function clipGradNorm(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType: NormType = 2): number {
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`clipGradNorm: maxNorm must be a number, got ${String(maxNorm)}`);
  return fused.clipGradNorm(list(parameters), maxNorm, order(normType));
}

/**
 * clipGradNorm that leaves the total norm on the device: a 0-d tensor (null when no parameter has
 * a gradient), so nothing waits for a GPU.
 */
export function clipGradNormTensor(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType: NormType = 2): Tensor | null {
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`clipGradNormTensor: maxNorm must be a number, got ${String(maxNorm)}`);
  return fused.clipGradNormTensor(list(parameters), maxNorm, order(normType));
}

/** Total norm of the gradients (as clipGradNorm computes it) without changing them. */
export function gradNorm(parameters: Iterable<Tensor> | Tensor, normType: NormType = 2): number {
  return fused.gradNorm(list(parameters), order(normType));
}
