// tensor.cc — metadata and conversions of one tensor: shape, dtype, device, copies out to
// JS memory, zero-copy views, item(), to(), clone(), detach().
#include <cstring>
#include "common.h"

TK_OP(shape) { return intList(info.Env(), T(info, 0).sizes()); }
TK_OP(strides) { return intList(info.Env(), T(info, 0).strides()); }
TK_OP(dim) { return Napi::Number::New(info.Env(), static_cast<double>(T(info, 0).dim())); }
TK_OP(numel) { return Napi::Number::New(info.Env(), static_cast<double>(T(info, 0).numel())); }
TK_OP(size) { return Napi::Number::New(info.Env(), static_cast<double>(T(info, 0).size(I(info, 1)))); }
TK_OP(dtype) { return Napi::Number::New(info.Env(), static_cast<double>(T(info, 0).scalar_type())); }
TK_OP(device) { return Napi::String::New(info.Env(), T(info, 0).device().str()); }
TK_OP(isContiguous) { return Napi::Boolean::New(info.Env(), T(info, 0).is_contiguous()); }
// version(t): the counter every in-place write bumps (torch's t._version)
TK_OP(version) { return Napi::Number::New(info.Env(), static_cast<double>(T(info, 0)._version())); }
TK_OP(storageOffset) { return Napi::Number::New(info.Env(), static_cast<double>(T(info, 0).storage_offset())); }
TK_OP(sameStorage) {
  auto& a = T(info, 0);
  auto& b = T(info, 1);
  return Napi::Boolean::New(info.Env(), a.has_storage() && b.has_storage() && a.storage().is_alias_of(b.storage()));
}

// toBuffer(t) -> ArrayBuffer: a contiguous CPU copy of the data (one memcpy).
TK_OP(toBuffer) {
  at::Tensor c = T(info, 0).detach().to(at::kCPU).contiguous();
  size_t n = c.numel() * c.element_size();
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(info.Env(), n);
  if (n) std::memcpy(ab.Data(), c.data_ptr(), n);
  return ab;
}

// dataView(t) -> ArrayBuffer over the tensor's own memory (contiguous CPU only).  The buffer
// keeps the storage alive; writes through it change the tensor.
static void finalizeView(Napi::Env, void*, at::Tensor* keep) { delete keep; }
TK_OP(dataView) {
  at::Tensor& t = T(info, 0);
  if (!t.device().is_cpu()) throw ArgError("dataView needs a CPU tensor; call .to('cpu') first");
  if (!t.is_contiguous()) throw ArgError("dataView needs a contiguous tensor; call .contiguous() first");
  size_t n = t.numel() * t.element_size();
  auto* keep = new at::Tensor(t.detach());
  void* p = n ? keep->data_ptr() : nullptr;
  if (!p) {
    delete keep;
    return Napi::ArrayBuffer::New(info.Env(), 0);
  }
  return Napi::ArrayBuffer::New(info.Env(), p, n, finalizeView, keep);
}

TK_OP(item) {
  at::Tensor& t = T(info, 0);
  if (t.numel() != 1) throw ArgError("item() needs a tensor with one element, this one has " + std::to_string(t.numel()));
  at::Scalar s = t.item();
  if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
  if (s.isIntegral(false)) return Napi::Number::New(info.Env(), static_cast<double>(s.toLong()));
  return Napi::Number::New(info.Env(), s.toDouble());
}

// to(t, dtype?, device?, copy) — returns a new handle (possibly aliasing t when nothing changes).
TK_OP(to) {
  at::Tensor& t = T(info, 0);
  auto dt = ODT(info, 1);
  at::Device dev = isMissing(info, 2) ? t.device() : DEV(info, 2);
  bool copy = OB(info, 3, false);
  RET(t.to(dev, dt.value_or(t.scalar_type()), /*non_blocking=*/false, copy));
}
TK_OP(clone) { RET(T(info, 0).clone()); }
TK_OP(detach) { RET(T(info, 0).detach()); }
TK_OP(contiguous) { RET(T(info, 0).contiguous()); }
// alias(t): a second handle to the same tensor (same autograd identity), for keep()/ownership.
TK_OP(alias) { RET(T(info, 0)); }
TK_OP(copy_) {
  T(info, 0).copy_(T(info, 1));
  UNDEF;
}
TK_OP(fill_) { T(info, 0).fill_(S(info, 1)); UNDEF; }
TK_OP(zero_) { T(info, 0).zero_(); UNDEF; }
// set_(t, src): make t share src's storage and shape (used to swap parameter data in place).
TK_OP(setData) {
  T(info, 0).set_data(T(info, 1));
  UNDEF;
}
