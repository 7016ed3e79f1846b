"""PyTorch's side of bench/distributed.ts: a BERT classifier (hidden 256, 4 layers, 4 heads, FFN 1024,
seq 128) trained with AdamW, under torch.nn.parallel.DistributedDataParallel (Gloo) when launched by
torchrun with WORLD_SIZE > 1, plainly otherwise.  Global batch 16: 16 / world_size rows per rank.
Prints one JSON line from rank 0: median step time, samples/s, and the median time of one all-reduce
of a flat float32 tensor as large as all gradients (what DDP moves per step).
  python bench/hf/ddp_train.py STEPS WARMUP THREADS
"""
import json, os, statistics, sys, time
import torch
import torch.distributed as dist
from transformers import BertConfig, BertForSequenceClassification

steps, warmup, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
ws = int(os.environ.get("WORLD_SIZE", "1"))
rank = int(os.environ.get("RANK", "0"))
if ws > 1:
    dist.init_process_group("gloo")
torch.manual_seed(0)
cfg = BertConfig(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024, num_labels=2, attn_implementation="sdpa")
model = BertForSequenceClassification(cfg)
model.train()
net = torch.nn.parallel.DistributedDataParallel(model) if ws > 1 else model
opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
B, T = 16 // ws, 128
g = torch.Generator().manual_seed(rank)
ids = torch.randint(1, 30522, (B, T), generator=g)
labels = torch.randint(0, 2, (B,), generator=g)
mask = torch.ones(B, T, dtype=torch.long)
times = []
for i in range(warmup + steps):
    t = time.perf_counter()
    out = net(input_ids=ids, attention_mask=mask, labels=labels)
    out.loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    if i >= warmup:
        times.append(time.perf_counter() - t)
n = sum(p.numel() for p in model.parameters())
ar = []
if ws > 1:
    flat = torch.zeros(n)
    for i in range(12):
        dist.barrier()
        t = time.perf_counter()
        dist.all_reduce(flat)
        if i >= 2:
            ar.append(time.perf_counter() - t)
step = statistics.median(times)
if rank == 0:
    print(json.dumps({"side": "torch", "torch": torch.__version__, "world_size": ws, "threads": threads, "params": n,
                      "step_ms": step * 1000, "samples_per_s": 16 / step, "allreduce_ms": statistics.median(ar) * 1000 if ar else None}))
if ws > 1:
    dist.destroy_process_group()
