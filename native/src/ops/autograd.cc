// autograd.cc — requires_grad, .grad, backward, torch.autograd.grad, grad mode.
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include "common.h"

TK_OP(requiresGrad) { return Napi::Boolean::New(info.Env(), T(info, 0).requires_grad()); }
TK_OP(requiresGrad_) { T(info, 0).requires_grad_(B(info, 1)); UNDEF; }
TK_OP(isLeaf) { return Napi::Boolean::New(info.Env(), T(info, 0).is_leaf()); }
TK_OP(gradFn) {
  auto fn = T(info, 0).grad_fn();
  if (!fn) return info.Env().Null();
  return Napi::String::New(info.Env(), fn->name());
}
// grad(t) -> a new handle to t.grad, or null.
TK_OP(grad) { RET(T(info, 0).grad()); }
// setGrad(t, g | null): the checks of Python's `t.grad = g` setter.  Without them a grad of
// another shape, dtype or device was stored as is and broke the next accumulation or optimizer step.
TK_OP(setGrad) {
  at::Tensor& t = T(info, 0);
  if (isMissing(info, 1)) {
    t.mutable_grad().reset();
    UNDEF;
  }
  at::Tensor& g = T(info, 1);
  if (g.scalar_type() != t.scalar_type())
    throw ArgError(std::string("assigned grad has dtype ") + c10::toString(g.scalar_type()) + " but the tensor has " + c10::toString(t.scalar_type()));
  if (g.device() != t.device()) throw ArgError("assigned grad is on " + g.device().str() + " but the tensor is on " + t.device().str());
  if (!g.sizes().equals(t.sizes()))
    throw ArgError("assigned grad has shape " + c10::str(g.sizes()) + " but the tensor has shape " + c10::str(t.sizes()));
  t.mutable_grad() = g;
  UNDEF;
}
TK_OP(retainGrad) { T(info, 0).retain_grad(); UNDEF; }
TK_OP(detach_) { T(info, 0).detach_(); UNDEF; }
// backward(t, gradient?, retainGraph?, createGraph)
TK_OP(backward) {
  c10::optional<bool> retain;
  if (!isMissing(info, 2)) retain = B(info, 2);
  at::Tensor grad = isMissing(info, 1) ? at::Tensor() : T(info, 1);
  T(info, 0).backward(grad, retain, OB(info, 3, false));
  UNDEF;
}
// autogradGrad(outputs[], inputs[], gradOutputs[]|null, retainGraph?, createGraph, allowUnused)
TK_OP(autogradGrad) {
  std::vector<at::Tensor> gouts;
  if (!isMissing(info, 2)) gouts = TL(info, 2);
  c10::optional<bool> retain;
  if (!isMissing(info, 3)) retain = B(info, 3);
  auto gs = torch::autograd::grad(TL(info, 0), TL(info, 1), gouts, retain, OB(info, 4, false), OB(info, 5, false));
  return wrapList(info.Env(), gs);
}
TK_OP(setGradEnabled) { compat::GradMode::set_enabled(B(info, 0)); UNDEF; }
TK_OP(isGradEnabled) { return Napi::Boolean::New(info.Env(), compat::GradMode::is_enabled()); }
