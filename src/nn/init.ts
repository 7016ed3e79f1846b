// init.ts — torch.nn.init: in-place initialisers.  Each runs under noGrad (so it works on
// parameters), takes an optional Generator, returns its tensor, and computes fans and gains
// exactly as torch/nn/init.py does.
import { noGrad, where, emptyLike, type Tensor, type Generator } from '../torch/index.js';

/** Every initialiser draws from `generator` when given, else from the default CPU/CUDA one. */
export interface InitOptions { generator?: Generator }
/** Which fan kaiming_* scale by: fan_in keeps forward variance, fan_out backward variance. */
export type FanMode = 'fan_in' | 'fan_out';
/** The names calculateGain knows (torch.nn.init spellings). */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d'
  | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): 1 for linear/conv/
 * sigmoid, 5/3 tanh, sqrt(2) relu, sqrt(2 / (1 + slope^2)) leaky_relu (slope = param ?? 0.01),
 * 3/4 selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    case 'linear': case 'sigmoid': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': return 1;
    default: throw new RangeError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * [fanIn, fanOut] of a weight (torch.nn.init._calculate_fan_in_and_fan_out): for (out, in, k...)
 * fanIn = in * prod(k), fanOut = out * prod(k).  Needs at least 2 dimensions.
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  const shape = t.shape;
  if (shape.length < 2) throw new RangeError(`Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape [${shape}])`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1]! * receptive, shape[0]! * receptive];
}
function correctFan(t: Tensor, mode: FanMode): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new RangeError(`Mode ${String(mode)} not supported, please use one of fan_in, fan_out`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return mode === 'fan_in' ? fanIn : fanOut;
}

/** Fills with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, opts: InitOptions = {}): Tensor {
  noGrad(() => t.uniform_({ a, b, generator: opts.generator }));
  return t;
}
/** Fills with N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  noGrad(() => t.normal_({ mean, std, generator: opts.generator }));
  return t;
}
/** Fills with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}
/** Fills with 0. */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** Fills with 1. */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -a, a, opts);
}
/** Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), opts);
}

export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky_relu that follows (default 0). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}
function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  return gain / Math.sqrt(correctFan(t, o.mode ?? 'fan_in'));
}
/**
 * He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan).  nn.Linear's default is
 * `{ a: Math.sqrt(5) }`, i.e. bound = 1 / sqrt(fanIn).  Zero-element tensors are left alone.
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.numel() === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -bound, bound, opts);
}
/** He normal: N(0, std^2), std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.numel() === 0) return t;
  return normal_(t, 0, kaimingStd(t, opts), opts);
}

/**
 * N(mean, std^2) truncated to [a, b] (absolute bounds, as torch.nn.init.trunc_normal_).
 * Exact in distribution but drawn by rejection (out-of-range elements are redrawn), not by
 * PyTorch's inverse-CDF method, so the values differ from PyTorch's for the same seed (the
 * addon has no erfinv).  Throws when [a, b] holds too little mass to converge.
 */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, opts: InitOptions = {}): Tensor {
  if (!(a < b)) throw new RangeError(`truncNormal_: need a < b, got a=${a}, b=${b}`);
  noGrad(() => {
    t.normal_({ mean, std, generator: opts.generator });
    for (let round = 0; ; round++) {
      const lo = t.lt(a), hi = t.gt(b), bad = lo.logicalOr(hi), any = bad.any();
      const done = !any.item();
      lo.dispose(); hi.dispose(); any.dispose();
      if (done) { bad.dispose(); return; }
      if (round === 1000) {
        bad.dispose();
        throw new RangeError(`truncNormal_: [${a}, ${b}] is too far in the tail of N(${mean}, ${std}^2) to sample by rejection`);
      }
      const fresh = emptyLike(t);
      fresh.normal_({ mean, std, generator: opts.generator });
      const mixed = where(bad, fresh, t); // redraw only the out-of-range elements
      t.copy_(mixed);
      bad.dispose(); fresh.dispose(); mixed.dispose();
    }
  });
  return t;
}
