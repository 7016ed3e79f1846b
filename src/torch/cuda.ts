// cuda.ts — torch.cuda: availability, device count, synchronize, caching-allocator statistics.
import { native as N } from './native.js';

/** True when this build links libtorch_cuda and a CUDA device is visible. */
export function isAvailable(): boolean { return N.cudaIsAvailable(); }
export function deviceCount(): number { return N.cudaDeviceCount(); }
/** Whether the addon was built against a CUDA libtorch. */
export function isBuilt(): boolean { return N.cudaBuilt(); }
export function synchronize(device = 0): void { N.cudaSynchronize(device); }
/** Bytes held by live tensors on `device` (torch.cuda.memory_allocated). */
export function memoryAllocated(device = 0): number { return N.cudaMemoryAllocated(device); }
/** Bytes reserved by the caching allocator (torch.cuda.memory_reserved). */
export function memoryReserved(device = 0): number { return N.cudaMemoryReserved(device); }
export function emptyCache(): void { N.cudaEmptyCache(); }
/** The most bytes live tensors held on `device` since the start or the last resetPeakMemoryStats (torch.cuda.max_memory_allocated). */
export function maxMemoryAllocated(device = 0): number { return N.cudaMaxMemoryAllocated(device); }
/** Starts a new peak for maxMemoryAllocated (torch.cuda.reset_peak_memory_stats). */
export function resetPeakMemoryStats(device = 0): void { N.cudaResetPeakMemoryStats(device); }
/**
 * TF32 for CUDA matmuls and cuDNN convolutions (torch.backends.cuda.matmul.allow_tf32 and
 * torch.backends.cudnn.allow_tf32 together, as HF's `tf32` sets them).
 * @returns the previous setting.
 */
export function setAllowTF32(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new TypeError(`cuda.setAllowTF32: expected a boolean, got ${JSON.stringify(on)}`);
  return N.setAllowTF32(on);
}
/** Whether CUDA matmuls may use TF32 (torch.backends.cuda.matmul.allow_tf32). */
export function allowTF32(): boolean { return N.allowTF32(); }
