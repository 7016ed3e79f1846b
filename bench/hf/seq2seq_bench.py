"""transformers' side of bench/seq2seq.ts: a t5-small-shaped T5 (d_model 256, d_ff 1024, 4 + 4 layers,
4 heads, d_kv 64, vocab 32128, tied head, relu FFN, dropout 0.1) trained with a plain loop or the
Seq2SeqTrainer, and generate() greedy / beam search, on the SAMSum ids bench/seq2seq.ts wrote.

    python bench/hf/seq2seq_bench.py make <model dir>
    python bench/hf/seq2seq_bench.py train <model dir> <ids.json> <loop|trainer> <steps> <warmup> <batch> <threads>
    python bench/hf/seq2seq_bench.py generate <model dir> <ids.json> <batch> <beams> <new tokens> <repeats> <threads>

<ids.json>: {"input_ids": [[128 ids]], "attention_mask": [[...]], "labels": [[64 ids, -100 = padding]]}.
Each command prints one JSON line.
"""
import json
import statistics
import sys
import tempfile
import time

import torch
import transformers
from transformers import (Seq2SeqTrainer, Seq2SeqTrainingArguments, T5Config, T5ForConditionalGeneration,
                          TrainerCallback)

cmd, d = sys.argv[1], sys.argv[2]
META = {"torch": torch.__version__, "transformers": transformers.__version__}

if cmd == "make":
    torch.manual_seed(0)
    cfg = T5Config(vocab_size=32128, d_model=256, d_kv=64, d_ff=1024, num_layers=4, num_decoder_layers=4, num_heads=4,
                   dropout_rate=0.1, feed_forward_proj="relu", tie_word_embeddings=True, decoder_start_token_id=0,
                   pad_token_id=0, eos_token_id=1)
    model = T5ForConditionalGeneration(cfg)
    model.save_pretrained(d)
    print(json.dumps({"parameters": sum(p.numel() for p in model.parameters()), **META}))
    sys.exit(0)

data = json.load(open(sys.argv[3]))
model = T5ForConditionalGeneration.from_pretrained(d, dtype=torch.float32)


def batch_at(i, b):
    """Rows i*b ... i*b+b-1 (wrapping) as int64 tensors."""
    n = len(data["input_ids"])
    idx = [(i * b + j) % n for j in range(b)]
    return {k: torch.tensor([data[k][r] for r in idx]) for k in ("input_ids", "attention_mask", "labels")}


def eval_loss():
    """Dropout off, no grad: the loss of the first batch of 8 (the weights are the same on both sides)."""
    model.eval()
    with torch.no_grad():
        loss = model(**batch_at(0, 8)).loss.item()
    model.train()
    return loss


if cmd == "train":
    mode, steps, warmup, B, threads = sys.argv[4], *map(int, sys.argv[5:9])
    torch.set_num_threads(threads)
    first = eval_loss()
    times, cpu, losses = [], [], []
    if mode == "loop":
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
        for i in range(warmup + steps):
            batch = batch_at(i, B)
            t0, c0 = time.perf_counter(), time.process_time()
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad()
            losses.append(loss.item())
            if i >= warmup:
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
    else:
        rows = [{k: v[0].tolist() for k, v in batch_at(i, 1).items()} for i in range(B * (warmup + steps))]

        class Timer(TrainerCallback):
            last = None

            def on_step_end(self, args, state, control, **kw):
                now, c = time.perf_counter(), time.process_time()
                if state.global_step > warmup:
                    times.append(now - Timer.last[0])
                    cpu.append(c - Timer.last[1])
                Timer.last = (now, c)

        with tempfile.TemporaryDirectory() as out:
            args = Seq2SeqTrainingArguments(output_dir=out, per_device_train_batch_size=B, max_steps=warmup + steps,
                                            learning_rate=1e-4, weight_decay=0.01, logging_steps=1, save_strategy="no",
                                            report_to=[], disable_tqdm=True, use_cpu=True, dataloader_num_workers=0,
                                            seed=0)
            trainer = Seq2SeqTrainer(model=model, args=args, train_dataset=rows, callbacks=[Timer()])
            trainer.train()
            losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
            META["optim"] = str(args.optim)
    med = statistics.median(times)
    print(json.dumps({"steps_per_s": 1 / med, "cpu_steps_per_s": 1 / statistics.median(cpu), "step_ms": [round(t * 1000, 1) for t in times], "eval_loss": first,
                      "first_losses": losses[:3], "threads": torch.get_num_threads(), **META}))
elif cmd == "generate":
    B, beams, new, repeats, threads = map(int, sys.argv[4:9])
    torch.set_num_threads(threads)
    model.eval()
    b = batch_at(0, B)
    kw = dict(input_ids=b["input_ids"], attention_mask=b["attention_mask"], num_beams=beams, do_sample=False,
              max_new_tokens=new, min_new_tokens=new, use_cache=True)
    with torch.inference_mode():
        model.generate(**{**kw, "max_new_tokens": 2, "min_new_tokens": 2})  # warm-up
        runs, cpu = [], []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            out = model.generate(**kw)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            assert out.shape == (B, 1 + new), out.shape
            runs.append(B * new / dt)
            cpu.append(B * new / dc)
    print(json.dumps({"tokens_per_s": statistics.median(runs), "cpu_tokens_per_s": statistics.median(cpu), "runs": [round(r, 1) for r in runs],
                      "row0": out[0, :12].tolist(), "threads": torch.get_num_threads(), **META}))
else:
    raise SystemExit(f"unknown command {cmd}")
