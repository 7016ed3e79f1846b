// lce.cc — the causal-LM loss without its logits: lm_head projection and cross-entropy fused and
// chunked over tokens (TRL's loss_type="chunked_nll", Liger's fused linear cross-entropy).  A
// causal LM's logits are (N, V) — 8 x 1024 tokens x 151,936 vocab in float32 is 5 GB, plus as much
// again for their gradient — while the loss needs one number per token.  Here the tokens whose
// label is ignore_index are dropped before the matmul (prompt and padding cost nothing), and the
// rest go through in blocks of `chunk` rows: logits of the block, its log-sum-exp and loss, and at
// once its gradient softmax - onehot, which is turned into the block's dhidden (rows, H) and added
// into dweight (V, H).  No (N, V) tensor ever exists; backward only scales the saved dhidden /
// dweight / dbias by the incoming gradient.  The matmul work equals forward + backward of the
// plain path (one projection, two gradient products).
#include <torch/csrc/autograd/custom_function.h>
#include "common.h"

namespace {
// One block of rows: logits (r, V) already in `z` (the accumulation dtype); tc (r, 1) the targets.
// Makes the block's loss sum; with `stats`, TRL's num_correct_tokens and entropy_sum; with `grad`,
// softmax - onehot in `e`.  Two (r, V) buffers, reused block after block: fresh (r, V) temporaries
// (what logsumexp / log_softmax / exp allocate) are fresh pages from mmap each time, and at a
// 151k vocabulary their page faults cost more than the matmuls.
struct BlockSums { at::Tensor loss, correct, entropy; };
BlockSums lossBlock(at::Tensor& z, at::Tensor& e, const at::Tensor& tc, bool stats, bool grad) {
  BlockSums out;
  at::Tensor lt = z.gather(1, tc);                                     // (r, 1) logit of the target
  if (stats) out.correct = z.argmax(1, /*keepdim=*/true).eq(tc).sum();  // TRL: logits.argmax(-1) == label
  at::Tensor m = z.amax(1, /*keepdim=*/true);                          // (r, 1)
  z.sub_(m);                                                           // z = logits - max
  at::exp_out(e, z);                                                   // e = exp(z)
  at::Tensor s = e.sum(1, /*keepdim=*/true);                           // (r, 1)
  at::Tensor logS = s.log();
  out.loss = m.add(logS).sub_(lt).sum();                               // lse - logit[target]
  if (stats) {
    // entropy = -sum p log p = log s - sum(e z) / s  (p = e / s, log p = z - log s)
    at::Tensor ez = z.mul_(e).sum(1, /*keepdim=*/true);                // z is spent here
    out.entropy = logS.sub(ez.div_(s)).sum();
  }
  if (grad) {
    e.div_(s);                                                         // softmax
    e.scatter_add_(1, tc, at::full({e.size(0), 1}, -1.0, e.options())); // - onehot(target)
  }
  return out;
}

struct LinearCrossEntropy : public torch::autograd::Function<LinearCrossEntropy> {
  // hidden (N, H), weight (V, H), bias (V) or undefined, target (N) int64 -> 0-d float32 sum of
  // -log_softmax(hidden @ weight^T + bias)[target] over the rows whose target != ignore.
  // (bias is an empty (0) tensor when the head has none: autograd's apply cannot take an undefined one)
  // statsOrEmpty: a (2) tensor of the accumulation dtype that receives [num_correct_tokens,
  // entropy_sum] over the counted rows (TRL's chunked pass logs both), or empty.
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, at::Tensor hidden, at::Tensor weight, at::Tensor biasOrEmpty,
                            at::Tensor target, int64_t ignore, int64_t chunk, at::Tensor statsOrEmpty) {
    at::Tensor bias = biasOrEmpty.numel() > 0 ? biasOrEmpty : at::Tensor();
    const bool needH = hidden.requires_grad(), needW = weight.requires_grad(), needB = bias.defined() && bias.requires_grad();
    const bool grad = needH || needW || needB, stats = statsOrEmpty.numel() > 0;
    const int64_t v = weight.size(0);
    at::Tensor rows = target.ne(ignore).nonzero().squeeze(1);  // (Nv): the counted rows
    at::Tensor bad = target.index_select(0, rows);
    if (bad.numel() > 0) {
      const int64_t lo = bad.min().item<int64_t>(), hi = bad.max().item<int64_t>();
      if (lo < 0 || hi >= v)
        throw ArgError("linearCrossEntropy: target " + std::to_string(lo < 0 ? lo : hi) + " is out of bounds (" + std::to_string(v) +
                       " classes, ignore_index " + std::to_string(ignore) + ")");
    }
    const int64_t nv = rows.size(0);
    // accumulate in float32 (float64 for float64 inputs), whatever the inputs' dtype, as HF's .float()
    const at::ScalarType acc = hidden.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
    auto f32 = hidden.options().dtype(acc);
    at::Tensor gradH = needH ? at::zeros(hidden.sizes(), f32) : at::Tensor();   // (N, H)
    at::Tensor gradW = needW ? at::zeros(weight.sizes(), f32) : at::Tensor();   // (V, H)
    at::Tensor gradB = needB ? at::zeros(bias.sizes(), f32) : at::Tensor();     // (V)
    at::Tensor loss = at::zeros({}, f32), correct = at::zeros({}, f32), entropy = at::zeros({}, f32);
    at::Tensor wt = weight.t();                                                  // (H, V), a view
    const bool direct = weight.scalar_type() == acc;                             // the matmul can write the buffer itself
    const int64_t rmax = std::min(chunk, nv);
    at::Tensor zBuf = at::empty({rmax, v}, f32), eBuf = at::empty({rmax, v}, f32);  // (rmax, V) each, reused per block
    for (int64_t r0 = 0; r0 < nv; r0 += chunk) {
      const int64_t r = std::min(chunk, nv - r0);
      at::Tensor idx = rows.narrow(0, r0, r);                                    // (r)
      at::Tensor hc = hidden.index_select(0, idx);                               // (r, H)
      at::Tensor tc = target.index_select(0, idx).unsqueeze(1);                  // (r, 1)
      at::Tensor z = zBuf.narrow(0, 0, r), e = eBuf.narrow(0, 0, r);             // (r, V), contiguous
      if (direct) {
        if (bias.defined()) at::addmm_out(z, bias, hc, wt); else at::mm_out(z, hc, wt);
      } else {
        // bf16 / fp16 weights: the projection in their dtype, the loss in float32, as HF's .float()
        z.copy_(bias.defined() ? at::addmm(bias, hc, wt) : at::mm(hc, wt));
      }
      BlockSums b = lossBlock(z, e, tc, stats, grad);
      loss.add_(b.loss);
      if (stats) { correct.add_(b.correct); entropy.add_(b.entropy); }
      if (!grad) continue;
      at::Tensor gm = direct ? e : e.to(hidden.scalar_type());                  // (r, V)
      if (needH) gradH.index_copy_(0, idx, at::mm(gm, weight).to(acc));   // (r, H) = (r, V) @ (V, H)
      if (needW) gradW.addmm_(gm.t().to(acc), hc.to(acc));         // (V, H) += (V, r) @ (r, H)
      if (needB) gradB.add_(e.sum(0));
    }
    if (stats) statsOrEmpty.copy_(at::stack({correct, entropy}));
    ctx->save_for_backward({gradH, gradW, gradB});
    ctx->saved_data["dtype"] = static_cast<int64_t>(hidden.scalar_type());
    return loss;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list go) {
    auto saved = ctx->get_saved_variables();
    at::Tensor gh = saved[0], gw = saved[1], gb = saved[2];
    const auto dtype = static_cast<at::ScalarType>(ctx->saved_data["dtype"].toInt());
    auto scale = [&](at::Tensor& g) {
      if (!g.defined()) return;
      if (go[0].defined()) g.mul_(go[0]);  // go[0]: 0-d, e.g. 1 / num_items_in_batch
      g = g.to(dtype);                     // accumulated in float32, handed back in the inputs' dtype
    };
    scale(gh);
    scale(gw);
    scale(gb);
    return {gh, gw, gb, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};
}  // namespace

// linearCrossEntropy(hidden (N, H), weight (V, H), bias (V)?, target (N) int64, ignoreIndex, chunkRows, stats (2)?)
// -> 0-d float32 (float64 for float64 inputs): cross_entropy(hidden @ weight^T + bias, target, reduction='sum') over the rows
// whose target is not ignoreIndex, its gradients made block by block in the forward pass; stats, when
// given, receives [num_correct_tokens, entropy_sum] over those rows.
TK_OP(linearCrossEntropy) {
  at::Tensor& h = T(info, 0);
  at::Tensor& w = T(info, 1);
  auto b = OT(info, 2);
  at::Tensor& t = T(info, 3);
  const int64_t ignore = isMissing(info, 4) ? -100 : I(info, 4);
  const int64_t chunk = isMissing(info, 5) ? 1024 : I(info, 5);
  if (h.dim() != 2 || w.dim() != 2 || h.size(1) != w.size(1) || w.size(0) == 0)
    throw ArgError("linearCrossEntropy: hidden must be (N, H) and weight (V, H) with the same H and V > 0");
  if (t.dim() != 1 || t.size(0) != h.size(0) || t.scalar_type() != at::kLong) throw ArgError("linearCrossEntropy: target must be int64 (N)");
  if (b && (b->dim() != 1 || b->size(0) != w.size(0))) throw ArgError("linearCrossEntropy: bias must be (V)");
  if (!h.is_floating_point() || h.scalar_type() != w.scalar_type()) throw ArgError("linearCrossEntropy: hidden and weight must share one floating dtype");
  if (h.device() != w.device() || t.device() != h.device() || (b && b->device() != h.device()))
    throw ArgError("linearCrossEntropy: hidden, weight, bias and target must be on one device");
  if (chunk < 1) throw ArgError("linearCrossEntropy: chunkRows must be >= 1, got " + std::to_string(chunk));
  auto st = OT(info, 6);
  const at::ScalarType acc = h.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  if (st && (st->dim() != 1 || st->size(0) != 2 || st->scalar_type() != acc || st->device() != h.device() || st->requires_grad()))
    throw ArgError("linearCrossEntropy: stats must be a (2) tensor of the accumulation dtype on hidden's device, without grad");
  RET(LinearCrossEntropy::apply(h, w, b ? *b : at::empty({0}, h.options()), t, ignore, chunk, st ? *st : at::empty({0}, h.options().dtype(acc))));
}
