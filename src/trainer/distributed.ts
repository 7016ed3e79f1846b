// distributed.ts — the Trainer on several processes (HF's Trainer under accelerate's DDP): the
// default process group from the launcher's environment, the model wrapped in
// DistributedDataParallel for train(), gradient sync only on an update's last micro-batch
// (accelerate's no_sync for the others), the logged loss averaged over ranks (HF _nested_gather
// (tr_loss).mean()), and only the main process writing files (args.should_save).
import { F, c10d, cat, cuda, emptyLike, tensor, type Tensor } from '../torch/index.js';
import { DistributedDataParallel, allGather, allReduce, barrier, getRank, getLocalRank, getWorldSize, initProcessGroup, isInitialized, readDistEnv } from '../distributed/index.js';
import type { TrainingArguments } from './training-args.js';
import type { TrainerContext } from './context.js';

/**
 * HF TrainingArguments._setup_devices: a process started by a launcher (WORLD_SIZE > 1) joins the
 * default group (backend ddp_backend, default gloo on CPU; timeout ddp_timeout seconds).
 */
export function setupDistributed(args: TrainingArguments): void {
  if (isInitialized()) return;
  const env = readDistEnv();
  if (env === null || env.worldSize === 1) return;
  // accelerate's default: NCCL when the run is on CUDA (and this build has it), Gloo otherwise
  const onCuda = !args.use_cpu && cuda.isAvailable();
  const backend = (args.ddp_backend ?? (onCuda && c10d.hasNccl() ? 'nccl' : 'gloo')) as 'gloo' | 'nccl';
  if (backend !== 'gloo' && backend !== 'nccl') throw new RangeError(`TrainingArguments: ddp_backend '${args.ddp_backend}' is not supported (use 'gloo' or 'nccl')`);
  initProcessGroup({ backend, timeout: args.ddp_timeout * 1000 });
}

export function worldSize(): number { return getWorldSize(); }
export function processIndex(): number { return getRank(); }
export function localProcessIndex(): number { return getLocalRank(); }

/** Wraps the model for train() when there are several processes (null on one). */
export function wrapModel(ctx: TrainerContext): DistributedDataParallel | null {
  const a = ctx.trainer.args;
  if (getWorldSize() === 1) return null;
  return new DistributedDataParallel(ctx.trainer.model as never, {
    find_unused_parameters: a.ddp_find_unused_parameters ?? false,
    bucket_cap_mb: a.ddp_bucket_cap_mb ?? 25,
    broadcast_buffers: a.ddp_broadcast_buffers ?? true,
    // tunekit's gradient checkpointing backpropagates the checkpointed layers after the native
    // backward, where the reducer's hooks would already have synchronized: average afterwards
    delay_all_reduce: a.gradient_checkpointing,
  });
}

/** After a micro-batch's whole backward: the delayed all-reduce, on the update's last micro-batch. */
export function afterBackward(ctx: TrainerContext): void {
  const ddp = ctx.run.ddp;
  if (ddp && ddp.delaysAllReduce && ctx.run.ddpSync) ddp.allReduceGradients();
}

/** One training forward under DDP: synchronized on the update's last micro-batch, no_sync before it. */
export function ddpForward<T>(ctx: TrainerContext, f: () => T): T {
  const ddp = ctx.run.ddp;
  if (!ddp) return f();
  return ctx.run.ddpSync ? ddp.forward(f) : ddp.noSync(() => ddp.forward(f));
}

/** In place: the mean over ranks (a 0-d loss sum before it is read for a log). */
export function meanOverRanks(t: Tensor): void {
  if (getWorldSize() > 1) allReduce(t, 'avg');
}
/** In place: the sum over ranks (num_items_in_batch with average_tokens_across_devices). */
export function sumOverRanks(t: Tensor): void {
  if (getWorldSize() > 1) allReduce(t, 'sum');
}
/** A barrier over the default group when there are several processes. */
export function barrierIfDistributed(): void {
  if (getWorldSize() > 1) barrier();
}

/**
 * accelerate's gather_for_metrics for one evaluation batch: every rank's tensor, padded along dim 1
 * to the longest (pad_across_processes, with `padIndex`), concatenated in rank order along dim 0;
 * on the last batch only the first `keep` rows (the duplicated rows even_batches added are dropped).
 * Ranks hold equal batch sizes (even_batches), so rank order is dataset order batch by batch.
 */
export function gatherForMetrics(t: Tensor, keep: number | null, padIndex = -100): Tensor {
  const ws = getWorldSize();
  if (ws === 1) return keep === null ? t : t.narrow(0, 0, Math.min(keep, t.size(0)));
  let x = t.contiguous();
  if (x.ndim > 1) {
    const len = tensor([x.size(1)], { dtype: 'int64' });
    const lens = Array.from({ length: ws }, () => emptyLike(len));
    allGather(lens, len);
    const max = Math.max(...lens.map((l) => Number(l.item())));
    // F.pad's list runs from the last dim: pad only the end of dim 1
    if (max > x.size(1)) x = F.pad(x, [...new Array(2 * (x.ndim - 2)).fill(0), 0, max - x.size(1)], padIndex);
  }
  const outs = Array.from({ length: ws }, () => emptyLike(x));
  allGather(outs, x);
  const all = cat(outs, 0);
  return keep === null ? all : all.narrow(0, 0, Math.min(keep, all.size(0)));
}
