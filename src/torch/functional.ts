// functional.ts — torch.nn.functional (F): activations, norms, dropout, losses, attention.
// Option names follow PyTorch's keyword arguments in camelCase.
import { native as N } from './native.js';
import { Tensor, wrap, hOf, hOpt } from './tensor.js';
import { dtypeCode, type DType } from './dtype.js';

export type Reduction = 'mean' | 'sum' | 'none';

export const relu = (x: Tensor): Tensor => x.relu();
export const silu = (x: Tensor): Tensor => x.silu();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();
/** GELU: 'none' = exact erf form (BERT's gelu), 'tanh' = HF gelu_new / gelu_pytorch_tanh. */
export const gelu = (x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor => x.gelu(opts.approximate ?? 'none');
export const softplus = (x: Tensor, beta = 1, threshold = 20): Tensor => wrap(N.softplus(hOf(x), beta, threshold));
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => wrap(N.leakyRelu(hOf(x), negativeSlope));
export const elu = (x: Tensor, alpha = 1): Tensor => wrap(N.elu(hOf(x), alpha));
export const logsigmoid = (x: Tensor): Tensor => wrap(N.logsigmoid(hOf(x)));
/** Clamps to [minVal, maxVal] (default [-1, 1]). */
export const hardtanh = (x: Tensor, minVal = -1, maxVal = 1): Tensor => wrap(N.hardtanh(hOf(x), minVal, maxVal));
export const softmax = (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => wrap(N.softmax(hOf(x), dim, dtypeCode(opts.dtype)));
export const logSoftmax = (x: Tensor, dim: number, opts: { dtype?: DType } = {}): Tensor => wrap(N.logSoftmax(hOf(x), dim, dtypeCode(opts.dtype)));

/** x @ weight^T + bias.  x: (..., in), weight: (out, in), bias: (out). */
export const linear = (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => wrap(N.linear(hOf(x), hOf(weight), hOpt(bias)));
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
  return wrap(N.embedding(hOf(weight), hOf(ids), p));
}
export const layerNorm = (x: Tensor, normalizedShape: number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor =>
  wrap(N.layerNorm(hOf(x), normalizedShape, hOpt(weight), hOpt(bias), eps));
/** HF LlamaRMSNorm: weight * (x * rsqrt(mean(x^2, -1) + eps)), statistics in float32. */
export const rmsNorm = (x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor => wrap(N.rmsNorm(hOf(x), hOpt(weight), eps));
export const dropout = (x: Tensor, p = 0.5, training = true): Tensor => {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability must be in [0, 1], got ${p}`);
  return p === 0 || !training ? x.alias() : wrap(N.dropout(hOf(x), p, training));
};
export const oneHot = (x: Tensor, numClasses = -1): Tensor => wrap(N.oneHot(hOf(x), numClasses));
/** Constant padding; `pad` lists (left, right) pairs from the last dim backwards, as F.pad. */
export const pad = (x: Tensor, padding: number[], value = 0): Tensor => wrap(N.pad(hOf(x), padding, value));

/**
 * Cross entropy of logits (N, C) or (N, C, d...) against class ids (N) / (N, d...) or class
 * probabilities.  Targets equal to ignoreIndex (-100) contribute nothing; the mean is over
 * the others.
 */
export function crossEntropy(input: Tensor, target: Tensor,
  opts: { weight?: Tensor; reduction?: Reduction; ignoreIndex?: number; labelSmoothing?: number } = {}): Tensor {
  return wrap(N.crossEntropy(hOf(input), hOf(target), hOpt(opts.weight), opts.reduction ?? 'mean', opts.ignoreIndex ?? -100, opts.labelSmoothing ?? 0));
}
/**
 * cross_entropy(logits, target, reduction='sum', ignore_index) for 2-D float CPU logits (N, V), with
 * the gradient made in the forward pass (native fusedCrossEntropy): the same value to float32
 * rounding, far less memory traffic for a large vocabulary (one pass over the logits instead of
 * four to five), no extra (N, V) buffer in backward.  Backward runs once per graph.
 */
export function fusedCrossEntropySum(logits: Tensor, target: Tensor, ignoreIndex = -100): Tensor {
  return wrap(N.fusedCrossEntropy(hOf(logits), hOf(target), ignoreIndex));
}
/**
 * cross_entropy(hidden @ weight^T + bias, target, reduction='sum', ignore_index) without the
 * (N, V) logits (native linearCrossEntropy; TRL's chunked_nll, Liger's fused linear CE): rows whose
 * target is ignoreIndex are dropped before the projection, the rest go through in blocks of
 * `chunkRows` tokens whose gradients are made at once.  hidden (N, H), weight (V, H) as nn.Linear
 * stores it, bias (V) or null, target (N) int64.  Returns a 0-d float32 tensor (float64 for
 * float64 inputs; bfloat16/float16 inputs accumulate in float32); backward runs once per graph.
 */
export function linearCrossEntropySum(hidden: Tensor, weight: Tensor, bias: Tensor | null, target: Tensor, opts: { ignoreIndex?: number; chunkRows?: number } = {}): Tensor {
  return wrap(N.linearCrossEntropy(hOf(hidden), hOf(weight), hOpt(bias ?? undefined), hOf(target), opts.ignoreIndex ?? -100, opts.chunkRows ?? 1024));
}
/**
 * linearCrossEntropySum and, from the same blocks of logits, what TRL's chunked pass logs with it:
 * `numCorrect` (rows whose argmax logit is the target) and `entropySum` (the Shannon entropy of each
 * row's softmax, nats, summed), both 0-d float32 without grad (float64 for float64 inputs), over
 * the rows whose target is not ignoreIndex.  No second projection.
 */
export function linearCrossEntropyWithStats(hidden: Tensor, weight: Tensor, bias: Tensor | null, target: Tensor,
  opts: { ignoreIndex?: number; chunkRows?: number } = {}): { sum: Tensor; numCorrect: Tensor; entropySum: Tensor } {
  const stats = wrap(N.zeros([2], dtypeCode(hidden.dtype === 'float64' ? 'float64' : 'float32'), hidden.device)); // (2), filled by the op
  const sum = wrap(N.linearCrossEntropy(hOf(hidden), hOf(weight), hOpt(bias ?? undefined), hOf(target), opts.ignoreIndex ?? -100, opts.chunkRows ?? 1024, hOf(stats)));
  return { sum, numCorrect: stats.select(0, 0), entropySum: stats.select(0, 1) };
}
export function nllLoss(input: Tensor, target: Tensor, opts: { weight?: Tensor; reduction?: Reduction; ignoreIndex?: number } = {}): Tensor {
  return wrap(N.nllLoss(hOf(input), hOf(target), hOpt(opts.weight), opts.reduction ?? 'mean', opts.ignoreIndex ?? -100));
}
export const mseLoss = (input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor => wrap(N.mseLoss(hOf(input), hOf(target), opts.reduction ?? 'mean'));
export const l1Loss = (input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor => wrap(N.l1Loss(hOf(input), hOf(target), opts.reduction ?? 'mean'));
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor,
  opts: { weight?: Tensor; posWeight?: Tensor; reduction?: Reduction } = {}): Tensor {
  return wrap(N.bceWithLogits(hOf(input), hOf(target), hOpt(opts.weight), hOpt(opts.posWeight), opts.reduction ?? 'mean'));
}

/**
 * softmax(q k^T * scale + mask) v.  q: (B, H, Tq, D), k/v: (B, Hkv, Tk, D) with H a multiple of
 * Hkv (grouped-query heads).  attnMask: bool (true = attend) or additive float, broadcastable to
 * (B, H, Tq, Tk).  Uses libtorch's fused SDPA on 2.x and the math path on 1.13, or always with
 * `eager` (native/src/compat.h: 2.x's fused CPU backward differs on fully masked rows).
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor,
  opts: { attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number; training?: boolean; eager?: boolean } = {}): Tensor {
  return wrap(N.sdpa(hOf(q), hOf(k), hOf(v), hOpt(opts.attnMask), opts.dropoutP ?? 0, opts.isCausal ?? false, opts.scale, opts.training ?? true, opts.eager ?? false));
}
