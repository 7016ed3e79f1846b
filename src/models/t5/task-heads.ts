// task-heads.ts — T5's classification models (transformers/models/t5/modeling_t5.py, 4.47), and their mT5 /
// UMT5 twins. T5ForSequenceClassification runs the whole encoder-decoder (the decoder reads the input shifted
// right unless given its own ids) and classifies the decoder's output at the LAST <eos> of input_ids — every
// row must hold the same number of <eos> tokens, as HF requires — through HF's T5ClassificationHead (dropout,
// dense, tanh, dropout, out_proj: the shared ClassificationHead). T5ForTokenClassification is the encoder
// alone plus dropout and a linear classifier per token. The base model sits under `transformer`, HF's prefix:
// a T5ForConditionalGeneration checkpoint loads into these (its lm_head left out), as in HF.
// T5ForQuestionAnswering holds `shared`, `encoder`, `decoder` itself (HF's keys) and reads start / end logits
// from the decoder output (the decoder reads input_ids shifted right unless given its own ids).
import { arange, type Tensor } from '../../torch/index.js';
import { Dropout, Linear, init, type Module } from '../../nn/index.js';
import { Embedding } from '../../nn/index.js';
import { ClassificationHead, questionAnsweringLoss, sequenceClassificationLoss, splitSpanLogits, tokenClassificationLoss } from '../heads/index.js';
import { T5Stack } from './stack.js';
import { checkInputs } from '../modeling.js';
import { shiftRight } from '../seq2seq-lm.js';
import type { KVCache } from '../../nn/index.js';
import { MT5Config, T5Config, UMT5Config } from './configuration.js';
import { T5EncoderModel, T5Model, T5PreTrainedModel } from './modeling.js';

export const T5_SEQCLS_INPUTS = ['input_ids', 'attention_mask', 'decoder_input_ids', 'decoder_attention_mask', 'inputs_embeds',
  'decoder_inputs_embeds', 'labels', 'use_cache', 'output_hidden_states'] as const;
export const T5_TOKCLS_INPUTS = ['input_ids', 'attention_mask', 'inputs_embeds', 'labels', 'output_hidden_states'] as const;

/** What T5ForSequenceClassification takes. */
export interface T5SequenceClassificationInputs {
  /** (B, Ts) source ids: required, their last <eos> picks the position that is classified */
  input_ids?: Tensor | null;
  attention_mask?: Tensor | null;
  /** (B, Ts) decoder ids (default: input_ids shifted right), aligned with input_ids */
  decoder_input_ids?: Tensor | null;
  decoder_attention_mask?: Tensor | null;
  /** refused, as HF (the <eos> positions come from input_ids) */
  inputs_embeds?: Tensor | null;
  decoder_inputs_embeds?: Tensor | null;
  /** (B) class ids, (B) regression targets or (B, num_labels) multi-label targets */
  labels?: Tensor | null;
  use_cache?: boolean;
  output_hidden_states?: boolean;
}
/** HF Seq2SeqSequenceClassifierOutput (the fields tunekit fills). */
export interface T5SequenceClassificationOutput {
  loss?: Tensor;
  /** (B, num_labels) */
  logits: Tensor;
  past_key_values?: KVCache;
  /** (B, Ts, d_model) */
  encoder_last_hidden_state: Tensor;
}

/**
 * T5 with a sequence classification head (HF T5ForSequenceClassification): `transformer` (T5Model) and
 * `classification_head` (dense d_model -> d_model, tanh, out_proj -> num_labels; dropout classifier_dropout).
 * @example const model = await AutoModelForSequenceClassification.fromPretrained('t5-small', { num_labels: 3 });
 */
export class T5ForSequenceClassification extends T5PreTrainedModel {
  static override readonly baseModelPrefix: string = 'transformer';
  /** HF: an old checkpoint's unused cross-attention bucket table, under the prefix too (HF searches the key). */
  static override readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [/^(transformer\.)?decoder\.block\.0\.layer\.1\.EncDecAttention\.relative_attention_bias\.weight$/];
  static override readonly inputNames: readonly string[] = T5_SEQCLS_INPUTS;
  transformer: T5Model;
  classification_head: ClassificationHead;
  constructor(config: T5Config) {
    super(config);
    this.transformer = new T5Model(config);
    this.classification_head = new ClassificationHead(config.d_model, config.num_labels, config.classifier_dropout);
    this.postInit();
  }
  getEncoder() { return this.transformer.encoder; }

  /** HF T5PreTrainedModel._init_weights for T5ClassificationHead: N(0, f·d_model^-0.5), zero biases. */
  protected override initModule(m: Module): void {
    if (m === this.classification_head) {
      const std = this.config.initializer_factor * this.config.d_model ** -0.5;
      for (const l of [this.classification_head.dense, this.classification_head.out_proj]) {
        init.normal_(l.weight, 0, std);
        if (l.bias) init.zeros_(l.bias);
      }
    } else super.initModule(m);
  }

  /** inputs -> { logits (B, num_labels), loss?, encoder_last_hidden_state, past_key_values? } */
  override forward(inputs: T5SequenceClassificationInputs): T5SequenceClassificationOutput {
    const who = this.constructor.name;
    checkInputs(inputs, this.inputNames, who, this.inputLimits());
    const ids = inputs.input_ids ?? null;
    if (!ids && inputs.inputs_embeds) throw new Error(`Passing input embeddings is currently not supported for ${who}`);
    let dec = inputs.decoder_input_ids ?? null;
    if (!dec && !inputs.decoder_inputs_embeds) {
      if (!ids) throw new TypeError('If no `decoder_input_ids` or `decoder_inputs_embeds` are passed, `input_ids` cannot be `None`. Please pass either `input_ids` or `decoder_input_ids` or `decoder_inputs_embeds`.');
      dec = shiftRight(ids, this.config.pad_token_id, this.config.decoder_start_token_id); // (B, Ts)
    }
    if (!ids) throw new TypeError(`${who}.forward: input_ids are required: the position classified is their last <eos>`);
    const out = this.transformer.forward({
      input_ids: ids, attention_mask: inputs.attention_mask, decoder_input_ids: dec, decoder_attention_mask: inputs.decoder_attention_mask,
      decoder_inputs_embeds: inputs.decoder_inputs_embeds, use_cache: inputs.labels ? false : inputs.use_cache, output_hidden_states: inputs.output_hidden_states,
    });
    const h = out.last_hidden_state; // (B, Tt, d_model)
    const rep = lastEosState(h, ids, this.config.eos_token_id, who); // (B, d_model)
    const logits = this.classification_head.forward(rep); // (B, num_labels)
    const loss = inputs.labels ? sequenceClassificationLoss(logits, inputs.labels, this.config) : undefined;
    return { ...(loss ? { loss } : {}), logits, ...(out.past_key_values ? { past_key_values: out.past_key_values } : {}), encoder_last_hidden_state: out.encoder_last_hidden_state };
  }
}

/**
 * The decoder state at each row's last <eos> of input_ids (HF: sequence_output[eos_mask].view(B, -1, H)[:, -1]).
 * h: (B, Tt, H), ids (B, Ts) with Tt = Ts -> (B, H)
 */
function lastEosState(h: Tensor, ids: Tensor, eos: number | number[] | null, who: string): Tensor {
  const eosId = Array.isArray(eos) ? eos[0] : eos;
  if (eosId === undefined || eosId === null) throw new Error(`${who}: config.eos_token_id is not set: the position classified is the last <eos> of input_ids`);
  const [b, t, d] = h.shape as [number, number, number];
  if (ids.size(1) !== t) throw new RangeError(`${who}: the decoder output has ${t} positions but input_ids ${ids.size(1)}: the <eos> positions of input_ids index the decoder output, so decoder_input_ids must be as long as input_ids`);
  const isEos = ids.eq(eosId).int(); // (B, Ts)
  const counts = isEos.sum(1).toArray() as number[];
  if (new Set(counts).size > 1) throw new Error('All examples must have the same number of <eos> tokens.');
  if (counts[0] === 0) throw new Error(`${who}: no <eos> token (id ${eosId}) in input_ids: T5 classifies the decoder output at the last <eos> of each row`);
  const positions = arange(t, undefined, 1, { dtype: 'int32', device: ids.device }); // (Ts)
  const last = positions.mul(isEos).argmax(-1); // (B): the rightmost <eos>
  return h.gather(1, last.to(h.device).view(b, 1, 1).expand(b, 1, d)).squeeze(1); // (B, H)
}

/** What T5ForTokenClassification takes. */
export interface T5TokenClassificationInputs {
  input_ids?: Tensor | null;
  attention_mask?: Tensor | null;
  inputs_embeds?: Tensor | null;
  /** (B, T) class ids, -100 ignored */
  labels?: Tensor | null;
  output_hidden_states?: boolean;
}

/**
 * T5's encoder with a per-token classifier (HF T5ForTokenClassification): `transformer` (T5EncoderModel),
 * dropout (classifier_dropout), `classifier` Linear(d_model, num_labels).
 */
export class T5ForTokenClassification extends T5PreTrainedModel {
  static override readonly baseModelPrefix: string = 'transformer';
  static override readonly inputNames: readonly string[] = T5_TOKCLS_INPUTS;
  transformer: T5EncoderModel;
  dropout: Dropout;
  classifier: Linear;
  constructor(config: T5Config) {
    super(config);
    this.transformer = new T5EncoderModel(config);
    this.dropout = new Dropout(config.classifier_dropout);
    this.classifier = new Linear(config.d_model, config.num_labels);
    this.postInit();
  }
  getEncoder() { return this.transformer.encoder; }

  /** HF: the classifier N(0, f), zero bias. */
  protected override initModule(m: Module): void {
    if (m === this.classifier) {
      init.normal_(this.classifier.weight, 0, this.config.initializer_factor);
      init.zeros_(this.classifier.bias!);
    } else super.initModule(m);
  }

  /** inputs -> { logits (B, T, num_labels), loss?, hidden_states? } */
  override forward(inputs: T5TokenClassificationInputs): { loss?: Tensor; logits: Tensor; hidden_states?: Tensor[] } {
    checkInputs(inputs, this.inputNames, this.constructor.name, this.inputLimits());
    const out = this.transformer.forward({ input_ids: inputs.input_ids, attention_mask: inputs.attention_mask, inputs_embeds: inputs.inputs_embeds, output_hidden_states: inputs.output_hidden_states });
    const logits = this.classifier.forward(this.dropout.forward(out.last_hidden_state)); // (B, T, num_labels)
    const loss = inputs.labels ? tokenClassificationLoss(logits, inputs.labels) : undefined;
    return { ...(loss ? { loss } : {}), logits, ...(out.hidden_states ? { hidden_states: out.hidden_states } : {}) };
  }
}

export const T5_QA_INPUTS = ['input_ids', 'attention_mask', 'decoder_input_ids', 'decoder_attention_mask', 'inputs_embeds', 'decoder_inputs_embeds',
  'start_positions', 'end_positions', 'output_hidden_states'] as const;

/** What T5ForQuestionAnswering takes. */
export interface T5QuestionAnsweringInputs {
  input_ids?: Tensor | null;
  attention_mask?: Tensor | null;
  /** (B, Tt) decoder ids (default: input_ids shifted right) */
  decoder_input_ids?: Tensor | null;
  decoder_attention_mask?: Tensor | null;
  inputs_embeds?: Tensor | null;
  decoder_inputs_embeds?: Tensor | null;
  /** (B) or (B, 1) token positions in the decoder output; outside [0, Tt) they are ignored (HF's clamp) */
  start_positions?: Tensor | null;
  end_positions?: Tensor | null;
  output_hidden_states?: boolean;
}

/**
 * T5 with a span head (HF T5ForQuestionAnswering): `shared`, `encoder`, `decoder` (no LM head) and `qa_outputs`
 * Linear(d_model, num_labels = 2) over the decoder output -> start_logits, end_logits (B, Tt).
 */
export class T5ForQuestionAnswering extends T5PreTrainedModel {
  static override readonly inputNames: readonly string[] = T5_QA_INPUTS;
  shared: Embedding;
  encoder: T5Stack;
  decoder: T5Stack;
  qa_outputs: Linear;
  constructor(config: T5Config) {
    super(config);
    this.shared = new Embedding(config.vocab_size, config.d_model);
    this.encoder = new T5Stack(config, this.shared, false);
    this.decoder = new T5Stack(config, this.shared, true);
    this.qa_outputs = new Linear(config.d_model, config.num_labels);
    this.postInit();
  }
  getEncoder(): T5Stack { return this.encoder; }

  /** HF: qa_outputs N(0, f·d_model^-0.5), zero bias. */
  protected override initModule(m: Module): void {
    if (m === this.qa_outputs) {
      init.normal_(this.qa_outputs.weight, 0, this.config.initializer_factor * this.config.d_model ** -0.5);
      init.zeros_(this.qa_outputs.bias!);
    } else super.initModule(m);
  }

  /** inputs -> { start_logits (B, Tt), end_logits (B, Tt), loss?, encoder_last_hidden_state } */
  override forward(inputs: T5QuestionAnsweringInputs): { loss?: Tensor; start_logits: Tensor; end_logits: Tensor; encoder_last_hidden_state: Tensor; decoder_hidden_states?: Tensor[] } {
    checkInputs(inputs, this.inputNames, this.constructor.name, this.inputLimits());
    let dec = inputs.decoder_input_ids ?? null;
    if (!dec && !inputs.decoder_inputs_embeds) {
      if (!inputs.input_ids) throw new TypeError('If no `decoder_input_ids` or `decoder_inputs_embeds` are passed, `input_ids` cannot be `None`. Please pass either `input_ids` or `decoder_input_ids` or `decoder_inputs_embeds`.');
      dec = shiftRight(inputs.input_ids, this.config.pad_token_id, this.config.decoder_start_token_id); // (B, Ts)
    }
    const enc = this.encoder.forward({ input_ids: inputs.input_ids, attention_mask: inputs.attention_mask, inputs_embeds: inputs.inputs_embeds, output_hidden_states: inputs.output_hidden_states });
    const out = this.decoder.forward({
      input_ids: dec, attention_mask: inputs.decoder_attention_mask, inputs_embeds: inputs.decoder_inputs_embeds, encoder_hidden_states: enc.last_hidden_state,
      encoder_attention_mask: inputs.attention_mask, output_hidden_states: inputs.output_hidden_states, sameForward: true,
    });
    const span = splitSpanLogits(this.qa_outputs.forward(out.last_hidden_state)); // (B, Tt, 2) -> (B, Tt) x 2
    const { start_positions: sp, end_positions: ep } = inputs;
    const loss = sp && ep ? questionAnsweringLoss(span.start_logits, span.end_logits, sp, ep) : undefined;
    return { ...(loss ? { loss } : {}), ...span, encoder_last_hidden_state: enc.last_hidden_state, ...(out.hidden_states ? { decoder_hidden_states: out.hidden_states } : {}) };
  }
}

/** mT5's twins (HF MT5ForSequenceClassification / TokenClassification / QuestionAnswering). */
export class MT5ForSequenceClassification extends T5ForSequenceClassification { static override readonly configClass = MT5Config; }
export class MT5ForTokenClassification extends T5ForTokenClassification { static override readonly configClass = MT5Config; }
export class MT5ForQuestionAnswering extends T5ForQuestionAnswering { static override readonly configClass = MT5Config; }
/** UMT5's twins (HF UMT5ForSequenceClassification / TokenClassification / QuestionAnswering). */
export class UMT5ForSequenceClassification extends T5ForSequenceClassification { static override readonly configClass = UMT5Config; }
export class UMT5ForTokenClassification extends T5ForTokenClassification { static override readonly configClass = UMT5Config; }
export class UMT5ForQuestionAnswering extends T5ForQuestionAnswering {
  static override readonly configClass = UMT5Config;
  static override readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [];
}
