// dist_nccl.cc — the NCCL process group (CUDA builds of libtorch 2.x only).  Kept out of the main
// source globs: CMakeLists.txt first try-compiles this file against the libtorch being built
// against (its ProcessGroupNCCL.hpp, NCCL's nccl.h, CUDA's headers) and adds it, with
// TUNEKIT_WITH_NCCL, only when that succeeds — so a libtorch or machine without NCCL still builds,
// and `backend: 'nccl'` then says NCCL is not in this build.  Untested on hardware so far (no GPU
// was lent to the session that wrote it); see docs/distributed.md.
#define TK_COMPAT_DIST 1
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include "../compat.h"
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

namespace tk::compat {
// torch.distributed's backend "cpu:gloo,cuda:nccl": CUDA tensors go through NCCL, CPU tensors (object
// collectives, host-side counters) through Gloo, on one ProcessGroup.
c10::intrusive_ptr<c10d::ProcessGroup> makeNcclGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                     std::chrono::milliseconds timeout, const std::string& hostname, int threads) {
  auto pg = makeGlooGroup(c10::make_intrusive<c10d::PrefixStore>("gloo/", store), rank, size, timeout, hostname, threads);
  auto opts = c10d::ProcessGroupNCCL::Options::create();
  opts->timeout = timeout;
  auto nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("nccl/", store), rank, size, opts);
  pg->setBackend(c10::DeviceType::CUDA, c10d::ProcessGroup::BackendType::NCCL, nccl);
  pg->setDefaultBackend(c10d::ProcessGroup::BackendType::NCCL);
  return pg;
}
}  // namespace tk::compat
