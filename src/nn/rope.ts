// rope.ts — rotary position embeddings, the ONE RoPE of tunekit (transformers'
// modeling_rope_utils.py ROPE_INIT_FUNCTIONS + LlamaRotaryEmbedding + apply_rotary_pos_emb).
// Inverse frequencies are computed with float32 tensor ops in the order transformers uses, so cos
// and sin equal HF's bit for bit. Rope types: default, linear, dynamic (NTK), yarn, longrope, llama3.
import { arange, cat, full, tensor, noGrad, type Tensor } from '../torch/index.js';
import { Module } from './module.js';

/** HF's rope parameters (`rope_scaling` in transformers 4.x config.json, `rope_parameters` in 5.x). */
export interface RopeParameters {
  rope_type: 'default' | 'linear' | 'dynamic' | 'yarn' | 'longrope' | 'llama3';
  rope_theta: number;
  /** Fraction of the head dim that rotates (GPT-NeoX, Phi); the rest passes through. Default 1. */
  partial_rotary_factor?: number;
  factor?: number;
  original_max_position_embeddings?: number;
  attention_factor?: number | null;
  beta_fast?: number | null;
  beta_slow?: number | null;
  mscale?: number | null;
  mscale_all_dim?: number | null;
  truncate?: boolean;
  short_factor?: number[];
  long_factor?: number[];
  low_freq_factor?: number;
  high_freq_factor?: number;
}

/** What the RoPE of a model needs from its config. */
export interface RopeConfig {
  /** The per-head width that q and k have (config.head_dim, or hidden_size / num_attention_heads). */
  headDim: number;
  /** config.max_position_embeddings */
  maxPositionEmbeddings: number;
  params: RopeParameters;
}

export const ROPE_TYPES = ['default', 'linear', 'dynamic', 'yarn', 'longrope', 'llama3'] as const;

/** The rotated width: int(head_dim * partial_rotary_factor). */
export function rotaryDim(c: RopeConfig): number {
  return Math.trunc(c.headDim * (c.params.partial_rotary_factor ?? 1));
}

/** base ** (arange(0, dim, 2) / dim) in float32, as HF writes it: (dim / 2) */
function posFreqs(base: number, dim: number): Tensor {
  const expo = arange(0, dim, 2, { dtype: 'int64' }).float().div(dim); // (dim/2) float32
  return full([expo.size(0)], base).pow(expo); // Python `base ** tensor`: float32 pow
}

/**
 * The inverse frequencies (dim/2, float32) and the attention scaling applied to cos/sin, for a
 * sequence length `seqLen` (only dynamic and longrope depend on it). ROPE_INIT_FUNCTIONS.
 */
export function ropeInverseFrequencies(c: RopeConfig, seqLen?: number): { invFreq: Tensor; attentionScaling: number } {
  const p = c.params;
  const dim = rotaryDim(c);
  const base = p.rope_theta;
  const need = (k: keyof RopeParameters): number => {
    const v = p[k];
    if (typeof v !== 'number') throw new Error(`rope_scaling of type '${p.rope_type}' needs a numeric '${k}'`);
    return v;
  };
  switch (p.rope_type) {
    case 'default':
      return { invFreq: posFreqs(base, dim).reciprocal(), attentionScaling: 1 };
    case 'linear':
      return { invFreq: posFreqs(base, dim).reciprocal().div(need('factor')), attentionScaling: 1 };
    case 'dynamic': {
      // NTK: a larger base once the sequence outgrows max_position_embeddings.
      const factor = need('factor');
      const len = Math.max(seqLen ?? c.maxPositionEmbeddings, c.maxPositionEmbeddings);
      const b = base * ((factor * len) / c.maxPositionEmbeddings - (factor - 1)) ** (dim / (dim - 2));
      return { invFreq: posFreqs(b, dim).reciprocal(), attentionScaling: 1 };
    }
    case 'yarn':
      return yarn(c, dim);
    case 'longrope': {
      const orig = need('original_max_position_embeddings');
      const factor = p.factor ?? c.maxPositionEmbeddings / orig;
      const attentionScaling = p.attention_factor ?? (factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(orig)));
      const ext = seqLen !== undefined && seqLen > orig ? p.long_factor : p.short_factor;
      if (!Array.isArray(ext) || ext.length !== dim / 2)
        throw new Error(`rope_scaling 'longrope' needs short_factor and long_factor of length ${dim / 2} (rotary dim / 2)`);
      const extT = tensor(ext); // (dim/2) float32
      return { invFreq: extT.mul(posFreqs(base, dim)).reciprocal(), attentionScaling };
    }
    case 'llama3':
      return llama3(c, dim);
    default:
      throw new Error(`unknown rope_scaling type '${String((p as { rope_type: unknown }).rope_type)}' (known: ${ROPE_TYPES.join(', ')})`);
  }
}

/** YaRN: interpolate the low frequencies, extrapolate the high ones, scale cos/sin. */
function yarn(c: RopeConfig, dim: number): { invFreq: Tensor; attentionScaling: number } {
  const p = c.params;
  const base = p.rope_theta;
  const orig = p.original_max_position_embeddings;
  if (typeof orig !== 'number') throw new Error("rope_scaling of type 'yarn' needs 'original_max_position_embeddings'");
  const factor = p.factor ?? c.maxPositionEmbeddings / orig;
  const mscaleOf = (scale: number, m = 1): number => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);
  let attentionScaling = p.attention_factor ?? null;
  if (attentionScaling === null)
    attentionScaling = p.mscale && p.mscale_all_dim ? mscaleOf(factor, p.mscale) / mscaleOf(factor, p.mscale_all_dim) : mscaleOf(factor);
  const betaFast = p.beta_fast || 32;
  const betaSlow = p.beta_slow || 1;
  const corrDim = (rot: number): number => (dim * Math.log(orig / (rot * 2 * Math.PI))) / (2 * Math.log(base));
  let low = corrDim(betaFast), high = corrDim(betaSlow);
  if (p.truncate ?? true) { low = Math.floor(low); high = Math.ceil(high); }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001; // HF: prevent a singularity
  const pos = posFreqs(base, dim); // (dim/2)
  const extrapolation = pos.reciprocal();
  const interpolation = pos.mul(factor).reciprocal();
  const ramp = arange(0, dim / 2, 1, { dtype: 'float32' }).sub(low).div(high - low).clamp(0, 1); // (dim/2)
  const extraFactor = ramp.rsub(1); // 1 - ramp
  const invFreq = interpolation.mul(extraFactor.rsub(1)).add(extrapolation.mul(extraFactor));
  return { invFreq, attentionScaling };
}

/** Llama 3.1: long wavelengths divided by `factor`, a smooth ramp between low and high frequencies. */
function llama3(c: RopeConfig, dim: number): { invFreq: Tensor; attentionScaling: number } {
  const p = c.params;
  for (const k of ['factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings'] as const)
    if (typeof p[k] !== 'number') throw new Error(`rope_scaling of type 'llama3' needs a numeric '${k}'`);
  const factor = p.factor!, lowF = p.low_freq_factor!, highF = p.high_freq_factor!, oldLen = p.original_max_position_embeddings!;
  const invFreq = posFreqs(p.rope_theta, dim).reciprocal(); // (dim/2)
  const lowWavelen = oldLen / lowF, highWavelen = oldLen / highF;
  const wavelen = invFreq.reciprocal().mul(2 * Math.PI); // 2π / inv_freq
  const llama = invFreq.div(factor).where(wavelen.gt(lowWavelen), invFreq); // torch.where(cond, a, b)
  const smooth = wavelen.reciprocal().mul(oldLen).sub(lowF).div(highF - lowF); // (old / wavelen - low) / (high - low)
  const smoothed = smooth.rsub(1).mul(llama).div(factor).add(smooth.mul(llama));
  const medium = wavelen.lt(highWavelen).logicalNot().logicalAnd(wavelen.gt(lowWavelen).logicalNot());
  return { invFreq: smoothed.where(medium, llama), attentionScaling: 1 };
}

/**
 * The cos / sin tables of one model (LlamaRotaryEmbedding): forward(positionIds) gives
 * (B, T, rotary_dim) each, in `dtype`. Dynamic RoPE recomputes its frequencies when positions
 * outgrow the cached length (and restores the original ones for short inputs), as HF does.
 */
export class RotaryEmbedding extends Module {
  readonly config: RopeConfig;
  /** (rotary_dim / 2) float32, non-persistent (HF never saves it) */
  declare inv_freq: Tensor;
  attentionScaling: number;
  #original: Tensor;
  #maxSeqLenCached: number;
  #longActive = false;

  constructor(config: RopeConfig) {
    super();
    this.config = config;
    const { invFreq, attentionScaling } = noGrad(() => ropeInverseFrequencies(config));
    this.registerBuffer('inv_freq', invFreq, { persistent: false });
    this.attentionScaling = attentionScaling;
    this.#original = invFreq;
    this.#maxSeqLenCached = config.maxPositionEmbeddings;
  }

  /** positionIds: (B, T) int -> [cos, sin], each (B, T, rotary_dim) in `dtype` (default float32). */
  forward(positionIds: Tensor, dtype: 'float32' | 'float16' | 'bfloat16' | 'float64' = 'float32'): [Tensor, Tensor] {
    const type = this.config.params.rope_type;
    if (type === 'dynamic' || type === 'longrope') this.#update(positionIds);
    return noGrad(() => {
      // HF: inv_freq[None, :, None] @ position_ids[:, None, :] in float32, an outer product (k = 1: exact).
      const freqs = positionIds.float().unsqueeze(-1).mul(this.inv_freq.to(positionIds.device)); // (B, T, dim/2)
      const emb = cat([freqs, freqs], -1); // (B, T, dim)
      let cos = emb.cos(), sin = emb.sin();
      if (this.attentionScaling !== 1) { cos = cos.mul(this.attentionScaling); sin = sin.mul(this.attentionScaling); }
      return [cos.to(dtype), sin.to(dtype)] as [Tensor, Tensor];
    });
  }

  /** dynamic_rope_update: grow (dynamic) or switch to the long factors (longrope) past the original length. */
  #update(positionIds: Tensor): void {
    const seqLen = (positionIds.max().item() as number) + 1;
    const p = this.config.params;
    if (p.rope_type === 'dynamic') {
      const orig = this.config.maxPositionEmbeddings;
      if (seqLen > this.#maxSeqLenCached) {
        this.#setFreqs(noGrad(() => ropeInverseFrequencies(this.config, seqLen).invFreq));
        this.#maxSeqLenCached = seqLen;
      } else if (seqLen < orig && this.#maxSeqLenCached > orig) {
        this.#setFreqs(this.#original);
        this.#maxSeqLenCached = orig;
      }
    } else {
      const orig = p.original_max_position_embeddings!;
      const wantLong = seqLen > orig;
      if (wantLong !== this.#longActive) {
        this.#longActive = wantLong;
        this.#setFreqs(wantLong ? noGrad(() => ropeInverseFrequencies(this.config, orig + 1).invFreq) : this.#original);
      }
    }
  }
  #setFreqs(t: Tensor): void {
    const old = this.inv_freq;
    this.registerBuffer('inv_freq', t, { persistent: false });
    if (old !== this.#original && old !== t) old.dispose();
  }
}

/** HF's rotate_half: (..., D) -> cat(-x[..., D/2:], x[..., :D/2]). */
export function rotateHalf(x: Tensor): Tensor {
  const half = x.size(-1) / 2;
  const x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  return cat([x2.neg(), x1], -1);
}

/**
 * apply_rotary_pos_emb: q, k (B, H, T, D) with cos, sin (B, T, R), R <= D: the first R dims rotate
 * (x * cos + rotate_half(x) * sin), the rest pass through (partial rotary).
 */
export function applyRotaryPosEmb(q: Tensor, k: Tensor, cos: Tensor, sin: Tensor): [Tensor, Tensor] {
  const c = cos.unsqueeze(1), s = sin.unsqueeze(1); // (B, 1, T, R)
  const r = cos.size(-1);
  const rot = (x: Tensor): Tensor => {
    if (r === x.size(-1)) return x.mul(c).add(rotateHalf(x).mul(s));
    const xr = x.narrow(-1, 0, r), xp = x.narrow(-1, r, x.size(-1) - r);
    return cat([xr.mul(c).add(rotateHalf(xr).mul(s)), xp], -1);
  };
  return [rot(q), rot(k)];
}
