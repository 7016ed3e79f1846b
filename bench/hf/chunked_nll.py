"""The reference side of bench/chunked-nll.ts: forward + backward of a causal-LM loss on a random
Llama with a large vocabulary, in transformers (the logits path, loss_type "nll") and with TRL's
SFTTrainer loss_type="chunked_nll" (trl.trainer.sft_trainer._patch_chunked_ce_lm_head, what
SFTTrainer applies: ignored tokens dropped, 256-token chunks under gradient checkpointing, logits
never materialised for the whole batch). Same shape and data rule as the tunekit side: LlamaConfig
(untied embeddings), torch.manual_seed(42) init, random tokens with labels = input_ids.

    python bench/hf/chunked_nll.py --mode nll|chunked_nll [--steps 3] [--batch 2] [--seq 512]
        [--hidden 256] [--layers 2] [--heads 4] [--intermediate 512] [--vocab 151936] [--threads 2]

Prints one JSON line: median seconds per forward + backward, the loss of the first step, RSS after
setup and the peak (VmHWM, reset after setup when the kernel allows).
"""
import argparse
import json
import statistics
import time

from memstat import reset_peak, status_kb


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["nll", "chunked_nll"], required=True)
    for k, v in [("steps", 3), ("batch", 2), ("seq", 512), ("hidden", 256), ("layers", 2), ("heads", 4),
                 ("intermediate", 512), ("vocab", 151936), ("threads", 2)]:
        p.add_argument(f"--{k}", type=int, default=v)
    a = p.parse_args()
    import torch
    import transformers
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    cfg = LlamaConfig(hidden_size=a.hidden, num_hidden_layers=a.layers, num_attention_heads=a.heads,
                      num_key_value_heads=a.heads, intermediate_size=a.intermediate, vocab_size=a.vocab,
                      max_position_embeddings=max(2048, a.seq), tie_word_embeddings=False)
    model = LlamaForCausalLM(cfg)
    model.config._attn_implementation = "sdpa"
    model.train()
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, a.vocab, (a.batch, a.seq), generator=g)
    if a.mode == "chunked_nll":
        from trl.trainer.sft_trainer import _patch_chunked_ce_lm_head, _CHUNKED_LM_HEAD_CHUNK_SIZE
        import trl
        _patch_chunked_ce_lm_head(model, chunk_size=_CHUNKED_LM_HEAD_CHUNK_SIZE)
        version = f"trl {trl.__version__} (chunk {_CHUNKED_LM_HEAD_CHUNK_SIZE})"
    else:
        version = f"transformers {transformers.__version__}"

    def step():
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        model.zero_grad(set_to_none=True)
        return loss.item()

    rss_setup = status_kb("VmRSS")
    reset = reset_peak()
    first = step()  # warm-up (allocator, kernels)
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"side": "hf", "mode": a.mode, "version": version, "torch": torch.__version__,
                      "s_per_step": statistics.median(times), "loss": first, "rss_setup_kb": rss_setup,
                      "hwm_kb": status_kb("VmHWM"), "peak_reset": reset}))


if __name__ == "__main__":
    main()
