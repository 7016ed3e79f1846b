// heads.ts — BERT's task models (modeling_bert.py): sequence classification (pooler + dropout +
// classifier), token classification and extractive QA are the shared heads of ../heads over
// BertModel; masked LM (cls.predictions: transform dense + act + LayerNorm, decoder tied to the
// word embeddings, separate bias) is BERT's own.
import { zeros, type Tensor } from '../../torch/index.js';
import { Module, Linear, LayerNorm, Dropout, parameter, getActivation } from '../../nn/index.js';
import { checkInputs, markChecked, type LabeledInputs, type ClassifierOutput } from '../modeling.js';
import {
  ForSequenceClassification, ForTokenClassification, ForQuestionAnswering, linearClassifier,
  tokenClassificationLoss, baseInputs, withExtras,
} from '../heads.js';
import { BertModel, BertPreTrainedModel, BERT_INPUTS } from './modeling.js';
import type { BertConfig, BertFieldValues } from './configuration.js';

/** Inputs of the heads that take `labels`. */
export const LABELED_INPUTS = [...BERT_INPUTS, 'labels'] as const;
/** Inputs of the QA heads. */
export const QA_INPUTS = [...BERT_INPUTS, 'start_positions', 'end_positions'] as const;

/** classifier_dropout, else hidden_dropout_prob (BERT and RoBERTa heads). */
export const classifierDropout = (c: BertFieldValues): number => c.classifier_dropout ?? c.hidden_dropout_prob;

/**
 * BERT with a classifier on the pooled first token: logits (B, num_labels).  With `labels`
 * the loss follows config.problem_type (inferred at the first call when unset, see
 * sequenceClassificationLoss).
 */
export class BertForSequenceClassification extends ForSequenceClassification(BertPreTrainedModel, {
  base: (c: BertConfig) => new BertModel(c),
  inputs: BERT_INPUTS,
  pooling: 'pooler',
  classifier: linearClassifier('classifier', (c: BertConfig) => ({ in: c.hidden_size, out: c.num_labels, dropout: classifierDropout(c) })),
}) {
  declare bert: BertModel;
  declare dropout: Dropout;
  declare classifier: Linear;
}

/** BERT with a per-token classifier: logits (B, T, num_labels); labels (B, T), -100 ignored. */
export class BertForTokenClassification extends ForTokenClassification(BertPreTrainedModel, {
  base: (c: BertConfig) => new BertModel(c, { addPoolingLayer: false }),
  inputs: BERT_INPUTS,
  classifier: linearClassifier('classifier', (c: BertConfig) => ({ in: c.hidden_size, out: c.num_labels, dropout: classifierDropout(c) })),
}) {
  declare bert: BertModel;
  declare dropout: Dropout;
  declare classifier: Linear;
}

/**
 * BERT for extractive QA: qa_outputs (H -> num_labels = 2) per token -> start_logits / end_logits
 * (B, T).  With start_positions and end_positions: HF's loss (out-of-window positions are ignored).
 */
export class BertForQuestionAnswering extends ForQuestionAnswering(BertPreTrainedModel, {
  base: (c: BertConfig) => new BertModel(c, { addPoolingLayer: false }),
  inputs: BERT_INPUTS,
  classifier: linearClassifier('qa_outputs', (c: BertConfig) => ({ in: c.hidden_size, out: c.num_labels, dropout: null })),
}) {
  declare bert: BertModel;
  declare qa_outputs: Linear;
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
  static override readonly outputEmbeddingsPath: string = 'cls.predictions.decoder';
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
