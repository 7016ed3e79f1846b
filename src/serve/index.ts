// tunekit serve — an OpenAI-compatible HTTP server for a (tuned) causal LM: /v1/completions,
// /v1/chat/completions (the tokenizer's chat template), /v1/models; streaming as server-sent
// events; concurrent requests decoded together in left-padded batches (engine.ts). The CLI is
// src/cli/commands/serve.ts; docs/serving.md describes the design and the limits.
//   const { model, tokenizer, chatTemplate } = await loadForServing('path/to/model', { adapter: 'out/adapter' });
//   const server = await startServer(model, tokenizer, { port: 0, chatTemplate });
export { startServer, type ServeOptions, type RunningServer } from './server.js';
export { loadForServing, readChatTemplate, type LoadOptions, type Loaded } from './load.js';
export { Engine, Job, type JobInit, type JobResult, type EngineOptions, type EngineStats } from './engine.js';
export { ApiError, type ErrorBody } from './errors.js';
export { StopTextStream } from './text-stream.js';
export { admit, resolveSampling, batchKey, type Limits, type Sampling } from './limits.js';
export { parseChatRequest, parseCompletionRequest, parseJsonBody, type ChatRequest, type CompletionRequest, type GenerationRequest } from './protocol.js';
