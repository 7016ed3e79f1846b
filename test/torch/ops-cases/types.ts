// types.ts — the shape of an op-parity case on the TS side: a function of the fixture's inputs
// (in order) returning one tensor or a list, mirroring one lambda in
// scripts/fixtures/torch_ops_cases/*.py.
import type { Tensor } from '../../../src/torch/index.js';

/** The case's inputs; a tuple type so `([a, b]) =>` destructures to Tensor, not Tensor | undefined. */
export type Inputs = [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
export type CaseFn = (x: Inputs) => Tensor | Tensor[];
export type Cases = Record<string, CaseFn>;

/** PyTorch returns (values, indices) tuples where tunekit returns an object. */
export const vi = (r: { values: Tensor; indices: Tensor }): Tensor[] => [r.values, r.indices];
