// test/nn/module-api.test.ts — Module behaviour that has no numeric reference: loadStateDict
// errors and reports, train/eval, to() keeping identity, gradients, counts and containers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import * as nn from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

class Block extends nn.Module {
  fc = new nn.Linear(3, 4);
  norm = new nn.LayerNorm(4);
  drop = new nn.Dropout(0.5);
  declare steps: Tensor;
  constructor() {
    super();
    this.registerBuffer('steps', torch.zeros([2], { dtype: 'int64' }));
  }
  forward(x: Tensor): Tensor { return this.drop.forward(this.norm.forward(this.fc.forward(x))); }
}

test('loadStateDict: missing, unexpected and shape mismatch are errors naming the keys', () => {
  const m = new nn.Linear(4, 3);
  torch.tidy(() => {
    const w = torch.randn([3, 4]), b = torch.randn([3]);
    assert.throws(() => m.loadStateDict({ weight: w }), (e: Error) =>
      /Error\(s\) in loading state_dict for Linear/.test(e.message) && /Missing key\(s\) in state_dict: "bias"\./.test(e.message));
    assert.throws(() => m.loadStateDict({ weight: w, bias: b, extra: b }), /Unexpected key\(s\) in state_dict: "extra"\./);
    const before = m.weight.clone();
    // a shape mismatch throws even with strict: false, and nothing at all is copied
    assert.throws(() => m.loadStateDict({ weight: torch.zeros([4, 4]), bias: torch.zeros([3]) }, { strict: false }),
      /size mismatch for weight: copying a param with shape \[4, 4\] from checkpoint, the shape in current model is \[3, 4\]/);
    assert.ok(torch.equal(m.weight, before), 'no partial load');
  });
  m.dispose();
});

test('loadStateDict strict: false reports and loads what matches, keeping parameter identity', () => {
  const m = new nn.Linear(4, 3);
  const weight = m.weight;
  torch.tidy(() => {
    const w = torch.randn([3, 4], { dtype: 'float64' }); // copy_ converts dtype, as PyTorch
    const r = m.loadStateDict(new Map([['weight', w], ['head.bias', w]]), { strict: false });
    assert.deepEqual(r, { missingKeys: ['bias'], unexpectedKeys: ['head.bias'] });
    assert.equal(m.weight, weight);
    assert.equal(weight.dtype, 'float32');
    assert.ok(weight.requiresGrad && weight.isLeaf);
    assertClose(weight, w, { rtol: 1e-6 }); // float64 -> float32 rounding
  });
  m.dispose();
});

test('stateDict includes persistent buffers; loadStateDict fills them', () => {
  const m = new Block();
  assert.deepEqual([...m.stateDict().keys()], ['steps', 'fc.weight', 'fc.bias', 'norm.weight', 'norm.bias']);
  assert.deepEqual(m.namedParameters().map(([n]) => n), ['fc.weight', 'fc.bias', 'norm.weight', 'norm.bias']);
  torch.tidy(() => {
    const sd = new Map([...m.stateDict()].map(([n, t]) => [n, t.clone().detach().add(n === 'steps' ? 7 : 0)]));
    m.loadStateDict(sd);
    assert.deepEqual(m.steps.toArray(), [7, 7]);
  });
  m.dispose();
});

test('train()/eval() reach every submodule and switch dropout', () => {
  const m = new nn.Sequential(new Block(), new Block().eval());
  const modes = (): boolean[] => m.modules().map((x) => x.training);
  assert.ok(!modes().every(Boolean));
  assert.equal(m.train(), m);
  assert.ok(modes().every(Boolean));
  m.eval();
  assert.ok(modes().every((t) => !t));
  torch.tidy(() => {
    const x = torch.ones([64, 64]);
    const drop = new nn.Dropout(0.5);
    const y = drop.forward(x);
    const zeros = y.eq(0).sum().item();
    assert.ok(zeros > 1500 && zeros < 2600, `about half dropped, got ${zeros}`);
    assert.deepEqual(y.ne(0).mul(y.sub(2).abs()).max().item(), 0, 'survivors scaled by 1/(1-p)');
    drop.eval();
    assert.ok(torch.equal(drop.forward(x), x));
  });
  m.dispose();
});

test('to(dtype) converts floating tensors in place, keeps identity and int buffers, and back', () => {
  const m = new Block().eval();
  const w = m.fc.weight, steps = m.steps;
  torch.tidy(() => {
    const x = torch.randn([2, 3]);
    const y32 = m.forward(x);
    m.forward(x).sum().backward();
    assert.equal(m.to('float64'), m);
    assert.equal(m.fc.weight, w);
    assert.equal(w.dtype, 'float64');
    assert.equal(w.grad!.dtype, 'float64', 'gradients follow');
    assert.ok(w.requiresGrad && w.isLeaf);
    assert.equal(m.steps, steps);
    assert.equal(steps.dtype, 'int64');
    assertClose(m.forward(x.double()), y32, { rtol: 1e-5, atol: 1e-6 }); // float32 vs float64 forward
    m.to({ dtype: 'float32' });
    assert.equal(w.dtype, 'float32');
    if (torch.cuda.isAvailable()) {
      m.to('cuda');
      assert.equal(w.device, 'cuda:0');
      assert.equal(m.fc.weight, w);
      m.to('cpu');
    }
  });
  m.dispose();
});

test('zeroGrad, requiresGrad_ and numParameters', () => {
  const m = new Block();
  assert.equal(m.numParameters(), 3 * 4 + 4 + 4 + 4);
  torch.tidy(() => {
    m.forward(torch.randn([5, 3])).sum().backward();
    assert.ok(m.parameters().every((p) => p.grad !== null));
    m.zeroGrad(false);
    for (const p of m.parameters()) assert.equal(p.grad!.abs().sum().item(), 0);
    m.zeroGrad();
    assert.ok(m.parameters().every((p) => p.grad === null));
  });
  m.norm.requiresGrad_(false);
  assert.equal(m.numParameters({ onlyTrainable: true }), 3 * 4 + 4);
  m.requiresGrad_(false);
  assert.equal(m.numParameters({ onlyTrainable: true }), 0);
  assert.equal(m.numParameters(), 24);
  m.dispose();
});

test('apply() visits children first, then the module (custom init)', () => {
  const m = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
  const seen: string[] = [];
  m.apply((x) => {
    seen.push(x.constructor.name);
    if (x instanceof nn.Linear) nn.init.zeros_(x.weight);
  });
  assert.deepEqual(seen, ['Linear', 'ReLU', 'Linear', 'Sequential']);
  for (const p of m.parameters().filter((_, i) => i % 2 === 0)) assert.equal(p.abs().sum().item(), 0);
  m.dispose();
});

test('ModuleList, Sequential and ModuleDict name children like PyTorch', () => {
  const list = new nn.ModuleList<nn.Linear>([new nn.Linear(2, 3)]);
  list.push(new nn.Linear(3, 4));
  assert.equal(list.length, 2);
  assert.equal(list.at(-1), list[1]);
  assert.equal(list.at(2), undefined);
  assert.deepEqual([...list].map((l) => l.outFeatures), [3, 4]);
  assert.deepEqual(list.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '1.weight', '1.bias']);
  assert.throws(() => list.push({} as nn.Linear), /not a Module/);

  const seq = new nn.Sequential(list[0]!, new nn.Tanh(), list[1]!);
  torch.tidy(() => {
    const x = torch.randn([5, 2]);
    const ref = list[1]!.forward(list[0]!.forward(x).tanh());
    assert.ok(torch.equal(seq.forward(x), ref));
  });

  const dict = new nn.ModuleDict<nn.Module>({ q_proj: new nn.Linear(2, 2), v_proj: new nn.Linear(2, 2, { bias: false }) });
  dict.set('get', new nn.ReLU()); // a key named like a method does not shadow it
  assert.deepEqual(dict.keys(), ['q_proj', 'v_proj', 'get']);
  assert.deepEqual(dict.namedParameters().map(([n]) => n), ['q_proj.weight', 'q_proj.bias', 'v_proj.weight']);
  assert.equal(dict.getSubmodule('q_proj'), dict.get('q_proj'));
  assert.throws(() => dict.set('a.b', new nn.ReLU()), /contain no '\.'/);
  list.dispose();
  dict.dispose();
});

test('parameter(): marks in place, survives tidy, refuses tensors with history', () => {
  class Scale extends nn.Module {
    s: Tensor;
    plain: Tensor;
    constructor() {
      super();
      this.s = nn.parameter(torch.ones([2]));
      this.plain = torch.ones([2]).keep(); // not a parameter: ignored by discovery
      this.registerParameter('extra', torch.zeros([1]));
    }
  }
  const m = torch.tidy(() => new Scale());
  assert.deepEqual(m.namedParameters().map(([n]) => n), ['s', 'extra']);
  assert.ok(nn.isParameter(m.s) && !nn.isParameter(m.plain) && !nn.isParameter(m.s.alias()));
  assert.ok(!m.s.isDisposed && m.s.requiresGrad);
  const frozen = nn.parameter(torch.ones([1]), false);
  assert.equal(frozen.requiresGrad, false);
  torch.tidy(() => {
    const y = m.s.mul(2);
    assert.throws(() => nn.parameter(y), /autograd history \(gradFn MulBackward\d\)/);
  });
  m.dispose();
  m.plain.dispose();
  frozen.dispose();
});
