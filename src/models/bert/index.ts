// bert — BERT (bert-base-uncased and friends): config, base model and task heads.
import type { Architecture } from '../auto/registry.js';
import { BertConfig } from './configuration.js';
import { BertModel } from './modeling.js';
import { BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering, BertForMaskedLM } from './heads.js';

export { BertConfig, BERT_FIELDS, type BertConfigInit, type BertFieldValues } from './configuration.js';
export {
  BertModel, BertPreTrainedModel, BertEmbeddings, BertSelfAttention, BertSelfOutput, BertAttention,
  BertIntermediate, BertOutput, BertLayer, BertEncoder, BertPooler, BERT_INPUTS,
} from './modeling.js';
export {
  BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering, BertForMaskedLM,
  BertPredictionHeadTransform, BertLMPredictionHead, BertOnlyMLMHead,
} from './heads.js';

/** The registry entry of model_type 'bert'. */
export const BERT: Architecture<BertConfig> = {
  modelType: 'bert',
  configClass: BertConfig,
  models: {
    base: BertModel,
    'sequence-classification': BertForSequenceClassification,
    'token-classification': BertForTokenClassification,
    'question-answering': BertForQuestionAnswering,
    'masked-lm': BertForMaskedLM,
  },
};
