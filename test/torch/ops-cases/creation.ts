// creation.ts — TS half of scripts/fixtures/torch_ops_cases/creation.py.
import * as torch from '../../../src/torch/index.js';
import type { Cases } from './types.js';

export const creation: Cases = {
  arange_end: () => torch.arange(5),
  arange_int: () => torch.arange(0, 10, 3),
  arange_float: () => torch.arange(0.5, 2.0, 0.25),
  arange_neg_step: () => torch.arange(5, -3, -2),
  arange_float64: () => torch.arange(0, 6, 1, { dtype: 'float64' }),
  linspace: () => torch.linspace(-1, 1, 7),
  linspace_float64: () => torch.linspace(0, 1, 5, { dtype: 'float64' }),
  linspace_one_step: () => torch.linspace(2, 3, 1),
  eye: () => torch.eye(3),
  eye_rect_float64: () => torch.eye(2, 4, { dtype: 'float64' }),
  full_int: () => torch.full([2, 3], 7),
  full_float: () => torch.full([2, 2], 1.5),
  full_bool: () => torch.full([3], true),
  full_float64: () => torch.full([2], 3, { dtype: 'float64' }),
  zeros: () => torch.zeros([2, 3]),
  ones: () => torch.ones([3]),
  zeros_int64: () => torch.zeros([2], { dtype: 'int64' }),
  ones_bool: () => torch.ones([2, 2], { dtype: 'bool' }),
  scalar_tensor: () => torch.scalarTensor(3.5),
  scalar_tensor_int_value: () => torch.scalarTensor(3),
  scalar_tensor_float64: () => torch.scalarTensor(-2, { dtype: 'float64' }),
  tensor_nested: () => torch.tensor([[1, 2.5], [3, 4]]),
  tensor_bool: () => torch.tensor([true, false, true]),
  tensor_int64: () => torch.tensor([1, -2, 3], { dtype: 'int64' }),
  zeros_like: ([x]) => torch.zerosLike(x),
  ones_like_int64: ([x]) => torch.onesLike(x, { dtype: 'int64' }),
  full_like: ([x]) => torch.fullLike(x, 2.5),
};
