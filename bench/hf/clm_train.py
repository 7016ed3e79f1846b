"""transformers' Trainer on a causal LM: the reference side of bench/clm-trainer.ts. A random Llama
(transformers' init, saved to <dir> the first time so tunekit trains the same weights), batch B of T
random tokens (labels = input_ids), AdamW + linear schedule + clip 1.0, gradient accumulation 1.

    python bench/hf/clm_train.py <dir> <steps> <warmup> <batch> <seq> <threads>

Prints one JSON line: {"samples_per_s": ..., "torch": ..., "transformers": ...}.
"""
import json
import sys
import tempfile
import time
from pathlib import Path

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainerCallback, TrainingArguments

d, steps, warmup, B, T, threads = sys.argv[1], *map(int, sys.argv[2:7])
torch.set_num_threads(threads)
if not (Path(d) / "model.safetensors").exists():
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=4096, hidden_size=256, intermediate_size=688, num_hidden_layers=4, num_attention_heads=8,
                      num_key_value_heads=4, max_position_embeddings=512, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    LlamaForCausalLM(cfg).save_pretrained(d)
model = LlamaForCausalLM.from_pretrained(d, torch_dtype=torch.float32)
g = torch.Generator().manual_seed(0)
ids = torch.randint(3, model.config.vocab_size, (T,), generator=g).tolist()
rows = [{"input_ids": ids, "attention_mask": [1] * T, "labels": ids} for _ in range(B * (steps + warmup))]


class Timer(TrainerCallback):
    t0 = None

    def on_step_end(self, args, state, control, **kw):
        if state.global_step == warmup:
            Timer.t0 = time.perf_counter()


with tempfile.TemporaryDirectory() as out:
    args = TrainingArguments(output_dir=out, per_device_train_batch_size=B, max_steps=steps + warmup, learning_rate=5e-4,
                             weight_decay=0.01, logging_steps=1000, save_strategy="no", report_to=[], disable_tqdm=True,
                             use_cpu=True, dataloader_num_workers=0, seed=0)
    trainer = Trainer(model=model, args=args, train_dataset=rows, callbacks=[Timer()])
    trainer.train()
    dt = time.perf_counter() - Timer.t0
print(json.dumps({"samples_per_s": steps * B / dt, "torch": torch.__version__, "transformers": transformers.__version__,
                  "attn": model.config._attn_implementation}))
