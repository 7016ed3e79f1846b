// text-generation.ts — TextGenerationPipeline of transformers 5.x pipelines/text_generation.py:
// a prompt (or a chat: a list of {role, content} messages, rendered with the tokenizer's chat
// template) is tokenized, continued by generate(), and the NEW tokens decoded (5.x cuts by token
// count; 4.x cut the decoded text by the decoded prompt's length); with return_full_text (default
// true) the original prompt is put in front (a chat gets the reply appended as an assistant message).
import { tensor, type Tensor } from '../torch/index.js';
import { generate, type GenerateInputs } from '../generation/index.js';
import type { ChatMessage } from '../tokenizers/index.js';
import { Pipeline } from './base.js';
import type { WithCamelAliases } from '../utils/options.js';

/** One generated sequence (HF's dict). */
export interface TextGenerationResult {
  /** The text (prompt + continuation with return_full_text), or the chat with the reply appended. */
  generated_text?: string | ChatMessage[];
  /** With return_tensors: the token ids (prompt + new tokens, or new tokens only). */
  generated_token_ids?: number[];
}

/**
 * Call options: the pipeline's own plus any generate() keyword (max_new_tokens, do_sample, ...),
 * under HF's names or camelCase (`returnFullText`, `maxNewTokens`).
 */
export type TextGenerationOptions = Omit<GenerateInputs, 'input_ids' | 'attention_mask' | 'inputIds' | 'attentionMask' | 'tokenizer' | 'streamer'> & WithCamelAliases<TextGenerationArgs>;

/** The pipeline's own call options under HF's names. */
export interface TextGenerationArgs {
  /** Prompt + continuation (default true) or the continuation only. */
  return_full_text?: boolean;
  /** Return generated_token_ids instead of text. */
  return_tensors?: boolean;
  /** Return generated_text (default true unless return_tensors). */
  return_text?: boolean;
  /** Tidy spaces when decoding (default true, as the pipeline's postprocess). */
  clean_up_tokenization_spaces?: boolean;
  /** Text put before every prompt (a generation prefix, HF `prefix`). */
  prefix?: string;
  /** Tokenize the prompt with the tokenizer's special tokens (default: the tokenizer's default; chats: false). */
  add_special_tokens?: boolean;
  /** A chat whose last message is the assistant's: continue it instead of starting a new reply. */
  continue_final_message?: boolean;
  /** Stop at this text (HF stop_sequence: its first token becomes an extra EOS id). */
  stop_sequence?: string;
  /** Streams tokens/text of the generation (a TextStreamer); only single prompts. */
  streamer?: GenerateInputs['streamer'];
}

const OWN = ['return_full_text', 'return_tensors', 'return_text', 'clean_up_tokenization_spaces', 'prefix', 'add_special_tokens', 'continue_final_message', 'stop_sequence'] as const;
type Input = string | ChatMessage[];

const isChat = (x: unknown): x is ChatMessage[] =>
  Array.isArray(x) && x.length > 0 && x.every((m) => m !== null && typeof m === 'object' && typeof (m as ChatMessage).role === 'string');

/**
 * Continues text (or a chat) with a causal LM.
 * @example
 *   const gen = await pipeline('text-generation', { model: 'path/to/stories260K' });
 *   await gen('Once upon a time', { max_new_tokens: 30 });  // [{ generated_text: 'Once upon a time, there was ...' }]
 *   await gen([{ role: 'user', content: 'Hi!' }], { max_new_tokens: 20 }); // chat: the reply appended as an assistant message
 */
export class TextGenerationPipeline extends Pipeline {
  /** Defaults for every call (pipeline(task, { ..., generateKwargs }) or set here); call options win. */
  declare defaults: TextGenerationOptions;
  static override readonly optionNames: readonly string[] = OWN;
  static override readonly passesGenerateOptions: boolean = true;

  call(inputs: Input, opts?: TextGenerationOptions): Promise<TextGenerationResult[]>;
  /** Several prompts (or chats): one list of results each. */
  call(inputs: Input[], opts?: TextGenerationOptions): Promise<TextGenerationResult[][]>;
  async call(inputs: Input | Input[], opts: TextGenerationOptions = {}): Promise<TextGenerationResult[] | TextGenerationResult[][]> {
    const o = this.callOptions(opts) as TextGenerationArgs & Record<string, unknown>;
    // A single chat is a list of messages; a list of chats or of strings is a batch.
    const batch = typeof inputs === 'string' || isChat(inputs) ? null : (inputs as Input[]);
    if (batch !== null && !batch.every((x) => typeof x === 'string' || isChat(x)))
      throw new TypeError('text-generation: inputs must be a string, a chat (a list of {role, content} messages), or a list of those');
    if (batch && o.streamer) throw new TypeError('text-generation: a streamer streams one prompt; call the pipeline once per prompt');
    if (batch) {
      const out: TextGenerationResult[][] = [];
      for (const x of batch) out.push(await this.one(x, o));
      return out;
    }
    return this.one(inputs as Input, o);
  }

  private async one(prompt: Input, o: TextGenerationArgs & Record<string, unknown>): Promise<TextGenerationResult[]> {
    const gen: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!(OWN as readonly string[]).includes(k)) gen[k] = v;
    const chat = isChat(prompt);
    const tok = this.tokenizer;
    // ---- preprocess ----
    let ids: number[];
    if (chat) {
      const cont = o.continue_final_message ?? prompt[prompt.length - 1]!.role === 'assistant';
      ids = await tok.applyChatTemplate(prompt, { addGenerationPrompt: !cont, continueFinalMessage: cont });
    } else {
      const text = (o.prefix ?? '') + prompt;
      const enc = await tok.call(text, o.add_special_tokens === undefined ? {} : { addSpecialTokens: o.add_special_tokens });
      ids = enc.input_ids as number[];
    }
    if (o.stop_sequence !== undefined) {
      const stop = (await tok.call(o.stop_sequence, { addSpecialTokens: false })).input_ids as number[];
      if (stop.length > 1) process.emitWarning('text-generation: stop_sequence is several tokens; only its first one stops generation (as HF).');
      const eos = gen.eos_token_id ?? this.model.config.eos_token_id;
      gen.eos_token_id = [...(eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos as number]), stop[0]!];
    }
    // HF: without max_new_tokens / max_length the pipeline generates up to 256 new tokens; a prefix's
    // tokens then do not count against max_length.
    if (gen.max_new_tokens === undefined && gen.maxNewTokens === undefined && gen.max_length === undefined && gen.maxLength === undefined) gen.max_new_tokens = 256;
    else if (o.prefix && gen.max_new_tokens === undefined && gen.maxNewTokens === undefined) {
      const prefixIds = (await tok.call(o.prefix, o.add_special_tokens === undefined ? {} : { addSpecialTokens: o.add_special_tokens })).input_ids as number[];
      gen.max_length = Number(gen.max_length ?? gen.maxLength) + prefixIds.length;
      delete gen.maxLength;
    }
    // ---- forward (generate) ----
    const sequences = (() => {
      const inputIds: Tensor = tensor([ids], { dtype: 'int64', device: this.device });
      try {
        const seq = generate(this.model, { ...(gen as GenerateInputs), input_ids: inputIds, tokenizer: tok });
        try { return seq.toArray() as number[][]; } finally { seq.dispose(); }
      } finally {
        inputIds.dispose();
      }
    })();
    // ---- postprocess ----
    const clean = o.clean_up_tokenization_spaces ?? true;
    const decode = (x: number[]): string => tok.decode(x, { skipSpecialTokens: true, cleanUpTokenizationSpaces: clean });
    const full = o.return_full_text ?? true;
    const wantTensors = o.return_tensors ?? false;
    const wantText = o.return_text ?? !wantTensors;
    return sequences.map((seq) => {
      const r: TextGenerationResult = {};
      if (wantTensors) r.generated_token_ids = seq;
      if (wantText) {
        const newText = decode(seq.slice(ids.length)); // the tokens after the prompt's
        if (!full) r.generated_text = newText;
        else if (!chat) r.generated_text = (prompt as string) + newText; // HF: prompt_text (without the prefix) + new text
        else if (o.continue_final_message ?? prompt[prompt.length - 1]!.role === 'assistant') {
          const last = prompt[prompt.length - 1]!;
          r.generated_text = [...prompt.slice(0, -1), { role: last.role, content: `${String(last.content)}${newText}` }];
        } else r.generated_text = [...prompt, { role: 'assistant', content: newText }];
      }
      return r;
    });
  }
}
