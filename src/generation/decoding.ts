// decoding.ts — the decoding state shared by greedy search, sampling and beam search
// (transformers' prepare_inputs_for_generation / _update_model_kwargs_for_generation), and the
// greedy / multinomial-sampling loop (_sample). One decoding step is one tidy() scope: the
// forward's activations and logits die with it; the KV cache and the two (B, max_length) buffers
// below are kept and freed when the loop ends (or is abandoned). Host arrays hold the sequences,
// so what leaves a step is numbers. An encoder-decoder run also holds the encoder's output,
// computed when the state is made (once per generate() call; encoder-decoder.ts).
import { tidy, keep, tensor, full, ones, multinomial, type Tensor } from '../torch/index.js';
import type { KVCache, EncoderDecoderCache } from '../nn/index.js';
import type { Run } from './setup.js';
import { EncoderState, type Seq2SeqGenerationModel } from './encoder-decoder.js';

/** What generate() returns with return_dict_in_generate (HF GenerateDecoderOnlyOutput / GenerateBeamDecoderOnlyOutput). */
export interface GenerateOutput {
  /** (B * n, T_out) int64: prompt (with its padding) + new tokens; encoder-decoder: decoder_start_token_id + new tokens. */
  sequences: Tensor;
  /** output_scores: per step, the processed scores (B * n, V) the token was chosen from (beam search: log-probs). */
  scores?: Tensor[];
  /** output_logits: per step, the raw logits (B * n, V). */
  logits?: Tensor[];
  /** Beam search with output_scores: (B * n) the final beam scores (sum of log-probs / length ** length_penalty). */
  sequences_scores?: Tensor;
}

/** One decoding step, as the loops yield it: the token chosen per row (finished rows: pad_token_id). */
export interface StepEvent {
  tokens: number[];
  /** Per row: it was still running when this token was chosen (false: the token is padding). */
  active: boolean[];
}

const i64 = (xs: number[], shape: number[]): Tensor => tensor(BigInt64Array.from(xs, (x) => BigInt(x)), { shape });

/**
 * The tensors of a run that outlive the steps: token ids and attention mask (B, max_length)
 * written column by column (views of the first `length` columns are the inputs), the cache,
 * and positions derived from the prompt mask on the host.
 */
export class DecodingState {
  ids: Tensor;
  readonly mask: Tensor | null;
  readonly cache: KVCache | null;
  /** Encoder-decoder runs: the encoder's output (B, Ts, d_model) and mask, expanded per row. */
  readonly encoder: EncoderState | null;
  /** (B) per row: tokens (not padding) in its prompt, the position of its first new token. */
  readonly #count: number[];
  readonly #promptPos: number[][];
  /** Columns filled. */
  length: number;
  /** The model's beginDecoding() handle, if it has one. */
  readonly #decoding: { dispose(): void } | null;

  constructor(readonly run: Run) {
    const { rows, mask, maxLength, hasPadding, pad } = run;
    const b = rows.length, t = run.promptLength;
    this.length = t;
    this.ids = tidy(() => {
      const buf = full([b, maxLength], pad ?? 0, { dtype: 'int64', device: run.device });
      buf.narrow(1, 0, t).copy_(i64(rows.flat(), [b, t]).to(run.device));
      return keep(buf);
    });
    this.mask = hasPadding ? tidy(() => {
      const buf = ones([b, maxLength], { dtype: 'int64', device: run.device });
      buf.narrow(1, 0, t).copy_(i64(mask.flat(), [b, t]).to(run.device));
      return keep(buf);
    }) : null;
    // HF: position_ids = cumsum(attention_mask) - 1, padding positions set to 1
    this.#promptPos = mask.map((r) => {
      let c = 0;
      return r.map((m) => { c += m; return m ? c - 1 : 1; });
    });
    this.#count = mask.map((r) => r.reduce((a, x) => a + x, 0));
    let encoder: EncoderState | null = null;
    let decoding: { dispose(): void } | null = null;
    let cache: KVCache | null = null;
    try {
      encoder = run.encoder ? new EncoderState(run.model as unknown as Seq2SeqGenerationModel, run.encoder, run.device, run.who) : null;
      cache = run.makeCache();
      // what the model keeps for its decode steps while this run lasts (T5: a transposed LM head)
      const begin = (run.model as { beginDecoding?: (o: { rows: number }) => { dispose(): void } }).beginDecoding;
      decoding = typeof begin === 'function' ? begin.call(run.model, { rows: b }) : null;
    } catch (e) {
      this.ids.dispose(); this.mask?.dispose(); encoder?.dispose(); cache?.dispose();
      throw e;
    }
    this.cache = cache;
    this.encoder = encoder;
    this.#decoding = decoding;
  }

  /** The sequences so far (B, length): a view, valid inside the current step. */
  inputIds(): Tensor { return this.ids.narrow(1, 0, this.length); }

  /** (B, n) positions of columns [start, start + n). */
  #positions(start: number, n: number): Tensor {
    const t = this.run.promptLength;
    const flat: number[] = [];
    this.#promptPos.forEach((pp, b) => {
      for (let j = start; j < start + n; j++) flat.push(j < t ? pp[j]! : this.#count[b]! + j - t);
    });
    return i64(flat, [this.#promptPos.length, n]).to(this.run.device);
  }

  /**
   * Runs the model on what it has not seen (all columns without a cache or on the first step,
   * else the last one) and returns the last position's logits (B, V) float32.
   */
  forward(): Tensor {
    const { model, accepts } = this.run;
    const seen = this.cache?.getSeqLength() ?? 0;
    const start = this.cache ? seen : 0;
    const n = this.length - start;
    if (this.encoder) return this.encoder.step(this.ids.narrow(1, start, n), this.cache as EncoderDecoderCache | null);
    const inputs: Record<string, unknown> = { input_ids: this.ids.narrow(1, start, n) };
    if (this.mask && accepts.attentionMask) inputs.attention_mask = this.mask.narrow(1, 0, this.length);
    if (accepts.positionIds) inputs.position_ids = this.#positions(start, n);
    if (this.cache) { inputs.past_key_values = this.cache; inputs.use_cache = true; } else inputs.use_cache = false;
    if (accepts.logitsToKeep) inputs.logits_to_keep = 1;
    const out = (model.forward as (i: Record<string, unknown>) => { logits?: Tensor } | undefined).call(model, inputs);
    const logits = out?.logits;
    if (!logits || logits.ndim !== 3) throw new TypeError(`${this.run.who}: the model's forward returned no (B, T, V) logits; generate() needs a causal-LM head (…ForCausalLM)`);
    return logits.select(1, logits.size(1) - 1).float(); // (B, V)
  }

  /** Writes one token per row into the next column. */
  append(tokens: number[]): void {
    tidy(() => { this.ids.select(1, this.length).copy_(i64(tokens, [tokens.length]).to(this.run.device)); });
    this.length++;
  }

  /** Keeps rows `index` (beam search): ids and cache follow. Rows share a prompt mask within a batch. */
  reorder(index: number[]): void {
    const old = this.ids;
    this.ids = tidy(() => {
      const idx = i64(index, [index.length]).to(this.run.device);
      const c = this.cache as (KVCache & { reorder?(i: Tensor, o?: { crossAttention?: boolean }): void }) | null;
      if (c) {
        if (typeof c.reorder !== 'function') throw new TypeError(`${this.run.who}: this cache cannot be reordered for beam search`);
        // beam search keeps every row within its prompt's group, whose rows share one (expanded)
        // encoder output: an encoder-decoder cache's cross-attention k/v need no permutation
        c.reorder(idx, { crossAttention: false });
      }
      return keep(old.indexSelect(0, idx));
    });
    old.dispose();
  }

  dispose(): void {
    this.ids.dispose();
    this.mask?.dispose();
    this.cache?.dispose();
    this.encoder?.dispose();
    this.#decoding?.dispose();
  }
}

/** Host copies of a (B) int64 tensor. */
export const toNumbers = (t: Tensor): number[] => Array.from(t.cpu().toTypedArray() as BigInt64Array, Number);

/**
 * Greedy search and multinomial sampling (HF _sample): per step, the last logits go through the
 * processors, the next token is the argmax or a sample of softmax(scores); rows that finished
 * get pad_token_id (when an EOS is set); a row stops when a criterion says so, the loop when all
 * have. Yields each step's tokens; returns the output.
 */
export function* sampleLoop(run: Run): Generator<StepEvent, GenerateOutput, void> {
  const { config, rows, processors, criteria, streamer, generator, eos, pad } = run;
  const b = rows.length;
  const state = new DecodingState(run);
  const unfinished = new Array<boolean>(b).fill(true);
  const padFinished = eos !== null && pad !== null; // HF: only with an EOS criterion
  const scores: Tensor[] | undefined = run.returnDict && config.output_scores ? [] : undefined;
  const rawLogits: Tensor[] | undefined = run.returnDict && config.output_logits ? [] : undefined;
  streamer?.put(rows.map((r) => [...r]));
  try {
    for (;;) {
      const step = tidy(() => {
        // sampling's warpers and softmax run 5x slower on a (B, V) view with columns contiguous (the
        // T5 head's decode-step layout, models/t5/head.ts); greedy's masks and argmax do not care
        const raw = state.forward(); // (B, V)
        const logits = config.do_sample ? raw.contiguous() : raw;
        // the step's logits are its own: unless they are returned raw, processors may mask them in place
        const processed = processors.call(state.inputIds(), logits, { owned: !rawLogits }); // (B, V)
        const next = config.do_sample
          ? multinomial(processed.softmax(-1), 1, false, generator ? { generator } : {}).squeeze(1)
          : processed.argmax(-1); // (B)
        const tokens = toNumbers(next).map((tok, i) => (padFinished && !unfinished[i] ? pad! : tok));
        state.append(tokens);
        tokens.forEach((tok, i) => rows[i]!.push(tok));
        const done = criteria.call(state.inputIds(), processed, rows);
        return { tokens, done, processed: scores ? processed : null, logits: rawLogits ? logits : null };
      });
      if (step.processed) scores!.push(step.processed);
      if (step.logits) rawLogits!.push(step.logits);
      streamer?.put(step.tokens);
      const active = [...unfinished];
      step.done.forEach((d, i) => { if (d) unfinished[i] = false; });
      yield { tokens: step.tokens, active };
      if (!unfinished.includes(true)) break;
    }
  } finally {
    state.dispose();
    streamer?.end();
  }
  const sequences = tidy(() => i64(rows.flat(), [b, rows[0]!.length]).to(run.device));
  return { sequences, ...(scores ? { scores } : {}), ...(rawLogits ? { logits: rawLogits } : {}) };
}

export { i64 };
