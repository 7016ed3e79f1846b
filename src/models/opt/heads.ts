// heads.ts — OPT's task heads (transformers modeling_opt.py) on the shared heads of ../heads:
// OPTForSequenceClassification (`score`, word_embed_proj_dim -> num_labels, no bias, on the last
// non-pad token) and OPTForQuestionAnswering (`qa_outputs`, word_embed_proj_dim -> 2); the base
// model is `model`.  HF has no OPTForTokenClassification.
import type { Linear } from '../../nn/index.js';
import type { Architecture } from '../auto/registry.js';
import { ForSequenceClassification, ForQuestionAnswering, linearClassifier } from '../heads.js';
import { DECODER_INPUTS } from '../causal-lm.js';
import { OPTPreTrainedModel, OPTModel } from './modeling.js';
import type { OPTConfig } from './configuration.js';

const base = (c: OPTConfig): OPTModel => new OPTModel(c);

/** OPT + `score` on the last non-pad token: logits (B, num_labels). */
export class OPTForSequenceClassification extends ForSequenceClassification(OPTPreTrainedModel, {
  base, inputs: DECODER_INPUTS, pooling: 'last-non-pad',
  classifier: linearClassifier('score', (c: OPTConfig) => ({ in: c.word_embed_proj_dim, out: c.num_labels, bias: false, dropout: null })),
}) {
  declare model: OPTModel;
  declare score: Linear;
}
/** OPT + `qa_outputs`: start/end logits (B, T). */
export class OPTForQuestionAnswering extends ForQuestionAnswering(OPTPreTrainedModel, {
  base, inputs: DECODER_INPUTS,
  classifier: linearClassifier('qa_outputs', (c: OPTConfig) => ({ in: c.word_embed_proj_dim, out: 2, dropout: null })),
}) {
  declare model: OPTModel;
  declare qa_outputs: Linear;
}

/** The heads' registry entries (merged into model_type 'opt' by the registry). */
export const OPT_HEADS: Architecture<OPTConfig>['models'] = {
  'sequence-classification': OPTForSequenceClassification,
  'question-answering': OPTForQuestionAnswering,
};
