// test/nn/fixture.ts — reads test/fixtures/nn/modules.json (scripts/fixtures/gen_nn.py).
import * as torch from '../../src/torch/index.js';
import { readJson } from '../helpers.js';

export interface TJ { shape: number[]; dtype: 'float32' | 'int64'; data: number[] }
export interface Case {
  name: string;
  module: string;
  config: Record<string, number | boolean | number[]>;
  training: boolean;
  state: Record<string, TJ>;
  input: TJ;
  w: TJ;
  output: TJ;
  grads: Record<string, TJ>;
}
export interface Fixture {
  cases: Case[];
  nested: {
    named_parameters: [string, number[]][];
    state_dict: [string, number[]][];
    named_buffers: string[];
    named_modules: string[];
    num_parameters: number;
    repr: string;
  };
  activations: { input: TJ; outputs: Record<string, TJ>; gelu_new_vs_pytorch_tanh_max_abs_diff: number };
  init: {
    shape: number[];
    fns: Record<string, { seed: number; value: TJ }>;
    linear_seed3: { weight: TJ; bias: TJ };
    embedding_seed4: { weight: TJ };
    generator123_uniform: TJ;
    generator123_then_normal: TJ;
  };
}

export const fixture = readJson<Fixture>('test/fixtures/nn/modules.json');

/** A fixture tensor as a tunekit tensor (owned by the current scope). */
export function fromJson(t: TJ): torch.Tensor {
  return t.dtype === 'int64'
    ? torch.tensor(BigInt64Array.from(t.data, (v) => BigInt(v)), { shape: t.shape })
    : torch.tensor(Float32Array.from(t.data), { shape: t.shape });
}
