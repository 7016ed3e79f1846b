// adamw.ts — AdamW (torch.optim.AdamW, 1.13 single-tensor path: decoupled weight decay, bias
// correction, no amsgrad).  The per-parameter math is one fused call (torch fused.adamwStep);
// this file keeps the groups, the lazily created state and the step counters.
import { fused, zerosLike, type Tensor } from '../torch/index.js';
import { Optimizer, hasGrad, checkNumber, checkBoolean, checkKeys, type OptimizerSpec, type OptimizerStateDict, type ParamGroup, type Params } from './optimizer.js';

/** AdamW's hyperparameters, per group. */
export interface AdamWHyper {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}
/** Constructor options; every field has PyTorch's default.  `fused`: torch's fused=True (libtorch's multi-tensor kernel where it has one). */
export type AdamWOptions = Partial<AdamWHyper> & { fused?: boolean };
/** Per-parameter state: PyTorch's `step`, `exp_avg`, `exp_avg_sq`. */
export interface AdamWState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
}

const SPEC: OptimizerSpec<AdamWHyper> = {
  name: 'AdamW',
  hyper: [['lr', 'lr'], ['betas', 'betas'], ['eps', 'eps'], ['weightDecay', 'weight_decay'], ['maximize', 'maximize']],
  constants: { amsgrad: false, foreach: null, capturable: false },
  state: [['step', 'step', 'number'], ['expAvg', 'exp_avg', 'tensor'], ['expAvgSq', 'exp_avg_sq', 'tensor']],
  validate(h, where) {
    checkNumber(where, 'learning rate', h.lr, (x) => x >= 0, '>= 0');
    checkNumber(where, 'epsilon value', h.eps, (x) => x >= 0, '>= 0');
    if (!Array.isArray(h.betas) || h.betas.length !== 2) throw new TypeError(`${where}: betas must be [beta1, beta2], got ${JSON.stringify(h.betas)}`);
    h.betas.forEach((b, i) => checkNumber(where, `beta parameter at index ${i}`, b, (x) => x >= 0 && x < 1, 'in [0, 1)'));
    checkNumber(where, 'weight_decay value', h.weightDecay, (x) => x >= 0, '>= 0');
    checkBoolean(where, 'maximize', h.maximize);
  },
  checkSaved(saved, where) {
    if (saved.amsgrad === true) throw new RangeError(`${where}: amsgrad=true is not supported by tunekit's AdamW`);
  },
};

/**
 * AdamW with PyTorch's defaults (lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0.01).
 * Per step and parameter with a gradient g (t = its step count):
 * p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
 * @example
 * const opt = new AdamW(getParameterGroups(model.namedParameters(), 0.01), { lr: 5e-5 });
 * tidy(() => { loss(model).backward(); opt.step(); opt.zeroGrad(); });
 */
export class AdamW extends Optimizer<AdamWHyper, AdamWState> {
  /** torch's fused=True: one multi-tensor kernel per step (see fused.adamwStepFused). */
  readonly fused: boolean;
  /** Whether the last step ran libtorch's fused kernel (false: the single-tensor loop, e.g. on libtorch 1.13). */
  lastStepFused = false;

  constructor(params: Params<AdamWHyper>, opts: AdamWOptions = {}) {
    checkKeys('AdamW', opts, [...SPEC.hyper.map(([k]) => k), 'fused']);
    if (opts.fused !== undefined) checkBoolean('AdamW', 'fused', opts.fused);
    const { fused = false, ...hyper } = opts;
    opts = hyper;
    super(params, {
      lr: opts.lr ?? 1e-3,
      betas: opts.betas ? [...opts.betas] : [0.9, 0.999],
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 1e-2,
      maximize: opts.maximize ?? false,
    }, SPEC);
    this.fused = fused;
  }

  /** PyTorch's state_dict; a fused optimizer's groups say `fused: true` as torch 2.x writes (1.13's layout has no such key). */
  override stateDict(): OptimizerStateDict {
    const sd = super.stateDict();
    if (this.fused) for (const g of sd.param_groups) g.fused = true;
    return sd;
  }

  protected stepGroup(g: ParamGroup<AdamWHyper>): void {
    const ps: Tensor[] = [], ms: Tensor[] = [], vs: Tensor[] = [], steps: number[] = [];
    for (const p of g.params) {
      if (!hasGrad(p)) continue;
      let s = this.state.get(p);
      if (!s) {
        // keep(): optimizer state must outlive the tidy() scope of the step that creates it
        s = { step: 0, expAvg: zerosLike(p).keep(), expAvgSq: zerosLike(p).keep() };
        this.state.set(p, s);
      }
      s.step += 1;
      ps.push(p); ms.push(s.expAvg); vs.push(s.expAvgSq); steps.push(s.step);
    }
    if (ps.length === 0) return;
    const o = { lr: g.lr, betas: g.betas, eps: g.eps, weightDecay: g.weightDecay, maximize: g.maximize };
    if (this.fused) this.lastStepFused = fused.adamwStepFused(ps, ms, vs, steps, o);
    else fused.adamwStep(ps, ms, vs, steps, o);
  }
}
