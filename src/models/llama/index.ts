// llama — Llama and the families built from its blocks: Qwen2, Qwen3, Mistral.
import type { Architecture } from '../auto/registry.js';
import { LlamaConfig, Qwen2Config, Qwen3Config, MistralConfig } from './configuration.js';
import {
  LlamaModel, LlamaForCausalLM, Qwen2Model, Qwen2ForCausalLM, Qwen3Model, Qwen3ForCausalLM, MistralModel, MistralForCausalLM,
} from './modeling.js';

export { LlamaConfig, Qwen2Config, Qwen3Config, MistralConfig, LLAMA_FIELDS, type LlamaConfigInit, type LlamaFieldValues } from './configuration.js';
export {
  LlamaMLP, LlamaDecoderLayer, LlamaPreTrainedModel, LlamaModel, LlamaForCausalLM,
  Qwen2Model, Qwen2ForCausalLM, Qwen3Model, Qwen3ForCausalLM, MistralModel, MistralForCausalLM,
} from './modeling.js';

export const LLAMA: Architecture<LlamaConfig> = { modelType: 'llama', configClass: LlamaConfig, models: { base: LlamaModel, 'causal-lm': LlamaForCausalLM } };
export const QWEN2: Architecture<Qwen2Config> = { modelType: 'qwen2', configClass: Qwen2Config, models: { base: Qwen2Model, 'causal-lm': Qwen2ForCausalLM } };
export const QWEN3: Architecture<Qwen3Config> = { modelType: 'qwen3', configClass: Qwen3Config, models: { base: Qwen3Model, 'causal-lm': Qwen3ForCausalLM } };
export const MISTRAL: Architecture<MistralConfig> = { modelType: 'mistral', configClass: MistralConfig, models: { base: MistralModel, 'causal-lm': MistralForCausalLM } };
