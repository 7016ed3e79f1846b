// accelerator.ts — HF accelerate's Accelerator (accelerate/accelerator.py) for hand-written
// training loops: the same script runs on one process or under `tunekit launch` / torchrun on
// several.  prepare() shards the data loaders, routes the model's forward through
// DistributedDataParallel (and autocast for bf16 / fp16), and wraps optimizers and schedulers so
// gradient accumulation and mixed precision follow accelerate's rules; gather / reduce /
// padAcrossProcesses / gatherForMetrics collect results across the processes.
//   const accelerator = new Accelerator({ gradient_accumulation_steps: 2 });
//   const [model, optimizer, loader, scheduler] = accelerator.prepare(model0, opt0, loader0, sched0);
//   for (const batch of loader) tidy(() => accelerator.accumulate(model, () => {
//     accelerator.backward(model.forward(batch).loss!);
//     optimizer.step(); scheduler.step(); optimizer.zeroGrad();
//   }));
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Tensor, autocast, manualSeed, safetensors, type Device } from '../torch/index.js';
import { Module } from '../nn/index.js';
import { GradScaler, LambdaLR, Optimizer, clipGradNorm, type NormType } from '../optim/index.js';
import { DataLoader } from '../data/index.js';
import { barrier, destroyProcessGroup, getRank, type Backend, type DDPOptions } from '../distributed/index.js';
import { normalizeOptions, type WithCamelAliases } from '../utils/options.js';
import { GradientState, setupProcess, type GradientAccumulationOptions, type ProcessState } from './state.js';
import { AcceleratedOptimizer, AcceleratedScheduler, type AnyOptimizer } from './optimizer.js';
import { DataLoaderShard, prepareDataLoader } from './data-loader.js';
import { deviceType, wrapModel, type MixedPrecision, type PreparedModel } from './model.js';
import { allTensors, gather, gatherObject, padAcrossProcesses, recursivelyApply, reduce, type Nested, type PadOptions, type Reduction } from './operations.js';

/** Options of {@link Accelerator}: accelerate's keyword arguments (camelCase spellings accepted too). */
export interface AcceleratorOptions {
  /** 'no' (default), 'bf16' (autocast; CPU and CUDA) or 'fp16' (autocast + GradScaler; CUDA, or a CPU libtorch with float16 autocast) */
  mixed_precision?: MixedPrecision;
  /** micro-batches per update (default 1); backward() divides the loss by it */
  gradient_accumulation_steps?: number;
  /** accelerate's GradientAccumulationPlugin (num_steps, adjust_scheduler, sync_with_dataloader, sync_each_batch) */
  gradient_accumulation_plugin?: Partial<GradientAccumulationOptions>;
  /** stay on the CPU even when CUDA is visible */
  cpu?: boolean;
  /** accelerate's set_seed(seed) before anything else (tunekit shortcut: torch.manualSeed) */
  seed?: number;
  /** the scheduler steps with the optimizer (default true; accelerate's step_scheduler_with_optimizer) */
  step_scheduler_with_optimizer?: boolean;
  /** only false: each process takes whole batches of the loader's batch size */
  split_batches?: boolean;
  /** only true: every process gets the same number of batches (the last round completed from the start) */
  even_batches?: boolean;
  /** DistributedDataParallel's options (accelerate's DistributedDataParallelKwargs) */
  ddp_kwargs?: DDPOptions;
  /** process group backend (accelerate's InitProcessGroupKwargs; default gloo) and its timeout in ms */
  backend?: Backend;
  timeout?: number;
}

const OPTION_NAMES = ['mixed_precision', 'gradient_accumulation_steps', 'gradient_accumulation_plugin', 'cpu', 'seed', 'step_scheduler_with_optimizer',
  'split_batches', 'even_batches', 'ddp_kwargs', 'backend', 'timeout'];

/** What prepare() returns for each argument. */
export type Prepared<X> = X extends DataLoader<infer T, infer B> ? DataLoaderShard<T, B>
  : X extends AnyOptimizer ? AcceleratedOptimizer<X>
  : X extends LambdaLR ? AcceleratedScheduler<X>
  : X;

/** accelerate's Accelerator; see the file header for a loop. */
export class Accelerator {
  readonly numProcesses: number;
  readonly processIndex: number;
  readonly localProcessIndex: number;
  readonly device: Device;
  readonly mixedPrecision: MixedPrecision;
  readonly gradientState: GradientState;
  /** fp16's loss scaler (null otherwise) */
  readonly scaler: GradScaler | null;
  readonly stepSchedulerWithOptimizer: boolean;
  /** micro-batches seen since the last update (accelerate's `step`) */
  step = 0;
  private readonly state: ProcessState;
  private readonly ddpKwargs: DDPOptions;
  private readonly models: PreparedModel[] = [];
  private readonly optimizers: AcceleratedOptimizer[] = [];
  private readonly schedulers: AcceleratedScheduler[] = [];
  private readonly loaders: DataLoaderShard[] = [];

  constructor(options: WithCamelAliases<AcceleratorOptions> = {}) {
    const o = normalizeOptions(options, { names: OPTION_NAMES }, 'Accelerator') as AcceleratorOptions;
    const mp = o.mixed_precision ?? 'no';
    if (!['no', 'bf16', 'fp16'].includes(mp)) throw new RangeError(`Accelerator: mixed_precision must be 'no', 'bf16' or 'fp16', got ${JSON.stringify(mp)}`);
    const gas = o.gradient_accumulation_steps ?? 1;
    if (!Number.isInteger(gas) || gas < 1) throw new RangeError(`Accelerator: gradient_accumulation_steps must be a positive integer, got ${gas}`);
    const plugin = o.gradient_accumulation_plugin;
    if (plugin && o.gradient_accumulation_steps !== undefined && o.gradient_accumulation_steps !== 1)
      throw new RangeError('Accelerator: pass one of gradient_accumulation_steps and gradient_accumulation_plugin (as accelerate)');
    const steps = plugin?.num_steps ?? gas;
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`Accelerator: gradient_accumulation_plugin.num_steps must be a positive integer, got ${steps}`);
    if (o.split_batches === true) throw new RangeError('Accelerator: split_batches=true is not supported (each process takes whole batches of the loader\'s batch size)');
    if (o.even_batches === false) throw new RangeError('Accelerator: even_batches=false is not supported (the last round is completed from the epoch\'s first rows)');
    if (o.seed !== undefined) {
      if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new RangeError(`Accelerator: seed must be a non-negative integer, got ${o.seed}`);
      manualSeed(o.seed);
    }
    this.state = setupProcess({ cpu: o.cpu ?? false, backend: o.backend, timeoutMs: o.timeout });
    this.numProcesses = this.state.numProcesses;
    this.processIndex = this.state.processIndex;
    this.localProcessIndex = this.state.localProcessIndex;
    this.device = this.state.device;
    this.mixedPrecision = mp;
    if (mp !== 'no') checkAutocast(mp, this.device);
    this.scaler = mp === 'fp16' ? new GradScaler() : null;
    this.gradientState = new GradientState({
      num_steps: steps, adjust_scheduler: plugin?.adjust_scheduler ?? true,
      sync_with_dataloader: plugin?.sync_with_dataloader ?? true, sync_each_batch: plugin?.sync_each_batch ?? false,
    });
    this.stepSchedulerWithOptimizer = o.step_scheduler_with_optimizer ?? true;
    this.ddpKwargs = o.ddp_kwargs ?? {};
  }

  get isMainProcess(): boolean { return this.processIndex === 0; }
  get isLocalMainProcess(): boolean { return this.localProcessIndex === 0; }
  get isLastProcess(): boolean { return this.processIndex === this.numProcesses - 1; }
  /** Several processes (accelerate's use_distributed). */
  get useDistributed(): boolean { return this.numProcesses > 1; }
  get gradientAccumulationSteps(): number { return this.gradientState.numSteps; }
  /** Whether this micro-batch completes an update (gradients all-reduced, optimizer steps). */
  get syncGradients(): boolean { return this.gradientState.syncGradients; }
  set syncGradients(v: boolean) { this.gradientState.syncGradients = v; }

  /**
   * Prepares each object for this run and returns them in the same order: a DataLoader becomes a
   * {@link DataLoaderShard}; a Module comes back itself with its forward routed through DDP /
   * autocast (see model.ts); an Optimizer becomes an {@link AcceleratedOptimizer}; a LambdaLR
   * (getScheduler's) an {@link AcceleratedScheduler} (after the optimizers, as accelerate's
   * second pass); anything else comes back unchanged.  Always a tuple, even for one object.
   */
  prepare<A extends unknown[]>(...objs: A): { [K in keyof A]: Prepared<A[K]> } {
    const first = objs.map((x) => {
      if (x instanceof DataLoaderShard) return x;
      if (x instanceof DataLoader) return this.prepareDataLoader(x);
      if (x instanceof Module) return this.prepareModel(x);
      if (x instanceof Optimizer) return this.prepareOptimizer(x);
      return x;
    });
    return first.map((x) => (x instanceof LambdaLR ? this.prepareScheduler(x) : x)) as { [K in keyof A]: Prepared<A[K]> };
  }

  /** accelerate's prepare_model: the model itself, forward through autocast and DDP (idempotent). */
  prepareModel<M extends Module>(model: M): M {
    if (this.models.some((p) => p.model === model)) return model;
    this.models.push(wrapModel(model, { numProcesses: this.numProcesses, device: this.device, mixedPrecision: this.mixedPrecision, ddpKwargs: this.ddpKwargs }));
    return model;
  }
  /** accelerate's prepare_optimizer. */
  prepareOptimizer<O extends AnyOptimizer>(optimizer: O): AcceleratedOptimizer<O> {
    const done = this.optimizers.find((a) => a.optimizer === optimizer);
    if (done) return done as AcceleratedOptimizer<O>;
    const acc = new AcceleratedOptimizer(optimizer, this.gradientState, this.scaler);
    this.optimizers.push(acc);
    return acc;
  }
  /** accelerate's prepare_scheduler: linked to the prepared optimizer it drives (all of them when none matches). */
  prepareScheduler<S extends LambdaLR>(scheduler: S): AcceleratedScheduler<S> {
    const own = this.optimizers.filter((a) => (scheduler.optimizer as unknown) === a.optimizer || (scheduler.optimizer as unknown) === a);
    const acc = new AcceleratedScheduler(scheduler, own.length ? own : this.optimizers, this.gradientState,
      { stepWithOptimizer: this.stepSchedulerWithOptimizer, splitBatches: false, numProcesses: this.numProcesses });
    this.schedulers.push(acc as unknown as AcceleratedScheduler);
    return acc;
  }
  /** accelerate's prepare_data_loader: this process's shard, same options. */
  prepareDataLoader<T, B>(dl: DataLoader<T, B>): DataLoaderShard<T, B> {
    const out = prepareDataLoader(dl, { gradientState: this.gradientState, numProcesses: this.numProcesses, processIndex: this.processIndex, device: this.device });
    this.loaders.push(out as unknown as DataLoaderShard);
    return out;
  }

  /** The model without what prepare() added around it: in tunekit that is the model itself (see model.ts). */
  unwrapModel<M extends Module>(model: M): M { return model; }

  /** accelerate's backward: loss / gradient_accumulation_steps, scaled by the GradScaler under fp16, backpropagated. */
  backward(loss: Tensor): void {
    if (!(loss instanceof Tensor)) throw new TypeError('Accelerator.backward: expected the loss Tensor');
    const gas = this.gradientAccumulationSteps;
    const l = gas === 1 ? loss : loss.div(gas); // x / 1 is x exactly: no copy on the common path
    (this.scaler ? this.scaler.scale(l) : l).backward();
  }

  /**
   * accelerate's accumulate(model): counts the micro-batch, sets syncGradients (every
   * gradient_accumulation_steps-th micro-batch, and the last batch of a loader), and runs `fn`
   * under DDP's no_sync unless the gradients are synchronized now.  `fn` may be async.
   */
  accumulate<T>(models: Module | Module[], fn: () => T): T {
    this.doSync();
    const allow = this.syncGradients || (this.useDistributed && this.gradientState.plugin.sync_each_batch);
    return allow ? fn() : this.noSync(models, fn);
  }

  /** DDP's no_sync for these prepared models: backward passes in `fn` accumulate locally. */
  noSync<T>(models: Module | Module[], fn: () => T): T {
    const ddps = (Array.isArray(models) ? models : [models]).map((m) => this.preparedOf(m, 'noSync').ddp).filter((d) => d !== null);
    const old = ddps.map((d) => d.requireBackwardGradSync);
    for (const d of ddps) d.requireBackwardGradSync = false;
    const restore = (): void => { ddps.forEach((d, i) => { d.requireBackwardGradSync = old[i]!; }); };
    let r: T;
    try {
      r = fn();
    } catch (e) {
      restore();
      throw e;
    }
    if (r instanceof Promise) return r.finally(restore) as T;
    restore();
    return r;
  }

  private doSync(): void {
    const gs = this.gradientState;
    if (gs.plugin.sync_with_dataloader && gs.endOfDataloader) {
      this.step = 0;
      gs.syncGradients = true;
    } else {
      this.step += 1;
      gs.syncGradients = this.step % gs.numSteps === 0;
    }
  }

  /** accelerate's clip_grad_norm_: unscales fp16 gradients first; returns the total norm before clipping. */
  clipGradNorm_(parameters: Iterable<Tensor>, maxNorm: number, normType: NormType = 2): number {
    this.unscaleGradients();
    return clipGradNorm(parameters, maxNorm, normType);
  }
  /** accelerate's unscale_gradients: GradScaler.unscale_ on every prepared optimizer (fp16 only). */
  unscaleGradients(): void {
    if (this.scaler) for (const o of this.optimizers) this.scaler.unscale_(o.optimizer);
  }

  /** accelerate's gather: concatenated over processes on dim 0 (equal shapes required). */
  gather<T extends Nested>(data: T): T { return gather(data); }
  /** accelerate's pad_across_processes. */
  padAcrossProcesses<T extends Nested>(data: T, opts: PadOptions = {}): T { return padAcrossProcesses(data, opts); }
  /** accelerate's reduce (default 'sum'): a reduced copy on every process. */
  reduce<T extends Nested>(data: T, reduction: Reduction = 'sum'): T { return reduce(data, reduction); }

  /**
   * accelerate's gather_for_metrics: gather (tensors) or gather_object (anything else, or with
   * use_gather_object), and at a prepared loader's last batch keep only the first `remainder`
   * rows, dropping the rows even_batches repeated to fill the last round — so an evaluation
   * gathers exactly the dataset's rows, in order.
   */
  gatherForMetrics<T>(data: T, opts: { use_gather_object?: boolean } = {}): T {
    const useObject = opts.use_gather_object === true || !allTensors(data);
    const out = (useObject ? gatherObject(data) : gather(data as unknown as Nested)) as unknown as T;
    const gs = this.gradientState;
    if (!gs.endOfDataloader || gs.remainder <= 0) return out;
    const rem = gs.remainder;
    if (useObject) return (out as unknown as unknown[]).slice(0, rem) as unknown as T;
    return recursivelyApply((t) => t.narrow(0, 0, Math.min(rem, t.size(0))), out as unknown as Nested, 'gatherForMetrics') as unknown as T;
  }

  /** accelerate's wait_for_everyone: a barrier (nothing on one process). */
  waitForEveryone(): void { if (this.useDistributed) barrier(); }

  /** accelerate's main_process_first: the main process runs `fn` first (e.g. a cached dataset map), then the others. */
  async mainProcessFirst<T>(fn: () => T | Promise<T>): Promise<T> { return this.goesFirst(this.isMainProcess, fn); }
  /** accelerate's local_main_process_first: the same per node. */
  async localMainProcessFirst<T>(fn: () => T | Promise<T>): Promise<T> { return this.goesFirst(this.isLocalMainProcess, fn); }
  private async goesFirst<T>(first: boolean, fn: () => T | Promise<T>): Promise<T> {
    if (!first) this.waitForEveryone();
    const r = await fn();
    if (first) this.waitForEveryone();
    return r;
  }

  /** console.log on the main process only (accelerate's print). */
  print(...args: unknown[]): void { if (this.isMainProcess) console.log(...args); }

  /** Runs `fn` under autocast when mixed precision is on (accelerate's autocast()); plain otherwise. */
  autocast<T>(fn: () => T): T {
    if (this.mixedPrecision === 'no') return fn();
    return autocast(deviceType(this.device), { dtype: this.mixedPrecision === 'bf16' ? 'bfloat16' : 'float16' }, fn);
  }

  /**
   * accelerate's save, on the main process only: a Module's state dict or a tensor dict as
   * safetensors, any other value as JSON (tunekit writes no pickle).
   */
  async save(obj: unknown, path: string): Promise<void> {
    if (!this.isMainProcess) return;
    await mkdir(dirname(path), { recursive: true });
    if (obj instanceof Module) return safetensors.saveFile(obj.stateDict(), path);
    if (obj instanceof Map || (obj !== null && typeof obj === 'object' && Object.values(obj).length > 0 && Object.values(obj).every((v) => v instanceof Tensor)))
      return safetensors.saveFile(obj as Map<string, Tensor>, path);
    const json = JSON.stringify(obj);
    if (json === undefined) throw new TypeError(`Accelerator.save: cannot write ${typeof obj} to ${path} (a Module, a tensor dict or a JSON value)`);
    await writeFile(path, json);
  }

  /** Whether the last optimizer step was skipped (fp16 overflow); accelerate's optimizer_step_was_skipped. */
  get optimizerStepWasSkipped(): boolean { return this.optimizers.some((o) => o.stepWasSkipped); }

  /** accelerate's end_training: frees the DDP reducers and leaves the process group this Accelerator joined. */
  endTraining(): void {
    for (const p of this.models) p.ddp?.dispose();
    if (this.state.ownsGroup) destroyProcessGroup();
  }

  private preparedOf(m: Module, op: string): PreparedModel {
    const p = this.models.find((x) => x.model === m);
    if (!p) throw new Error(`Accelerator.${op}: the model was not prepared by this Accelerator (call accelerator.prepare(model) first)`);
    return p;
  }
}

/** Whether this libtorch autocasts the mixed-precision dtype on the device; a RangeError saying what to use instead. */
function checkAutocast(mp: 'bf16' | 'fp16', device: Device): void {
  const dev = deviceType(device);
  try {
    autocast(dev, { dtype: mp === 'bf16' ? 'bfloat16' : 'float16' }, () => undefined);
  } catch (e) {
    const why = (e as Error).message.replace(/^autocastEnter: /, '');
    throw new RangeError(`Accelerator mixed_precision='${mp}': ${why}. ` +
      (mp === 'fp16' && dev === 'cpu' ? "Use mixed_precision='bf16' on CPU (libtorch autocasts bfloat16 there), or 'no'." : "Use mixed_precision='no'."));
  }
}

/** accelerate's set_seed: torch's default generator seeded (+ processIndex when deviceSpecific). */
export function setSeed(seed: number, opts: { device_specific?: boolean } = {}): void {
  manualSeed(seed + (opts.device_specific ? getRank() : 0));
}
