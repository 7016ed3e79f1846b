// engine.ts — the request queue and the batch scheduler of `tunekit serve`.
//
// Design (docs/serving.md): static batching with per-row exits. Requests wait in a bounded FIFO
// queue (full -> 429). When no batch is running, the scheduler takes the oldest request and up to
// --max-batch-size - 1 more that can share its decoding (the same sampling settings; greedy
// requests always can), left-pads their prompts into one (B, T) batch with an attention mask and
// runs tunekit's streamGenerate() over it: position_ids = cumsum(mask) - 1, so every row decodes as
// its prompt alone would (tested against generate() per prompt). Each step's token goes to its
// request, which applies its own max_tokens, EOS and stop strings, and leaves the batch when done;
// the batch ends when every row has left (its KV cache is freed then). streamGenerate yields to
// the event loop between steps, so HTTP requests keep being accepted and queued while a batch
// decodes; they form the next batch. Seeded sampling runs alone (its generator is its own, so
// the seed reproduces the text). Compute is synchronous and one batch runs at a time.
import { tensor, Generator, manualSeed, type Tensor } from '../torch/index.js';
import { streamGenerate, type GenerationConfig, type TokenDecoder } from '../generation/index.js';
import type { PreTrainedModel } from '../models/index.js';
import { ApiError, asApiError } from './errors.js';
import { batchKey, type Sampling } from './limits.js';
import { StopTextStream } from './text-stream.js';

/** A request as the engine runs it (already admitted: lengths checked). */
export interface JobInit {
  promptIds: number[];
  /** New tokens at most (admit() decided it). */
  maxTokens: number;
  sampling: Sampling;
  stop: string[];
  /** Receives each piece of final text as it forms (streaming). */
  onText?: (delta: string) => void;
}

/** What a finished request returns. */
export interface JobResult {
  text: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  /** Generated tokens, the EOS token included (as vLLM counts). */
  completionTokens: number;
}

/** Engine settings (CLI flags). */
export interface EngineOptions {
  /** --max-batch-size: rows decoded together. */
  maxBatchSize: number;
  /** --max-queue: requests waiting (not yet decoding) before new ones get 429. */
  maxQueue: number;
  /** --request-timeout in ms (queue + decoding); null: none. */
  requestTimeoutMs: number | null;
  /** Positions the model takes: a batch's longest prompt + most new tokens must fit. */
  context: number;
  /** --batch-wait-ms: how long a batch that is not full waits for more requests before decoding. */
  batchWaitMs: number;
}

/** Counters for tests and the load bench. */
export interface EngineStats {
  batches: number;
  rows: number;
  maxBatchRows: number;
  rejectedQueueFull: number;
  timedOut: number;
}

/** One request in the engine. */
export class Job {
  state: 'queued' | 'running' | 'done' = 'queued';
  readonly result: Promise<JobResult>;
  readonly text: StopTextStream;
  readonly #pieces: string[] = [];
  #resolve!: (r: JobResult) => void;
  #reject!: (e: ApiError) => void;
  timer: NodeJS.Timeout | null = null;

  constructor(readonly init: JobInit, tokenizer: TokenDecoder, readonly onSettle: (job: Job) => void) {
    this.text = new StopTextStream(tokenizer, init.stop, init.promptIds);
    this.result = new Promise<JobResult>((res, rej) => { this.#resolve = res; this.#reject = rej; });
    this.result.catch(() => undefined); // a caller that stopped listening must not crash the process
  }

  /** Takes the token the batch chose for this row at this step. */
  accept(token: number, eos: readonly number[]): void {
    if (this.state !== 'running') return;
    if (eos.includes(token)) { this.#finish('stop', true); return; }
    this.#emit(this.text.push(token));
    if (this.text.stopped) this.#finish('stop', false);
    else if (this.text.ids.length >= this.init.maxTokens) this.#finish('length', false);
  }

  /** Ends the request as it stands (the batch ended: its token budget). */
  endOfBatch(): void {
    if (this.state === 'running') this.#finish('length', false);
  }

  fail(e: ApiError): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.onSettle(this);
    this.#reject(e);
  }

  #emit(piece: string): void {
    if (piece === '') return;
    this.#pieces.push(piece);
    this.init.onText?.(piece);
  }

  #finish(reason: 'stop' | 'length', eosToken: boolean): void {
    this.#emit(this.text.finish());
    this.state = 'done';
    this.onSettle(this);
    this.#resolve({
      text: this.#pieces.join(''),
      finishReason: reason,
      promptTokens: this.init.promptIds.length,
      completionTokens: this.text.ids.length + (eosToken ? 1 : 0),
    });
  }
}

/** The queue and the batch loop over one model. */
export class Engine {
  readonly stats: EngineStats = { batches: 0, rows: 0, maxBatchRows: 0, rejectedQueueFull: 0, timedOut: 0 };
  readonly #queue: Job[] = [];
  #busy = false;
  #closed = false;
  #idle: Promise<void> = Promise.resolve();
  readonly #eos: number[];
  readonly #pad: number;

  constructor(readonly model: PreTrainedModel, readonly tokenizer: TokenDecoder, readonly generationConfig: GenerationConfig, readonly opts: EngineOptions) {
    const e = generationConfig.eos_token_id;
    this.#eos = e === null ? [] : Array.isArray(e) ? [...e] : [e];
    this.#pad = generationConfig.pad_token_id ?? this.#eos[0] ?? 0;
  }

  /** Requests waiting for a batch. */
  get queued(): number { return this.#queue.length; }

  /** Queues a request; 429 when the queue is full, 503 once the server is closing. */
  submit(init: JobInit): Job {
    if (this.#closed) throw new ApiError(503, 'the server is shutting down', 'server_error', null, 'shutting_down');
    if (this.#queue.length >= this.opts.maxQueue) {
      this.stats.rejectedQueueFull++;
      throw new ApiError(429, `the server's queue is full (${this.opts.maxQueue} requests waiting, --max-queue); retry later`, 'requests', null, 'rate_limit_exceeded');
    }
    const job = new Job(init, this.tokenizer, (j) => { if (j.timer) clearTimeout(j.timer); });
    const ms = this.opts.requestTimeoutMs;
    if (ms !== null) {
      job.timer = setTimeout(() => {
        this.stats.timedOut++;
        this.cancel(job, new ApiError(408, `the request did not finish within ${ms / 1000} s (--request-timeout)`, 'timeout_error', null, 'request_timeout'));
      }, ms);
    }
    this.#queue.push(job);
    this.#pump();
    return job;
  }

  /** Drops a request: out of the queue, or out of its batch at the next step. */
  cancel(job: Job, reason: ApiError): void {
    const i = this.#queue.indexOf(job);
    if (i !== -1) this.#queue.splice(i, 1);
    job.fail(reason);
  }

  /** Refuses new requests, fails the queued ones (503) and waits for the running batch's rows to be dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    const err = new ApiError(503, 'the server is shutting down', 'server_error', null, 'shutting_down');
    for (const j of this.#queue.splice(0)) j.fail(err);
    this.#running?.forEach((j) => j.fail(err));
    await this.#idle;
  }

  #running: Job[] | null = null;

  #pump(): void {
    if (this.#busy || this.#queue.length === 0) return;
    this.#busy = true;
    // requests that arrive within the batch window (or, with none, in the same event-loop turn)
    // join this batch: clients answered by the last batch send their next requests a moment later
    const wait = this.#queue.length < this.opts.maxBatchSize ? this.opts.batchWaitMs : 0;
    this.#idle = new Promise<void>((done) => {
      const go = (): void => {
        this.#runBatch(this.#takeBatch()).finally(() => {
          this.#busy = false;
          this.#running = null;
          done();
          this.#pump();
        });
      };
      if (wait > 0) setTimeout(go, wait); else setImmediate(go);
    });
  }

  /** The oldest request and the queued ones that can decode with it (same sampling; the batch fits the context). */
  #takeBatch(): Job[] {
    const head = this.#queue[0]!;
    const key = batchKey(head.init.sampling);
    const batch = [head];
    let longest = head.init.promptIds.length, most = head.init.maxTokens;
    for (const j of this.#queue.slice(1)) {
      if (key === null || batch.length >= this.opts.maxBatchSize) break;
      if (batchKey(j.init.sampling) !== key) continue;
      const l = Math.max(longest, j.init.promptIds.length), m = Math.max(most, j.init.maxTokens);
      if (l + m > this.opts.context) continue; // a padded batch must fit the positions
      batch.push(j);
      longest = l; most = m;
    }
    for (const j of batch) this.#queue.splice(this.#queue.indexOf(j), 1);
    return batch;
  }

  async #runBatch(batch: Job[]): Promise<void> {
    batch = batch.filter((j) => j.state === 'queued');
    if (batch.length === 0) return;
    batch.forEach((j) => { j.state = 'running'; });
    this.#running = batch;
    this.stats.batches++;
    this.stats.rows += batch.length;
    this.stats.maxBatchRows = Math.max(this.stats.maxBatchRows, batch.length);
    const longest = Math.max(...batch.map((j) => j.init.promptIds.length));
    const most = Math.max(...batch.map((j) => j.init.maxTokens));
    // left padding (B, T): pad ids and mask 0 before each prompt
    const rows = batch.map((j) => [...new Array<number>(longest - j.init.promptIds.length).fill(this.#pad), ...j.init.promptIds]);
    const mask = batch.map((j) => rows[0]!.map((_, k) => (k < longest - j.init.promptIds.length ? 0 : 1)));
    const s = batch[0]!.init.sampling;
    const tensors: Tensor[] = [];
    try {
      const inputIds = tensor(rows, { dtype: 'int64' });
      tensors.push(inputIds);
      const attentionMask = tensor(mask, { dtype: 'int64' });
      tensors.push(attentionMask);
      const sampling = s.doSample
        ? { do_sample: true, temperature: s.temperature, top_p: s.topP, top_k: s.topK, ...this.#generator(s.seed) }
        : { do_sample: false };
      const stream = streamGenerate(this.model, {
        input_ids: inputIds, attention_mask: attentionMask, max_new_tokens: most, pad_token_id: this.#pad,
        generation_config: this.generationConfig, ...sampling,
      });
      for await (const chunk of stream) {
        if (chunk.done) { chunk.output?.sequences.dispose(); break; }
        chunk.tokens.forEach((t, i) => batch[i]!.accept(t, this.#eos));
        if (batch.every((j) => j.state === 'done')) break; // the stream's finally frees the cache
      }
      batch.forEach((j) => j.endOfBatch());
    } catch (e) {
      const err = asApiError(e);
      batch.forEach((j) => j.fail(err));
    } finally {
      tensors.forEach((t) => t.dispose());
    }
  }

  /** A seeded request's random generator: its own CPU Generator, or the global seed on CUDA (it runs alone). */
  #generator(seed: number | null): { generator?: Generator } {
    if (seed === null) return {};
    if (String(this.model.device).startsWith('cpu')) return { generator: new Generator(seed) };
    manualSeed(seed);
    return {};
  }
}
