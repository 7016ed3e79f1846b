// token-stats.ts — the per-token statistics TRL's SFTTrainer logs (mean_token_accuracy, entropy),
// for a causal LM whose training loss was computed without logits (loss_type 'chunked_nll'): TRL's
// patched lm_head returns num_correct_tokens, entropy_sum and num_valid_tokens from its chunked
// pass (trl sft_trainer.py _chunk); here a no-grad pass over the counted tokens only, in chunks, so
// the (B, T, V) logits are never whole either.
import { F, noGrad, tidy, type Tensor } from '../torch/index.js';

/** Sums over the target tokens (labels != -100 after the shift), each a 0-d float32 tensor on the device. */
export interface TokenStats {
  /** Tokens whose argmax prediction equals the label. */
  num_correct_tokens: Tensor;
  /** Sum of the Shannon entropy (nats) of each predicted distribution. */
  entropy_sum: Tensor;
  /** Target tokens counted (int64). */
  num_valid_tokens: Tensor;
}

/**
 * hidden (B, T, H) — the input of lm_head — and labels (B, T): position t predicts labels[t + 1].
 * weight (V, H), bias (V) or null.  The logits of `chunkRows` target tokens at a time.
 */
export function chunkedTokenStats(hidden: Tensor, weight: Tensor, bias: Tensor | null, labels: Tensor, chunkRows = Math.max(64, Math.floor(2 ** 26 / weight.size(0)))): TokenStats {
  return noGrad(() => tidy(() => {
    const hs = hidden.size(-1);
    const shifted = F.pad(labels.long(), [0, 1], -100).narrow(-1, 1, labels.size(-1)).reshape(-1).to(hidden.device); // (B*T)
    const valid = shifted.ne(-100);
    const rows = valid.nonzero().reshape(-1); // (N) — one device read: the count of target tokens
    const n = rows.size(0);
    const h = hidden.detach().reshape(-1, hs).indexSelect(0, rows); // (N, H)
    const lbl = shifted.indexSelect(0, rows); // (N)
    let correct = valid.sum().mul(0).float(), entropy = correct.clone();
    for (let s = 0; s < n; s += chunkRows) {
      const len = Math.min(chunkRows, n - s);
      let logits = h.narrow(0, s, len).matmul(weight.to(h.dtype).transpose(0, 1)).float(); // (len, V)
      if (bias) logits = logits.add(bias.float());
      const logp = logits.logSoftmax(-1); // (len, V)
      entropy = entropy.add(logp.exp().mul(logp).sum(-1).neg().sum());
      correct = correct.add(logits.argmax(-1).eq(lbl.narrow(0, s, len)).sum().float());
    }
    return { num_correct_tokens: correct, entropy_sum: entropy, num_valid_tokens: valid.sum() };
  }));
}
