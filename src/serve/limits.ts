// limits.ts — what a request may ask for, decided before it is queued: the prompt against the
// model's context and --max-prompt-tokens, max_tokens against --max-tokens and the room left in the
// context (OpenAI's "maximum context length" 400s), and the sampling settings from the request
// over the model's generation_config (transformers serve's rule: the model's defaults, request
// values on top; temperature 0 is greedy). Each refusal is a 400 naming the limit.
import type { GenerationConfig } from '../generation/index.js';
import { badRequest } from './errors.js';

/** The server's limits (CLI flags). */
export interface Limits {
  /** Positions the model takes (config.max_position_embeddings): prompt + completion must fit. */
  context: number;
  /** --max-tokens: the most new tokens one request may ask for. */
  maxTokens: number;
  /** --max-prompt-tokens: the longest prompt accepted (null: only the context bounds it). */
  maxPromptTokens: number | null;
}

/**
 * The number of new tokens a request gets: its max_tokens if that fits, else a 400; without one,
 * `fallback` (OpenAI's completions default of 16) or whatever fits under --max-tokens and the context.
 * `param` names the prompt's parameter ('prompt' or 'messages') in errors.
 */
export function admit(promptLength: number, requested: number | null, fallback: number | null, limits: Limits, param: string, vocab: number | null, ids: readonly number[]): number {
  if (promptLength === 0) throw badRequest('the prompt is empty (no tokens after tokenization); give some text', param);
  if (vocab !== null) {
    const bad = ids.findIndex((t) => t < 0 || t >= vocab);
    if (bad !== -1) throw badRequest(`${param}[${bad}] = ${ids[bad]} is not a token id of this model: ids lie in [0, ${vocab})`, param);
  }
  const { context, maxTokens, maxPromptTokens } = limits;
  if (maxPromptTokens !== null && promptLength > maxPromptTokens)
    throw badRequest(`the prompt has ${promptLength} tokens, more than this server's limit of ${maxPromptTokens} prompt tokens (--max-prompt-tokens)`, param, 'context_length_exceeded');
  if (promptLength >= context)
    throw badRequest(`This model's maximum context length is ${context} tokens, but the prompt has ${promptLength} tokens (at least one position must be left for the completion); shorten the ${param}`, param, 'context_length_exceeded');
  if (requested !== null) {
    if (requested > maxTokens)
      throw badRequest(`max_tokens = ${requested} is more than this server's limit of ${maxTokens} new tokens per request (--max-tokens)`, 'max_tokens', 'max_tokens_exceeded');
    if (promptLength + requested > context)
      throw badRequest(`This model's maximum context length is ${context} tokens. However, you requested ${promptLength + requested} tokens (${promptLength} in the ${param}, ${requested} in the completion). Please reduce the length of the ${param} or the completion (max_tokens).`, param, 'context_length_exceeded');
    return requested;
  }
  return Math.min(maxTokens, context - promptLength, fallback ?? Number.MAX_SAFE_INTEGER);
}

/** How a request samples (HF generate's fields). */
export interface Sampling {
  doSample: boolean;
  temperature: number;
  topP: number;
  topK: number;
  /** Seeded sampling runs alone so the seed reproduces its text; null: the shared generator. */
  seed: number | null;
}

/**
 * The request's sampling over the model's generation_config: temperature 0 is greedy; a
 * temperature or top_p samples (OpenAI's meaning); neither: the model's do_sample decides (its
 * generation_config.json; stories260K's is greedy). top_k is the model's only if its
 * generation_config sets one (OpenAI has no top-k; HF's implicit default of 50 is not applied).
 */
export function resolveSampling(req: { temperature: number | null; topP: number | null; seed: number | null }, gc: GenerationConfig): Sampling {
  const explicit = new Set<string>(gc.explicitFields());
  const doSample = req.temperature === 0 ? false : req.temperature !== null || req.topP !== null ? true : gc.do_sample;
  return {
    doSample,
    temperature: req.temperature ?? gc.temperature,
    topP: req.topP ?? gc.top_p,
    topK: explicit.has('top_k') ? gc.top_k : 0,
    seed: doSample ? req.seed : null,
  };
}

/** Requests with the same key can decode in one batch; null: alone (seeded sampling). */
export function batchKey(s: Sampling): string | null {
  if (!s.doSample) return 'greedy';
  if (s.seed !== null) return null;
  return `sample:${s.temperature}:${s.topP}:${s.topK}`;
}
