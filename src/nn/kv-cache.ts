// kv-cache.ts — the ONE key/value cache of tunekit (transformers' cache_utils.py): DynamicCache
// grows by concatenation each step; StaticCache preallocates (B, Hkv, maxLength, D) per layer and
// writes each step in place (the attention then runs over all maxLength slots, the mask hiding the
// unwritten ones). The cache owns its tensors: they are keep()-ed, survive the tidy() scope of each
// decoding step, and are freed by dispose() (or when a step replaces them).
import { cat, zeros, noGrad, type Tensor, type DType, type Device } from '../torch/index.js';

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

/** transformers' DynamicCache: per layer, keys and values (B, Hkv, T, D) growing along T. */
export class DynamicCache implements KVCache {
  readonly maxLength = null;
  readonly keys: (Tensor | null)[] = [];
  readonly values: (Tensor | null)[] = [];

  update(k: Tensor, v: Tensor, layer: number): [Tensor, Tensor] {
    const oldK = this.keys[layer] ?? null, oldV = this.values[layer] ?? null;
    // keep(): the cached tensors outlive the tidy() scope of the step that made them.
    const newK = (oldK ? cat([oldK, k], 2) : k.alias()).keep(); // (B, Hkv, past + T, D)
    const newV = (oldV ? cat([oldV, v], 2) : v.alias()).keep();
    oldK?.dispose();
    oldV?.dispose();
    this.keys[layer] = newK;
    this.values[layer] = newV;
    return [newK, newV];
  }
  getSeqLength(layer = 0): number {
    const k = this.keys[layer];
    return k ? k.size(2) : 0;
  }
  /**
   * Keeps only the batch rows `index` (beam search reorders beams each step): index (B') int64.
   */
  reorder(index: Tensor): void {
    for (const list of [this.keys, this.values])
      for (let i = 0; i < list.length; i++) {
        const t = list[i];
        if (!t) continue;
        list[i] = t.indexSelect(0, index.to(t.device)).keep();
        t.dispose();
      }
  }
  /** Drops everything after `length` tokens (assisted decoding, prompt reuse). */
  crop(length: number): void {
    for (const list of [this.keys, this.values])
      for (let i = 0; i < list.length; i++) {
        const t = list[i];
        if (!t || t.size(2) <= length) continue;
        list[i] = t.narrow(2, 0, length).contiguous().keep();
        t.dispose();
      }
  }
  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.length = 0;
    this.values.length = 0;
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
