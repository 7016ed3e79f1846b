// heads.ts — GPT-Neo's task heads (transformers modeling_gpt_neo.py) on the shared heads of
// ../heads: GPTNeoForSequenceClassification (`score`, no bias, on the last non-pad token),
// GPTNeoForTokenClassification (dropout(classifier_dropout) + `classifier`) and
// GPTNeoForQuestionAnswering (`qa_outputs`, H -> 2); the base model is `transformer`.
import type { Dropout, Linear } from '../../nn/index.js';
import type { Architecture } from '../auto/registry.js';
import { ForSequenceClassification, ForTokenClassification, ForQuestionAnswering, linearClassifier } from '../heads.js';
import { GPTNeoPreTrainedModel, GPTNeoModel, GPT_NEO_INPUTS } from './modeling.js';
import type { GPTNeoConfig } from './configuration.js';

const base = (c: GPTNeoConfig): GPTNeoModel => new GPTNeoModel(c);

/** GPT-Neo + `score` on the last non-pad token: logits (B, num_labels). */
export class GPTNeoForSequenceClassification extends ForSequenceClassification(GPTNeoPreTrainedModel, {
  base, inputs: GPT_NEO_INPUTS, pooling: 'last-non-pad',
  classifier: linearClassifier('score', (c: GPTNeoConfig) => ({ in: c.hidden_size, out: c.num_labels, bias: false, dropout: null })),
}) {
  declare transformer: GPTNeoModel;
  declare score: Linear;
}
/** GPT-Neo + dropout + `classifier` per token: logits (B, T, num_labels). */
export class GPTNeoForTokenClassification extends ForTokenClassification(GPTNeoPreTrainedModel, {
  base, inputs: GPT_NEO_INPUTS,
  classifier: linearClassifier('classifier', (c: GPTNeoConfig) => ({ in: c.hidden_size, out: c.num_labels, dropout: c.classifier_dropout })),
}) {
  declare transformer: GPTNeoModel;
  declare dropout: Dropout;
  declare classifier: Linear;
}
/** GPT-Neo + `qa_outputs`: start/end logits (B, T). */
export class GPTNeoForQuestionAnswering extends ForQuestionAnswering(GPTNeoPreTrainedModel, {
  base, inputs: GPT_NEO_INPUTS,
  classifier: linearClassifier('qa_outputs', (c: GPTNeoConfig) => ({ in: c.hidden_size, out: 2, dropout: null })),
}) {
  declare transformer: GPTNeoModel;
  declare qa_outputs: Linear;
}

/** The heads' registry entries (merged into model_type 'gpt_neo' by the registry). */
export const GPT_NEO_HEADS: Architecture<GPTNeoConfig>['models'] = {
  'sequence-classification': GPTNeoForSequenceClassification,
  'token-classification': GPTNeoForTokenClassification,
  'question-answering': GPTNeoForQuestionAnswering,
};
