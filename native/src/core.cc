// core.cc — the guard trampoline, tensor handles (slot table) and argument readers.
#include <cmath>
#include "args.h"
#include "guard.h"

namespace tk {

std::vector<OpDef>& registry() {
  static std::vector<OpDef> ops;
  return ops;
}

// ---- TorchError ---------------------------------------------------------------------
static EnvData* envData(napi_env env) {
  return Napi::Env(env).GetInstanceData<EnvData>();
}

static std::string firstLine(const std::string& s) {
  size_t n = s.find('\n');
  std::string line = n == std::string::npos ? s : s.substr(0, n);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line.empty() ? s : line;
}

void throwTorchError(napi_env env, const char* op, const std::string& message) {
  Napi::Env e(env);
  std::string msg = std::string(op) + ": " + firstLine(message);
  EnvData* d = envData(env);
  if (d && !d->torchError.IsEmpty()) {
    Napi::Object err = d->torchError.New({Napi::String::New(e, msg), Napi::String::New(e, op)});
    napi_throw(env, err);
  } else {
    Napi::Error err = Napi::Error::New(e, msg);
    err.Set("name", Napi::String::New(e, "TorchError"));
    err.Set("op", Napi::String::New(e, op));
    napi_throw(env, err.Value());
  }
}

// The current env of this thread.  N-API calls an env's functions only on that env's own thread,
// so a thread-local pointer, refreshed when the env differs, always names the caller's table.
static thread_local napi_env tlEnv = nullptr;
static thread_local HandleTable* tlTable = nullptr;
void enterEnv(napi_env env) {
  if (env == tlEnv) return;
  EnvData* d = envData(env);
  if (!d) throw std::runtime_error("tunekit native: this environment did not initialise the addon");
  tlEnv = env;
  tlTable = &d->handles;
}
HandleTable& handles() { return *tlTable; }

static napi_value trampoline(napi_env env, napi_callback_info cbinfo) {
  // One napi_get_cb_info (inside CallbackInfo) per call: the op's OpDef rides in Data().
  const OpDef* def = nullptr;
  try {
    enterEnv(env);
    Napi::CallbackInfo info(env, cbinfo);
    def = static_cast<const OpDef*>(info.Data());
    return def->fn(info);
  } catch (const Napi::Error& e) {
    // An exception from JS (e.g. a getter threw while reading an argument): keep it as is.
    e.ThrowAsJavaScriptException();
  } catch (const c10::Error& e) {
    throwTorchError(env, def ? def->name : "<op>", e.what_without_backtrace());
  } catch (const std::exception& e) {
    throwTorchError(env, def ? def->name : "<op>", e.what());
  } catch (...) {
    throwTorchError(env, def ? def->name : "<op>", "unknown C++ exception");
  }
  return nullptr;
}

void exportOps(Napi::Env env, Napi::Object exports) {
  for (const OpDef& def : registry()) {
    napi_value fn;
    napi_status st = napi_create_function(env, def.name, NAPI_AUTO_LENGTH, trampoline,
                                          const_cast<OpDef*>(&def), &fn);
    NAPI_THROW_IF_FAILED_VOID(env, st);
    exports.Set(def.name, Napi::Value(env, fn));
  }
}

// ---- tensor handles -------------------------------------------------------------------
int64_t liveTensors() { return handles().live; }

// Bytes a handle pins: the storage of a CPU tensor that owns it alone (a fresh result).
// Views share storage with their base and report nothing.
static int64_t pinnedBytes(const at::Tensor& t) {
  if (!t.has_storage() || !t.device().is_cpu()) return 0;
  const auto& st = t.storage();
  if (st.use_count() != 1) return 0;
  return static_cast<int64_t>(st.nbytes());
}

// V8 is told the bytes of a handle only once it outlives every tidy() scope (reportExternal
// below), never at creation.  A scope frees what it made deterministically when it ends, so
// telling V8 about a training step's activations only made it chase memory its collector cannot
// free: each step's hundreds of MiB counted as external growth, and V8 ran a major (Mark-Compact)
// GC every few steps on a 19 MB heap (issue #11: ~110 in a 28 s LoRA SFT run, their concurrent
// marking taking compute from the ops).  Handles the GC's FinalizationRegistry may free — made
// outside any scope, returned from the outermost one, or kept — are reported, so a loop leaking
// unscoped tensors still drives the GC.
//
// Reporting every handle's bytes costs an N-API call per report; batching by 1 MiB keeps V8's
// view within 1 MiB of the truth at no per-op cost.
void flushExternalMemory(napi_env env, bool force) {
  HandleTable& h = handles();
  if (h.pendingBytes == 0) return;
  if (!force && h.pendingBytes < (1 << 20) && h.pendingBytes > -(1 << 20)) return;
  int64_t out;
  napi_adjust_external_memory(env, h.pendingBytes, &out);
  h.pendingBytes = 0;
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  HandleTable& h = handles();
  uint32_t idx;
  if (!h.freeList.empty()) {
    idx = h.freeList.back();
    h.freeList.pop_back();
  } else {
    if (h.slots.size() >= static_cast<size_t>(kGenUnit)) throw std::runtime_error("too many live tensors (2^26)");
    idx = static_cast<uint32_t>(h.slots.size());
    h.slots.emplace_back();
  }
  Slot& s = h.slots[idx];
  s.t = std::move(t);
  // Deferred: a negative `reported` is bytes V8 has not been told (see reportExternal below).
  s.reported = -pinnedBytes(s.t);
  ++h.live;
  return Napi::Number::New(env, static_cast<double>(idx) + static_cast<double>(s.gen) * kGenUnit);
}

static Slot* slotOf(double hd) {
  if (!(hd >= 0) || hd != std::floor(hd) || hd >= 9007199254740992.0) return nullptr;
  HandleTable& h = handles();
  double genD = std::floor(hd / kGenUnit);
  size_t idx = static_cast<size_t>(hd - genD * kGenUnit);
  if (idx >= h.slots.size()) return nullptr;
  Slot& s = h.slots[idx];
  if (static_cast<double>(s.gen) != genD) return nullptr;
  return &s;
}

at::Tensor* lookup(double hd) {
  Slot* s = slotOf(hd);
  return s && s->t.defined() ? &s->t : nullptr;
}

bool releaseHandle(double hd) {
  Slot* s = slotOf(hd);
  if (!s || !s->t.defined()) return false;
  HandleTable& h = handles();
  if (s->reported > 0) h.pendingBytes -= s->reported;  // only what V8 was told comes off
  s->reported = 0;
  s->t.reset();
  ++s->gen;  // every outstanding copy of this handle is now stale
  --h.live;
  h.freeList.push_back(static_cast<uint32_t>(s - h.slots.data()));
  return true;
}

// reportExternal(h): h outlives every tidy() scope (made outside one, returned from the outermost,
// or kept), so only the GC may free it: tell V8 the bytes its fresh storage pins (src/torch/scope.ts
// calls it as it registers h with the FinalizationRegistry).  Idempotent.  Returns the bytes newly
// reported (0 when h was reported before or pins no storage of its own).
TK_OP(reportExternal) {
  T(info, 0);  // throws unless argument 0 is a live handle
  Slot* s = slotOf(info[0].As<Napi::Number>().DoubleValue());
  int64_t bytes = s->reported < 0 ? -s->reported : 0;
  if (bytes) {
    s->reported = bytes;
    handles().pendingBytes += bytes;
    flushExternalMemory(info.Env(), false);
  }
  return Napi::Number::New(info.Env(), static_cast<double>(bytes));
}

at::Tensor& T(const Info& info, size_t i) {
  double h;
  // One N-API call: napi_get_value_double fails with napi_number_expected for non-numbers.
  if (i >= info.Length() || napi_get_value_double(info.Env(), info[i], &h) != napi_ok)
    argFail(i, "a tensor", i < info.Length() ? info[i] : info.Env().Undefined());
  at::Tensor* t = lookup(h);
  if (!t) throw ArgError("argument " + std::to_string(i) + ": tensor was disposed (or is not a tensor handle)");
  return *t;
}

[[noreturn]] void argFail(size_t i, const char* expected, const Napi::Value& got) {
  const char* kind = got.IsUndefined() ? "undefined" : got.IsNull() ? "null" : got.IsNumber() ? "number"
                   : got.IsString() ? "string" : got.IsBoolean() ? "boolean" : got.IsArray() ? "array"
                   : got.IsExternal() ? "handle" : got.IsFunction() ? "function" : "object";
  throw ArgError("argument " + std::to_string(i) + ": expected " + expected + ", got " + kind);
}

std::vector<int64_t> IL(const Info& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) argFail(i, "an array of integers", i < info.Length() ? info[i] : info.Env().Undefined());
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a[k];
    if (!v.IsNumber()) throw ArgError("argument " + std::to_string(i) + ": element " + std::to_string(k) + " is not a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) >= 9223372036854775808.0)
      throw ArgError("argument " + std::to_string(i) + ": element " + std::to_string(k) + " is not an integer in int64 range");
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

std::vector<at::Tensor> TL(const Info& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) argFail(i, "an array of tensors", i < info.Length() ? info[i] : info.Env().Undefined());
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a[k];
    at::Tensor* t = v.IsNumber() ? lookup(v.As<Napi::Number>().DoubleValue()) : nullptr;
    if (!t) throw ArgError("argument " + std::to_string(i) + ": element " + std::to_string(k) + " is not a live tensor");
    out.push_back(*t);
  }
  return out;
}

at::Scalar S(const Info& info, size_t i) {
  if (i < info.Length() && info[i].IsBoolean()) return at::Scalar(info[i].As<Napi::Boolean>().Value());
  double d = D(info, i);
  // JS has one number type; an integral value becomes an integer Scalar so that
  // int_tensor + 1 stays integral, as in Python.
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) return at::Scalar(static_cast<int64_t>(d));
  return at::Scalar(d);
}

at::ScalarType DT(const Info& info, size_t i) {
  int64_t c = I(info, i);
  switch (c) {
    case static_cast<int64_t>(at::kByte): case static_cast<int64_t>(at::kChar):
    case static_cast<int64_t>(at::kShort): case static_cast<int64_t>(at::kInt):
    case static_cast<int64_t>(at::kLong): case static_cast<int64_t>(at::kHalf):
    case static_cast<int64_t>(at::kFloat): case static_cast<int64_t>(at::kDouble):
    case static_cast<int64_t>(at::kBool): case static_cast<int64_t>(at::kBFloat16):
      return static_cast<at::ScalarType>(c);
    default:
      throw ArgError("argument " + std::to_string(i) + ": unknown dtype code " + std::to_string(c));
  }
}
c10::optional<at::ScalarType> ODT(const Info& info, size_t i) {
  if (isMissing(info, i)) return c10::nullopt;
  return DT(info, i);
}
at::Device DEV(const Info& info, size_t i) {
  if (isMissing(info, i)) return at::Device(at::kCPU);
  std::string s = STR(info, i);
  if (s != "cpu" && s.rfind("cuda", 0) != 0) throw ArgError("argument " + std::to_string(i) + ": unknown device '" + s + "'");
  return at::Device(s);
}
at::TensorOptions OPTS(const Info& info, size_t dtypeArg, size_t deviceArg) {
  auto dt = ODT(info, dtypeArg);
  return at::TensorOptions().dtype(dt.value_or(at::kFloat)).device(DEV(info, deviceArg));
}

// Generators are handed to JS as externals holding an at::Generator.
c10::optional<at::Generator> OGEN(const Info& info, size_t i) {
  if (isMissing(info, i)) return c10::nullopt;
  if (!info[i].IsObject() || !info[i].As<Napi::Object>().Has("__gen")) argFail(i, "a Generator", info[i]);
  Napi::Value h = info[i].As<Napi::Object>().Get("__gen");
  if (!h.IsExternal()) argFail(i, "a Generator", info[i]);
  return *h.As<Napi::External<at::Generator>>().Data();
}

Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  Napi::Array a = Napi::Array::New(env, ts.size());
  for (size_t k = 0; k < ts.size(); ++k) a.Set(static_cast<uint32_t>(k), wrap(env, ts[k]));
  return a;
}
Napi::Value intList(Napi::Env env, at::IntArrayRef xs) {
  Napi::Array a = Napi::Array::New(env, xs.size());
  for (size_t k = 0; k < xs.size(); ++k) a.Set(static_cast<uint32_t>(k), Napi::Number::New(env, static_cast<double>(xs[k])));
  return a;
}

}  // namespace tk
