// shape.cc — views, joins, splits and indexing (torch's "Indexing, Slicing, Joining, Mutating").
#include "common.h"

TK_OP(view) { RET(T(info, 0).view(IL(info, 1))); }
TK_OP(reshape) { RET(T(info, 0).reshape(IL(info, 1))); }
TK_OP(flatten) { RET(T(info, 0).flatten(isMissing(info, 1) ? 0 : I(info, 1), isMissing(info, 2) ? -1 : I(info, 2))); }
TK_OP(unflatten) { RET(T(info, 0).unflatten(I(info, 1), IL(info, 2))); }
TK_OP(unsqueeze) { RET(T(info, 0).unsqueeze(I(info, 1))); }
TK_OP(squeeze) {
  if (isMissing(info, 1)) RET(T(info, 0).squeeze());
  RET(T(info, 0).squeeze(I(info, 1)));
}
TK_OP(permute) { RET(T(info, 0).permute(IL(info, 1))); }
TK_OP(transpose) { RET(T(info, 0).transpose(I(info, 1), I(info, 2))); }
TK_OP(expand) { RET(T(info, 0).expand(IL(info, 1))); }
TK_OP(repeat) { RET(T(info, 0).repeat(IL(info, 1))); }
TK_OP(repeatInterleave) { RET(at::repeat_interleave(T(info, 0), I(info, 1), OI(info, 2))); }
TK_OP(cat) { RET(at::cat(TL(info, 0), isMissing(info, 1) ? 0 : I(info, 1))); }
TK_OP(stack) { RET(at::stack(TL(info, 0), isMissing(info, 1) ? 0 : I(info, 1))); }
// split(t, sizeOrSizes, dim): a number = chunk size, an array = exact sizes.
TK_OP(split) {
  auto& t = T(info, 0);
  int64_t dim = isMissing(info, 2) ? 0 : I(info, 2);
  if (info.Length() > 1 && info[1].IsArray()) return wrapList(info.Env(), t.split_with_sizes(IL(info, 1), dim));
  return wrapList(info.Env(), t.split(I(info, 1), dim));
}
TK_OP(chunk) { return wrapList(info.Env(), T(info, 0).chunk(I(info, 1), isMissing(info, 2) ? 0 : I(info, 2))); }
TK_OP(unbind) { return wrapList(info.Env(), T(info, 0).unbind(isMissing(info, 1) ? 0 : I(info, 1))); }
TK_OP(narrow) { RET(T(info, 0).narrow(I(info, 1), I(info, 2), I(info, 3))); }
TK_OP(select) { RET(T(info, 0).select(I(info, 1), I(info, 2))); }
// slice(t, dim, start?, end?, step) — Python's t[..., start:end:step] on one dim.
TK_OP(slice) { RET(T(info, 0).slice(I(info, 1), OI(info, 2), OI(info, 3), isMissing(info, 4) ? 1 : I(info, 4))); }
TK_OP(indexSelect) { RET(at::index_select(T(info, 0), I(info, 1), T(info, 2))); }
// index(t, [idx|null, ...]) — advanced indexing t[idx0, idx1, ...]; null = ':' on that dim.
TK_OP(index) {
  if (info.Length() < 2 || !info[1].IsArray()) argFail(1, "an array of tensors or nulls", info.Length() > 1 ? info[1] : info.Env().Undefined());
  Napi::Array a = info[1].As<Napi::Array>();
  c10::List<c10::optional<at::Tensor>> idx;
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a[k];
    if (v.IsNull() || v.IsUndefined()) idx.push_back(c10::nullopt);
    else {
      at::Tensor* t = v.IsNumber() ? lookup(v.As<Napi::Number>().DoubleValue()) : nullptr;
      if (!t) throw ArgError("index: element " + std::to_string(k) + " is not a live tensor");
      idx.push_back(*t);
    }
  }
  RET(at::index(T(info, 0), idx));
}
TK_OP(gather) { RET(at::gather(T(info, 0), I(info, 1), T(info, 2))); }
// scatter(t, dim, index, src) / scatterS(t, dim, index, value)
TK_OP(scatter) { RET(at::scatter(T(info, 0), I(info, 1), T(info, 2), T(info, 3))); }
TK_OP(scatterS) { RET(at::scatter(T(info, 0), I(info, 1), T(info, 2), S(info, 3))); }
TK_OP(scatterAdd) { RET(at::scatter_add(T(info, 0), I(info, 1), T(info, 2), T(info, 3))); }
TK_OP(indexAdd) { RET(at::index_add(T(info, 0), I(info, 1), T(info, 2), T(info, 3))); }
// maskedFill(t, mask, value: number) / maskedFillT(t, mask, value: 0-d tensor)
TK_OP(maskedFill) { RET(at::masked_fill(T(info, 0), T(info, 1), S(info, 2))); }
TK_OP(maskedFillT) { RET(at::masked_fill(T(info, 0), T(info, 1), T(info, 2))); }
TK_OP(maskedFill_) { T(info, 0).masked_fill_(T(info, 1), S(info, 2)); UNDEF; }
// indexFill_(t, dim, index (k) int64, value): the entries at `index` along dim set to value, in place
TK_OP(indexFill_) { T(info, 0).index_fill_(I(info, 1), T(info, 2), S(info, 3)); UNDEF; }
TK_OP(maskedSelect) { RET(at::masked_select(T(info, 0), T(info, 1))); }
TK_OP(nonzero) { RET(at::nonzero(T(info, 0))); }
TK_OP(triu) { RET(at::triu(T(info, 0), isMissing(info, 1) ? 0 : I(info, 1))); }
TK_OP(tril) { RET(at::tril(T(info, 0), isMissing(info, 1) ? 0 : I(info, 1))); }
TK_OP(flip) { RET(at::flip(T(info, 0), IL(info, 1))); }
TK_OP(roll) { RET(at::roll(T(info, 0), IL(info, 1), IL(info, 2))); }
// pad(t, [left, right, top, bottom, ...], value) — constant padding as F.pad.
TK_OP(pad) { RET(at::constant_pad_nd(T(info, 0), IL(info, 1), isMissing(info, 2) ? at::Scalar(0) : S(info, 2))); }
