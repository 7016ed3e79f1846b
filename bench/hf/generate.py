"""transformers' generate() timing, the reference of bench/generate.ts: greedy decoding of a batch of
random prompts with the KV cache, no early stop (min_new_tokens = max_new_tokens).

    python bench/hf/generate.py <model dir> <batch> <prompt tokens> <new tokens> <repeats> <threads>

Prints one JSON line: {"tokens_per_s": median new tokens per second over the batch, "runs": [...]}.
"""
import json
import sys
import time

import torch
from transformers import AutoModelForCausalLM

model_dir, batch, prompt, new, repeats, threads = sys.argv[1], *map(int, sys.argv[2:7])
torch.set_num_threads(threads)
model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
vocab = model.config.vocab_size
g = torch.Generator().manual_seed(0)
ids = torch.randint(3, vocab, (batch, prompt), generator=g)
mask = torch.ones_like(ids)
kw = dict(max_new_tokens=new, min_new_tokens=new, do_sample=False, pad_token_id=0, use_cache=True)
with torch.inference_mode():
    model.generate(ids, attention_mask=mask, **{**kw, "max_new_tokens": 2, "min_new_tokens": 2})  # warm-up
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = model.generate(ids, attention_mask=mask, **kw)
        dt = time.perf_counter() - t0
        assert out.shape == (batch, prompt + new), out.shape
        runs.append(batch * new / dt)
runs.sort()
print(json.dumps({"tokens_per_s": runs[len(runs) // 2], "runs": runs, "torch": torch.__version__, "attn": model.config._attn_implementation}))
