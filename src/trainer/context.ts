// context.ts — what the Trainer's concept modules (loop, loss, evaluation, checkpointing,
// loaders, non-finite) share: the Trainer itself (its public fields and methods), the
// accumulators of the current run, and the Trainer's overridable methods (HF's hooks:
// training_step, prediction_step's loop, _save_checkpoint, ...) as closures over the instance,
// so that a subclass's override is what the modules call.  No module holds state of its own.
import type { Device, Tensor } from '../torch/index.js';
import type { CollateFn, DataLoader } from '../data/dataloader.js';
import type { Batch, Feature } from '../data/collators/index.js';
import type { PredictionOutput } from './arrays.js';
import type { TrainerDataset } from './options.js';
import type { Trainer } from './trainer.js';
import { StepValues } from './step-values.js';
import type { TrainerMemoryTracker } from './memory-tracker.js';
import type { DistributedDataParallel } from '../distributed/index.js';

/** The accumulators of one train() run (HF keeps them as Trainer attributes). */
export interface RunState {
  /** HF tr_loss and the last grad norm, on the device until a log reads them (step-values.ts). */
  readonly values: StepValues;
  /** Read the loss and grad norm every step (stopping before a broken update) or only at logs. */
  syncEachStep: boolean;
  /** HF _total_loss_scalar: the logged losses, summed. */
  totalLossScalar: number;
  /** HF _globalstep_last_logged. */
  globalstepLastLogged: number;
  /** True when train() made the scheduler (a second train() makes a fresh one). */
  createdScheduler: boolean;
  /** The model's parameters, in namedParameters() order (what clipping reads). */
  params: Tensor[];
  /** The last optimizer update applied: its global step and learning rate (for NonFiniteLossError). */
  lastUpdate: { step: number; lr: number | null } | null;
  /** HF current_flos: FLOPs since they were last added to state.total_flos. */
  currentFlos: number;
  /** True while train() runs (HF is_in_train: bf16/fp16_full_eval cast the model only outside it). */
  inTrain: boolean;
  /** Eval datasets whose labels checkLabels already read (evaluate() runs often; the scan is once). */
  readonly labelsChecked: WeakSet<object>;
  /** The model's DDP wrapper while train() runs on several processes (distributed.ts), else null. */
  ddp: DistributedDataParallel | null;
  /** Whether the current micro-batch's backward all-reduces (the update's last one). */
  ddpSync: boolean;
}

export function newRunState(): RunState {
  return {
    values: new StepValues(), syncEachStep: true, totalLossScalar: 0, globalstepLastLogged: 0, createdScheduler: false, params: [],
    lastUpdate: null, currentFlos: 0, inTrain: false, labelsChecked: new WeakSet(), ddp: null, ddpSync: true,
  };
}

/** Options of the evaluation loop (HF evaluation_loop's arguments). */
export interface EvalLoopOptions { predictionLossOnly: boolean; ignoreKeys?: string[]; metricKeyPrefix: string }

/** The Trainer's protected, overridable methods, bound to the instance. */
export interface TrainerHooks {
  prepareDataset(ds: TrainerDataset): { dataset: TrainerDataset; collate: CollateFn<Feature, Batch> };
  checkLabels(ds: TrainerDataset | Record<string, TrainerDataset> | null, where: string, training: boolean): void;
  prepareInputs(batch: Batch): Batch;
  evaluationLoop(loader: DataLoader<Feature, Batch>, opts: EvalLoopOptions): PredictionOutput & { numSamples: number };
  updateStep(it: Iterator<Batch>, n: number, epoch: number, first: number, stepsInEpoch: number): number;
  trainingStep(inputs: Batch, numItemsInBatch: Tensor | null): Tensor;
  numItemsInBatch(batches: Batch[]): Tensor | null;
  maybeLogSaveEvaluate(): Promise<void>;
  determineBestMetric(metrics: Record<string, number>): boolean;
  saveCheckpoint(): Promise<string>;
  writeCheckpointFiles(dir: string): Promise<void>;
  storeFlos(): void;
  countFlos(inputs: Batch): void;
}

/** One Trainer as its concept modules see it. */
export interface TrainerContext {
  readonly trainer: Trainer;
  readonly run: RunState;
  readonly hooks: TrainerHooks;
  readonly device: Device;
  /** HF's _memory_tracker (skip_memory_metrics false): memory deltas per stage. */
  readonly memory: TrainerMemoryTracker;
}

/** Clears the gradients: the model's zeroGrad (to null), else the optimizer's. */
export function zeroGrad(ctx: TrainerContext): void {
  const m = ctx.trainer.model as { zeroGrad?: () => void };
  if (typeof m.zeroGrad === 'function') m.zeroGrad();
  else ctx.trainer.optimizer?.zeroGrad();
}

/** The learning rate the optimizer's first group uses now (what the next update applies). */
export function currentLr(ctx: TrainerContext): number | null {
  const g = ctx.trainer.optimizer?.paramGroups[0] as { lr?: unknown } | undefined;
  return typeof g?.lr === 'number' ? g.lr : null;
}
