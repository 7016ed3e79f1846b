// state.ts — accelerate's PartialState and GradientState (accelerate/state.py): which process this
// is (joining the default process group when a launcher started several), and the gradient
// accumulation bookkeeping the prepared optimizer, scheduler and data loaders share
// (sync_gradients, the active data loader, whether it is at its last batch and its remainder).
import { cuda, type Device } from '../torch/index.js';
import { getLocalRank, getLocalWorldSize, getRank, getWorldSize, initProcessGroup, isInitialized, readDistEnv, type Backend } from '../distributed/index.js';

/** Where this process stands in the job (accelerate's PartialState). */
export interface ProcessState {
  numProcesses: number;
  processIndex: number;
  localProcessIndex: number;
  numLocalProcesses: number;
  device: Device;
  /** true when this Accelerator created the default group (so endTraining() destroys it) */
  ownsGroup: boolean;
}

/**
 * PartialState.__init__: a process started by a launcher with WORLD_SIZE > 1 joins the default
 * process group (env://; gloo, or nccl on CUDA) unless one exists; the device is cuda:LOCAL_RANK
 * when CUDA is visible and `cpu` is false, else cpu.
 */
export function setupProcess(opts: { cpu: boolean; backend?: Backend; timeoutMs?: number }): ProcessState {
  let ownsGroup = false;
  if (!isInitialized()) {
    const env = readDistEnv();
    if (env !== null && env.worldSize > 1) {
      initProcessGroup({ backend: opts.backend ?? 'gloo', timeout: opts.timeoutMs });
      ownsGroup = true;
    }
  }
  const useCuda = !opts.cpu && cuda.isAvailable();
  const local = getLocalRank();
  return {
    numProcesses: getWorldSize(), processIndex: getRank(), localProcessIndex: local, numLocalProcesses: getLocalWorldSize(),
    device: useCuda ? (`cuda:${local % Math.max(1, cuda.deviceCount())}` as Device) : 'cpu', ownsGroup,
  };
}

/** What GradientState needs from a prepared data loader. */
export interface TrackedLoader {
  /** set before the loader yields its last batch (accelerate iterates one batch ahead) */
  endOfDataloader: boolean;
  /** rows of the last round that are real: numRows % (batchSize x numProcesses); -1 with dropLast */
  remainder: number;
}

/** accelerate's GradientAccumulationPlugin options. */
export interface GradientAccumulationOptions {
  num_steps: number;
  /** count skipped scheduler steps in its _step_count (accelerate's default true; the lr is unchanged) */
  adjust_scheduler: boolean;
  /** the end of a data loader always completes an update (and restarts the count) */
  sync_with_dataloader: boolean;
  /** synchronize gradients on every micro-batch, not only the update's last (no no_sync) */
  sync_each_batch: boolean;
}

/** accelerate's GradientState: one per Accelerator, shared with what it prepared. */
export class GradientState {
  /** whether the current micro-batch completes an update (optimizer step, gradient all-reduce) */
  syncGradients = true;
  readonly plugin: GradientAccumulationOptions;
  private readonly loaders: TrackedLoader[] = [];

  constructor(plugin: GradientAccumulationOptions) {
    this.plugin = plugin;
  }
  get numSteps(): number { return this.plugin.num_steps; }
  /** The innermost loader being iterated, or null. */
  get activeDataloader(): TrackedLoader | null { return this.loaders[this.loaders.length - 1] ?? null; }
  get inDataloader(): boolean { return this.loaders.length > 0; }
  get endOfDataloader(): boolean { return this.activeDataloader?.endOfDataloader ?? false; }
  /** -1 outside a loader, or when its length is unknown / it drops the last batch. */
  get remainder(): number { return this.activeDataloader?.remainder ?? -1; }
  /** @internal a loader starts an epoch */
  addDataloader(l: TrackedLoader): void { this.loaders.push(l); }
  /** @internal a loader finished (or was left by a break) */
  removeDataloader(l: TrackedLoader): void {
    const i = this.loaders.lastIndexOf(l);
    if (i >= 0) this.loaders.splice(i, 1);
  }
}
