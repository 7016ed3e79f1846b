// compat.h — every libtorch-version difference lives here (1.13 CPU from Debian vs 2.x CUDA).
// Everything else in native/ calls tk::compat::* and never tests a version itself.
#pragma once
#include <ATen/ATen.h>
#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/GradMode.h>
#include <ATen/autocast_mode.h>
#include <atomic>
#include <string>
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

// Grad-mode guards: 1.13's ATen/ATen.h re-exported c10's guards as at::NoGradGuard; 2.x's does
// not, so every file names them through here.
using NoGradGuard = c10::NoGradGuard;
using GradMode = c10::GradMode;

// Autocast state of one device type (CPU or CUDA), thread-local as in PyTorch.  1.13 has a
// function pair per device (set_cpu_enabled / set_autocast_cpu_dtype, set_enabled for CUDA);
// 2.4+ takes the device type.
inline bool autocastEnabled(bool cuda) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}
inline at::ScalarType autocastDtype(bool cuda) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}
inline void setAutocast(bool cuda, bool enabled, at::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, dtype);
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, enabled);
#else
  if (cuda) {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
}

// Whether CPU autocast can run in float16: 1.13's CPU autocast has bfloat16 kernels only (its
// Python front end disables itself for float16); PyTorch added float16 to CPU autocast (and the
// CPU GradScaler) in 2.3.
inline bool cpuAutocastHalf() {
  return TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3);
}

// TF32 for CUDA matmuls and cuDNN convolutions (torch.backends.cuda.matmul.allow_tf32 and
// torch.backends.cudnn.allow_tf32): global flags, meaningful on Ampere and later GPUs only.
inline void setAllowTF32(bool on) {
  at::globalContext().setAllowTF32CuBLAS(on);
  at::globalContext().setAllowTF32CuDNN(on);
}
inline bool allowTF32() { return at::globalContext().allowTF32CuBLAS(); }

// torch.optim.AdamW(fused=True)'s kernel, at::_fused_adamw_: CUDA since 2.0, CPU since 2.4.
inline bool hasFusedAdamW(const at::Device& d) {
#if TORCH_VERSION_MAJOR >= 2
  if (d.is_cuda()) return true;
  return d.is_cpu() && (TORCH_VERSION_MAJOR > 2 || TORCH_VERSION_MINOR >= 4);
#else
  (void)d;
  return false;
#endif
}
// Runs it over tensors of one device and dtype (steps already incremented, one 0-d float32 each).
inline void fusedAdamW(at::TensorList params, at::TensorList grads, at::TensorList m, at::TensorList v, at::TensorList steps,
                       double lr, double beta1, double beta2, double wd, double eps, bool maximize) {
#if TORCH_VERSION_MAJOR >= 2
  at::_fused_adamw_(params, grads, m, v, {}, steps, lr, beta1, beta2, wd, eps, /*amsgrad=*/false, maximize);
#else
  (void)params; (void)grads; (void)m; (void)v; (void)steps; (void)lr; (void)beta1; (void)beta2; (void)wd; (void)eps; (void)maximize;
  throw std::runtime_error("fused AdamW needs libtorch >= 2.0");
#endif
}

// The explicit math of attention, as HF's eager_attention_forward: softmax(q k^T * scale + mask) v.
// q: (B, H, Tq, D), k/v: (B, H, Tk, D) (kv heads already repeated).
inline at::Tensor sdpaMath(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const c10::optional<at::Tensor>& mask, double dropoutP, bool isCausal,
                           c10::optional<double> scale) {
  const double s = scale.has_value() ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1));  // (B, H, Tq, Tk)
  if (s != 1.0) scores = scores.mul(s);  // T5 folds the scale into its init (scale 1)
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
}

// Scaled dot-product attention.  q: (B, H, Tq, D), k: (B, Hkv, Tk, D), v: (B, Hkv, Tk, Dv) with H a
// multiple of Hkv (grouped-query attention: query head h uses kv head h / (H / Hkv), as HF's
// repeat_kv). mask: bool (true = attend) or additive float, broadcastable to (B, H, Tq, Tk).
// libtorch 1.13 has no public SDPA, so it gets the math path (the same one 2.x uses on CPU for small
// shapes); 2.x dispatches to the fused kernels, which handle grouped heads themselves from 2.5
// (enable_gqa). `eager` forces the math path: 2.x's fused CPU kernel backpropagates a fully masked
// row (every key at finfo.min, as left padding makes) differently from the math, so training on
// such rows asks for it.
inline at::Tensor sdpa(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                       const c10::optional<at::Tensor>& mask, double dropoutP, bool isCausal,
                       c10::optional<double> scale, bool train, bool eager = false) {
  if (!train) dropoutP = 0.0;
  const int64_t h = q.size(-3), hkv = k.size(-3);
  if (hkv != h && (hkv <= 0 || h % hkv != 0 || v.size(-3) != hkv))
    throw std::invalid_argument("sdpa: " + std::to_string(h) + " query heads cannot share " + std::to_string(hkv) + " key/value heads");
  const bool fused = !eager && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1));
  if (!fused) {
    if (hkv != h) return sdpaMath(q, k.repeat_interleave(h / hkv, -3), v.repeat_interleave(h / hkv, -3), mask, dropoutP, isCausal, scale);
    return sdpaMath(q, k, v, mask, dropoutP, isCausal, scale);
  }
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)
  return at::scaled_dot_product_attention(q, k, v, mask, dropoutP, isCausal, scale, /*enable_gqa=*/hkv != h);
#elif TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1
  if (hkv != h) return at::scaled_dot_product_attention(q, k.repeat_interleave(h / hkv, -3), v.repeat_interleave(h / hkv, -3), mask, dropoutP, isCausal, scale);
  return at::scaled_dot_product_attention(q, k, v, mask, dropoutP, isCausal, scale);
#else
  return sdpaMath(q, k, v, mask, dropoutP, isCausal, scale);  // unreachable: fused is false before 2.1
#endif
}

// A CPU allocator in front of libtorch's own that refuses a single allocation above a limit (set
// from TS: the machine's or the cgroup's memory, see src/torch/limits.ts) before asking the real
// allocator.  Without it a request that can never be met (a 536 GB arange) is granted by Linux's
// overcommit and the process is OOM-killed when the pages are touched, instead of throwing.
// The Allocator interface changed in 2.x: allocate() lost its const, and copy_data() appeared.
class LimitedCpuAllocator final : public c10::Allocator {
 public:
  explicit LimitedCpuAllocator(c10::Allocator* inner) : inner_(inner) {}
  std::atomic<int64_t> limit{0};  // bytes; 0 = no limit
#if TORCH_VERSION_MAJOR >= 2
  c10::DataPtr allocate(size_t n) override { check(n); return inner_->allocate(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const override { default_copy_data(dest, src, count); }
#else
  c10::DataPtr allocate(size_t n) const override { check(n); return inner_->allocate(n); }
#endif
  c10::DeleterFnPtr raw_deleter() const override { return inner_->raw_deleter(); }

 private:
  void check(size_t n) const {
    const int64_t lim = limit.load(std::memory_order_relaxed);
    if (lim > 0 && n > static_cast<size_t>(lim))
      throw std::runtime_error("refusing to allocate " + std::to_string(n) + " bytes: more than this machine's memory limit of " +
                               std::to_string(lim) + " bytes (TUNEKIT_MAX_ALLOC_BYTES raises it)");
  }
  c10::Allocator* inner_;
};
// Installed once per process (the allocator table is process-wide; workers share it).
inline LimitedCpuAllocator& limitedCpuAllocator() {
  static LimitedCpuAllocator* a = [] {
    auto* p = new LimitedCpuAllocator(c10::GetCPUAllocator());
    c10::SetAllocator(c10::DeviceType::CPU, p, /*priority=*/1);
    return p;
  }();
  return *a;
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
// torch.cuda.max_memory_allocated / reset_peak_memory_stats (0 / no-op on CPU-only builds).
inline int64_t cudaMaxMemoryAllocated(int device) {
#ifdef TUNEKIT_WITH_CUDA
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
  return stats.allocated_bytes[0].peak;
#else
  (void)device;
  return 0;
#endif
}
inline void cudaResetPeakMemoryStats(int device) {
#ifdef TUNEKIT_WITH_CUDA
  c10::cuda::CUDACachingAllocator::resetPeakStats(device);
#else
  (void)device;
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

// ---- torch.distributed (c10d) -------------------------------------------------------------
// Only ops/dist.cc defines TK_COMPAT_DIST: the c10d headers are large and pull in Gloo's.
// 1.13: ProcessGroupGloo *is* a c10d::ProcessGroup.  2.x: it is a c10d::Backend that a
// ProcessGroup dispatches to (per device type), so it is registered on a ProcessGroup as
// torch.distributed's _new_process_group_helper does.  Gloo's headers come from Debian's
// libgloo-dev in both builds (the pip wheels ship none); only pointers to Gloo types cross the
// boundary, so the layout libtorch was compiled with is unaffected.
#ifdef TK_COMPAT_DIST
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
namespace tk::compat {
inline c10::intrusive_ptr<c10d::ProcessGroup> makeGlooGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                            std::chrono::milliseconds timeout, const std::string& hostname, int threads) {
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  opts->devices.push_back(hostname.empty() ? c10d::ProcessGroupGloo::createDefaultDevice()
                                           : c10d::ProcessGroupGloo::createDeviceForHostname(hostname));
  opts->threads = threads;
#if TORCH_VERSION_MAJOR >= 2
  auto gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
  auto pg = c10::make_intrusive<c10d::ProcessGroup>(store, rank, size);
  pg->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, gloo);
  pg->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
  return pg;
#else
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
#endif
}
// NCCL (CUDA builds of 2.x whose headers compile: see native/src/nccl/dist_nccl.cc and CMakeLists.txt).
#ifdef TUNEKIT_WITH_NCCL
c10::intrusive_ptr<c10d::ProcessGroup> makeNcclGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                     std::chrono::milliseconds timeout, const std::string& hostname, int threads);
inline bool hasNccl() { return true; }
#else
inline bool hasNccl() { return false; }
#endif
// The DDP gradient reducer (torch.nn.parallel.DistributedDataParallel's C++ half).  1.13 takes
// per-bucket size limits next to the bucket indices; 2.x dropped them and added flags that
// tunekit leaves at DDP's defaults.
inline std::unique_ptr<c10d::Reducer> makeReducer(std::vector<at::Tensor> params, std::vector<std::vector<size_t>> buckets,
                                                  std::vector<size_t> limits, const c10::intrusive_ptr<c10d::ProcessGroup>& pg,
                                                  int64_t bucketCap, bool findUnused, bool asBucketView,
                                                  std::unordered_map<size_t, std::string> names, int64_t firstBucketCap) {
  std::vector<bool> sparse(params.size(), false);
#if TORCH_VERSION_MAJOR >= 2
  (void)limits;
  return std::make_unique<c10d::Reducer>(std::move(params), std::move(buckets), pg, std::move(sparse), bucketCap, findUnused, asBucketView,
                                         std::move(names), firstBucketCap, /*skip_all_reduce_unused_params=*/false,
                                         /*use_python_reducer=*/false, std::vector<int64_t>{});
#else
  return std::make_unique<c10d::Reducer>(std::move(params), std::move(buckets), std::move(limits), pg, std::move(sparse), bucketCap, findUnused,
                                         asBucketView, std::move(names), firstBucketCap);
#endif
}
}  // namespace tk::compat
#endif  // TK_COMPAT_DIST
