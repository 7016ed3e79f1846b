// distributed.ts — torch.distributed over libtorch's c10d (native/src/ops/dist.cc): a TCPStore
// rendezvous, Gloo process groups and collectives on tensors, and DDP's Reducer.  Collectives
// block until done (c10d's work.wait()); the Reducer's all-reduces run asynchronously on Gloo's
// threads while backward goes on, which is where data-parallel training overlaps.
//   import { distributed as dist } from 'tunekit/torch';
//   const pg = dist.initProcessGroup({ backend: 'gloo' });     // reads RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
//   dist.allReduce(t, 'sum');
import { native as N } from './native.js';
import { Tensor } from './tensor.js';
import { TorchError } from './errors.js';

export type Backend = 'gloo' | 'nccl';
/** torch.distributed.ReduceOp, lower-case; 'avg' is sum / world size (Gloo has no AVG). */
export type ReduceOp = 'sum' | 'avg' | 'product' | 'min' | 'max';

/** Whether this build has the NCCL backend (a CUDA libtorch 2.x with NCCL's headers at build time). */
export function hasNccl(): boolean { return N.distHasNccl(); }

/** torch's default process-group timeout (30 minutes), as HF's ddp_timeout (1800 s). */
export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

function handle(t: Tensor, op: string, what = 'tensor'): number {
  if (!(t instanceof Tensor)) throw new TorchError(`${op}: ${what} is not a Tensor`, op);
  return t._h;
}

/** c10d's TCPStore: the key-value store ranks meet at (rank 0 runs the server). */
export class TCPStore {
  readonly host: string;
  readonly port: number;
  private id: number;
  constructor(host: string, port: number, opts: { isMaster: boolean; worldSize: number; timeoutMs?: number }) {
    this.host = host;
    this.port = port;
    const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      this.id = N.distStoreCreate(host, port, opts.isMaster, opts.worldSize, timeout);
    } catch (e) {
      const role = opts.isMaster ? `serving the rendezvous on ${host}:${port} and waiting for ${opts.worldSize} ranks` : `connecting to the rendezvous at ${host}:${port}`;
      throw new TorchError(`torch.distributed: failed ${role} within ${timeout / 1000} s (check MASTER_ADDR, MASTER_PORT and WORLD_SIZE on every rank): ${(e as Error).message.split('\n')[0]}`, 'TCPStore');
    }
  }
  set(key: string, value: string): void { N.distStoreSet(this.live(), key, value); }
  /** Waits (up to the store's timeout) until the key exists. */
  get(key: string): string { return N.distStoreGet(this.live(), key); }
  add(key: string, n: number): number { return N.distStoreAdd(this.live(), key, n); }
  /** @internal */
  get _id(): number { return this.live(); }
  close(): void { if (this.id > 0) N.distStoreDestroy(this.id); this.id = -1; }
  private live(): number {
    if (this.id <= 0) throw new TorchError('TCPStore: used after close()', 'TCPStore');
    return this.id;
  }
}

/** A group of ranks running collectives together (c10d ProcessGroup, Gloo backend). */
export class ProcessGroup {
  readonly rank: number;
  readonly size: number;
  readonly backend: Backend;
  private id: number;
  constructor(store: TCPStore, rank: number, size: number, opts: { backend?: Backend; timeoutMs?: number; prefix?: string; hostname?: string; threads?: number } = {}) {
    const backend = opts.backend ?? 'gloo';
    if (backend !== 'gloo' && backend !== 'nccl') throw new TorchError(`ProcessGroup: backend must be 'gloo' or 'nccl', got '${String(backend)}'`, 'ProcessGroup');
    if (backend === 'nccl' && !hasNccl())
      throw new TorchError(`ProcessGroup: backend 'nccl' is not in this build (libtorch ${N.torchVersion()}; it needs a CUDA libtorch 2.x with NCCL's headers when the addon is built): use 'gloo'`, 'ProcessGroup');
    if (!Number.isInteger(size) || size < 1) throw new TorchError(`ProcessGroup: world size must be a positive integer, got ${size}`, 'ProcessGroup');
    if (!Number.isInteger(rank) || rank < 0 || rank >= size) throw new TorchError(`ProcessGroup: rank ${rank} is outside 0..${size - 1} (WORLD_SIZE=${size})`, 'ProcessGroup');
    this.rank = rank;
    this.size = size;
    this.backend = backend;
    this.id = N.distGroupCreate(store._id, opts.prefix ?? '0/', rank, size, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.hostname ?? '', opts.threads ?? 2, backend);
  }
  /** In place on each tensor: every rank ends with the reduction over all ranks. */
  allReduce(tensors: Tensor | Tensor[], op: ReduceOp = 'sum'): void {
    const ts = Array.isArray(tensors) ? tensors : [tensors];
    this.run('allReduce', () => N.distAllReduce(this.live(), ts.map((t) => handle(t, 'allReduce')), op));
  }
  /** In place: every rank's tensor takes rank `src`'s values. */
  broadcast(tensors: Tensor | Tensor[], src = 0): void {
    const ts = Array.isArray(tensors) ? tensors : [tensors];
    this.run('broadcast', () => N.distBroadcast(this.live(), ts.map((t) => handle(t, 'broadcast')), src));
  }
  /** Broadcasts many tensors through flat buffers of at most bufferBytes (DDP's module-state sync). */
  broadcastCoalesced(tensors: Tensor[], src = 0, bufferBytes = 250 * 1024 * 1024): void {
    if (tensors.length === 0) return;
    this.run('broadcastCoalesced', () => N.distBroadcastCoalesced(this.live(), tensors.map((t) => handle(t, 'broadcastCoalesced')), bufferBytes, src));
  }
  /** outputs[r] <- rank r's input (every output shaped like the input). */
  allGather(outputs: Tensor[], input: Tensor): void {
    this.run('allGather', () => N.distAllGather(this.live(), outputs.map((t) => handle(t, 'allGather', 'output')), handle(input, 'allGather', 'input')));
  }
  barrier(): void { this.run('barrier', () => N.distBarrier(this.live())); }
  /** @internal */
  get _id(): number { return this.live(); }
  destroy(): void { if (this.id > 0) N.distGroupDestroy(this.id); this.id = -1; }
  private live(): number {
    if (this.id <= 0) throw new TorchError('ProcessGroup: used after destroy()', 'ProcessGroup');
    return this.id;
  }
  private run(op: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      throw new TorchError(`torch.distributed ${op} failed on rank ${this.rank} of ${this.size} (a rank died or timed out?): ${(e as Error).message.split('\n')[0]}`, op);
    }
  }
}

/**
 * DDP's gradient reducer (c10d::Reducer): autograd hooks on the parameters' gradient
 * accumulators copy each gradient into a bucket; a full bucket is all-reduced (averaged over the
 * group) on Gloo's threads while backward computes the rest; the end of backward waits for the
 * buckets and writes the averages back into `.grad`.  Buckets are rebuilt once, in the order the
 * gradients became ready in the first iteration (synchronized across ranks).
 */
export class Reducer {
  private id: number;
  constructor(group: ProcessGroup, params: Tensor[], names: string[], opts: { bucketCapBytes?: number; firstBucketCapBytes?: number; findUnusedParameters?: boolean; gradientAsBucketView?: boolean } = {}) {
    if (names.length !== params.length) throw new TorchError(`Reducer: ${names.length} names for ${params.length} parameters`, 'Reducer');
    this.id = N.distReducerCreate(group._id, params.map((p, i) => handle(p, 'Reducer', `params[${i}]`)), names,
      opts.bucketCapBytes ?? 25 * 1024 * 1024, opts.firstBucketCapBytes ?? 1024 * 1024, opts.findUnusedParameters ?? false, opts.gradientAsBucketView ?? false);
  }
  /** Before a forward whose backward is synchronized; true when the buckets were rebuilt now. */
  preForward(): boolean { return N.distReducerPreForward(this.live()); }
  /** After that forward: arms the hooks for the next backward (outputs: searched for unused parameters when enabled). */
  prepareBackward(outputs: Tensor[] = []): void { N.distReducerPrepareBackward(this.live(), outputs.map((t) => handle(t, 'Reducer.prepareBackward'))); }
  dispose(): void { if (this.id > 0) N.distReducerDestroy(this.id); this.id = -1; }
  [Symbol.dispose](): void { this.dispose(); }
  private live(): number {
    if (this.id <= 0) throw new TorchError('Reducer: used after dispose()', 'Reducer');
    return this.id;
  }
}
