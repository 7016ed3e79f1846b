"""The reference side of bench/inference.ts: a random BertForSequenceClassification (transformers,
sdpa attention) in eval mode under torch.no_grad(), batch x seq random tokens, forward only.

    python bench/hf/bert_infer.py [--batch 32] [--seq 128] [--hidden 768] [--layers 12] [--heads 12]
        [--intermediate 3072] [--vocab 30522] [--steps 3] [--threads 2]

Prints one JSON line: median seconds per forward (after one warm-up), the logits' sum (a checksum
of the setup, not compared: the weights are random on each side), RSS after setup and the peak
(VmHWM, reset after setup when the kernel allows).
"""
import argparse
import json
import statistics
import time

from memstat import reset_peak, status_kb


def main():
    p = argparse.ArgumentParser()
    for k, v in [("batch", 32), ("seq", 128), ("hidden", 768), ("layers", 12), ("heads", 12), ("intermediate", 3072),
                 ("vocab", 30522), ("steps", 3), ("threads", 2)]:
        p.add_argument(f"--{k}", type=int, default=v)
    a = p.parse_args()
    import torch
    import transformers
    from transformers import BertConfig, BertForSequenceClassification
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    cfg = BertConfig(hidden_size=a.hidden, num_hidden_layers=a.layers, num_attention_heads=a.heads, intermediate_size=a.intermediate,
                     vocab_size=a.vocab, num_labels=2, max_position_embeddings=max(512, a.seq), attn_implementation="sdpa")
    model = BertForSequenceClassification(cfg).eval()
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, a.vocab, (a.batch, a.seq), generator=g)
    mask = torch.ones(a.batch, a.seq, dtype=torch.long)

    def step():
        with torch.no_grad():
            return model(input_ids=ids, attention_mask=mask).logits.sum().item()

    rss_setup = status_kb("VmRSS")
    reset = reset_peak()
    step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"side": "transformers", "version": f"transformers {transformers.__version__} (torch {torch.__version__})",
                      "s_per_forward": statistics.median(times), "rss_setup_kb": rss_setup, "hwm_kb": status_kb("VmHWM"),
                      "peak_reset": reset}))


if __name__ == "__main__":
    main()
