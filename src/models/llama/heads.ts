// heads.ts — the task heads of the Llama-style decoders (transformers 5.x modeling_llama.py /
// modeling_qwen2.py / modeling_qwen3.py / modeling_mistral.py: Generic*For* of modeling_layers.py)
// on the shared heads of ../heads:
//  * ForSequenceClassification: `score` (H -> num_labels, no bias) on the last non-pad token;
//  * ForTokenClassification: dropout (classifier_dropout / hidden_dropout / 0.1) + `score` (bias:
//    token_classification_bias, default true);
//  * ForQuestionAnswering: `qa_outputs` (H -> 2).  Llama, Qwen2 and Qwen3 keep the base model under
//    `transformer` (HF: "for BC"), Mistral under `model`.
import type { Dropout, Linear } from '../../nn/index.js';
import { ForSequenceClassification, ForTokenClassification, ForQuestionAnswering, linearClassifier, hfClassifierDropout } from '../heads.js';
import { DECODER_INPUTS } from '../causal-lm.js';
import { LlamaPreTrainedModel, LlamaModel, Qwen2Model, Qwen3Model, MistralModel } from './modeling.js';
import { Qwen2Config, Qwen3Config, MistralConfig, type LlamaConfig } from './configuration.js';

type Base = (c: LlamaConfig) => LlamaModel;

/** `score` without bias on the last non-pad token (HF's rule for left and right padding). */
export const decoderSequenceClassification = <C extends LlamaConfig>(base: (c: C) => LlamaModel) => ({
  base, inputs: DECODER_INPUTS, pooling: 'last-non-pad' as const,
  classifier: linearClassifier('score', (c: C) => ({ in: c.hidden_size, out: c.num_labels, bias: false, dropout: null })),
});
/** dropout + `score` per token. */
export const decoderTokenClassification = <C extends LlamaConfig>(base: (c: C) => LlamaModel) => ({
  base, inputs: DECODER_INPUTS,
  classifier: linearClassifier('score', (c: C) => ({
    in: c.hidden_size, out: c.num_labels,
    bias: c.extras.token_classification_bias === undefined ? true : Boolean(c.extras.token_classification_bias),
    dropout: hfClassifierDropout(c),
  })),
});
/** `qa_outputs` (H -> 2) per token. */
export const decoderQuestionAnswering = <C extends LlamaConfig>(base: (c: C) => LlamaModel) => ({
  base, inputs: DECODER_INPUTS,
  classifier: linearClassifier('qa_outputs', (c: C) => ({ in: c.hidden_size, out: 2, dropout: null })),
});

const llama: Base = (c) => new LlamaModel(c);
const qwen2: Base = (c) => new Qwen2Model(c);
const qwen3: Base = (c) => new Qwen3Model(c);
const mistral: Base = (c) => new MistralModel(c);

// ---- Llama ----

/** Llama + `score` on the last non-pad token: logits (B, num_labels). */
export class LlamaForSequenceClassification extends ForSequenceClassification(LlamaPreTrainedModel, decoderSequenceClassification(llama)) {
  declare model: LlamaModel;
  declare score: Linear;
}
/** Llama + dropout + `score` per token: logits (B, T, num_labels). */
export class LlamaForTokenClassification extends ForTokenClassification(LlamaPreTrainedModel, decoderTokenClassification(llama)) {
  declare model: LlamaModel;
  declare dropout: Dropout;
  declare score: Linear;
}
/** Llama (under `transformer`) + `qa_outputs`: start/end logits (B, T). */
export class LlamaForQuestionAnswering extends ForQuestionAnswering(LlamaPreTrainedModel, decoderQuestionAnswering(llama)) {
  static override readonly baseModelPrefix: string = 'transformer';
  declare transformer: LlamaModel;
  declare qa_outputs: Linear;
}

// ---- Qwen2 ----

export class Qwen2ForSequenceClassification extends ForSequenceClassification(LlamaPreTrainedModel, decoderSequenceClassification(qwen2)) {
  static override readonly configClass = Qwen2Config;
  declare model: Qwen2Model;
  declare score: Linear;
}
export class Qwen2ForTokenClassification extends ForTokenClassification(LlamaPreTrainedModel, decoderTokenClassification(qwen2)) {
  static override readonly configClass = Qwen2Config;
  declare model: Qwen2Model;
  declare dropout: Dropout;
  declare score: Linear;
}
export class Qwen2ForQuestionAnswering extends ForQuestionAnswering(LlamaPreTrainedModel, decoderQuestionAnswering(qwen2)) {
  static override readonly configClass = Qwen2Config;
  static override readonly baseModelPrefix: string = 'transformer';
  declare transformer: Qwen2Model;
  declare qa_outputs: Linear;
}

// ---- Qwen3 ----

export class Qwen3ForSequenceClassification extends ForSequenceClassification(LlamaPreTrainedModel, decoderSequenceClassification(qwen3)) {
  static override readonly configClass = Qwen3Config;
  declare model: Qwen3Model;
  declare score: Linear;
}
export class Qwen3ForTokenClassification extends ForTokenClassification(LlamaPreTrainedModel, decoderTokenClassification(qwen3)) {
  static override readonly configClass = Qwen3Config;
  declare model: Qwen3Model;
  declare dropout: Dropout;
  declare score: Linear;
}
export class Qwen3ForQuestionAnswering extends ForQuestionAnswering(LlamaPreTrainedModel, decoderQuestionAnswering(qwen3)) {
  static override readonly configClass = Qwen3Config;
  static override readonly baseModelPrefix: string = 'transformer';
  declare transformer: Qwen3Model;
  declare qa_outputs: Linear;
}

// ---- Mistral (QA under `model`) ----

export class MistralForSequenceClassification extends ForSequenceClassification(LlamaPreTrainedModel, decoderSequenceClassification(mistral)) {
  static override readonly configClass = MistralConfig;
  declare model: MistralModel;
  declare score: Linear;
}
export class MistralForTokenClassification extends ForTokenClassification(LlamaPreTrainedModel, decoderTokenClassification(mistral)) {
  static override readonly configClass = MistralConfig;
  declare model: MistralModel;
  declare dropout: Dropout;
  declare score: Linear;
}
export class MistralForQuestionAnswering extends ForQuestionAnswering(LlamaPreTrainedModel, decoderQuestionAnswering(mistral)) {
  static override readonly configClass = MistralConfig;
  declare model: MistralModel;
  declare qa_outputs: Linear;
}
