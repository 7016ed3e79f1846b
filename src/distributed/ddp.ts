// ddp.ts — DistributedDataParallel: torch.nn.parallel.DistributedDataParallel's Python half over
// c10d's Reducer (its C++ half).  At construction the module's parameters and buffers are
// broadcast from rank 0 (_sync_module_states), so every replica starts equal; around each forward
// whose backward must synchronize, preForward / prepareBackward arm the reducer, whose autograd
// hooks average the gradients across ranks bucket by bucket while backward runs.  `noSync` skips
// that (gradient accumulation's intermediate micro-batches): gradients accumulate locally and the
// next synchronized backward averages the sum.
import { c10d, noGrad, isGradEnabled, type Tensor } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import { getGroup } from './group.js';

export interface DDPOptions {
  /** the group to average over (default: the default group) */
  process_group?: c10d.ProcessGroup;
  /** bucket size in MiB (torch's bucket_cap_mb, 25) */
  bucket_cap_mb?: number;
  /** search the forward's outputs for parameters that got no gradient (torch's find_unused_parameters) */
  find_unused_parameters?: boolean;
  /** broadcast buffers from rank 0 before every synchronized forward (torch's broadcast_buffers, true) */
  broadcast_buffers?: boolean;
  /** gradients are views into the buckets (saves a copy; torch's gradient_as_bucket_view, false) */
  gradient_as_bucket_view?: boolean;
}

const MB = 1024 * 1024;

export class DistributedDataParallel<M extends Module = Module> {
  readonly module: M;
  readonly group: c10d.ProcessGroup;
  /** false inside noSync(): the next backward does not all-reduce */
  requireBackwardGradSync = true;
  private readonly reducer: c10d.Reducer;
  private readonly buffers: Tensor[];
  private readonly broadcastBuffers: boolean;
  private readonly findUnused: boolean;
  private armed = false;

  constructor(module: M, opts: DDPOptions = {}) {
    this.module = module;
    this.group = opts.process_group ?? getGroup();
    const named = module.namedParameters().filter(([, p]) => p.requiresGrad);
    if (named.length === 0) throw new Error('DistributedDataParallel: the module has no parameter that requires a gradient');
    this.buffers = module.buffers();
    this.broadcastBuffers = opts.broadcast_buffers ?? true;
    this.findUnused = opts.find_unused_parameters ?? false;
    // _sync_module_states: rank 0's parameters and buffers everywhere (250 MiB buffers, as torch)
    noGrad(() => this.group.broadcastCoalesced([...module.parameters(), ...this.buffers], 0, 250 * MB));
    this.reducer = new c10d.Reducer(this.group, named.map(([, p]) => p), named.map(([n]) => n), {
      bucketCapBytes: Math.round((opts.bucket_cap_mb ?? 25) * MB), firstBucketCapBytes: MB,
      findUnusedParameters: this.findUnused, gradientAsBucketView: opts.gradient_as_bucket_view ?? false,
    });
  }

  /**
   * Runs one forward (`f`, e.g. `() => model.forward(batch)`) the way DDP.forward does: the
   * reducer is told a synchronized backward follows (unless in noSync or without grad mode), and
   * buffers come from rank 0 first.  `outputs` picks the tensors searched for unused parameters.
   */
  forward<T>(f: () => T, outputs?: (r: T) => Tensor[]): T {
    const sync = this.requireBackwardGradSync && isGradEnabled();
    if (sync) {
      this.reducer.preForward();
      if (this.broadcastBuffers && this.buffers.length) noGrad(() => this.group.broadcastCoalesced(this.buffers, 0, 250 * MB));
    }
    const r = f();
    if (sync) {
      this.reducer.prepareBackward(this.findUnused && outputs ? outputs(r) : []);
      this.armed = true;
    }
    return r;
  }

  /** torch's no_sync(): backward passes inside `f` accumulate gradients locally, without all-reduce. */
  noSync<T>(f: () => T): T {
    const old = this.requireBackwardGradSync;
    this.requireBackwardGradSync = false;
    try {
      return f();
    } finally {
      this.requireBackwardGradSync = old;
    }
  }

  /** Whether a synchronized forward ran since construction (for checks by callers). */
  get hasSynchronized(): boolean { return this.armed; }

  dispose(): void { this.reducer.dispose(); }
  [Symbol.dispose](): void { this.dispose(); }
}

