// gpt_neo — GPT-Neo: config, base model and causal-LM head.
import type { Architecture } from '../auto/registry.js';
import { GPTNeoConfig } from './configuration.js';
import { GPTNeoModel, GPTNeoForCausalLM } from './modeling.js';

export {
  GPTNeoConfig, GPT_NEO_FIELDS, expandAttentionTypes,
  type GPTNeoConfigInit, type GPTNeoFieldValues, type GPTNeoAttentionType, type GPTNeoAttentionTypes,
} from './configuration.js';
export {
  GPTNeoAttention, GPTNeoMLP, GPTNeoBlock, GPTNeoPreTrainedModel, GPTNeoModel, GPTNeoForCausalLM, GPT_NEO_INPUTS, GPT_NEO_LM_INPUTS,
  type GPTNeoInputs, type GPTNeoLMInputs,
} from './modeling.js';

/** The registry entry of model_type 'gpt_neo'. */
export const GPT_NEO: Architecture<GPTNeoConfig> = { modelType: 'gpt_neo', configClass: GPTNeoConfig, models: { base: GPTNeoModel, 'causal-lm': GPTNeoForCausalLM } };
