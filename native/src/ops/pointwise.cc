// pointwise.cc — elementwise math (torch's "Pointwise Ops" + comparisons).  Binary ops take
// a tensor or a JS number/boolean as the second operand.
#include <functional>
#include <limits>
#include "common.h"

// Handles and scalars are both JS numbers, so every op with a scalar operand has its own
// export: name(a, b) takes two tensors, nameS(a, x) a tensor and a number/boolean.
#define BINARY(name, fn)                                                          \
  TK_OP(name) { RET(at::fn(T(info, 0), T(info, 1))); }                            \
  TK_OP(name##S) { RET(at::fn(T(info, 0), S(info, 1))); }                         \
  TK_OP(name##_) { T(info, 0).fn##_(T(info, 1)); UNDEF; }                         \
  TK_OP(name##S_) { T(info, 0).fn##_(S(info, 1)); UNDEF; }

// Integer division of the most negative int32/int64 by -1 overflows, and x86 traps (SIGFPE)
// instead of wrapping.  libtorch 1.13 checks for a zero divisor but not this, so
// torch.tensor([-2**63]) % -1 kills Python too.  Checked before the ops that divide integers:
// remainder, fmod and div with a rounding mode.  int8/int16 promote to int in C++: no trap.
static void checkIntDivision(at::ScalarType t, const at::Tensor& a, const std::function<bool()>& divisorHasMinus1) {
  if (t != at::kLong && t != at::kInt) return;
  const at::Scalar mn = t == at::kLong ? at::Scalar(std::numeric_limits<int64_t>::min())
                                       : at::Scalar(static_cast<int64_t>(std::numeric_limits<int32_t>::min()));
  if (divisorHasMinus1() && a.eq(mn).any().item<bool>())
    throw ArgError(std::string("integer overflow: the smallest ") + (t == at::kLong ? "int64" : "int32") + " divided by -1");
}
static void checkIntDiv(const at::Tensor& a, const at::Tensor& b) {
  checkIntDivision(at::result_type(a, b), a, [&] { return b.eq(-1).any().item<bool>(); });
}
static void checkIntDiv(const at::Tensor& a, const at::Scalar& b) {
  checkIntDivision(at::result_type(a, b), a, [&] { return b.isIntegral(false) && b.toLong() == -1; });
}

static at::Scalar alphaArg(const Info& info, size_t i) { return isMissing(info, i) ? at::Scalar(1) : S(info, i); }
// add/sub(a, b, alpha?) = a ± alpha * b
TK_OP(add) { RET(at::add(T(info, 0), T(info, 1), alphaArg(info, 2))); }
TK_OP(addS) { RET(at::add(T(info, 0), S(info, 1), alphaArg(info, 2))); }
TK_OP(add_) { T(info, 0).add_(T(info, 1), alphaArg(info, 2)); UNDEF; }
TK_OP(addS_) { T(info, 0).add_(S(info, 1), alphaArg(info, 2)); UNDEF; }
TK_OP(sub) { RET(at::sub(T(info, 0), T(info, 1), alphaArg(info, 2))); }
TK_OP(subS) { RET(at::sub(T(info, 0), S(info, 1), alphaArg(info, 2))); }
TK_OP(sub_) { T(info, 0).sub_(T(info, 1), alphaArg(info, 2)); UNDEF; }
TK_OP(subS_) { T(info, 0).sub_(S(info, 1), alphaArg(info, 2)); UNDEF; }
// rsubS(t, x) = x - t (number - tensor).
TK_OP(rsubS) { RET(at::rsub(T(info, 0), S(info, 1))); }
BINARY(mul, mul)
BINARY(pow, pow)
// remainder/fmod: BINARY plus the integer-overflow check above.
#define INT_DIVIDING(name, fn)                                                                        \
  TK_OP(name) { auto& a = T(info, 0); auto& b = T(info, 1); checkIntDiv(a, b); RET(at::fn(a, b)); }     \
  TK_OP(name##S) { auto& a = T(info, 0); auto b = S(info, 1); checkIntDiv(a, b); RET(at::fn(a, b)); }  \
  TK_OP(name##_) { auto& a = T(info, 0); auto& b = T(info, 1); checkIntDiv(a, b); a.fn##_(b); UNDEF; } \
  TK_OP(name##S_) { auto& a = T(info, 0); auto b = S(info, 1); checkIntDiv(a, b); a.fn##_(b); UNDEF; }
INT_DIVIDING(remainder, remainder)
INT_DIVIDING(fmod, fmod)
BINARY(eq, eq)
BINARY(ne, ne)
BINARY(lt, lt)
BINARY(le, le)
BINARY(gt, gt)
BINARY(ge, ge)
// div(a, b, roundingMode?) — roundingMode 'trunc' | 'floor'.
static c10::optional<c10::string_view> roundingArg(const Info& info, size_t i, std::string& keep) {
  if (isMissing(info, i)) return c10::nullopt;
  keep = STR(info, i);
  if (keep != "trunc" && keep != "floor") throw ArgError("roundingMode must be 'trunc' or 'floor'");
  return c10::string_view(keep);
}
TK_OP(div) {
  std::string m;
  auto mode = roundingArg(info, 2, m);
  auto& a = T(info, 0);
  auto& b = T(info, 1);
  if (mode) checkIntDiv(a, b);
  RET(at::div(a, b, mode));
}
TK_OP(divS) {
  std::string m;
  auto mode = roundingArg(info, 2, m);
  auto& a = T(info, 0);
  auto b = S(info, 1);
  if (mode) checkIntDiv(a, b);
  RET(at::div(a, b, mode));
}
TK_OP(div_) { T(info, 0).div_(T(info, 1)); UNDEF; }
TK_OP(divS_) { T(info, 0).div_(S(info, 1)); UNDEF; }
// pow with a scalar base: x ** t.
TK_OP(powScalarBase) { RET(at::pow(S(info, 0), T(info, 1))); }
TK_OP(maximum) { RET(at::maximum(T(info, 0), T(info, 1))); }
TK_OP(minimum) { RET(at::minimum(T(info, 0), T(info, 1))); }
TK_OP(atan2) { RET(at::atan2(T(info, 0), T(info, 1))); }
TK_OP(logicalAnd) { RET(at::logical_and(T(info, 0), T(info, 1))); }
TK_OP(logicalOr) { RET(at::logical_or(T(info, 0), T(info, 1))); }
TK_OP(logicalXor) { RET(at::logical_xor(T(info, 0), T(info, 1))); }
TK_OP(bitwiseAnd) { RET(at::bitwise_and(T(info, 0), T(info, 1))); }
TK_OP(bitwiseOr) { RET(at::bitwise_or(T(info, 0), T(info, 1))); }

#define UNARY(name, fn)                               \
  TK_OP(name) { RET(at::fn(T(info, 0))); }             \
  TK_OP(name##_) { at::fn##_(T(info, 0)); UNDEF; }
UNARY(neg, neg)
UNARY(abs, abs)
UNARY(exp, exp)
UNARY(log, log)
UNARY(log1p, log1p)
UNARY(expm1, expm1)
UNARY(log2, log2)
UNARY(sqrt, sqrt)
UNARY(rsqrt, rsqrt)
UNARY(sin, sin)
UNARY(cos, cos)
UNARY(tanh, tanh)
UNARY(sigmoid, sigmoid)
UNARY(relu, relu)
TK_OP(sign) { RET(at::sign(T(info, 0))); }
UNARY(floor, floor)
UNARY(ceil, ceil)
UNARY(round, round)
UNARY(trunc, trunc)
UNARY(reciprocal, reciprocal)
UNARY(square, square)
UNARY(erf, erf)
UNARY(silu, silu)
TK_OP(logicalNot) { RET(at::logical_not(T(info, 0))); }
TK_OP(isnan) { RET(at::isnan(T(info, 0))); }
TK_OP(isinf) { RET(at::isinf(T(info, 0))); }
TK_OP(isfinite) { RET(at::isfinite(T(info, 0))); }
TK_OP(nanToNum) { RET(at::nan_to_num(T(info, 0), OD(info, 1), OD(info, 2), OD(info, 3))); }
// gelu(x, approximate) — 'none' (erf form) or 'tanh' (HF gelu_new / gelu_pytorch_tanh).
TK_OP(gelu) {
  std::string a = isMissing(info, 1) ? "none" : STR(info, 1);
  if (a != "none" && a != "tanh") throw ArgError("approximate must be 'none' or 'tanh'");
  RET(at::gelu(T(info, 0), a));
}
TK_OP(softplus) { RET(at::softplus(T(info, 0), isMissing(info, 1) ? at::Scalar(1) : S(info, 1), isMissing(info, 2) ? at::Scalar(20) : S(info, 2))); }
TK_OP(leakyRelu) { RET(at::leaky_relu(T(info, 0), isMissing(info, 1) ? at::Scalar(0.01) : S(info, 1))); }
TK_OP(elu) { RET(at::elu(T(info, 0), isMissing(info, 1) ? at::Scalar(1.0) : S(info, 1))); }
TK_OP(hardtanh) { RET(at::hardtanh(T(info, 0), S(info, 1), S(info, 2))); }
TK_OP(logsigmoid) { RET(at::log_sigmoid(T(info, 0))); }

// clamp(t, min?, max?) with number bounds; clampT with tensor bounds (null = none).
static void needBound(const Info& info) {
  if (isMissing(info, 1) && isMissing(info, 2)) throw ArgError("clamp needs at least one of min and max");
}
static c10::optional<at::Scalar> OS(const Info& info, size_t i) {
  if (isMissing(info, i)) return c10::nullopt;
  return S(info, i);
}
TK_OP(clamp) { needBound(info); RET(at::clamp(T(info, 0), OS(info, 1), OS(info, 2))); }
TK_OP(clamp_) { needBound(info); T(info, 0).clamp_(OS(info, 1), OS(info, 2)); UNDEF; }
TK_OP(clampT) { needBound(info); RET(at::clamp(T(info, 0), OT(info, 1), OT(info, 2))); }

// where(cond, a, b) with tensors; whereTS / whereST / whereSS with numbers on either side.
TK_OP(where) { RET(at::where(T(info, 0), T(info, 1), T(info, 2))); }
TK_OP(whereTS) { RET(at::where(T(info, 0), T(info, 1), S(info, 2))); }
TK_OP(whereST) { RET(at::where(T(info, 0), S(info, 1), T(info, 2))); }
TK_OP(whereSS) { RET(at::where(T(info, 0), S(info, 1), S(info, 2))); }
TK_OP(lerp) { RET(at::lerp(T(info, 0), T(info, 1), T(info, 2))); }
TK_OP(lerpS) { RET(at::lerp(T(info, 0), T(info, 1), S(info, 2))); }
TK_OP(addcmul) { RET(at::addcmul(T(info, 0), T(info, 1), T(info, 2), isMissing(info, 3) ? at::Scalar(1) : S(info, 3))); }
TK_OP(addcdiv) { RET(at::addcdiv(T(info, 0), T(info, 1), T(info, 2), isMissing(info, 3) ? at::Scalar(1) : S(info, 3))); }
TK_OP(addcmul_) { T(info, 0).addcmul_(T(info, 1), T(info, 2), isMissing(info, 3) ? at::Scalar(1) : S(info, 3)); UNDEF; }
TK_OP(addcdiv_) { T(info, 0).addcdiv_(T(info, 1), T(info, 2), isMissing(info, 3) ? at::Scalar(1) : S(info, 3)); UNDEF; }
TK_OP(allclose) { return Napi::Boolean::New(info.Env(), at::allclose(T(info, 0), T(info, 1), D(info, 2), D(info, 3))); }
TK_OP(equal) { return Napi::Boolean::New(info.Env(), at::equal(T(info, 0), T(info, 1))); }
