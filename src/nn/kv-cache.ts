// kv-cache.ts — the ONE key/value cache of tunekit (transformers' cache_utils.py): DynamicCache
// grows by concatenation each step; StaticCache preallocates (B, Hkv, maxLength, D) per layer and
// writes each step in place (the attention then runs over all maxLength slots, the mask hiding the
// unwritten ones). The cache owns its tensors: they are keep()-ed, survive the tidy() scope of each
// decoding step, and are freed by dispose() (or when a step replaces them).
import { cat, zeros, noGrad, isGradEnabled, tidy, type Tensor, type DType, type Device } from '../torch/index.js';

/** What an attention layer needs from a cache. */
export interface KVCache {
  /**
   * Appends this step's k, v (B, Hkv, T, D) for `layer` and returns the keys and values to attend
   * to: (B, Hkv, past + T, D) for a dynamic cache, (B, Hkv, maxLength, D) for a static one.
   */
  update(k: Tensor, v: Tensor, layer: number): [Tensor, Tensor];
  /** Tokens already cached (of layer 0): the past length the next step starts at. */
  getSeqLength(layer?: number): number;
  /** The attended key length is this many slots (static caches), or null: past + new (dynamic). */
  readonly maxLength: number | null;
  /** Frees every cached tensor. */
  dispose(): void;
}

/**
 * transformers' DynamicCache: per layer, keys and values (B, Hkv, T, D) growing along T. With
 * gradients off (generation) each layer keeps a buffer with spare room that doubles when full, so a
 * step writes its T new positions in place instead of copying the whole cache (torch.cat, as HF
 * does, copies past + T positions every step); `update` returns the filled part as a view. With
 * gradients on (training through a cache) it concatenates, so the graph stays intact.
 */
export class DynamicCache implements KVCache {
  readonly maxLength = null;
  #k: (Tensor | null)[] = [];
  #v: (Tensor | null)[] = [];
  #len: number[] = [];

  /** The cached keys of each layer (B, Hkv, T, D) — views of the buffers; null for an unused layer. */
  get keys(): (Tensor | null)[] { return this.#k.map((t, i) => (t ? t.narrow(2, 0, this.#len[i]!) : null)); }
  /** The cached values of each layer (B, Hkv, T, D). */
  get values(): (Tensor | null)[] { return this.#v.map((t, i) => (t ? t.narrow(2, 0, this.#len[i]!) : null)); }

  update(k: Tensor, v: Tensor, layer: number): [Tensor, Tensor] {
    const past = this.#len[layer] ?? 0, t = k.size(2), need = past + t;
    let K = this.#k[layer] ?? null, V = this.#v[layer] ?? null;
    if (isGradEnabled() && (k.requiresGrad || v.requiresGrad)) {
      // Training through a cache: keep the graph (a concatenation, as HF).
      const nk = (K ? cat([K.narrow(2, 0, past), k], 2) : k.alias()).keep(); // (B, Hkv, past + T, D)
      const nv = (V ? cat([V.narrow(2, 0, past), v], 2) : v.alias()).keep();
      K?.dispose(); V?.dispose();
      this.#k[layer] = nk; this.#v[layer] = nv; this.#len[layer] = need;
      return [nk, nv];
    }
    if (!K || !V || K.size(2) < need) {
      // Grow to twice what is needed (at least 256 slots), copying the cached part once.
      const cap = Math.max(2 * need, 256);
      noGrad(() => {
        const nk = zeros([k.size(0), k.size(1), cap, k.size(3)], { dtype: k.dtype, device: k.device }).keep();
        const nv = zeros([v.size(0), v.size(1), cap, v.size(3)], { dtype: v.dtype, device: v.device }).keep();
        if (K && V && past > 0) {
          tidy(() => { nk.narrow(2, 0, past).copy_(K!.narrow(2, 0, past)); nv.narrow(2, 0, past).copy_(V!.narrow(2, 0, past)); });
        }
        K?.dispose(); V?.dispose();
        K = nk; V = nv;
      });
      this.#k[layer] = K; this.#v[layer] = V;
    }
    noGrad(() => tidy(() => { K!.narrow(2, past, t).copy_(k); V!.narrow(2, past, t).copy_(v); }));
    this.#len[layer] = need;
    return [K!.narrow(2, 0, need), V!.narrow(2, 0, need)]; // (B, Hkv, past + T, D) views, freed by the step's scope
  }
  getSeqLength(layer = 0): number {
    return this.#len[layer] ?? 0;
  }
  /**
   * Keeps only the batch rows `index` (beam search reorders beams each step): index (B') int64.
   */
  reorder(index: Tensor): void {
    for (const list of [this.#k, this.#v])
      for (let i = 0; i < list.length; i++) {
        const t = list[i];
        if (!t) continue;
        const len = this.#len[i] ?? 0;
        if (index.size(0) === t.size(0) && !t.requiresGrad) {
          // same batch size: permute only the filled positions, in place — the spare room of the
          // buffer (up to 2x, >= 256 slots) is not copied at every beam step
          noGrad(() => tidy(() => { const filled = t.narrow(2, 0, len); filled.copy_(filled.indexSelect(0, index.to(t.device))); }));
          continue;
        }
        list[i] = noGrad(() => t.indexSelect(0, index.to(t.device))).keep();
        t.dispose();
      }
  }
  /** Drops everything after `length` tokens (assisted decoding, prompt reuse). */
  crop(length: number): void {
    for (let i = 0; i < this.#len.length; i++) this.#len[i] = Math.min(this.#len[i] ?? 0, length);
  }
  dispose(): void {
    for (const t of [...this.#k, ...this.#v]) t?.dispose();
    this.#k = [];
    this.#v = [];
    this.#len = [];
  }
}

/** Shape of a StaticCache. */
export interface StaticCacheOptions {
  numLayers: number;
  batchSize: number;
  numKvHeads: number;
  headDim: number;
  /** Slots per layer: prompt + every generated token must fit. */
  maxLength: number;
  dtype?: DType;
  device?: Device;
}

/**
 * transformers' StaticCache: (B, Hkv, maxLength, D) per layer, allocated once; each step writes
 * its T new positions at [past, past + T). No allocation per step, so memory is flat and known up
 * front; the attention covers all maxLength slots and the causal mask hides the empty ones.
 */
export class StaticCache implements KVCache {
  readonly maxLength: number;
  readonly keys: Tensor[];
  readonly values: Tensor[];
  #length: number[];

  constructor(o: StaticCacheOptions) {
    this.maxLength = o.maxLength;
    const shape = [o.batchSize, o.numKvHeads, o.maxLength, o.headDim];
    const opts = { dtype: o.dtype ?? 'float32', device: o.device };
    this.keys = Array.from({ length: o.numLayers }, () => zeros(shape, opts).keep());
    this.values = Array.from({ length: o.numLayers }, () => zeros(shape, opts).keep());
    this.#length = new Array(o.numLayers).fill(0);
  }

  update(k: Tensor, v: Tensor, layer: number): [Tensor, Tensor] {
    const K = this.keys[layer], V = this.values[layer];
    if (!K || !V) throw new RangeError(`StaticCache: layer ${layer} out of range (${this.keys.length} layers)`);
    const past = this.#length[layer]!, t = k.size(2);
    if (past + t > this.maxLength)
      throw new RangeError(`StaticCache: ${past} cached + ${t} new tokens exceed its maxLength ${this.maxLength}`);
    noGrad(() => {
      K.narrow(2, past, t).copy_(k);
      V.narrow(2, past, t).copy_(v);
    });
    this.#length[layer] = past + t;
    return [K, V];
  }
  getSeqLength(layer = 0): number {
    return this.#length[layer] ?? 0;
  }
  /** Empties the cache for a new prompt without reallocating. */
  reset(): void {
    this.#length.fill(0);
  }
  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t.dispose();
  }
}

/**
 * transformers' EncoderDecoderCache: a decoder's self-attention cache, which grows by one position
 * per step, beside the cross-attention keys and values of each layer — the encoder output projected
 * (B, Hkv, Ts, D), computed at the first step and read unchanged after it (`isUpdated(layer)`).
 * The past length the decoder's positions start at is the self-attention's.
 */
export class EncoderDecoderCache implements KVCache {
  readonly maxLength = null;
  #ck: (Tensor | null)[] = [];
  #cv: (Tensor | null)[] = [];
  constructor(readonly selfAttentionCache: DynamicCache = new DynamicCache()) {}

  /** Self-attention update (the KVCache contract): the decoder's new k, v appended. */
  update(k: Tensor, v: Tensor, layer: number): [Tensor, Tensor] {
    return this.selfAttentionCache.update(k, v, layer);
  }
  /** Stores the encoder-side k, v (B, Hkv, Ts, D) of `layer` (kept: they outlive the step's scope). */
  updateCross(k: Tensor, v: Tensor, layer: number): [Tensor, Tensor] {
    this.#ck[layer]?.dispose();
    this.#cv[layer]?.dispose();
    this.#ck[layer] = k.keep();
    this.#cv[layer] = v.keep();
    return [k, v];
  }
  /** The cross-attention k, v of `layer` were computed at an earlier step. */
  isUpdated(layer: number): boolean {
    return Boolean(this.#ck[layer]);
  }
  /** The cached cross-attention keys and values of `layer` (B, Hkv, Ts, D). */
  cross(layer: number): [Tensor, Tensor] {
    const k = this.#ck[layer], v = this.#cv[layer];
    if (!k || !v) throw new RangeError(`EncoderDecoderCache: no cross-attention keys for layer ${layer}`);
    return [k, v];
  }
  getSeqLength(layer = 0): number {
    return this.selfAttentionCache.getSeqLength(layer);
  }
  /**
   * Keeps batch rows `index` (beam search) in both caches: index (B') int64. `crossAttention: false`
   * leaves the cross-attention k/v as they are — right when every index stays within its group of
   * rows expanded from one encoder row (beam search: the beams of a prompt share its encoder output,
   * so their cross k/v are equal and the permutation changes nothing; HF copies them anyway).
   */
  reorder(index: Tensor, opts: { crossAttention?: boolean } = {}): void {
    this.selfAttentionCache.reorder(index);
    if (opts.crossAttention === false) return;
    for (const list of [this.#ck, this.#cv])
      for (let i = 0; i < list.length; i++) {
        const t = list[i];
        if (!t) continue;
        list[i] = noGrad(() => t.indexSelect(0, index.to(t.device))).keep();
        t.dispose();
      }
  }
  dispose(): void {
    this.selfAttentionCache.dispose();
    for (const t of [...this.#ck, ...this.#cv]) t?.dispose();
    this.#ck = [];
    this.#cv = [];
  }
}
