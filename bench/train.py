# bench/train.py — training throughput reference for bench/train.ts: the same models, data
# sizes and AdamW steps in a plain PyTorch loop.  Prints JSON {model: steps_per_s}.
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200

class MLP(nn.Module):
    # 4 Linear layers, 256 wide, GELU; batch 64 of 128 features -> 10 classes.
    def __init__(self):
        super().__init__()
        self.l0 = nn.Linear(128, 256); self.l1 = nn.Linear(256, 256)
        self.l2 = nn.Linear(256, 256); self.l3 = nn.Linear(256, 10)
    def forward(self, x):
        x = F.gelu(self.l0(x)); x = F.gelu(self.l1(x)); x = F.gelu(self.l2(x))
        return self.l3(x)

class Block(nn.Module):
    # Pre-LN transformer block: d 256, 4 heads, FFN 1024, causal; batch 8 x seq 64.
    def __init__(self, d=256, h=4):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(d); self.q = nn.Linear(d, d); self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d); self.o = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d); self.up = nn.Linear(d, 4 * d); self.down = nn.Linear(4 * d, d)
    def forward(self, x):
        B, T, D = x.shape
        hd = D // self.h
        y = self.ln1(x)
        q = self.q(y).view(B, T, self.h, hd).transpose(1, 2)  # (B, H, T, hd)
        k = self.k(y).view(B, T, self.h, hd).transpose(1, 2)
        v = self.v(y).view(B, T, self.h, hd).transpose(1, 2)
        s = q @ k.transpose(-2, -1) / math.sqrt(hd)            # (B, H, T, T)
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).tril().logical_not(), float('-inf'))
        a = s.softmax(-1) @ v                                   # (B, H, T, hd)
        x = x + self.o(a.transpose(1, 2).reshape(B, T, D))
        return x + self.down(F.gelu(self.up(self.ln2(x))))

def run(model, x, loss_fn):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    def step():
        out = model(x)
        loss = loss_fn(out)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); opt.zero_grad(set_to_none=True)
        return loss.item()
    for _ in range(10): step()
    t0 = time.perf_counter()
    for _ in range(STEPS): step()
    return STEPS / (time.perf_counter() - t0)

x = torch.randn(64, 128); y = torch.randint(0, 10, (64,))
mlp = run(MLP(), x, lambda out: F.cross_entropy(out, y))
xb = torch.randn(8, 64, 256)
blk = run(Block(), xb, lambda out: out.pow(2).mean())
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "steps": STEPS,
                  "steps_per_s": {"mlp4": mlp, "transformer_block": blk}}))
