// causal-lm.ts — what every decoder-only model shares: its forward inputs and outputs (HF names),
// the per-step context (positions, the causal + padding + sliding-window masks, the cache), and
// the causal-LM loss (transformers' ForCausalLMLoss: shift by one, ignore -100, a sum divided by
// num_items_in_batch under gradient accumulation). A family's model file builds its layers and
// calls these. Packed rows (TRL's padding-free batches: position_ids restart at 0 per sequence, no
// attention_mask) attend only within their own sequence, as transformers 5.x's create_causal_mask's
// block-diagonal mask: on the CPU each sequence runs its own attention (nn/varlen.ts, flash-attn's
// varlen path: sum(len^2) work instead of (sum len)^2), elsewhere (and under a sliding window
// shorter than a sequence) the block-diagonal mask. Padded training batches can run their layers on
// the real tokens only (withUnpaddedTraining: flash-attn's unpad_input / pad_input around the base model).
import { arange, F, empty, isGradEnabled, tensor, Tensor, type DType, type Device } from '../torch/index.js';
import {
  causalMask, cuSeqlensFromSegments, cuSeqlensOnHost, DynamicCache, FINFO_MIN, Linear, maxSeqlen, packedSequenceIds, padInput, sequenceIndices, unpadInput,
  varlenAttentionEnabled, type KVCache, type Unpadded,
} from '../nn/index.js';
import { hostRange } from './inputs.js';
import type { TokenStats } from './token-stats.js';

/**
 * The key under which causalLmForward hands an unpadded batch's cu_seqlens (withUnpaddedTraining) to the
 * base model: a symbol, so checkInputs' key check and HF's input names never see it, while the
 * families' `{ ...inputs }` copies carry it to decoderStep.
 */
export const PACKED_CU_SEQLENS: unique symbol = Symbol('tunekit.cu_seqlens');

/** What a decoder base model's forward takes (HF's keyword arguments). */
export interface DecoderInputs {
  /**
   * (S + 1) int64 cu_seqlens of the packed row(s) (nn/varlen.ts; flash-attn's / HF's cu_seq_lens_q):
   * the sequences, given instead of found from restarting position_ids. Set by the unpadding of
   * causalLmForward; no attention_mask, no cache.
   */
  [PACKED_CU_SEQLENS]?: Tensor | null;
  /** (B, T) int64 token ids (or give inputs_embeds). */
  input_ids?: Tensor | null;
  /** (B, past + T): 1 = token, 0 = padding (left padding in batched generation). Default all ones. */
  attention_mask?: Tensor | null;
  /**
   * (B, T) or (1, T) positions; default past .. past + T - 1 (generate() derives them from the mask).
   * Without attention_mask and cache, positions that restart (0, 1, 2, 0, 1, ...) mark packed
   * sequences: each token attends only to its own sequence (most families; see DecoderStepOptions.packed).
   */
  position_ids?: Tensor | null;
  /** (B, T, H) input vectors instead of input_ids. */
  inputs_embeds?: Tensor | null;
  /** A KV cache to read and extend (DynamicCache / StaticCache); null = none. */
  past_key_values?: KVCache | null;
  /** Make a DynamicCache when none is given, and return it (default false: training needs none). */
  use_cache?: boolean;
  /** Also return every layer's hidden states (embeddings output first). */
  output_hidden_states?: boolean;
}
/** Inputs of a causal-LM head: the base inputs plus labels. */
export interface CausalLMInputs extends DecoderInputs {
  /** (B, T) int64 targets, usually the input_ids; -100 is ignored. Shifted inside (position t predicts t + 1). */
  labels?: Tensor | null;
  /**
   * Under gradient accumulation, the number of target tokens (labels != -100) in all micro-batches
   * of the optimizer step: the loss is then sum / num_items_in_batch (HF's loss kwargs).
   */
  num_items_in_batch?: number | Tensor | null;
  /** Only compute logits for the last N positions (generation: 1); 0 = all. */
  logits_to_keep?: number;
}

/** Output of a decoder base model. */
export interface DecoderOutput {
  /** (B, T, H) */
  last_hidden_state: Tensor;
  /** The cache (given or made with use_cache), extended by this step. */
  past_key_values?: KVCache;
  /** L + 1 tensors (B, T, H). */
  hidden_states?: Tensor[];
}
/** Output of a causal-LM head (HF CausalLMOutputWithPast). */
export interface CausalLMOutput extends Partial<TokenStats> {
  /** 0-d loss when labels were given. */
  loss?: Tensor;
  /**
   * (B, T, V), or (B, logits_to_keep, V).  (B, 0, V) when the loss was computed without logits
   * (lossType 'chunked_nll' in a training forward: see causalLmForward).
   */
  logits: Tensor;
  past_key_values?: KVCache;
  hidden_states?: Tensor[];
}

/** The accepted input names of decoder base models and causal-LM heads. */
export const DECODER_INPUTS = ['input_ids', 'attention_mask', 'position_ids', 'inputs_embeds', 'past_key_values', 'use_cache', 'output_hidden_states'] as const;
export const CAUSAL_LM_INPUTS = [...DECODER_INPUTS, 'labels', 'num_items_in_batch', 'logits_to_keep'] as const;

/** What a step's layers need: their masks (per sliding window), positions and the cache. */
export interface DecoderStep {
  /** (B, T) positions of the new tokens. */
  positionIds: Tensor;
  /** The additive mask of a layer with this sliding window (null = full causal). */
  maskFor(window: number | null): Tensor;
  /**
   * What a layer with this window hands its attention: `{ isCausal: true }` (no mask built) when
   * the step is plain causal — no padding, no cached past, no window reaching back — packed rows'
   * cu_seqlens in place of the mask when they run the varlen path (see SelfAttention), else the mask.
   */
  attentionFor(window: number | null): { mask: Tensor | null; isCausal: boolean; eager: boolean };
  cache: KVCache | null;
  /** Tokens already cached before this step. */
  pastLength: number;
}

/** Options of {@link decoderStep}. */
export interface DecoderStepOptions {
  /** How causal and padding masks combine (see causalMask): 'min' (Llama) or 'sum' (GPT-2). */
  combine?: 'min' | 'sum';
  /** The dtype of the attention scores. */
  dtype?: DType;
  /**
   * Detect packed sequences from position_ids (default true), as transformers 5.x's
   * create_causal_mask does for the families that hand it position_ids (Llama, Qwen2, Qwen3,
   * Mistral, GPT-2, GPT-Neo). OPT passes false: its create_causal_mask call gets no position_ids.
   */
  packed?: boolean;
}

/**
 * Positions, masks and cache of one forward: the new tokens sit at past .. past + T - 1 where
 * past is what the cache holds. Masks are built lazily, once per distinct sliding window.
 */
export function decoderStep(inputs: DecoderInputs, b: number, t: number, opts: DecoderStepOptions = {}): DecoderStep {
  let cache = inputs.past_key_values ?? null;
  if (!cache && inputs.use_cache) cache = new DynamicCache();
  const past = cache?.getSeqLength() ?? 0;
  const device = (inputs.input_ids ?? inputs.inputs_embeds)!.device;
  const positionIds = inputs.position_ids ?? arange(past, past + t, 1, { dtype: 'int64', device }).unsqueeze(0); // (1, T)
  const am = inputs.attention_mask ?? null;
  if (am && am.size(-1) !== past + t && !(cache?.maxLength && am.size(-1) <= cache.maxLength))
    throw new RangeError(`attention_mask covers ${am.size(-1)} tokens, but the cache holds ${past} and ${t} are new: it must cover past + new = ${past + t}`);
  const masks = new Map<number | null, Tensor>();
  // Training on rows whose keys are all masked (left padding, a local window over padding): libtorch
  // 2.x's fused CPU attention backpropagates those rows differently from HF's eager math, so such a
  // step runs the math. One check (a sync) per distinct mask, only with gradients on. Without an
  // attention_mask no row can be: every query sees its own key (causal, window >= 1, its own sequence).
  const eagerByWindow = new Map<number | null, boolean>();
  const needsEager = (window: number | null, mask: Tensor): boolean => {
    if (!isGradEnabled() || am === null) return false;
    let e = eagerByWindow.get(window);
    if (e === undefined) {
      e = Boolean(mask.amax(-1).le(FINFO_MIN[mask.dtype]! / 2).any().item());
      eagerByWindow.set(window, e);
    }
    return e;
  };
  // Plain causal: nothing cached (the query starts at key 0), a dynamic cache or none, and no
  // padding. The padding check reads the mask once (one sync), as HF's _ignore_causal_mask_sdpa.
  let noPadding: boolean | null = null;
  const hasNoPadding = (): boolean => {
    if (noPadding === null) {
      // the host's min / max of the mask, when it noted them before the move (no device read)
      const r = am === null ? undefined : hostRange(am);
      if (am === null) noPadding = true;
      else if (r && (r.lo === 0 || r.hi === 0)) noPadding = false;
      else if (r && (r.lo > 0 || r.hi < 0)) noPadding = true;
      else noPadding = Boolean(am.eq(0).any().item()) === false;
    }
    return noPadding;
  };
  // Packed sequences: transformers looks for them only when position_ids are given with no
  // attention_mask and no cache (_preprocess_mask_arguments; a cache made by use_cache counts, as
  // there), so generation never sees them. (1, T) positions are expanded to the batch.
  const pos = inputs.position_ids ?? null;
  const givenCu = inputs[PACKED_CU_SEQLENS] ?? null;
  if (givenCu && (opts.packed === false || am !== null || cache !== null))
    throw new RangeError('decoderStep: packed cu_seqlens come without attention_mask and cache, for a family that masks packed sequences');
  let segments: Tensor | null | undefined;
  const segmentIds = (): Tensor | null => {
    if (segments === undefined) {
      if (givenCu) segments = segmentIdsOf(cuSeqlensOnHost(givenCu), b, t, device);
      else if (!pos || opts.packed === false || am !== null || cache !== null || t < 2) segments = null;
      else {
        // One sequence per row spans positions p .. p + T - 1, so a host-noted range narrower than
        // T - 1 proves a restart without reading the device; otherwise one read (free on the CPU).
        const r = hostRange(pos);
        segments = r && r.hi - r.lo < t - 1 ? sequenceIndices(pos, b) : packedSequenceIds(pos, b); // (B, T) or null
      }
    }
    return segments ?? null;
  };
  // The varlen path of packed rows: their cu_seqlens, read on the host once per forward. Only on
  // the CPU, where that read is free; on a GPU it would wait for the device (the mask stays there).
  let cu: { cu: Tensor; longest: number } | null | undefined;
  const varlen = (): { cu: Tensor; longest: number } | null => {
    if (cu === undefined) {
      if (givenCu && device === 'cpu') cu = { cu: givenCu, longest: maxSeqlen(givenCu) };
      else {
        const seg = device === 'cpu' && varlenAttentionEnabled() ? segmentIds() : null;
        if (seg) { const c = cuSeqlensFromSegments(seg); cu = { cu: c, longest: maxSeqlen(c) }; } else cu = null;
      }
    }
    return cu;
  };
  const isPlain = (): boolean => past === 0 && !cache?.maxLength && hasNoPadding() && segmentIds() === null;
  return {
    positionIds,
    cache,
    pastLength: past,
    maskFor(window: number | null): Tensor {
      let m = masks.get(window);
      if (!m) {
        m = causalMask({
          attentionMask: am, queryLength: t, pastLength: past, targetLength: cache?.maxLength ?? past + t,
          batchSize: b, slidingWindow: window, dtype: opts.dtype ?? 'float32', combine: opts.combine, segmentIds: segmentIds(), device,
        });
        masks.set(window, m);
      }
      return m;
    },
    attentionFor(window: number | null): { mask: Tensor | null; isCausal: boolean; eager: boolean } {
      if ((window === null || window >= t) && isPlain()) return { mask: null, isCausal: true, eager: false };
      // Packed rows: a window at least as long as the longest sequence reaches back to its start, so
      // causal attention per sequence is the whole mask (no row is fully masked: eager not needed).
      const vl = varlen();
      if (vl && (window === null || window >= vl.longest)) return { mask: vl.cu, isCausal: false, eager: false };
      // A one-token decode step without padding attends every cached key (within the window): no mask.
      if (t === 1 && (window === null || window > past) && !cache?.maxLength && hasNoPadding()) return { mask: null, isCausal: false, eager: false };
      const mask = this.maskFor(window);
      return { mask, isCausal: false, eager: needsEager(window, mask) };
    },
  };
}

/** (B, T) int64 sequence index of each token from cu_seqlens over the flattened rows (the mask path's segmentIds). */
function segmentIdsOf(cu: number[], b: number, t: number, device: Device): Tensor {
  if (cu[cu.length - 1] !== b * t) throw new RangeError(`decoderStep: cu_seqlens end at ${cu[cu.length - 1]}, but the batch holds B * T = ${b * t} tokens`);
  const ids = new BigInt64Array(b * t);
  for (let i = 1; i < cu.length; i++) ids.fill(BigInt(i - 1), cu[i - 1]!, cu[i]!);
  return tensor(ids, { shape: [b, t], device });
}

/**
 * transformers' ForCausalLMLoss: logits (B, T, V) predict labels shifted left by one (position t
 * predicts label t + 1; the last position predicts nothing), -100 ignored, cross-entropy in float32.
 * Mean over the counted tokens, or sum / numItemsInBatch when given (gradient accumulation).
 */
export function causalLmLoss(logits: Tensor, labels: Tensor, numItemsInBatch?: number | Tensor | null): Tensor {
  const v = logits.size(-1);
  const shifted = F.pad(labels.long(), [0, 1], -100).narrow(-1, 1, labels.size(-1)); // (B, T): labels[t + 1], -100 last
  const flatLogits = logits.float().reshape(-1, v); // (B*T, V)
  const flatLabels = shifted.reshape(-1).to(logits.device); // (B*T)
  // Training on CPU: the fused kernel (the gradient made in the forward pass, one pass over the
  // (B*T, V) logits instead of four to five: ~0.2 s of a 1 s step at vocab 32000).  Same value to
  // float32 rounding; its backward runs once, which is what a training step does.
  const fused = flatLogits.requiresGrad && isGradEnabled() && flatLogits.device === 'cpu' && (flatLogits.dtype === 'float32' || flatLogits.dtype === 'float64');
  if (numItemsInBatch === undefined || numItemsInBatch === null) {
    if (!fused) return F.crossEntropy(flatLogits, flatLabels, { ignoreIndex: -100 });
    return F.fusedCrossEntropySum(flatLogits, flatLabels, -100).div(flatLabels.ne(-100).sum()); // mean over the counted tokens (NaN when none, as torch)
  }
  const sum = fused ? F.fusedCrossEntropySum(flatLogits, flatLabels, -100) : F.crossEntropy(flatLogits, flatLabels, { ignoreIndex: -100, reduction: 'sum' }); // 0-d
  return typeof numItemsInBatch === 'number' ? sum.div(numItemsInBatch) : sum.div(numItemsInBatch.to(sum.device)); // float32 / int64 -> float32, as HF
}

/** How a causal LM's training loss is computed: from the logits ('nll'), or without them ('chunked_nll'). */
export type CausalLossType = 'nll' | 'chunked_nll';

/** Checks a lossType value (a model's `lossType` setter and the Trainer's loss_type). */
export function checkLossType(v: unknown, where: string): CausalLossType {
  if (v !== 'nll' && v !== 'chunked_nll') throw new RangeError(`${where}: loss type must be 'nll' or 'chunked_nll', got ${JSON.stringify(v)}`);
  return v;
}

/**
 * TRL's loss_type="chunked_nll": causalLmLoss's value and gradients without the (B, T, V) logits.
 * hidden (B, T, H) and the head's weight go to F.linearCrossEntropySum with the labels shifted
 * left (position t predicts label t + 1); blocks of ~256 MiB of float32 logits at a time.  The
 * head must be a plain Linear: a LoRA-wrapped lm_head would lose its adapter (TRL refuses it too).
 */
export function chunkedNllLoss(hidden: Tensor, lmHead: { forward(x: Tensor): Tensor }, labels: Tensor, numItemsInBatch?: number | Tensor | null): Tensor {
  return chunkedNll(hidden, lmHead, labels, numItemsInBatch, false).loss;
}

/** chunkedNllLoss, and with `stats` TRL's token statistics from the same blocks of logits. */
function chunkedNll(hidden: Tensor, lmHead: { forward(x: Tensor): Tensor }, labels: Tensor, numItemsInBatch: number | Tensor | null | undefined,
  stats: boolean): { loss: Tensor; stats?: TokenStats } {
  // peft's ModulesToSaveWrapper (lm_head in modules_to_save): the copy in use is a plain Linear, whose
  // weight is what trains (TRL allows it; only a LoRA-wrapped head is refused)
  const cur = (lmHead as { current?: unknown }).current;
  if (!(lmHead instanceof Linear) && cur instanceof Linear && cur.constructor === Linear) lmHead = cur;
  if (!(lmHead instanceof Linear) || lmHead.constructor !== Linear)
    throw new TypeError(`lossType 'chunked_nll' reads lm_head's weight directly, so lm_head must be a plain Linear (got ${lmHead.constructor.name}: ` +
      "a LoRA adapter on lm_head would be skipped). Leave lm_head out of target_modules, or use loss_type 'nll'.");
  const [b, t, hs] = hidden.shape as [number, number, number];
  const v = lmHead.outFeatures;
  const shifted = F.pad(labels.long(), [0, 1], -100).narrow(-1, 1, labels.size(-1)).reshape(-1).to(hidden.device); // (B*T)
  // two (rows, V) float32 buffers of ~128 MiB each (the op reuses them block after block)
  const chunkRows = Math.max(64, Math.floor(2 ** 25 / v));
  const flat = hidden.reshape(b * t, hs);
  const valid = shifted.ne(-100).sum(); // 0-d int64
  let sum: Tensor, tokenStats: TokenStats | undefined;
  if (stats) {
    const r = F.linearCrossEntropyWithStats(flat, lmHead.weight, lmHead.bias, shifted, { ignoreIndex: -100, chunkRows });
    sum = r.sum;
    tokenStats = { num_correct_tokens: r.numCorrect, entropy_sum: r.entropySum, num_valid_tokens: valid };
  } else {
    sum = F.linearCrossEntropySum(flat, lmHead.weight, lmHead.bias, shifted, { ignoreIndex: -100, chunkRows }); // 0-d float32
  }
  const loss = numItemsInBatch === undefined || numItemsInBatch === null ? sum.div(valid)
    : typeof numItemsInBatch === 'number' ? sum.div(numItemsInBatch) : sum.div(numItemsInBatch.to(sum.device));
  return { loss, ...(tokenStats ? { stats: tokenStats } : {}) };
}

/**
 * Learned position tables (GPT-2, OPT, GPT-Neo) have `maxPositions` rows. checkInputs sees only
 * the new tokens; with a cache the default positions run on to past + T - 1, so the past counts
 * too. Throws a RangeError naming the limit, not an index error from the embedding lookup.
 */
export function checkPositionTable(who: string, pastLength: number, t: number, maxPositions: number, field = 'max_position_embeddings'): void {
  if (pastLength + t <= maxPositions) return;
  throw new RangeError(`${who}: ${pastLength} cached + ${t} new tokens = ${pastLength + t} positions exceed ${field} ${maxPositions} ` +
    `(the learned position table holds positions 0..${maxPositions - 1}); keep prompt + generated tokens within ${maxPositions}`);
}

/**
 * The causal-LM head every family shares: split off the head's own inputs, run the base model on
 * the rest, project the last `logits_to_keep` positions (all when 0) with `lmHead`, and the shifted
 * loss when labels are given. `base(inputs)` runs the family's base model (the inputs already checked).
 */
export function causalLmForward(inputs: CausalLMInputs, base: (inputs: DecoderInputs) => DecoderOutput, lmHead: { forward(x: Tensor): Tensor },
  lossType: CausalLossType = 'nll', tokenStats = false): CausalLMOutput {
  const { labels, num_items_in_batch: n, logits_to_keep: keep, ...rest } = inputs;
  const plan = keep ? null : unpadPlan(rest, labels ?? null);
  const out = plan ? unpaddedBase(rest, plan, base) : base(rest);
  let h = out.last_hidden_state; // (B, T, H)
  if (labels && lossType === 'chunked_nll' && isGradEnabled()) {
    // TRL's chunked output also carries what its metrics need (mean_token_accuracy, entropy), from the same pass
    const { loss, stats } = chunkedNll(h, lmHead, labels, n, tokenStats);
    const logits = empty([h.size(0), 0, (lmHead as { outFeatures?: number }).outFeatures ?? 0], { device: h.device }); // (B, 0, V): none made
    return { loss, logits, ...(stats ?? {}), ...(out.past_key_values ? { past_key_values: out.past_key_values } : {}), ...(out.hidden_states ? { hidden_states: out.hidden_states } : {}) };
  }
  if (keep && keep > 0 && keep < h.size(1)) h = h.narrow(1, h.size(1) - keep, keep); // (B, keep, H)
  const logits = lmHead.forward(h); // (B, T, V)
  const loss = labels ? causalLmLoss(logits, labels, n) : undefined;
  return { ...(loss ? { loss } : {}), logits, ...(out.past_key_values ? { past_key_values: out.past_key_values } : {}), ...(out.hidden_states ? { hidden_states: out.hidden_states } : {}) };
}

// ---- unpadded training (flash-attn's unpad_input / pad_input, HF's padding-free training) ----

// TUNEKIT_UNPAD=1 turns it on for every forward that qualifies (benchmarks of trainers that do not
// call withUnpaddedTraining themselves).
let unpadding = process.env.TUNEKIT_UNPAD === '1';
/**
 * Runs `fn` with the training forwards of causal LMs inside unpadding their padded batches (the
 * SFTTrainer's training steps): the real tokens of a (B, T) batch with an attention_mask are
 * gathered into one packed row (their positions as the padded forward has them), the layers run on
 * it with varlen attention, and the last hidden states go back to (B, T, H), zeros at the padding,
 * before lm_head and the loss.  Same loss and gradients; the linears and the attention skip the
 * padding.  Only where it is exact and cheap: a CPU forward with gradients, labels, no cache, no
 * hidden states asked for, the varlen path on, and no counted label predicted from a padding
 * position (left padding with a label on the first real token would be); else the padded forward.
 * The logits of padding positions are then lm_head(0), not the padded forward's: nothing counted
 * reads them (the loss and TRL's token statistics skip labels -100).  Only for the families in
 * {@link UNPAD_MODEL_TYPES} (OPT derives its positions from the attention_mask).
 */
export function withUnpaddedTraining<T>(fn: () => T): T {
  const was = unpadding;
  unpadding = true;
  try {
    return fn();
  } finally {
    unpadding = was;
  }
}
/** The model_types whose decoders mask packed sequences (decoderStep's `packed`), so unpadding applies. */
export const UNPAD_MODEL_TYPES: readonly string[] = ['llama', 'qwen2', 'qwen3', 'mistral', 'gpt2', 'gpt_neo'];

/** Whether this forward unpads (see withUnpaddedTraining), and where its real tokens are. */
function unpadPlan(rest: DecoderInputs, labels: Tensor | null): Unpadded | null {
  if (!unpadding || !labels || !isGradEnabled() || !varlenAttentionEnabled()) return null;
  const am = rest.attention_mask ?? null;
  const x = rest.input_ids ?? rest.inputs_embeds ?? null;
  if (!am || !x || am.ndim !== 2 || x.device !== 'cpu' || rest.past_key_values || rest.use_cache || rest.output_hidden_states || rest[PACKED_CU_SEQLENS]) return null;
  const [b, t] = am.shape as [number, number];
  if (labels.ndim !== 2 || labels.size(0) !== b || labels.size(1) !== t || x.size(1) !== t) return null;
  const m = am.ne(0).to('uint8').toTypedArray() as Uint8Array; // host reads: free on the CPU
  if (m.every((v) => v === 1)) return null; // no padding: the plain causal forward
  const lab = labels.long().toTypedArray() as BigInt64Array;
  for (let r = 0; r < b; r++)
    for (let j = 1; j < t; j++) if (lab[r * t + j] !== -100n && !m[r * t + j - 1]) return null; // a padding position's logits are counted
  const u = unpadInput(am);
  return u.total > 0 ? u : null;
}

/** The base model over the real tokens only (one packed row), its last hidden state put back to (B, T, H). */
function unpaddedBase(rest: DecoderInputs, u: Unpadded, base: (inputs: DecoderInputs) => DecoderOutput): DecoderOutput {
  const [b, t] = rest.attention_mask!.shape as [number, number];
  const gather = (v: Tensor): Tensor => v.reshape(b * t, ...v.shape.slice(2)).indexSelect(0, u.indices).unsqueeze(0); // (1, N, ...)
  const packed: Record<string | symbol, unknown> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (k === 'attention_mask' || v === undefined || v === null) continue;
    if (v instanceof Tensor && k === 'position_ids' && v.size(0) === 1 && b > 1) packed[k] = gather(v.expand(b, t));
    else packed[k] = v instanceof Tensor && v.ndim >= 2 && v.size(0) === b && v.size(1) === t ? gather(v) : v; // (B, T, ...) inputs: ids, embeds, token types
  }
  // the positions of the padded forward (past 0: 0 .. T - 1 in every row, padding included)
  packed.position_ids ??= gather(arange(0, t, 1, { dtype: 'int64', device: u.indices.device }).unsqueeze(0).expand(b, t)); // (1, N)
  packed[PACKED_CU_SEQLENS] = u.cuSeqlens;
  const out = base(packed as DecoderInputs);
  return { ...out, last_hidden_state: padInput(out.last_hidden_state, u.indices, b, t) }; // (B, T, H)
}
