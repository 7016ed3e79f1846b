// opt — OPT: config, base model and causal-LM head.
import type { Architecture } from '../auto/registry.js';
import { OPTConfig } from './configuration.js';
import { OPTModel, OPTForCausalLM } from './modeling.js';

export { OPTConfig, OPT_FIELDS, type OPTConfigInit, type OPTFieldValues } from './configuration.js';
export { OPTLearnedPositionalEmbedding, OPTDecoderLayer, OPTPreTrainedModel, OPTDecoder, OPTModel, OPTForCausalLM, optPositionIds } from './modeling.js';

/** The registry entry of model_type 'opt'. */
export const OPT: Architecture<OPTConfig> = { modelType: 'opt', configClass: OPTConfig, models: { base: OPTModel, 'causal-lm': OPTForCausalLM } };
