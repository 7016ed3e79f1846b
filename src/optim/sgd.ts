// sgd.ts — SGD with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD, 1.13
// single-tensor path).  The update is one fused call (torch fused.sgdStep), which also creates
// the momentum buffers on a parameter's first step.
import { fused, type Tensor } from '../torch/index.js';
import { Optimizer, hasGrad, checkNumber, checkBoolean, checkKeys, type OptimizerSpec, type ParamGroup, type Params } from './optimizer.js';

/** SGD's hyperparameters, per group. */
export interface SGDHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}
/** Constructor options: lr is required (as in PyTorch 1.13), the rest default to 0 / false. */
export type SGDOptions = Partial<SGDHyper> & { lr: number };
/** Per-parameter state: PyTorch's `momentum_buffer` (null while momentum is 0). */
export interface SGDState {
  momentumBuffer: Tensor | null;
}

const SPEC: OptimizerSpec<SGDHyper> = {
  name: 'SGD',
  hyper: [['lr', 'lr'], ['momentum', 'momentum'], ['dampening', 'dampening'], ['weightDecay', 'weight_decay'],
    ['nesterov', 'nesterov'], ['maximize', 'maximize']],
  constants: { foreach: null, differentiable: false },
  state: [['momentumBuffer', 'momentum_buffer', 'tensorOrNull']],
  validate(h, where) {
    checkNumber(where, 'learning rate', h.lr, (x) => x >= 0, '>= 0');
    checkNumber(where, 'momentum value', h.momentum, (x) => x >= 0, '>= 0');
    checkNumber(where, 'dampening value', h.dampening, Number.isFinite, 'a finite number');
    checkNumber(where, 'weight_decay value', h.weightDecay, (x) => x >= 0, '>= 0');
    checkBoolean(where, 'nesterov', h.nesterov);
    checkBoolean(where, 'maximize', h.maximize);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0))
      throw new RangeError(`${where}: Nesterov momentum requires a momentum and zero dampening (momentum=${h.momentum}, dampening=${h.dampening})`);
  },
};

/**
 * Stochastic gradient descent.  Per parameter with a gradient g:
 * d = g + wd*p; buf = momentum*buf + (1-dampening)*d (buf = d on the first step);
 * d = nesterov ? d + momentum*buf : buf; p -= lr*d.
 * @example const opt = new SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true });
 */
export class SGD extends Optimizer<SGDHyper, SGDState> {
  constructor(params: Params<SGDHyper>, opts: SGDOptions) {
    checkKeys('SGD', opts ?? {}, SPEC.hyper.map(([k]) => k));
    if (opts?.lr === undefined) throw new TypeError('SGD: lr is required');
    super(params, {
      lr: opts.lr,
      momentum: opts.momentum ?? 0,
      dampening: opts.dampening ?? 0,
      weightDecay: opts.weightDecay ?? 0,
      nesterov: opts.nesterov ?? false,
      maximize: opts.maximize ?? false,
    }, SPEC);
  }

  protected stepGroup(g: ParamGroup<SGDHyper>): void {
    const ps: Tensor[] = [];
    for (const p of g.params) if (hasGrad(p)) ps.push(p);
    if (ps.length === 0) return;
    const bufs = ps.map((p) => this.state.get(p)?.momentumBuffer ?? null);
    const created = fused.sgdStep(ps, bufs, { lr: g.lr, momentum: g.momentum, dampening: g.dampening,
      weightDecay: g.weightDecay, nesterov: g.nesterov, maximize: g.maximize });
    ps.forEach((p, i) => {
      const b = created[i];
      // keep(): a buffer made inside the step's tidy() scope must outlive it
      if (b) this.state.set(p, { momentumBuffer: b.keep() });
      else if (!this.state.has(p)) this.state.set(p, { momentumBuffer: null }); // PyTorch records None too
    });
  }
}
