// static-cache.ts — the cache generate() builds for `cache_implementation: 'static'`: one
// StaticCache (nn/kv-cache.ts) per layer, allocated by the layer's first update from the shape
// of its keys, so it needs no family-specific config field (num_key_value_heads, head_dim, n_head
// ...). Slots for prompt + every generated token are allocated once; reorder() permutes the rows
// in place for beam search.
import { tidy, noGrad, type Tensor } from '../torch/index.js';
import { StaticCache, type KVCache } from '../nn/index.js';

/** A static KV cache of `maxLength` slots per layer, shaped by the first keys each layer stores. */
export class LazyStaticCache implements KVCache {
  readonly maxLength: number;
  readonly #layers: StaticCache[] = [];
  constructor(maxLength: number) {
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(`LazyStaticCache: maxLength must be an integer >= 1, got ${maxLength}`);
    this.maxLength = maxLength;
  }
  update(k: Tensor, v: Tensor, layer: number): [Tensor, Tensor] {
    let c = this.#layers[layer];
    if (!c) {
      c = new StaticCache({ numLayers: 1, batchSize: k.size(0), numKvHeads: k.size(1), headDim: k.size(3), maxLength: this.maxLength, dtype: k.dtype, device: k.device });
      this.#layers[layer] = c;
    }
    return c.update(k, v, 0);
  }
  getSeqLength(layer = 0): number {
    return this.#layers[layer]?.getSeqLength(0) ?? 0;
  }
  /** Keeps the batch rows `index` (B) int64, in place (beam search). */
  reorder(index: Tensor): void {
    tidy(() => noGrad(() => {
      for (const c of this.#layers) {
        if (!c) continue;
        for (const t of [...c.keys, ...c.values]) t.copy_(t.indexSelect(0, index.to(t.device)));
      }
    }));
  }
  dispose(): void {
    for (const c of this.#layers) c?.dispose();
    this.#layers.length = 0;
  }
}
