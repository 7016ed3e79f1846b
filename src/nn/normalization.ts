// normalization.ts — LayerNorm (torch.nn.LayerNorm) and RMSNorm (HF LlamaRMSNorm, which the
// Llama/Qwen/Mistral families share; state-dict name `weight`).
import { F, ones, zeros, type Tensor, type DType, type Device } from '../torch/index.js';
import { Module } from './module.js';
import { parameter, pyBool, pyFloat, pyTuple } from './parameter.js';

export interface LayerNormOptions {
  eps?: number;
  /** Learn a per-element weight (and bias) (default true). */
  elementwiseAffine?: boolean;
  /** Learn a bias when affine (default true). */
  bias?: boolean;
  dtype?: DType;
  device?: Device;
}

/**
 * (x - mean) / sqrt(var + eps) * weight + bias over the trailing `normalizedShape` dims
 * (biased variance).  weight starts at ones, bias at zeros.
 * @example const ln = new LayerNorm(768, { eps: 1e-12 }); // BERT
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  /** normalizedShape, or null without affine */
  weight: Tensor | null;
  /** normalizedShape, or null */
  bias: Tensor | null;

  constructor(normalizedShape: number | number[], opts: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    const o = { dtype: opts.dtype, device: opts.device };
    this.weight = this.elementwiseAffine ? parameter(ones(this.normalizedShape, o)) : null;
    this.bias = this.elementwiseAffine && (opts.bias ?? true) ? parameter(zeros(this.normalizedShape, o)) : null;
  }
  /** x: (..., *normalizedShape) -> same shape */
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

export interface RMSNormOptions {
  eps?: number;
  dtype?: DType;
  device?: Device;
}

/**
 * HF LlamaRMSNorm: weight * (x * rsqrt(mean(x^2, -1) + eps)), statistics in float32 and the
 * normalised value cast back to x's dtype before the weight multiply.  weight starts at ones.
 * @example const norm = new RMSNorm(cfg.hidden_size, { eps: cfg.rms_norm_eps });
 */
export class RMSNorm extends Module {
  readonly hiddenSize: number;
  /** HF's `variance_epsilon` */
  readonly eps: number;
  /** (D) */
  weight: Tensor;

  constructor(hiddenSize: number, opts: RMSNormOptions = {}) {
    super();
    this.hiddenSize = hiddenSize;
    this.eps = opts.eps ?? 1e-6;
    this.weight = parameter(ones([hiddenSize], { dtype: opts.dtype, device: opts.device }));
  }
  /** x: (..., D) -> (..., D) */
  forward(x: Tensor): Tensor {
    return F.rmsNorm(x, this.weight, this.eps);
  }
  override extraRepr(): string {
    return `${pyTuple([this.hiddenSize])}, eps=${pyFloat(this.eps)}`;
  }
}
