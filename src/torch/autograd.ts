// autograd.ts — grad mode (noGrad / enableGrad) and torch.autograd.grad.
import { native as N } from './native.js';
import { Tensor, wrapList, hOf } from './tensor.js';

/** Runs fn with gradient recording off (torch.no_grad). Synchronous only. */
export function noGrad<T>(fn: () => T): T {
  const prev = N.isGradEnabled() as boolean;
  N.setGradEnabled(false);
  try {
    return fn();
  } finally {
    N.setGradEnabled(prev);
  }
}
/** Runs fn with gradient recording on (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  const prev = N.isGradEnabled() as boolean;
  N.setGradEnabled(true);
  try {
    return fn();
  } finally {
    N.setGradEnabled(prev);
  }
}
export function isGradEnabled(): boolean { return N.isGradEnabled(); }
export function setGradEnabled(on: boolean): void { N.setGradEnabled(on); }

/**
 * Gradients of `outputs` w.r.t. `inputs` (torch.autograd.grad); nothing is accumulated in .grad.
 * With allowUnused, an input the outputs do not depend on gives null.
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[],
  opts: { gradOutputs?: Tensor[]; retainGraph?: boolean; createGraph?: boolean; allowUnused?: boolean } = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const hs: (number | null)[] = N.autogradGrad(outs.map((t) => hOf(t)), ins.map((t) => hOf(t)), opts.gradOutputs?.map((t) => hOf(t)),
    opts.retainGraph, opts.createGraph ?? false, opts.allowUnused ?? false);
  return hs.map((h) => (h === null ? null : wrapList([h])[0]!));
}
