// conv1d.ts — HF's Conv1D (transformers/pytorch_utils.py), GPT-2's linear layer: y = x W + b with
// the weight stored (in, out), the transpose of nn.Linear's (out, in). Checkpoints keep that layout
// (`h.0.attn.c_attn.weight` is (768, 2304)), and so does LoRA with fan_in_fan_out.
import { empty, zeros, addmm, type Tensor, type DType, type Device } from '../torch/index.js';
import { Module } from './module.js';
import { parameter } from './parameter.js';
import { normal_ } from './init.js';

export interface Conv1DOptions {
  dtype?: DType;
  device?: Device;
}

/**
 * (..., nx) -> (..., nf). weight (nx, nf) starts N(0, 0.02), bias zeros (HF's Conv1D init).
 * @example const cAttn = new Conv1D(3 * hidden, hidden); // nf, nx as HF orders them
 */
export class Conv1D extends Module {
  readonly nf: number;
  readonly nx: number;
  /** (nx, nf): in, out */
  weight: Tensor;
  /** (nf) */
  bias: Tensor;

  /** HF's argument order: Conv1D(nf = out features, nx = in features). */
  constructor(nf: number, nx: number, opts: Conv1DOptions = {}) {
    super();
    this.nf = nf;
    this.nx = nx;
    this.weight = parameter(empty([nx, nf], opts));
    this.bias = parameter(zeros([nf], opts));
    normal_(this.weight, 0, 0.02);
  }
  /** x: (..., nx) -> (..., nf), computed as HF does: addmm(bias, x.view(-1, nx), weight). */
  forward(x: Tensor): Tensor {
    const shape = x.shape;
    const y = addmm(this.bias, x.reshape(-1, this.nx), this.weight); // (N, nf)
    return y.view(...shape.slice(0, -1), this.nf);
  }
  override extraRepr(): string {
    return `nf=${this.nf}, nx=${this.nx}`;
  }
}
