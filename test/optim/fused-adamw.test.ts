// AdamW({ fused: true }) (optim 'adamw_torch_fused') against torch 2.13's AdamW(fused=True)
// (test/fixtures/optim/adamw_fused.json, made by scripts/fixtures/gen_fused_adamw.py) on the optim
// tests' MLP: where libtorch has the CPU fused kernel (>= 2.4) it is the same kernel, so the
// numbers agree to float32 noise; on 1.13 the single-tensor loop runs (lastStepFused false) and
// agrees within the optim tests' 1e-6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { AdamW } from '../../src/optim/index.js';
import { assertClose, readJson } from '../helpers.js';

const NAMES = ['W1', 'b1', 'W2', 'b2'] as const;
type Name = (typeof NAMES)[number];
interface Mlp { x: number[]; y: number[]; x_shape: number[]; y_shape: number[]; shapes: Record<Name, number[]>; W1: number[]; b1: number[]; W2: number[]; b2: number[] }
interface Ref { losses: number[]; final: Record<Name, number[]>; state: Record<string, { step: number; exp_avg: number[]; exp_avg_sq: number[] }>; fused: boolean }
const mlp = readJson<Mlp>('test/fixtures/optim/mlp.json');
const ref = readJson<Ref>('test/fixtures/optim/adamw_fused.json');
const [MAJOR, MINOR] = torch.version().split('.').map(Number) as [number, number];
const HAS_CPU_FUSED = MAJOR > 2 || (MAJOR === 2 && MINOR >= 4);

test(`AdamW fused: 10 steps match torch's AdamW(fused=True) (${HAS_CPU_FUSED ? 'the fused kernel' : 'libtorch 1.13: the single-tensor loop'})`, () => {
  const p = Object.fromEntries(NAMES.map((n) => [n, torch.tensor(Float32Array.from(mlp[n]), { shape: mlp.shapes[n], requiresGrad: true }).keep()])) as Record<Name, torch.Tensor>;
  const x = torch.tensor(Float32Array.from(mlp.x), { shape: mlp.x_shape }).keep(), y = torch.tensor(Float32Array.from(mlp.y), { shape: mlp.y_shape }).keep();
  const unused = torch.zeros([3], { requiresGrad: true }).keep();
  const opt = new AdamW([{ params: [p.W1, p.W2], weightDecay: 0.01 }, { params: [p.b1, unused, p.b2], weightDecay: 0 }], { lr: 1e-2, fused: true });
  const losses: number[] = [];
  for (let i = 0; i < 10; i++) {
    losses.push(torch.tidy(() => {
      const loss = torch.F.mseLoss(torch.F.linear(torch.F.linear(x, p.W1, p.b1).tanh(), p.W2, p.b2), y);
      loss.backward();
      opt.step();
      opt.zeroGrad();
      return loss.item();
    }));
  }
  assert.equal(opt.lastStepFused, HAS_CPU_FUSED, 'the fused kernel runs exactly where libtorch has it');
  // the same kernel: float32 noise only (BLAS in the forward); the single-tensor loop: its rounding
  const tol = HAS_CPU_FUSED ? { atol: 2e-7, rtol: 0 } : { atol: 1e-6, rtol: 0 };
  assertClose(losses, ref.losses, { ...tol, msg: 'losses' });
  for (const n of NAMES) assertClose(p[n], ref.final[n], { ...tol, msg: n });
  const sd = opt.stateDict();
  assert.equal(sd.param_groups[0]!.fused, ref.fused);
  assert.deepEqual(Object.keys(sd.state).sort(), Object.keys(ref.state).sort());
  for (const [i, s] of Object.entries(sd.state)) {
    assert.equal(s.step, ref.state[i]!.step);
    assertClose(s.exp_avg as torch.Tensor, ref.state[i]!.exp_avg, { ...tol, msg: `state ${i} exp_avg` });
  }
  assert.equal('fused' in new AdamW([unused]).stateDict().param_groups[0]!, false, 'not fused: 1.13\'s layout');
  assert.throws(() => new AdamW([unused], { fused: 'yes' as never }), /fused must be a boolean/);
  opt.dispose();
});
