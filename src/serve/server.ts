// server.ts — the HTTP side of `tunekit serve`: node:http routes for OpenAI's /v1/models,
// /v1/completions and /v1/chat/completions (plus /health), bodies read up to a size limit, every
// failure answered with OpenAI's error shape, server-sent events for `stream: true`. Each request
// is handled on its own; one that fails (bad JSON, too long, queue full) never stops the others.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PreTrainedModel } from '../models/index.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/index.js';
import { getGenerationConfig } from '../generation/index.js';
import { Engine } from './engine.js';
import { ApiError, asApiError } from './errors.js';
import { handleGeneration, listModels, type ServeContext, type Sink } from './handlers.js';
import { parseChatRequest, parseCompletionRequest, parseJsonBody, unknownModel } from './protocol.js';

/** Settings of the server (the CLI's flags; defaults as `tunekit serve --help` documents). */
export interface ServeOptions {
  /** Interface to listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Port; 0 picks a free one. Default 8000. */
  port?: number;
  /** The `model` name clients send and /v1/models lists. Default 'tunekit'. */
  servedModelName?: string;
  /** Rows decoded together. Default 8. */
  maxBatchSize?: number;
  /** Milliseconds a batch that is not full waits for more requests. Default 2. */
  batchWaitMs?: number;
  /** Requests waiting for a batch before 429. Default 64. */
  maxQueue?: number;
  /** The most new tokens one request may ask for. Default 1024. */
  maxTokens?: number;
  /** The longest prompt accepted, in tokens. Default: the model's context less one. */
  maxPromptTokens?: number | null;
  /** Seconds a request may take (queue + generation); 0 or null: no limit. Default 600. */
  requestTimeout?: number | null;
  /** A Jinja chat template used instead of the tokenizer's. */
  chatTemplate?: string | null;
  /** Largest request body in bytes. Default 4 MiB. */
  maxBodyBytes?: number;
}

/** A listening server. */
export interface RunningServer {
  /** e.g. http://127.0.0.1:8000 (the OpenAI client's baseURL is this + '/v1'). */
  readonly url: string;
  readonly port: number;
  readonly engine: Engine;
  readonly http: Server;
  /** Stops accepting, fails waiting requests (503), ends the running batch, closes connections. */
  close(): Promise<void>;
}

/** The model's context: config.max_position_embeddings (or its learned table's rows). */
function contextOf(model: PreTrainedModel): number {
  const lim = model.inputLimits();
  const c = model.config as unknown as Record<string, unknown>;
  const v = lim && lim.maxPositions < Number.MAX_SAFE_INTEGER ? lim.maxPositions : c.max_position_embeddings ?? c.n_positions ?? c.max_seq_len;
  if (typeof v !== 'number' || !(v > 0)) throw new TypeError('tunekit serve: the model config gives no context length (max_position_embeddings)');
  return v;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > limit) { reject(new ApiError(413, `the request body is larger than ${limit} bytes`, 'invalid_request_error', null, 'body_too_large')); req.resume(); return; }
      parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sinkFor(res: ServerResponse): Sink {
  let streaming = false;
  const aborts: Array<() => void> = [];
  res.on('close', () => { if (!res.writableFinished) aborts.forEach((f) => f()); });
  return {
    json(status, body) {
      if (res.headersSent) return;
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    },
    event(data) {
      if (res.writableEnded || res.destroyed) return;
      if (!streaming) {
        streaming = true;
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      }
      res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    },
    end() { if (!res.writableEnded) res.end(); },
    onAbort(fn) { aborts.push(fn); },
  };
}

/**
 * Starts an OpenAI-compatible server for a loaded causal LM (or a PeftModel over one) and its
 * tokenizer. Resolves once it listens.
 * @example
 * const server = await startServer(model, tokenizer, { port: 0 });
 * const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none' });
 */
export async function startServer(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, opts: ServeOptions = {}): Promise<RunningServer> {
  const context = contextOf(model);
  const timeout = opts.requestTimeout === undefined ? 600 : opts.requestTimeout;
  const engine = new Engine(model, tokenizer, getGenerationConfig(model), {
    maxBatchSize: opts.maxBatchSize ?? 8,
    maxQueue: opts.maxQueue ?? 64,
    batchWaitMs: opts.batchWaitMs ?? 2,
    requestTimeoutMs: timeout === null || timeout === 0 ? null : timeout * 1000,
    context,
  });
  const lim = model.inputLimits();
  const vocab = lim?.vocabSize ?? ((model.config as unknown as { vocab_size?: number }).vocab_size ?? null);
  const ctx: ServeContext = {
    engine, tokenizer, modelName: opts.servedModelName ?? 'tunekit', chatTemplate: opts.chatTemplate ?? null, vocab,
    limits: { context, maxTokens: opts.maxTokens ?? 1024, maxPromptTokens: opts.maxPromptTokens ?? null },
  };
  const created = Math.floor(Date.now() / 1000);
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;

  const handle = async (req: IncomingMessage, res: ServerResponse, sink: Sink): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
    if (path === '/health') { res.writeHead(200).end(); return; }
    if (path === '/v1/models' || path === `/v1/models/${ctx.modelName}`) {
      if (req.method !== 'GET') throw new ApiError(405, `${req.method} is not allowed on ${path} (use GET)`, 'invalid_request_error', null, 'method_not_allowed');
      const list = listModels(ctx, created) as { data: unknown[] };
      sink.json(200, path === '/v1/models' ? list : list.data[0]);
      return;
    }
    if (path !== '/v1/completions' && path !== '/v1/chat/completions')
      throw new ApiError(404, `no route ${req.method} ${path}: this server has /v1/models, /v1/completions and /v1/chat/completions`, 'invalid_request_error', null, 'not_found');
    if (req.method !== 'POST') throw new ApiError(405, `${req.method} is not allowed on ${path} (use POST)`, 'invalid_request_error', null, 'method_not_allowed');
    const body = parseJsonBody(await readBody(req, maxBody));
    const parsed = path === '/v1/completions' ? parseCompletionRequest(body) : parseChatRequest(body);
    if (parsed.model !== ctx.modelName) throw unknownModel(parsed.model, ctx.modelName);
    await handleGeneration(ctx, parsed, sink);
  };

  const http = createServer((req, res) => {
    const sink = sinkFor(res);
    handle(req, res, sink).catch((e: unknown) => {
      const err = asApiError(e);
      if (res.headersSent) { sink.event(err.toBody()); sink.event('[DONE]'); sink.end(); } else sink.json(err.status, err.toBody());
    });
  });
  http.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 8000, opts.host ?? '127.0.0.1', () => { http.off('error', reject); resolve(); });
  });
  const addr = http.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`, port: addr.port, engine, http,
    async close() {
      const closed = new Promise<void>((r) => http.close(() => r()));
      await engine.close();
      http.closeAllConnections();
      await closed;
    },
  };
}
