// device.cc — CUDA queries, memory statistics, threads, versions.
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include "common.h"

TK_OP(cudaIsAvailable) { return Napi::Boolean::New(info.Env(), at::globalContext().hasCUDA()); }
TK_OP(cudaDeviceCount) { return Napi::Number::New(info.Env(), static_cast<double>(at::detail::getCUDAHooks().getNumGPUs())); }
TK_OP(cudaBuilt) { return Napi::Boolean::New(info.Env(), compat::cudaBuilt()); }
// A CUDA device index, default 0.  Checked before the cast to int, which would otherwise turn
// 2^32 into 0.  Device 0 stays valid on CPU-only builds (the memory statistics are then 0).
static int deviceArg(const Info& info, size_t i) {
  if (isMissing(info, i)) return 0;
  int64_t d = I(info, i);
  int64_t n = std::max<int64_t>(1, at::detail::getCUDAHooks().getNumGPUs());
  if (d < 0 || d >= n) throw ArgError("CUDA device index " + std::to_string(d) + " is out of range [0, " + std::to_string(n) + ")");
  return static_cast<int>(d);
}
TK_OP(cudaSynchronize) { compat::cudaSynchronize(deviceArg(info, 0)); UNDEF; }
TK_OP(cudaMemoryAllocated) { return Napi::Number::New(info.Env(), static_cast<double>(compat::cudaMemoryAllocated(deviceArg(info, 0)))); }
TK_OP(cudaMemoryReserved) { return Napi::Number::New(info.Env(), static_cast<double>(compat::cudaMemoryReserved(deviceArg(info, 0)))); }
TK_OP(cudaEmptyCache) { compat::cudaEmptyCache(); UNDEF; }
// the device is required here (no default), so that calling with nothing stays an error
static int requiredDevice(const Info& info) {
  if (isMissing(info, 0)) throw ArgError("a CUDA device index is required");
  return deviceArg(info, 0);
}
TK_OP(cudaMaxMemoryAllocated) { return Napi::Number::New(info.Env(), static_cast<double>(compat::cudaMaxMemoryAllocated(requiredDevice(info)))); }
TK_OP(cudaResetPeakMemoryStats) { compat::cudaResetPeakMemoryStats(requiredDevice(info)); UNDEF; }
// setNumThreads(n), 1 <= n <= 1024.  An unbounded n (a handle or a byte count passed by mistake)
// made OpenMP try to start that many threads at the next parallel op and abort the process.
TK_OP(setNumThreads) {
  int64_t n = I(info, 0);
  if (n < 1 || n > 1024) throw ArgError("number of threads must be in [1, 1024], got " + std::to_string(n));
  at::set_num_threads(static_cast<int>(n));
  UNDEF;
}
TK_OP(getNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }
