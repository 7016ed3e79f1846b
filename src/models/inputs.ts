// inputs.ts — what every model's forward shares: HF's argument and ModelOutput field names as
// TypeScript types, and the input checks a forward runs before any embedding lookup (shapes, id
// ranges, unexpected keys), with messages naming the model, the argument and the limit.
import { stack, tidy, type Tensor, type DType, type Device } from '../torch/index.js';
import { paddingMask } from '../nn/index.js';

/** What an encoder's forward takes: HF's keyword arguments, as tensors. */
export interface EncoderInputs {
  /** (B, T) int64 token ids (or give inputs_embeds). */
  input_ids?: Tensor | null;
  /** (B, T): 1 = token, 0 = padding (default all ones).  Any integer / float / bool dtype. */
  attention_mask?: Tensor | null;
  /** (B, T) int64 segment ids (default zeros). */
  token_type_ids?: Tensor | null;
  /** (B, T) int64 positions (default 0..T-1; RoBERTa: derived from the padding). */
  position_ids?: Tensor | null;
  /** (B, T, H) input vectors instead of input_ids. */
  inputs_embeds?: Tensor | null;
  /** Also return every layer's hidden states (embeddings output first). */
  output_hidden_states?: boolean;
}
/** Inputs of the classification and masked-LM heads. */
export interface LabeledInputs extends EncoderInputs {
  /**
   * Sequence classification: (B) int64 class ids (single-label), (B, num_labels) multi-hot
   * (multi-label) or (B) / (B, num_labels) floats (regression).  Token classification and MLM:
   * (B, T) int64 with -100 where ignored.
   */
  labels?: Tensor | null;
}
/** Inputs of the extractive question-answering head. */
export interface QuestionAnsweringInputs extends EncoderInputs {
  /** (B) int64 answer start token; values outside [0, T) are clamped to T and ignored. */
  start_positions?: Tensor | null;
  /** (B) int64 answer end token (same rule). */
  end_positions?: Tensor | null;
}

/** Output of a base model (HF BaseModelOutputWithPooling). */
export interface BaseModelOutput {
  /** (B, T, H) */
  last_hidden_state: Tensor;
  /** (B, H): tanh(dense(first token)), only where the model has a pooler. */
  pooler_output?: Tensor;
  /** L + 1 tensors (B, T, H): embeddings output, then each layer's output. */
  hidden_states?: Tensor[];
}
/** Output of the classification / MLM heads (HF SequenceClassifierOutput etc.). */
export interface ClassifierOutput {
  /** 0-d loss, when labels were given. */
  loss?: Tensor;
  /** (B, num_labels) sequence classification; (B, T, num_labels) token classification; (B, T, V) MLM. */
  logits: Tensor;
  hidden_states?: Tensor[];
}
export type SequenceClassifierOutput = ClassifierOutput;
export type TokenClassifierOutput = ClassifierOutput;
export type MaskedLMOutput = ClassifierOutput;
/** Output of the question-answering head (HF QuestionAnsweringModelOutput). */
export interface QuestionAnsweringOutput {
  /** 0-d (start CE + end CE) / 2, when both positions were given. */
  loss?: Tensor;
  /** (B, T) */
  start_logits: Tensor;
  /** (B, T) */
  end_logits: Tensor;
  hidden_states?: Tensor[];
}

/**
 * What an encoder's embeddings can look up (read off its embedding tables, which the config
 * sized): forward checks the input shapes and ids against these before any lookup, so bad inputs fail with a message naming the model, the
 * argument and the limit instead of an index error deep in libtorch (on CUDA, a device-side
 * assert that poisons the context).
 */
export interface InputLimits {
  /** config.vocab_size: input_ids must lie in [0, vocabSize). */
  vocabSize: number;
  /** config.hidden_size (DistilBERT: dim): the last dim of inputs_embeds. */
  hiddenSize: number;
  /** config.max_position_embeddings: the rows of the position table. */
  maxPositions: number;
  /**
   * RoBERTa: positions computed from the inputs start at pad_token_id + 1, so without
   * position_ids a sequence holds at most maxPositions - positionOffset tokens.  0 (default): BERT.
   */
  positionOffset?: number;
  /** config.type_vocab_size, for models that take token_type_ids: their values lie in [0, typeVocabSize). */
  typeVocabSize?: number;
  /**
   * Decoders: attention_mask covers the cached past as well as the new tokens (B, past + T), so
   * its shape is checked against the cache where the step is built, not here.
   */
  maskCoversPast?: boolean;
}

// Inputs objects a head has checked and passes on to its base model (see markChecked).
const checkedInputs = new WeakSet<object>();

/**
 * What the host knew of an index or mask tensor before it went to a device: its smallest and
 * largest value.  The id-range check and the padding check read these instead of reducing on the
 * device, where reading a number back waits for the GPU (one sync per forward otherwise).
 */
const hostRanges = new WeakMap<Tensor, { lo: number; hi: number }>();
const INTEGRAL: readonly DType[] = ['int64', 'int32', 'int16', 'int8', 'uint8'];

/**
 * Moves a batch's tensors to `device` (the Trainer's prepare_inputs), first noting each integer
 * tensor's min / max from its CPU copy (no device read: the data is already on the host).
 */
export function toDeviceNotingRanges<B extends Record<string, unknown>>(batch: B, device: Device): B {
  return Object.fromEntries(Object.entries(batch).map(([k, v]) => {
    if (!isTensor(v)) return [k, v];
    let range: { lo: number; hi: number } | null = null;
    if (v.device === 'cpu' && INTEGRAL.includes(v.dtype) && v.numel() > 0)
      range = tidy(() => ({ lo: Number(v.amin().item()), hi: Number(v.amax().item()) }));
    const moved = v.device === device ? v : v.to(device);
    if (range) hostRanges.set(moved, range);
    return [k, moved];
  })) as B;
}
const isTensor = (v: unknown): v is Tensor => typeof v === 'object' && v !== null && typeof (v as Tensor).amin === 'function' && typeof (v as Tensor).numel === 'function';

/**
 * An encoder's additive padding mask (B, 1, 1, T) — or null when the attention_mask is all ones, as
 * HF's _prepare_4d_attention_mask_for_sdpa drops it (attention then runs without a mask, the faster
 * kernel).  All ones is read from the host's noted range, or from a CPU mask (a free read); a mask
 * on a device without a noted range is kept (reading it would wait for the GPU).
 */
export function encoderPaddingMask(attentionMask: Tensor | null | undefined, dtype: DType): Tensor | null {
  if (!attentionMask) return null;
  const r = hostRanges.get(attentionMask)
    ?? (attentionMask.device === 'cpu' && attentionMask.numel() > 0 && attentionMask.dtype !== 'bool'
      ? tidy(() => ({ lo: Number(attentionMask.amin().item()), hi: Number(attentionMask.amax().item()) })) : undefined);
  if (r && r.lo === 1 && r.hi === 1) return null;
  return paddingMask(attentionMask, dtype);
}

/** The host-side [min, max] of a tensor moved by toDeviceNotingRanges, or undefined. */
export function hostRange(t: Tensor): { lo: number; hi: number } | undefined { return hostRanges.get(t); }

/**
 * Marks the inputs a head hands to its base model (a fresh object from baseInputs) as already
 * checked by the head's checkInputs, so the base model skips the shape and id checks and the
 * min/max reduction runs once per forward.  Returns `inputs`.
 */
export function markChecked<T extends object>(inputs: T): T {
  checkedInputs.add(inputs);
  return inputs;
}

const INDEX_DTYPES: readonly DType[] = ['int64', 'int32']; // what libtorch's embedding takes

/**
 * Rejects keys a forward does not take (as Python would with an unexpected keyword argument)
 * and checks that exactly one of input_ids / inputs_embeds is given.  With `limits` (the
 * model's config) also checks, before any lookup: no empty batch or empty sequences; sequence
 * length within max_position_embeddings; index dtypes; attention_mask / token_type_ids /
 * position_ids shaped like the input; inputs_embeds' hidden size; and, with one min/max
 * reduction per index tensor (a single device-to-host copy for all of them), that input_ids lie
 * in [0, vocab_size) and token_type_ids / position_ids within their tables.  Errors start with
 * `who` (the model class) and name the argument, its shape and the limit.
 */
export function checkInputs(inputs: object, names: readonly string[], who: string, limits?: InputLimits): void {
  if (inputs === null || typeof inputs !== 'object') throw new TypeError(`${who}.forward: expected an object of inputs, got ${String(inputs)}`);
  for (const k of Object.keys(inputs))
    if (!names.includes(k) && (inputs as Record<string, unknown>)[k] !== undefined)
      throw new TypeError(`${who}.forward() got an unexpected input '${k}' (accepted: ${names.join(', ')})`);
  const i = inputs as EncoderInputs;
  const hasIds = i.input_ids !== undefined && i.input_ids !== null;
  const hasEmb = i.inputs_embeds !== undefined && i.inputs_embeds !== null;
  if (hasIds === hasEmb) throw new TypeError(`${who}.forward: give exactly one of input_ids and inputs_embeds`);
  const t = hasIds ? i.input_ids! : i.inputs_embeds!;
  if (t.ndim !== (hasIds ? 2 : 3)) throw new RangeError(`${who}.forward: ${hasIds ? 'input_ids must be (B, T)' : 'inputs_embeds must be (B, T, H)'}, got [${t.shape}]`);
  if (limits && !checkedInputs.has(inputs)) checkLimits(i, hasIds ? 'input_ids' : 'inputs_embeds', t, who, limits);
}

const shapeStr = (t: Tensor): string => `[${t.shape.join(', ')}]`;

function checkLimits(i: EncoderInputs, arg: string, x: Tensor, who: string, lim: InputLimits): void {
  const [b, len] = x.shape as [number, number];
  if (len === 0) throw new RangeError(`${who}: ${arg} has shape ${shapeStr(x)}: sequences must have at least one token`);
  if (b === 0) throw new RangeError(`${who}: ${arg} has shape ${shapeStr(x)}: the batch is empty (no sequences)`);
  if (arg === 'inputs_embeds' && x.size(2) !== lim.hiddenSize)
    throw new RangeError(`${who}: inputs_embeds has shape ${shapeStr(x)}: its last dim must be the hidden size ${lim.hiddenSize}`);
  if (arg === 'input_ids' && !INDEX_DTYPES.includes(x.dtype))
    throw new TypeError(`${who}: input_ids must be an int64 (or int32) tensor of token ids, got ${x.dtype}`);
  // Positions: 0..T-1 (BERT), or pad_token_id + 1 .. pad_token_id + T (RoBERTa without position_ids).
  const offset = i.position_ids ? 0 : lim.positionOffset ?? 0;
  const maxLen = lim.maxPositions - offset;
  if (len > maxLen) {
    const why = offset ? ` (positions start at pad_token_id + 1 = ${offset}, so max_position_embeddings ${lim.maxPositions} holds ${maxLen} tokens)` : '';
    throw new RangeError(`${who}: ${arg} has shape ${shapeStr(x)}: sequence length ${len} exceeds max_position_embeddings ${lim.maxPositions}${why}; truncate the inputs to at most ${maxLen} tokens`);
  }
  const m = i.attention_mask;
  if (m !== undefined && m !== null && !lim.maskCoversPast) {
    const ok = (m.ndim === 2 && m.size(0) === b && m.size(1) === len) || (m.ndim === 3 && m.size(0) === b && m.size(1) === len && m.size(2) === len);
    if (!ok) throw new RangeError(`${who}: attention_mask has shape ${shapeStr(m)} but ${arg} has shape ${shapeStr(x)}; attention_mask must be (B, T) = [${b}, ${len}] (or (B, T, T))`);
  }
  // The index tensors whose values the embeddings look up: [name, tensor, table size, config field].
  const lookups: [string, Tensor, number, string][] = [];
  if (arg === 'input_ids') lookups.push(['input_ids', x, lim.vocabSize, 'vocab_size']);
  for (const [name, size, field, batchOne] of [
    ['token_type_ids', lim.typeVocabSize, 'type_vocab_size', false],
    ['position_ids', lim.maxPositions, 'max_position_embeddings', true],
  ] as const) {
    const v = (i as Record<string, Tensor | null | undefined>)[name];
    if (v === undefined || v === null || size === undefined) continue;
    if (!INDEX_DTYPES.includes(v.dtype)) throw new TypeError(`${who}: ${name} must be an int64 (or int32) tensor, got ${v.dtype}`);
    const okShape = v.ndim === 2 && (v.size(0) === b || (batchOne && v.size(0) === 1)) && v.size(1) === len;
    if (!okShape) throw new RangeError(`${who}: ${name} has shape ${shapeStr(v)} but ${arg} has shape ${shapeStr(x)}; ${name} must be (B, T) = [${b}, ${len}]${batchOne ? ` (or [1, ${len}])` : ''}`);
    lookups.push([name, v, size, field]);
  }
  if (lookups.length === 0) return;
  // One min and one max per tensor, stacked and copied to the host once — or, where the host noted
  // them before the move to a device (the Trainer does), those, with no device read.
  const made: Tensor[] = [];
  let mm: BigInt64Array;
  const known = lookups.map(([, v]) => hostRanges.get(v));
  if (known.every((r) => r !== undefined)) mm = BigInt64Array.from(known.flatMap((r) => [BigInt(r!.lo), BigInt(r!.hi)]));
  else try {
    const scalars: Tensor[] = [];
    for (const [, v] of lookups) {
      let lo = v.amin(), hi = v.amax();
      made.push(lo, hi);
      if (v.dtype !== 'int64') made.push((lo = lo.long()), (hi = hi.long())); // stack needs one dtype
      scalars.push(lo, hi);
    }
    const s = stack(scalars);
    made.push(s);
    const host = s.device === 'cpu' ? s : s.cpu();
    if (host !== s) made.push(host);
    mm = host.toTypedArray() as BigInt64Array;
  } finally {
    for (const t of made) t.dispose();
  }
  lookups.forEach(([name, , size, field], k) => {
    const lo = Number(mm[2 * k]!), hi = Number(mm[2 * k + 1]!);
    if (lo >= 0 && hi < size) return;
    const what = name === 'position_ids' ? 'position' : 'id';
    const bad = lo < 0 && hi >= size ? `${what}s ${lo} and ${hi}` : `${what} ${lo < 0 ? lo : hi}`;
    const hint = name === 'input_ids' ? ' (were the inputs tokenized with this model\'s tokenizer?)' : '';
    throw new RangeError(`${who}: ${name} contains ${bad}; ${name} must lie in [0, ${field}) = [0, ${size})${hint}`);
  });
}
