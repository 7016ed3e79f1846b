// self-attention.ts — the ONE decoder self-attention of tunekit: projections with HF's attribute
// names (q_proj / k_proj / v_proj + o_proj | out_proj | dense, or GPT-2's fused c_attn + c_proj),
// optional per-head q/k RMSNorm (Qwen3), RoPE, a KV cache, grouped-query heads, then the shared
// attention(). Checkpoints and LoRA adapters address the projections by their HF names, so
// nothing maps keys. Mirrors transformers' LlamaAttention / GPT2Attention / OPTAttention /
// GPTNeoSelfAttention with eager_attention_forward.
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';
import { Linear } from './linear.js';
import { Conv1D } from './conv1d.js';
import { RMSNorm } from './normalization.js';
import { attention } from './attention.js';
import { isCuSeqlens, varlenAttention } from './varlen.js';
import { applyRotaryPosEmb } from './rope.js';
import type { KVCache } from './kv-cache.js';

/** The shape and naming of one self-attention block. */
export interface SelfAttentionConfig {
  hiddenSize: number;
  numHeads: number;
  /** Key/value heads (grouped-query attention); default numHeads. */
  numKvHeads?: number;
  /** Width of one head; default hiddenSize / numHeads (Llama's head_dim may differ). */
  headDim?: number;
  /** 'separate': q_proj, k_proj, v_proj (Linear). 'c_attn': GPT-2's fused Conv1D c_attn (q, k, v). */
  layout?: 'separate' | 'c_attn';
  /** The output projection's attribute name (default o_proj; c_proj for the c_attn layout). */
  outName?: 'o_proj' | 'out_proj' | 'c_proj' | 'dense';
  /** Bias on q, k, v (Qwen2, OPT, GPT-2); default false. */
  qkvBias?: boolean;
  /** Bias on the output projection (OPT, GPT-Neo, GPT-2); default false. */
  outBias?: boolean;
  /** Qwen3: RMSNorm over each head's q and k (attributes q_norm, k_norm) with this eps. */
  qkNormEps?: number | null;
  /** Score scale; default 1/sqrt(headDim) (GPT-Neo: 1). */
  scale?: number;
  /** OPT multiplies q by the scale before q k^T instead of the scores after it. */
  scaleQuery?: boolean;
  /** Dropout on attention weights while training. */
  attentionDropout?: number;
  /** Which cache layer this block reads and writes. */
  layerIdx: number;
}

/** What a decoder layer hands its attention each step. */
export interface AttentionContext {
  /** [cos, sin] (B, T, R) from the model's RotaryEmbedding, or null (learned positions). */
  positionEmbeddings?: [Tensor, Tensor] | null;
  /**
   * Additive (B, 1, Tq, Tk) mask (causalMask), or null — or a packed row's (S + 1) int64
   * cu_seqlens (varlen.ts; decoderStep hands one in its place, so it reaches this block through the
   * layers and gradient checkpointing unchanged): then each sequence runs its own causal attention.
   */
  mask?: Tensor | null;
  /**
   * No mask, plain causal attention (no padding, no cache, no window): SDPA's is_causal, which
   * lets libtorch 2.x run its fused kernels and skips building a (B, 1, T, T) mask.
   */
  isCausal?: boolean;
  /** Run the mask through the explicit math (see AttentionOptions.eager). */
  eager?: boolean;
  /** The KV cache, or null (no cache: training, scoring). */
  cache?: KVCache | null;
}

/**
 * Multi-head (or grouped-query) causal self-attention. Its projections are properties with the
 * configured HF names, so the state-dict keys are e.g. `self_attn.q_proj.weight`.
 */
export class SelfAttention extends Module {
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly scale: number;
  readonly scaleQuery: boolean;
  readonly attentionDropout: number;
  readonly layerIdx: number;
  readonly layout: 'separate' | 'c_attn';
  /** The output projection's attribute name. */
  readonly outName: string;
  readonly qkNorm: boolean;

  constructor(c: SelfAttentionConfig) {
    super();
    this.numHeads = c.numHeads;
    this.numKvHeads = c.numKvHeads ?? c.numHeads;
    this.headDim = c.headDim ?? c.hiddenSize / c.numHeads;
    if (!Number.isInteger(this.headDim)) throw new RangeError(`SelfAttention: hidden_size ${c.hiddenSize} is not a multiple of ${c.numHeads} heads`);
    if (this.numHeads % this.numKvHeads !== 0)
      throw new RangeError(`SelfAttention: num_attention_heads (${this.numHeads}) must be a multiple of num_key_value_heads (${this.numKvHeads})`);
    this.scale = c.scale ?? 1 / Math.sqrt(this.headDim);
    this.scaleQuery = c.scaleQuery ?? false;
    this.attentionDropout = c.attentionDropout ?? 0;
    this.layerIdx = c.layerIdx;
    this.layout = c.layout ?? 'separate';
    const qWidth = this.numHeads * this.headDim, kvWidth = this.numKvHeads * this.headDim;
    this.qkNorm = c.qkNormEps !== undefined && c.qkNormEps !== null;
    // Children are registered under HF's names and looked up by name in forward(), so a module
    // swapped in later under the same name (a LoRA layer) is the one that runs.
    if (this.layout === 'c_attn') {
      if (this.numKvHeads !== this.numHeads) throw new RangeError('SelfAttention: the fused c_attn layout has no grouped-query heads');
      this.outName = c.outName ?? 'c_proj';
      this.registerModule('c_attn', new Conv1D(3 * qWidth, c.hiddenSize));
      this.registerModule(this.outName, new Conv1D(c.hiddenSize, qWidth));
    } else {
      const bias = c.qkvBias ?? false;
      this.outName = c.outName ?? 'o_proj';
      this.registerModule('q_proj', new Linear(c.hiddenSize, qWidth, { bias }));
      this.registerModule('k_proj', new Linear(c.hiddenSize, kvWidth, { bias }));
      this.registerModule('v_proj', new Linear(c.hiddenSize, kvWidth, { bias }));
      this.registerModule(this.outName, new Linear(qWidth, c.hiddenSize, { bias: c.outBias ?? false }));
      if (this.qkNorm) {
        this.registerModule('q_norm', new RMSNorm(this.headDim, { eps: c.qkNormEps! }));
        this.registerModule('k_norm', new RMSNorm(this.headDim, { eps: c.qkNormEps! }));
      }
    }
  }

  /** The child registered as `name` (whatever module sits there now). */
  #m(name: string): { forward(x: Tensor): Tensor } {
    return (this as unknown as Record<string, { forward(x: Tensor): Tensor }>)[name]!;
  }

  /** x: (B, T, hidden) -> (B, T, hidden) */
  forward(x: Tensor, ctx: AttentionContext = {}): Tensor {
    const [b, t] = x.shape as [number, number];
    let q: Tensor, k: Tensor, v: Tensor;
    if (this.layout === 'c_attn') {
      const w = this.numHeads * this.headDim;
      const qkv = this.#m('c_attn').forward(x); // (B, T, 3 * H * D)
      [q, k, v] = [0, 1, 2].map((i) => qkv.narrow(-1, i * w, w)) as [Tensor, Tensor, Tensor]; // (B, T, H*D) each
    } else {
      q = this.#m('q_proj').forward(x); // (B, T, H*D)
      k = this.#m('k_proj').forward(x); // (B, T, Hkv*D)
      v = this.#m('v_proj').forward(x); // (B, T, Hkv*D)
    }
    if (this.scaleQuery) q = q.mul(this.scale);
    let qh = q.view(b, t, this.numHeads, this.headDim); // (B, T, H, D)
    let kh = k.view(b, t, this.numKvHeads, this.headDim); // (B, T, Hkv, D)
    if (this.qkNorm) {
      qh = this.#m('q_norm').forward(qh);
      kh = this.#m('k_norm').forward(kh);
    }
    qh = qh.transpose(1, 2); // (B, H, T, D)
    kh = kh.transpose(1, 2); // (B, Hkv, T, D)
    let vh = v.view(b, t, this.numKvHeads, this.headDim).transpose(1, 2); // (B, Hkv, T, D)
    if (ctx.positionEmbeddings) [qh, kh] = applyRotaryPosEmb(qh, kh, ctx.positionEmbeddings[0], ctx.positionEmbeddings[1]);
    if (ctx.cache) [kh, vh] = ctx.cache.update(kh, vh, this.layerIdx); // (B, Hkv, Tk, D)
    const varlen = isCuSeqlens(ctx.mask);
    if (varlen && ctx.cache) throw new RangeError('SelfAttention: packed rows (cu_seqlens) run without a KV cache');
    const out = varlen ? varlenAttention(qh, kh, vh, ctx.mask!, {
      eager: ctx.eager ?? false,
      scale: this.scaleQuery ? 1 : this.scale,
      dropoutP: this.attentionDropout,
      training: this.training,
    }) : attention(qh, kh, vh, {
      mask: ctx.mask ?? null,
      isCausal: !ctx.mask && (ctx.isCausal ?? false),
      eager: ctx.eager ?? false,
      scale: this.scaleQuery ? 1 : this.scale,
      dropoutP: this.attentionDropout,
      training: this.training,
    }); // (B, H, T, D)
    return this.#m(this.outName).forward(out.transpose(1, 2).reshape(b, t, this.numHeads * this.headDim)); // (B, T, hidden)
  }
}
