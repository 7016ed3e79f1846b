// heads.ts — GPT-2's task heads (transformers modeling_gpt2.py) on the shared heads of ../heads:
// GPT2ForSequenceClassification (`score`, no bias, on the last non-pad token),
// GPT2ForTokenClassification (dropout: classifier_dropout / hidden_dropout / 0.1, then
// `classifier`) and GPT2ForQuestionAnswering (`qa_outputs`, H -> 2); the base model is `transformer`.
import type { Dropout, Linear } from '../../nn/index.js';
import type { Architecture } from '../auto/registry.js';
import { ForSequenceClassification, ForTokenClassification, ForQuestionAnswering, linearClassifier, hfClassifierDropout } from '../heads.js';
import { GPT2PreTrainedModel, GPT2Model, GPT2_INPUTS } from './modeling.js';
import type { GPT2Config } from './configuration.js';

const base = (c: GPT2Config): GPT2Model => new GPT2Model(c);

/** GPT-2 + `score` on the last non-pad token: logits (B, num_labels). */
export class GPT2ForSequenceClassification extends ForSequenceClassification(GPT2PreTrainedModel, {
  base, inputs: GPT2_INPUTS, pooling: 'last-non-pad',
  classifier: linearClassifier('score', (c: GPT2Config) => ({ in: c.n_embd, out: c.num_labels, bias: false, dropout: null })),
}) {
  declare transformer: GPT2Model;
  declare score: Linear;
}
/** GPT-2 + dropout + `classifier` per token: logits (B, T, num_labels). */
export class GPT2ForTokenClassification extends ForTokenClassification(GPT2PreTrainedModel, {
  base, inputs: GPT2_INPUTS,
  classifier: linearClassifier('classifier', (c: GPT2Config) => ({ in: c.n_embd, out: c.num_labels, dropout: hfClassifierDropout(c) })),
}) {
  declare transformer: GPT2Model;
  declare dropout: Dropout;
  declare classifier: Linear;
}
/** GPT-2 + `qa_outputs`: start/end logits (B, T). */
export class GPT2ForQuestionAnswering extends ForQuestionAnswering(GPT2PreTrainedModel, {
  base, inputs: GPT2_INPUTS,
  classifier: linearClassifier('qa_outputs', (c: GPT2Config) => ({ in: c.n_embd, out: 2, dropout: null })),
}) {
  declare transformer: GPT2Model;
  declare qa_outputs: Linear;
}

/** The heads' registry entries (merged into model_type 'gpt2' by the registry). */
export const GPT2_HEADS: Architecture<GPT2Config>['models'] = {
  'sequence-classification': GPT2ForSequenceClassification,
  'token-classification': GPT2ForTokenClassification,
  'question-answering': GPT2ForQuestionAnswering,
};
