"""scripts/device/bench10.py — transformers' side of issue #10's GPU table (bench10.mts is
tunekit's; read its header for the configs): the same shapes, rows (the same LCG), hyperparameters
and Trainer settings, through transformers' Trainer (+ peft for qwen_lora: all-linear r 16, alpha
32, dropout 0.05).  Qwen runs load bfloat16 weights (sdpa) with bf16=True and adamw_torch_fused.

    python3 scripts/device/bench10.py <config>    # bert_fp32 | bert_bf16 | qwen_full | qwen_lora

Env as bench10.mts (STEPS WARMUP BATCH SEQ HIDDEN LAYERS HEADS KV FFN VOCAB).  Prints `RESULT {json}`.
"""
import json
import os
import sys
import tempfile
import time

import torch
import transformers
from transformers import (BertConfig, BertForSequenceClassification, Qwen2Config, Qwen2ForCausalLM, Trainer, TrainerCallback,
                          TrainingArguments)

CONFIG = sys.argv[1] if len(sys.argv) > 1 else "bert_fp32"
QWEN = CONFIG.startswith("qwen")
E = lambda k, d: int(os.environ.get(k, d))
STEPS, WARMUP = E("STEPS", 20 if QWEN else 30), E("WARMUP", 5 if QWEN else 10)
B, S = E("BATCH", 8 if QWEN else 32), E("SEQ", 1024 if QWEN else 128)
if QWEN:
    SHAPE = dict(hidden=E("HIDDEN", 896), layers=E("LAYERS", 24), heads=E("HEADS", 14), kv=E("KV", 2), ffn=E("FFN", 4864), vocab=E("VOCAB", 151936))
else:
    SHAPE = dict(hidden=E("HIDDEN", 768), layers=E("LAYERS", 12), heads=E("HEADS", 12), kv=E("HEADS", 12), ffn=E("FFN", 3072), vocab=E("VOCAB", 30522))
TOTAL = WARMUP + STEPS
CUDA = torch.cuda.is_available()


def sync():
    if CUDA:
        torch.cuda.synchronize()


# the rows of bench10.mts: the same LCG, in the same order
st = 42


def rnd():
    global st
    st = (st * 1664525 + 1013904223) % 2**32
    return st / 2**32


ROWS = []
for _ in range(B * TOTAL):
    ids = [1 + int(rnd() * (SHAPE["vocab"] - 1)) for _ in range(S)]
    ROWS.append({"input_ids": ids, "attention_mask": [1] * S, "labels": ids if QWEN else (0 if rnd() < 0.5 else 1)})


class DS(torch.utils.data.Dataset):
    def __len__(self):
        return len(ROWS)

    def __getitem__(self, i):
        return {k: torch.tensor(v) for k, v in ROWS[i].items()}


def build():
    torch.manual_seed(42)
    if not QWEN:
        m = BertForSequenceClassification(BertConfig(vocab_size=SHAPE["vocab"], hidden_size=SHAPE["hidden"], num_hidden_layers=SHAPE["layers"],
                                                     num_attention_heads=SHAPE["heads"], intermediate_size=SHAPE["ffn"], num_labels=2))
        return m, sum(p.numel() for p in m.parameters())
    cfg = Qwen2Config(vocab_size=SHAPE["vocab"], hidden_size=SHAPE["hidden"], num_hidden_layers=SHAPE["layers"], num_attention_heads=SHAPE["heads"],
                      num_key_value_heads=SHAPE["kv"], intermediate_size=SHAPE["ffn"], tie_word_embeddings=True, rope_theta=1e6,
                      max_position_embeddings=max(2048, S), attn_implementation="sdpa")
    m = Qwen2ForCausalLM(cfg).to(torch.bfloat16)
    params = sum(p.numel() for p in m.parameters())
    if CONFIG != "qwen_lora":
        return m, params
    from peft import LoraConfig, get_peft_model
    return get_peft_model(m, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")), params


class Timer(TrainerCallback):
    t0 = t1 = 0.0

    def on_step_end(self, args, state, control, **kw):
        if state.global_step == WARMUP:
            sync()
            self.t0 = time.perf_counter()
        if state.global_step == TOTAL:
            sync()
            self.t1 = time.perf_counter()


def main():
    out = {"side": "transformers", "config": CONFIG, "device": "cuda" if CUDA else "cpu", "torch": torch.__version__,
           "transformers": transformers.__version__, "batch": B, "seq": S, **SHAPE, "warmup": WARMUP, "steps": STEPS}
    try:
        if CUDA:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        ti = time.perf_counter()
        m, params = build()
        out["params"], out["trainable"] = params, sum(p.numel() for p in m.parameters() if p.requires_grad)
        out["init_s"] = time.perf_counter() - ti
        with tempfile.TemporaryDirectory() as d:
            args = TrainingArguments(output_dir=d, per_device_train_batch_size=B, max_steps=TOTAL,
                                     learning_rate=(2e-4 if CONFIG == "qwen_lora" else 1e-5) if QWEN else 2e-5, weight_decay=0.01,
                                     max_grad_norm=1.0, lr_scheduler_type="linear", logging_steps=1000, save_strategy="no", eval_strategy="no",
                                     report_to=[], disable_tqdm=True, seed=42, bf16=CONFIG != "bert_fp32",
                                     optim="adamw_torch_fused" if QWEN else "adamw_torch", use_cpu=not CUDA, dataloader_num_workers=0)
            timer = Timer()
            trainer = Trainer(model=m, args=args, train_dataset=DS(), callbacks=[timer])
            r = trainer.train()
            out["train_loss"] = r.training_loss
        if timer.t1 > timer.t0 > 0:
            secs = timer.t1 - timer.t0
            out.update(ms_per_step=secs * 1000 / STEPS, samples_per_s=STEPS * B / secs, tokens_per_s=STEPS * B * S / secs)
        if CUDA:
            out["peak_allocated_gib"] = torch.cuda.max_memory_allocated() / 2**30
    except Exception as e:  # noqa: BLE001 - the error is the finding
        out["error"] = f"{type(e).__name__}: {e}"[:600]
    print(f"transformers {CONFIG}: {out.get('samples_per_s', 0):.1f} samples/s, {out.get('tokens_per_s', 0):.0f} tokens/s"
          + (f", peak {out['peak_allocated_gib']:.2f} GiB" if "peak_allocated_gib" in out else "") + (f" ERROR {out['error']}" if "error" in out else ""))
    print("RESULT " + json.dumps(out))


if __name__ == "__main__":
    main()
