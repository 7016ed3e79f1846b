// optim.cc — optimizer kernels: the per-parameter loops of torch.optim (1.13 single-tensor
// code paths, op for op, so results match PyTorch bit for bit) run here instead of in JS.
#include <cmath>
#include "common.h"

static void sameLength(size_t a, size_t b, const char* what) {
  if (a != b) throw ArgError(std::string(what) + ": lists have different lengths");
}

// The single-tensor AdamW update of torch 1.13 (_single_tensor_adamw), op for op.
static void adamwLoop(std::vector<at::Tensor>& params, std::vector<at::Tensor>& m, std::vector<at::Tensor>& v, const std::vector<int64_t>& steps,
                      double lr, double beta1, double beta2, double eps, double wd, bool maximize) {
  compat::NoGradGuard ng;
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor& p = params[i];
    at::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (maximize) g = g.neg();
    const double step = static_cast<double>(steps[i]);
    p.mul_(1 - lr * wd);
    m[i].mul_(beta1).add_(g, 1 - beta1);
    v[i].mul_(beta2).addcmul_(g, g, 1 - beta2);
    const double bc1 = 1 - std::pow(beta1, step);
    const double bc2 = 1 - std::pow(beta2, step);
    const double stepSize = lr / bc1;
    const double bc2Sqrt = std::sqrt(bc2);
    at::Tensor denom = v[i].sqrt().div_(bc2Sqrt).add_(eps);
    p.addcdiv_(m[i], denom, -stepSize);
  }
}

// adamwStep(params[], expAvgs[], expAvgSqs[], steps[] (already incremented), lr, beta1, beta2,
//           eps, weightDecay, maximize).  Parameters without a gradient are skipped, as torch.
TK_OP(adamwStep) {
  auto params = TL(info, 0), m = TL(info, 1), v = TL(info, 2);
  std::vector<int64_t> steps = IL(info, 3);
  sameLength(params.size(), m.size(), "adamwStep");
  sameLength(params.size(), v.size(), "adamwStep");
  sameLength(params.size(), steps.size(), "adamwStep");
  const double lr = D(info, 4), beta1 = D(info, 5), beta2 = D(info, 6), eps = D(info, 7), wd = D(info, 8);
  const bool maximize = OB(info, 9, false);
  adamwLoop(params, m, v, steps, lr, beta1, beta2, eps, wd, maximize);
  UNDEF;
}

// adamwStepFused(params[], expAvgs[], expAvgSqs[], steps[] (already incremented), lr, beta1,
// beta2, eps, weightDecay, maximize) -> whether libtorch's fused kernel ran (torch.optim.AdamW
// with fused=True: one multi-tensor kernel over every parameter).  It runs when this libtorch has
// it for the parameters' device and they share one device and floating dtype; otherwise the
// single-tensor loop of adamwStep runs and false comes back.
TK_OP(adamwStepFused) {
  auto params = TL(info, 0), m = TL(info, 1), v = TL(info, 2);
  std::vector<int64_t> steps = IL(info, 3);
  sameLength(params.size(), m.size(), "adamwStepFused");
  sameLength(params.size(), v.size(), "adamwStepFused");
  sameLength(params.size(), steps.size(), "adamwStepFused");
  const double lr = D(info, 4), beta1 = D(info, 5), beta2 = D(info, 6), eps = D(info, 7), wd = D(info, 8);
  const bool maximize = OB(info, 9, false);
  compat::NoGradGuard ng;
  std::vector<at::Tensor> ps, gs, ms, vs;
  std::vector<float> st;
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor g = params[i].grad();
    if (!g.defined()) continue;
    ps.push_back(params[i]); gs.push_back(g); ms.push_back(m[i]); vs.push_back(v[i]);
    st.push_back(static_cast<float>(steps[i]));
  }
  if (ps.empty()) return Napi::Boolean::New(info.Env(), true);
  bool same = compat::hasFusedAdamW(ps[0].device()) && ps[0].is_floating_point();
  for (size_t i = 0; same && i < ps.size(); ++i)
    same = ps[i].device() == ps[0].device() && ps[i].scalar_type() == ps[0].scalar_type() && gs[i].scalar_type() == ps[0].scalar_type() &&
           ms[i].scalar_type() == ps[0].scalar_type() && vs[i].scalar_type() == ps[0].scalar_type() && !gs[i].is_sparse();
  if (!same) {
    adamwLoop(params, m, v, steps, lr, beta1, beta2, eps, wd, maximize);
    return Napi::Boolean::New(info.Env(), false);
  }
  // the step counts as 0-d float32 tensors on the parameters' device (torch keeps them there):
  // one host-to-device copy of all of them, then views
  at::Tensor all = at::tensor(st, at::TensorOptions().dtype(at::kFloat)).to(ps[0].device());
  std::vector<at::Tensor> stepTs = all.unbind(0);
  compat::fusedAdamW(ps, gs, ms, vs, stepTs, lr, beta1, beta2, wd, eps, maximize);
  return Napi::Boolean::New(info.Env(), true);
}

// sgdStep(params[], buffers[] (tensor or null), lr, momentum, dampening, weightDecay, nesterov,
//         maximize) -> buffers[]: momentum buffers created on the first step (null where none).
TK_OP(sgdStep) {
  auto params = TL(info, 0);
  if (info.Length() < 2 || !info[1].IsArray()) argFail(1, "an array", info.Length() > 1 ? info[1] : info.Env().Undefined());
  Napi::Array bufs = info[1].As<Napi::Array>();
  sameLength(params.size(), bufs.Length(), "sgdStep");
  const double lr = D(info, 2), momentum = D(info, 3), dampening = D(info, 4), wd = D(info, 5);
  const bool nesterov = OB(info, 6, false), maximize = OB(info, 7, false);
  compat::NoGradGuard ng;
  std::vector<at::Tensor> created(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor& p = params[i];
    at::Tensor d = p.grad();
    if (!d.defined()) continue;
    if (maximize) d = d.neg();
    if (wd != 0) d = d.add(p, wd);
    if (momentum != 0) {
      Napi::Value bv = bufs[static_cast<uint32_t>(i)];
      at::Tensor buf;
      if (bv.IsNull() || bv.IsUndefined()) {
        buf = d.clone().detach();
        created[i] = buf;
      } else {
        at::Tensor* t = bv.IsNumber() ? lookup(bv.As<Napi::Number>().DoubleValue()) : nullptr;
        if (!t) throw ArgError("sgdStep: buffer " + std::to_string(i) + " is not a live tensor");
        buf = *t;
        buf.mul_(momentum).add_(d, 1 - dampening);
      }
      d = nesterov ? d.add(buf, momentum) : buf;
    }
    p.add_(d, -lr);
  }
  return wrapList(info.Env(), created);
}

// The total norm of clip_grad_norm_ (1.13), applied: per-grad norms, norm of the stack,
// coef = clamp(max / (total + 1e-6), max=1) in the grads' dtype.  Undefined without gradients.
static at::Tensor clipTotal(std::vector<at::Tensor>& params, double maxNorm, double normType) {
  compat::NoGradGuard ng;
  std::vector<at::Tensor> grads;
  for (auto& p : params) {
    at::Tensor g = p.grad();
    if (g.defined()) grads.push_back(g);
  }
  if (grads.empty()) return at::Tensor();
  at::Tensor total;
  if (std::isinf(normType)) {
    std::vector<at::Tensor> norms;
    for (auto& g : grads) norms.push_back(g.detach().abs().max());
    total = norms.size() == 1 ? norms[0] : at::stack(norms).max();
  } else {
    std::vector<at::Tensor> norms;
    for (auto& g : grads) norms.push_back(at::norm(g.detach(), normType));
    total = at::norm(at::stack(norms), normType);
  }
  at::Tensor coef = at::clamp(at::reciprocal(total.add(1e-6)).mul(maxNorm), c10::nullopt, 1.0);
  for (auto& g : grads) g.detach().mul_(coef.to(g.device()));
  return total;
}

// clipGradNorm(params[], maxNorm, normType) -> total norm (a number), computed and applied
// exactly as torch.nn.utils.clip_grad_norm_ (1.13).
TK_OP(clipGradNorm) {
  auto params = TL(info, 0);
  const double maxNorm = D(info, 1);
  const double normType = isMissing(info, 2) ? 2.0 : D(info, 2);
  at::Tensor total = clipTotal(params, maxNorm, normType);
  return Napi::Number::New(info.Env(), total.defined() ? total.item<double>() : 0.0);
}

// clipGradNormTensor(params[], maxNorm, normType) -> the total norm as a 0-d tensor on the
// gradients' device (null without gradients): the same clip without reading the norm back,
// so a CUDA training step does not wait for the GPU here.
TK_OP(clipGradNormTensor) {
  auto params = TL(info, 0);
  const double maxNorm = D(info, 1);
  const double normType = isMissing(info, 2) ? 2.0 : D(info, 2);
  return wrap(info.Env(), clipTotal(params, maxNorm, normType));
}

// ampUnscale(params[], invScale) -> found_inf (a boolean): GradScaler.unscale_ — every gradient
// is multiplied in place by invScale (a float32, as torch's reciprocal of the float32 scale taken
// in double), and found_inf says whether any gradient held inf/NaN before.  One device read at
// the end, as torch's step() reads found_inf; CUDA gradients use ATen's fused
// _amp_foreach_non_finite_check_and_unscale_, others the same check op by op.
TK_OP(ampUnscale) {
  auto params = TL(info, 0);
  const double inv = D(info, 1);
  if (!std::isfinite(inv)) throw ArgError("ampUnscale: the inverse scale must be finite, got " + std::to_string(inv));
  compat::NoGradGuard ng;
  std::vector<at::Tensor> grads;
  for (auto& p : params) {
    at::Tensor g = p.grad();
    if (g.defined()) grads.push_back(g.detach());
  }
  if (grads.empty()) return Napi::Boolean::New(info.Env(), false);
  bool allCuda = true;
  for (auto& g : grads) allCuda = allCuda && g.is_cuda() && g.device() == grads[0].device();
  bool found = false;
  if (allCuda) {
    at::Tensor foundInf = at::zeros({}, grads[0].options().dtype(at::kFloat));
    at::Tensor invScale = at::full({}, static_cast<float>(inv), grads[0].options().dtype(at::kFloat));
    at::_amp_foreach_non_finite_check_and_unscale_(grads, foundInf, invScale);
    found = foundInf.item<float>() != 0.0f;
  } else {
    std::vector<at::Tensor> bad;
    for (auto& g : grads) {
      bad.push_back(at::isfinite(g).logical_not().any());
      if (static_cast<float>(inv) != 1.0f) g.mul_(static_cast<float>(inv));
    }
    found = at::stack(bad).any().item<bool>();
  }
  return Napi::Boolean::New(info.Env(), found);
}

// gradNorm(params[], normType) -> total norm without clipping.
TK_OP(gradNorm) {
  auto params = TL(info, 0);
  const double normType = isMissing(info, 1) ? 2.0 : D(info, 1);
  compat::NoGradGuard ng;
  std::vector<at::Tensor> norms;
  for (auto& p : params) {
    at::Tensor g = p.grad();
    if (g.defined()) norms.push_back(at::norm(g.detach(), normType));
  }
  if (norms.empty()) return Napi::Number::New(info.Env(), 0.0);
  return Napi::Number::New(info.Env(), at::norm(at::stack(norms), normType).item<double>());
}

// zeroGrad(params[], setToNone)
TK_OP(zeroGrad) {
  auto params = TL(info, 0);
  bool none = OB(info, 1, true);
  for (auto& p : params) {
    if (!p.grad().defined()) continue;
    if (none) p.mutable_grad().reset();
    else p.mutable_grad().detach_().zero_();
  }
  UNDEF;
}
