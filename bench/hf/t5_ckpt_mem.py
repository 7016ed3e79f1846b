"""One T5 training step's memory and time in transformers, with and without gradient checkpointing — the
reference side of bench/t5-checkpointing.ts (same shape, same libtorch 2.13 on both sides).
    python bench/hf/t5_ckpt_mem.py <plain|checkpointed> <batch> <source len> <target len> <threads>
Prints one JSON line: growth_mib (peak RSS of the timed step above the RSS before it), ms, loss."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import torch  # noqa: E402
from transformers import T5Config, T5ForConditionalGeneration  # noqa: E402
from memstat import reset_peak, status_kb  # noqa: E402

mode, b, ts, tt, threads = sys.argv[1], *map(int, sys.argv[2:6])
torch.set_num_threads(threads)
torch.manual_seed(1)
cfg = T5Config(vocab_size=8000, d_model=512, d_kv=64, num_heads=8, d_ff=1024, num_layers=6, feed_forward_proj="gated-gelu",
               tie_word_embeddings=False, dropout_rate=0.1, decoder_start_token_id=0)
m = T5ForConditionalGeneration(cfg).train()
if mode == "checkpointed":
    m.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
g = torch.Generator().manual_seed(2)
src, lab = torch.randint(2, 8000, (b, ts), generator=g), torch.randint(2, 8000, (b, tt), generator=g)


def step():
    torch.manual_seed(3)
    loss = m(input_ids=src, labels=lab).loss
    loss.backward()
    m.zero_grad(set_to_none=True)
    return loss.item()


step()
setup = status_kb("VmRSS")
reset_peak()
t0 = time.perf_counter()
loss = step()
print(json.dumps({"mode": mode, "growth_mib": (status_kb("VmHWM") - setup) / 1024, "ms": (time.perf_counter() - t0) * 1000, "loss": loss}))
