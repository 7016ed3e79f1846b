// GradScaler against torch.amp.GradScaler (torch 2.13 CPU; test/fixtures/grad-scaler, made by
// scripts/fixtures/gen_grad_scaler.py): a linear layer trained by SGD with inf / NaN gradients
// injected at steps 2, 3 and 7 — which steps are skipped, the scale and growth tracker after each
// update, the weights, the state dict; and the errors for misuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { GradScaler, SGD } from '../../src/optim/index.js';
import { assertClose, readJson } from '../helpers.js';

interface Step {
  step: number; poison: string; loss: number; scaled_loss: number; scale_before: number; unscaled_grad_00: number;
  ran: boolean; scale_after: number; growth_tracker: number; weight: number[][];
}
interface Ref {
  w0: number[][]; x: number[][]; y: number[][]; lr: number; init_scale: number; growth_interval: number;
  steps: Step[]; state_dict: Record<string, number>; loaded_scale: number; defaults: Record<string, number>;
}
const ref = readJson<Ref>('test/fixtures/grad-scaler/reference.json');
const POISON: Record<string, number> = { inf: Infinity, nan: NaN, '-inf': -Infinity };

test('GradScaler follows torch.amp.GradScaler: skipped steps, backoff, growth, weights, state dict', () => {
  const w = torch.tensor(ref.w0).requiresGrad_(true);
  const x = torch.tensor(ref.x), y = torch.tensor(ref.y);
  const opt = new SGD([w], { lr: ref.lr });
  const scaler = new GradScaler({ init_scale: ref.init_scale, growth_interval: ref.growth_interval });
  for (const s of ref.steps) {
    torch.tidy(() => {
      const loss = x.matmul(w.transpose(0, 1)).sub(y).pow(2).mean();
      const scaled = scaler.scale(loss);
      assert.equal(scaled.item(), s.scaled_loss, `step ${s.step}: scaled loss`);
      scaled.backward();
      if (s.poison !== 'None') {
        // one element of the gradient, as the generator's grad[1, 2] = value
        const g = w.grad!;
        const m = torch.tensor([[0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]).eq(1);
        g.copy_(torch.full([3, 4], POISON[s.poison]!).where(m, g));
      }
      assert.equal(scaler.getScale(), s.scale_before, `step ${s.step}: scale before`);
      scaler.unscale_(opt);
      if (s.ran) assertClose(w.grad!.flatten().narrow(0, 0, 1), [s.unscaled_grad_00], { atol: 0, rtol: 1e-6, msg: `step ${s.step}: unscaled gradient` });
      const ran = scaler.step(opt);
      assert.equal(ran, s.ran, `step ${s.step}: skipped or not`);
      assert.equal(scaler.foundInf(opt), !s.ran);
      scaler.update();
      opt.zeroGrad();
      assert.equal(scaler.getScale(), s.scale_after, `step ${s.step}: scale after update`);
      assert.equal(scaler.stateDict()._growth_tracker, s.growth_tracker, `step ${s.step}: growth tracker`);
      assertClose(loss, [s.loss], { atol: 1e-7, rtol: 1e-6, msg: `step ${s.step}: loss` });
      assertClose(w, s.weight.flat(), { atol: 1e-7, rtol: 1e-6, msg: `step ${s.step}: weights` });
    });
  }
  assert.deepEqual(scaler.stateDict(), ref.state_dict);
  assert.deepEqual(new GradScaler().stateDict(), ref.defaults);
  const fresh = new GradScaler();
  fresh.loadStateDict(scaler.stateDict() as never);
  assert.equal(fresh.getScale(), ref.loaded_scale);
  assert.deepEqual(fresh.stateDict(), ref.state_dict);
});

test('GradScaler: misuse and bad values are errors naming them; a disabled scaler passes through', () => {
  const w = torch.tensor([1, 2]).requiresGrad_(true);
  const opt = new SGD([w], { lr: 0.1 });
  const s = new GradScaler();
  torch.tidy(() => s.scale(w.sum()).backward());
  s.unscale_(opt);
  assert.throws(() => s.unscale_(opt), /already been called/);
  s.step(opt);
  assert.throws(() => s.step(opt), /already been called/);
  assert.throws(() => s.unscale_(opt), /after step/);
  s.update();
  assert.throws(() => s.update(), /no inf checks/);
  assert.throws(() => new GradScaler({ init_scale: 0 }), /init_scale must be a finite number > 0, got 0/);
  assert.throws(() => new GradScaler({ backoff_factor: 1 }), /backoff_factor must be in \(0, 1\)/);
  assert.throws(() => new GradScaler({ growth_interval: 1.5 }), /growth_interval must be an integer/);
  assert.throws(() => new GradScaler({ initScale: 4 } as never), /unknown option 'initScale'/);
  assert.throws(() => s.loadStateDict({ scale: 2, growth_factor: 2, backoff_factor: 0.5, growth_interval: 10 }), /_growth_tracker must be a number/);
  assert.throws(() => s.loadStateDict({}), /empty/);
  const off = new GradScaler({ enabled: false });
  torch.tidy(() => {
    const l = w.sum();
    assert.equal(off.scale(l), l);
    assert.equal(off.getScale(), 1);
  });
  assert.deepEqual(off.stateDict(), {});
  w.grad!.fill_(Infinity);
  assert.equal(off.step(opt), true, 'a disabled scaler never skips');
  assert.equal(w.grad!.isDisposed, false);
  opt.zeroGrad();
});
