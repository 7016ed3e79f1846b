// tunekit/accelerate — HF accelerate's Accelerator for custom training loops over tunekit's
// torch.distributed layer: one script for one process or `tunekit launch --nproc-per-node N`.
export { Accelerator, setSeed, type AcceleratorOptions, type Prepared } from './accelerator.js';
export { AcceleratedOptimizer, AcceleratedScheduler } from './optimizer.js';
export { DataLoaderShard, prepareDataLoader } from './data-loader.js';
export { GradientState, type GradientAccumulationOptions } from './state.js';
export { gather, gatherObject, padAcrossProcesses, reduce, reduceNumber, type Nested, type PadOptions, type Reduction } from './operations.js';
export { convertToFp32, type MixedPrecision } from './model.js';
