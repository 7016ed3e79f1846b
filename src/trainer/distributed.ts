// distributed.ts — the Trainer on several processes (HF's Trainer under accelerate's DDP): the
// default process group from the launcher's environment, the model wrapped in
// DistributedDataParallel for train(), gradient sync only on an update's last micro-batch
// (accelerate's no_sync for the others), the logged loss averaged over ranks (HF _nested_gather
// (tr_loss).mean()), and only the main process writing files (args.should_save).
import type { Tensor } from '../torch/index.js';
import { DistributedDataParallel, allReduce, barrier, getRank, getLocalRank, getWorldSize, initProcessGroup, isInitialized, readDistEnv } from '../distributed/index.js';
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
  const backend = (args.ddp_backend ?? 'gloo') as 'gloo' | 'nccl';
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
  if (a.gradient_checkpointing)
    throw new Error('gradient_checkpointing with several processes is not supported yet: tunekit recomputes checkpointed layers after the native backward, ' +
      "where DDP's reducer has already synchronized the gradients");
  return new DistributedDataParallel(ctx.trainer.model as never, {
    find_unused_parameters: a.ddp_find_unused_parameters ?? false,
    bucket_cap_mb: a.ddp_bucket_cap_mb ?? 25,
    broadcast_buffers: a.ddp_broadcast_buffers ?? true,
  });
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
