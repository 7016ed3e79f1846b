// schedules.ts — LR schedules: PyTorch's LambdaLR (torch/optim/lr_scheduler.py, 1.13) and the
// lambdas of transformers/optimization.py (4.47), formula for formula so the lrs match HF's to
// the last bit.  Note LambdaLR applies lambda(0) at construction: with warmup, HF's first
// optimizer step runs with lr 0.
import { checkKeys } from './optimizer.js';

/** What a scheduler needs from an optimizer (every tunekit Optimizer fits). */
export interface SchedulableOptimizer {
  readonly defaults: { readonly lr: number };
  readonly paramGroups: { lr: number; initialLr?: number }[];
}
/** Multiplier of the base lr at a step count (0, 1, 2, ...). */
export type LrLambda = (step: number) => number;

/** PyTorch's LambdaLR.state_dict() (the lambdas are code, saved as null). */
export interface LRSchedulerStateDict {
  base_lrs: number[];
  last_epoch: number;
  verbose: boolean;
  _step_count: number;
  _get_lr_called_within_step: boolean;
  _last_lr: number[];
  lr_lambdas: null[];
}

/**
 * lr = baseLr * lambda(lastEpoch) for every group, written into `optimizer.paramGroups[i].lr`.
 * Construction records `initialLr` (kept if a group already has one) and applies lambda(0).
 * Call `step()` after each `optimizer.step()`.
 */
export class LambdaLR {
  readonly optimizer: SchedulableOptimizer;
  readonly lrLambdas: LrLambda[];
  baseLrs: number[];
  /** Number of step() calls since construction's implicit one (PyTorch's last_epoch). */
  lastEpoch: number;
  private stepCount = 0;
  private lastLr: number[] = [];

  constructor(optimizer: SchedulableOptimizer, lrLambda: LrLambda | LrLambda[], opts: { lastEpoch?: number } = {}) {
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups;
    this.lastEpoch = opts.lastEpoch ?? -1;
    if (this.lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new TypeError(`LambdaLR: initialLr is not set in paramGroups[${i}]; it is needed when resuming with lastEpoch=${this.lastEpoch}`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr!);
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== groups.length) throw new RangeError(`LambdaLR: expected ${groups.length} lr lambdas, got ${lrLambda.length}`);
      this.lrLambdas = [...lrLambda];
    } else this.lrLambdas = groups.map(() => lrLambda);
    this.step();
  }

  /** The lrs for the current lastEpoch (does not write them). */
  getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }
  /** Advances one step and writes the new lrs into the optimizer's groups. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = lrs[i]!; });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  /** The lrs last written (what HF's Trainer logs as learning_rate, group 0). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }
  /** PyTorch's state dict keys; the optimizer's lrs are restored by its own loadStateDict. */
  stateDict(): LRSchedulerStateDict {
    return {
      base_lrs: [...this.baseLrs], last_epoch: this.lastEpoch, verbose: false, _step_count: this.stepCount,
      _get_lr_called_within_step: false, _last_lr: [...this.lastLr], lr_lambdas: this.lrLambdas.map(() => null),
    };
  }
  /** Restores lastEpoch, the step count, base lrs and last lrs (the lambdas stay this object's). */
  loadStateDict(sd: Partial<LRSchedulerStateDict>): void {
    const nums = (v: unknown, key: string): number[] => {
      if (!Array.isArray(v) || v.length !== this.lrLambdas.length || !v.every((x) => typeof x === 'number'))
        throw new TypeError(`LambdaLR.loadStateDict: ${key} must be ${this.lrLambdas.length} numbers, got ${JSON.stringify(v)}`);
      return [...v];
    };
    if (typeof sd.last_epoch !== 'number' || typeof sd._step_count !== 'number')
      throw new TypeError('LambdaLR.loadStateDict: last_epoch and _step_count must be numbers');
    this.baseLrs = nums(sd.base_lrs, 'base_lrs');
    this.lastLr = nums(sd._last_lr, '_last_lr');
    this.lastEpoch = sd.last_epoch;
    this.stepCount = sd._step_count;
  }
}

// ---- transformers' lambdas (optimization.py); integer steps, float division as in Python ----
const warm = (step: number, w: number): number => step / Math.max(1, w);

/** get_constant_schedule: lr stays at the base lr. */
export const getConstantSchedule = (opt: SchedulableOptimizer): LambdaLR => new LambdaLR(opt, () => 1);

/** get_constant_schedule_with_warmup: linear warmup from 0 over numWarmupSteps, then constant. */
export function getConstantScheduleWithWarmup(opt: SchedulableOptimizer, numWarmupSteps: number): LambdaLR {
  return new LambdaLR(opt, (s) => (s < numWarmupSteps ? s / Math.max(1.0, numWarmupSteps) : 1.0));
}

/** get_linear_schedule_with_warmup: warmup, then linear decay to 0 at numTrainingSteps. */
export function getLinearScheduleWithWarmup(opt: SchedulableOptimizer, numWarmupSteps: number, numTrainingSteps: number): LambdaLR {
  return new LambdaLR(opt, (s) => (s < numWarmupSteps ? warm(s, numWarmupSteps)
    : Math.max(0.0, (numTrainingSteps - s) / Math.max(1, numTrainingSteps - numWarmupSteps))));
}

const cosineLambda = (w: number, t: number, numCycles: number, minLrRate: number): LrLambda => (s) => {
  if (s < w) return warm(s, w);
  const progress = (s - w) / Math.max(1, t - w);
  const factor = 0.5 * (1.0 + Math.cos(Math.PI * numCycles * 2.0 * progress));
  return Math.max(0, factor * (1 - minLrRate) + minLrRate);
};

/** get_cosine_schedule_with_warmup: warmup, then a cosine from 1 to 0 over numCycles waves (0.5 = half a wave). */
export function getCosineScheduleWithWarmup(opt: SchedulableOptimizer, numWarmupSteps: number, numTrainingSteps: number, numCycles = 0.5): LambdaLR {
  return new LambdaLR(opt, cosineLambda(numWarmupSteps, numTrainingSteps, numCycles, 0.0));
}

/** get_cosine_with_min_lr_schedule_with_warmup: the cosine ends at minLr (or minLrRate * lr). */
export function getCosineWithMinLrScheduleWithWarmup(opt: SchedulableOptimizer, numWarmupSteps: number, numTrainingSteps: number,
  opts: { numCycles?: number; minLr?: number; minLrRate?: number }): LambdaLR {
  if (opts.minLr !== undefined && opts.minLrRate !== undefined) throw new TypeError('cosine_with_min_lr: only one of min_lr or min_lr_rate should be set');
  const rate = opts.minLr !== undefined ? opts.minLr / opt.defaults.lr : opts.minLrRate;
  if (rate === undefined) throw new TypeError('cosine_with_min_lr: one of min_lr or min_lr_rate should be set');
  return new LambdaLR(opt, cosineLambda(numWarmupSteps, numTrainingSteps, opts.numCycles ?? 0.5, rate));
}

/** get_cosine_with_hard_restarts_schedule_with_warmup: numCycles cosines, each restarting at 1. */
export function getCosineWithHardRestartsScheduleWithWarmup(opt: SchedulableOptimizer, numWarmupSteps: number, numTrainingSteps: number, numCycles = 1): LambdaLR {
  return new LambdaLR(opt, (s) => {
    if (s < numWarmupSteps) return warm(s, numWarmupSteps);
    const progress = (s - numWarmupSteps) / Math.max(1, numTrainingSteps - numWarmupSteps);
    if (progress >= 1.0) return 0.0;
    return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * ((numCycles * progress) % 1.0))));
  });
}

/**
 * get_polynomial_decay_schedule_with_warmup: warmup, then (lr - lrEnd) * remaining^power + lrEnd,
 * lrEnd after numTrainingSteps.  lr is `optimizer.defaults.lr`, as HF reads it.
 */
export function getPolynomialDecayScheduleWithWarmup(opt: SchedulableOptimizer, numWarmupSteps: number, numTrainingSteps: number,
  opts: { lrEnd?: number; power?: number } = {}): LambdaLR {
  const lrInit = opt.defaults.lr;
  const lrEnd = opts.lrEnd ?? 1e-7;
  const power = opts.power ?? 1.0;
  if (!(lrInit > lrEnd)) throw new RangeError(`polynomial: lr_end (${lrEnd}) must be smaller than initial lr (${lrInit})`);
  // HF divides by (numTrainingSteps - numWarmupSteps) and fails with ZeroDivisionError at that step
  if (numTrainingSteps <= numWarmupSteps) throw new RangeError(`polynomial: numTrainingSteps (${numTrainingSteps}) must exceed numWarmupSteps (${numWarmupSteps})`);
  return new LambdaLR(opt, (s) => {
    if (s < numWarmupSteps) return warm(s, numWarmupSteps);
    if (s > numTrainingSteps) return lrEnd / lrInit;
    const pctRemaining = 1 - (s - numWarmupSteps) / (numTrainingSteps - numWarmupSteps);
    return ((lrInit - lrEnd) * pctRemaining ** power + lrEnd) / lrInit;
  });
}

/** get_inverse_sqrt_schedule: warmup, then 1/sqrt((step + timescale - w) / timescale); timescale defaults to w or 10000. */
export function getInverseSqrtSchedule(opt: SchedulableOptimizer, numWarmupSteps: number, timescale?: number): LambdaLR {
  const ts = timescale ?? (numWarmupSteps || 10_000);
  return new LambdaLR(opt, (s) => (s < numWarmupSteps ? warm(s, numWarmupSteps) : 1.0 / Math.sqrt((s + (ts - numWarmupSteps)) / ts)));
}

/** The scheduler names of HF's SchedulerType that tunekit implements. */
export type SchedulerName = 'linear' | 'cosine' | 'cosine_with_restarts' | 'polynomial' | 'constant' | 'constant_with_warmup' | 'inverse_sqrt' | 'cosine_with_min_lr';
const NAMES: readonly SchedulerName[] = ['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup', 'inverse_sqrt', 'cosine_with_min_lr'];
/** HF's `lr_scheduler_kwargs` (snake_case, as TrainingArguments spells them), per schedule. */
const KWARGS: Record<SchedulerName, readonly string[]> = {
  linear: [], constant: [], constant_with_warmup: [], inverse_sqrt: [], cosine: ['num_cycles'],
  cosine_with_restarts: ['num_cycles'], polynomial: ['lr_end', 'power'], cosine_with_min_lr: ['num_cycles', 'min_lr', 'min_lr_rate'],
};

/**
 * transformers.get_scheduler: builds the named schedule.  `constant` needs nothing; the others
 * need numWarmupSteps, and all but constant_with_warmup / inverse_sqrt need numTrainingSteps.
 * schedulerSpecificKwargs are HF's lr_scheduler_kwargs (num_cycles, lr_end, power, min_lr, ...).
 * @example const sched = getScheduler('linear', opt, { numWarmupSteps: 2, numTrainingSteps: 10 });
 */
export function getScheduler(name: SchedulerName, optimizer: SchedulableOptimizer,
  opts: { numWarmupSteps?: number; numTrainingSteps?: number; schedulerSpecificKwargs?: Record<string, number> } = {}): LambdaLR {
  if (!NAMES.includes(name)) throw new RangeError(`getScheduler: unknown or unsupported scheduler '${String(name)}' (supported: ${NAMES.join(', ')})`);
  if (name === 'constant') return getConstantSchedule(optimizer);
  const kw = opts.schedulerSpecificKwargs ?? {};
  checkKeys(`getScheduler('${name}') schedulerSpecificKwargs`, kw, KWARGS[name]);
  const w = opts.numWarmupSteps;
  if (w === undefined) throw new TypeError(`getScheduler: ${name} requires numWarmupSteps`);
  if (name === 'constant_with_warmup') return getConstantScheduleWithWarmup(optimizer, w);
  if (name === 'inverse_sqrt') return getInverseSqrtSchedule(optimizer, w);
  const t = opts.numTrainingSteps;
  if (t === undefined) throw new TypeError(`getScheduler: ${name} requires numTrainingSteps`);
  switch (name) {
    case 'linear': return getLinearScheduleWithWarmup(optimizer, w, t);
    case 'cosine': return getCosineScheduleWithWarmup(optimizer, w, t, kw.num_cycles);
    case 'cosine_with_restarts': return getCosineWithHardRestartsScheduleWithWarmup(optimizer, w, t, kw.num_cycles);
    case 'polynomial': return getPolynomialDecayScheduleWithWarmup(optimizer, w, t, { lrEnd: kw.lr_end, power: kw.power });
    default: return getCosineWithMinLrScheduleWithWarmup(optimizer, w, t, { numCycles: kw.num_cycles, minLr: kw.min_lr, minLrRate: kw.min_lr_rate });
  }
}
