// nn.cc — torch.nn.functional: embedding, norms, dropout, softmax, losses, attention.
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <cmath>
#include "common.h"

// embedding(weight (V, D), ids (...), paddingIdx?) -> (..., D).  Out-of-range ids raise.
TK_OP(embedding) { RET(at::embedding(T(info, 0), T(info, 1), isMissing(info, 2) ? -1 : I(info, 2))); }
// layerNorm(x, normalizedShape, weight?, bias?, eps)
TK_OP(layerNorm) { RET(at::layer_norm(T(info, 0), IL(info, 1), OT(info, 2), OT(info, 3), isMissing(info, 4) ? 1e-5 : D(info, 4))); }
// rmsNorm(x, weight?, eps): HF LlamaRMSNorm — statistics in float32, result cast back to x's
// dtype before the weight multiply: w * (x * rsqrt(mean(x^2, -1) + eps)).to(dtype).
namespace {
// The same w * (x * rsqrt(mean(x^2, -1) + eps)) with the four elementwise kernels after the mean
// (add, rsqrt, mul, mul) as one loop, for float32 CPU tensors outside autograd (generate()'s decode
// steps, evaluation): each kernel costs ~5 us of dispatch and a temporary on a decode step's (8, 256)
// rows. The mean is libtorch's own (pow, mean), and the loop does the composite's float operations in
// its order (var + eps, 1 / sqrt, x * r, w * h), so the result is bit for bit the autograd path's —
// a forward under noGrad equals the same forward with gradients (peft's and checkpointing's checks).
bool rmsNormFast(const at::Tensor& x, const c10::optional<at::Tensor>& w, double eps, at::Tensor& out) {
  if (!x.device().is_cpu() || x.scalar_type() != at::kFloat || !x.is_contiguous() || x.dim() < 1 || x.numel() == 0) return false;
  const int64_t d = x.size(-1);
  const bool hasW = w.has_value() && w->defined();
  if (hasW && (!w->device().is_cpu() || w->scalar_type() != at::kFloat || !w->is_contiguous() || w->dim() != 1 || w->size(0) != d)) return false;
  if (c10::GradMode::is_enabled() && (x.requires_grad() || (hasW && w->requires_grad()))) return false;
  const at::Tensor var = x.pow(2).mean(-1, /*keepdim=*/true).contiguous();  // (..., 1), as the composite
  out = at::empty_like(x, at::MemoryFormat::Contiguous);
  const float* px = x.data_ptr<float>();
  const float* pv = var.data_ptr<float>();
  const float* pw = hasW ? w->data_ptr<float>() : nullptr;
  float* po = out.data_ptr<float>();
  const int64_t rows = x.numel() / d;
  const float feps = static_cast<float>(eps);  // add(Scalar) on a float tensor adds the float scalar
  at::parallel_for(0, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(d, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = px + r * d;
      float* orow = po + r * d;
      const float inv = 1.0f / std::sqrt(pv[r] + feps);
      if (pw) for (int64_t i = 0; i < d; i++) orow[i] = pw[i] * (xr[i] * inv);
      else for (int64_t i = 0; i < d; i++) orow[i] = xr[i] * inv;
    }
  });
  return true;
}
}  // namespace

TK_OP(rmsNorm) {
  at::Tensor& x = T(info, 0);
  auto w = OT(info, 1);
  double eps = isMissing(info, 2) ? 1e-6 : D(info, 2);
  at::Tensor fast;
  if (rmsNormFast(x, w, eps, fast)) RET(fast);
  at::Tensor h = x.to(at::kFloat);
  at::Tensor var = h.pow(2).mean(-1, /*keepdim=*/true);  // (..., 1)
  h = h.mul(at::rsqrt(var.add(eps))).to(x.scalar_type());
  RET(w ? w->mul(h) : h);
}
TK_OP(dropout) { RET(at::dropout(T(info, 0), D(info, 1), B(info, 2))); }
TK_OP(softmax) { RET(at::softmax(T(info, 0), I(info, 1), ODT(info, 2))); }
TK_OP(logSoftmax) { RET(at::log_softmax(T(info, 0), I(info, 1), ODT(info, 2))); }
// crossEntropy(input (N, C[, d...]), target (N[, d...]) int64 or probabilities, weight?,
//              reduction, ignoreIndex, labelSmoothing)
TK_OP(crossEntropy) {
  RET(at::cross_entropy_loss(T(info, 0), T(info, 1), OT(info, 2), reductionArg(info, 3),
                             isMissing(info, 4) ? -100 : I(info, 4), isMissing(info, 5) ? 0.0 : D(info, 5)));
}
namespace {
// Cross-entropy of a causal LM's (N, V) logits whose gradient is made in the forward pass, row by
// row while the row is in cache: PyTorch's log_softmax + nll_loss forward, then nll_loss_backward
// (an (N, V) zeros + scatter) and log_softmax_backward each stream the whole (N, V) float32 tensor
// (262 MB for 2048 tokens x 32000), four to five times.  Here: one read of the logits and one write
// of dloss/dlogits = softmax - onehot(target) per row (0 for ignored rows), saved for backward,
// which scales it in place by the incoming gradient and hands it on: no further (N, V) buffer.
// The row losses come from PyTorch's own log_softmax kernel (the same bits); the gradient is
// exp(log_softmax) - onehot, log_softmax_backward's formula, scaled once instead of per entry.
// Backward can run once (retain_graph raises PyTorch's in-place version error), which is what a
// training step does.
struct FusedCrossEntropy : public torch::autograd::Function<FusedCrossEntropy> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& target, int64_t ignore) {
    at::Tensor x = logits.contiguous();           // (N, V) float32 / float64
    at::Tensor t = target.contiguous();           // (N) int64
    const int64_t n = x.size(0), v = x.size(1);
    const int64_t* tp = t.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; i++)
      if (tp[i] != ignore && (tp[i] < 0 || tp[i] >= v))
        throw ArgError("fusedCrossEntropy: target " + std::to_string(tp[i]) + " of row " + std::to_string(i) +
                       " is out of bounds (" + std::to_string(v) + " classes, ignore_index " + std::to_string(ignore) + ")");
    at::Tensor grad = at::empty_like(x);          // (N, V)
    at::Tensor rowLoss = at::zeros({n}, x.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fusedCrossEntropy", [&] {
      scalar_t* gp = grad.data_ptr<scalar_t>();
      scalar_t* lp = rowLoss.data_ptr<scalar_t>();
      // blocks of rows: each ATen op below runs single-threaded inside parallel_for and on a block
      // that stays in L2 (8 rows x 32000 x 4 B = 1 MB)
      const int64_t rows = std::max<int64_t>(1, (int64_t(1) << 18) / std::max<int64_t>(v, 1));
      at::parallel_for(0, n, rows, [&](int64_t b, int64_t e) {
        for (int64_t r0 = b; r0 < e; r0 += rows) {
          const int64_t r = std::min(rows, e - r0);
          at::Tensor xb = x.narrow(0, r0, r), gb = grad.narrow(0, r0, r);
          at::_log_softmax_out(gb, xb, 1, false);                     // PyTorch's own kernel: out = (x - m) - log(sum exp(x - m))
          for (int64_t k = 0; k < r; k++) {
            const int64_t i = r0 + k, y = tp[i];
            if (y != ignore) lp[i] = -gp[i * v + y];                  // nll of log_softmax: PyTorch's loss bit for bit
          }
          gb.exp_();                                                  // softmax = exp(log_softmax), as log_softmax_backward
          for (int64_t k = 0; k < r; k++) {
            const int64_t i = r0 + k, y = tp[i];
            if (y == ignore) {
              std::fill(gp + i * v, gp + (i + 1) * v, scalar_t(0));
              continue;
            }
            gp[i * v + y] -= scalar_t(1);
          }
        }
      });
    });
    ctx->save_for_backward({grad});
    return rowLoss.sum();                         // 0-d: the sum over the counted rows
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list go) {
    at::Tensor grad = ctx->get_saved_variables()[0];
    if (go[0].defined()) grad.mul_(go[0]);        // go[0]: 0-d, e.g. 1 / num_items_in_batch
    return {grad, at::Tensor(), at::Tensor()};
  }
};
}  // namespace

// fusedCrossEntropy(logits (N, V) float, target (N) int64, ignoreIndex) -> 0-d sum over the rows
// whose target is not ignoreIndex of -log_softmax(logits)[target]: cross_entropy(reduction='sum')
// with the gradient made in the forward pass (see FusedCrossEntropy).  CPU; 2-D only.
TK_OP(fusedCrossEntropy) {
  at::Tensor& x = T(info, 0);
  at::Tensor& t = T(info, 1);
  int64_t ignore = isMissing(info, 2) ? -100 : I(info, 2);
  if (x.dim() != 2 || t.dim() != 1 || t.size(0) != x.size(0) || x.size(1) == 0)
    throw ArgError("fusedCrossEntropy: logits must be (N, V) with V > 0 and target (N)");
  if (t.scalar_type() != at::kLong) throw ArgError("fusedCrossEntropy: target must be int64");
  if (!x.is_floating_point() || x.scalar_type() == at::kHalf || x.scalar_type() == at::kBFloat16)
    throw ArgError("fusedCrossEntropy: logits must be float32 or float64");
  if (!x.device().is_cpu() || !t.device().is_cpu()) throw ArgError("fusedCrossEntropy: CPU tensors only");
  RET(FusedCrossEntropy::apply(x, t, ignore));
}
TK_OP(nllLoss) { RET(at::nll_loss_nd(T(info, 0), T(info, 1), OT(info, 2), reductionArg(info, 3), isMissing(info, 4) ? -100 : I(info, 4))); }
TK_OP(mseLoss) { RET(at::mse_loss(T(info, 0), T(info, 1), reductionArg(info, 2))); }
TK_OP(l1Loss) { RET(at::l1_loss(T(info, 0), T(info, 1), reductionArg(info, 2))); }
TK_OP(bceWithLogits) {
  RET(at::binary_cross_entropy_with_logits(T(info, 0), T(info, 1), OT(info, 2), OT(info, 3), reductionArg(info, 4)));
}
TK_OP(oneHot) { RET(at::one_hot(T(info, 0), isMissing(info, 1) ? -1 : I(info, 1))); }
// sdpa(q, k, v, mask?, dropoutP, isCausal, scale?, train, eager?) — see compat::sdpa for shapes;
// eager: the explicit matmul/softmax/matmul (HF's eager attention) instead of a fused kernel.
TK_OP(sdpa) {
  RET(compat::sdpa(T(info, 0), T(info, 1), T(info, 2), OT(info, 3), isMissing(info, 4) ? 0.0 : D(info, 4),
                   OB(info, 5, false), OD(info, 6), OB(info, 7, true), OB(info, 8, false)));
}
