// common.h — shorthands for the ops files.
#pragma once
#include "../args.h"
#include "../compat.h"
#include "../guard.h"
using namespace tk;
#define RET(x) return wrap(info.Env(), (x))
#define UNDEF return info.Env().Undefined()
// Reduction mode strings as torch.nn.functional takes them.
inline int64_t reductionArg(const Info& info, size_t i) {
  if (isMissing(info, i)) return at::Reduction::Mean;
  std::string r = STR(info, i);
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  if (r == "none") return at::Reduction::None;
  throw ArgError("reduction must be 'mean', 'sum' or 'none', got '" + r + "'");
}
