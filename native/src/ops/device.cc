// device.cc — CUDA queries, memory statistics, threads, versions.
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/Parallel.h>
#include "common.h"

TK_OP(cudaIsAvailable) { return Napi::Boolean::New(info.Env(), at::globalContext().hasCUDA()); }
TK_OP(cudaDeviceCount) { return Napi::Number::New(info.Env(), static_cast<double>(at::detail::getCUDAHooks().getNumGPUs())); }
TK_OP(cudaBuilt) { return Napi::Boolean::New(info.Env(), compat::cudaBuilt()); }
TK_OP(cudaSynchronize) { compat::cudaSynchronize(isMissing(info, 0) ? 0 : static_cast<int>(I(info, 0))); UNDEF; }
TK_OP(cudaMemoryAllocated) { return Napi::Number::New(info.Env(), static_cast<double>(compat::cudaMemoryAllocated(isMissing(info, 0) ? 0 : static_cast<int>(I(info, 0))))); }
TK_OP(cudaMemoryReserved) { return Napi::Number::New(info.Env(), static_cast<double>(compat::cudaMemoryReserved(isMissing(info, 0) ? 0 : static_cast<int>(I(info, 0))))); }
TK_OP(cudaEmptyCache) { compat::cudaEmptyCache(); UNDEF; }
TK_OP(setNumThreads) {
  int64_t n = I(info, 0);
  if (n < 1) throw ArgError("number of threads must be >= 1");
  at::set_num_threads(static_cast<int>(n));
  UNDEF;
}
TK_OP(getNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }
