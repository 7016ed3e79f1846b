// handlers.ts — the two generation endpoints: a checked request becomes prompt ids (the raw
// prompt tokenized with the tokenizer's special tokens, or the messages rendered with the chat
// template and add_generation_prompt), is admitted against the limits, queued in the engine, and
// answered in OpenAI's shapes: a `text_completion` / `chat.completion` object, or server-sent
// events of `text_completion` / `chat.completion.chunk` chunks ending with `data: [DONE]`.
import { randomBytes } from 'node:crypto';
import type { PreTrainedTokenizerFast } from '../tokenizers/index.js';
import type { Engine, JobResult } from './engine.js';
import { ApiError, badRequest, asApiError } from './errors.js';
import { admit, resolveSampling, type Limits } from './limits.js';
import type { ChatRequest, CompletionRequest } from './protocol.js';

/** What the handlers need from the server. */
export interface ServeContext {
  engine: Engine;
  tokenizer: PreTrainedTokenizerFast;
  limits: Limits;
  /** The name requests must give as `model`. */
  modelName: string;
  /** A chat template to use instead of the tokenizer's (--chat-template), or null. */
  chatTemplate: string | null;
  vocab: number | null;
}

/** How a response leaves: one JSON body, or events (headers sent on the first). */
export interface Sink {
  json(status: number, body: unknown): void;
  event(data: unknown): void;
  end(): void;
  /** Registers what to do if the client goes away before the end. */
  onAbort(fn: () => void): void;
}

/** OpenAI's completions default when max_tokens is not given. */
const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

const newId = (prefix: string): string => `${prefix}-${randomBytes(12).toString('hex')}`;
const usageOf = (r: JobResult): { prompt_tokens: number; completion_tokens: number; total_tokens: number } =>
  ({ prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens });

/** The prompt's token ids: a chat through the template (no extra special tokens: the template has them), a text with them. */
async function promptIds(ctx: ServeContext, req: CompletionRequest | ChatRequest): Promise<number[]> {
  if (req.kind === 'completion') return typeof req.prompt === 'string' ? ctx.tokenizer.encode(req.prompt) : [...req.prompt];
  if (ctx.chatTemplate === null && ctx.tokenizer.chatTemplate === null)
    throw badRequest('this model has no chat template (tokenizer_config.json has no chat_template): use /v1/completions, or start the server with --chat-template', 'messages', 'no_chat_template');
  try {
    return await ctx.tokenizer.applyChatTemplate(req.messages, { addGenerationPrompt: true, ...(ctx.chatTemplate !== null ? { chatTemplate: ctx.chatTemplate } : {}) });
  } catch (e) {
    throw badRequest(`the chat template could not render these messages: ${(e as Error).message}`, 'messages');
  }
}

/** Runs a completion or chat request to its response. */
export async function handleGeneration(ctx: ServeContext, req: CompletionRequest | ChatRequest, sink: Sink): Promise<void> {
  const chat = req.kind === 'chat';
  const ids = await promptIds(ctx, req);
  const maxTokens = admit(ids.length, req.maxTokens, chat ? null : COMPLETIONS_DEFAULT_MAX_TOKENS, ctx.limits, chat ? 'messages' : 'prompt', ctx.vocab, ids);
  const sampling = resolveSampling(req, ctx.engine.generationConfig);
  const id = newId(chat ? 'chatcmpl' : 'cmpl');
  const created = Math.floor(Date.now() / 1000);
  const model = ctx.modelName;
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const chunk = (choice: Record<string, unknown>, finish: string | null): Record<string, unknown> => ({
    id, object, created, model,
    choices: [chat ? { index: 0, delta: choice, logprobs: null, finish_reason: finish } : { index: 0, text: choice.content ?? '', logprobs: null, finish_reason: finish }],
  });

  if (!req.stream) {
    const job = ctx.engine.submit({ promptIds: ids, maxTokens, sampling, stop: req.stop });
    sink.onAbort(() => ctx.engine.cancel(job, new ApiError(499, 'the client closed the connection', 'invalid_request_error', null, 'client_closed')));
    const r = await job.result;
    sink.json(200, {
      id, object: chat ? 'chat.completion' : 'text_completion', created, model,
      choices: [chat
        ? { index: 0, message: { role: 'assistant', content: r.text, refusal: null }, logprobs: null, finish_reason: r.finishReason }
        : { index: 0, text: r.text, logprobs: null, finish_reason: r.finishReason }],
      usage: usageOf(r),
    });
    return;
  }

  // streaming: the 200 and the first event go out only once the request is queued (a 429 or 400 stays a status)
  const job = ctx.engine.submit({ promptIds: ids, maxTokens, sampling, stop: req.stop, onText: (t) => sink.event(chunk({ content: t }, null)) });
  sink.onAbort(() => ctx.engine.cancel(job, new ApiError(499, 'the client closed the connection', 'invalid_request_error', null, 'client_closed')));
  if (chat) sink.event(chunk({ role: 'assistant', content: '' }, null));
  try {
    const r = await job.result;
    sink.event(chunk(chat ? {} : { content: '' }, r.finishReason));
    if (req.includeUsage) sink.event({ id, object, created, model, choices: [], usage: usageOf(r) });
  } catch (e) {
    sink.event(asApiError(e).toBody()); // after the 200 an error travels as an event (vLLM, OpenAI)
  }
  sink.event('[DONE]');
  sink.end();
}

/** GET /v1/models: the one model served. */
export function listModels(ctx: ServeContext, created: number): unknown {
  return { object: 'list', data: [{ id: ctx.modelName, object: 'model', created, owned_by: 'tunekit', max_model_len: ctx.limits.context }] };
}
