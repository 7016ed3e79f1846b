// roberta — RoBERTa: config, base model (BERT's encoder, RoBERTa's embeddings) and task heads.
import type { Architecture } from '../auto/registry.js';
import { RobertaConfig } from './configuration.js';
import {
  RobertaModel, RobertaForSequenceClassification, RobertaForTokenClassification,
  RobertaForQuestionAnswering, RobertaForMaskedLM,
} from './modeling.js';

export { RobertaConfig, type RobertaConfigInit } from './configuration.js';
export {
  RobertaModel, RobertaPreTrainedModel, RobertaEmbeddings, RobertaClassificationHead, RobertaLMHead,
  RobertaForSequenceClassification, RobertaForTokenClassification, RobertaForQuestionAnswering, RobertaForMaskedLM,
  positionIdsFromInputIds,
} from './modeling.js';

/** The registry entry of model_type 'roberta'. */
export const ROBERTA: Architecture<RobertaConfig> = {
  modelType: 'roberta',
  configClass: RobertaConfig,
  models: {
    base: RobertaModel,
    'sequence-classification': RobertaForSequenceClassification,
    'token-classification': RobertaForTokenClassification,
    'question-answering': RobertaForQuestionAnswering,
    'masked-lm': RobertaForMaskedLM,
  },
};
