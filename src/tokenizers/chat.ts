// apply_chat_template of transformers' tokenization_utils_base.py: renders a conversation with the
// tokenizer's Jinja chat template through @huggingface/jinja (HF's settings: trim_blocks,
// lstrip_blocks, raise_exception, strftime_now) with the special tokens as variables, then
// optionally tokenizes the result without adding special tokens (the template already has them).
// Templates render in a sandbox (jinja-sandbox.ts): Python jinja2's MAX_RANGE plus step, time,
// string and list limits, since a template from a downloaded tokenizer_config.json is untrusted.
import { Template } from '@huggingface/jinja';
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
  /** Options for the tokenization when tokenize is true (truncation, maxLength, ...). */
  tokenizerOptions?: Omit<CallOptions, 'addSpecialTokens' | 'textPair' | 'textTarget' | 'textPairTarget' | 'returnTensors' | 'returnOverflowingTokens' | 'isSplitIntoWords'>;
}

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

/** Renders `messages` and, unless `tokenize: false`, tokenizes the result; see ChatTemplateOptions. */
export function applyChatTemplate(tok: PreTrainedTokenizerFast, messages: ChatMessage[], opts: ChatTemplateOptions & { tokenize: false }): string;
export function applyChatTemplate(tok: PreTrainedTokenizerFast, messages: ChatMessage[], opts?: ChatTemplateOptions): string | Promise<number[]>;
export function applyChatTemplate(tok: PreTrainedTokenizerFast, messages: ChatMessage[], opts: ChatTemplateOptions = {}): string | Promise<number[]> {
  if (!Array.isArray(messages) || messages.some((m) => m === null || typeof m !== 'object' || typeof m.role !== 'string'))
    throw new Error('applyChatTemplate takes a list of messages, each an object with a string `role` and a `content`');
  if (opts.addGenerationPrompt && opts.continueFinalMessage)
    throw new Error('continue_final_message and add_generation_prompt are not compatible. Use continue_final_message when you want the model to continue the final message, and add_generation_prompt when you want to add a header that will prompt it to start a new assistant message instead.');
  const source = resolveChatTemplate(tok, opts.chatTemplate, (opts.tools?.length ?? 0) > 0);
  const limits = resolveTemplateLimits(opts.templateLimits);
  let rendered = renderSandboxed(compile(source), {
    ...tok.specialTokensMap,
    ...(opts.templateKwargs ?? {}),
    messages,
    tools: opts.tools ?? null,
    documents: opts.documents ?? null,
    add_generation_prompt: opts.addGenerationPrompt ?? false,
  }, limits);
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
  if (opts.tokenize === false) return rendered;
  return tok.call(rendered, { ...(opts.tokenizerOptions ?? {}), addSpecialTokens: false }).then((e) => e.input_ids);
}
