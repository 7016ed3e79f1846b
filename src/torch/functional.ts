// functional.ts — torch.nn.functional (F): activations, norms, dropout, losses, attention.
// Option names follow PyTorch's keyword arguments in camelCase.
import { native as N } from './native.js';
import { Tensor, wrap } from './tensor.js';
import { dtypeCode, type DType } from './dtype.js';

export type Reduction = 'mean' | 'sum' | 'none';

export const relu = (x: Tensor): Tensor => x.relu();
export const silu = (x: Tensor): Tensor => x.silu();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();
/** GELU: 'none' = exact erf form (BERT's gelu), 'tanh' = HF gelu_new / gelu_pytorch_tanh. */
export const gelu = (x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor => x.gelu(opts.approximate ?? 'none');
export const softplus = (x: Tensor, beta = 1, threshold = 20): Tensor => wrap(N.softplus!(x._h, beta, threshold));
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => wrap(N.leakyRelu!(x._h, negativeSlope));
export const elu = (x: Tensor, alpha = 1): Tensor => wrap(N.elu!(x._h, alpha));
export const logsigmoid = (x: Tensor): Tensor => wrap(N.logsigmoid!(x._h));
/** Clamps to [minVal, maxVal] (default [-1, 1]). */
export const hardtanh = (x: Tensor, minVal = -1, maxVal = 1): Tensor => wrap(N.hardtanh!(x._h, minVal, maxVal));
export const softmax = (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => wrap(N.softmax!(x._h, dim, dtypeCode(opts.dtype)));
export const logSoftmax = (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => wrap(N.logSoftmax!(x._h, dim, dtypeCode(opts.dtype)));

/** x @ weight^T + bias.  x: (..., in), weight: (out, in), bias: (out). */
export const linear = (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => wrap(N.linear!(x._h, weight._h, bias?._h));
/**
 * weight: (V, D), ids: int64 (...) -> (..., D).  Ids outside [0, V) raise a TorchError.
 * paddingIdx (in [-V, V), negative counts from the end as in F.embedding): that row gets no
 * gradient.  The native op reads -1 as "none", so a negative index is normalised here.
 */
export function embedding(ids: Tensor, weight: Tensor, opts: { paddingIdx?: number } = {}): Tensor {
  let p = opts.paddingIdx;
  if (p !== undefined && p !== null) {
    const v = weight.size(0);
    if (!Number.isInteger(p) || p < -v || p >= v) throw new RangeError(`embedding: paddingIdx must be an integer in [${-v}, ${v}), got ${p}`);
    if (p < 0) p += v;
  }
  return wrap(N.embedding!(weight._h, ids._h, p));
}
export const layerNorm = (x: Tensor, normalizedShape: number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor =>
  wrap(N.layerNorm!(x._h, normalizedShape, weight?._h, bias?._h, eps));
/** HF LlamaRMSNorm: weight * (x * rsqrt(mean(x^2, -1) + eps)), statistics in float32. */
export const rmsNorm = (x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor => wrap(N.rmsNorm!(x._h, weight?._h, eps));
export const dropout = (x: Tensor, p = 0.5, training = true): Tensor => {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability must be in [0, 1], got ${p}`);
  return p === 0 || !training ? x.alias() : wrap(N.dropout!(x._h, p, training));
};
export const oneHot = (x: Tensor, numClasses = -1): Tensor => wrap(N.oneHot!(x._h, numClasses));
/** Constant padding; `pad` lists (left, right) pairs from the last dim backwards, as F.pad. */
export const pad = (x: Tensor, padding: number[], value = 0): Tensor => wrap(N.pad!(x._h, padding, value));

/**
 * Cross entropy of logits (N, C) or (N, C, d...) against class ids (N) / (N, d...) or class
 * probabilities.  Targets equal to ignoreIndex (-100) contribute nothing; the mean is over
 * the others.
 */
export function crossEntropy(input: Tensor, target: Tensor,
  opts: { weight?: Tensor; reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number } = {}): Tensor {
  return wrap(N.crossEntropy!(input._h, target._h, opts.weight?._h, opts.reduction ?? 'mean', opts.ignoreIndex ?? -100, opts.labelSmoothing ?? 0));
}
export function nllLoss(input: Tensor, target: Tensor, opts: { weight?: Tensor; reduction?: Reduction; ignoreIndex?: number } = {}): Tensor {
  return wrap(N.nllLoss!(input._h, target._h, opts.weight?._h, opts.reduction ?? 'mean', opts.ignoreIndex ?? -100));
}
export const mseLoss = (input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor => wrap(N.mseLoss!(input._h, target._h, opts.reduction ?? 'mean'));
export const l1Loss = (input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor => wrap(N.l1Loss!(input._h, target._h, opts.reduction ?? 'mean'));
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor,
  opts: { weight?: Tensor; posWeight?: Tensor; reduction?: Reduction } = {}): Tensor {
  return wrap(N.bceWithLogits!(input._h, target._h, opts.weight?._h, opts.posWeight?._h, opts.reduction ?? 'mean'));
}

/**
 * softmax(q k^T * scale + mask) v.  q: (B, H, Tq, D), k/v: (B, H, Tk, D).  attnMask: bool
 * (true = attend) or additive float, broadcastable to (B, H, Tq, Tk).  Uses libtorch's fused
 * SDPA on 2.x and the math path on 1.13 (native/src/compat.h).
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor,
  opts: { attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number; training?: boolean } = {}): Tensor {
  return wrap(N.sdpa!(q._h, k._h, v._h, opts.attnMask?._h, opts.dropoutP ?? 0, opts.isCausal ?? false, opts.scale, opts.training ?? true));
}
