// distilbert — DistilBERT: config, base model and task heads.
import type { Architecture } from '../auto/registry.js';
import { DistilBertConfig } from './configuration.js';
import {
  DistilBertModel, DistilBertForSequenceClassification, DistilBertForTokenClassification,
  DistilBertForQuestionAnswering, DistilBertForMaskedLM,
} from './modeling.js';

export { DistilBertConfig, DISTILBERT_FIELDS, type DistilBertConfigInit, type DistilBertFieldValues } from './configuration.js';
export {
  DistilBertModel, DistilBertPreTrainedModel, DistilBertForSequenceClassification, DistilBertForTokenClassification,
  DistilBertForQuestionAnswering, DistilBertForMaskedLM, Embeddings, MultiHeadSelfAttention, FFN, TransformerBlock, Transformer,
  DISTILBERT_INPUTS, sinusoidalEmbeddings,
} from './modeling.js';

/** The registry entry of model_type 'distilbert'. */
export const DISTILBERT: Architecture<DistilBertConfig> = {
  modelType: 'distilbert',
  configClass: DistilBertConfig,
  models: {
    base: DistilBertModel,
    'sequence-classification': DistilBertForSequenceClassification,
    'token-classification': DistilBertForTokenClassification,
    'question-answering': DistilBertForQuestionAnswering,
    'masked-lm': DistilBertForMaskedLM,
  },
};
