// compat.h — every libtorch-version difference lives here (1.13 CPU from Debian vs 2.x CUDA).
// Everything else in native/ calls tk::compat::* and never tests a version itself.
#pragma once
#include <ATen/ATen.h>
#include <torch/version.h>
#include <cmath>

#if TORCH_VERSION_MAJOR >= 2
#define TK_HAS_SDPA 1
#else
#define TK_HAS_SDPA 0
#endif

#ifdef TUNEKIT_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#endif

namespace tk::compat {

// Scaled dot-product attention.  q: (B, H, Tq, D), k: (B, H, Tk, D), v: (B, H, Tk, Dv).
// mask: bool (true = attend) or additive float, broadcastable to (B, H, Tq, Tk).
// libtorch 1.13 has no public SDPA, so it gets the math path (the same one 2.x uses on CPU
// for small shapes); 2.x dispatches to the fused kernels.
inline at::Tensor sdpa(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                       const c10::optional<at::Tensor>& mask, double dropoutP, bool isCausal,
                       c10::optional<double> scale, bool train) {
  if (!train) dropoutP = 0.0;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  return at::scaled_dot_product_attention(q, k, v, mask, dropoutP, isCausal, scale);
#else
  const double s = scale.has_value() ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)).mul(s);  // (B, H, Tq, Tk)
  const int64_t tq = q.size(-2), tk = k.size(-2);
  if (isCausal) {
    at::Tensor keep = at::ones({tq, tk}, q.options().dtype(at::kBool)).tril();
    scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
  }
  if (mask.has_value() && mask->defined()) {
    if (mask->scalar_type() == at::kBool)
      scores = scores.masked_fill(mask->logical_not(), -std::numeric_limits<double>::infinity());
    else
      scores = scores.add(*mask);
  }
  at::Tensor attn = at::softmax(scores, -1);
  if (dropoutP > 0.0) attn = at::dropout(attn, dropoutP, true);
  return at::matmul(attn, v);  // (B, H, Tq, Dv)
#endif
}

inline bool cudaBuilt() {
#ifdef TUNEKIT_WITH_CUDA
  return true;
#else
  return false;
#endif
}

// CUDA caching-allocator statistics (bytes) for one device; 0 on CPU-only builds.  Index 0 of
// each stat array is StatType::AGGREGATE in every version; the StatType enum itself moved
// namespace in 2.5 (c10::CachingDeviceAllocator), so it is not named here.
inline int64_t cudaMemoryAllocated(int device) {
#ifdef TUNEKIT_WITH_CUDA
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
  return stats.allocated_bytes[0].current;
#else
  (void)device;
  return 0;
#endif
}
inline int64_t cudaMemoryReserved(int device) {
#ifdef TUNEKIT_WITH_CUDA
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
  return stats.reserved_bytes[0].current;
#else
  (void)device;
  return 0;
#endif
}
inline void cudaEmptyCache() {
#ifdef TUNEKIT_WITH_CUDA
  c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}
inline void cudaSynchronize(int device) {
#ifdef TUNEKIT_WITH_CUDA
  c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(device));
  c10::cuda::device_synchronize();
#else
  (void)device;
  throw std::runtime_error("this build of tunekit has no CUDA support");
#endif
}

inline const char* torchVersion() { return TORCH_VERSION; }

}  // namespace tk::compat
