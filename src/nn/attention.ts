// attention.ts — the ONE attention of tunekit: softmax(q k^T * scale + mask) v over (B, H, T, D)
// heads, plus the helpers every model shares (split/merge heads, HF's additive padding mask).
// Models keep their own q/k/v/out projections (HF names: `query`, `q_lin`, `q_proj`, ...) and
// call attention() in between; RoPE is applied to q/k and a KV cache appends to k/v before the
// call, so decoders reuse this function unchanged.  Mirrors the eager_attention_forward of
// transformers (modeling_bert.py BertSelfAttention, modeling_llama.py repeat_kv).
import { F, type Tensor, type DType } from '../torch/index.js';

/** Options of {@link attention}. */
export interface AttentionOptions {
  /**
   * Additive float mask broadcastable to (B, H, Tq, Tk) — 0 where a key is attended, a very
   * negative number where it is not (see {@link paddingMask}) — or a bool mask (true = attend).
   * An additive mask keeps fully-masked query rows finite (uniform weights, as HF); a bool mask
   * makes them NaN.
   */
  mask?: Tensor | null;
  /** Causal: query i attends to keys j <= i (top-left aligned, Tq == Tk). */
  isCausal?: boolean;
  /** Score scale (default 1/sqrt(D)). */
  scale?: number;
  /** Dropout on the attention weights while `training` (default 0). */
  dropoutP?: number;
  /** Training mode: dropout applies only then (default true). */
  training?: boolean;
  /**
   * The explicit math (HF eager attention) instead of a fused kernel: needed when training on a mask
   * with fully masked rows, whose gradient libtorch 2.x's fused CPU kernel computes differently.
   */
  eager?: boolean;
}

/** HF's attention implementations tunekit has: libtorch's SDPA, or the explicit math ('eager'). */
export type AttnImplementation = 'sdpa' | 'eager';

let forcedEager = false;
/**
 * Runs `fn` with every attention() inside on the explicit math path — what a model with
 * attn_implementation 'eager' does around its forward (a dynamic scope: nested models inherit it).
 */
export function withEagerAttention<T>(fn: () => T): T {
  const was = forcedEager;
  forcedEager = true;
  try {
    return fn();
  } finally {
    forcedEager = was;
  }
}

/** Checks an attn_implementation value as HF spells them; the ones tunekit lacks are named. */
export function checkAttnImplementation(v: unknown, where: string): AttnImplementation {
  if (v === 'sdpa' || v === 'eager') return v;
  if (typeof v === 'string' && /flash|flex|paged/.test(v))
    throw new RangeError(`${where}: attn_implementation '${v}' is not available in tunekit: 'sdpa' runs libtorch's scaled_dot_product_attention, which picks its flash / memory-efficient kernels itself on CUDA (libtorch >= 2.1); 'eager' is the explicit math`);
  throw new RangeError(`${where}: attn_implementation must be 'sdpa' or 'eager', got ${JSON.stringify(v)}`);
}

/**
 * Scaled dot-product attention.  q: (B, H, Tq, D); k, v: (B, Hkv, Tk, D) with H a multiple of
 * Hkv (grouped-query attention: each kv head serves H/Hkv query heads, as HF's repeat_kv).
 * Runs libtorch's SDPA (the math path on libtorch 1.13, fused kernels on 2.x), which equals
 * HF's eager path (matmul, scale, + mask, softmax, dropout, matmul) up to float rounding.
 * @returns (B, H, Tq, D)
 * @example const ctx = attention(q, k, v, { mask: paddingMask(attentionMask, q.dtype) });
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  if (q.ndim !== 4 || k.ndim !== 4 || v.ndim !== 4)
    throw new RangeError(`attention: q, k, v must be (B, H, T, D); got [${q.shape}], [${k.shape}], [${v.shape}]`);
  const h = q.size(1), hkv = k.size(1);
  if (v.size(1) !== hkv || h % hkv !== 0)
    throw new RangeError(`attention: ${h} query heads cannot share ${hkv} key / ${v.size(1)} value heads (need a multiple)`);
  const mask = opts.mask ?? null;
  const tq = q.size(2);
  if (hkv !== h && tq === 1 && !opts.isCausal && (mask === null || (mask.size(1) === 1 && mask.size(2) === 1))) {
    // One query (a decode step): query heads g*n .. g*n+n-1 share kv head g, so put them in the query
    // axis of kv head g — (B, H, 1, D) -> (B, Hkv, n, D) — instead of copying K and V n times.
    const b = q.size(0), d = q.size(3), n = h / hkv;
    const out = F.scaledDotProductAttention(q.reshape(b, hkv, n, d), k, v, {
      attnMask: mask, isCausal: false, scale: opts.scale, dropoutP: opts.dropoutP ?? 0, training: opts.training ?? true, eager: forcedEager,
    }); // (B, Hkv, n, Dv)
    return out.reshape(b, h, 1, v.size(3)); // (B, H, 1, Dv)
  }
  // Grouped-query heads go to SDPA as they are: libtorch >= 2.5 shares each kv head inside the
  // kernel (enable_gqa); older versions repeat k and v there (native compat::sdpa), as HF's repeat_kv.
  return F.scaledDotProductAttention(q, k, v, {
    attnMask: mask,
    isCausal: opts.isCausal ?? false,
    scale: opts.scale,
    dropoutP: opts.dropoutP ?? 0,
    training: opts.training ?? true,
    eager: (opts.eager ?? false) || forcedEager,
  }); // (B, H, Tq, D)
}

/** HF's repeat_kv: (B, Hkv, T, D) -> (B, Hkv * nRep, T, D), each kv head repeated nRep times in place. */
export function repeatKv(x: Tensor, nRep: number): Tensor {
  return x.repeatInterleave(nRep, 1);
}

/** (B, T, H * D) -> (B, H, T, D): HF's transpose_for_scores. */
export function splitHeads(x: Tensor, numHeads: number): Tensor {
  const [b, t, hd] = x.shape as [number, number, number];
  if (hd % numHeads !== 0) throw new RangeError(`splitHeads: width ${hd} is not a multiple of ${numHeads} heads`);
  return x.view(b, t, numHeads, hd / numHeads).transpose(1, 2); // (B, H, T, D)
}

/** (B, H, T, D) -> (B, T, H * D): the inverse of splitHeads (contiguous). */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, t, d] = x.shape as [number, number, number, number];
  return x.transpose(1, 2).reshape(b, t, h * d); // (B, T, H*D)
}

/** torch.finfo(dtype).min: the most negative finite value, which HF adds at masked positions. */
export const FINFO_MIN: Readonly<Partial<Record<DType, number>>> = Object.freeze({
  float32: -3.4028234663852886e38,
  float64: -1.7976931348623157e308,
  float16: -65504,
  bfloat16: -3.3895313892515355e38,
});

/**
 * HF's extended attention mask for an encoder (ModuleUtilsMixin.get_extended_attention_mask):
 * (1 - mask) * finfo(dtype).min, added to the scores.  attentionMask: (B, Tk) with 1 = attend,
 * 0 = padding, or (B, Tq, Tk).  Padded query rows still attend to the valid keys, so their
 * outputs are finite (and part of HF's reference numbers).
 * @returns (B, 1, 1, Tk) or (B, 1, Tq, Tk) in `dtype`
 */
export function paddingMask(attentionMask: Tensor, dtype: DType): Tensor {
  const min = FINFO_MIN[dtype];
  if (min === undefined) throw new TypeError(`paddingMask: dtype must be floating, got ${dtype}`);
  let m: Tensor;
  if (attentionMask.ndim === 2) m = attentionMask.unsqueeze(1).unsqueeze(2); // (B, 1, 1, Tk)
  else if (attentionMask.ndim === 3) m = attentionMask.unsqueeze(1); // (B, 1, Tq, Tk)
  else throw new RangeError(`paddingMask: attention_mask must be (B, T) or (B, Tq, Tk), got [${attentionMask.shape}]`);
  return m.to(dtype).rsub(1).mul(min); // 0 where attended, min where masked
}
