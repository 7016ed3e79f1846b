// encoder-decoder.ts — what generate() does differently for an encoder-decoder model (T5; HF
// GenerationMixin.generate with config.is_encoder_decoder): the prompt goes to the encoder, which
// runs ONCE (_prepare_encoder_decoder_kwargs_for_generation); its output and mask are repeated per
// beam / return sequence (_expand_inputs_for_generation, repeat_interleave on dim 0); the decoder
// starts from decoder_start_token_id (_prepare_decoder_input_ids_for_generation) and each step
// feeds it only the new tokens with an EncoderDecoderCache (self- and cross-attention k/v).
// Everything else — lengths, processors, stopping, beams — runs on the decoder's sequences as for
// a decoder-only model whose "prompt" is the start token.
import { ConfigError, type PreTrainedModel } from '../models/index.js';
import { EncoderDecoderCache } from '../nn/index.js';
import { tidy, keep, tensor, type Tensor, type Device } from '../torch/index.js';
import type { GenerationConfig } from './configuration.js';

/** The encoder's output as the model's forward takes it back (HF BaseModelOutput). */
interface EncoderOutputLike { last_hidden_state: Tensor }
/** An encoder-decoder LM as generate() calls it (T5ForConditionalGeneration). */
export interface Seq2SeqGenerationModel {
  getEncoder(): { forward(inputs: { input_ids?: Tensor | null; attention_mask?: Tensor | null; unpad?: boolean }): EncoderOutputLike; acceptsUnpad?: boolean };
  forward(inputs: {
    encoder_outputs: EncoderOutputLike & { decoder_rows_per_source?: number }; attention_mask: Tensor; decoder_input_ids: Tensor;
    past_key_values?: EncoderDecoderCache | null; use_cache: boolean;
  }): { logits: Tensor };
}

/** The encoder side of a run: the prompts (before expansion) and how many decoder rows each feeds. */
export interface EncoderPrompt {
  /** (B, Ts) encoder ids and their mask (1 = token), as host rows. */
  inputIds: number[][];
  mask: number[][];
  /** Decoder rows per prompt: num_beams (beam modes) or num_return_sequences. */
  expand: number;
}

/** True for models generate() must run as encoder-decoder (HF config.is_encoder_decoder). */
export function isEncoderDecoder(model: PreTrainedModel): boolean {
  return (model.config as unknown as { is_encoder_decoder?: boolean }).is_encoder_decoder === true;
}

/**
 * The decoder's first token per prompt (HF _prepare_special_tokens + _prepare_decoder_input_ids_for_generation):
 * generation_config.decoder_start_token_id, else the model config's, else bos_token_id. A list
 * gives one id per prompt (its length must be the batch size).
 * @throws ConfigError when none of them is set.
 */
export function decoderStartIds(model: PreTrainedModel, config: GenerationConfig, batch: number, who: string): number[] {
  const fromModel = (model.config as unknown as { decoder_start_token_id?: number | number[] | null }).decoder_start_token_id ?? null;
  const start = config.decoder_start_token_id ?? fromModel ?? config.bos_token_id;
  if (start === null || start === undefined)
    throw new ConfigError(`${who}: encoder-decoder generation needs decoder_start_token_id (the decoder's first token): neither the generation config, the model config (decoder_start_token_id) nor bos_token_id sets one; pass decoder_start_token_id`);
  if (!Array.isArray(start)) return new Array<number>(batch).fill(start);
  if (start.length !== batch)
    throw new RangeError(`${who}: decoder_start_token_id is a list of ${start.length} ids but the batch has ${batch} prompts (give one id, or one per prompt)`);
  return [...start];
}

/** Checks the model has what encoder-decoder generation calls. */
export function checkSeq2SeqModel(model: PreTrainedModel, who: string): void {
  if (typeof (model as unknown as { getEncoder?: unknown }).getEncoder !== 'function')
    throw new TypeError(`${who}: config.is_encoder_decoder is true but the model has no getEncoder(); generate() needs an encoder-decoder LM (…ForConditionalGeneration)`);
}

/** A fresh cache for an encoder-decoder run (cache_implementation 'dynamic'). */
export function makeEncoderDecoderCache(): EncoderDecoderCache {
  return new EncoderDecoderCache();
}

const i64 = (xs: number[], shape: number[]): Tensor => tensor(BigInt64Array.from(xs, (x) => BigInt(x)), { shape });

/**
 * Models whose forward takes encoder_outputs.decoder_rows_per_source (T5): the encoder output stays
 * (B, Ts, d_model) and each prompt's beams read it once, instead of B * expand copies.
 */
function sharesEncoderRows(model: Seq2SeqGenerationModel): boolean {
  const m = model as { sharesEncoderRows?: boolean; getBaseModel?: () => unknown };
  if (m.sharesEncoderRows === true) return true;
  const base = typeof m.getBaseModel === 'function' ? m.getBaseModel() as { sharesEncoderRows?: boolean } | null : null;
  return base !== model && base?.sharesEncoderRows === true;
}

/**
 * The encoder's output for a run, computed once and kept until dispose(): the last hidden state
 * (B * expand, Ts, d_model) and the mask (B * expand, Ts), rows repeated per beam / return sequence
 * (prompt i feeds decoder rows i * expand ... i * expand + expand - 1, as repeat_interleave) — or,
 * for models that take decoder_rows_per_source, (B, Ts, d_model) and (B, Ts) read by all of them.
 */
export class EncoderState {
  readonly hidden: Tensor;
  readonly mask: Tensor;

  constructor(readonly model: Seq2SeqGenerationModel, prompt: EncoderPrompt, device: Device, readonly who: string) {
    const b = prompt.inputIds.length, ts = prompt.inputIds[0]!.length, e = prompt.expand;
    [this.hidden, this.mask] = tidy(() => {
      const ids = i64(prompt.inputIds.flat(), [b, ts]).to(device); // (B, Ts)
      const mask = i64(prompt.mask.flat(), [b, ts]).to(device); // (B, Ts)
      // an encoder that can skip its padding does (T5Stack unpad): the cross-attention masks those positions
      const encoder = model.getEncoder();
      const out = encoder.forward({ input_ids: ids, attention_mask: mask, ...(encoder.acceptsUnpad === true ? { unpad: true } : {}) });
      const h = out?.last_hidden_state;
      if (!h || h.ndim !== 3) throw new TypeError(`${who}: the encoder returned no (B, Ts, d_model) last_hidden_state`);
      if (e === 1 || sharesEncoderRows(model)) return [keep(h), keep(mask)] as const;
      const rows = i64(Array.from({ length: b * e }, (_, i) => Math.floor(i / e)), [b * e]).to(device);
      return [keep(h.indexSelect(0, rows)), keep(mask.indexSelect(0, rows))] as const; // (B*e, Ts, d), (B*e, Ts)
    });
  }

  /**
   * One decoder forward: `decoderIds` (B*e, n) — the new tokens when a cache is given, else the
   * whole decoder sequence — and the last position's logits (B*e, V) float32.
   */
  step(decoderIds: Tensor, cache: EncoderDecoderCache | null): Tensor {
    const per = decoderIds.size(0) / this.hidden.size(0);
    const out = this.model.forward({
      encoder_outputs: { last_hidden_state: this.hidden, ...(per > 1 ? { decoder_rows_per_source: per } : {}) }, attention_mask: this.mask, decoder_input_ids: decoderIds,
      past_key_values: cache, use_cache: cache !== null,
    });
    const logits = out?.logits;
    if (!logits || logits.ndim !== 3) throw new TypeError(`${this.who}: the model's forward returned no (B, T, V) logits; generate() needs an encoder-decoder LM head (…ForConditionalGeneration)`);
    return logits.select(1, logits.size(1) - 1).float(); // (B*e, V)
  }

  dispose(): void {
    this.hidden.dispose();
    this.mask.dispose();
  }
}
