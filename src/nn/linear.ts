// linear.ts — Linear (torch.nn.Linear): y = x W^T + b, with PyTorch's default initialisation.
import { F, empty, type Tensor, type DType, type Device } from '../torch/index.js';
import { Module } from './module.js';
import { parameter, pyBool } from './parameter.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';

export interface LinearOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
  dtype?: DType;
  device?: Device;
}

/**
 * Affine map over the last dimension: (..., inFeatures) -> (..., outFeatures).  `weight` is
 * (outFeatures, inFeatures) as in PyTorch and HF checkpoints; weight and bias start as
 * U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)) (kaiming_uniform_ with a = sqrt(5)).
 * @example const proj = new Linear(768, 3072, { bias: false });
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** (out, in) */
  weight: Tensor;
  /** (out), or null without bias */
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const o = { dtype: opts.dtype, device: opts.device };
    this.weight = parameter(empty([outFeatures, inFeatures], o));
    this.bias = opts.bias ?? true ? parameter(empty([outFeatures], o)) : null;
    this.resetParameters();
  }
  /** PyTorch's reset_parameters: weight and bias U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }
  /** x: (..., in) -> (..., out) */
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
