// modeling.ts — T5 models (transformers/models/t5/modeling_t5.py, 4.47): T5Model (encoder +
// decoder, the decoder's hidden states out), T5EncoderModel, and T5ForConditionalGeneration
// (+ lm_head: tied to `shared` and fed the decoder output scaled by d_model^-0.5 in the original
// T5; untied and unscaled in T5 v1.1 / Flan-T5). `shared` is one Embedding used by both stacks
// (state-dict aliases encoder.embed_tokens.weight / decoder.embed_tokens.weight, saved once).
import { empty, isGradEnabled, type Tensor } from '../../torch/index.js';
import { init, Linear, Embedding, RMSNorm, EncoderDecoderCache, type Module } from '../../nn/index.js';
import { PreTrainedModel, type InputLimits } from '../modeling.js';
import { SEQ2SEQ_LM_INPUTS, seq2seqLmLoss, shiftRight, type EncoderOutput, type Seq2SeqLMInputs, type Seq2SeqLMOutput } from '../seq2seq-lm.js';
import { T5Config } from './configuration.js';
import { T5Attention, T5DenseActDense, T5DenseGatedActDense } from './layers.js';
import { T5Stack, T5_ENCODER_INPUTS, type T5StackOutput } from './stack.js';
import { lmHeadLogits, chunkedSeq2SeqLoss, decodeHeadWeight, type DecodeHeadWeight } from './head.js';
import type { CausalLossType } from '../causal-lm.js';
import { noCacheWhenCheckpointing } from '../utils/gradient-checkpointing.js';

const SEQ2SEQ_INPUT_SET = new Set<string>(SEQ2SEQ_LM_INPUTS);

/** HF T5PreTrainedModel: T5's own initialisation (std from d_model, d_kv, d_ff and initializer_factor). */
export abstract class T5PreTrainedModel extends PreTrainedModel<T5Config> {
  static override readonly configClass = T5Config;
  static override readonly baseModelPrefix: string = '';
  /** HF: an old checkpoint's unused cross-attention bucket table is dropped silently. */
  static override readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [/^decoder\.block\.0\.layer\.1\.EncDecAttention\.relative_attention_bias\.weight$/];

  override inputLimits(): InputLimits {
    return { vocabSize: this.config.vocab_size, hiddenSize: this.config.d_model, maxPositions: Number.MAX_SAFE_INTEGER, maskCoversPast: true };
  }

  /** HF T5PreTrainedModel._init_weights (layer norms 1, shared N(0, f), projections by fan-in). */
  protected override initModule(m: Module): void {
    const c = this.config, f = c.initializer_factor;
    if (m instanceof RMSNorm) init.constant_(m.weight, f);
    else if (m instanceof T5PreTrainedModel) {
      // this model or the one a task model holds as `transformer` (HF: T5Model, T5EncoderModel, ...)
      const shared = (m as unknown as { shared?: Embedding }).shared;
      if (shared) init.normal_(shared.weight, 0, f);
      const head = (m as unknown as { lm_head?: Linear }).lm_head;
      if (head && !c.tie_word_embeddings) init.normal_(head.weight, 0, f);
    } else if (m instanceof T5DenseActDense) {
      init.normal_(m.wi.weight, 0, f * c.d_model ** -0.5);
      init.normal_(m.wo.weight, 0, f * c.d_ff ** -0.5);
    } else if (m instanceof T5DenseGatedActDense) {
      init.normal_(m.wi_0.weight, 0, f * c.d_model ** -0.5);
      init.normal_(m.wi_1.weight, 0, f * c.d_model ** -0.5);
      init.normal_(m.wo.weight, 0, f * c.d_ff ** -0.5);
    } else if (m instanceof T5Attention) {
      init.normal_(m.q.weight, 0, f * (c.d_model * c.d_kv) ** -0.5);
      init.normal_(m.k.weight, 0, f * c.d_model ** -0.5);
      init.normal_(m.v.weight, 0, f * c.d_model ** -0.5);
      init.normal_(m.o.weight, 0, f * (c.num_heads * c.d_kv) ** -0.5);
      if (m.relative_attention_bias) init.normal_(m.relative_attention_bias.weight, 0, f * c.d_model ** -0.5);
    }
  }

  /** The encoder stack (HF get_encoder). */
  abstract getEncoder(): T5Stack;
}

/** Runs the encoder unless its output was given (generate() passes it at every step). */
function encode(model: { encoder: T5Stack }, inputs: Seq2SeqLMInputs, unpad = false): EncoderOutput {
  if (inputs.encoder_outputs) {
    if (!inputs.encoder_outputs.last_hidden_state) throw new TypeError('encoder_outputs must have last_hidden_state (B, Ts, d_model)');
    return inputs.encoder_outputs;
  }
  return model.encoder.forward({ input_ids: inputs.input_ids, attention_mask: inputs.attention_mask, inputs_embeds: inputs.inputs_embeds, output_hidden_states: inputs.output_hidden_states, ...(unpad ? { unpad } : {}) });
}

function checkSeq2SeqInputs(inputs: object, who: string, names: ReadonlySet<string>): void {
  if (inputs === null || typeof inputs !== 'object') throw new TypeError(`${who}.forward: expected an object of inputs, got ${String(inputs)}`);
  for (const [k, v] of Object.entries(inputs))
    if (!names.has(k) && v !== undefined) throw new TypeError(`${who}.forward() got an unexpected input '${k}' (accepted: ${[...names].join(', ')})`);
}

/** Runs the decoder over the encoder output: decoder ids (or labels shifted right) -> decoder output. */
function decode(model: T5Model | T5ForConditionalGeneration, inputs: Seq2SeqLMInputs, enc: EncoderOutput): T5StackOutput {
  let dec = inputs.decoder_input_ids ?? null;
  if (!dec && !inputs.decoder_inputs_embeds) {
    if (!inputs.labels) throw new TypeError(`${model.constructor.name}.forward: give decoder_input_ids (or decoder_inputs_embeds, or labels to shift right)`);
    dec = model.prepareDecoderInputIdsFromLabels(inputs.labels);
  }
  // a batch mismatch would otherwise surface as a shape error inside cross-attention
  const decB = (dec ?? inputs.decoder_inputs_embeds!).size(0), encB = enc.last_hidden_state.size(0);
  const per = enc.decoder_rows_per_source ?? 1;
  if (!Number.isInteger(per) || per < 1) throw new RangeError(`${model.constructor.name}.forward: encoder_outputs.decoder_rows_per_source must be a positive integer, got ${String(per)}`);
  if (decB !== encB * per) {
    const src = inputs.decoder_input_ids ? 'decoder_input_ids' : inputs.decoder_inputs_embeds ? 'decoder_inputs_embeds' : 'labels';
    throw new RangeError(`${model.constructor.name}.forward: ${src} has batch size ${decB} but the encoder output has ${encB}${per > 1 ? ` rows for ${per} decoder rows each` : ''}: the decoder inputs must have ${per > 1 ? `${per} rows` : 'one row'} per source row`);
  }
  // HF T5Stack: use_cache is turned off, with its warning, while checkpointed blocks train
  const useCache = noCacheWhenCheckpointing(model, { use_cache: inputs.use_cache ?? false }).use_cache;
  const cache = inputs.past_key_values ?? (useCache ? new EncoderDecoderCache() : null);
  return model.decoder.forward({
    input_ids: dec, inputs_embeds: inputs.decoder_inputs_embeds, attention_mask: inputs.decoder_attention_mask,
    encoder_hidden_states: enc.last_hidden_state, encoder_attention_mask: inputs.attention_mask,
    past_key_values: cache, output_hidden_states: inputs.output_hidden_states, sameForward: !inputs.encoder_outputs,
  });
}

/** Encoder + decoder without a head: the decoder's last hidden state (B, Tt, d_model). */
export class T5Model extends T5PreTrainedModel {
  static override readonly inputNames: readonly string[] = SEQ2SEQ_LM_INPUTS.filter((n) => n !== 'labels');
  shared: Embedding;
  encoder: T5Stack;
  decoder: T5Stack;
  constructor(config: T5Config) {
    super(config);
    this.shared = new Embedding(config.vocab_size, config.d_model);
    this.encoder = new T5Stack(config, this.shared, false);
    this.decoder = new T5Stack(config, this.shared, true);
    this.postInit();
  }
  getEncoder(): T5Stack { return this.encoder; }
  prepareDecoderInputIdsFromLabels(labels: Tensor): Tensor { return shiftRight(labels, this.config.pad_token_id, this.config.decoder_start_token_id); }

  override forward(inputs: Omit<Seq2SeqLMInputs, 'labels'>): { last_hidden_state: Tensor; past_key_values?: EncoderDecoderCache; encoder_last_hidden_state: Tensor } {
    checkSeq2SeqInputs(inputs, this.constructor.name, new Set(this.inputNames));
    const enc = encode(this, inputs);
    const out = decode(this, inputs, enc);
    return { last_hidden_state: out.last_hidden_state, ...(out.past_key_values ? { past_key_values: out.past_key_values as EncoderDecoderCache } : {}), encoder_last_hidden_state: enc.last_hidden_state };
  }
}

/** The encoder alone (HF T5EncoderModel): input_ids (B, Ts) -> last_hidden_state (B, Ts, d_model). */
export class T5EncoderModel extends T5PreTrainedModel {
  static override readonly inputNames: readonly string[] = T5_ENCODER_INPUTS;
  static override readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [/^decoder\./, /^lm_head\./];
  shared: Embedding;
  encoder: T5Stack;
  constructor(config: T5Config) {
    super(config);
    this.shared = new Embedding(config.vocab_size, config.d_model);
    this.encoder = new T5Stack(config, this.shared, false);
    this.postInit();
  }
  getEncoder(): T5Stack { return this.encoder; }
  override forward(inputs: { input_ids?: Tensor | null; attention_mask?: Tensor | null; inputs_embeds?: Tensor | null; output_hidden_states?: boolean }): T5StackOutput {
    return this.encoder.forward(inputs);
  }
}

/**
 * T5 with its language-modeling head: source ids in, decoder logits (B, Tt, V) out; with labels,
 * decoder_input_ids default to the labels shifted right and the loss is their mean cross-entropy.
 * @example
 * const model = await AutoModelForSeq2SeqLM.fromPretrained('flan-t5-small');
 * const { loss, logits } = model.forward({ input_ids, attention_mask, labels });
 */
export class T5ForConditionalGeneration extends T5PreTrainedModel {
  static override readonly inputNames: readonly string[] = SEQ2SEQ_LM_INPUTS;
  shared: Embedding;
  encoder: T5Stack;
  decoder: T5Stack;
  lm_head: Linear;
  /** forward() takes encoder_outputs.decoder_rows_per_source: generate()'s beams share their prompt's encoder row. */
  readonly sharesEncoderRows = true;
  /** 'chunked_nll': a training forward with labels returns the loss and (B, 0, V) logits, never making them (head.ts), and its encoder runs on the real tokens only (encoder_last_hidden_state zero at the padding). */
  lossType: CausalLossType = 'nll';
  constructor(config: T5Config) {
    super(config);
    this.shared = new Embedding(config.vocab_size, config.d_model);
    this.encoder = new T5Stack(config, this.shared, false);
    this.decoder = new T5Stack(config, this.shared, true);
    this.lm_head = new Linear(config.d_model, config.vocab_size, { bias: false });
    this.postInit();
  }

  override tieWeights(): void {
    if (this.config.tie_word_embeddings) this.tie(this.lm_head, this.shared.weight);
  }

  /** head.ts decodeHeadWeight's copy while generate() runs (beginDecoding), else null. */
  #decodeHeadT: DecodeHeadWeight | null = null;
  /**
   * Called by generate() before its first decode step with the number of decoder rows (batch x beams):
   * the model may keep what makes its decode steps cheaper for as long as the weights cannot change —
   * here a transposed copy of the LM head for more than 8 rows. Returns what ends that; generate()
   * calls it when it finishes or is abandoned.
   */
  beginDecoding(opts: { rows: number }): { dispose(): void } {
    // a generate() inside another's (a streamer's callback) uses the outer run's copy: same weights
    const t = this.#decodeHeadT ? null : decodeHeadWeight(this.lm_head, opts.rows);
    if (!t) return { dispose: () => {} };
    this.#decodeHeadT = t;
    return { dispose: () => { if (this.#decodeHeadT === t) this.#decodeHeadT = null; t.weightT.dispose(); } };
  }
  getEncoder(): T5Stack { return this.encoder; }
  getDecoder(): T5Stack { return this.decoder; }
  /** HF prepare_decoder_input_ids_from_labels: labels (B, Tt) shifted right with decoder_start_token_id, -100 -> pad. */
  prepareDecoderInputIdsFromLabels(labels: Tensor): Tensor {
    return shiftRight(labels, this.config.pad_token_id, this.config.decoder_start_token_id);
  }

  override forward(inputs: Seq2SeqLMInputs): Seq2SeqLMOutput {
    checkSeq2SeqInputs(inputs, this.constructor.name, SEQ2SEQ_INPUT_SET);
    // a chunked training forward returns no logits; its encoder skips the padding too (the loss never reads it)
    const chunked = !!inputs.labels && this.lossType === 'chunked_nll' && isGradEnabled();
    const enc = encode(this, inputs, chunked);
    const out = decode(this, inputs, enc);
    let h = out.last_hidden_state; // (B, Tt, d_model)
    // the original T5 ties the head to the embeddings and rescales the decoder output (mesh-tf)
    if (this.config.scalesDecoderOutput) h = h.mul(this.config.d_model ** -0.5);
    const logits = chunked ? empty([h.size(0), 0, this.config.vocab_size], { device: h.device }) : lmHeadLogits(this.lm_head, h, this.#decodeHeadT); // (B, Tt | 0, V)
    const loss = !inputs.labels ? undefined : chunked ? chunkedSeq2SeqLoss(this.lm_head, h, inputs.labels) : seq2seqLmLoss(logits, inputs.labels);
    return {
      ...(loss ? { loss } : {}), logits, ...(out.past_key_values ? { past_key_values: out.past_key_values as EncoderDecoderCache } : {}),
      encoder_last_hidden_state: enc.last_hidden_state,
      ...(out.hidden_states ? { decoder_hidden_states: out.hidden_states } : {}), ...(enc.hidden_states ? { encoder_hidden_states: enc.hidden_states } : {}),
    };
  }
}
