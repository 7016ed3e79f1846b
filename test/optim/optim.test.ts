// src/optim against torch 1.13 (test/fixtures/optim, made by scripts/fixtures/gen_optim.py) and
// HF's Trainer runs ($TUNEKIT_HF_FIXTURES/training): AdamW/SGD trajectories of a tiny MLP,
// clip_grad_norm_, state-dict resume, LR schedules, the weight-decay split, validation and the
// live-tensor count per step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  AdamW, SGD, clipGradNorm, gradNorm, getScheduler, LambdaLR, getDecayParameterNames, getParameterGroups, isNormParamName,
  type Optimizer, type OptimizerStateDict, type SchedulerName,
} from '../../src/optim/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertClose, readJson, sharedDir } from '../helpers.js';

const { tidy, F, liveTensorCount } = torch;
type Tensor = torch.Tensor;
const NAMES = ['W1', 'b1', 'W2', 'b2'] as const;
type Name = (typeof NAMES)[number];
type Weights = Record<Name, number[]>;
// One float32 forward/backward per step, same ops as torch: differences are float32 rounding in
// libtorch's kernels, far below the 1e-6 bound.
const TOL = { atol: 1e-6, rtol: 0 };

interface MlpFixture extends Weights { x: number[]; y: number[]; x_shape: number[]; y_shape: number[]; shapes: Record<Name, number[]> }
const mlp = readJson<MlpFixture>('test/fixtures/optim/mlp.json');
const X = torch.tensor(Float32Array.from(mlp.x), { shape: mlp.x_shape }).keep();
const Y = torch.tensor(Float32Array.from(mlp.y), { shape: mlp.y_shape }).keep();

/** Fresh leaf parameters W1 (16, 8), b1 (16), W2 (4, 16), b2 (4) from the fixture. */
function makeParams(): Record<Name, Tensor> {
  const p = {} as Record<Name, Tensor>;
  for (const n of NAMES) p[n] = torch.tensor(Float32Array.from(mlp[n]), { shape: mlp.shapes[n], requiresGrad: true }).keep();
  return p;
}
const list = (p: Record<Name, Tensor>): Tensor[] => NAMES.map((n) => p[n]);
const disposeAll = (ts: Tensor[]): void => ts.forEach((t) => t.dispose());

/** (32, 8) -> tanh(linear) (32, 16) -> linear (32, 4); MSE against Y. */
function lossOf(p: Record<Name, Tensor>): Tensor {
  const h = F.linear(X, p.W1, p.b1).tanh();
  return F.mseLoss(F.linear(h, p.W2, p.b2), Y);
}

/** Trains `steps` steps, one tidy() scope each; returns losses and the lr each step ran with. */
function train(p: Record<Name, Tensor>, opt: Optimizer, steps: number, sched?: LambdaLR, sign = 1) {
  const losses: number[] = [], lrs: number[] = [], live: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(tidy(() => {
      const loss = lossOf(p);
      loss.mul(sign).backward();
      lrs.push(opt.paramGroups[0]!.lr);
      opt.step();
      opt.zeroGrad();
      sched?.step();
      return loss.item();
    }));
    live.push(liveTensorCount());
  }
  // state is created on the first step; after that every step must free all it makes
  assert.deepEqual(live.slice(1), live.slice(1).map(() => live[0]), `live tensors per step: ${live.join(', ')}`);
  return { losses, lrs };
}

function assertWeights(p: Record<Name, Tensor>, expected: Weights, msg: string): void {
  for (const n of NAMES) assertClose(p[n], expected[n], { ...TOL, msg: `${msg} ${n}` });
}

/** Compares a tunekit state dict with torch's JSON (tensors as flat lists): groups exactly, state to TOL. */
function assertStateDict(sd: OptimizerStateDict, ref: { state: Record<string, Record<string, unknown>>; param_groups: unknown[] }, msg: string): void {
  assert.deepEqual(sd.param_groups, ref.param_groups, `${msg}: param_groups`);
  assert.deepEqual(Object.keys(sd.state).sort(), Object.keys(ref.state).sort(), `${msg}: state indices`);
  for (const [i, entry] of Object.entries(sd.state)) {
    const want = ref.state[i]!;
    assert.deepEqual(Object.keys(entry).sort(), Object.keys(want).sort(), `${msg}: state[${i}] keys`);
    for (const [k, v] of Object.entries(entry)) {
      if (v instanceof torch.Tensor) assertClose(v, want[k] as number[], { ...TOL, msg: `${msg}: state[${i}].${k}` });
      else assert.equal(v, want[k], `${msg}: state[${i}].${k}`);
    }
  }
}

interface AdamWFixture { lr: number; betas: [number, number]; eps: number; weight_decay: number[]; losses: number[]; final: Weights; state_dict: never }
const adamwRef = readJson<AdamWFixture>('test/fixtures/optim/adamw.json');

test('AdamW: 10 steps of the MLP match torch (two groups, one parameter without a gradient)', () => {
  const p = makeParams();
  const unused = torch.zeros([3], { requiresGrad: true }).keep();
  const opt = new AdamW([
    { params: [p.W1, p.W2], weightDecay: adamwRef.weight_decay[0] },
    { params: [p.b1, unused, p.b2], weightDecay: adamwRef.weight_decay[1] },
  ], { lr: adamwRef.lr, betas: adamwRef.betas, eps: adamwRef.eps });
  const { losses } = train(p, opt, 10);
  assertClose(losses, adamwRef.losses, { ...TOL, msg: 'losses' });
  assertWeights(p, adamwRef.final, 'final');
  assert.equal(opt.state.has(unused), false, 'a parameter that never had a gradient has no state');
  assertStateDict(opt.stateDict(), adamwRef.state_dict, 'AdamW state_dict');
  const before = liveTensorCount();
  opt.dispose();
  assert.equal(liveTensorCount(), before - 8, 'dispose frees exp_avg and exp_avg_sq of the 4 stepped parameters');
  disposeAll([...list(p), unused]);
});

test('AdamW: maximize on the negated loss follows the same trajectory', () => {
  const p = makeParams();
  const opt = new AdamW([{ params: [p.W1, p.W2], weightDecay: 0.01 }, { params: [p.b1, p.b2], weightDecay: 0 }],
    { lr: adamwRef.lr, maximize: true });
  const { losses } = train(p, opt, 10, undefined, -1);
  assertClose(losses, adamwRef.losses, { ...TOL, msg: 'losses' });
  assertWeights(p, adamwRef.final, 'final');
  opt.dispose();
  disposeAll(list(p));
});

interface SgdCase { options: Record<string, number | boolean>; losses: number[]; final: Weights; state_dict: never }
test('SGD: momentum/nesterov/weight decay and dampening match torch over 10 steps', () => {
  for (const c of readJson<{ cases: SgdCase[] }>('test/fixtures/optim/sgd.json').cases) {
    const o = c.options;
    const p = makeParams();
    const opt = new SGD(list(p), {
      lr: o.lr as number, momentum: o.momentum as number | undefined, dampening: o.dampening as number | undefined,
      weightDecay: o.weight_decay as number | undefined, nesterov: o.nesterov as boolean | undefined,
    });
    const tag = JSON.stringify(o);
    const { losses } = train(p, opt, 10);
    assertClose(losses, c.losses, { ...TOL, msg: `${tag} losses` });
    assertWeights(p, c.final, `${tag} final`);
    assertStateDict(opt.stateDict(), c.state_dict, `${tag} state_dict`);
    opt.dispose();
    disposeAll(list(p));
  }
});

interface ClipCase { max_norm: number; norm_type: number | 'inf'; total_norm: number; grads: Weights }
test('clipGradNorm returns the total norm and clips like clip_grad_norm_ (norm 2, inf, 1, no clip)', () => {
  for (const c of readJson<{ cases: ClipCase[] }>('test/fixtures/optim/clip.json').cases) {
    const p = makeParams();
    const tag = `max_norm ${c.max_norm} norm ${c.norm_type}`;
    tidy(() => {
      lossOf(p).backward();
      const unclipped = gradNorm(list(p), c.norm_type);
      const total = clipGradNorm(list(p), c.max_norm, c.norm_type);
      assert.equal(total, unclipped, `${tag}: gradNorm equals the returned norm`);
      assertClose(total, c.total_norm, { rtol: 1e-6, atol: 0, msg: `${tag} total` });
      for (const n of NAMES) assertClose(p[n].grad!, c.grads[n], { ...TOL, msg: `${tag} grad ${n}` });
    });
    disposeAll(list(p));
  }
  assert.equal(clipGradNorm([torch.zeros([2], { requiresGrad: true })], 1), 0, 'no gradients: norm 0');
});

interface ResumeFixture {
  lr: number; weight_decay: number; num_warmup_steps: number; num_training_steps: number; losses: number[];
  lrs_applied: number[]; final: Weights; optimizer_state_after_5: never; scheduler_state_after_5: unknown;
}
test('AdamW + linear schedule: stateDict after 5 steps, loadStateDict into fresh objects, 5 more = 10 uninterrupted', () => {
  const ref = readJson<ResumeFixture>('test/fixtures/optim/resume.json');
  const fresh = (p: Record<Name, Tensor>) => {
    const opt = new AdamW(list(p), { lr: ref.lr, weightDecay: ref.weight_decay });
    return { opt, sched: getScheduler('linear', opt, { numWarmupSteps: ref.num_warmup_steps, numTrainingSteps: ref.num_training_steps }) };
  };
  // uninterrupted: 10 steps, compared with torch
  const pa = makeParams();
  const a = fresh(pa);
  const runA = train(pa, a.opt, 10, a.sched);
  assertClose(runA.losses, ref.losses, { ...TOL, msg: 'losses' });
  assert.deepEqual(runA.lrs, ref.lrs_applied, 'applied lrs');
  assertWeights(pa, ref.final, 'final');

  // interrupted: 5 steps, snapshot both state dicts, continue in fresh objects
  const pb = makeParams();
  const b = fresh(pb);
  const runB1 = train(pb, b.opt, 5, b.sched);
  const optSd = b.opt.stateDict();
  assertStateDict(optSd, ref.optimizer_state_after_5, 'optimizer after 5');
  assert.deepEqual(b.sched.stateDict(), ref.scheduler_state_after_5, 'scheduler after 5');
  const snapshot: OptimizerStateDict = {
    param_groups: structuredClone(optSd.param_groups),
    state: Object.fromEntries(Object.entries(optSd.state).map(([i, s]) => [i, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof torch.Tensor ? v.clone() : v]))])),
  };
  const schedSd = structuredClone(b.sched.stateDict());
  const pc = {} as Record<Name, Tensor>;
  for (const n of NAMES) pc[n] = pb[n].detach().clone().requiresGrad_(true).keep();
  b.opt.dispose();
  const c = fresh(pc);
  c.opt.loadStateDict(snapshot);
  c.sched.loadStateDict(schedSd);
  for (const s of Object.values(snapshot.state)) for (const v of Object.values(s)) if (v instanceof torch.Tensor) v.dispose();
  const runC = train(pc, c.opt, 5, c.sched);
  assert.deepEqual([...runB1.losses, ...runC.losses], runA.losses, 'resumed losses equal uninterrupted exactly');
  assert.deepEqual([...runB1.lrs, ...runC.lrs], runA.lrs, 'resumed lrs equal uninterrupted exactly');
  for (const n of NAMES) assert.ok(torch.equal(pc[n], pa[n]), `resumed ${n} equals uninterrupted exactly`);
  a.opt.dispose();
  c.opt.dispose();
  disposeAll([...list(pa), ...list(pb), ...list(pc)]);
});

test('loadStateDict: a step saved as a 0-dim tensor (PyTorch >= 1.12) loads; mismatches are errors', () => {
  const p = makeParams();
  const opt = new AdamW(list(p));
  train(p, opt, 1);
  const sd = opt.stateDict();
  const viaTensor: OptimizerStateDict = { param_groups: sd.param_groups, state: { ...sd.state, 0: { ...sd.state[0]!, step: torch.scalarTensor(1) } } };
  const other = new AdamW(list(makeParams()));
  other.loadStateDict(viaTensor);
  assert.equal([...other.state.values()][0]!.step, 1);
  assert.throws(() => other.loadStateDict({ param_groups: [], state: {} }), /1 parameter groups|0 parameter groups/);
  assert.throws(() => other.loadStateDict({ param_groups: [{ ...sd.param_groups[0], params: [0] }], state: {} }), /has 1 params/);
  const sgd = new SGD(list(p), { lr: 0.1 });
  assert.throws(() => sgd.loadStateDict(sd), /no 'momentum'/);
  assert.throws(() => other.loadStateDict({ param_groups: [{ ...sd.param_groups[0], amsgrad: true }], state: {} }), /amsgrad/);
  opt.dispose();
  other.dispose();
});

test('validation names the bad value, as PyTorch', () => {
  const w = torch.zeros([2], { requiresGrad: true });
  assert.throws(() => new AdamW([w], { lr: -1 }), /invalid learning rate: -1/);
  assert.throws(() => new AdamW([w], { betas: [1, 0.999] }), /beta parameter at index 0: 1/);
  assert.throws(() => new AdamW([w], { betas: [0.9, -0.1] }), /beta parameter at index 1: -0.1/);
  assert.throws(() => new AdamW([w], { eps: -1e-8 }), /epsilon value: -1e-8/);
  assert.throws(() => new AdamW([w], { weightDecay: -0.5 }), /weight_decay value: -0.5/);
  assert.throws(() => new AdamW([w], { lr: NaN }), /invalid learning rate: NaN/);
  assert.throws(() => new AdamW([w], { weight_decay: 0.1 } as never), /unknown option 'weight_decay'/);
  assert.throws(() => new AdamW([{ params: [w], lr: -2 }]), /param group 0: invalid learning rate: -2/);
  assert.throws(() => new SGD([w], { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/);
  assert.throws(() => new SGD([w], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /Nesterov/);
  assert.throws(() => new SGD([w], { lr: 0.1, momentum: -1 }), /momentum value: -1/);
  assert.throws(() => new SGD([w], {} as never), /lr is required/);
  assert.throws(() => new AdamW([]), /empty parameter list/);
  assert.throws(() => new AdamW([{ params: [w] }, { params: [w] }]), /more than one parameter group/);
  assert.throws(() => new AdamW([w.mul(2)]), /non-leaf/);
  assert.throws(() => new AdamW(w as never), /single Tensor/);
  const opt = new AdamW([{ params: [w], weightDecay: 0 }], { lr: 0.5 });
  assert.equal(opt.paramGroups[0]!.lr, 0.5);
  assert.equal(opt.paramGroups[0]!.weightDecay, 0);
  assert.deepEqual(opt.defaults, { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, maximize: false });
});

test('zeroGrad drops gradients by default and zeroes them with setToNone: false', () => {
  const w = torch.ones([3], { requiresGrad: true });
  const opt = new SGD([w], { lr: 0.1 });
  tidy(() => w.mul(2).sum().backward());
  opt.zeroGrad({ setToNone: false });
  tidy(() => assertClose(w.grad!, [0, 0, 0]));
  opt.zeroGrad();
  assert.equal(tidy(() => w.grad), null);
  opt.step(); // no gradient: nothing moves, no state
  assertClose(w, [1, 1, 1]);
  assert.equal(opt.state.size, 0);
  const loss = opt.step(() => tidy(() => { const l = w.sum(); l.backward(); return l.item(); }));
  assert.equal(loss, 3, 'step(closure) returns the closure result');
  assertClose(w, [0.9, 0.9, 0.9]);
});

const HF = process.env.TUNEKIT_HF_FIXTURES ?? sharedDir('fixtures', 'hf');
interface HfTrainingRef {
  weight_decay_params: string[]; no_weight_decay_params: string[];
  steps: { learning_rate_applied: number; learning_rate_logged: number }[];
}
const hfRef = (dir: string): HfTrainingRef => JSON.parse(readFileSync(join(HF, 'training', dir, 'reference.json'), 'utf8')) as HfTrainingRef;

interface ScheduleCase { name: SchedulerName; kwargs: Record<string, number>; num_warmup_steps: number; num_training_steps: number; base_lrs: number[]; lrs: number[][] }
test('every schedule: LambdaLR lrs over 24 steps (past the end) equal torch + transformers lambdas', () => {
  for (const c of readJson<{ cases: ScheduleCase[] }>('test/fixtures/optim/schedules.json').cases) {
    const [a, b] = [torch.zeros([2], { requiresGrad: true }), torch.zeros([2], { requiresGrad: true })];
    const opt = new SGD([{ params: [a] }, { params: [b], lr: c.base_lrs[1]! }], { lr: c.base_lrs[0]! });
    const sched = getScheduler(c.name, opt, { numWarmupSteps: c.num_warmup_steps, numTrainingSteps: c.num_training_steps, schedulerSpecificKwargs: c.kwargs });
    const lrs = [sched.getLastLr()];
    for (let i = 1; i < c.lrs.length; i++) {
      opt.step();
      sched.step();
      lrs.push(sched.getLastLr());
    }
    // exact: the same double arithmetic in the same order (Math.cos/** agree with libm here)
    assert.deepEqual(lrs, c.lrs, `${c.name} ${JSON.stringify(c.kwargs)}`);
    assert.deepEqual(opt.paramGroups.map((g) => g.initialLr), c.base_lrs);
  }
});

test('linear schedule reproduces the HF Trainer fixture: applied lr (step 1 runs with 0) and logged lr', () => {
  const ref = hfRef('bert_seqcls');
  const opt = new AdamW([torch.zeros([2], { requiresGrad: true })], { lr: 1e-3 });
  const sched = getScheduler('linear', opt, { numWarmupSteps: 2, numTrainingSteps: 10 });
  const applied: number[] = [], logged: number[] = [];
  for (let i = 0; i < 10; i++) {
    applied.push(opt.paramGroups[0]!.lr);
    opt.step();
    sched.step();
    logged.push(sched.getLastLr()[0]!);
  }
  assert.deepEqual(applied, ref.steps.map((s) => s.learning_rate_applied));
  assert.deepEqual(logged, ref.steps.map((s) => s.learning_rate_logged));
});

test('schedulers: errors, custom LambdaLR, resume needs initialLr', () => {
  const opt = new SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1 });
  assert.throws(() => getScheduler('linear', opt, { numWarmupSteps: 1 }), /requires numTrainingSteps/);
  assert.throws(() => getScheduler('cosine', opt, {}), /requires numWarmupSteps/);
  assert.throws(() => getScheduler('reduce_lr_on_plateau' as never, opt), /unsupported scheduler/);
  assert.throws(() => getScheduler('linear', opt, { numWarmupSteps: 1, numTrainingSteps: 5, schedulerSpecificKwargs: { power: 2 } }), /unknown option 'power'/);
  assert.throws(() => getScheduler('polynomial', opt, { numWarmupSteps: 1, numTrainingSteps: 5, schedulerSpecificKwargs: { lr_end: 1 } }), /lr_end \(1\) must be smaller/);
  assert.throws(() => getScheduler('cosine_with_min_lr', opt, { numWarmupSteps: 1, numTrainingSteps: 5 }), /min_lr/);
  const s = new LambdaLR(opt, (step) => 0.5 ** step);
  s.step();
  assert.deepEqual(s.getLastLr(), [0.05]); // lambda(0) at construction, lambda(1) after one step
  assert.equal(opt.paramGroups[0]!.initialLr, 0.1);
  const fresh = new SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1 });
  assert.throws(() => new LambdaLR(fresh, () => 1, { lastEpoch: 3 }), /initialLr is not set/);
});

test("getDecayParameterNames reproduces HF Trainer's split for BERT, Llama and LoRA names", () => {
  for (const dir of ['bert_seqcls', 'llama_lm', 'llama_lora']) {
    const ref = hfRef(dir);
    const all = [...ref.no_weight_decay_params, ...ref.weight_decay_params].sort();
    assert.deepEqual(getDecayParameterNames(all), [...ref.weight_decay_params].sort(), dir);
  }
  // spellings of other HF families: norms (no decay) and look-alikes that HF does decay
  for (const n of ['transformer.h.0.ln_1.weight', 'transformer.ln_f.weight', 'encoder.block.0.layer.0.layer_norm.weight',
    'encoder.final_layer_norm.weight', 'model.layers.0.self_attn.q_norm.weight', 'vit.encoder.layer.0.layernorm_before.weight',
    'transformer.h.0.ln_attn.weight', 'model.norm_f.weight', 'blocks.0.norm1.weight', 'model.final_layernorm.weight',
    'decoder.layers.0.self_attn_layer_norm.weight', 'norms.0.weight', 'model.layers.1.pre_feedforward_layernorm.weight'])
    assert.ok(isNormParamName(n), n);
  for (const n of ['model.embed_tokens.weight', 'model.layers.0.mlp.down_proj.weight', 'conv.batch_norm.weight', 'feature.group_norm.weight',
    'model.normalizer.weight', 'lm_head.weight', 'weight', 'model.layers.0.self_attn.q_proj.lora_A.default.weight'])
    assert.ok(!isNormParamName(n), n);
  assert.deepEqual(getDecayParameterNames(['encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight']), [], "'bias' anywhere in the name, as HF");
});

test('getParameterGroups: [decay, no decay], input order, frozen parameters left out, custom predicate', () => {
  const t = (rg: boolean) => torch.zeros([1], { requiresGrad: rg });
  const named: [string, Tensor][] = [['emb.weight', t(true)], ['ln.weight', t(true)], ['fc.bias', t(true)], ['fc.weight', t(true)], ['frozen.weight', t(false)]];
  const [d, nd] = getParameterGroups(named, 0.01);
  assert.deepEqual([d.weightDecay, nd.weightDecay], [0.01, 0]);
  assert.deepEqual(d.params, [named[0]![1], named[3]![1]]);
  assert.deepEqual(nd.params, [named[1]![1], named[2]![1]]);
  const [d2] = getParameterGroups(named, 0.1, { isNormParam: (n) => n.startsWith('emb') });
  assert.deepEqual(d2.params, [named[1]![1], named[3]![1]]);
  const opt = new AdamW(getParameterGroups(named, 0.01), { lr: 1e-3 });
  assert.deepEqual(opt.stateDict().param_groups.map((g) => [g.weight_decay, g.params]), [[0.01, [0, 1]], [0, [2, 3]]]);
});
