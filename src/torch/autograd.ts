// autograd.ts — grad mode (noGrad / enableGrad) and torch.autograd.grad.
import { native as N } from './native.js';
import { Tensor, wrapList, hOf } from './tensor.js';
import { DTYPE_CODE } from './dtype.js';
import { withRestore } from './scope.js';

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

/** Options of autocast (torch.autocast's keyword arguments). */
export interface AutocastOptions {
  /** the lower precision: 'bfloat16' (the default on CPU, as PyTorch) or 'float16' (CUDA's default; CPU float16 needs libtorch 2.x) */
  dtype?: 'bfloat16' | 'float16';
  /** false runs fn without autocast (torch.autocast(enabled=False)) */
  enabled?: boolean;
  /** keep casts of leaf weights for the scope (torch's cache_enabled) */
  cacheEnabled?: boolean;
}

/**
 * Mixed precision as torch.autocast: inside, libtorch's own op lists decide which ops run in the
 * lower precision (matmul, linear, conv, bmm...) and which stay float32 (losses, softmax, norms on
 * CPU).  Thread-local, like PyTorch's; nested scopes restore the outer state.  With a function it
 * runs it (sync, or async: the state holds until the promise settles, and every op meanwhile sees
 * it); without, it returns a Disposable for `using`.  Backward should run outside the scope, as in
 * PyTorch (the ops of backward take the dtypes of their forward).
 * @example const loss = torch.autocast('cpu', { dtype: 'bfloat16' }, () => model.forward(batch).loss);
 */
export function autocast<T>(device: 'cpu' | 'cuda', opts: AutocastOptions, fn: () => T): T;
export function autocast(device: 'cpu' | 'cuda', opts?: AutocastOptions): Disposable;
export function autocast<T>(device: 'cpu' | 'cuda', opts: AutocastOptions = {}, fn?: () => T): T | Disposable {
  if (device !== 'cpu' && device !== 'cuda') throw new TypeError(`autocast: device must be 'cpu' or 'cuda', got ${JSON.stringify(device)}`);
  const dtype = opts.dtype ?? (device === 'cpu' ? 'bfloat16' : 'float16');
  if (dtype !== 'bfloat16' && dtype !== 'float16') throw new TypeError(`autocast: dtype must be 'bfloat16' or 'float16', got ${JSON.stringify(dtype)}`);
  const cuda = device === 'cuda';
  let exit = (): void => {};
  if (opts.enabled !== false) {
    const [was, prevDtype, prevCache] = N.autocastEnter(cuda, DTYPE_CODE[dtype], opts.cacheEnabled ?? true);
    let done = false;
    exit = () => { if (!done) { done = true; N.autocastExit(cuda, was, prevDtype, prevCache); } };
  }
  return withRestore(exit, fn);
}
/** Whether autocast is on for the device in this thread (torch.is_autocast_enabled). */
export function isAutocastEnabled(device: 'cpu' | 'cuda' = 'cpu'): boolean { return N.isAutocastEnabled(device === 'cuda'); }
