// group.ts — the default process group, as torch.distributed keeps it: initProcessGroup (env://
// from the launcher's variables), getRank / getWorldSize, collectives on it, destroyProcessGroup.
// Tensors in collectives are changed in place, as in torch.
import { c10d, tensor, zeros, tidy, type Tensor } from '../torch/index.js';
import { readDistEnv, type DistEnv } from './env.js';

export type Backend = c10d.Backend;
export type ReduceOp = c10d.ReduceOp;

export interface InitProcessGroupOptions {
  /** 'gloo' (CPU); 'nccl' needs a CUDA build.  Default 'gloo'. */
  backend?: Backend;
  /** ms before a rendezvous or a collective fails (torch's default: 30 minutes). */
  timeout?: number;
  /** Explicit layout instead of the environment (tests, custom launchers). */
  rank?: number;
  world_size?: number;
  master_addr?: string;
  master_port?: number;
}

interface DefaultGroup { store: c10d.TCPStore; group: c10d.ProcessGroup; env: DistEnv }
let current: DefaultGroup | null = null;

/**
 * torch.distributed.init_process_group: meets the other ranks at MASTER_ADDR:MASTER_PORT (rank 0
 * serves the store) and builds the default group.  Returns it.
 */
export function initProcessGroup(opts: InitProcessGroupOptions = {}): c10d.ProcessGroup {
  if (current) throw new Error('initProcessGroup: the default process group is already initialized (call destroyProcessGroup first)');
  const fromEnv = readDistEnv();
  const worldSize = opts.world_size ?? fromEnv?.worldSize ?? 1;
  const rank = opts.rank ?? fromEnv?.rank ?? 0;
  const env: DistEnv = {
    rank, worldSize,
    localRank: fromEnv?.localRank ?? rank, localWorldSize: fromEnv?.localWorldSize ?? worldSize,
    masterAddr: opts.master_addr ?? fromEnv?.masterAddr ?? '127.0.0.1', masterPort: opts.master_port ?? fromEnv?.masterPort ?? 29500,
    nodeRank: fromEnv?.nodeRank ?? 0,
  };
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new RangeError(`initProcessGroup: rank ${rank} is outside 0..${worldSize - 1} (world_size ${worldSize})`);
  const backend = opts.backend ?? 'gloo';
  if (backend === 'nccl' && !c10d.hasNccl())
    throw new Error("initProcessGroup: backend 'nccl' is not in this build of tunekit (it needs a CUDA libtorch 2.x with NCCL's headers when the addon is built); use 'gloo'");
  if (backend !== 'gloo' && backend !== 'nccl') throw new RangeError(`initProcessGroup: backend must be 'gloo' or 'nccl', got '${String(backend)}'`);
  const timeoutMs = opts.timeout ?? c10d.DEFAULT_TIMEOUT_MS;
  const store = new c10d.TCPStore(env.masterAddr, env.masterPort, { isMaster: rank === 0, worldSize, timeoutMs });
  let group: c10d.ProcessGroup;
  try {
    group = new c10d.ProcessGroup(store, rank, worldSize, { backend, timeoutMs, hostname: env.masterAddr === '127.0.0.1' || env.masterAddr === 'localhost' ? '127.0.0.1' : '' });
  } catch (e) {
    store.close();
    throw new Error(`torch.distributed: rank ${rank} could not form the group of WORLD_SIZE=${worldSize} ranks at ${env.masterAddr}:${env.masterPort} ` +
      `within ${timeoutMs / 1000} s: not every rank joined (one never started, died, or was given another WORLD_SIZE or MASTER_PORT): ${(e as Error).message.split('\n')[0]}`);
  }
  current = { store, group, env };
  return group;
}

export function isInitialized(): boolean { return current !== null; }
function need(op: string): DefaultGroup {
  if (!current) throw new Error(`${op}: the default process group is not initialized (call initProcessGroup() first)`);
  return current;
}
/** The default group (throws when not initialized). */
export function getGroup(): c10d.ProcessGroup { return need('getGroup').group; }
export function getRank(): number { return current?.group.rank ?? 0; }
export function getWorldSize(): number { return current?.group.size ?? 1; }
export function getLocalRank(): number { return current?.env.localRank ?? 0; }
export function getLocalWorldSize(): number { return current?.env.localWorldSize ?? 1; }
export function getNodeRank(): number { return current?.env.nodeRank ?? 0; }

/** torch.distributed.destroy_process_group: closes the group and the store. */
export function destroyProcessGroup(): void {
  if (!current) return;
  const c = current;
  current = null;
  c.group.destroy();
  c.store.close();
}

export function barrier(): void { need('barrier').group.barrier(); }
export function allReduce(t: Tensor | Tensor[], op: ReduceOp = 'sum'): void { need('allReduce').group.allReduce(t, op); }
export function broadcast(t: Tensor | Tensor[], src = 0): void { need('broadcast').group.broadcast(t, src); }
/** outputs[r] <- rank r's tensor (every output shaped like it). */
export function allGather(outputs: Tensor[], t: Tensor): void { need('allGather').group.allGather(outputs, t); }

/**
 * torch.distributed.reduce_scatter_tensor: output <- the reduction over ranks of rank r's chunk
 * of `input` (input's first dim = world size x output's).  Gloo has no reduce-scatter, so this is
 * an all-reduce and a slice (the same numbers, more traffic).
 */
export function reduceScatter(output: Tensor, input: Tensor, op: ReduceOp = 'sum'): void {
  const g = need('reduceScatter').group;
  const n = output.size(0);
  if (input.size(0) !== n * g.size) throw new RangeError(`reduceScatter: input's first dim ${input.size(0)} must be world size (${g.size}) x output's (${n})`);
  tidy(() => {
    const all = input.clone();
    g.allReduce(all, op);
    output.copy_(all.narrow(0, g.rank * n, n));
  });
}

/** torch.distributed.all_gather_object for JSON values: every rank gets every rank's value, in rank order. */
export function allGatherObject<T>(value: T): T[] {
  const g = need('allGatherObject').group;
  const bytes = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
  return tidy(() => {
    const len = tensor([bytes.length], { dtype: 'int64' });
    const lens = Array.from({ length: g.size }, () => zeros([1], { dtype: 'int64' }));
    g.allGather(lens, len);
    const sizes = lens.map((l) => Number(l.item()));
    const max = Math.max(...sizes);
    const mine = zeros([max], { dtype: 'uint8' });
    if (bytes.length) mine.narrow(0, 0, bytes.length).copy_(tensor(Array.from(bytes), { dtype: 'uint8' }));
    const outs = sizes.map(() => zeros([max], { dtype: 'uint8' }));
    g.allGather(outs, mine);
    return outs.map((o, r) => JSON.parse(Buffer.from((o.toTypedArray() as Uint8Array).subarray(0, sizes[r])).toString('utf8')) as T);
  });
}
/** torch.distributed.broadcast_object_list for one JSON value: every rank gets src's. */
export function broadcastObject<T>(value: T, src = 0): T {
  return allGatherObject(value)[src]!;
}

