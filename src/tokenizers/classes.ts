// The tokenizer classes tunekit knows, keyed by transformers' class name (the `tokenizer_class` of
// tokenizer_config.json, "Fast" suffix dropped): each class's defaults from its __init__
// signature, model_input_names, padding side, slow-file converter and post-processor rule
// (tokenization_bert/gpt2/t5/llama(_fast).py). Unknown classes load generically from tokenizer.json.
import { llamaConverter, llamaTemplate, bertConverter, gpt2Converter, t5Converter, t5ExtraIds, type Converter } from './converters/index.js';
import type { TemplateSpec } from './converters/llama.js';
import { tokenContent, type TokenConfigValue } from './config.js';

/** What a tokenizer needs from its class to resolve a post-processor template. */
export interface TemplateContext {
  init: Readonly<Record<string, unknown>>;
  /** (token, id) of a special token attribute, or null when unset. */
  special(key: 'bos_token' | 'eos_token'): [string, number] | null;
}

/** One tokenizer class's behaviour. */
export interface TokenizerClassSpec {
  /** transformers class name without "Fast", e.g. `BertTokenizer`. */
  name: string;
  /** The slow vocabulary files its converter reads (empty: tokenizer.json only). */
  slowFiles: readonly string[];
  modelInputNames: readonly string[];
  paddingSide: 'left' | 'right';
  /** __init__ defaults in HF's key spelling (special tokens, clean_up_tokenization_spaces, ...). */
  defaults: Readonly<Record<string, unknown>>;
  convert?: Converter;
  /** Class-specific init fix-ups (T5's extra_ids sentinels), applied to the merged options. */
  prepareInit?(init: Record<string, unknown>): void;
  /** A post-processor the fast class always rebuilds from its options (LlamaTokenizerFast). */
  template?(ctx: TemplateContext): TemplateSpec;
}

/** T5Tokenizer / LlamaTokenizer: `legacy=None` means the legacy behaviour (HF warns and sets True). */
function defaultLegacy(init: Record<string, unknown>): void {
  if (init.legacy === undefined || init.legacy === null) init.legacy = true;
}

const BERT: TokenizerClassSpec = {
  name: 'BertTokenizer',
  slowFiles: ['vocab.txt'],
  modelInputNames: ['input_ids', 'token_type_ids', 'attention_mask'],
  paddingSide: 'right',
  defaults: {
    do_lower_case: true, unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]',
    mask_token: '[MASK]', tokenize_chinese_chars: true, strip_accents: null, clean_up_tokenization_spaces: true,
  },
  convert: bertConverter,
};

const GPT2: TokenizerClassSpec = {
  name: 'GPT2Tokenizer',
  slowFiles: ['vocab.json', 'merges.txt'],
  modelInputNames: ['input_ids', 'attention_mask'],
  paddingSide: 'right',
  // GPT2Tokenizer wraps its tokens as AddedToken(lstrip=False, rstrip=False): normalized, not stripped.
  defaults: {
    unk_token: { content: '<|endoftext|>', normalized: true, special: true },
    bos_token: { content: '<|endoftext|>', normalized: true, special: true },
    eos_token: { content: '<|endoftext|>', normalized: true, special: true },
    pad_token: null, add_prefix_space: false, add_bos_token: false, clean_up_tokenization_spaces: false,
  },
  convert: gpt2Converter,
};

const T5: TokenizerClassSpec = {
  name: 'T5Tokenizer',
  slowFiles: ['spiece.model'],
  modelInputNames: ['input_ids', 'attention_mask'],
  paddingSide: 'right',
  defaults: { eos_token: '</s>', unk_token: '<unk>', pad_token: '<pad>', extra_ids: 100, legacy: null, clean_up_tokenization_spaces: false },
  convert: t5Converter,
  prepareInit(init) {
    defaultLegacy(init);
    // T5TokenizerFast.__init__: the <extra_id_N> sentinels are additional special tokens.
    const n = t5ExtraIds({ init, specialTokens: {} });
    const given = (init.additional_special_tokens as TokenConfigValue[] | null | undefined) ?? null;
    const sentinels = Array.from({ length: n }, (_, i) => `<extra_id_${i}>`);
    if (given === null) init.additional_special_tokens = sentinels;
    else {
      const extra = given.filter((t) => tokenContent(t)!.includes('<extra_id_'));
      if (extra.length === 0) init.additional_special_tokens = [...given, ...sentinels];
      else if (n > 0 && n !== extra.length)
        throw new Error(`Both extra_ids (${n}) and additional_special_tokens (${JSON.stringify(given)}) are provided to T5Tokenizer. In this case the additional_special_tokens must include the extra_ids tokens`);
    }
  },
};

const LLAMA: TokenizerClassSpec = {
  name: 'LlamaTokenizer',
  slowFiles: ['tokenizer.model'],
  modelInputNames: ['input_ids', 'attention_mask'],
  // LlamaTokenizerFast.padding_side = "left" (the slow LlamaTokenizer pads right).
  paddingSide: 'left',
  defaults: {
    unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>', pad_token: null, add_bos_token: true,
    add_eos_token: false, legacy: null, clean_up_tokenization_spaces: false,
  },
  convert: llamaConverter,
  prepareInit: defaultLegacy,
  template(ctx) {
    return llamaTemplate(ctx.special('bos_token'), ctx.special('eos_token'), ctx.init.add_bos_token !== false, ctx.init.add_eos_token === true);
  },
};

const QWEN2: TokenizerClassSpec = {
  name: 'Qwen2Tokenizer',
  slowFiles: [],
  modelInputNames: ['input_ids', 'attention_mask'],
  paddingSide: 'right',
  defaults: { unk_token: '<|endoftext|>', bos_token: null, eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', clean_up_tokenization_spaces: false },
};

/** Any other class: what PreTrainedTokenizerFast itself does. */
export const GENERIC: TokenizerClassSpec = {
  name: 'PreTrainedTokenizerFast',
  slowFiles: [],
  modelInputNames: ['input_ids', 'token_type_ids', 'attention_mask'],
  paddingSide: 'right',
  defaults: { clean_up_tokenization_spaces: false },
};

/** The registry, by class name (HF's spelling, without "Fast"). */
export const TOKENIZER_CLASSES: Readonly<Record<string, TokenizerClassSpec>> = {
  BertTokenizer: BERT, DistilBertTokenizer: { ...BERT, name: 'DistilBertTokenizer', modelInputNames: ['input_ids', 'attention_mask'] },
  GPT2Tokenizer: GPT2, T5Tokenizer: T5, LlamaTokenizer: LLAMA, Qwen2Tokenizer: QWEN2,
  PreTrainedTokenizer: GENERIC,
};

/** config.json `model_type` -> class, for folders whose tokenizer_config.json names no class. */
const BY_MODEL_TYPE: Readonly<Record<string, string>> = {
  bert: 'BertTokenizer', distilbert: 'DistilBertTokenizer', gpt2: 'GPT2Tokenizer', t5: 'T5Tokenizer',
  llama: 'LlamaTokenizer', qwen2: 'Qwen2Tokenizer', qwen3: 'Qwen2Tokenizer',
};

/**
 * Picks the class: tokenizer_config.json's `tokenizer_class`, else config.json's model_type, else
 * the slow files present (vocab.txt -> BERT, vocab.json + merges.txt -> GPT-2, spiece.model -> T5,
 * tokenizer.model -> Llama), else the generic fast tokenizer.
 */
export function resolveTokenizerClass(tokenizerClass: unknown, modelType: string | undefined, files: ReadonlySet<string>): TokenizerClassSpec {
  if (tokenizerClass !== undefined && tokenizerClass !== null) {
    if (typeof tokenizerClass !== 'string') throw new Error(`tokenizer_class must be a string, got ${JSON.stringify(tokenizerClass)}`);
    const name = tokenizerClass.replace(/Fast$/, '');
    return TOKENIZER_CLASSES[name] ?? { ...GENERIC, name };
  }
  const byType = modelType !== undefined ? BY_MODEL_TYPE[modelType] : undefined;
  if (byType !== undefined) return TOKENIZER_CLASSES[byType]!;
  for (const spec of [BERT, GPT2, T5, LLAMA]) if (spec.slowFiles.every((f) => files.has(f))) return spec;
  return GENERIC;
}
