// tunekit/tokenizers — transformers' tokenizer API over HF's Rust `tokenizers`:
//   const tok = await AutoTokenizer.fromPretrained(dir);
//   const batch = await tok.call(['a', 'b c'], { padding: true, returnTensors: 'pt' });
export { AutoTokenizer, type FromPretrainedOptions } from './auto.js';
export { PreTrainedTokenizerFast, MAX_TEXT_LENGTH } from './tokenizer.js';
export { BatchEncoding, type Batched, type Layout, type Pt, type Single } from './encoding.js';
export type { CallOptions, PaddingOption, TextInput, TruncationOption } from './call.js';
export type { TokenizerCallOptions, AnyCallOptions, DecodeCallOptions } from './call-options.js';
export { cleanUpTokenization, type DecodeOptions } from './decode.js';
export type { ChatMessage, ChatTemplateDictRequest, ChatTemplateEncoding, ChatTemplateOptions } from './chat.js';
export { hasGenerationMarkers } from './chat-generation.js';
export { getTrainingChatTemplate, QWEN3_TRAINING_CHAT_TEMPLATE } from './training-templates.js';
export {
  SPECIAL_TOKEN_KEYS, VERY_LARGE_INTEGER, type AddedTokenConfig, type SpecialTokenKey, type TokenConfigValue, type TokenizerConfigJson,
} from './config.js';
export { TOKENIZER_CLASSES, type TokenizerClassSpec } from './classes.js';
export { parseSpmModel, PieceType, type SpmModel, type SpmPiece } from './spm-proto.js';
export type { AddedTokenJson, TokenizerJson } from './tokenizer-json.js';
export { DEFAULT_TEMPLATE_LIMITS, TemplateLimitError, type TemplateLimits } from './jinja-sandbox.js';
export { regexBacktrackingRisk } from './redos.js';
