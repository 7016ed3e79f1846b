// serve.ts — `tunekit serve <model dir | hub id> [--adapter dir]`: an OpenAI-compatible HTTP server
// (src/serve) for a causal LM, optionally with a LoRA adapter. Flags follow vLLM's / transformers
// serve's names where they have one (--host, --port, --served-model-name, --chat-template,
// --max-tokens ...). Runs until SIGINT / SIGTERM, then closes and exits 130 (EXIT.INTERRUPTED).
import { existsSync } from 'node:fs';
import { EXIT, UsageError, untilStopSignal, type Command } from '../command.js';
import { flagsHelp, parseArgs, expectPositionals, type FlagSpecs } from '../argv.js';

const FLAGS: FlagSpecs = {
  adapter: { type: 'string', help: 'a LoRA adapter folder (adapter_config.json + adapter_model.safetensors) or Hub id, applied over the model' },
  host: { type: 'string', help: 'interface to listen on (0.0.0.0: every interface; the API has no authentication)', default: '127.0.0.1' },
  port: { type: 'number', help: 'port to listen on; 0 picks a free one (the URL is printed)', default: 8000 },
  served_model_name: { type: 'string', help: 'the `model` name clients send and /v1/models lists (default: the model argument)' },
  chat_template: { type: 'string', help: 'a Jinja chat template for /v1/chat/completions instead of the tokenizer\'s: a file (.jinja, or a .json with "chat_template") or the template text' },
  max_batch_size: { type: 'number', help: 'requests decoded together in one left-padded batch', default: 8 },
  batch_wait_ms: { type: 'number', help: 'milliseconds a batch that is not full waits for more requests before decoding', default: 2 },
  max_queue: { type: 'number', help: 'requests that may wait for a batch; more get HTTP 429', default: 64 },
  max_tokens: { type: 'number', help: 'the most new tokens one request may ask for (max_tokens above it: HTTP 400); also the default of chat requests', default: 1024 },
  max_prompt_tokens: { type: 'number', help: 'the longest prompt accepted, in tokens (longer: HTTP 400; default: the model\'s context less one)' },
  request_timeout: { type: 'number', help: 'seconds a request may take, queue and generation together (then HTTP 408); 0: no limit', default: 600 },
  dtype: { type: 'string', help: 'parameter dtype: float32, bfloat16, float16 or auto (the checkpoint\'s)', default: 'float32' },
  device: { type: 'string', help: 'cpu, cuda, cuda:N, or auto (cuda when available)', default: 'auto' },
  revision: { type: 'string', help: 'Hub revision of the model (branch, tag or commit)' },
};

const HELP = `usage: tunekit serve <model dir | hub id> [--adapter <dir>] [--flags]

Serves a causal LM (a checkpoint folder or a Hugging Face Hub id; optionally a LoRA adapter over it)
over an OpenAI-compatible HTTP API, so the \`openai\` clients and tools built on them work unchanged:

  POST /v1/chat/completions   messages rendered with the model's chat template (add_generation_prompt)
  POST /v1/completions        a prompt string (or a list of token ids)
  GET  /v1/models             the served model
  GET  /health                200 when the server is up

Request fields: model, max_tokens / max_completion_tokens, temperature (0: greedy; omitted: the
model's generation_config.json decides), top_p, seed, stop (strings), stream (server-sent events
ending with "data: [DONE]"), stream_options.include_usage; n must be 1. Fields that would change the
result but are not implemented (logprobs, tools, penalties, logit_bias, n > 1) get HTTP 400.
Concurrent requests are queued and decoded together in batches; see docs/serving.md.

arguments:
  <model dir | hub id>   the model (config.json, weights, tokenizer files)

flags:
${flagsHelp(FLAGS)}

examples:
  tunekit serve ../shared/data/models/stories260K --port 0
  tunekit serve out/base --adapter out/adapter --chat-template chat.jinja --max-batch-size 16
  curl http://127.0.0.1:8000/v1/completions -H 'Content-Type: application/json' \\
       -d '{"model": "out/base", "prompt": "Once upon a time", "max_tokens": 40, "temperature": 0}'

It runs until interrupted (Ctrl-C / SIGTERM): queued requests get HTTP 503, the server closes, exit ${EXIT.INTERRUPTED}.`;

const DTYPES = ['float32', 'bfloat16', 'float16', 'float64', 'auto'] as const;

function intFlag(flags: Record<string, unknown>, name: string, min: number): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new UsageError(`tunekit serve: --${name.replace(/_/g, '-')} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** A local-looking path that is not there (a Hub id is `name` or `org/name`). */
function checkLocal(what: string, p: string): void {
  const local = p.startsWith('.') || p.startsWith('/') || p.startsWith('~') || p.split('/').length > 2;
  if (local && !existsSync(p)) throw new UsageError(`tunekit serve: ${what} ${p} does not exist`);
}

const serve: Command = {
  name: 'serve',
  summary: 'serve a model over an OpenAI-compatible HTTP API',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { positionals, flags } = parseArgs('serve', argv, FLAGS);
    const [modelPath] = expectPositionals('serve', positionals, ['<model dir | hub id>']);
    checkLocal('model', modelPath!);
    const adapter = flags.adapter as string | undefined;
    if (adapter !== undefined) checkLocal('--adapter', adapter);
    const dtype = flags.dtype as string;
    if (!(DTYPES as readonly string[]).includes(dtype)) throw new UsageError(`tunekit serve: --dtype must be one of ${DTYPES.join(', ')}, got '${dtype}'`);
    const port = intFlag(flags, 'port', 0)!;
    if (port > 65535) throw new UsageError(`tunekit serve: --port must be in [0, 65535], got ${port}`);
    const maxBatchSize = intFlag(flags, 'max_batch_size', 1);
    const maxQueue = intFlag(flags, 'max_queue', 0);
    const batchWaitMs = intFlag(flags, 'batch_wait_ms', 0);
    const maxTokens = intFlag(flags, 'max_tokens', 1);
    const maxPromptTokens = intFlag(flags, 'max_prompt_tokens', 1);
    const timeout = flags.request_timeout as number;
    if (!(timeout >= 0)) throw new UsageError(`tunekit serve: --request-timeout must be a number of seconds >= 0, got ${timeout}`);

    // libtorch loads only now (the dispatcher imports this module for --help too)
    const { loadForServing, readChatTemplate, startServer } = await import('../../serve/index.js');
    const { cuda } = await import('../../torch/index.js');
    let chatTemplate: string | null = null;
    if (flags.chat_template !== undefined) {
      try { chatTemplate = readChatTemplate(flags.chat_template as string); } catch (e) { throw new UsageError((e as Error).message); }
    }
    const devFlag = flags.device as string;
    const device = devFlag === 'auto' ? (cuda.isAvailable() ? 'cuda' : 'cpu') : devFlag;
    if (!/^(cpu|cuda(:\d+)?)$/.test(device)) throw new UsageError(`tunekit serve: --device must be cpu, cuda, cuda:N or auto, got '${devFlag}'`);

    const loaded = await loadForServing(modelPath!, {
      adapter: adapter ?? null, dtype: dtype as 'float32', device: device as 'cpu',
      ...(flags.revision !== undefined ? { revision: flags.revision as string } : {}),
    });
    const name = (flags.served_model_name as string | undefined) ?? modelPath!;
    const server = await startServer(loaded.model, loaded.tokenizer, {
      host: flags.host as string, port, servedModelName: name, chatTemplate: chatTemplate ?? loaded.chatTemplate,
      maxBatchSize, batchWaitMs, maxQueue, maxTokens, maxPromptTokens: maxPromptTokens ?? null, requestTimeout: timeout,
    });
    console.log(`tunekit serve: ${name}${adapter ? ` + adapter ${adapter}` : ''} on ${device}, OpenAI API at ${server.url}/v1 (Ctrl-C stops)`);
    const signal = await untilStopSignal();
    console.log(`tunekit serve: ${signal}, closing`);
    await server.close();
    return EXIT.INTERRUPTED;
  },
};

export default serve;
