// errors.ts — the OpenAI API's error shape: every failed request is answered with an HTTP status
// and `{ error: { message, type, param, code } }` (what the `openai` client turns into its
// BadRequestError / RateLimitError / ... classes). Used by protocol.ts, engine.ts and server.ts.

/** The body OpenAI (and vLLM) send with a 4xx/5xx status. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** A failed request: status, OpenAI's error type, the offending parameter and a code. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 invalid_request_error naming the parameter. */
export const badRequest = (message: string, param: string | null = null, code: string | null = null): ApiError =>
  new ApiError(400, message, 'invalid_request_error', param, code);

/** Any error as an ApiError: ApiErrors as they are, anything else a 500 server_error with its message. */
export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new ApiError(500, `internal error while generating: ${msg}`, 'server_error', null, null);
}
