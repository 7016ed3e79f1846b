"""decode_micro.py — microbenchmarks behind the T5 decode-step changes of docs/benchmarks.md 2026-12-06 (e),
in PyTorch on the same libtorch as tunekit's torch-2 build (1 thread; medians of interleaved repeats):

  cross    4 cross-attention SDPA calls of a batch-8 step (q (8, 4, 1, 64), k/v (8, 4, 128, 64)) followed
           by the LM head's product, with k/v as the projection leaves them ((B, Ts, H, D) transposed:
           HF's and tunekit's layout before) or contiguous (tunekit's cache now);
  head     the (32128, 256) head for R rows: F.linear (x W^T), (W x^T) (head.ts for <= 8 rows) and
           x @ W^T with W^T already contiguous (decodeHeadWeight, for > 8 rows);
  topk     beam search's topk(8) over (8, 4 x 32128) scores, and max for scale.

/tmp/venv-hf/bin/python bench/hf/decode_micro.py [cross|head|topk ...]
"""
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
which = sys.argv[1:] or ["cross", "head", "topk"]


def med(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] * 1e3


def interleaved(fns, rounds=30, reps=5):
    res = {k: [] for k in fns}
    for _ in range(rounds):
        for k, f in fns.items():
            f()
            for _ in range(reps):
                t = time.perf_counter()
                f()
                res[k].append(time.perf_counter() - t)
    return {k: med(v) for k, v in res.items()}


if "cross" in which:
    B, H, S, D, L = 8, 4, 128, 64, 4
    head, x8 = torch.randn(32128, 256), torch.randn(8, 256)
    q = [torch.randn(B, H, 1, D) for _ in range(L)]
    kt = [torch.randn(B, S, H, D).transpose(1, 2) for _ in range(L)]
    vt = [torch.randn(B, S, H, D).transpose(1, 2) for _ in range(L)]
    kc, vc = [k.contiguous() for k in kt], [v.contiguous() for v in vt]
    m = torch.zeros(B, 1, 1, S)
    m[:, :, :, 100:] = torch.finfo(torch.float32).min

    def step(K, V):
        for l in range(L):
            F.scaled_dot_product_attention(q[l], K[l], V[l], attn_mask=m, scale=1.0)
        head @ x8.t()

    r = interleaved({"k/v transposed": lambda: step(kt, vt), "k/v contiguous": lambda: step(kc, vc), "head only": lambda: head @ x8.t()})
    print("cross: 4 cross-attention calls + head, ms:", {k: round(v, 3) for k, v in r.items()})
    print(f"cross: attention alone {r['k/v transposed'] - r['head only']:.2f} -> {r['k/v contiguous'] - r['head only']:.2f} ms")

if "head" in which:
    head = torch.randn(32128, 256)
    headT = head.t().contiguous()
    for R in (8, 16, 32, 64):
        x = torch.randn(R, 256)
        r = interleaved({"linear": lambda: F.linear(x, head), "W x^T": lambda: head @ x.t(), "x W^T (pre-transposed)": lambda: x @ headT}, rounds=15, reps=4)
        print(f"head {R} rows, ms:", {k: round(v, 2) for k, v in r.items()})

if "topk" in which:
    s = torch.randn(8, 4 * 32128)
    r = interleaved({"topk 8": lambda: s.topk(8, 1, True, True), "max": lambda: s.max(1)}, rounds=10, reps=5)
    print("topk over (8, 128512), ms:", {k: round(v, 3) for k, v in r.items()})
