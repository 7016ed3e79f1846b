// optimizer.ts — the Optimizer base class: parameter groups, per-parameter state, zeroGrad and
// state dicts in PyTorch's layout (torch/optim/optimizer.py, 1.13).  Subclasses (AdamW, SGD) say
// how their hyperparameters and state are spelled in PyTorch and do the update in one kernel call.
import { Tensor, enableGrad, fused } from '../torch/index.js';

/** A parameter group as the optimizer holds it: its tensors plus every hyperparameter filled in. */
export type ParamGroup<H> = H & {
  params: Tensor[];
  /** Written by the first LR scheduler attached (PyTorch's `initial_lr`). */
  initialLr?: number;
};
/** A parameter group as given to a constructor: hyperparameters left out take the defaults. */
export type ParamGroupSpec<H> = Partial<H> & { params: Iterable<Tensor> };
/** What an optimizer constructor takes: a flat list of tensors or a list of groups. */
export type Params<H> = Iterable<Tensor> | ParamGroupSpec<H>[];

/** A state value as it travels in a state dict. */
export type StateValue = Tensor | number | null;
/**
 * PyTorch's optimizer state dict: `state` keyed by the parameter's index over all groups (only
 * parameters that have state), `param_groups` with snake_case hyperparameters and `params` as
 * those indices.  Tensors are the optimizer's live state (not copies): clone to snapshot.
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, StateValue>>;
  param_groups: Record<string, unknown>[];
}

/** How one optimizer class is spelled in PyTorch; handed to the base constructor. */
export interface OptimizerSpec<H> {
  name: string;
  /** [camelCase field, PyTorch key] for every hyperparameter, in PyTorch's order. */
  hyper: readonly (readonly [keyof H & string, string])[];
  /** Keys PyTorch writes that tunekit fixes (amsgrad: false, foreach: null, ...). */
  constants: Readonly<Record<string, unknown>>;
  /** [camelCase field, PyTorch key, kind] for each per-parameter state entry. */
  state: readonly (readonly [string, string, 'number' | 'tensor' | 'tensorOrNull'])[];
  /** Throws a RangeError/TypeError naming the bad value. */
  validate(h: H, where: string): void;
  /** Rejects a saved group that needs a feature tunekit lacks (AdamW's amsgrad). */
  checkSaved?(saved: Record<string, unknown>, where: string): void;
}

function disposeState(s: object): void {
  for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
}

/** @internal True when `p` has a gradient (reads the handle and frees it at once). */
export function hasGrad(p: Tensor): boolean {
  const g = p.grad;
  if (g === null) return false;
  g.dispose();
  return true;
}

/**
 * Base class of the optimizers.  `paramGroups[i].lr` is what an LR scheduler writes; `state`
 * maps each parameter to its state, created lazily on its first step with a gradient.  State
 * tensors are keep()-ed: no tidy() scope ever frees them; `dispose()` does.
 * @example
 * const opt = new AdamW([{ params: weights, weightDecay: 0.01 }, { params: biases, weightDecay: 0 }], { lr: 1e-3 });
 * const loss = tidy(() => { const l = lossFn(); l.backward(); opt.step(); opt.zeroGrad(); return l.item(); });
 * const saved = opt.stateDict(); // {state: {0: {step, exp_avg, exp_avg_sq}, ...}, param_groups: [...]}
 */
export abstract class Optimizer<H extends { lr: number } = { lr: number }, S extends object = object> {
  /** The constructor's hyperparameters (PyTorch's `defaults`; schedulers read `defaults.lr`). */
  readonly defaults: Readonly<H>;
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state (PyTorch's `optimizer.state`). */
  readonly state = new Map<Tensor, S>();
  // typed loosely so that an AdamW is assignable to a plain `Optimizer` (spec's keyof H is invariant)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly spec: OptimizerSpec<any>;

  protected constructor(params: Params<H>, defaults: H, spec: OptimizerSpec<H>) {
    this.spec = spec;
    spec.validate(defaults, `${spec.name}`);
    this.defaults = Object.freeze({ ...defaults });
    if (params instanceof Tensor) throw new TypeError(`${spec.name}: params must be an iterable of Tensors or of parameter groups, got a single Tensor`);
    const list = [...(params as Iterable<Tensor | ParamGroupSpec<H>>)];
    if (list.length === 0) throw new RangeError(`${spec.name}: optimizer got an empty parameter list`);
    const groups = list.every((x) => x instanceof Tensor) ? [{ params: list as Tensor[] } as unknown as ParamGroupSpec<H>] : (list as ParamGroupSpec<H>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group (PyTorch's add_param_group): unknown keys, non-leaf or repeated tensors are errors. */
  addParamGroup(group: ParamGroupSpec<H>): void {
    const where = `${this.spec.name} param group ${this.paramGroups.length}`;
    if (group === null || typeof group !== 'object' || group instanceof Tensor || !('params' in group))
      throw new TypeError(`${where}: expected {params, ...options}, got ${String(group)}`);
    const known = new Set<string>(['params', ...this.spec.hyper.map(([k]) => k)]);
    for (const k of Object.keys(group)) if (!known.has(k)) throw new TypeError(`${where}: unknown option '${k}' (known: ${[...known].join(', ')})`);
    const params = [...group.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const [i, p] of params.entries()) {
      if (!(p instanceof Tensor)) throw new TypeError(`${where}: params[${i}] is not a Tensor`);
      if (p.isDisposed) throw new TypeError(`${where}: params[${i}] is disposed`);
      if (!p.isLeaf) throw new TypeError(`${where}: params[${i}]: can't optimize a non-leaf Tensor`);
      if (seen.has(p)) throw new TypeError(`${where}: params[${i}] appears in more than one parameter group (or twice)`);
      seen.add(p);
    }
    const full: Record<string, unknown> = {};
    for (const [k] of this.spec.hyper) {
      const v = (group as Record<string, unknown>)[k];
      full[k] = this.copyValue(v !== undefined ? v : (this.defaults as Record<string, unknown>)[k]); // copies betas
    }
    this.spec.validate(full as H, where);
    this.paramGroups.push({ ...(full as H), params });
  }

  /**
   * One optimization step over every group.  With a closure (called with grad mode on, as
   * PyTorch's step(closure)) its result is returned.  Parameters without a gradient are skipped.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    for (const g of this.paramGroups) this.stepGroup(g);
    return loss;
  }

  /** Updates the parameters of one group (kernels run under no-grad natively). */
  protected abstract stepGroup(group: ParamGroup<H>): void;

  /**
   * Clears every parameter's gradient: drops it (setToNone, the default as in PyTorch >= 2.0)
   * or zeroes it in place (PyTorch 1.13's default).  Matters for AdamW: a zeroed gradient still
   * counts as a gradient, so decay and moment updates run for that parameter.
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    fused.zeroGrad(this.paramGroups.flatMap((g) => g.params), opts.setToNone ?? true);
  }

  /** PyTorch's state_dict(): see {@link OptimizerStateDict}.  Step counters are numbers. */
  stateDict(): OptimizerStateDict {
    const state: Record<number, Record<string, StateValue>> = {};
    const param_groups: Record<string, unknown>[] = [];
    let index = 0;
    for (const g of this.paramGroups) {
      const packed: Record<string, unknown> = {};
      for (const [k, key] of this.spec.hyper) packed[key] = this.copyValue((g as Record<string, unknown>)[k]);
      Object.assign(packed, this.spec.constants);
      if (g.initialLr !== undefined) packed.initial_lr = g.initialLr;
      const ids: number[] = [];
      for (const p of g.params) {
        const s = this.state.get(p) as Record<string, StateValue> | undefined;
        if (s) {
          const out: Record<string, StateValue> = {};
          for (const [k, key] of this.spec.state) out[key] = s[k] ?? null;
          state[index] = out;
        }
        ids.push(index++);
      }
      packed.params = ids;
      param_groups.push(packed);
    }
    return { state, param_groups };
  }

  /**
   * PyTorch's load_state_dict(): group hyperparameters (lr, initial_lr, ...) replace the current
   * ones; state tensors are copied (cast to the parameter's dtype when floating point, moved to
   * its device) and the old state is freed.  Group and parameter counts must match.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.spec.name;
    if (!sd || typeof sd !== 'object' || !Array.isArray(sd.param_groups) || typeof sd.state !== 'object')
      throw new TypeError(`${name}.loadStateDict: expected {state, param_groups}`);
    if (sd.param_groups.length !== this.paramGroups.length)
      throw new RangeError(`${name}.loadStateDict: loaded state dict has ${sd.param_groups.length} parameter groups, the optimizer ${this.paramGroups.length}`);
    const byIndex = new Map<number, Tensor>();
    const groups = sd.param_groups.map((saved, gi) => {
      const where = `${name}.loadStateDict: param_groups[${gi}]`;
      const mine = this.paramGroups[gi]!;
      const ids = saved.params;
      if (!Array.isArray(ids) || ids.length !== mine.params.length)
        throw new RangeError(`${where} has ${Array.isArray(ids) ? ids.length : 'no'} params, the optimizer's group ${mine.params.length}`);
      ids.forEach((id, i) => byIndex.set(Number(id), mine.params[i]!));
      this.spec.checkSaved?.(saved, where);
      const h: Record<string, unknown> = {};
      for (const [k, key] of this.spec.hyper) {
        if (!(key in saved)) throw new TypeError(`${where} has no '${key}' (is it another optimizer's state?)`);
        h[k] = this.copyValue(saved[key]);
      }
      this.spec.validate(h as H, where);
      const g: ParamGroup<H> = { ...(h as H), params: mine.params };
      if (typeof saved.initial_lr === 'number') g.initialLr = saved.initial_lr;
      return g;
    });
    const loaded = new Map<Tensor, S>();
    try {
      for (const [id, entry] of Object.entries(sd.state)) {
        const p = byIndex.get(Number(id));
        if (!p) throw new RangeError(`${name}.loadStateDict: state ${id} belongs to no parameter`);
        loaded.set(p, this.loadEntry(entry, p, `${name}.loadStateDict: state[${id}]`));
      }
    } catch (e) {
      for (const s of loaded.values()) disposeState(s);
      throw e;
    }
    this.dispose();
    for (const [p, s] of loaded) this.state.set(p, s);
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
  }

  /** Frees every state tensor and forgets the state (the parameters are untouched). */
  dispose(): void {
    for (const s of this.state.values()) disposeState(s);
    this.state.clear();
  }

  private copyValue(v: unknown): unknown {
    return Array.isArray(v) ? [...v] : v;
  }

  private loadEntry(entry: Record<string, StateValue>, p: Tensor, where: string): S {
    const out: Record<string, StateValue> = {};
    const made: Tensor[] = [];
    try {
      for (const [k, key, kind] of this.spec.state) {
        const v = entry[key];
        if (kind === 'number') {
          if (v instanceof Tensor) out[k] = v.item(); // PyTorch >= 1.12 saves `step` as a 0-dim tensor
          else if (typeof v === 'number') out[k] = v;
          else throw new TypeError(`${where}.${key} must be a number or a 0-dim tensor`);
        } else if (v instanceof Tensor) {
          const floating = p.dtype.startsWith('float') || p.dtype === 'bfloat16';
          const t = v.to({ dtype: floating ? p.dtype : v.dtype, device: p.device, copy: true }).keep();
          made.push(t);
          out[k] = t;
        } else if (kind === 'tensorOrNull' && (v === null || v === undefined)) {
          out[k] = null;
        } else throw new TypeError(`${where}.${key} must be a Tensor${kind === 'tensorOrNull' ? ' or null' : ''}`);
      }
    } catch (e) {
      for (const t of made) t.dispose();
      throw e;
    }
    return out as S;
  }
}

/** @internal Throws unless `v` is a number satisfying `ok`; the message names key, value and rule. */
export function checkNumber(where: string, key: string, v: unknown, ok: (x: number) => boolean, rule: string): void {
  if (typeof v !== 'number') throw new TypeError(`${where}: ${key} must be a number, got ${JSON.stringify(v)}`);
  if (!ok(v)) throw new RangeError(`${where}: invalid ${key}: ${v} (must be ${rule})`);
}
/** @internal Throws unless `v` is a boolean. */
export function checkBoolean(where: string, key: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new TypeError(`${where}: ${key} must be a boolean, got ${JSON.stringify(v)}`);
}
/** @internal Throws on option keys outside `known` (typos would otherwise be silently ignored). */
export function checkKeys(where: string, opts: object, known: readonly string[]): void {
  for (const k of Object.keys(opts)) if (!known.includes(k)) throw new TypeError(`${where}: unknown option '${k}' (known: ${known.join(', ')})`);
}
