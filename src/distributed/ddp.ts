// ddp.ts — DistributedDataParallel: torch.nn.parallel.DistributedDataParallel's Python half over
// c10d's Reducer (its C++ half).  At construction the module's parameters and buffers are
// broadcast from rank 0 (_sync_module_states), so every replica starts equal; around each forward
// whose backward must synchronize, preForward / prepareBackward arm the reducer, whose autograd
// hooks average the gradients across ranks bucket by bucket while backward runs.  `noSync` skips
// that (gradient accumulation's intermediate micro-batches): gradients accumulate locally and the
// next synchronized backward averages the sum.
import { c10d, cat, noGrad, isGradEnabled, tidy, zerosLike, type Tensor } from '../torch/index.js';
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
  /**
   * No autograd hooks: backward leaves the local gradients and the caller averages them with
   * allReduceGradients() once the whole backward is done (torch's delay_all_reduce). For backward
   * passes that continue after the native one — tunekit's gradient checkpointing recomputes and
   * backpropagates checkpointed layers afterwards, when the hooks would already have synchronized.
   */
  delay_all_reduce?: boolean;
}

const MB = 1024 * 1024;

export class DistributedDataParallel<M extends Module = Module> {
  readonly module: M;
  readonly group: c10d.ProcessGroup;
  /** false inside noSync(): the next backward does not all-reduce */
  requireBackwardGradSync = true;
  private readonly reducer: c10d.Reducer | null;
  private readonly params: Tensor[];
  private readonly bucketBytes: number;
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
    this.params = named.map(([, p]) => p);
    this.bucketBytes = Math.round((opts.bucket_cap_mb ?? 25) * MB);
    this.reducer = opts.delay_all_reduce ? null : new c10d.Reducer(this.group, this.params, named.map(([n]) => n), {
      bucketCapBytes: this.bucketBytes, firstBucketCapBytes: MB,
      findUnusedParameters: this.findUnused, gradientAsBucketView: opts.gradient_as_bucket_view ?? false,
    });
  }

  /** Whether gradients are averaged by allReduceGradients() rather than during backward. */
  get delaysAllReduce(): boolean { return this.reducer === null; }

  /**
   * Averages every trainable parameter's gradient over the group (a missing gradient counts as
   * zeros, so every rank reduces the same layout): flat buckets of at most bucket_cap_mb, one
   * all-reduce each, the averages copied back into `.grad`.
   */
  allReduceGradients(): void {
    noGrad(() => tidy(() => {
      const grads = this.params.map((p) => {
        if (p.grad === null) p.grad = zerosLike(p);
        return p.grad!;
      });
      let start = 0;
      while (start < grads.length) {
        let end = start, bytes = 0;
        do { bytes += grads[end]!.numel() * 4; end++; } while (end < grads.length && bytes + grads[end]!.numel() * 4 <= this.bucketBytes);
        const bucket = grads.slice(start, end);
        const flat = cat(bucket.map((g) => g.reshape(-1)), 0); // (sum of numels)
        this.group.allReduce(flat, 'avg');
        let off = 0;
        for (const g of bucket) { g.copy_(flat.narrow(0, off, g.numel()).view(...g.shape)); off += g.numel(); }
        start = end;
      }
    }));
  }

  /**
   * Runs one forward (`f`, e.g. `() => model.forward(batch)`) the way DDP.forward does: the
   * reducer is told a synchronized backward follows (unless in noSync or without grad mode), and
   * buffers come from rank 0 first.  `outputs` picks the tensors searched for unused parameters.
   */
  forward<T>(f: () => T, outputs?: (r: T) => Tensor[]): T {
    const sync = this.requireBackwardGradSync && isGradEnabled();
    if (sync && this.reducer) {
      this.reducer.preForward();
      if (this.broadcastBuffers && this.buffers.length) noGrad(() => this.group.broadcastCoalesced(this.buffers, 0, 250 * MB));
    }
    const r = f();
    if (sync && this.reducer) {
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

  dispose(): void { this.reducer?.dispose(); }
  [Symbol.dispose](): void { this.dispose(); }
}

