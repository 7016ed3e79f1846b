// protocol.ts — OpenAI's request bodies for /v1/completions and /v1/chat/completions, checked and
// normalised (openai-openapi's CreateCompletionRequest / CreateChatCompletionRequest): every
// value the server acts on is validated here and a bad one is a 400 naming the parameter, so the
// engine only sees well-formed requests. Parameters that would change the result but that tunekit
// does not implement (n > 1, logprobs, tools, penalties, ...) are refused rather than ignored;
// purely informational ones (user, metadata, store, ...) are ignored as OpenAI's server does.
import type { ChatMessage } from '../tokenizers/index.js';
import { ApiError, badRequest } from './errors.js';

/** What both endpoints share, normalised. */
export interface GenerationRequest {
  /** The `model` field (checked against the served name by the server). */
  model: string;
  /** max_tokens / max_completion_tokens; null: the server's default (its cap, within the context). */
  maxTokens: number | null;
  /** null: the model's generation_config decides (do_sample / temperature / top_p); 0: greedy. */
  temperature: number | null;
  topP: number | null;
  seed: number | null;
  /** Stop strings (the text before the first one is returned; finish_reason 'stop'). */
  stop: string[];
  stream: boolean;
  /** stream_options.include_usage: a last chunk with `usage` and no choices. */
  includeUsage: boolean;
}

/** A /v1/completions request: the prompt as text or token ids. */
export interface CompletionRequest extends GenerationRequest {
  kind: 'completion';
  prompt: string | number[];
}

/** A /v1/chat/completions request: the messages, text content only. */
export interface ChatRequest extends GenerationRequest {
  kind: 'chat';
  messages: ChatMessage[];
}

type Body = Record<string, unknown>;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Parses the raw body: anything but a JSON object is a 400. */
export function parseJsonBody(raw: string): Body {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`, null, 'invalid_json');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest('the request body must be a JSON object', null, 'invalid_json');
  return v as Body;
}

/** Parameters that change what a request means and that this server does not implement (value -> still the default?). */
const REFUSED: Record<string, (v: unknown) => boolean> = {
  logprobs: (v) => v === false || v === null,
  top_logprobs: (v) => v === null || v === 0,
  logit_bias: (v) => v === null || (typeof v === 'object' && Object.keys(v as object).length === 0),
  tools: (v) => v === null || (Array.isArray(v) && v.length === 0),
  functions: (v) => v === null || (Array.isArray(v) && v.length === 0),
  tool_choice: (v) => v === null || v === 'none' || v === 'auto',
  function_call: (v) => v === null || v === 'none' || v === 'auto',
  response_format: (v) => v === null || (typeof v === 'object' && (v as { type?: unknown }).type === 'text'),
  presence_penalty: (v) => v === null || v === 0,
  frequency_penalty: (v) => v === null || v === 0,
  best_of: (v) => v === null || v === 1,
  echo: (v) => v === false || v === null,
  suffix: (v) => v === null || v === '',
  audio: (v) => v === null,
  prediction: (v) => v === null,
};

function common(body: Body): GenerationRequest {
  const model = body.model;
  if (typeof model !== 'string' || model === '') throw badRequest('`model` is required: the name the server serves (GET /v1/models lists it)', 'model');
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    if (!isInt(body.n) || body.n < 1) throw badRequest(`\`n\` must be a positive integer, got ${JSON.stringify(body.n)}`, 'n');
    throw badRequest(`n = ${body.n} is not supported: this server returns one choice per request (n = 1); send ${body.n} requests instead`, 'n');
  }
  for (const [name, isDefault] of Object.entries(REFUSED)) {
    if (body[name] !== undefined && !isDefault(body[name]))
      throw badRequest(`\`${name}\` = ${JSON.stringify(body[name])} is not supported by this server (tunekit serve); leave it out`, name);
  }
  const maxOf = (name: string): number | null => {
    const v = body[name];
    if (v === undefined || v === null) return null;
    if (!isInt(v) || v < 1) throw badRequest(`\`${name}\` must be an integer >= 1, got ${JSON.stringify(v)}`, name);
    return v;
  };
  const a = maxOf('max_tokens'), b = maxOf('max_completion_tokens');
  if (a !== null && b !== null && a !== b) throw badRequest(`max_tokens (${a}) and max_completion_tokens (${b}) disagree; give one`, 'max_completion_tokens');
  const num = (name: string, lo: number, hi: number, loOpen: boolean): number | null => {
    const v = body[name];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || (loOpen ? v <= lo : v < lo) || v > hi)
      throw badRequest(`\`${name}\` must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${JSON.stringify(v)}`, name);
    return v;
  };
  const temperature = num('temperature', 0, 2, false);
  const topP = num('top_p', 0, 1, true);
  let seed: number | null = null;
  if (body.seed !== undefined && body.seed !== null) {
    if (!isInt(body.seed) || body.seed < 0 || !Number.isSafeInteger(body.seed)) throw badRequest(`\`seed\` must be a non-negative integer, got ${JSON.stringify(body.seed)}`, 'seed');
    seed = body.seed;
  }
  let stop: string[] = [];
  const s = body.stop;
  if (typeof s === 'string') stop = [s];
  else if (Array.isArray(s)) stop = s as string[];
  else if (s !== undefined && s !== null) throw badRequest('`stop` must be a string or a list of strings', 'stop');
  if (stop.length > 16 || stop.some((x) => typeof x !== 'string' || x === ''))
    throw badRequest('`stop` must hold at most 16 non-empty strings', 'stop');
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw badRequest('`stream` must be true or false', 'stream');
  const stream = body.stream === true;
  let includeUsage = false;
  const so = body.stream_options;
  if (so !== undefined && so !== null) {
    if (!stream) throw badRequest('`stream_options` is only allowed with stream: true', 'stream_options');
    if (typeof so !== 'object' || Array.isArray(so)) throw badRequest('`stream_options` must be an object', 'stream_options');
    const iu = (so as Body).include_usage;
    if (iu !== undefined && iu !== null && typeof iu !== 'boolean') throw badRequest('`stream_options.include_usage` must be true or false', 'stream_options');
    includeUsage = iu === true;
  }
  return { model, maxTokens: b ?? a, temperature, topP, seed, stop: [...new Set(stop)], stream, includeUsage };
}

/** A /v1/completions body: `prompt` is one string (or a list of one) or one list of token ids. */
export function parseCompletionRequest(body: Body): CompletionRequest {
  const base = common(body);
  let p = body.prompt;
  if (p === undefined || p === null) throw badRequest('`prompt` is required', 'prompt');
  if (Array.isArray(p) && p.length > 0 && p.every((x) => isInt(x))) return { ...base, kind: 'completion', prompt: p as number[] };
  if (Array.isArray(p)) {
    if (p.length !== 1) throw badRequest(`\`prompt\` holds ${p.length} prompts: this server takes one prompt per request`, 'prompt');
    p = p[0];
    if (Array.isArray(p) && p.length > 0 && p.every((x) => isInt(x))) return { ...base, kind: 'completion', prompt: p as number[] };
  }
  if (typeof p !== 'string') throw badRequest('`prompt` must be a string (or a list of token ids)', 'prompt');
  return { ...base, kind: 'completion', prompt: p };
}

/** A /v1/chat/completions body: `messages` with string content or text parts. */
export function parseChatRequest(body: Body): ChatRequest {
  const base = common(body);
  const ms = body.messages;
  if (!Array.isArray(ms) || ms.length === 0) throw badRequest('`messages` must be a non-empty list of {role, content}', 'messages');
  const messages = ms.map((m, i): ChatMessage => {
    if (m === null || typeof m !== 'object' || typeof (m as Body).role !== 'string')
      throw badRequest(`messages[${i}] must be an object with a string \`role\``, `messages[${i}]`);
    const { role, content, ...rest } = m as Body;
    let text: string;
    if (typeof content === 'string') text = content;
    else if (content === null || content === undefined) text = '';
    else if (Array.isArray(content)) {
      text = content.map((part, j) => {
        const pt = part as Body;
        if (pt === null || typeof pt !== 'object' || pt.type !== 'text' || typeof pt.text !== 'string')
          throw badRequest(`messages[${i}].content[${j}]: only text parts ({type: 'text', text}) are supported`, `messages[${i}].content`);
        return pt.text;
      }).join('\n');
    } else throw badRequest(`messages[${i}].content must be a string or a list of text parts`, `messages[${i}].content`);
    return { ...rest, role: role as string, content: text };
  });
  return { ...base, kind: 'chat', messages };
}

/** The 404 OpenAI and vLLM answer for an unknown model name. */
export const unknownModel = (name: string, served: string): ApiError =>
  new ApiError(404, `The model \`${name}\` does not exist: this server serves \`${served}\``, 'invalid_request_error', 'model', 'model_not_found');
