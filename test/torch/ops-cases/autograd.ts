// autograd.ts — TS half of scripts/fixtures/torch_ops_cases/autograd.py: each case makes its own
// leaves and returns gradients (backward with a gradient, retainGraph accumulation, autograd.grad
// with gradOutputs / createGraph / allowUnused, retainGrad, noGrad, .grad assignment).
import * as torch from '../../../src/torch/index.js';
import type { Tensor } from '../../../src/torch/index.js';
import type { Cases } from './types.js';

const leaf = (x: Tensor): Tensor => x.detach().requiresGrad_(true);
const grad1 = (g: Tensor | null | undefined): Tensor => {
  if (!g) throw new Error('expected a gradient');
  return g;
};

export const autograd: Cases = {
  backward_gradient: ([x0, g]) => {
    const x = leaf(x0);
    x.sin().mul(x).backward(g);
    return grad1(x.grad);
  },
  retain_graph_double_backward: ([x0]) => {
    const x = leaf(x0);
    const y = x.pow(3).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    return grad1(x.grad);
  },
  accumulate_two_graphs: ([x0]) => {
    const x = leaf(x0);
    x.mul(x).sum().backward();
    x.exp().sum().backward();
    return grad1(x.grad);
  },
  grad_two_inputs: ([x0, z0]) => {
    const x = leaf(x0), z = leaf(z0);
    return torch.autograd.grad(x.mul(z).tanh().sum(), [x, z]).map(grad1);
  },
  grad_outputs: ([x0, go]) => {
    const x = leaf(x0);
    return torch.autograd.grad([x.exp().mul(x)], [x], { gradOutputs: [go] }).map(grad1);
  },
  grad_create_graph: ([x0]) => {
    const x = leaf(x0);
    const g = grad1(torch.autograd.grad(x.pow(3).sum(), x, { createGraph: true })[0]);
    const h = grad1(torch.autograd.grad(g.mul(g).sum(), x)[0]);
    return [g.detach(), h];
  },
  grad_allow_unused: ([x0, z0]) => {
    const x = leaf(x0), z = leaf(z0);
    const [gx, gz] = torch.autograd.grad(x.mul(2).sum(), [x, z], { allowUnused: true });
    return [grad1(gx), torch.tensor(gz === null)];
  },
  retain_grad_non_leaf: ([x0]) => {
    const x = leaf(x0);
    const y = x.mul(2).retainGrad();
    y.pow(2).sum().backward();
    return [grad1(y.grad), grad1(x.grad)];
  },
  no_grad: ([x0]) => {
    const x = leaf(x0);
    const y = torch.noGrad(() => x.mul(2));
    return [y, torch.tensor(y.requiresGrad)];
  },
  set_grad_then_backward: ([x0, g]) => {
    const x = leaf(x0);
    x.grad = g.clone();
    x.mul(x).sum().backward();
    return grad1(x.grad);
  },
  backward_non_scalar_ones: ([x0]) => {
    const x = leaf(x0);
    const y = x.mul(3);
    y.backward(torch.onesLike(y));
    return grad1(x.grad);
  },
};
