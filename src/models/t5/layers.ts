// layers.ts — T5's blocks (transformers/models/t5/modeling_t5.py, 4.47), read bottom up: attention
// (q, k, v, o without biases, no 1/sqrt(d) scaling: T5 folds it into the init), the layer
// sublayers — pre-norm (RMS-style T5LayerNorm), dropout, residual — the feed-forwards (ReLU
// `wi`/`wo`, or gated `wi_0`/`wi_1`/`wo` for T5 v1.1 / Flan-T5) and the block: self-attention,
// cross-attention (decoder only), feed-forward. Attribute names are HF's state-dict paths
// (`decoder.block.0.layer.1.EncDecAttention.q.weight`). The shared attention() does the math; the
// position bias and masks arrive as one additive (B | 1, H, Tq, Tk) tensor built by the stack.
import { F, type Tensor } from '../../torch/index.js';
import { Module, ModuleList, Linear, Embedding, RMSNorm, attention, getActivation, padInput, type EncoderDecoderCache, type KVCache } from '../../nn/index.js';
import type { T5Config } from './configuration.js';

/** What an attention sublayer gets from its stack each forward. */
export interface T5AttentionContext {
  /** Additive bias + mask (B | 1, H | 1, Tq, Tk), or null (nothing to add). */
  bias: Tensor | null;
  /** Decoder self-attention: the cache to extend; cross-attention: the cache holding the encoder k/v. */
  cache: KVCache | null;
  /**
   * Encoder self-attention over a packed batch (T5Stack `unpad`): x holds only the real tokens (N,
   * d_model); `indices` (N) are their flat b * T + t places in the (B, T) batch the scores need.
   */
  unpadded?: T5Unpadded | null;
}

/** Where a packed batch's tokens sit in the padded (B, T) one. */
export interface T5Unpadded {
  /** (N) int64 flat indices b * T + t of the real tokens */
  indices: Tensor;
  batch: number;
  seqLen: number;
}

/** T5Attention: multi-head attention with HF's q / k / v / o and, in the first block, the bucket table. */
export class T5Attention extends Module {
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
  /** (num_buckets, H): only in block 0's self-attention. */
  relative_attention_bias?: Embedding;
  readonly numHeads: number;
  readonly dKv: number;
  readonly dropout: number;
  readonly isCross: boolean;
  readonly layerIdx: number;

  constructor(c: T5Config, o: { hasRelativeBias: boolean; isCross: boolean; layerIdx: number }) {
    super();
    this.numHeads = c.num_heads;
    this.dKv = c.d_kv;
    this.dropout = c.dropout_rate;
    this.isCross = o.isCross;
    this.layerIdx = o.layerIdx;
    const inner = c.num_heads * c.d_kv;
    this.q = new Linear(c.d_model, inner, { bias: false });
    this.k = new Linear(c.d_model, inner, { bias: false });
    this.v = new Linear(c.d_model, inner, { bias: false });
    this.o = new Linear(inner, c.d_model, { bias: false });
    if (o.hasRelativeBias) this.relative_attention_bias = new Embedding(c.relative_attention_num_buckets, c.num_heads);
  }

  /** (B, T, inner) -> (B, H, T, d_kv) */
  #heads(x: Tensor): Tensor {
    const [b, t] = x.shape as [number, number];
    return x.view(b, t, this.numHeads, this.dKv).transpose(1, 2);
  }

  /**
   * x: (B, Tq, d_model) queries; kv: (B, Ts, d_model) the encoder output for cross-attention
   * (ignored when the cache already holds its projections), else null. -> (B, Tq, d_model)
   */
  forward(x: Tensor, kv: Tensor | null, ctx: T5AttentionContext): Tensor {
    if (ctx.unpadded) return this.#packedSelf(x, ctx.bias, ctx.unpadded);
    const [b, t] = x.shape as [number, number];
    const q = this.#heads(this.q.forward(x)); // (B, H, Tq, d_kv)
    let k: Tensor, v: Tensor;
    const cache = ctx.cache;
    if (this.isCross) {
      const ed = cache as EncoderDecoderCache | null;
      if (ed && typeof ed.isUpdated === 'function' && ed.isUpdated(this.layerIdx)) [k, v] = ed.cross(this.layerIdx); // (B, H, Ts, d_kv)
      else {
        if (!kv) throw new Error('T5Attention: cross-attention needs the encoder hidden states');
        k = this.#heads(this.k.forward(kv)); // (B, H, Ts, d_kv)
        v = this.#heads(this.v.forward(kv));
        if (ed && typeof ed.updateCross === 'function') {
          // cached for every decode step: stored contiguous, so each (row, head) block of keys is one
          // run of memory instead of Ts rows H * d_kv apart. The step reads them cold (the LM head
          // streams through the cache in between): 4 cross-attention calls of a t5-small-shaped
          // batch-8 step 1.64 -> 0.99 ms (docs/benchmarks.md 2026-12-06 (e)); one copy per generate().
          k = k.contiguous();
          v = v.contiguous();
          ed.updateCross(k, v, this.layerIdx);
        }
      }
    } else {
      k = this.#heads(this.k.forward(x)); // (B, H, Tq, d_kv)
      v = this.#heads(this.v.forward(x));
      if (cache) [k, v] = cache.update(k, v, this.layerIdx); // (B, H, past + Tq, d_kv)
    }
    const bias = ctx.bias;
    const kb = k.size(0);
    if (this.isCross && kb !== b) return this.o.forward(this.#sharedCross(q, k, v, bias, b / kb)); // (B, Tq, d_model)
    const out = attention(q, k, v, {
      mask: bias, scale: 1, dropoutP: this.dropout, training: this.training,
      // a bias that trains (the bucket table) needs its gradient: the explicit math gives it on every libtorch
      eager: bias !== null && bias.requiresGrad,
    }); // (B, H, Tq, d_kv)
    return this.o.forward(out.transpose(1, 2).reshape(b, t, this.numHeads * this.dKv)); // (B, Tq, d_model)
  }

  /**
   * Self-attention of a packed batch (encoder only): the projections run on the N real tokens, the
   * scores on the padded (B, H, T, T) layout the position bias and mask have (zeros at the padding,
   * masked as keys; their query rows are dropped again).  x (N, d_model) -> (N, d_model)
   */
  #packedSelf(x: Tensor, bias: Tensor | null, u: T5Unpadded): Tensor {
    if (this.isCross || x.ndim !== 2) throw new Error('T5Attention: only encoder self-attention runs packed (N, d_model)');
    const heads = (p: Tensor): Tensor => this.#heads(padInput(p, u.indices, u.batch, u.seqLen)); // (N, inner) -> (B, H, T, d_kv)
    const out = attention(heads(this.q.forward(x)), heads(this.k.forward(x)), heads(this.v.forward(x)), {
      mask: bias, scale: 1, dropoutP: this.dropout, training: this.training, eager: bias !== null && bias.requiresGrad,
    }); // (B, H, T, d_kv)
    const rows = out.transpose(1, 2).reshape(u.batch * u.seqLen, this.numHeads * this.dKv).indexSelect(0, u.indices); // (N, inner)
    return this.o.forward(rows); // (N, d_model)
  }

  /**
   * Cross-attention when g consecutive decoder rows share one encoder row (generate()'s beams,
   * encoder_outputs.decoder_rows_per_source): cross-attention has no causality, so a prompt's g rows
   * are one block of g * Tq queries against its keys — one matrix product per (prompt, head)
   * instead of g matrix-vector products over g copies of the same keys.
   * q (Bs*g, H, Tq, d_kv), k / v (Bs, H, Ts, d_kv), bias (Bs | 1, 1, 1, Ts) -> (Bs*g, Tq, H*d_kv)
   */
  #sharedCross(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | null, g: number): Tensor {
    const [, h, tq, d] = q.shape as [number, number, number, number];
    const bs = k.size(0);
    if (!Number.isInteger(g)) throw new RangeError(`T5Attention: ${q.size(0)} decoder rows cannot share ${bs} encoder rows`);
    if (bias !== null && bias.size(0) !== 1 && bias.size(0) !== bs) throw new RangeError(`T5Attention: the cross-attention mask has ${bias.size(0)} rows, the encoder output ${bs}`);
    const qs = q.view(bs, g, h, tq, d).permute(0, 2, 1, 3, 4).reshape(bs, h, g * tq, d); // (Bs, H, g*Tq, d)
    const out = attention(qs, k, v, { mask: bias, scale: 1, dropoutP: this.dropout, training: this.training, eager: bias !== null && bias.requiresGrad }); // (Bs, H, g*Tq, d)
    return out.view(bs, h, g, tq, d).permute(0, 2, 3, 1, 4).reshape(bs * g, tq, h * d); // (Bs*g, Tq, H*d)
  }
}

/** layer_norm -> SelfAttention -> dropout -> + x */
export class T5LayerSelfAttention extends Module {
  SelfAttention: T5Attention;
  layer_norm: RMSNorm;
  readonly p: number;
  constructor(c: T5Config, hasRelativeBias: boolean, layerIdx: number) {
    super();
    this.SelfAttention = new T5Attention(c, { hasRelativeBias, isCross: false, layerIdx });
    this.layer_norm = new RMSNorm(c.d_model, { eps: c.layer_norm_epsilon });
    this.p = c.dropout_rate;
  }
  forward(x: Tensor, ctx: T5AttentionContext): Tensor {
    const y = this.SelfAttention.forward(this.layer_norm.forward(x), null, ctx);
    return x.add(F.dropout(y, this.p, this.training)); // (B, T, d_model)
  }
}

/** layer_norm -> EncDecAttention (keys from the encoder) -> dropout -> + x */
export class T5LayerCrossAttention extends Module {
  EncDecAttention: T5Attention;
  layer_norm: RMSNorm;
  readonly p: number;
  constructor(c: T5Config, layerIdx: number) {
    super();
    this.EncDecAttention = new T5Attention(c, { hasRelativeBias: false, isCross: true, layerIdx });
    this.layer_norm = new RMSNorm(c.d_model, { eps: c.layer_norm_epsilon });
    this.p = c.dropout_rate;
  }
  forward(x: Tensor, encoderHidden: Tensor | null, ctx: T5AttentionContext): Tensor {
    const y = this.EncDecAttention.forward(this.layer_norm.forward(x), encoderHidden, ctx);
    return x.add(F.dropout(y, this.p, this.training)); // (B, T, d_model)
  }
}

/** T5DenseActDense: wo(dropout(act(wi(x)))) — original T5 (ReLU). */
export class T5DenseActDense extends Module {
  wi: Linear;
  wo: Linear;
  readonly act: (x: Tensor) => Tensor;
  readonly p: number;
  constructor(c: T5Config) {
    super();
    this.wi = new Linear(c.d_model, c.d_ff, { bias: false });
    this.wo = new Linear(c.d_ff, c.d_model, { bias: false });
    this.act = getActivation(c.activation);
    this.p = c.dropout_rate;
  }
  forward(x: Tensor): Tensor {
    const h = F.dropout(this.act(this.wi.forward(x)), this.p, this.training); // (B, T, d_ff)
    return this.wo.forward(h.dtype === this.wo.weight.dtype ? h : h.to(this.wo.weight.dtype)); // (B, T, d_model)
  }
}

/** T5DenseGatedActDense: wo(dropout(act(wi_0(x)) * wi_1(x))) — T5 v1.1, Flan-T5 (gelu_new). */
export class T5DenseGatedActDense extends Module {
  wi_0: Linear;
  wi_1: Linear;
  wo: Linear;
  readonly act: (x: Tensor) => Tensor;
  readonly p: number;
  constructor(c: T5Config) {
    super();
    this.wi_0 = new Linear(c.d_model, c.d_ff, { bias: false });
    this.wi_1 = new Linear(c.d_model, c.d_ff, { bias: false });
    this.wo = new Linear(c.d_ff, c.d_model, { bias: false });
    this.act = getActivation(c.activation);
    this.p = c.dropout_rate;
  }
  forward(x: Tensor): Tensor {
    const h = F.dropout(this.act(this.wi_0.forward(x)).mul(this.wi_1.forward(x)), this.p, this.training); // (B, T, d_ff)
    return this.wo.forward(h.dtype === this.wo.weight.dtype ? h : h.to(this.wo.weight.dtype)); // (B, T, d_model)
  }
}

/** layer_norm -> DenseReluDense -> dropout -> + x */
export class T5LayerFF extends Module {
  DenseReluDense: T5DenseActDense | T5DenseGatedActDense;
  layer_norm: RMSNorm;
  readonly p: number;
  constructor(c: T5Config) {
    super();
    this.DenseReluDense = c.is_gated_act ? new T5DenseGatedActDense(c) : new T5DenseActDense(c);
    this.layer_norm = new RMSNorm(c.d_model, { eps: c.layer_norm_epsilon });
    this.p = c.dropout_rate;
  }
  forward(x: Tensor): Tensor {
    return x.add(F.dropout(this.DenseReluDense.forward(this.layer_norm.forward(x)), this.p, this.training)); // (B, T, d_model)
  }
}

/** What a block reads besides its input. */
export interface T5BlockContext {
  /** Self-attention bias + mask (B | 1, H, Tq, Tk). */
  selfBias: Tensor | null;
  /** Cross-attention mask (B, 1, 1, Ts) or null. */
  crossBias: Tensor | null;
  /** Encoder: x is the packed real tokens (N, d_model) of this padded batch. */
  unpadded?: T5Unpadded | null;
  /** (B, Ts, d_model) in the decoder, null in the encoder. */
  encoderHidden: Tensor | null;
  cache: KVCache | null;
}

/** T5Block: `layer` = [self-attention, (cross-attention,) feed-forward]. */
export class T5Block extends Module {
  layer: ModuleList<Module>;
  readonly isDecoder: boolean;
  /** Recompute this block in the backward (PreTrainedModel.gradientCheckpointingEnable; HF T5Block). */
  gradientCheckpointing = false;
  constructor(c: T5Config, o: { isDecoder: boolean; hasRelativeBias: boolean; layerIdx: number }) {
    super();
    this.isDecoder = o.isDecoder;
    const parts: Module[] = [new T5LayerSelfAttention(c, o.hasRelativeBias, o.layerIdx)];
    if (o.isDecoder) parts.push(new T5LayerCrossAttention(c, o.layerIdx));
    parts.push(new T5LayerFF(c));
    this.layer = new ModuleList(parts);
  }
  /** x: (B, T, d_model) -> (B, T, d_model); packed (ctx.unpadded): (N, d_model) -> (N, d_model) */
  forward(x: Tensor, ctx: T5BlockContext): Tensor {
    const [self, second, third] = [...this.layer] as [T5LayerSelfAttention, Module, Module?];
    let h = clampFp16(self.forward(x, { bias: ctx.selfBias, cache: ctx.cache, unpadded: ctx.unpadded ?? null }));
    if (this.isDecoder) h = clampFp16((second as T5LayerCrossAttention).forward(h, ctx.encoderHidden, { bias: ctx.crossBias, cache: ctx.cache }));
    const ff = (this.isDecoder ? third : second) as T5LayerFF;
    return clampFp16(ff.forward(h));
  }
}

/**
 * HF's float16 guard: T5's activations outgrow float16 (pre-trained checkpoints in half precision),
 * so where a value became inf it clamps everything to ±(65504 - 1000). float32 / bfloat16: unchanged.
 */
export function clampFp16(x: Tensor): Tensor {
  if (x.dtype !== 'float16') return x;
  const m = 65504 - 1000;
  return x.isinf().any().item() ? x.clamp(-m, m) : x;
}
