// llama — Llama and the families built from its blocks: Qwen2, Qwen3, Mistral; causal LM and the
// shared sequence / token classification and QA heads (heads.ts).
import type { Architecture } from '../auto/registry.js';
import { LlamaConfig, Qwen2Config, Qwen3Config, MistralConfig } from './configuration.js';
import {
  LlamaModel, LlamaForCausalLM, Qwen2Model, Qwen2ForCausalLM, Qwen3Model, Qwen3ForCausalLM, MistralModel, MistralForCausalLM,
} from './modeling.js';
import {
  LlamaForSequenceClassification, LlamaForTokenClassification, LlamaForQuestionAnswering,
  Qwen2ForSequenceClassification, Qwen2ForTokenClassification, Qwen2ForQuestionAnswering,
  Qwen3ForSequenceClassification, Qwen3ForTokenClassification, Qwen3ForQuestionAnswering,
  MistralForSequenceClassification, MistralForTokenClassification, MistralForQuestionAnswering,
} from './heads.js';

export { LlamaConfig, Qwen2Config, Qwen3Config, MistralConfig, LLAMA_FIELDS, type LlamaConfigInit, type LlamaFieldValues } from './configuration.js';
export {
  LlamaMLP, LlamaDecoderLayer, LlamaPreTrainedModel, LlamaModel, LlamaForCausalLM,
  Qwen2Model, Qwen2ForCausalLM, Qwen3Model, Qwen3ForCausalLM, MistralModel, MistralForCausalLM,
} from './modeling.js';
export {
  LlamaForSequenceClassification, LlamaForTokenClassification, LlamaForQuestionAnswering,
  Qwen2ForSequenceClassification, Qwen2ForTokenClassification, Qwen2ForQuestionAnswering,
  Qwen3ForSequenceClassification, Qwen3ForTokenClassification, Qwen3ForQuestionAnswering,
  MistralForSequenceClassification, MistralForTokenClassification, MistralForQuestionAnswering,
  decoderSequenceClassification, decoderTokenClassification, decoderQuestionAnswering,
} from './heads.js';

export const LLAMA: Architecture<LlamaConfig> = {
  modelType: 'llama', configClass: LlamaConfig,
  models: {
    base: LlamaModel, 'causal-lm': LlamaForCausalLM, 'sequence-classification': LlamaForSequenceClassification,
    'token-classification': LlamaForTokenClassification, 'question-answering': LlamaForQuestionAnswering,
  },
};
export const QWEN2: Architecture<Qwen2Config> = {
  modelType: 'qwen2', configClass: Qwen2Config,
  models: {
    base: Qwen2Model, 'causal-lm': Qwen2ForCausalLM, 'sequence-classification': Qwen2ForSequenceClassification,
    'token-classification': Qwen2ForTokenClassification, 'question-answering': Qwen2ForQuestionAnswering,
  },
};
export const QWEN3: Architecture<Qwen3Config> = {
  modelType: 'qwen3', configClass: Qwen3Config,
  models: {
    base: Qwen3Model, 'causal-lm': Qwen3ForCausalLM, 'sequence-classification': Qwen3ForSequenceClassification,
    'token-classification': Qwen3ForTokenClassification, 'question-answering': Qwen3ForQuestionAnswering,
  },
};
export const MISTRAL: Architecture<MistralConfig> = {
  modelType: 'mistral', configClass: MistralConfig,
  models: {
    base: MistralModel, 'causal-lm': MistralForCausalLM, 'sequence-classification': MistralForSequenceClassification,
    'token-classification': MistralForTokenClassification, 'question-answering': MistralForQuestionAnswering,
  },
};
