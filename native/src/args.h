// args.h — reading JS arguments into libtorch types and wrapping results.
// Every reader validates the JS type and throws tk::ArgError (-> TorchError) on mismatch,
// so a wrong argument can never reach libtorch as garbage.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tk {

struct ArgError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Tensor handles are JS numbers: slot index + generation * 2^26, so a stale or forged
// number is rejected instead of reaching another tensor.  A number is ~10x cheaper to make
// than an N-API external with a finalizer, which matters at ~1 us per op.  The GC safety net
// lives in TS (FinalizationRegistry) for tensors no scope owns.
struct Slot {
  at::Tensor t;
  uint32_t gen = 0;
  int64_t reported = 0;  // > 0: bytes V8 was told this handle pins; < 0: bytes not yet reported (see reportExternal in core.cc)
};
constexpr double kGenUnit = 67108864.0;  // 2^26 slots at most

// One table per Node environment (the main thread and each worker_thread load the addon into
// their own env): a worker can neither see nor free the main thread's tensors, and no table is
// ever touched by two threads, so none needs a lock.  The table lives in the env's instance
// data and is freed (with every tensor still in it) when the env shuts down.
struct HandleTable {
  std::vector<Slot> slots;
  std::vector<uint32_t> freeList;
  int64_t live = 0;
  int64_t pendingBytes = 0;  // V8 external-memory delta not yet reported
};
// The table of the env whose call is running on this thread (set by the trampoline).
HandleTable& handles();

int64_t liveTensors();
Napi::Value wrap(Napi::Env env, at::Tensor t);        // null for an undefined tensor
at::Tensor* lookup(double handle);                    // nullptr if stale/invalid
bool releaseHandle(double handle);                    // frees now; false if already freed
void flushExternalMemory(napi_env env, bool force);

using Info = Napi::CallbackInfo;

// A number as a short string for messages (1e+300, not 300 digits).
inline std::string fmtNum(double d) {
  std::ostringstream os;
  os.precision(17);
  os << d;
  return os.str();
}

[[noreturn]] void argFail(size_t i, const char* expected, const Napi::Value& got);

at::Tensor& T(const Info& info, size_t i);  // a live tensor handle, or throws
inline bool isMissing(const Info& info, size_t i) {
  return i >= info.Length() || info[i].IsUndefined() || info[i].IsNull();
}
inline c10::optional<at::Tensor> OT(const Info& info, size_t i) {
  if (isMissing(info, i)) return c10::nullopt;
  return T(info, i);
}
inline double D(const Info& info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) argFail(i, "a number", i < info.Length() ? info[i] : info.Env().Undefined());
  return info[i].As<Napi::Number>().DoubleValue();
}
inline int64_t I(const Info& info, size_t i) {
  double d = D(info, i);
  // |d| >= 2^63 would be an undefined cast (in practice INT64_MIN): reject it here.
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) >= 9223372036854775808.0)
    throw ArgError("argument " + std::to_string(i) + ": expected an integer in int64 range, got " + fmtNum(d));
  return static_cast<int64_t>(d);
}
inline c10::optional<int64_t> OI(const Info& info, size_t i) {
  if (isMissing(info, i)) return c10::nullopt;
  return I(info, i);
}
inline c10::optional<double> OD(const Info& info, size_t i) {
  if (isMissing(info, i)) return c10::nullopt;
  return D(info, i);
}
inline bool B(const Info& info, size_t i) {
  if (i >= info.Length() || !info[i].IsBoolean()) argFail(i, "a boolean", i < info.Length() ? info[i] : info.Env().Undefined());
  return info[i].As<Napi::Boolean>().Value();
}
inline bool OB(const Info& info, size_t i, bool dflt) { return isMissing(info, i) ? dflt : B(info, i); }
inline std::string STR(const Info& info, size_t i) {
  if (i >= info.Length() || !info[i].IsString()) argFail(i, "a string", i < info.Length() ? info[i] : info.Env().Undefined());
  return info[i].As<Napi::String>().Utf8Value();
}
std::vector<int64_t> IL(const Info& info, size_t i);                  // array of integers
std::vector<at::Tensor> TL(const Info& info, size_t i);               // array of tensors
at::Scalar S(const Info& info, size_t i);                             // number or boolean
at::ScalarType DT(const Info& info, size_t i);                        // dtype code
c10::optional<at::ScalarType> ODT(const Info& info, size_t i);
at::Device DEV(const Info& info, size_t i);                           // "cpu", "cuda", "cuda:1"
at::TensorOptions OPTS(const Info& info, size_t dtypeArg, size_t deviceArg);  // dtype default float32
c10::optional<at::Generator> OGEN(const Info& info, size_t i);
Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts);
Napi::Value intList(Napi::Env env, at::IntArrayRef xs);

}  // namespace tk
