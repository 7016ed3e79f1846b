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
// autocastEnter(cuda, dtype, cacheEnabled) -> [wasEnabled, previous dtype code, previous cache flag]:
// Python's torch.autocast.__enter__ (set dtype, enable, nesting + 1); autocastExit(cuda, state)
// undoes it (nesting - 1, the cast cache cleared at the outermost exit, the previous state back).
TK_OP(autocastEnter) {
  bool cuda = B(info, 0);
  at::ScalarType dt = static_cast<at::ScalarType>(I(info, 1));
  if (dt != at::kBFloat16 && dt != at::kHalf && dt != at::kFloat) throw ArgError("autocast: dtype must be bfloat16, float16 or float32");
  if (!cuda && dt == at::kHalf && !compat::cpuAutocastHalf())
    throw ArgError(std::string("autocast: CPU autocast in libtorch ") + TORCH_VERSION + " runs bfloat16 only (float16 on CPU needs libtorch >= 2.3)");
  bool cache = B(info, 2);
  Napi::Env env = info.Env();
  Napi::Array prev = Napi::Array::New(env, 3);
  prev.Set(0u, Napi::Boolean::New(env, compat::autocastEnabled(cuda)));
  prev.Set(1u, Napi::Number::New(env, static_cast<int>(compat::autocastDtype(cuda))));
  prev.Set(2u, Napi::Boolean::New(env, at::autocast::is_autocast_cache_enabled()));
  compat::setAutocast(cuda, true, dt);
  at::autocast::set_autocast_cache_enabled(cache);
  at::autocast::increment_nesting();
  return prev;
}
TK_OP(autocastExit) {
  bool cuda = B(info, 0);
  bool wasEnabled = B(info, 1);
  int64_t code = I(info, 2);
  if (code < 0 || code >= static_cast<int64_t>(at::ScalarType::NumOptions) || !c10::isFloatingType(static_cast<at::ScalarType>(code)))
    throw ArgError("autocastExit: the previous dtype must be a floating dtype code, got " + std::to_string(code));
  at::ScalarType dt = static_cast<at::ScalarType>(code);
  bool cache = B(info, 3);
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  compat::setAutocast(cuda, wasEnabled, dt);
  at::autocast::set_autocast_cache_enabled(cache);
  UNDEF;
}
// setAllowTF32(on) -> the previous setting; allowTF32() reads it.
TK_OP(setAllowTF32) {
  bool was = compat::allowTF32();
  compat::setAllowTF32(B(info, 0));
  return Napi::Boolean::New(info.Env(), was);
}
TK_OP(allowTF32) { return Napi::Boolean::New(info.Env(), compat::allowTF32()); }
TK_OP(isAutocastEnabled) { return Napi::Boolean::New(info.Env(), compat::autocastEnabled(B(info, 0))); }
