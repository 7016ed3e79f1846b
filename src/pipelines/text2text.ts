// text2text.ts — Text2TextGenerationPipeline, SummarizationPipeline and TranslationPipeline of
// transformers 4.47 (pipelines/text2text_generation.py; removed in 5.x): a text (or a list) is
// prefixed (config.prefix, or task_specific_params[task].prefix), tokenized (no padding, optional
// truncation), run through the encoder-decoder LM's generate() with the pipeline's generation config
// (the model's, updated with task_specific_params[task]: T5 checkpoints carry summarization and
// translation_en_to_de settings there), and each returned sequence decoded with special tokens
// skipped. Keys: generated_* / summary_* / translation_* + _text or _token_ids.
import { tensor, type Tensor } from '../torch/index.js';
import { generate, getGenerationConfig, GenerationConfig, type GenerateInputs } from '../generation/index.js';
import type { PreTrainedTokenizerFast, TruncationOption } from '../tokenizers/index.js';
import type { Device } from '../torch/index.js';
import { Pipeline, padRows, type PipelineModel } from './base.js';
import type { WithCamelAliases } from '../utils/options.js';

/** One generated sequence (HF's record): `<name>_text`, or with return_tensors `<name>_token_ids`. */
export interface Text2TextResult {
  generated_text?: string; generated_token_ids?: number[];
  summary_text?: string; summary_token_ids?: number[];
  translation_text?: string; translation_token_ids?: number[];
}

/**
 * Call options: the pipeline's own plus any generate() keyword (max_new_tokens, num_beams, ...),
 * under HF's names or camelCase (`returnTensors`, `numBeams`).
 */
export type Text2TextOptions = Omit<GenerateInputs, 'input_ids' | 'attention_mask' | 'inputIds' | 'attentionMask' | 'streamer'> & WithCamelAliases<Text2TextArgs>;

/** The pipeline's own call options under HF's names. */
export interface Text2TextArgs {
  /** Return `<name>_token_ids` (the decoder sequences, start token first) instead of text. */
  return_tensors?: boolean;
  /** Accepted as HF does; HF 4.47 ignores it (text unless return_tensors). */
  return_text?: boolean;
  /** Tidy spaces before punctuation when decoding (default false, as these pipelines). */
  clean_up_tokenization_spaces?: boolean;
  /** Tokenizer truncation of the inputs (default off, HF TruncationStrategy.DO_NOT_TRUNCATE). */
  truncation?: TruncationOption;
  /** Stop at this text: its first token becomes THE eos_token_id (HF replaces it). */
  stop_sequence?: string;
  /** Inputs per generate() call (padded together, the tokenizer's padding side); default 1, as HF. */
  batch_size?: number;
  /** Translation: the languages (HF passes them to multilingual tokenizers only; unused for T5). */
  src_lang?: string;
  tgt_lang?: string;
}

const OWN: readonly string[] = ['return_tensors', 'return_text', 'return_type', 'clean_up_tokenization_spaces', 'truncation', 'stop_sequence', 'batch_size', 'src_lang', 'tgt_lang'];

/**
 * Text-to-text generation with an encoder-decoder LM (HF task `text2text-generation`).
 * @example
 *   const t2t = await pipeline('text2text-generation', { model: 'google/flan-t5-small' });
 *   await t2t('question: What is 42 ? context: 42 is the answer', { max_new_tokens: 8 }); // [{ generated_text: '...' }]
 *   await t2t(['a', 'b']);  // one record per text: [{ generated_text }, { generated_text }]
 */
export class Text2TextGenerationPipeline extends Pipeline {
  /** The result keys' stem (HF return_name). */
  static readonly returnName: string = 'generated';
  /** Defaults for every call (pipeline(task, { generateKwargs })); call options win. */
  declare defaults: Text2TextOptions;
  static override readonly optionNames: readonly string[] = OWN;
  static override readonly passesGenerateOptions: boolean = true;
  /** Put before every input: task_specific_params[task].prefix, else config.prefix, else ''. */
  prefix: string;
  /** The model's generation config updated with task_specific_params[task] (HF pipeline.generation_config). */
  generationConfig: GenerationConfig;

  constructor(task: string, model: PipelineModel, tokenizer: PreTrainedTokenizerFast, device?: Device, defaults?: object) {
    super(task, model, tokenizer, device, defaults);
    const cfg = model.config as unknown as { is_encoder_decoder?: boolean; prefix?: string | null; task_specific_params?: unknown; extras?: Record<string, unknown> };
    // HF only logs this (check_model_type); a causal LM would then generate decoder-only continuations
    if (cfg.is_encoder_decoder !== true)
      throw new TypeError(`pipeline('${task}'): the model ${model.constructor.name} is not an encoder-decoder LM (config.is_encoder_decoder is false); use an AutoModelForSeq2SeqLM model, or the 'text-generation' task for causal LMs`);
    this.prefix = cfg.prefix ?? '';
    this.generationConfig = getGenerationConfig(model).clone();
    const tsp = cfg.task_specific_params ?? cfg.extras?.task_specific_params;
    const params = tsp !== null && typeof tsp === 'object' ? (tsp as Record<string, unknown>)[task] : undefined;
    if (params !== null && typeof params === 'object') {
      const p = { ...(params as Record<string, unknown>) };
      if (typeof p.prefix === 'string') this.prefix = p.prefix;
      delete p.prefix;
      this.generationConfig.update(p); // keys that are not generation fields are ignored (HF update returns them)
    }
    // HF: the tokenizer's pad id, so generate() pads finished rows with it
    if (tokenizer.padTokenId !== null && this.generationConfig.pad_token_id === null) this.generationConfig.pad_token_id = tokenizer.padTokenId;
  }

  /** The result keys' stem of this pipeline. */
  get returnName(): string { return (this.constructor as typeof Text2TextGenerationPipeline).returnName; }

  /** HF check_inputs: summarization and translation warn about lengths; text2text checks nothing. */
  protected checkInputs(_inputLength: number, _minLength: number, _maxLength: number): void {}

  /** One text: its records (num_return_sequences of them). */
  call(inputs: string, opts?: Text2TextOptions): Promise<Text2TextResult[]>;
  /** Several texts: one record each, or one list each when num_return_sequences > 1 (HF flattens single records). */
  call(inputs: string[], opts?: Text2TextOptions): Promise<Text2TextResult[] | Text2TextResult[][]>;
  async call(inputs: string | string[], opts: Text2TextOptions = {}): Promise<Text2TextResult[] | Text2TextResult[][]> {
    const task = this.task;
    const list = Array.isArray(inputs);
    if (!(typeof inputs === 'string' || (list && inputs.length > 0 && inputs.every((x) => typeof x === 'string'))))
      throw new TypeError(`${task}: inputs must be a string or a non-empty list of strings, got ${list ? `a list holding ${inputs.map((x) => typeof x).join(', ')}` : typeof inputs}`);
    const o = this.callOptions(opts) as Text2TextArgs & Record<string, unknown>;
    const gen: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!(OWN as readonly string[]).includes(k) && v !== undefined) gen[k] = v;
    if ((o as { return_type?: unknown }).return_type !== undefined) throw new TypeError(`${task}: use return_tensors (true: token ids, false: text) instead of return_type`);
    const tok = this.tokenizer;
    if (o.stop_sequence !== undefined) {
      const stop = (await tok.call(o.stop_sequence, { addSpecialTokens: false })).input_ids as number[];
      if (stop.length === 0) throw new RangeError(`${task}: stop_sequence ${JSON.stringify(o.stop_sequence)} encodes to no token`);
      if (stop.length > 1) process.emitWarning(`${task}: stop_sequence is several tokens; only its first one stops generation (as HF).`);
      gen.eos_token_id = stop[0]!;
    }
    const batchSize = o.batch_size ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${task}: batch_size must be a positive integer, got ${batchSize}`);
    const texts = list ? inputs : [inputs];
    if (batchSize > 1 && tok.padTokenId === null) throw new Error(`${task}: please make sure that the tokenizer has a pad_token_id when using a batch input`);

    // ---- preprocess: prefix + text, no padding (one text per generate() unless batch_size) ----
    const encoded: number[][] = [];
    for (const t of texts) {
      const enc = await tok.call(this.prefix + t, { truncation: o.truncation ?? false, returnTokenTypeIds: false });
      encoded.push(enc.input_ids as number[]);
    }
    const results: Text2TextResult[][] = [];
    for (let i = 0; i < encoded.length; i += batchSize) {
      const group = encoded.slice(i, i + batchSize);
      const rows = padRows(tok, group.map((ids) => ({ input_ids: ids, attention_mask: ids.map(() => 1) })));
      results.push(...this.#generate(rows.input_ids!, rows.attention_mask!, gen, o));
    }
    if (!list) return results[0]!;
    return results.every((r) => r.length === 1) ? results.map((r) => r[0]!) : results;
  }

  /** generate() on one padded group (B, Ts); per input, its records. */
  #generate(ids: number[][], mask: number[][], gen: Record<string, unknown>, o: Text2TextArgs): Text2TextResult[][] {
    const g = this.generationConfig;
    const num = (k: string, d: number): number => (typeof gen[k] === 'number' ? (gen[k] as number) : d);
    this.checkInputs(ids[0]!.length, num('min_length', g.min_length), num('max_length', g.max_length));
    // HF: a generation_config given to the call takes precedence over the pipeline's
    const withConfig = gen.generation_config === undefined && gen.generationConfig === undefined ? { ...gen, generation_config: this.generationConfig } : gen;
    const sequences = ((): number[][] => {
      const inputIds: Tensor = tensor(ids, { dtype: 'int64', device: this.device });
      const attentionMask: Tensor = tensor(mask, { dtype: 'int64', device: this.device });
      try {
        const seq = generate(this.model, { ...(withConfig as GenerateInputs), input_ids: inputIds, attention_mask: attentionMask, tokenizer: this.tokenizer }) as Tensor;
        try { return seq.toArray() as number[][]; } finally { seq.dispose(); }
      } finally {
        inputIds.dispose();
        attentionMask.dispose();
      }
    })();
    // ---- postprocess: (B * n, T) -> B lists of n records ----
    const n = sequences.length / ids.length;
    const name = this.returnName;
    const clean = o.clean_up_tokenization_spaces ?? false;
    const record = (seq: number[]): Text2TextResult => (o.return_tensors
      ? { [`${name}_token_ids`]: seq }
      : { [`${name}_text`]: this.tokenizer.decode(seq, { skipSpecialTokens: true, cleanUpTokenizationSpaces: clean }) });
    return ids.map((_, b) => sequences.slice(b * n, (b + 1) * n).map(record));
  }
}

/**
 * Summarization (HF task `summarization`): T5 checkpoints' task_specific_params.summarization sets
 * the prefix ('summarize: ') and generation settings (num_beams, min/max_length, ...). Keys summary_*.
 * @example
 *   const sum = await pipeline('summarization', { model: 't5-small' });
 *   await sum('An apple a day, keeps the doctor away', { min_length: 5, max_length: 20 }); // [{ summary_text: '...' }]
 */
export class SummarizationPipeline extends Text2TextGenerationPipeline {
  static override readonly returnName: string = 'summary';
  protected override checkInputs(inputLength: number, minLength: number, maxLength: number): void {
    if (maxLength < minLength) process.emitWarning(`Your min_length=${minLength} must be inferior than your max_length=${maxLength}.`, { code: 'TUNEKIT_PIPELINE_LENGTH' });
    if (inputLength < maxLength)
      process.emitWarning(`Your max_length is set to ${maxLength}, but your input_length is only ${inputLength}. Since this is a summarization task, where outputs shorter than the input are typically wanted, you might consider decreasing max_length manually, e.g. summarizer('...', max_length=${Math.floor(inputLength / 2)})`, { code: 'TUNEKIT_PIPELINE_LENGTH' });
  }
}

/**
 * Translation (HF tasks `translation` and `translation_xx_to_yy`): the task name picks
 * task_specific_params[task] (T5: prefix 'translate English to German: '). Keys translation_*.
 * @example
 *   const tr = await pipeline('translation_en_to_de', { model: 't5-small' });
 *   await tr('How old are you?'); // [{ translation_text: '...' }]
 */
export class TranslationPipeline extends Text2TextGenerationPipeline {
  static override readonly returnName: string = 'translation';
  /** The languages of a `translation_xx_to_yy` task (HF passes them to multilingual tokenizers). */
  readonly srcLang: string | null;
  readonly tgtLang: string | null;
  constructor(task: string, model: PipelineModel, tokenizer: PreTrainedTokenizerFast, device?: Device, defaults?: object) {
    super(task, model, tokenizer, device, defaults);
    const parts = task.split('_');
    [this.srcLang, this.tgtLang] = parts.length === 4 ? [parts[1]!, parts[3]!] : [null, null];
  }
  protected override checkInputs(inputLength: number, _minLength: number, maxLength: number): void {
    if (inputLength > 0.9 * maxLength)
      process.emitWarning(`Your input_length: ${inputLength} is bigger than 0.9 * max_length: ${maxLength}. You might consider increasing your max_length manually, e.g. translator('...', max_length=400)`, { code: 'TUNEKIT_PIPELINE_LENGTH' });
  }
}

/**
 * HF check_task for translation names: `translation_xx_to_yy` -> the translation pipeline.
 * @throws Error naming the expected format for a malformed `translation...` name.
 */
export function isTranslationTask(task: string): boolean {
  if (!task.startsWith('translation')) return false;
  if (task === 'translation') return true;
  const t = task.split('_');
  if (t.length === 4 && t[0] === 'translation' && t[2] === 'to' && t[1]!.length > 0 && t[3]!.length > 0) return true;
  throw new Error(`Invalid translation task ${task}, use 'translation_XX_to_YY' format`);
}
