// gpt2 — GPT-2: config, base model and LM head.
import type { Architecture } from '../auto/registry.js';
import { GPT2Config } from './configuration.js';
import { GPT2Model, GPT2LMHeadModel } from './modeling.js';

export { GPT2Config, GPT2_FIELDS, type GPT2ConfigInit, type GPT2FieldValues } from './configuration.js';
export {
  GPT2MLP, GPT2Block, GPT2PreTrainedModel, GPT2Model, GPT2LMHeadModel, GPT2_INPUTS, GPT2_LM_INPUTS, gpt2AttentionScale,
  type GPT2Inputs, type GPT2LMInputs,
} from './modeling.js';

/** The registry entry of model_type 'gpt2'. */
export const GPT2: Architecture<GPT2Config> = { modelType: 'gpt2', configClass: GPT2Config, models: { base: GPT2Model, 'causal-lm': GPT2LMHeadModel } };
