// causal-mask.ts — the additive attention mask of decoders: causal (with the past length a KV
// cache adds), padding, and an optional sliding window. transformers 4.47's
// _prepare_4d_causal_attention_mask_with_cache_position (Llama, Qwen2, Mistral's sliding window)
// and GPT-2 / GPT-Neo's `where(causal, scores, min) + (1 - mask) * min`.
// SDPA's is_causal is aligned top-left, so a decode step (Tq < Tk) always gets an explicit mask.
import { arange, F, type Tensor, type DType } from '../torch/index.js';
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
  const device = o.attentionMask?.device ?? 'cpu';
  const qpos = arange(past, past + tq, 1, { dtype: 'int64', device }).unsqueeze(1); // (Tq, 1)
  const kpos = arange(0, tk, 1, { dtype: 'int64', device }).unsqueeze(0); // (1, Tk)
  let blocked = kpos.gt(qpos); // (Tq, Tk) future keys
  if (o.slidingWindow) blocked = blocked.logicalOr(kpos.le(qpos.sub(o.slidingWindow))); // too far back
  let mask = blocked.float().mul(min).to(dtype).unsqueeze(0).unsqueeze(0).expand(o.batchSize, 1, tq, tk); // (B, 1, Tq, Tk)
  const am = o.attentionMask;
  if (am) {
    const len = am.size(-1);
    if (len > tk) throw new RangeError(`causalMask: attention_mask covers ${len} tokens but only ${tk} keys are attended`);
    // Keys beyond the mask (unwritten static-cache slots) are blocked by causality already: extend
    // the padding mask with "not padding" columns.
    let pad = am.eq(0); // (B, len)
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
