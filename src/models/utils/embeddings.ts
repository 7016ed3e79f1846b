// embeddings.ts — PreTrainedModel's embedding utilities (transformers 5.x modeling_utils.py
// EmbeddingAccessMixin and resize_token_embeddings): finding the input / output embeddings, and
// resizing the vocabulary in place, the added rows drawn from the old rows' mean and covariance
// (_init_added_embeddings_weights_with_mean) or HF's normal init.  Tensors are resized with setData,
// so a parameter keeps its identity (an optimizer's reference, a tied head) as `param.data = ...`.
import { arange, noGrad, randn, tensor, tidy, zeros, cat, type Tensor } from '../../torch/index.js';
import { Module, Embedding, Linear } from '../../nn/index.js';

/** Where the word embeddings of the base models live (HF's get_input_embeddings per architecture). */
export const INPUT_EMBEDDING_PATHS = ['embed_tokens', 'embeddings.word_embeddings', 'wte', 'decoder.embed_tokens', 'shared'] as const;

/** The submodule at a dotted path, or undefined. */
export function submodule(root: Module, path: string): Module | undefined {
  let m: unknown = root;
  for (const part of path.split('.')) {
    if (!(m instanceof Module)) return undefined;
    m = (m as unknown as Record<string, unknown>)[part];
  }
  return m instanceof Module ? m : undefined;
}

/** Options of resizeTokenEmbeddings. */
export interface ResizeOptions {
  /** Round the new size up to a multiple of this (with no size given: the current size rounded up). */
  padToMultipleOf?: number;
  /**
   * Added rows drawn from N(mean, 1e-9 · covariance) of the old rows (default true; HF's
   * mean_resizing), or the model's normal init (N(0, initializer_range)) when false.
   */
  meanResizing?: boolean;
}

/** The new vocabulary size HF's _get_resized_embeddings computes, or null for "leave as is". */
export function targetSize(current: number, n: number | null | undefined, padToMultipleOf: number | undefined): number | null {
  if (n !== undefined && n !== null && (!Number.isInteger(n) || n < 0)) throw new RangeError(`resizeTokenEmbeddings: the new size must be a non-negative integer, got ${n}`);
  if (padToMultipleOf === undefined) return n ?? null;
  if (!Number.isInteger(padToMultipleOf) || padToMultipleOf < 1)
    throw new TypeError(`Asking to pad the embedding matrix to a multiple of \`${padToMultipleOf}\`, which is not a positive integer. Please make sure to pass an integer`);
  const base = n ?? current;
  return Math.ceil(base / padToMultipleOf) * padToMultipleOf;
}

/**
 * Lower Cholesky factor of a symmetric matrix (D, D), or null when it is not positive definite
 * (torch.distributions.constraints.positive_definite: cholesky_ex info != 0).  Computed in float64,
 * blocked: each (b, b) diagonal block is factored in JS, the panel and the trailing update are
 * native matmuls, so D = 4096 costs about D^3 / 3 native flops.  A pivot below D · 2^-52 of the
 * largest diagonal entry counts as zero (a rank-deficient covariance, e.g. fewer rows than
 * columns, is not positive definite even when rounding leaves its pivots a hair above 0).
 */
export function choleskyLower(a: Tensor, block = 128): Tensor | null {
  return tidy(() => noGrad(() => {
    const d = a.size(0);
    const A = a.double().contiguous().clone(); // (D, D), overwritten by L
    const diag = A.reshape(-1).indexSelect(0, arange(0, d * d, d + 1, { device: A.device })); // (D)
    const floor = d * 2 ** -52 * Math.max(diag.abs().max().item() as number, Number.MIN_VALUE);
    for (let k = 0; k < d; k += block) {
      const ok = tidy(() => { // one block column: its temporaries (up to (D, D)) die here
        const kb = Math.min(block, d - k);
        const a11 = A.narrow(0, k, kb).narrow(1, k, kb); // (kb, kb) view
        const l11 = cholJs(Float64Array.from(a11.contiguous().toTypedArray() as Float64Array), kb, floor);
        if (!l11) return false;
        a11.copy_(tensor(l11, { shape: [kb, kb], dtype: 'float64', device: A.device }));
        const m = d - k - kb;
        if (m === 0) return true;
        const inv = tensor(invLowerJs(l11, kb), { shape: [kb, kb], dtype: 'float64', device: A.device }); // L11^-1
        const a21 = A.narrow(0, k + kb, m).narrow(1, k, kb); // (m, kb) view
        const L21 = a21.mm(inv.transpose(0, 1)); // A21 L11^-T: (m, kb)
        a21.copy_(L21);
        A.narrow(0, k + kb, m).narrow(1, k + kb, m).sub_(L21.mm(L21.transpose(0, 1))); // A22 -= L21 L21^T: (m, m)
        return true;
      });
      if (!ok) return null;
    }
    return A.tril(); // (D, D)
  }));
}

/** Unblocked Cholesky of an (n, n) row-major block; null at a pivot <= floor. */
function cholJs(a: Float64Array, n: number, floor: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let p = 0; p < j; p++) s -= l[j * n + p]! ** 2;
    if (!(s > floor)) return null;
    const ljj = Math.sqrt(s);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j]!;
      for (let p = 0; p < j; p++) t -= l[i * n + p]! * l[j * n + p]!;
      l[i * n + j] = t / ljj;
    }
  }
  return l;
}

/** Inverse of a lower-triangular (n, n) row-major matrix (forward substitution per column). */
function invLowerJs(l: Float64Array, n: number): Float64Array {
  const x = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let p = c; p < i; p++) s -= l[i * n + p]! * x[p * n + c]!;
      x[i * n + c] = s / l[i * n + i]!;
    }
  }
  return x;
}

/**
 * HF's _init_added_embeddings_weights_with_mean: `added` rows (added, D) drawn from
 * N(mean, 1e-9 · cov) of `old` (N, D) (mean and covariance in float32 as HF, the factorisation
 * in float64), or the mean repeated when 1e-9 · cov is not positive definite.  In old's dtype.
 */
export function meanInitRows(old: Tensor, added: number): Tensor {
  return tidy(() => noGrad(() => {
    const w = old.float(); // (N, D)
    const mean = w.mean(0); // (D)
    const centered = w.sub(mean); // (N, D)
    const cov = centered.transpose(0, 1).mm(centered).div(w.size(0)); // (D, D)
    const l = choleskyLower(cov.mul(1e-9));
    if (!l) return mean.unsqueeze(0).expand(added, mean.size(0)).to(old.dtype).contiguous(); // (added, D)
    const z = randn([added, mean.size(0)], { dtype: 'float64', device: old.device }); // (added, D)
    return z.mm(l.transpose(0, 1)).add(mean.double()).to(old.dtype); // mean + L z
  }));
}

/** HF's _init_added_lm_head_bias_with_mean: N(mean(b), (1e-9 · std(b))^2) for the added entries. */
export function meanInitBias(old: Tensor, added: number): Tensor {
  return tidy(() => noGrad(() => {
    const b = old.float();
    const mean = b.mean().item() as number, std = b.numel() > 1 ? (b.std().item() as number) : 0;
    return randn([added], { device: old.device }).mul(1e-9 * std).add(mean).to(old.dtype); // (added)
  }));
}

/**
 * Rows [0, n) of a (rows, ...) tensor: the old rows first, then `fresh` (the added rows) when it
 * grows, a prefix when it shrinks.  Returns a new tensor.
 */
function resizedRows(old: Tensor, n: number, fresh: () => Tensor): Tensor {
  const rows = old.size(0);
  if (n <= rows) return old.narrow(0, 0, n).clone();
  return cat([old.detach(), fresh()], 0);
}

/** Replaces `weight`'s data by its first n rows (+ added ones), in place. */
function setRows(t: Tensor, n: number, fresh: () => Tensor): void {
  if (t.size(0) === n) return;
  tidy(() => noGrad(() => { t.setData(resizedRows(t, n, fresh)); }));
  t.grad = null; // a gradient of the old shape would break the next step
}

/**
 * Resizes an Embedding to n rows in place (HF _get_resized_embeddings): old rows kept, new rows
 * from meanInitRows or `init` (the model's normal init of a fresh Embedding); a padding index
 * beyond the new size is dropped; a stale gradient is cleared.
 */
export function resizeEmbedding(e: Embedding, n: number, meanResizing: boolean, init: (m: Module) => void): void {
  const old = e.numEmbeddings;
  if (n !== old) {
    const fresh = n > old && !meanResizing ? new Embedding(n - old, e.embeddingDim, { dtype: e.weight.dtype, device: e.weight.device }) : null;
    if (fresh) init(fresh);
    setRows(e.weight, n, () => (fresh ? fresh.weight.detach() : meanInitRows(e.weight, n - old))); // (n - old, D) added
    fresh?.dispose();
  }
  const self = e as unknown as { numEmbeddings: number; paddingIdx: number | null };
  self.numEmbeddings = n;
  if (self.paddingIdx !== null && n - 1 < self.paddingIdx) self.paddingIdx = null;
}

/**
 * Resizes an untied output projection (lm_head, D -> V) to n outputs in place (HF
 * _get_resized_lm_head): weight rows as resizeEmbedding, bias by meanInitBias or the init's zeros.
 */
export function resizeLinearRows(l: Linear, n: number, meanResizing: boolean, init: (m: Module) => void): void {
  const old = l.weight.size(0);
  if (n !== old) {
    const fresh = n > old && !meanResizing ? new Linear(l.inFeatures, n - old, { bias: l.bias !== null, dtype: l.weight.dtype, device: l.weight.device }) : null;
    if (fresh) init(fresh);
    setRows(l.weight, n, () => (fresh ? fresh.weight.detach() : meanInitRows(l.weight, n - old))); // (n - old, D) added
    if (l.bias) setRows(l.bias, n, () => (fresh ? fresh.bias!.detach() : meanInitBias(l.bias!, n - old))); // (n - old) added
    fresh?.dispose();
  }
  (l as unknown as { outFeatures: number }).outFeatures = n;
}

/** HF's _adjust_bias for a tied head: the bias padded with zeros (or cut) to the weight's rows. */
export function adjustTiedBias(l: Linear): void {
  const n = l.weight.size(0);
  if (l.bias && l.bias.size(0) !== n) setRows(l.bias, n, () => zeros([n - l.bias!.size(0)], { dtype: l.bias!.dtype, device: l.bias!.device }));
  (l as unknown as { outFeatures: number }).outFeatures = n;
}
