// apply_chat_template of transformers' tokenization_utils_base.py: renders a conversation with the
// tokenizer's Jinja chat template through @huggingface/jinja (HF's settings: trim_blocks,
// lstrip_blocks, raise_exception, strftime_now) with the special tokens as variables, then
// optionally tokenizes the result without adding special tokens (the template already has them).
// Templates render in a sandbox (jinja-sandbox.ts): Python jinja2's MAX_RANGE plus step, time,
// string and list limits, since a template from a downloaded tokenizer_config.json is untrusted.
// `{% generation %}` blocks and return_assistant_tokens_mask: chat-generation.ts.
import { Template } from '@huggingface/jinja';
import { assistantMask, checkNoMarkers, extractGenerationSpans, hasGenerationMarkers, rewriteGenerationTags } from './chat-generation.js';
import { renderSandboxed, resolveTemplateLimits, type TemplateLimits } from './jinja-sandbox.js';
import type { CallOptions } from './call.js';
import type { PreTrainedTokenizerFast } from './tokenizer.js';

/** One chat turn: `{ role: 'user', content: 'Hi' }` (extra keys such as tool_calls pass through). */
export interface ChatMessage {
  role: string;
  content: string | Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/** Options of applyChatTemplate (HF's keyword arguments in camelCase). */
export interface ChatTemplateOptions {
  /** End with the header that starts an assistant reply (`<|im_start|>assistant\n`). Default false. */
  addGenerationPrompt?: boolean;
  /** Leave the final message open so the model continues it. Default false. */
  continueFinalMessage?: boolean;
  /** Return token ids (default true) or the rendered string (false). */
  tokenize?: boolean;
  /** A template string or the name of one of the tokenizer's named templates; default the tokenizer's. */
  chatTemplate?: string;
  /** Tool (function) schemas passed to the template as `tools`. */
  tools?: Array<Record<string, unknown>>;
  /** Documents passed to the template as `documents` (RAG templates). */
  documents?: Array<Record<string, unknown>>;
  /** Extra template variables (HF `**kwargs`, e.g. `{ enable_thinking: false }`). */
  templateKwargs?: Record<string, unknown>;
  /**
   * Limits of the template sandbox (DEFAULT_TEMPLATE_LIMITS: range() of at most 100,000 items as in
   * Python's jinja2 sandbox, 1,000,000 evaluation steps, 10 s, 50,000,000-character strings,
   * 1,000,000-item lists); raise one for a trusted template that needs more.
   */
  templateLimits?: Partial<TemplateLimits>;
  /**
   * With tokenize: resolve to the tokenizer's outputs as a dict ({@link ChatTemplateEncoding}, HF
   * `return_dict=True`) instead of the ids alone. Default false, or true with returnAssistantTokensMask.
   */
  returnDict?: boolean;
  /**
   * Add `assistant_masks` to the dict: 1 for the tokens of the template's `{% generation %}` blocks
   * (the assistant's replies), 0 elsewhere, by transformers' rule (see assistantMask in
   * chat-generation.ts). Needs a template with `{% generation %}` (getTrainingChatTemplate gives one
   * for known templates), tokenize and a dict result; not with continueFinalMessage. Default false.
   */
  returnAssistantTokensMask?: boolean;
  /** HF's spelling of returnAssistantTokensMask. */
  return_assistant_tokens_mask?: boolean;
  /** Options for the tokenization when tokenize is true (truncation, maxLength, ...). */
  tokenizerOptions?: Omit<CallOptions, 'addSpecialTokens' | 'textPair' | 'textTarget' | 'textPairTarget' | 'returnTensors' | 'returnOverflowingTokens' | 'isSplitIntoWords'>;
}

/**
 * What applyChatTemplate resolves to with returnDict (HF's BatchEncoding as a plain object): one
 * conversation, so flat rows of token length L; `assistant_masks` (L) with returnAssistantTokensMask.
 */
export interface ChatTemplateEncoding {
  input_ids: number[];
  attention_mask?: number[];
  assistant_masks?: number[];
  [key: string]: unknown;
}

/** Options that ask for a dict result (for overloads: applyChatTemplate resolves to a ChatTemplateEncoding). */
export type ChatTemplateDictRequest = { returnDict: true } | { returnAssistantTokensMask: true } | { return_assistant_tokens_mask: true };

const NO_TEMPLATE = 'Cannot use chat template functions because tokenizer.chat_template is not set and no template argument was passed! For information about writing templates and setting the tokenizer.chat_template attribute, please see the documentation at https://huggingface.co/docs/transformers/main/en/chat_templating';

const compiled = new Map<string, Template>();
function compile(source: string): Template {
  let t = compiled.get(source);
  if (!t) {
    t = new Template(source);
    compiled.set(source, t);
  }
  return t;
}

/** get_chat_template: the explicit template, a named one, the 'tool_use' one with tools, or 'default'. */
export function resolveChatTemplate(tok: PreTrainedTokenizerFast, chatTemplate: string | undefined, hasTools: boolean): string {
  const own = tok.chatTemplate;
  if (own !== null && typeof own === 'object') {
    if (chatTemplate !== undefined && chatTemplate in own) return own[chatTemplate]!;
    if (chatTemplate !== undefined) return chatTemplate;
    if (hasTools && 'tool_use' in own) return own.tool_use!;
    if ('default' in own) return own.default!;
    throw new Error(`This model has multiple chat templates with no default specified! Please either pass a chat template or the name of the template you wish to use to the \`chat_template\` argument. Available template names are ${Object.keys(own).sort().join(', ')}.`);
  }
  if (chatTemplate !== undefined) return chatTemplate;
  if (own === null) throw new Error(NO_TEMPLATE);
  return own;
}

/** returnAssistantTokensMask or its HF spelling (both given: they must agree). */
function wantsAssistantMask(opts: ChatTemplateOptions): boolean {
  const a = opts.returnAssistantTokensMask, b = opts.return_assistant_tokens_mask;
  if (a !== undefined && b !== undefined && a !== b)
    throw new Error(`applyChatTemplate: returnAssistantTokensMask (${a}) and return_assistant_tokens_mask (${b}) disagree; pass one`);
  return (a ?? b) === true;
}

/**
 * render_jinja_template for one conversation: the rendered chat and, with `trackGeneration`, the
 * [start, end) code-point spans of its `{% generation %}` blocks (HF's generation_indices).
 */
export function renderJinjaTemplate(tok: PreTrainedTokenizerFast, messages: ChatMessage[], opts: ChatTemplateOptions, trackGeneration: boolean): { rendered: string; generationIndices: Array<[number, number]> } {
  const source = resolveChatTemplate(tok, opts.chatTemplate, (opts.tools?.length ?? 0) > 0);
  const limits = resolveTemplateLimits(opts.templateLimits);
  const variables: Record<string, unknown> = {
    ...tok.specialTokensMap,
    ...(opts.templateKwargs ?? {}),
    messages,
    tools: opts.tools ?? null,
    documents: opts.documents ?? null,
    add_generation_prompt: opts.addGenerationPrompt ?? false,
  };
  if (trackGeneration) checkNoMarkers(source, variables);
  const rendered = renderSandboxed(compile(rewriteGenerationTags(source, trackGeneration)), variables, limits);
  if (!trackGeneration) return { rendered, generationIndices: [] };
  const { text, spans } = extractGenerationSpans(rendered);
  return { rendered: text, generationIndices: spans };
}

/**
 * Renders `messages` and, unless `tokenize: false`, tokenizes the result; see ChatTemplateOptions.
 * @example
 *   const { input_ids, assistant_masks } = await applyChatTemplate(tok, messages, {
 *     chatTemplate: getTrainingChatTemplate(tok) ?? undefined, returnAssistantTokensMask: true });
 */
export function applyChatTemplate(tok: PreTrainedTokenizerFast, messages: ChatMessage[], opts: ChatTemplateOptions & { tokenize: false }): string;
export function applyChatTemplate(tok: PreTrainedTokenizerFast, messages: ChatMessage[], opts: ChatTemplateOptions & ChatTemplateDictRequest): Promise<ChatTemplateEncoding>;
export function applyChatTemplate(tok: PreTrainedTokenizerFast, messages: ChatMessage[], opts?: ChatTemplateOptions): string | Promise<number[]>;
export function applyChatTemplate(tok: PreTrainedTokenizerFast, messages: ChatMessage[], opts: ChatTemplateOptions = {}): string | Promise<number[] | ChatTemplateEncoding> {
  if (!Array.isArray(messages) || messages.some((m) => m === null || typeof m !== 'object' || typeof m.role !== 'string'))
    throw new Error('applyChatTemplate takes a list of messages, each an object with a string `role` and a `content`');
  const tokenize = opts.tokenize !== false;
  const mask = wantsAssistantMask(opts);
  // HF: a dict only comes from the tokenizer; the mask needs both (HF's return_dict defaults to true).
  const returnDict = tokenize && (opts.returnDict ?? mask);
  if (mask && !returnDict) throw new Error('`return_assistant_tokens_mask=True` requires `return_dict=True` and `tokenize=True`');
  if (opts.addGenerationPrompt && opts.continueFinalMessage)
    throw new Error('continue_final_message and add_generation_prompt are not compatible. Use continue_final_message when you want the model to continue the final message, and add_generation_prompt when you want to add a header that will prompt it to start a new assistant message instead.');
  if (opts.continueFinalMessage && mask) throw new Error('continue_final_message is not compatible with return_assistant_tokens_mask.');
  if (mask) {
    const source = resolveChatTemplate(tok, opts.chatTemplate, (opts.tools?.length ?? 0) > 0);
    // transformers only warns (and returns an all-zero mask, which would silently train on nothing).
    if (!hasGenerationMarkers(source))
      throw new Error('return_assistant_tokens_mask==True but chat template does not contain `{% generation %}` keyword. Pass a template with {% generation %} / {% endgeneration %} around the assistant replies as chatTemplate, e.g. getTrainingChatTemplate(tokenizer) for a known model template.');
  }
  const { rendered: full, generationIndices } = renderJinjaTemplate(tok, messages, opts, mask);
  let rendered = full;
  if (opts.continueFinalMessage) {
    const last = messages[messages.length - 1];
    if (last === undefined) throw new Error('continueFinalMessage needs at least one message');
    let final = typeof last.content === 'string' ? last.content : String(last.content[last.content.length - 1]?.text ?? '');
    let at = rendered.lastIndexOf(final);
    if (at < 0) {
      // Some templates (Llama-3.1) trim messages before rendering.
      final = final.trim();
      at = rendered.lastIndexOf(final);
    }
    if (at < 0) throw new Error('continueFinalMessage: the final message does not appear in the rendered chat');
    rendered = rendered.slice(0, at + final.length);
  }
  if (!tokenize) return rendered;
  return tok.call(rendered, { ...(opts.tokenizerOptions ?? {}), addSpecialTokens: false }).then((enc) => {
    if (!returnDict) return enc.input_ids;
    const out = { ...enc.data } as ChatTemplateEncoding;
    if (mask) out.assistant_masks = assistantMask(enc, enc.input_ids.length, generationIndices);
    return out;
  });
}
