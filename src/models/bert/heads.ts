// heads.ts — BERT's task models (modeling_bert.py): sequence classification (pooler + dropout +
// classifier), token classification, extractive QA and masked LM (cls.predictions: transform
// dense + act + LayerNorm, decoder tied to the word embeddings, separate bias).
import { zeros, type Tensor } from '../../torch/index.js';
import { Module, Linear, LayerNorm, Dropout, parameter, getActivation } from '../../nn/index.js';
import {
  checkInputs, markChecked,
  type LabeledInputs, type QuestionAnsweringInputs, type ClassifierOutput, type QuestionAnsweringOutput,
} from '../modeling.js';
import {
  sequenceClassificationLoss, tokenClassificationLoss, questionAnsweringLoss, splitSpanLogits, baseInputs, withExtras,
} from '../heads.js';
import { BertModel, BertPreTrainedModel, BERT_INPUTS } from './modeling.js';
import type { BertConfig, BertFieldValues } from './configuration.js';

/** Inputs of the heads that take `labels`. */
export const LABELED_INPUTS = [...BERT_INPUTS, 'labels'] as const;
/** Inputs of the QA heads. */
export const QA_INPUTS = [...BERT_INPUTS, 'start_positions', 'end_positions'] as const;

/**
 * BERT with a classifier on the pooled first token: logits (B, num_labels).  With `labels`
 * the loss follows config.problem_type (inferred at the first call when unset, see
 * sequenceClassificationLoss).
 */
export class BertForSequenceClassification extends BertPreTrainedModel {
  static override readonly inputNames: readonly string[] = LABELED_INPUTS;
  bert: BertModel;
  dropout: Dropout;
  classifier: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config);
    this.dropout = new Dropout(config.classifier_dropout ?? config.hidden_dropout_prob);
    this.classifier = new Linear(config.hidden_size, config.num_labels);
    this.postInit();
  }
  forward(inputs: LabeledInputs): ClassifierOutput {
    checkInputs(inputs, LABELED_INPUTS, this.constructor.name, this.inputLimits());
    const out = this.bert.forward(markChecked(baseInputs(inputs, 'labels')));
    const logits = this.classifier.forward(this.dropout.forward(out.pooler_output!)); // (B, num_labels)
    const loss = inputs.labels ? sequenceClassificationLoss(logits, inputs.labels, this.config) : undefined;
    return withExtras({ logits }, loss, out.hidden_states);
  }
}

/** BERT with a per-token classifier: logits (B, T, num_labels); labels (B, T), -100 ignored. */
export class BertForTokenClassification extends BertPreTrainedModel {
  static override readonly inputNames: readonly string[] = LABELED_INPUTS;
  bert: BertModel;
  dropout: Dropout;
  classifier: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config, { addPoolingLayer: false });
    this.dropout = new Dropout(config.classifier_dropout ?? config.hidden_dropout_prob);
    this.classifier = new Linear(config.hidden_size, config.num_labels);
    this.postInit();
  }
  forward(inputs: LabeledInputs): ClassifierOutput {
    checkInputs(inputs, LABELED_INPUTS, this.constructor.name, this.inputLimits());
    const out = this.bert.forward(markChecked(baseInputs(inputs, 'labels')));
    const logits = this.classifier.forward(this.dropout.forward(out.last_hidden_state)); // (B, T, num_labels)
    const loss = inputs.labels ? tokenClassificationLoss(logits, inputs.labels) : undefined;
    return withExtras({ logits }, loss, out.hidden_states);
  }
}

/**
 * BERT for extractive QA: qa_outputs (H -> 2) per token -> start_logits / end_logits (B, T).
 * With start_positions and end_positions: HF's loss (out-of-window positions are ignored).
 */
export class BertForQuestionAnswering extends BertPreTrainedModel {
  static override readonly inputNames: readonly string[] = QA_INPUTS;
  bert: BertModel;
  qa_outputs: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config, { addPoolingLayer: false });
    this.qa_outputs = new Linear(config.hidden_size, config.num_labels);
    this.postInit();
  }
  forward(inputs: QuestionAnsweringInputs): QuestionAnsweringOutput {
    checkInputs(inputs, QA_INPUTS, this.constructor.name, this.inputLimits());
    const out = this.bert.forward(markChecked(baseInputs(inputs, 'start_positions', 'end_positions')));
    const span = splitSpanLogits(this.qa_outputs.forward(out.last_hidden_state)); // (B, T) x 2
    const { start_positions: sp, end_positions: ep } = inputs;
    const loss = sp && ep ? questionAnsweringLoss(span.start_logits, span.end_logits, sp, ep) : undefined;
    return withExtras(span, loss, out.hidden_states);
  }
}

/** `cls.predictions.transform`: dense, hidden_act, LayerNorm. */
export class BertPredictionHeadTransform extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  readonly act: (x: Tensor) => Tensor;
  constructor(c: BertFieldValues) {
    super();
    this.dense = new Linear(c.hidden_size, c.hidden_size);
    this.act = getActivation(c.hidden_act);
    this.LayerNorm = new LayerNorm(c.hidden_size, { eps: c.layer_norm_eps });
  }
  /** (B, T, H) -> (B, T, H) */
  forward(h: Tensor): Tensor {
    return this.LayerNorm.forward(this.act(this.dense.forward(h)));
  }
}

/** `cls.predictions`: transform, then decoder (weight tied to the word embeddings) + bias. */
export class BertLMPredictionHead extends Module {
  transform: BertPredictionHeadTransform;
  decoder: Linear;
  /** (V) — also `decoder.bias` (the same tensor, as HF). */
  bias: Tensor;
  constructor(c: BertFieldValues) {
    super();
    this.transform = new BertPredictionHeadTransform(c);
    this.decoder = new Linear(c.hidden_size, c.vocab_size, { bias: false });
    this.bias = parameter(zeros([c.vocab_size]));
    this.decoder.bias = this.bias;
  }
  /** (B, T, H) -> (B, T, V) */
  forward(h: Tensor): Tensor {
    return this.decoder.forward(this.transform.forward(h));
  }
}

/** `cls` of BertForMaskedLM. */
export class BertOnlyMLMHead extends Module {
  predictions: BertLMPredictionHead;
  constructor(c: BertFieldValues) {
    super();
    this.predictions = new BertLMPredictionHead(c);
  }
  /** (B, T, H) -> (B, T, V) */
  forward(h: Tensor): Tensor {
    return this.predictions.forward(h);
  }
}

/**
 * BERT masked LM: logits (B, T, vocab_size); labels (B, T) with -100 except at masked positions.
 * `cls.predictions.decoder.weight` is the word-embedding matrix (tie_word_embeddings, default).
 */
export class BertForMaskedLM extends BertPreTrainedModel {
  static override readonly inputNames: readonly string[] = LABELED_INPUTS;
  bert: BertModel;
  cls: BertOnlyMLMHead;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config, { addPoolingLayer: false });
    this.cls = new BertOnlyMLMHead(config);
    this.postInit();
  }
  override tieWeights(): void {
    if (this.config.tie_word_embeddings) this.tie(this.cls.predictions.decoder, this.bert.embeddings.word_embeddings.weight);
  }
  forward(inputs: LabeledInputs): ClassifierOutput {
    checkInputs(inputs, LABELED_INPUTS, this.constructor.name, this.inputLimits());
    const out = this.bert.forward(markChecked(baseInputs(inputs, 'labels')));
    const logits = this.cls.forward(out.last_hidden_state); // (B, T, V)
    const loss = inputs.labels ? tokenClassificationLoss(logits, inputs.labels) : undefined;
    return withExtras({ logits }, loss, out.hidden_states);
  }
}
