"""transformers' Trainer + peft LoRA on a random Llama: the reference side of bench/lora-trainer.ts
(speed) and bench/lora-memory.ts (peak RSS). The setup is the `lora` mode of the shared harness
(harness/bench_train.py): LlamaConfig with untied embeddings, transformers' init after
torch.manual_seed(42), LoRA r=8, alpha=16, dropout 0.1 on q_proj,v_proj, synthetic rows of random
tokens (labels = input_ids, no padding), AdamW lr 2e-4, weight decay 0.01, linear schedule, clip
1.0, logging every step, default_data_collator. One change: the attention implementation is a flag
(the harness hard-codes eager; transformers' default, and what tunekit runs, is sdpa).

    python bench/hf/lora_train.py --dir <ckpt dir> [--write-only] [--mode lora|full]
        [--steps 20] [--warmup 3] [--batch 16] [--seq 128] [--threads 2] [--attn sdpa|eager]
        [--hidden 256] [--layers 4] [--heads 4] [--kv-heads 0] [--intermediate 0] [--vocab 32000]
        [--init-only] [--profile FILE]

With --dir, the base model is written there the first time (so tunekit loads the same weights) and
loaded from it; without, it is built in memory (the memory benchmark: no file loading in the peak).
Prints one JSON line: steps_per_s, losses, parameter counts, peak RSS (VmHWM, and VmRSS after setup,
with the high-water mark reset there when the kernel allows it), versions.
"""
import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from memstat import reset_peak, status_kb


def perf_ctl(cmd):
    """`perf record -D -1 --control fifo:$PERF_CTL_FIFO` profiles the timed steps only (enable / disable)."""
    fifo = os.environ.get("PERF_CTL_FIFO")
    if fifo:
        with open(fifo, "w") as f:
            f.write(cmd + "\n")



ap = argparse.ArgumentParser()
ap.add_argument("--dir", default="")
ap.add_argument("--write-only", action="store_true")
ap.add_argument("--mode", choices=["lora", "full"], default="lora")
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--warmup", type=int, default=3)
ap.add_argument("--batch", type=int, default=16)
ap.add_argument("--seq", type=int, default=128)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--attn", choices=["sdpa", "eager"], default="sdpa")
ap.add_argument("--hidden", type=int, default=256)
ap.add_argument("--layers", type=int, default=4)
ap.add_argument("--heads", type=int, default=4)
ap.add_argument("--kv-heads", type=int, default=0)
ap.add_argument("--intermediate", type=int, default=0)
ap.add_argument("--vocab", type=int, default=32000)
ap.add_argument("--lr", type=float, default=0.0, help="0 = 2e-4 (lora) / 5e-5 (full), as the harness")
ap.add_argument("--seed", type=int, default=42)
ap.add_argument("--init-only", action="store_true", help="measure RSS after setup and exit (no training)")
ap.add_argument("--profile", default="", help="write a torch.profiler per-op table of the timed steps here")
a = ap.parse_args()
rss_start = status_kb("VmRSS")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import (LlamaConfig, LlamaForCausalLM, PrinterCallback, Trainer, TrainerCallback,  # noqa: E402
                          TrainingArguments, default_data_collator)
from transformers import logging as hf_logging  # noqa: E402

hf_logging.set_verbosity_error()
torch.set_num_threads(a.threads)
lr = a.lr or (2e-4 if a.mode == "lora" else 5e-5)


def build():
    cfg = LlamaConfig(vocab_size=a.vocab, hidden_size=a.hidden, intermediate_size=a.intermediate or 4 * a.hidden,
                      num_hidden_layers=a.layers, num_attention_heads=a.heads, num_key_value_heads=a.kv_heads or a.heads,
                      max_position_embeddings=max(2048, a.seq), attention_dropout=0.0, tie_word_embeddings=False,
                      attn_implementation=a.attn)
    torch.manual_seed(a.seed)
    return LlamaForCausalLM(cfg)


if a.dir:
    if not (Path(a.dir) / "model.safetensors").exists():
        build().save_pretrained(a.dir)
    if a.write_only:
        print(json.dumps({"dir": a.dir}))
        sys.exit(0)
    model = LlamaForCausalLM.from_pretrained(a.dir, dtype=torch.float32, attn_implementation=a.attn)
else:
    model = build()

info = {}
if a.mode == "lora":
    import peft
    from peft import LoraConfig, TaskType, get_peft_model

    model = get_peft_model(model, LoraConfig(task_type=TaskType.CAUSAL_LM, r=8, lora_alpha=16, lora_dropout=0.1,
                                             target_modules=["q_proj", "v_proj"]))
    info["peft"] = peft.__version__
n_total = sum(p.numel() for p in model.parameters())
n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)


class SyntheticDataset(torch.utils.data.Dataset):
    """harness/bench_train.py's: fixed random token ids (seeded), labels = input_ids, all positions attended."""

    def __init__(self, n, seq, vocab, seed):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(3, vocab, (n, seq), generator=g)

    def __len__(self):
        return self.ids.shape[0]

    def __getitem__(self, i):
        ids = self.ids[i]
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids.clone()}


total = a.warmup + a.steps
ds = SyntheticDataset(a.batch * total, a.seq, a.vocab, a.seed)
rss_setup = status_kb("VmRSS")
hwm_setup = status_kb("VmHWM")
if a.init_only:
    print(json.dumps({"rss_start_kb": rss_start, "rss_setup_kb": rss_setup, "hwm_kb": hwm_setup,
                      "params_total": n_total, "params_trainable": n_train}))
    sys.exit(0)
peak_reset = reset_peak()


class StepTimer(TrainerCallback):
    """harness/bench_train.py's StepTimer: the timed window runs from the end of the last warm-up step."""

    def __init__(self):
        self.t_start = self.t_end = None
        self.last = None
        self.step_s = []
        self.losses = []
        self.prof = None
        self.with_grad = None

    def on_pre_optimizer_step(self, args, state, control, **kw):
        if self.with_grad is None:  # after the first backward (and clipping): who holds a .grad
            ps = [p for p in kw["model"].parameters() if p.grad is not None]
            self.with_grad = [len(ps), sum(p.numel() for p in ps)]

    def on_step_end(self, args, state, control, **kw):
        now = time.perf_counter()
        if self.last is not None and state.global_step > a.warmup:
            self.step_s.append(now - self.last)
        self.last = now
        if state.global_step == a.warmup:
            self.t_start = now
            perf_ctl("enable")
            if a.profile:
                self.prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True)
                self.prof.__enter__()
        self.t_end = now

    def on_train_end(self, args, state, control, **kw):
        perf_ctl("disable")
        if self.prof is not None:
            self.prof.__exit__(None, None, None)
            with open(a.profile, "w") as f:
                f.write(self.prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=60))

    def on_log(self, args, state, control, logs=None, **kw):
        if logs and "loss" in logs:
            self.losses.append(logs["loss"])


timer = StepTimer()
with tempfile.TemporaryDirectory() as out:
    targs = TrainingArguments(output_dir=out, per_device_train_batch_size=a.batch, max_steps=total, learning_rate=lr,
                              weight_decay=0.01, max_grad_norm=1.0, lr_scheduler_type="linear", warmup_steps=0,
                              optim="adamw_torch", logging_strategy="steps", logging_steps=1, save_strategy="no",
                              eval_strategy="no", report_to="none", use_cpu=True, dataloader_num_workers=0,
                              dataloader_pin_memory=False, disable_tqdm=True, seed=a.seed, data_seed=a.seed)
    trainer = Trainer(model=model, args=targs, train_dataset=ds, data_collator=default_data_collator, callbacks=[timer])
    trainer.remove_callback(PrinterCallback)
    trainer.train()
    opt_state = trainer.optimizer.state.values()
    n_moments = sum(1 for s in opt_state for k in ("exp_avg", "exp_avg_sq") if k in s)
    n_moment_elems = sum(s[k].numel() for s in opt_state for k in ("exp_avg", "exp_avg_sq") if k in s)
elapsed = timer.t_end - timer.t_start if a.steps else float("nan")
print(json.dumps({
    "steps_per_s": a.steps / elapsed if a.steps else None, "step_s": [round(x, 4) for x in timer.step_s],
    "losses": timer.losses,
    "params_total": n_total, "params_trainable": n_train,
    "params_with_grad_after_backward": timer.with_grad, "optimizer_params_with_state": len(trainer.optimizer.state),
    "optimizer_moment_tensors": n_moments, "optimizer_moment_elements": n_moment_elems,
    "rss_start_kb": rss_start, "rss_setup_kb": rss_setup, "hwm_setup_kb": hwm_setup,
    "hwm_kb": status_kb("VmHWM"), "peak_reset": peak_reset,
    "torch": torch.__version__, "transformers": transformers.__version__, "attn": model.config._attn_implementation,
    "threads": torch.get_num_threads(), "python": platform.python_version(), **info,
}))
