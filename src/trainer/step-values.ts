// step-values.ts — the loss and gradient-norm numbers of training, kept on the device between
// logging steps as HF's Trainer keeps tr_loss (a tensor it reads only in _maybe_log_save_evaluate).
// On CUDA, reading a number back waits for the GPU to finish all queued work: one read per
// micro-batch (loss.item()) and one per update (the clip's norm) serialise host and device.  Here
// the sums and the first non-finite step are tensor ops; numbers leave only at a log, a save or
// the end of training.  On CPU nothing queues, so the Trainer still checks every step there
// (TrainerOptions.syncEachStep) and stops before a broken update is applied.
import { Tensor, full, scalarTensor, tidy, type Device } from '../torch/index.js';

/** A non-finite value found by a deferred check: what, and the first update (global step) it happened at. */
export interface FirstNonFinite { what: 'loss' | 'grad_norm'; step: number; value: number }

/** Swaps a kept tensor for a new one made in `fn` (the old one is freed). */
function replace(old: Tensor | null, fn: () => Tensor): Tensor {
  const next = tidy(() => fn().keep());
  old?.dispose();
  return next;
}

/**
 * Device-side accumulators of one train() run: the loss sum since the last log (float32, with
 * HF's logging_nan_inf_filter), the last gradient norm, and the first update whose loss or norm
 * was inf/NaN.  Every tensor here is kept (outlives the update's tidy scope) and freed on reset.
 */
export class StepValues {
  #loss: Tensor | null = null;
  #gradNorm: Tensor | null = null;
  #badLoss: Tensor | null = null;
  #badNorm: Tensor | null = null;

  /**
   * HF: tr_loss += loss, or (logging_nan_inf_filter, loss inf/NaN) tr_loss += tr_loss / (1 +
   * steps since the last log) — the mean so far stands in for the bad value.  `track` records the
   * update number of a non-finite loss for a later check.
   */
  addLoss(loss: Tensor, o: { step: number; nanInfFilter: boolean; stepsSinceLog: number; track: boolean }): void {
    const prev = this.#loss;
    this.#loss = replace(prev, () => {
      const l = loss.detach().float().reshape();
      const sum = prev ?? scalarTensor(0, { dtype: 'float32', device: l.device });
      if (!o.nanInfFilter) return sum.add(l);
      return sum.add(l.where(l.isfinite(), sum.div(1 + o.stepsSinceLog)));
    });
    if (o.track) this.#badLoss = this.#markBad(this.#badLoss, loss, o.step);
  }

  /** The clip's total norm of this update (a 0-d tensor, or null without gradients); `track` as addLoss. */
  setGradNorm(norm: Tensor | null, o: { step: number; track: boolean }): void {
    this.#gradNorm?.dispose();
    this.#gradNorm = norm === null ? null : tidy(() => norm.detach().float().reshape().keep());
    if (norm !== null && o.track) this.#badNorm = this.#markBad(this.#badNorm, norm, o.step);
  }

  /** Starts a run: a zero loss sum on `device` (so the live tensors stay flat from the first step). */
  start(device: Device): void {
    this.reset();
    this.#loss = tidy(() => scalarTensor(0, { dtype: 'float32', device }).keep());
  }

  /**
   * Reads the loss sum and sets it back to zero in place (one device read).  `reduce` combines it
   * across processes first, in place (HF _nested_gather(tr_loss).mean()).
   */
  takeLoss(reduce?: (sum: Tensor) => void): number {
    if (this.#loss === null) return 0;
    reduce?.(this.#loss);
    const v = this.#loss.item();
    this.#loss.zero_();
    return v;
  }

  /** The last gradient norm as a number (a device read), null without clipping. */
  gradNorm(): number | null { return this.#gradNorm === null ? null : this.#gradNorm.item(); }

  /** The first update with an inf/NaN loss or gradient norm since the run began (a device read), or null. */
  firstNonFinite(): FirstNonFinite | null {
    const l = this.#badLoss === null ? Infinity : this.#badLoss.item();
    const n = this.#badNorm === null ? Infinity : this.#badNorm.item();
    if (l === Infinity && n === Infinity) return null;
    return l <= n ? { what: 'loss', step: l, value: NaN } : { what: 'grad_norm', step: n, value: NaN };
  }

  /** Frees everything (a new run, or the end of one). */
  reset(): void {
    for (const t of [this.#loss, this.#gradNorm, this.#badLoss, this.#badNorm]) t?.dispose();
    this.#loss = this.#gradNorm = this.#badLoss = this.#badNorm = null;
  }

  /** min(first, value finite ? inf : step), on the value's device. */
  #markBad(first: Tensor | null, value: Tensor, step: number): Tensor {
    return replace(first, () => {
      const v = value.detach().reshape();
      const here = full([], Infinity, { dtype: 'float32', device: v.device }).where(v.isfinite(), step);
      return first === null ? here : first.minimum(here);
    });
  }
}
