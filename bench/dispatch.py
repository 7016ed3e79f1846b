# bench/dispatch.py — per-op dispatch cost of small ops from Python torch (the reference for
# bench/dispatch.ts).  Prints JSON {op: ns_per_op} (median of repeats).
import json, sys, time
import torch

torch.set_num_threads(1)
torch.manual_seed(0)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
REPEATS = 5
a = torch.randn(8, 8); b = torch.randn(8, 8); v = torch.randn(8)
ops = {
    "add(t,t)": lambda: torch.add(a, b),
    "mul(t,2.5)": lambda: a.mul(2.5),
    "relu": lambda: a.relu(),
    "sum": lambda: a.sum(),
    "matmul 8x8": lambda: a.matmul(b),
    "view": lambda: a.view(64),
    "softmax(-1)": lambda: a.softmax(-1),
    "add_ (in-place)": lambda: v.add_(1.0),
}
out = {}
for name, fn in ops.items():
    for _ in range(2000): fn()
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter_ns()
        for _ in range(N): fn()
        times.append((time.perf_counter_ns() - t0) / N)
    out[name] = sorted(times)[REPEATS // 2]
print(json.dumps({"torch": torch.__version__, "n": N, "ns_per_op": out}))
