// Shim for Debian's libtorch-dev 1.13, which ships c10d's headers but not distributed autograd's:
// c10d/reducer.hpp includes this file only to name DistAutogradContext::GradCallback (a
// static_assert) and to hold a shared_ptr / atomic pointer to a context (never used by tunekit,
// which runs no RPC).  Pointers keep the Reducer's layout identical to the one libtorch was built
// with.  CMakeLists.txt adds this folder only when the libtorch being built against lacks the file.
#pragma once
#include <ATen/core/Tensor.h>
#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {
class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};
using ContextPtr = std::shared_ptr<DistAutogradContext>;
}  // namespace autograd
}  // namespace distributed
}  // namespace torch
