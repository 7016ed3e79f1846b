// random.ts — TS half of scripts/fixtures/torch_ops_cases/random.py: the same seeds give PyTorch's
// numbers, because both sides draw from libtorch's CPU generator.
import * as torch from '../../../src/torch/index.js';
import { F, Generator, type Tensor } from '../../../src/torch/index.js';
import type { Cases } from './types.js';

const gen = (seed: number): Generator => new Generator(seed);
const seeded = (seed: number, fn: () => Tensor): Tensor => { torch.manualSeed(seed); return fn(); };

export const random: Cases = {
  randn_generator: () => torch.randn([2, 3], { generator: gen(7) }),
  rand_generator_float64: () => torch.rand([2, 3], { generator: gen(8), dtype: 'float64' }),
  randint_generator: () => torch.randint(0, 10, [2, 5], { generator: gen(9) }),
  randperm_generator: () => torch.randperm(8, { generator: gen(10) }),
  randn_manual_seed: () => seeded(3, () => torch.randn([4])),
  uniform_manual_seed: () => seeded(4, () => torch.empty([2, 3]).uniform_(-1, 1)),
  normal_manual_seed: () => seeded(5, () => torch.empty([2, 3], { dtype: 'float64' }).normal_(1, 0.5)),
  randn_like_manual_seed: ([x]) => seeded(6, () => torch.randnLike(x)),
  bernoulli_generator: ([p]) => torch.bernoulli(p, { generator: gen(11) }),
  multinomial_generator: ([p]) => torch.multinomial(p, 3, false, { generator: gen(12) }),
  multinomial_replacement: ([p]) => torch.multinomial(p, 6, true, { generator: gen(13) }),
  dropout_train: ([x]) => seeded(14, () => F.dropout(x, 0.5, true)),
  sdpa_dropout: ([q, k, v]) => seeded(15, () => F.scaledDotProductAttention(q, k, v, { dropoutP: 0.3, training: true })),
};
