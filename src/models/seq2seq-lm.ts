// seq2seq-lm.ts — what every encoder-decoder language model shares (transformers'
// ...ForConditionalGeneration): its forward inputs and outputs with HF's names, the teacher-forcing
// shift of labels into decoder inputs, and the loss (mean cross-entropy over label tokens != -100,
// no shift: logit t predicts label t). A family's model file builds its stacks and calls these.
import { F, isGradEnabled, type Tensor } from '../torch/index.js';
import type { EncoderDecoderCache } from '../nn/index.js';
import { shiftTokensRight } from '../data/index.js';

/** An encoder's output as the decoder reads it (HF BaseModelOutput). */
export interface EncoderOutput {
  /** (B, Ts, d_model) */
  last_hidden_state: Tensor;
  /** L + 1 tensors (B, Ts, d_model) with output_hidden_states. */
  hidden_states?: Tensor[];
  /**
   * tunekit's generate(): each encoder row feeds this many consecutive decoder rows (beams or
   * return sequences of one prompt), as if repeat_interleave'd on dim 0 but without the copies;
   * cross-attention then runs a prompt's rows as one block of queries.  Default 1 (HF: one decoder
   * row per encoder row).  The attention_mask stays (B, Ts) like the encoder output.
   */
  decoder_rows_per_source?: number;
}

/** What an encoder-decoder LM's forward takes (HF's keyword arguments). */
export interface Seq2SeqLMInputs {
  /** (B, Ts) int64 source ids (or inputs_embeds, or encoder_outputs). */
  input_ids?: Tensor | null;
  /** (B, Ts): 1 = token, 0 = padding — masks the encoder's keys in both the encoder and cross-attention. */
  attention_mask?: Tensor | null;
  /** (B, Ts, d_model) source vectors instead of input_ids. */
  inputs_embeds?: Tensor | null;
  /** The encoder's output from an earlier call (generate() runs the encoder once). */
  encoder_outputs?: EncoderOutput | null;
  /** (B, Tt) decoder ids — with a cache, only the new ones. Default: labels shifted right. */
  decoder_input_ids?: Tensor | null;
  /** (B, past + Tt) 1 = token, 0 = padding; default all ones (plus the causal mask). */
  decoder_attention_mask?: Tensor | null;
  /** (B, Tt, d_model) decoder vectors instead of decoder_input_ids. */
  decoder_inputs_embeds?: Tensor | null;
  /** The decoder's self- and cross-attention cache to read and extend. */
  past_key_values?: EncoderDecoderCache | null;
  /** Make an EncoderDecoderCache when none is given, and return it (default false). */
  use_cache?: boolean;
  /** (B, Tt) int64 targets; -100 is ignored. Not shifted: decoder position t predicts labels[t]. */
  labels?: Tensor | null;
  /** Also return the hidden states of every layer (encoder and decoder). */
  output_hidden_states?: boolean;
}

/** Output of an encoder-decoder LM (HF Seq2SeqLMOutput). */
export interface Seq2SeqLMOutput {
  /** 0-d mean cross-entropy when labels were given. */
  loss?: Tensor;
  /** (B, Tt, V) */
  logits: Tensor;
  past_key_values?: EncoderDecoderCache;
  /** (B, Ts, d_model) */
  encoder_last_hidden_state: Tensor;
  decoder_hidden_states?: Tensor[];
  encoder_hidden_states?: Tensor[];
}

export const SEQ2SEQ_LM_INPUTS = [
  'input_ids', 'attention_mask', 'inputs_embeds', 'encoder_outputs', 'decoder_input_ids', 'decoder_attention_mask',
  'decoder_inputs_embeds', 'past_key_values', 'use_cache', 'labels', 'output_hidden_states',
] as const;

/**
 * HF's seq2seq LM loss: CrossEntropyLoss(ignore_index=-100) over logits (B, Tt, V) and labels
 * (B, Tt) — the mean over the counted tokens, computed in float32 (transformers computes it in the
 * logits' dtype; float32 differs only for bfloat16 / float16 weights, and is what its Trainer sees
 * under autocast). Training on the CPU takes the fused kernel (one pass over the logits).
 */
export function seq2seqLmLoss(logits: Tensor, labels: Tensor): Tensor {
  const v = logits.size(-1);
  if (labels.ndim !== 2 || labels.size(0) !== logits.size(0) || labels.size(1) !== logits.size(1))
    throw new RangeError(`labels have shape [${labels.shape}] but the logits [${logits.shape}]: labels must be (B, Tt) like the decoder inputs`);
  const flatLogits = logits.float().reshape(-1, v); // (B*Tt, V)
  const flatLabels = labels.long().reshape(-1).to(logits.device); // (B*Tt)
  const fused = flatLogits.requiresGrad && isGradEnabled() && flatLogits.device === 'cpu';
  if (!fused) return F.crossEntropy(flatLogits, flatLabels, { ignoreIndex: -100 });
  return F.fusedCrossEntropySum(flatLogits, flatLabels, -100).div(flatLabels.ne(-100).sum()); // NaN when nothing counts, as torch
}

/**
 * HF prepare_decoder_input_ids_from_labels (T5 _shift_right): labels (B, Tt) -> decoder inputs
 * (B, Tt): decoderStartTokenId first, labels[:, :-1] after it, -100 replaced by padTokenId. HF's
 * errors when either id is missing from the config.
 */
export function shiftRight(labels: Tensor, padTokenId: number | null | undefined, decoderStartTokenId: number | null | undefined): Tensor {
  return shiftTokensRight(labels, padTokenId, decoderStartTokenId);
}
