// creation.cc — tensors from JS memory, factories, random numbers (torch.* creation ops).
#include <cmath>
#include <cstring>
#include <ATen/CPUGeneratorImpl.h>
#include "common.h"

// fromBuffer(bytes: ArrayBuffer | TypedArray, dtype, shape, device?) — one memcpy, no
// per-element work in JS.  The byte length must equal numel * element size.
TK_OP(fromBuffer) {
  const uint8_t* ptr = nullptr;
  size_t len = 0;
  if (info.Length() > 0 && info[0].IsArrayBuffer()) {
    auto ab = info[0].As<Napi::ArrayBuffer>();
    ptr = static_cast<const uint8_t*>(ab.Data());
    len = ab.ByteLength();
  } else if (info.Length() > 0 && info[0].IsTypedArray()) {
    auto ta = info[0].As<Napi::TypedArray>();
    ptr = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    len = ta.ByteLength();
  } else {
    argFail(0, "an ArrayBuffer or typed array", info.Length() ? info[0] : info.Env().Undefined());
  }
  at::ScalarType dt = DT(info, 1);
  std::vector<int64_t> shape = IL(info, 2);
  // numel, overflow-checked: a shape like [2^62, 4] must not wrap around to the byte length of a
  // small buffer (libtorch would catch it later, but the length check here must not pass first).
  uint64_t numel = 1;
  bool zero = false;
  for (int64_t d : shape) {
    if (d < 0) throw ArgError("shape has a negative dimension");
    if (d == 0) zero = true;
  }
  const uint64_t limit = (uint64_t{1} << 62) / c10::elementSize(dt);
  for (int64_t d : shape) {
    if (zero) { numel = 0; break; }
    if (static_cast<uint64_t>(d) > limit / numel) throw ArgError("shape is too large (numel overflows)");
    numel *= static_cast<uint64_t>(d);
  }
  size_t need = static_cast<size_t>(numel) * c10::elementSize(dt);
  if (need != len)
    throw ArgError("buffer holds " + std::to_string(len) + " bytes but shape and dtype need " + std::to_string(need));
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dt));
  if (need) std::memcpy(t.data_ptr(), ptr, need);
  at::Device dev = DEV(info, 3);
  if (!dev.is_cpu()) t = t.to(dev);
  RET(t);
}

TK_OP(zeros) { RET(at::zeros(IL(info, 0), OPTS(info, 1, 2))); }
TK_OP(ones) { RET(at::ones(IL(info, 0), OPTS(info, 1, 2))); }
TK_OP(empty) { RET(at::empty(IL(info, 0), OPTS(info, 1, 2))); }
// full(shape, value, dtype?, device?) — dtype defaults to the value's kind, as torch.full.
TK_OP(full) {
  at::Scalar v = S(info, 1);
  auto dt = ODT(info, 2);
  at::ScalarType d = dt ? *dt : v.isBoolean() ? at::kBool : v.isIntegral(false) ? at::kLong : at::kFloat;
  RET(at::full(IL(info, 0), v, at::TensorOptions().dtype(d).device(DEV(info, 3))));
}
TK_OP(scalarTensor) {
  at::Scalar v = S(info, 0);
  auto dt = ODT(info, 1);
  at::ScalarType d = dt ? *dt : v.isBoolean() ? at::kBool : v.isIntegral(false) ? at::kLong : at::kFloat;
  RET(at::scalar_tensor(v, at::TensorOptions().dtype(d).device(DEV(info, 2))));
}
// arange(start, end, step, dtype?, device?) — integer arguments give int64, as torch.arange.
TK_OP(arange) {
  at::Scalar a = S(info, 0), b = S(info, 1), s = S(info, 2);
  auto dt = ODT(info, 3);
  bool allInt = a.isIntegral(false) && b.isIntegral(false) && s.isIntegral(false);
  at::ScalarType d = dt ? *dt : allInt ? at::kLong : at::kFloat;
  RET(at::arange(a, b, s, at::TensorOptions().dtype(d).device(DEV(info, 4))));
}
TK_OP(linspace) { RET(at::linspace(S(info, 0), S(info, 1), I(info, 2), OPTS(info, 3, 4))); }
TK_OP(eye) { RET(at::eye(I(info, 0), I(info, 1), OPTS(info, 2, 3))); }
TK_OP(rand) { RET(at::rand(IL(info, 0), OGEN(info, 3), OPTS(info, 1, 2))); }
TK_OP(randn) { RET(at::randn(IL(info, 0), OGEN(info, 3), OPTS(info, 1, 2))); }
// randint(low, high, shape, dtype?, device?, gen?) — int64 by default.
TK_OP(randint) {
  auto dt = ODT(info, 3);
  RET(at::randint(I(info, 0), I(info, 1), IL(info, 2), OGEN(info, 5),
                  at::TensorOptions().dtype(dt.value_or(at::kLong)).device(DEV(info, 4))));
}
TK_OP(randperm) {
  auto dt = ODT(info, 1);
  RET(at::randperm(I(info, 0), OGEN(info, 3), at::TensorOptions().dtype(dt.value_or(at::kLong)).device(DEV(info, 2))));
}
// *Like(t, dtype?) keep t's device and layout.
static at::TensorOptions likeOpts(const Info& info, const at::Tensor& t, size_t dtArg) {
  auto dt = ODT(info, dtArg);
  return t.options().dtype(dt.value_or(t.scalar_type()));
}
TK_OP(zerosLike) { auto& t = T(info, 0); RET(at::zeros_like(t, likeOpts(info, t, 1))); }
TK_OP(onesLike) { auto& t = T(info, 0); RET(at::ones_like(t, likeOpts(info, t, 1))); }
TK_OP(emptyLike) { auto& t = T(info, 0); RET(at::empty_like(t, likeOpts(info, t, 1))); }
TK_OP(fullLike) { auto& t = T(info, 0); RET(at::full_like(t, S(info, 1), likeOpts(info, t, 2))); }
TK_OP(randLike) { auto& t = T(info, 0); RET(at::rand(t.sizes(), OGEN(info, 2), likeOpts(info, t, 1))); }
TK_OP(randnLike) { auto& t = T(info, 0); RET(at::randn(t.sizes(), OGEN(info, 2), likeOpts(info, t, 1))); }

// In-place random fills used by nn.init (under noGrad in TS).
TK_OP(uniform_) { T(info, 0).uniform_(D(info, 1), D(info, 2), OGEN(info, 3)); UNDEF; }
TK_OP(normal_) { T(info, 0).normal_(D(info, 1), D(info, 2), OGEN(info, 3)); UNDEF; }
TK_OP(bernoulli) { RET(at::bernoulli(T(info, 0), OGEN(info, 1))); }
TK_OP(bernoulliP) { RET(at::bernoulli(T(info, 0), D(info, 1), OGEN(info, 2))); }
TK_OP(multinomial) { RET(at::multinomial(T(info, 0), I(info, 1), OB(info, 2, false), OGEN(info, 3))); }

// ---- seeding -----------------------------------------------------------------------------
// A seed, as torch.manual_seed takes it: an integer in [-2^63, 2^64), negatives wrapping to
// uint64.  Read as a double so that 1e300 is refused rather than converted (undefined behaviour).
static uint64_t seedArg(const Info& info, size_t i) {
  double d = D(info, i);
  if (!std::isfinite(d) || d != std::floor(d) || d < -9223372036854775808.0 || d >= 18446744073709551616.0)
    throw ArgError("argument " + std::to_string(i) + ": a seed must be an integer in [-2^63, 2^64)");
  return d < 0 ? static_cast<uint64_t>(static_cast<int64_t>(d)) : static_cast<uint64_t>(d);
}
TK_OP(manualSeed) {
  at::manual_seed(seedArg(info, 0));  // seeds CPU and every CUDA device
  UNDEF;
}
static void finalizeGen(Napi::Env, at::Generator* g) { delete g; }
// generatorNew(seed) -> external; TS wraps it as { __gen } (see OGEN).
TK_OP(generatorNew) {
  auto* g = new at::Generator(at::detail::createCPUGenerator(seedArg(info, 0)));
  return Napi::External<at::Generator>::New(info.Env(), g, finalizeGen);
}
static at::Generator& genArg(const Info& info, size_t i) {
  if (i >= info.Length() || !info[i].IsExternal()) argFail(i, "a generator handle", i < info.Length() ? info[i] : info.Env().Undefined());
  return *info[i].As<Napi::External<at::Generator>>().Data();
}
TK_OP(generatorSeed) {
  auto& g = genArg(info, 0);
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(seedArg(info, 1));
  UNDEF;
}
// RNG state as a uint8 tensor (for checkpoints): get/set for a generator or the default CPU one.
TK_OP(getRngState) {
  if (isMissing(info, 0)) RET(at::detail::getDefaultCPUGenerator().get_state());
  auto& g = genArg(info, 0);
  std::lock_guard<std::mutex> lock(g.mutex());
  RET(g.get_state());
}
TK_OP(setRngState) {
  at::Tensor st = T(info, 0);
  if (st.scalar_type() != at::kByte) throw ArgError("RNG state must be a uint8 tensor");
  at::Generator g = isMissing(info, 1) ? at::detail::getDefaultCPUGenerator() : genArg(info, 1);
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_state(st);
  UNDEF;
}
