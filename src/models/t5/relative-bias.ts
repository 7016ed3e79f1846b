// relative-bias.ts — T5's relative position bias (transformers T5Attention._relative_position_bucket
// and compute_bias): the offset key - query is put in one of num_buckets buckets — exact for
// small offsets, logarithmic up to max_distance, one last bucket beyond — and each bucket has a
// learned scalar per head, added to the attention scores. Bidirectional in the encoder (half the
// buckets for keys after the query), causal in the decoder (only offsets <= 0 count). Only the
// first block owns the table; the stack adds its bias in every block.
import { arange, type Tensor } from '../../torch/index.js';
import type { Embedding } from '../../nn/index.js';

/**
 * Bucket ids of relative positions (memory - context), as HF computes them in float32 (the log
 * bucket boundaries must round as there). rel: int64 any shape -> int64 same shape in [0, numBuckets).
 */
export function relativePositionBucket(rel: Tensor, bidirectional: boolean, numBuckets: number, maxDistance: number): Tensor {
  let n = numBuckets;
  let buckets: Tensor | null = null;
  let r: Tensor;
  if (bidirectional) {
    n = Math.floor(n / 2);
    buckets = rel.gt(0).long().mul(n); // keys after the query use the upper half
    r = rel.abs();
  } else {
    r = rel.clamp(null, 0).neg(); // -min(rel, 0): only the past counts
  }
  const maxExact = Math.floor(n / 2);
  const isSmall = r.lt(maxExact);
  // max_exact + log(r / max_exact) / log(max_distance / max_exact) * (n - max_exact), truncated;
  // r = 0 gives -inf here, which the where() below never picks
  const large = r.float().div(maxExact).log().div(Math.log(maxDistance / maxExact)).mul(n - maxExact).long().add(maxExact).clamp(null, n - 1);
  const b = r.where(isSmall, large); // r where small, else the log bucket
  return buckets ? buckets.add(b) : b;
}

/**
 * The bias of `table` (num_buckets, H) for queries at positions qStart .. qStart + qLen - 1 and keys
 * 0 .. kLen - 1 (HF compute_bias with cache_position). -> (1, H, qLen, kLen)
 */
export function computePositionBias(table: Embedding, qStart: number, qLen: number, kLen: number, bidirectional: boolean, maxDistance: number): Tensor {
  const device = table.weight.device;
  const context = arange(qStart, qStart + qLen, 1, { dtype: 'int64', device }).unsqueeze(1); // (Tq, 1)
  const memory = arange(0, kLen, 1, { dtype: 'int64', device }).unsqueeze(0); // (1, Tk)
  const bucket = relativePositionBucket(memory.sub(context), bidirectional, table.numEmbeddings, maxDistance); // (Tq, Tk)
  return table.forward(bucket).permute(2, 0, 1).unsqueeze(0); // (Tq, Tk, H) -> (1, H, Tq, Tk)
}
