// index.ts — every op-parity case on the TS side, keyed `family.name` exactly as the fixture
// (test/fixtures/torch/ops.json, written by scripts/fixtures/gen_torch_ops.py) names them.
import type { CaseFn, Cases } from './types.js';
import { creation } from './creation.js';
import { tensor } from './tensor.js';
import { pointwise } from './pointwise.js';
import { reduction } from './reduction.js';
import { shape } from './shape.js';
import { linalg } from './linalg.js';
import { nn } from './nn.js';
import { autograd } from './autograd.js';
import { random } from './random.js';

const FAMILIES: Record<string, Cases> = { creation, tensor, pointwise, reduction, shape, linalg, nn, autograd, random };

export const CASES = new Map<string, CaseFn>();
for (const [family, cases] of Object.entries(FAMILIES))
  for (const [name, fn] of Object.entries(cases)) CASES.set(`${family}.${name}`, fn);
export type { CaseFn, Inputs } from './types.js';
