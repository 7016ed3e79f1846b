// seq2seq-refs.ts — what the T5-family fixture tests (mt5, umt5, t5-heads) share: a fixture folder's
// reference.safetensors, its `prefix.` groups, and the output and gradient comparisons with their tolerances
// (float32 runs of the same math differ by ~1e-6: a hundredfold margin, as test/models/t5.test.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import type { PreTrainedModel } from '../../src/models/index.js';

export const OUT_RTOL = 1e-4, OUT_ATOL = 1e-5, GRAD_RTOL = 1e-4, GRAD_ATOL = 1e-6;
export type Ref = Record<string, torch.Tensor>;

/** `dir/name/reference.safetensors` (a missing file fails the test). */
export const loadRef = (dir: string, name: string): Promise<Ref> => torch.safetensors.loadFile(join(dir, name, 'reference.safetensors'));
/** A load that fails on any warning. */
export const noWarnings = { onWarning: (m: string): never => assert.fail(`unexpected load warning: ${m}`) };
/** `prefix.<name>` entries of a reference, keyed by name. */
export const group = (ref: Ref, prefix: string): Ref => Object.fromEntries(Object.entries(ref).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
export const disposeRef = (r: Ref): void => Object.values(r).forEach((t) => t.dispose());

/** How far |got - want| goes past OUT_RTOL·|want| + OUT_ATOL anywhere (0 when within). */
export function maxExcess(got: torch.Tensor, want: torch.Tensor): number {
  return torch.tidy(() => got.sub(want).abs().sub(want.abs().mul(OUT_RTOL).add(OUT_ATOL)).relu().max().item());
}

/** Every parameter has a reference gradient, and ||grad - ref|| <= GRAD_RTOL·||ref|| + GRAD_ATOL. */
export function checkGrads(model: PreTrainedModel, ref: Ref): void {
  const grads = group(ref, 'grad.');
  assert.deepEqual(model.namedParameters().map(([n]) => n).sort(), Object.keys(grads).sort(), 'named_parameters = the reference gradients');
  torch.tidy(() => {
    for (const [n, p] of model.namedParameters()) {
      const err = p.grad!.sub(grads[n]!).norm().item(), norm = grads[n]!.norm().item();
      assert.ok(err <= GRAD_RTOL * norm + GRAD_ATOL, `${n}: ||grad - ref|| = ${err.toExponential(3)} > ${GRAD_RTOL}·${norm.toExponential(3)} + ${GRAD_ATOL}`);
    }
  });
}
