// varlen.ts — attention over packed rows without the (T, T) block-diagonal mask: flash-attn's
// varlen API (flash_attn_varlen_func's cu_seqlens) on plain SDPA.  A packed row holds several
// sequences back to back (TRL's padding-free batches: position_ids restart at 0); the mask path
// runs SDPA over the whole row, (sum len)^2 scores, of which all but sum(len^2) are masked.  Here
// each sequence runs its own causal SDPA (no mask, the fused kernel) and the outputs are
// concatenated back: sum(len^2) work, the same numbers (softmax over the same keys).
// Sequences are given as cu_seqlens: the (S + 1) int64 cumulative lengths over the flattened
// (B * T) tokens, 0 first and B * T last, sequences never crossing a row (flash-attn's layout).
// The boundaries are read on the host once per forward: free on the CPU; on a GPU that read would
// wait for the device, so decoders use this path on the CPU only and keep the mask there.
import { cat, tensor, zeros, type Tensor } from '../torch/index.js';
import { attention } from './attention.js';

let enabled = process.env.TUNEKIT_VARLEN !== '0';
/**
 * Turns the varlen path of packed rows on or off (default on; TUNEKIT_VARLEN=0 starts it off, for
 * benchmarks against the block-diagonal mask).  Returns the previous setting.
 */
export function setVarlenAttention(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}
/** Whether decoders run packed rows through {@link varlenAttention} (see setVarlenAttention). */
export function varlenAttentionEnabled(): boolean { return enabled; }

// The host copy of each cu_seqlens tensor made here; a tensor that was not (an alias made by
// gradient checkpointing) is read back once.
const hostCopies = new WeakMap<Tensor, number[]>();

/**
 * cu_seqlens of packed rows from their sequence indices (causal-mask.ts sequenceIndices: (B, T)
 * int64, each row's index starting at 0 and going up where a new sequence starts).  Reads the ids
 * on the host (call it on CPU tensors, or accept the sync).
 * @returns (S + 1) int64 on the CPU: 0, end of sequence 1, ..., B * T
 * @example cuSeqlensFromSegments(tensor([[0, 0, 0, 1, 1]])) // [0, 3, 5]
 */
export function cuSeqlensFromSegments(segmentIds: Tensor): Tensor {
  if (segmentIds.ndim !== 2) throw new RangeError(`cuSeqlensFromSegments: segment ids must be (B, T), got [${segmentIds.shape}]`);
  const [b, t] = segmentIds.shape as [number, number];
  const host = segmentIds.device === 'cpu' ? segmentIds : segmentIds.cpu();
  const ids = host.long().toTypedArray() as BigInt64Array;
  const cu: number[] = [0];
  for (let r = 0; r < b; r++)
    for (let j = 1; j <= t; j++) if (j === t || ids[r * t + j] !== ids[r * t + j - 1]) cu.push(r * t + j);
  const out = tensor(cu, { dtype: 'int64' });
  hostCopies.set(out, cu);
  return out;
}

/** True for what decoders hand their attention in place of a mask to ask for the varlen path: a 1-D integer cu_seqlens. */
export function isCuSeqlens(mask: Tensor | null | undefined): mask is Tensor {
  return !!mask && mask.ndim === 1 && (mask.dtype === 'int64' || mask.dtype === 'int32');
}

/** The host numbers of a cu_seqlens tensor (cached for those made by cuSeqlensFromSegments). */
export function cuSeqlensOnHost(cu: Tensor): number[] {
  let h = hostCopies.get(cu);
  if (!h) {
    h = Array.from(cu.cpu().toTypedArray() as ArrayLike<number | bigint>, Number);
    hostCopies.set(cu, h);
  }
  return h;
}

/** The longest sequence of a cu_seqlens. */
export function maxSeqlen(cu: Tensor | number[]): number {
  const c = Array.isArray(cu) ? cu : cuSeqlensOnHost(cu);
  let m = 0;
  for (let i = 1; i < c.length; i++) m = Math.max(m, c[i]! - c[i - 1]!);
  return m;
}

/** Options of {@link varlenAttention}: those of attention() that apply per sequence. */
export interface VarlenAttentionOptions {
  /** Score scale (default 1/sqrt(D)). */
  scale?: number;
  /** Dropout on the attention weights while `training` (default 0). */
  dropoutP?: number;
  /** Training mode (default true). */
  training?: boolean;
  /** The explicit math instead of a fused kernel (see AttentionOptions.eager). */
  eager?: boolean;
}

/**
 * Causal attention within each packed sequence.  q: (B, H, T, D); k, v: (B, Hkv, T, D) (grouped
 * heads as attention()); cu_seqlens: (S + 1) over the B * T flattened tokens (a tensor or its
 * host numbers).  Each sequence's q / k / v are split off along T (split: one cat in the backward,
 * not a zero-padded copy per piece), sequences of equal length run as one batched SDPA call (the
 * single-token "sequences" of padding in TRL's padding-free rows, equal chunks), and the outputs
 * are concatenated back in order.  Gradients flow to q, k, v.
 * @returns (B, H, T, D), equal to attention() with the block-diagonal causal mask.
 */
export function varlenAttention(q: Tensor, k: Tensor, v: Tensor, cuSeqlens: Tensor | number[], opts: VarlenAttentionOptions = {}): Tensor {
  if (q.ndim !== 4 || k.ndim !== 4 || v.ndim !== 4)
    throw new RangeError(`varlenAttention: q, k, v must be (B, H, T, D); got [${q.shape}], [${k.shape}], [${v.shape}]`);
  const b = q.size(0), t = q.size(2);
  if (k.size(0) !== b || v.size(0) !== b || k.size(2) !== t || v.size(2) !== t)
    throw new RangeError(`varlenAttention: q [${q.shape}], k [${k.shape}], v [${v.shape}] must share B and T (no KV cache on packed rows)`);
  const cu = Array.isArray(cuSeqlens) ? cuSeqlens : cuSeqlensOnHost(cuSeqlens);
  // Per row, the lengths of its sequences; and each sequence's (row, index in row).
  const rowLens: number[][] = Array.from({ length: b }, () => []);
  if (cu[0] !== 0 || cu[cu.length - 1] !== b * t)
    throw new RangeError(`varlenAttention: cu_seqlens must run from 0 to B * T = ${b * t}, got ${cu[0]} .. ${cu[cu.length - 1]}`);
  for (let i = 1; i < cu.length; i++) {
    const s = cu[i - 1]!, e = cu[i]!, row = Math.floor(s / t);
    if (!(e > s)) throw new RangeError(`varlenAttention: cu_seqlens must increase, got ${s} then ${e} at ${i}`);
    if (Math.floor((e - 1) / t) !== row) throw new RangeError(`varlenAttention: sequence ${i - 1} (tokens ${s}..${e - 1}) crosses the end of row ${row} (T = ${t})`);
    rowLens[row]!.push(e - s);
  }
  const run = (qs: Tensor, ks: Tensor, vs: Tensor): Tensor => attention(qs, ks, vs, {
    isCausal: true, scale: opts.scale, dropoutP: opts.dropoutP ?? 0, training: opts.training ?? true, eager: opts.eager ?? false,
  });
  if (b === 1 && rowLens[0]!.length === 1) return run(q, k, v); // one sequence: nothing to split
  const split = (x: Tensor): Tensor[][] => (b === 1 ? [x] : x.split(1, 0)).map((row, r) => (rowLens[r]!.length === 1 ? [row] : row.split(rowLens[r]!, 2))); // [row][seq] (1, h, len, D)
  const qs = split(q), ks = split(k), vs = split(v);
  // Group sequences of equal length: one SDPA over (G, H, len, D) instead of G calls.
  const groups = new Map<number, [number, number][]>();
  rowLens.forEach((lens, r) => lens.forEach((len, j) => { const g = groups.get(len); if (g) g.push([r, j]); else groups.set(len, [[r, j]]); }));
  const outs: Tensor[][] = rowLens.map((lens) => new Array<Tensor>(lens.length));
  for (const members of groups.values()) {
    if (members.length === 1) {
      const [r, j] = members[0]!;
      outs[r]![j] = run(qs[r]![j]!, ks[r]![j]!, vs[r]![j]!); // (1, H, len, D)
      continue;
    }
    const pick = (xs: Tensor[][]): Tensor => cat(members.map(([r, j]) => xs[r]![j]!), 0); // (G, h, len, D)
    const o = run(pick(qs), pick(ks), pick(vs)).split(1, 0); // G x (1, H, len, D)
    members.forEach(([r, j], g) => { outs[r]![j] = o[g]!; });
  }
  const rows = outs.map((row) => (row.length === 1 ? row[0]! : cat(row, 2))); // B x (1, H, T, D)
  return rows.length === 1 ? rows[0]! : cat(rows, 0); // (B, H, T, D)
}

/** Where the real tokens of a padded batch sit ({@link unpadInput}). */
export interface Unpadded {
  /** (N) int64: the flat (b * T + t) index of each real token, row by row. */
  indices: Tensor;
  /** (S + 1) int64 cu_seqlens of the packed (1, N) row: one sequence per non-empty row. */
  cuSeqlens: Tensor;
  /** The same on the host. */
  cu: number[];
  /** N: real tokens in the batch. */
  total: number;
}

/**
 * flash-attn's unpad_input (bert_padding.py) on the host: attention_mask (B, T) (1 = token, 0 =
 * padding, left, right or anywhere) -> the flat indices of the real tokens and the cu_seqlens of the
 * row they pack into (each batch row's real tokens one sequence; empty rows none).  Reads the mask
 * on the host (a sync on a device).
 */
export function unpadInput(attentionMask: Tensor): Unpadded {
  if (attentionMask.ndim !== 2) throw new RangeError(`unpadInput: attention_mask must be (B, T), got [${attentionMask.shape}]`);
  const [b, t] = attentionMask.shape as [number, number];
  const m = (attentionMask.device === 'cpu' ? attentionMask : attentionMask.cpu()).ne(0).to('uint8').toTypedArray() as Uint8Array;
  const idx: number[] = [], cu: number[] = [0];
  for (let r = 0; r < b; r++) {
    for (let j = 0; j < t; j++) if (m[r * t + j]) idx.push(r * t + j);
    if (idx.length > cu[cu.length - 1]!) cu.push(idx.length);
  }
  const cuSeqlens = tensor(cu, { dtype: 'int64' });
  hostCopies.set(cuSeqlens, cu);
  return { indices: tensor(idx, { dtype: 'int64', device: attentionMask.device }), cuSeqlens, cu, total: idx.length };
}

/**
 * flash-attn's pad_input: the packed (1, N, ...) or (N, ...) values of the real tokens back to
 * (B, T, ...), zeros at the padding.  Differentiable (index_add: the gradient of the packed values
 * is the padded gradient gathered at `indices`).
 */
export function padInput(packed: Tensor, indices: Tensor, batch: number, seqLen: number): Tensor {
  const x = packed.ndim >= 2 && packed.size(0) === 1 && packed.size(1) === indices.size(0) ? packed.squeeze(0) : packed; // (N, ...)
  const rest = x.shape.slice(1);
  return zeros([batch * seqLen, ...rest], { dtype: x.dtype, device: x.device }).indexAdd(0, indices, x).reshape(batch, seqLen, ...rest); // (B, T, ...)
}
