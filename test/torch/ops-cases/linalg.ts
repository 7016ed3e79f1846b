// linalg.ts — TS half of scripts/fixtures/torch_ops_cases/linalg.py.
import * as torch from '../../../src/torch/index.js';
import { F } from '../../../src/torch/index.js';
import type { CaseFn, Cases } from './types.js';

const matmul: CaseFn = ([a, b]) => torch.matmul(a, b);

export const linalg: Cases = {
  matmul_1d_1d: matmul,
  matmul_2d_1d: matmul,
  matmul_1d_2d: matmul,
  matmul_2d_2d: ([a, b]) => a.matmul(b),
  matmul_3d_2d: matmul,
  matmul_2d_3d: matmul,
  matmul_3d_3d: matmul,
  matmul_batch_broadcast: matmul,
  matmul_4d_broadcast: matmul,
  matmul_1d_3d: matmul,
  matmul_3d_1d: matmul,
  mm: ([a, b]) => a.mm(b),
  bmm: ([a, b]) => torch.bmm(a, b),
  dot: ([a, b]) => a.dot(b),
  outer: ([a, b]) => torch.outer(a, b),
  linear: ([x, w, b]) => F.linear(x, w, b),
  linear_no_bias: ([x, w]) => F.linear(x, w),
  linear_1d_input: ([x, w, b]) => F.linear(x, w, b),
  addmm: ([c, a, b]) => torch.addmm(c, a, b),
  addmm_beta_alpha: ([c, a, b]) => torch.addmm(c, a, b, { beta: 0.5, alpha: 2 }),
  addmm_broadcast_bias: ([c, a, b]) => torch.addmm(c, a, b, { alpha: -1 }),
  baddbmm: ([c, a, b]) => torch.baddbmm(c, a, b),
  baddbmm_beta_alpha: ([c, a, b]) => torch.baddbmm(c, a, b, { beta: 0.25, alpha: 1.5 }),
  einsum_mm: ([a, b]) => torch.einsum('ij,jk->ik', a, b),
  einsum_batch_transpose: ([a, b]) => torch.einsum('bij,bkj->bik', a, b),
  einsum_diag: ([a]) => torch.einsum('ii->i', a),
  einsum_trace: ([a]) => torch.einsum('ii', a),
  einsum_inner: ([a, b]) => torch.einsum('i,i->', a, b),
  einsum_attention: ([q, k]) => torch.einsum('bhqd,bhkd->bhqk', q, k),
  einsum_sum_rows: ([a]) => torch.einsum('ij->j', a),
  einsum_three: ([a, b, c]) => torch.einsum('ij,jk,k->i', a, b, c),
};
