// reduction.cc — sum/mean/max/min/var/std/logsumexp/norm, arg- and sort-style reductions.
// Dims arrive as an int array, or null/undefined for "all dims".
#include "common.h"

static bool hasDims(const Info& info, size_t i) { return !isMissing(info, i); }

// sum(t, dims?, keepdim, dtype?)
TK_OP(sum) {
  auto& t = T(info, 0);
  auto dt = ODT(info, 3);
  if (!hasDims(info, 1)) RET(at::sum(t, dt));
  RET(at::sum(t, IL(info, 1), OB(info, 2, false), dt));
}
TK_OP(mean) {
  auto& t = T(info, 0);
  auto dt = ODT(info, 3);
  if (!hasDims(info, 1)) RET(at::mean(t, dt));
  RET(at::mean(t, IL(info, 1), OB(info, 2, false), dt));
}
TK_OP(prod) {
  auto& t = T(info, 0);
  if (isMissing(info, 1)) RET(at::prod(t));
  RET(at::prod(t, I(info, 1), OB(info, 2, false)));
}
// max(t) -> tensor; maxDim(t, dim, keepdim) -> [values, indices]
TK_OP(max) { RET(at::max(T(info, 0))); }
TK_OP(min) { RET(at::min(T(info, 0))); }
TK_OP(maxDim) {
  auto r = at::max(T(info, 0), I(info, 1), OB(info, 2, false));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
TK_OP(minDim) {
  auto r = at::min(T(info, 0), I(info, 1), OB(info, 2, false));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
TK_OP(amax) { RET(at::amax(T(info, 0), hasDims(info, 1) ? IL(info, 1) : std::vector<int64_t>{}, OB(info, 2, false))); }
TK_OP(amin) { RET(at::amin(T(info, 0), hasDims(info, 1) ? IL(info, 1) : std::vector<int64_t>{}, OB(info, 2, false))); }
TK_OP(argmax) { RET(at::argmax(T(info, 0), OI(info, 1), OB(info, 2, false))); }
TK_OP(argmin) { RET(at::argmin(T(info, 0), OI(info, 1), OB(info, 2, false))); }
// var/std(t, dims?, unbiased, keepdim)
TK_OP(var) {
  auto& t = T(info, 0);
  bool unbiased = OB(info, 2, true);
  if (!hasDims(info, 1)) RET(at::var(t, unbiased));
  RET(at::var(t, IL(info, 1), unbiased, OB(info, 3, false)));
}
TK_OP(std) {
  auto& t = T(info, 0);
  bool unbiased = OB(info, 2, true);
  if (!hasDims(info, 1)) RET(at::std(t, unbiased));
  RET(at::std(t, IL(info, 1), unbiased, OB(info, 3, false)));
}
TK_OP(logsumexp) { RET(at::logsumexp(T(info, 0), IL(info, 1), OB(info, 2, false))); }
// norm(t, p, dims?, keepdim) — p a number (2, 1, Infinity, ...).
TK_OP(norm) {
  auto& t = T(info, 0);
  at::Scalar p = isMissing(info, 1) ? at::Scalar(2.0) : at::Scalar(D(info, 1));
  if (!hasDims(info, 2)) RET(at::norm(t, p));
  RET(at::norm(t, p, IL(info, 2), OB(info, 3, false)));
}
TK_OP(all) {
  if (isMissing(info, 1)) RET(at::all(T(info, 0)));
  RET(at::all(T(info, 0), I(info, 1), OB(info, 2, false)));
}
TK_OP(any) {
  if (isMissing(info, 1)) RET(at::any(T(info, 0)));
  RET(at::any(T(info, 0), I(info, 1), OB(info, 2, false)));
}
TK_OP(cumsum) { RET(at::cumsum(T(info, 0), I(info, 1), ODT(info, 2))); }
TK_OP(cumprod) { RET(at::cumprod(T(info, 0), I(info, 1), ODT(info, 2))); }
TK_OP(countNonzero) { RET(at::count_nonzero(T(info, 0), OI(info, 1))); }
// topk(t, k, dim, largest, sorted) -> [values, indices]
TK_OP(topk) {
  auto r = at::topk(T(info, 0), I(info, 1), isMissing(info, 2) ? -1 : I(info, 2), OB(info, 3, true), OB(info, 4, true));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
// sort(t, dim, descending, stable) -> [values, indices]
TK_OP(sort) {
  auto r = at::sort(T(info, 0), OB(info, 3, false), isMissing(info, 1) ? -1 : I(info, 1), OB(info, 2, false));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
TK_OP(argsort) { RET(at::argsort(T(info, 0), isMissing(info, 1) ? -1 : I(info, 1), OB(info, 2, false))); }
