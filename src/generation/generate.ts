// generate.ts — generate() (transformers' GenerationMixin.generate, decoder-only and encoder-decoder) and
// streamGenerate(), its async-iterator form. Decoding is synchronous math (one tidy() scope per
// step, gradients off); streamGenerate yields to the event loop between steps, so the tokens and
// text arrive while the next ones are computed.
import { noGrad, type Tensor } from '../torch/index.js';
import type { GenerationConfig } from './configuration.js';
import { sampleLoop, type GenerateOutput, type StepEvent } from './decoding.js';
import { beamLoop } from './beam-search.js';
import { prepareRun, type CausalLM, type GenerateInputs, type Run } from './setup.js';
import { TextStreamer } from './streamers.js';
import type { PreTrainedModel } from '../models/index.js';

type Loop = Generator<StepEvent, GenerateOutput, void>;
const loopOf = (run: Run): Loop => (run.mode === 'beam' ? beamLoop(run) : sampleLoop(run));

/**
 * Generates continuations of the prompts with a causal LM or an encoder-decoder LM, as transformers' `model.generate()`:
 * greedy search, multinomial sampling (do_sample), beam search (num_beams > 1) or beam sampling;
 * logits processors and warpers in HF's order; the KV cache on by default (DynamicCache, or
 * `cache_implementation: 'static'`); left-padded batches with position_ids = cumsum(mask) - 1;
 * rows that hit an EOS are filled with pad_token_id until all are done.
 *
 * Encoder-decoder models (config.is_encoder_decoder, T5): input_ids / attention_mask feed the
 * encoder, which runs once; the decoder starts from decoder_start_token_id (generation config, else
 * the model config, else bos_token_id) and max_length / max_new_tokens / min_length count decoder
 * tokens (the start token counts in max_length; the default is 20 new tokens). The sequences are
 * the decoder's: start token + new tokens.
 *
 * Options are HF's keyword arguments (snake_case, camelCase aliases accepted): any
 * GenerationConfig field (max_new_tokens, do_sample, temperature, top_k, top_p, num_beams,
 * eos_token_id, stop_strings, ...) plus input_ids (B, T), attention_mask (B, T),
 * generation_config, streamer, tokenizer (for stop_strings), generator (seeded sampling),
 * logits_processor, stopping_criteria. Defaults come from the model's generation_config
 * (its generation_config.json, or its config), except return_dict_in_generate, which only the
 * call decides (so the return type is known statically).
 *
 * Returns the sequences (B * num_return_sequences, T_out) int64: prompt (with its padding) + new
 * tokens (encoder-decoder: decoder_start_token_id + new tokens); with `return_dict_in_generate: true`, a GenerateOutput (sequences, and with
 * output_scores the per-step scores and, for beam search, sequences_scores).
 * @example
 * const ids = generate(model, { input_ids, attention_mask, max_new_tokens: 32 });
 * const out = generate(model, { input_ids, num_beams: 4, num_return_sequences: 2, return_dict_in_generate: true, output_scores: true });
 */
export function generate(model: PreTrainedModel, inputs: GenerateInputs & { return_dict_in_generate: true }): GenerateOutput;
export function generate(model: PreTrainedModel, inputs: GenerateInputs & { generation_config: GenerationConfig }): Tensor | GenerateOutput;
export function generate(model: PreTrainedModel, inputs: GenerateInputs & { returnDictInGenerate: true }): GenerateOutput;
export function generate(model: PreTrainedModel, inputs?: GenerateInputs): Tensor;
export function generate(model: PreTrainedModel, inputs: GenerateInputs = {}): Tensor | GenerateOutput {
  const run = prepareRun(model as CausalLM, inputs);
  const loop = loopOf(run);
  let out: GenerateOutput;
  for (;;) {
    const r = noGrad(() => loop.next());
    if (r.done) { out = r.value; break; }
  }
  return run.returnDict ? out : out.sequences;
}

/** One chunk of streamGenerate(). */
export interface StreamChunk {
  /** The token chosen at this step for each row (rows already finished: pad_token_id). Empty on the final chunk. */
  tokens: number[];
  /**
   * With a `tokenizer`: per row, the text that became printable at this step — whole words, as
   * TextStreamer emits them ('' while a word is incomplete); on the final chunk, the rest.
   */
  texts?: string[];
  /** texts[0]: the text of the first (usually only) row. */
  text?: string;
  /** True on the last chunk. */
  done: boolean;
  /** On the last chunk: what generate() returns with return_dict_in_generate. */
  output?: GenerateOutput;
}

/**
 * generate() as an async iterator: one chunk per decoding step with the new tokens (and, given
 * a `tokenizer`, the new text of each row, TextStreamer's whole-word rule, prompt skipped), then a
 * final chunk with the rest of the text and the output. Between steps it yields to the event
 * loop. Breaking out of the loop stops generation and frees its cache. Not with beam search.
 * @example
 * for await (const chunk of streamGenerate(model, { input_ids, max_new_tokens: 100, tokenizer: tok }))
 *   process.stdout.write(chunk.text ?? '');
 */
export async function* streamGenerate(model: PreTrainedModel, inputs: GenerateInputs = {}): AsyncGenerator<StreamChunk, void, void> {
  const run = prepareRun(model as CausalLM, inputs);
  if (run.mode === 'beam') throw new TypeError(`${run.who}: streamGenerate() cannot stream beam search (num_beams ${run.config.num_beams}); beams are only known at the end`);
  const tokenizer = (inputs as { tokenizer?: unknown }).tokenizer as ConstructorParameters<typeof TextStreamer>[0] | undefined;
  const pieces: string[] = run.rows.map(() => '');
  const streamers = tokenizer
    ? run.rows.map((_, i) => {
      const s = new TextStreamer(tokenizer, { skip_prompt: true, onText: (t) => { pieces[i] += t; } });
      s.put([0]); // the prompt slot (skipped)
      return s;
    })
    : null;
  const texts = (): string[] => pieces.map((p, i) => { pieces[i] = ''; return p; });
  const loop = loopOf(run);
  try {
    for (;;) {
      const r = noGrad(() => loop.next());
      if (r.done) {
        streamers?.forEach((s) => s.end());
        const t = streamers ? texts() : undefined;
        yield { tokens: [], done: true, output: r.value, ...(t ? { texts: t, text: t[0]! } : {}) };
        return;
      }
      const { tokens, active } = r.value;
      streamers?.forEach((s, i) => { if (active[i]) s.put([tokens[i]!]); });
      const t = streamers ? texts() : undefined;
      yield { tokens, done: false, ...(t ? { texts: t, text: t[0]! } : {}) };
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    loop.return(undefined as never); // an abandoned stream frees its cache and buffers
  }
}
