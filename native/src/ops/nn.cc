// nn.cc — torch.nn.functional: embedding, norms, dropout, softmax, losses, attention.
#include "common.h"

// embedding(weight (V, D), ids (...), paddingIdx?) -> (..., D).  Out-of-range ids raise.
TK_OP(embedding) { RET(at::embedding(T(info, 0), T(info, 1), isMissing(info, 2) ? -1 : I(info, 2))); }
// layerNorm(x, normalizedShape, weight?, bias?, eps)
TK_OP(layerNorm) { RET(at::layer_norm(T(info, 0), IL(info, 1), OT(info, 2), OT(info, 3), isMissing(info, 4) ? 1e-5 : D(info, 4))); }
// rmsNorm(x, weight?, eps): HF LlamaRMSNorm — statistics in float32, result cast back to x's
// dtype before the weight multiply: w * (x * rsqrt(mean(x^2, -1) + eps)).to(dtype).
TK_OP(rmsNorm) {
  at::Tensor& x = T(info, 0);
  auto w = OT(info, 1);
  double eps = isMissing(info, 2) ? 1e-6 : D(info, 2);
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
