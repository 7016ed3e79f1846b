"""Writes a randomly initialised Llama checkpoint (transformers' own init and save_pretrained) for the
generation and training benchmarks, so tunekit and transformers load the very same weights.

    /tmp/venv-hf/bin/python bench/hf/make_llama.py /tmp/tunekit-bench/llama30m   # ~29M parameters
"""
import sys
from pathlib import Path

import torch
from transformers import LlamaConfig, LlamaForCausalLM

out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/tunekit-bench/llama30m")
if (out / "model.safetensors").exists():
    print(f"{out}: exists")
    sys.exit(0)
torch.manual_seed(0)
cfg = LlamaConfig(vocab_size=8192, hidden_size=512, intermediate_size=1376, num_hidden_layers=8, num_attention_heads=8,
                  num_key_value_heads=4, max_position_embeddings=2048, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0)
model = LlamaForCausalLM(cfg)
model.save_pretrained(out)
print(f"{out}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters")
