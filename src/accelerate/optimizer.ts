// optimizer.ts — accelerate's AcceleratedOptimizer (accelerate/optimizer.py) and
// AcceleratedScheduler (accelerate/scheduler.py): step / zeroGrad happen only on the micro-batch
// that completes an update (GradientState.syncGradients); with fp16 the step goes through the
// GradScaler (skipped on inf/NaN gradients); the scheduler steps only after a real optimizer step,
// num_processes times (split_batches false: each process's loader covers 1/num_processes of the
// batches the schedule was sized for, so the schedule advances num_processes batches per update).
import type { GradScaler, LambdaLR, LRSchedulerStateDict, Optimizer, OptimizerStateDict } from '../optim/index.js';
import type { GradientState } from './state.js';

/** The Optimizer a prepared optimizer wraps, with its hyperparameters left open. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOptimizer = Optimizer<any, any>;

/**
 * A prepared optimizer: `step()` and `zeroGrad()` act only when `accelerator.syncGradients` is
 * true (the last micro-batch of an update under gradient accumulation), as accelerate's
 * AcceleratedOptimizer.  `paramGroups`, `defaults`, `state`, state dicts: the wrapped optimizer's,
 * so a scheduler can be built on either.
 */
export class AcceleratedOptimizer<O extends AnyOptimizer = AnyOptimizer> {
  readonly optimizer: O;
  private readonly gradientState: GradientState;
  private readonly scaler: GradScaler | null;
  private overflow = false;

  constructor(optimizer: O, gradientState: GradientState, scaler: GradScaler | null) {
    this.optimizer = optimizer;
    this.gradientState = gradientState;
    this.scaler = scaler;
  }
  get paramGroups(): O['paramGroups'] { return this.optimizer.paramGroups; }
  get defaults(): O['defaults'] { return this.optimizer.defaults; }
  get state(): O['state'] { return this.optimizer.state; }
  stateDict(): OptimizerStateDict { return this.optimizer.stateDict(); }
  loadStateDict(sd: OptimizerStateDict): void { this.optimizer.loadStateDict(sd); }

  /** The wrapped optimizer's zeroGrad, on an update's last micro-batch only. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    if (this.gradientState.syncGradients) this.optimizer.zeroGrad(opts);
  }

  /**
   * The wrapped optimizer's step, on an update's last micro-batch only; with fp16 through the
   * GradScaler (scaler.step + scaler.update), which skips it when a gradient is inf/NaN.
   */
  step(): void {
    if (!this.gradientState.syncGradients) return;
    if (this.scaler) {
      const stepped = this.scaler.step(this.optimizer);
      this.scaler.update();
      this.overflow = !stepped;
    } else this.optimizer.step();
  }
  /** Whether the last step was skipped by the GradScaler (inf/NaN gradients). */
  get stepWasSkipped(): boolean { return this.overflow; }
}

/** A scheduler as tunekit's optim builds them (LambdaLR). */
export type AnyScheduler = Pick<LambdaLR, 'step' | 'getLastLr' | 'getLr' | 'stateDict' | 'loadStateDict'> & { readonly optimizer: unknown };

/**
 * A prepared LR scheduler (accelerate's AcceleratedScheduler).  step(): nothing on a micro-batch
 * that does not complete an update (only the `_step_count` bookkeeping when adjust_scheduler);
 * nothing when an optimizer's step was skipped (fp16 overflow); otherwise one scheduler step, or
 * numProcesses of them when batches are not split (accelerate's rule: size the schedule with the
 * loader's length before prepare(), as accelerate's examples do).
 */
export class AcceleratedScheduler<S extends AnyScheduler = AnyScheduler> {
  readonly scheduler: S;
  readonly optimizers: AcceleratedOptimizer[];
  readonly stepWithOptimizer: boolean;
  readonly splitBatches: boolean;
  private readonly gradientState: GradientState;
  private readonly numProcesses: number;

  constructor(scheduler: S, optimizers: AcceleratedOptimizer[], gradientState: GradientState,
    opts: { stepWithOptimizer: boolean; splitBatches: boolean; numProcesses: number }) {
    this.scheduler = scheduler;
    this.optimizers = optimizers;
    this.gradientState = gradientState;
    this.stepWithOptimizer = opts.stepWithOptimizer;
    this.splitBatches = opts.splitBatches;
    this.numProcesses = opts.numProcesses;
  }

  step(): void {
    if (!this.stepWithOptimizer) { this.scheduler.step(); return; }
    if (!this.gradientState.syncGradients) {
      // torch's _step_count only (its warning bookkeeping); tunekit's LambdaLR keeps it privately
      if (this.gradientState.plugin.adjust_scheduler) {
        const s = this.scheduler as unknown as { stepCount?: number };
        if (typeof s.stepCount === 'number') s.stepCount += 1;
      }
      return;
    }
    if (this.optimizers.some((o) => o.stepWasSkipped)) return;
    const n = this.splitBatches ? 1 : this.numProcesses;
    for (let i = 0; i < n; i++) this.scheduler.step();
  }
  getLastLr(): number[] { return this.scheduler.getLastLr(); }
  getLr(): number[] { return this.scheduler.getLr(); }
  stateDict(): LRSchedulerStateDict { return this.scheduler.stateDict(); }
  loadStateDict(sd: LRSchedulerStateDict): void { this.scheduler.loadStateDict(sd); }
}
