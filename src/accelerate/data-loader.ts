// data-loader.ts — accelerate's DataLoaderShard (accelerate/data_loader.py): a prepared copy of a
// DataLoader that takes this process's share of every epoch (BatchSamplerShard, even_batches:
// the DataLoader's `shard` option) and tells the GradientState when it is at its last batch
// (accelerate looks one batch ahead for that; here the batch count is known in advance) and how
// many rows of the last round are real (the remainder gather_for_metrics keeps).
import { DataLoader, type DataLoaderOptions, type RowSource } from '../data/index.js';
import { Tensor, type Device } from '../torch/index.js';
import { broadcastObject, getWorldSize } from '../distributed/index.js';
import type { GradientState, TrackedLoader } from './state.js';

/**
 * A DataLoader prepared by an Accelerator: same dataset, collate function, batch size, order and
 * seed as the original, sharded over the processes.  `length` is this process's number of
 * batches.  Batches are moved to the accelerator's device (a no-op on CPU).
 */
export class DataLoaderShard<T = unknown, B = unknown> extends DataLoader<T, B> implements TrackedLoader {
  endOfDataloader = false;
  remainder = -1;
  readonly numProcesses: number;
  readonly processIndex: number;
  private readonly gradientState: GradientState;
  private readonly device: Device;

  constructor(dataset: RowSource<T>, opts: DataLoaderOptions<T, B>, ctx: { gradientState: GradientState; numProcesses: number; processIndex: number; device: Device }) {
    super(dataset, ctx.numProcesses > 1 ? { ...opts, shard: { numProcesses: ctx.numProcesses, processIndex: ctx.processIndex } } : opts);
    this.gradientState = ctx.gradientState;
    this.numProcesses = ctx.numProcesses;
    this.processIndex = ctx.processIndex;
    this.device = ctx.device;
  }

  /** Batch size over all processes (accelerate's total_batch_size, split_batches false). */
  get totalBatchSize(): number { return this.batchSize * this.numProcesses; }

  override *iterEpoch(epoch: number, opts: { skipBatches?: number } = {}): IterableIterator<B> {
    // GradientState.begin(): reset, the remainder of the dataset over one round of batches
    this.endOfDataloader = false;
    this.remainder = this.dropLast ? -1 : this.numRows % this.totalBatchSize;
    this.gradientState.addDataloader(this);
    try {
      const n = this.length;
      let i = opts.skipBatches ?? 0;
      for (const batch of super.iterEpoch(epoch, opts)) {
        if (i === n - 1) this.endOfDataloader = true;
        i++;
        yield this.device === 'cpu' ? batch : toDevice(batch, this.device);
      }
    } finally {
      this.gradientState.removeDataloader(this);
    }
  }
}

/** A batch (a tensor, or a plain object / array of them) moved to `device`; the originals are freed. */
function toDevice<B>(batch: B, device: Device): B {
  if (batch instanceof Tensor) {
    const moved = batch.to(device);
    batch.dispose();
    return moved as B;
  }
  if (Array.isArray(batch)) return batch.map((b) => toDevice(b, device)) as B;
  if (batch !== null && typeof batch === 'object' && Object.getPrototypeOf(batch) === Object.prototype)
    return Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, toDevice(v, device)])) as B;
  return batch;
}

/** The private fields of a DataLoader that a prepared copy needs (dataset and constructor options). */

/**
 * accelerate's prepare_data_loader for a tunekit DataLoader: a DataLoaderShard with the same
 * options.  Every process must walk the same order, so rank 0's seed is broadcast (accelerate
 * synchronizes the sampler's generator the same way); a loader built on a `generator` cannot be
 * sharded reproducibly and is refused.
 */
export function prepareDataLoader<T, B>(dl: DataLoader<T, B>, ctx: { gradientState: GradientState; numProcesses: number; processIndex: number; device: Device }): DataLoaderShard<T, B> {
  if (!(dl instanceof DataLoader)) throw new TypeError('Accelerator.prepare: expected a tunekit DataLoader');
  const inner = { source: dl.dataset, opts: dl.options };
  if (inner.opts.shard) throw new RangeError('Accelerator.prepare: the DataLoader already has a `shard` option; pass the unsharded loader, prepare() shards it');
  if (inner.opts.generator && getWorldSize() > 1)
    throw new RangeError('Accelerator.prepare: a DataLoader drawing its order from a `generator` cannot be sharded (each process would draw its own order); pass `seed` instead');
  const seed = getWorldSize() > 1 ? broadcastObject(dl.seed, 0) : dl.seed;
  const out = new DataLoaderShard<T, B>(inner.source, { ...inner.opts, seed }, ctx);
  out.epoch = dl.epoch;
  return out;
}
