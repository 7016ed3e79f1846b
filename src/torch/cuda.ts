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
