// tunekit/generation — transformers' text generation for causal LMs and encoder-decoder LMs (T5):
//   import { GenerationConfig, generate, streamGenerate, TextStreamer } from 'tunekit/generation';
//   const ids = model.generate({ input_ids, attention_mask, max_new_tokens: 32 }); // or generate(model, {...})
//   for await (const c of streamGenerate(model, { input_ids, max_new_tokens: 64, tokenizer: tok })) process.stdout.write(c.text ?? '');
// Importing this module installs `model.generate()` and `model.generation_config` on every
// PreTrainedModel (see model-method.ts).
import './model-method.js';

export { generate, streamGenerate, type StreamChunk } from './generate.js';
export { GenerationConfig, GENERATION_CONFIG_NAME, GENERATION_CONFIG_KEYS, type GenerationConfigInit, type GenerationConfigOptions } from './configuration.js';
export { GENERATION_FIELDS, UNSUPPORTED as UNSUPPORTED_GENERATION_FIELDS, type GenerationValues, type GenerationFieldName } from './fields.js';
export { getGenerationConfig, setGenerationConfig } from './model-config.js';
export type { GenerateInputs, GenerateControls, Streamer, CausalLM } from './setup.js';
export type { GenerateOutput, StepEvent } from './decoding.js';
export { BeamHypotheses } from './beam-search.js';
export {
  LogitsProcessorList, RepetitionPenaltyLogitsProcessor, NoRepeatNGramLogitsProcessor, NoBadWordsLogitsProcessor,
  MinLengthLogitsProcessor, MinNewTokensLengthLogitsProcessor, ForcedBOSTokenLogitsProcessor, ForcedEOSTokenLogitsProcessor,
  InfNanRemoveLogitsProcessor, SuppressTokensLogitsProcessor, SuppressTokensAtBeginLogitsProcessor, TemperatureLogitsWarper,
  TopKLogitsWarper, TopPLogitsWarper, MinPLogitsWarper, TypicalLogitsWarper, EpsilonLogitsWarper, EtaLogitsWarper,
  LogitNormalization, type LogitsProcessor,
} from './logits-process.js';
export {
  StoppingCriteriaList, MaxLengthCriteria, MaxTimeCriteria, EosTokenCriteria, StopStringCriteria,
  type StoppingCriteria, type TokenDecoder,
} from './stopping-criteria.js';
export { TextStreamer, TextIteratorStreamer, type TextStreamerOptions } from './streamers.js';
export { LazyStaticCache } from './static-cache.js';
export { GENERATE_METHOD_INSTALLED } from './model-method.js';
