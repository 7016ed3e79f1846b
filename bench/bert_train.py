# bench/bert_train.py — plain PyTorch reference for bench/bert-trainer.ts: a BERT sequence
# classifier written out in torch.nn with the same architecture and FLOPs as transformers'
# eager BertForSequenceClassification (post-LN, GELU-erf, pooler tanh), trained with AdamW +
# linear schedule + clip 1.0 on random ids.  Prints JSON {samples_per_s}.
# transformers is not installed here (no PyPI), hence the hand-written model.
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

H, L, NH, FF, V, T, B = 256, 4, 4, 1024, 30522, 128, 16
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
torch.manual_seed(0)

class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(H, H); self.k = nn.Linear(H, H); self.v = nn.Linear(H, H)
        self.o = nn.Linear(H, H); self.ln1 = nn.LayerNorm(H, eps=1e-12)
        self.up = nn.Linear(H, FF); self.down = nn.Linear(FF, H); self.ln2 = nn.LayerNorm(H, eps=1e-12)
        self.drop = nn.Dropout(0.1)
    def forward(self, x, mask):                      # x (B, T, H), mask (B, 1, 1, T) additive
        b, t, _ = x.shape
        sh = lambda y: y.view(b, t, NH, H // NH).transpose(1, 2)
        s = sh(self.q(x)) @ sh(self.k(x)).transpose(-1, -2) / math.sqrt(H // NH) + mask
        a = (self.drop(s.softmax(-1)) @ sh(self.v(x))).transpose(1, 2).reshape(b, t, H)
        x = self.ln1(x + self.drop(self.o(a)))
        return self.ln2(x + self.drop(self.down(F.gelu(self.up(x)))))

class Bert(nn.Module):
    def __init__(self):
        super().__init__()
        self.word = nn.Embedding(V, H, padding_idx=0); self.pos = nn.Embedding(512, H); self.typ = nn.Embedding(2, H)
        self.ln = nn.LayerNorm(H, eps=1e-12); self.drop = nn.Dropout(0.1)
        self.layers = nn.ModuleList([Layer() for _ in range(L)])
        self.pool = nn.Linear(H, H); self.cls = nn.Linear(H, 2)
    def forward(self, ids, att, labels):
        x = self.drop(self.ln(self.word(ids) + self.pos(torch.arange(ids.shape[1]))[None] + self.typ(torch.zeros_like(ids))))
        mask = (1.0 - att[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for l in self.layers: x = l(x, mask)
        logits = self.cls(self.drop(torch.tanh(self.pool(x[:, 0]))))
        return F.cross_entropy(logits, labels)

model = Bert().train()
decay = [p for n, p in model.named_parameters() if not (n.endswith('bias') or '.ln' in n or n.startswith('ln'))]
rest = [p for n, p in model.named_parameters() if n.endswith('bias') or '.ln' in n or n.startswith('ln')]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': rest, 'weight_decay': 0.0}], lr=5e-5)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / (STEPS + 5)))
ids = torch.randint(1, V, (B, T)); att = torch.ones(B, T, dtype=torch.long); labels = torch.randint(0, 2, (B,))
def step():
    loss = model(ids, att, labels); loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step(); sched.step(); opt.zero_grad(set_to_none=True)
    return loss.item()
for _ in range(3): step()
t0 = time.perf_counter()
for _ in range(STEPS): step()
dt = time.perf_counter() - t0
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "steps": STEPS, "samples_per_s": STEPS * B / dt}))
