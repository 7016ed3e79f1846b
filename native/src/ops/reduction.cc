// reduction.cc — sum/mean/max/min/var/std/logsumexp/norm, arg- and sort-style reductions.
// Dims arrive as an int array, or null/undefined for "all dims".
#include <algorithm>
#include <cmath>
#include <vector>
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
namespace {
// argmax over the last dim of a (R, V) float32 CPU matrix — generate()'s next token from (B, V)
// logits, rows contiguous or, as the T5 head leaves them, columns contiguous ((V, R) in memory).
// libtorch's reduction spends ~0.9 ns per element there (225 us at 8 x 32128 rows contiguous, 300
// on the column layout); one compare per element, rarely taken: 144 / 219 us (bench/hf/decode_micro.py
// for libtorch's, docs/benchmarks.md 2026-12-06 (e)). torch.argmax's rules: the first maximum wins, and a NaN
// counts as the maximum (the first NaN's index).
bool argmaxRowsFast(const at::Tensor& t, c10::optional<int64_t> dim, bool keepdim, at::Tensor& out) {
  if (!dim.has_value() || t.dim() != 2 || !t.device().is_cpu() || t.scalar_type() != at::kFloat) return false;
  const int64_t d = *dim < 0 ? *dim + 2 : *dim;
  const int64_t rows = t.size(0), v = t.size(1);
  if (d != 1 || rows == 0 || v == 0) return false;
  const bool rowMajor = t.stride(1) == 1, colMajor = t.stride(0) == 1 && t.stride(1) == rows;
  if (!rowMajor && !colMajor) return false;
  out = at::empty({rows}, t.options().dtype(at::kLong));
  const float* p = t.data_ptr<float>();
  int64_t* o = out.data_ptr<int64_t>();
  if (rowMajor) {
    const int64_t rs = t.stride(0);
    for (int64_t r = 0; r < rows; r++) {
      const float* x = p + r * rs;
      float best = x[0];
      int64_t at = 0;
      if (!std::isnan(best))
        for (int64_t i = 1; i < v; i++) {
          if (!(x[i] <= best)) {  // greater, or NaN: one compare per element on the common path
            at = i;
            if (std::isnan(x[i])) break;
            best = x[i];
          }
        }
      o[r] = at;
    }
  } else {
    // (V, R) in memory: walk it once, one running maximum per row
    std::vector<float> best(p, p + rows);
    std::vector<char> nan(rows);
    for (int64_t r = 0; r < rows; r++) { o[r] = 0; nan[r] = std::isnan(best[r]); }
    for (int64_t i = 1; i < v; i++) {
      const float* x = p + i * rows;
      for (int64_t r = 0; r < rows; r++) {
        if (!(x[r] <= best[r]) && !nan[r]) {  // greater, or NaN (a NaN maximum is never replaced)
          best[r] = x[r];
          o[r] = i;
          nan[r] = std::isnan(x[r]);
        }
      }
    }
  }
  if (keepdim) out = out.unsqueeze(1);
  return true;
}
}  // namespace

TK_OP(argmax) {
  auto& t = T(info, 0);
  auto dim = OI(info, 1);
  bool keepdim = OB(info, 2, false);
  at::Tensor fast;
  if (argmaxRowsFast(t, dim, keepdim, fast)) RET(fast);
  RET(at::argmax(t, dim, keepdim));
}
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
namespace {
// torch.topk's order: a NaN is larger than any number.
inline bool greaterNan(float a, float b) { return (std::isnan(a) && !std::isnan(b)) || a > b; }
// The k largest along the last dim of a float32 (R, V) CPU matrix with contiguous rows, for small k
// — beam search's 2 x num_beams best continuations among num_beams x V scores. libtorch pairs every
// element with its index and partially sorts them (1.29 ms for (8, 4 x 32128), k = 8); one pass
// keeping a sorted list of k, where most elements cost one compare against the k-th: 0.59 ms.
// Values in descending order; equal values by ascending index (libtorch leaves their order open).
bool topkFast(const at::Tensor& t, int64_t k, int64_t dim, bool largest, at::Tensor& values, at::Tensor& indices) {
  constexpr int64_t kMaxK = 64;
  if (t.dim() != 2 || !t.device().is_cpu() || t.scalar_type() != at::kFloat || !largest) return false;
  if ((dim < 0 ? dim + 2 : dim) != 1) return false;
  const int64_t rows = t.size(0), n = t.size(1);
  if (k < 1 || k > kMaxK || k > n || t.stride(1) != 1) return false;
  values = at::empty({rows, k}, t.options());
  indices = at::empty({rows, k}, t.options().dtype(at::kLong));
  const float* p = t.data_ptr<float>();
  float* pv = values.data_ptr<float>();
  int64_t* pi = indices.data_ptr<int64_t>();
  for (int64_t r = 0; r < rows; r++) {
    const float* x = p + r * t.stride(0);
    float bv[kMaxK];
    int64_t bi[kMaxK];
    int64_t m = 0;  // filled slots, bv[0 .. m) in descending order
    for (int64_t i = 0; i < n; i++) {
      const float v = x[i];
      if (m == k && !greaterNan(v, bv[k - 1])) continue;  // the common case: not among the k so far
      int64_t pos = m < k ? m : k - 1;  // the free slot, or the k-th that v displaces
      while (pos > 0 && greaterNan(v, bv[pos - 1])) { bv[pos] = bv[pos - 1]; bi[pos] = bi[pos - 1]; pos--; }
      bv[pos] = v;
      bi[pos] = i;
      if (m < k) m++;
    }
    std::copy(bv, bv + k, pv + r * k);
    std::copy(bi, bi + k, pi + r * k);
  }
  return true;
}
}  // namespace

// topk(t, k, dim, largest, sorted) -> [values, indices]
TK_OP(topk) {
  const int64_t k = I(info, 1), dim = isMissing(info, 2) ? -1 : I(info, 2);
  const bool largest = OB(info, 3, true), sorted = OB(info, 4, true);
  at::Tensor values, indices;
  if (topkFast(T(info, 0), k, dim, largest, values, indices)) return wrapList(info.Env(), {values, indices});
  auto r = at::topk(T(info, 0), k, dim, largest, sorted);
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
// sort(t, dim, descending, stable) -> [values, indices]
TK_OP(sort) {
  auto r = at::sort(T(info, 0), OB(info, 3, false), isMissing(info, 1) ? -1 : I(info, 1), OB(info, 2, false));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
TK_OP(argsort) { RET(at::argsort(T(info, 0), isMissing(info, 1) ? -1 : I(info, 1), OB(info, 2, false))); }
