// addon.cc — module init: exports every op registered with TK_OP (see guard.h) plus the
// few functions that manage the addon itself.
#include "args.h"
#include "compat.h"
#include "guard.h"

using namespace tk;

// setErrorClass(ctor): TS hands over its TorchError class so that native errors are
// `instanceof TorchError`.  ctor(message, op).
TK_OP(setErrorClass) {
  if (info.Length() < 1 || !info[0].IsFunction()) argFail(0, "a function", info.Length() ? info[0] : info.Env().Undefined());
  auto* d = info.Env().GetInstanceData<EnvData>();
  d->torchError = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}
TK_OP(liveTensorCount) { return Napi::Number::New(info.Env(), static_cast<double>(liveTensors())); }
// free(h) / freeMany(Float64Array | number[]): release handles now.  Stale handles are
// ignored, so the FinalizationRegistry safety net can never free a reused slot.
TK_OP(free) {
  if (info.Length() < 1 || !info[0].IsNumber()) argFail(0, "a tensor handle", info.Length() ? info[0] : info.Env().Undefined());
  bool freed = releaseHandle(info[0].As<Napi::Number>().DoubleValue());
  flushExternalMemory(info.Env(), false);
  return Napi::Boolean::New(info.Env(), freed);
}
TK_OP(freeMany) {
  if (info.Length() > 0 && info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
    auto a = info[0].As<Napi::Float64Array>();
    size_t n = isMissing(info, 1) ? a.ElementLength() : static_cast<size_t>(I(info, 1));
    if (n > a.ElementLength()) throw ArgError("count exceeds the array length");
    for (size_t k = 0; k < n; ++k) releaseHandle(a[k]);
  } else if (info.Length() > 0 && info[0].IsArray()) {
    auto a = info[0].As<Napi::Array>();
    for (uint32_t k = 0; k < a.Length(); ++k) {
      Napi::Value v = a[k];
      if (v.IsNumber()) releaseHandle(v.As<Napi::Number>().DoubleValue());
    }
  } else {
    argFail(0, "a Float64Array or an array of handles", info.Length() ? info[0] : info.Env().Undefined());
  }
  flushExternalMemory(info.Env(), false);
  return info.Env().Undefined();
}
TK_OP(isLive) {
  if (info.Length() < 1 || !info[0].IsNumber()) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), lookup(info[0].As<Napi::Number>().DoubleValue()) != nullptr);
}
TK_OP(flushExternalMemory) {
  flushExternalMemory(info.Env(), true);
  return info.Env().Undefined();
}
// setAllocationLimit(bytes): the largest single CPU allocation allowed (0 = none); returns the old one.
TK_OP(setAllocationLimit) {
  int64_t n = I(info, 0);
  if (n < 0) throw ArgError("argument 0: the limit must be >= 0 bytes");
  return Napi::Number::New(info.Env(), static_cast<double>(compat::limitedCpuAllocator().limit.exchange(n)));
}
TK_OP(torchVersion) { return Napi::String::New(info.Env(), compat::torchVersion()); }
TK_OP(hasSdpa) { return Napi::Boolean::New(info.Env(), TK_HAS_SDPA != 0); }

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new EnvData());
  compat::limitedCpuAllocator();  // install the CPU allocation limit before any tensor exists
  exportOps(env, exports);
  return exports;
}
NODE_API_MODULE(tunekit_native, Init)
