// grad-scaler.ts — torch.amp.GradScaler: loss scaling for float16 mixed precision.  float16's
// range ends at 65504 and its smallest normal is 6e-5, so small gradients flush to zero in a
// float16 backward; scaling the loss by S (65536 to start) lifts them into range, unscale_
// divides them back before clipping and the optimizer, and a step whose gradients overflowed
// (inf/NaN) is skipped and S halved.  After growth_interval clean steps S doubles.
// Semantics follow torch/amp/grad_scaler.py (2.x), state dict keys included.
import { Tensor, fused } from '../torch/index.js';
import type { Optimizer } from './optimizer.js';

/** Constructor options, PyTorch's names and defaults (torch.amp.GradScaler's keywords). */
export interface GradScalerOptions {
  init_scale?: number;
  growth_factor?: number;
  backoff_factor?: number;
  growth_interval?: number;
  enabled?: boolean;
}
/** torch's GradScaler.state_dict(): the scale as a number, the growth tracker as `_growth_tracker`. */
export interface GradScalerStateDict {
  scale: number;
  growth_factor: number;
  backoff_factor: number;
  growth_interval: number;
  _growth_tracker: number;
}

type Stage = 'ready' | 'unscaled' | 'stepped';
interface PerOptimizer { stage: Stage; foundInf: boolean }

const f32 = Math.fround;

/**
 * Loss scaling as torch.amp.GradScaler.  Per step: `scaler.scale(loss).backward()`; optionally
 * `scaler.unscale_(opt)` before clipping; `scaler.step(opt)` (skipped when a gradient is inf/NaN);
 * `scaler.update()`.  The scale is float32 arithmetic, as torch keeps it in a float32 tensor.
 * @example
 * const scaler = new GradScaler();
 * tidy(() => {
 *   scaler.scale(lossOf(batch)).backward();
 *   scaler.unscale_(opt); clipGradNorm(params, 1.0);
 *   scaler.step(opt); scaler.update(); opt.zeroGrad();
 * });
 */
export class GradScaler {
  #scale: number;
  #growthFactor: number;
  #backoffFactor: number;
  #growthInterval: number;
  #growthTracker = 0;
  readonly #enabled: boolean;
  readonly #perOptimizer = new Map<Optimizer, PerOptimizer>();

  constructor(opts: GradScalerOptions = {}) {
    const known = ['init_scale', 'growth_factor', 'backoff_factor', 'growth_interval', 'enabled'];
    for (const k of Object.keys(opts)) if (!known.includes(k)) throw new TypeError(`GradScaler: unknown option '${k}' (known: ${known.join(', ')})`);
    this.#enabled = opts.enabled ?? true;
    if (typeof this.#enabled !== 'boolean') throw new TypeError(`GradScaler: enabled must be a boolean, got ${JSON.stringify(opts.enabled)}`);
    this.#scale = f32(num('init_scale', opts.init_scale ?? 2 ** 16, (x) => x > 0 && Number.isFinite(x), 'a finite number > 0'));
    this.#growthFactor = num('growth_factor', opts.growth_factor ?? 2, (x) => x > 1 && Number.isFinite(x), 'a finite number > 1');
    this.#backoffFactor = num('backoff_factor', opts.backoff_factor ?? 0.5, (x) => x > 0 && x < 1, 'in (0, 1)');
    this.#growthInterval = num('growth_interval', opts.growth_interval ?? 2000, (x) => Number.isInteger(x) && x > 0, 'an integer > 0');
  }

  /** Whether scaling is on (torch's is_enabled); a disabled scaler passes everything through. */
  isEnabled(): boolean { return this.#enabled; }
  /** The current scale (1 when disabled). */
  getScale(): number { return this.#enabled ? this.#scale : 1; }
  getGrowthFactor(): number { return this.#growthFactor; }
  getBackoffFactor(): number { return this.#backoffFactor; }
  getGrowthInterval(): number { return this.#growthInterval; }

  /** `outputs * scale` (a new tensor in the current scope); the tensor itself when disabled. */
  scale(outputs: Tensor): Tensor {
    if (!(outputs instanceof Tensor)) throw new TypeError('GradScaler.scale: expected a Tensor (the loss)');
    if (!this.#enabled) return outputs;
    // torch multiplies by its float32 scale tensor: the product keeps the loss's dtype
    return outputs.mul(this.#scale);
  }

  /**
   * Divides the optimizer's gradients by the scale in place (before clipping, as HF's Trainer does)
   * and records whether any of them is inf/NaN.  Once per step: a second call is an error, as torch.
   */
  unscale_(optimizer: Optimizer): void {
    if (!this.#enabled) return;
    const st = this.#state(optimizer);
    if (st.stage === 'unscaled') throw new Error('GradScaler.unscale_() has already been called on this optimizer since the last update().');
    if (st.stage === 'stepped') throw new Error('GradScaler.unscale_() is being called after step().');
    // torch: inv_scale = scale.double().reciprocal().float()
    const inv = f32(1 / this.#scale);
    st.foundInf = fused.ampUnscale(optimizer.paramGroups.flatMap((g) => g.params), inv);
    st.stage = 'unscaled';
  }

  /**
   * Unscales (unless unscale_ ran) and runs `optimizer.step()` unless a gradient was inf/NaN.
   * @returns whether the optimizer stepped (false: the step was skipped).
   */
  step(optimizer: Optimizer): boolean {
    if (!this.#enabled) { optimizer.step(); return true; }
    const st = this.#state(optimizer);
    if (st.stage === 'stepped') throw new Error('GradScaler.step() has already been called since the last update().');
    if (st.stage === 'ready') this.unscale_(optimizer);
    st.stage = 'stepped';
    if (st.foundInf) return false;
    optimizer.step();
    return true;
  }

  /**
   * The scale for the next step (torch's _amp_update_scale_): halved (backoff_factor) when any
   * optimizer found inf/NaN, multiplied by growth_factor after growth_interval clean steps in a
   * row; `newScale` sets it directly.  Forgets this step's per-optimizer state.
   */
  update(newScale?: number): void {
    if (!this.#enabled) return;
    if (newScale !== undefined) {
      this.#scale = f32(num('update(newScale)', newScale, (x) => x > 0 && Number.isFinite(x), 'a finite number > 0'));
    } else {
      if (this.#perOptimizer.size === 0) throw new Error('GradScaler.update(): no inf checks were recorded prior to update (call step() or unscale_() first).');
      const found = [...this.#perOptimizer.values()].some((s) => s.foundInf);
      if (found) {
        this.#scale = f32(this.#scale * this.#backoffFactor);
        this.#growthTracker = 0;
      } else {
        const successful = this.#growthTracker + 1;
        if (successful === this.#growthInterval) {
          const grown = f32(this.#scale * this.#growthFactor);
          // torch keeps the old scale when growing would overflow float32
          if (Number.isFinite(grown)) this.#scale = grown;
          this.#growthTracker = 0;
        } else this.#growthTracker = successful;
      }
    }
    this.#perOptimizer.clear();
  }

  /** Whether the last unscale_ of `optimizer` found inf/NaN (false before any). */
  foundInf(optimizer: Optimizer): boolean { return this.#perOptimizer.get(optimizer)?.foundInf ?? false; }

  /** torch's state_dict() (empty when disabled, as torch). */
  stateDict(): GradScalerStateDict | Record<string, never> {
    if (!this.#enabled) return {};
    return {
      scale: this.#scale, growth_factor: this.#growthFactor, backoff_factor: this.#backoffFactor,
      growth_interval: this.#growthInterval, _growth_tracker: this.#growthTracker,
    };
  }

  /** torch's load_state_dict(): every key of a saved state must be there and valid. */
  loadStateDict(sd: Partial<GradScalerStateDict>, where = 'GradScaler.loadStateDict'): void {
    if (!this.#enabled) return;
    if (sd === null || typeof sd !== 'object' || Object.keys(sd).length === 0)
      throw new RangeError(`${where}: the loaded state dict is empty (it was saved by a disabled GradScaler)`);
    const get = (k: keyof GradScalerStateDict, ok: (x: number) => boolean, rule: string): number => num(`${where}: ${k}`, sd[k], ok, rule);
    const scale = get('scale', (x) => x > 0 && Number.isFinite(x), 'a finite number > 0');
    const gf = get('growth_factor', (x) => x > 1 && Number.isFinite(x), 'a finite number > 1');
    const bf = get('backoff_factor', (x) => x > 0 && x < 1, 'in (0, 1)');
    const gi = get('growth_interval', (x) => Number.isInteger(x) && x > 0, 'an integer > 0');
    const gt = get('_growth_tracker', (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
    this.#scale = f32(scale);
    this.#growthFactor = gf;
    this.#backoffFactor = bf;
    this.#growthInterval = gi;
    this.#growthTracker = gt;
  }

  #state(optimizer: Optimizer): PerOptimizer {
    let s = this.#perOptimizer.get(optimizer);
    if (!s) {
      s = { stage: 'ready', foundInf: false };
      this.#perOptimizer.set(optimizer, s);
    }
    return s;
  }
}

function num(what: string, v: unknown, ok: (x: number) => boolean, rule: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`GradScaler ${what} must be a number, got ${JSON.stringify(v)}`);
  if (!ok(v)) throw new RangeError(`GradScaler ${what} must be ${rule}, got ${v}`);
  return v;
}
