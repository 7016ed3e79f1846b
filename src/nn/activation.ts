// activation.ts — Dropout, activation modules (torch.nn.ReLU, GELU, SiLU, Tanh, Sigmoid) and
// ACT2FN, the map from HF configs' `hidden_act` strings to functions (transformers/activations.py).
import { F, type Tensor } from '../torch/index.js';
import { Module } from './module.js';
import { pyFloat } from './parameter.js';

/**
 * Zeroes each element with probability p and scales the rest by 1/(1-p) while training;
 * the identity in eval mode or when p = 0 (a fresh handle either way).
 */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
  }
  /** x: any shape -> same shape */
  forward(x: Tensor): Tensor { return F.dropout(x, this.p, this.training); }
  override extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=False`; }
}

/** max(x, 0) */
export class ReLU extends Module {
  forward(x: Tensor): Tensor { return F.relu(x); }
}
/** GELU: 'none' = exact erf form, 'tanh' = the tanh approximation (HF gelu_pytorch_tanh). */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(opts: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = opts.approximate ?? 'none';
  }
  forward(x: Tensor): Tensor { return F.gelu(x, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}
/** x * sigmoid(x) (HF "silu" / "swish"). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor { return F.silu(x); }
}
/** tanh(x) */
export class Tanh extends Module {
  forward(x: Tensor): Tensor { return F.tanh(x); }
}
/** 1 / (1 + exp(-x)) */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return F.sigmoid(x); }
}
/** Returns its input (as a fresh handle). */
export class Identity extends Module {
  forward(x: Tensor): Tensor { return x.alias(); }
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

// HF's formulas, written with the same ops in the same order so results are bit-identical to
// transformers on the same libtorch (a*b == b*a in IEEE arithmetic, so operand order is free).
/** NewGELUActivation (GPT-2): 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))). */
function geluNew(x: Tensor): Tensor {
  const x3 = x.pow(3);                       // (...) x^3
  const inner = x.add(x3.mul(0.044715)).mul(SQRT_2_OVER_PI);
  return x.mul(0.5).mul(inner.tanh().add(1));
}
/** FastGELUActivation: 0.5x(1 + tanh(x * 0.7978845608 * (1 + 0.044715x^2))). */
function geluFast(x: Tensor): Tensor {
  const poly = x.mul(0.044715).mul(x).add(1);
  return x.mul(0.5).mul(x.mul(0.7978845608).mul(poly).tanh().add(1));
}
/** GELUActivation(use_gelu_python=True): x * 0.5 * (1 + erf(x / sqrt(2))). */
function geluPython(x: Tensor): Tensor {
  return x.mul(0.5).mul(x.div(Math.SQRT2).erf().add(1));
}
/** QuickGELUActivation (CLIP): x * sigmoid(1.702x). */
function quickGelu(x: Tensor): Tensor {
  return x.mul(x.mul(1.702).sigmoid());
}

/** The `hidden_act` strings tunekit implements exactly as transformers does. */
export type ActivationName = 'gelu' | 'gelu_new' | 'gelu_fast' | 'gelu_python' | 'gelu_accurate' | 'gelu_pytorch_tanh'
  | 'quick_gelu' | 'relu' | 'leaky_relu' | 'silu' | 'swish' | 'sigmoid' | 'tanh' | 'linear';

/**
 * HF's ACT2FN as plain functions (x) -> y of the same shape.  Notes: 'gelu' is the exact erf
 * form; 'gelu_new' (GPT-2) and 'gelu_accurate' follow HF's op-by-op tanh formula, which equals
 * 'gelu_pytorch_tanh' (libtorch's fused tanh GELU) only up to float rounding (~1 ulp);
 * 'linear' is the identity.
 * @example const act = getActivation(config.hidden_act);
 */
export const ACT2FN: Readonly<Record<ActivationName, (x: Tensor) => Tensor>> = Object.freeze({
  gelu: (x: Tensor) => F.gelu(x),
  gelu_new: geluNew,
  gelu_fast: geluFast,
  gelu_python: geluPython,
  gelu_accurate: geluNew, // AccurateGELUActivation: same formula with torch.pow(x, 3)
  gelu_pytorch_tanh: (x: Tensor) => F.gelu(x, { approximate: 'tanh' }),
  quick_gelu: quickGelu,
  relu: F.relu,
  leaky_relu: (x: Tensor) => F.leakyRelu(x),
  silu: F.silu,
  swish: F.silu,
  sigmoid: F.sigmoid,
  tanh: F.tanh,
  linear: (x: Tensor) => x.alias(),
});

/** ACT2FN[name], or an error listing the supported names. */
export function getActivation(name: string): (x: Tensor) => Tensor {
  const fn = (ACT2FN as Record<string, (x: Tensor) => Tensor>)[name];
  if (!Object.hasOwn(ACT2FN, name) || !fn) throw new RangeError(`activation function '${name}' not supported; expected one of ${Object.keys(ACT2FN).join(', ')}`);
  return fn;
}
