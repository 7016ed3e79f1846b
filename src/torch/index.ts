// tunekit/torch — tensors, autograd and kernels from libtorch.
//   import * as torch from 'tunekit/torch';
//   const x = torch.randn([4, 3], { requiresGrad: true });
export { Tensor } from './tensor.js';
export { TorchError } from './errors.js';
export { setAllocationLimit } from './native.js';
export type { DType, Device, TypedArray } from './dtype.js';
export { DTYPES, isFloating } from './dtype.js';
export { tidy, keep, keepAlias, liveTensorCount, scopeDepth, unscopedTensorCount, withRestore, UNSCOPED_WARNING_THRESHOLD } from './scope.js';
export * from './creation.js';
export * from './ops.js';
export { Generator, manualSeed, getRngState, setRngState } from './generator.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, autocast, isAutocastEnabled, type AutocastOptions } from './autograd.js';
export * as autograd from './autograd.js';
export * as cuda from './cuda.js';
export * as F from './functional.js';
export * as safetensors from './safetensors/index.js';
export * as fused from './fused.js';
export * from './serialization/index.js';
