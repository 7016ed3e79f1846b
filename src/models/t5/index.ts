// t5 — T5, T5 v1.1 and Flan-T5 (one config: feed_forward_proj and tie_word_embeddings tell them
// apart): the encoder-decoder LM, the bare encoder-decoder and the encoder alone; mT5 (model_type 'mt5') and
// UMT5 ('umt5': a bias table per block) on the same classes.
import type { Architecture } from '../auto/registry.js';
import { T5Config, MT5Config, UMT5Config } from './configuration.js';
import { MT5Model, MT5ForConditionalGeneration } from './mt5.js';
import { UMT5Model, UMT5ForConditionalGeneration } from './umt5.js';
import {
  T5ForSequenceClassification, T5ForTokenClassification, T5ForQuestionAnswering, MT5ForSequenceClassification, MT5ForTokenClassification,
  MT5ForQuestionAnswering, UMT5ForSequenceClassification, UMT5ForTokenClassification, UMT5ForQuestionAnswering,
} from './task-heads.js';
import { T5Model, T5ForConditionalGeneration } from './modeling.js';

export { T5Config, MT5Config, UMT5Config, MT5_FIELDS, T5_FIELDS, parseFeedForwardProj, type T5ConfigInit, type T5FieldValues } from './configuration.js';
export { T5PreTrainedModel, T5Model, T5EncoderModel, T5ForConditionalGeneration } from './modeling.js';
export { MT5Model, MT5EncoderModel, MT5ForConditionalGeneration } from './mt5.js';
export { UMT5Model, UMT5EncoderModel, UMT5ForConditionalGeneration } from './umt5.js';
export {
  T5ForSequenceClassification, T5ForTokenClassification, T5ForQuestionAnswering, MT5ForSequenceClassification, MT5ForTokenClassification,
  MT5ForQuestionAnswering, UMT5ForSequenceClassification, UMT5ForTokenClassification, UMT5ForQuestionAnswering,
  type T5SequenceClassificationInputs, type T5SequenceClassificationOutput, type T5TokenClassificationInputs, type T5QuestionAnsweringInputs,
} from './task-heads.js';
export { T5Stack, type T5StackInputs, type T5StackOutput } from './stack.js';
export { T5Attention, T5Block, T5LayerFF, T5LayerSelfAttention, T5LayerCrossAttention, T5DenseActDense, T5DenseGatedActDense } from './layers.js';
export { relativePositionBucket, computePositionBias } from './relative-bias.js';

export const T5: Architecture<T5Config> = {
  modelType: 't5', configClass: T5Config,
  models: { base: T5Model, 'seq2seq-lm': T5ForConditionalGeneration, 'sequence-classification': T5ForSequenceClassification, 'token-classification': T5ForTokenClassification,
    'question-answering': T5ForQuestionAnswering },
};

export const MT5: Architecture<MT5Config> = {
  modelType: 'mt5', configClass: MT5Config,
  models: { base: MT5Model, 'seq2seq-lm': MT5ForConditionalGeneration, 'sequence-classification': MT5ForSequenceClassification, 'token-classification': MT5ForTokenClassification,
    'question-answering': MT5ForQuestionAnswering },
};

export const UMT5: Architecture<UMT5Config> = {
  modelType: 'umt5', configClass: UMT5Config,
  models: { base: UMT5Model, 'seq2seq-lm': UMT5ForConditionalGeneration, 'sequence-classification': UMT5ForSequenceClassification, 'token-classification': UMT5ForTokenClassification,
    'question-answering': UMT5ForQuestionAnswering },
};
