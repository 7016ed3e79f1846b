// causal-mask.ts — the additive attention mask of decoders: causal (with the past length a KV
// cache adds), padding, an optional sliding window, and packed sequences (several sequences in one
// row, told apart by position_ids restarting at 0: transformers 5.x masking_utils'
// find_packed_sequence_indices + packed_sequence_mask_function). transformers 4.47's
// _prepare_4d_causal_attention_mask_with_cache_position (Llama, Qwen2, Mistral's sliding window)
// and GPT-2 / GPT-Neo's `where(causal, scores, min) + (1 - mask) * min`.
// SDPA's is_causal is aligned top-left, so a decode step (Tq < Tk) always gets an explicit mask.
import { arange, cat, zeros, F, type Tensor, type DType, type Device } from '../torch/index.js';
import { FINFO_MIN } from './attention.js';

/** Options of {@link causalMask}. */
export interface CausalMaskOptions {
  /** (B, Tk_seen) 1 = token, 0 = padding, covering the past and the new tokens; null = no padding. */
  attentionMask?: Tensor | null;
  /** New (query) tokens this step. */
  queryLength: number;
  /** Tokens already in the cache: query i sits at position past + i. */
  pastLength?: number;
  /** Keys attended: past + query for a dynamic cache; a static cache's maxLength. */
  targetLength?: number;
  /** Batch size (needed when attentionMask is null). */
  batchSize: number;
  /** Query i attends to keys j with i - window < j <= i (Mistral sliding_window, GPT-Neo local). */
  slidingWindow?: number | null;
  /** Score dtype: masked entries get its most negative finite value. */
  dtype?: DType;
  /**
   * How causal and padding masks combine. 'min' (Llama, Qwen2, Mistral, OPT): a masked entry is
   * finfo.min. 'sum' (GPT-2, GPT-Neo): causal min + padding min, so an entry masked twice is -inf.
   * They differ only in rows with no key left (padded query rows), which no real token reads.
   */
  combine?: 'min' | 'sum';
  /**
   * (B, T) int64 sequence index of each token of packed rows ({@link packedSequenceIds}): query i
   * attends key j only when both carry the same index (causality and the window still apply).
   * Only without a cache (pastLength 0, targetLength = queryLength), as transformers detects packing.
   */
  segmentIds?: Tensor | null;
  /** Where to build the mask (default: the attention mask's, else the segment ids', else the CPU). */
  device?: Device;
}

/**
 * The (B, 1, Tq, Tk) additive mask: 0 where query i may attend key j, finfo(dtype).min (or -inf
 * under 'sum' when both masks apply) elsewhere. Query i is at absolute position past + i; key j at j.
 */
export function causalMask(o: CausalMaskOptions): Tensor {
  const dtype = o.dtype ?? 'float32';
  const min = FINFO_MIN[dtype];
  if (min === undefined) throw new TypeError(`causalMask: no finfo.min for dtype ${dtype}`);
  const past = o.pastLength ?? 0;
  const tq = o.queryLength;
  const tk = o.targetLength ?? past + tq;
  const seg = o.segmentIds ?? null;
  const device = o.device ?? o.attentionMask?.device ?? seg?.device ?? 'cpu';
  const qpos = arange(past, past + tq, 1, { dtype: 'int64', device }).unsqueeze(1); // (Tq, 1)
  const kpos = arange(0, tk, 1, { dtype: 'int64', device }).unsqueeze(0); // (1, Tk)
  let blocked = kpos.gt(qpos); // (Tq, Tk) future keys
  if (o.slidingWindow) blocked = blocked.logicalOr(kpos.le(qpos.sub(o.slidingWindow))); // too far back
  let mask: Tensor;
  if (seg) {
    if (past !== 0 || tk !== tq || seg.ndim !== 2 || seg.size(0) !== o.batchSize || seg.size(1) !== tq)
      throw new RangeError(`causalMask: segmentIds must be (B, T) = [${o.batchSize}, ${tq}] with no cached past (got [${seg.shape}], past ${past}, ${tk} keys): packed sequences are only masked without a cache`);
    const s = seg.to(device);
    const other = s.unsqueeze(2).ne(s.unsqueeze(1)); // (B, Tq, Tk): key j is in another sequence than query i
    mask = blocked.unsqueeze(0).logicalOr(other).float().mul(min).to(dtype).unsqueeze(1); // (B, 1, Tq, Tk)
  } else {
    mask = blocked.float().mul(min).to(dtype).unsqueeze(0).unsqueeze(0).expand(o.batchSize, 1, tq, tk); // (B, 1, Tq, Tk)
  }
  const am = o.attentionMask;
  if (am) {
    const len = am.size(-1);
    if (len > tk) throw new RangeError(`causalMask: attention_mask covers ${len} tokens but only ${tk} keys are attended`);
    // Keys beyond the mask (unwritten static-cache slots) are blocked by causality already: extend
    // the padding mask with "not padding" columns.
    let pad = (am.device === device ? am : am.to(device)).eq(0); // (B, len)
    if (len < tk) pad = F.pad(pad.float(), [0, tk - len], 0).bool(); // (B, Tk)
    const padMask = pad.unsqueeze(1).unsqueeze(1); // (B, 1, 1, Tk)
    if ((o.combine ?? 'min') === 'sum') mask = mask.add(padMask.float().mul(min).to(dtype)); // min + min = -inf
    else mask = mask.maskedFill(padMask, min);
  }
  return mask;
}

/**
 * HF's position ids for a (possibly left-padded) batch: cumsum(attention_mask) - 1, with padding
 * positions set to 1 (generation's prepare_inputs_for_generation), offset by the past length.
 * attentionMask (B, past + T) -> (B, T) int64.
 */
export function positionIdsFromMask(attentionMask: Tensor, queryLength: number): Tensor {
  const pos = attentionMask.long().cumsum(-1).sub(1); // (B, S)
  const filled = pos.maskedFill(attentionMask.eq(0), 1);
  return filled.narrow(1, filled.size(1) - queryLength, queryLength); // (B, T)
}

/**
 * Which sequence each token belongs to when several are packed into one row: a new sequence starts
 * wherever the position does not go up by exactly one from the previous token (TRL's padding-free
 * batches restart position_ids at 0; each padding token with position 0 is then a sequence of its
 * own). transformers' find_packed_sequence_indices without its "is anything packed" check (see
 * {@link packedSequenceIds}); reads nothing back from the device.
 * positionIds (B, T), or (1, T) expanded to batchSize rows -> (B, T) int64, 0 at each row's start.
 * @example sequenceIndices(tensor([[0, 1, 2, 0, 1, 0]])) // [[0, 0, 0, 1, 1, 2]]
 */
export function sequenceIndices(positionIds: Tensor, batchSize?: number): Tensor {
  if (positionIds.ndim !== 2) throw new RangeError(`sequenceIndices: position_ids must be (B, T), got [${positionIds.shape}]`);
  let pos = positionIds.long();
  if (batchSize !== undefined && pos.size(0) !== batchSize) {
    if (pos.size(0) !== 1) throw new RangeError(`sequenceIndices: position_ids has ${pos.size(0)} rows but the batch has ${batchSize} (give (B, T) or (1, T))`);
    pos = pos.expand(batchSize, pos.size(1)); // (B, T): the same positions in every row, as HF expands them
  }
  const [b, t] = pos.shape as [number, number];
  if (t === 1) return zeros([b, 1], { dtype: 'int64', device: pos.device });
  const starts = pos.narrow(1, 1, t - 1).sub(pos.narrow(1, 0, t - 1)).ne(1).long(); // (B, T - 1): token t + 1 starts a sequence
  return cat([zeros([b, 1], { dtype: 'int64', device: pos.device }), starts], 1).cumsum(1); // (B, T)
}

/**
 * transformers' find_packed_sequence_indices: the (B, T) int64 sequence index of each token
 * ({@link sequenceIndices}), or null when every row holds a single sequence (then the plain causal
 * mask applies). Deciding null reads one boolean back (free on the CPU; a sync on a device).
 * positionIds (B, T) or (1, T) with batchSize rows.
 */
export function packedSequenceIds(positionIds: Tensor, batchSize?: number): Tensor | null {
  const ids = sequenceIndices(positionIds, batchSize); // (B, T)
  return Boolean(ids.narrow(1, ids.size(1) - 1, 1).eq(0).all().item()) ? null : ids; // the last index is 0 in every row: one sequence each
}
