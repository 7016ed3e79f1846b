// setup.ts — everything generate() decides before the first forward (transformers' generate()
// steps 1-9): the options (HF names, camelCase aliases, unknown names refused with the closest
// known one), the merged GenerationConfig (model defaults < a passed generation_config < keyword
// options), the prompt and its mask on the host, special tokens, max/min lengths, the decoding
// mode, batch expansion for beams and return sequences, the logits processors in HF's order, the
// stopping criteria and the cache. An encoder-decoder model (T5) takes the prompt into its encoder
// and decodes from decoder_start_token_id (encoder-decoder.ts); from step 4 on, the "prompt" is that
// one decoder token.
import { ConfigError, type PreTrainedModel, type CausalLMInputs, type CausalLMOutput } from '../models/index.js';
import { DynamicCache, type KVCache } from '../nn/index.js';
import { Tensor, tidy, type Generator, type Device } from '../torch/index.js';
import { GenerationConfig, type GenerationConfigInit } from './configuration.js';
import { GENERATION_FIELDS, UNSUPPORTED, snakeCase, suggestion, type CamelCase } from './fields.js';
import { getGenerationConfig } from './model-config.js';
import {
  LogitsProcessorList, RepetitionPenaltyLogitsProcessor, NoRepeatNGramLogitsProcessor, NoBadWordsLogitsProcessor,
  MinLengthLogitsProcessor, MinNewTokensLengthLogitsProcessor, ForcedBOSTokenLogitsProcessor, ForcedEOSTokenLogitsProcessor,
  InfNanRemoveLogitsProcessor, SuppressTokensLogitsProcessor, SuppressTokensAtBeginLogitsProcessor, TemperatureLogitsWarper,
  TopKLogitsWarper, TopPLogitsWarper, MinPLogitsWarper, TypicalLogitsWarper, EpsilonLogitsWarper, EtaLogitsWarper,
  LogitNormalization, type LogitsProcessor,
} from './logits-process.js';
import {
  StoppingCriteriaList, MaxLengthCriteria, MaxTimeCriteria, StopStringCriteria, EosTokenCriteria,
  type StoppingCriteria, type TokenDecoder,
} from './stopping-criteria.js';
import { LazyStaticCache } from './static-cache.js';
import { isEncoderDecoder, decoderStartIds, checkSeq2SeqModel, makeEncoderDecoderCache, type EncoderPrompt } from './encoder-decoder.js';

/** What generate() pushes tokens to (HF BaseStreamer): the prompt (B, T) first, then each step's tokens (B). */
export interface Streamer {
  put(value: ReadonlyArray<number> | ReadonlyArray<ReadonlyArray<number>>): void;
  end(): void;
}

/** generate()'s own arguments (besides the GenerationConfig fields). */
export interface GenerateControls {
  /**
   * (B, T) int64 prompt ids, left-padded for batches (decoder-only; without it, generation starts
   * from bos_token_id). Encoder-decoder models: the encoder's input (required; right padding is fine).
   */
  input_ids?: Tensor | null;
  /** (B, T) 1 = token, 0 = padding. Default: inferred from pad_token_id as HF does, else all ones. */
  attention_mask?: Tensor | null;
  /** Fields it sets explicitly override the model's defaults; keyword options override both. */
  generation_config?: GenerationConfig | null;
  /** Receives the prompt, then every step's tokens, then end() (TextStreamer). Not with beam search. */
  streamer?: Streamer | null;
  /** Needed for stop_strings (HF's `tokenizer` argument). */
  tokenizer?: TokenDecoder | null;
  /** Random generator for sampling (torch.Generator); default: the global one (manualSeed). */
  generator?: Generator | null;
  /** Extra processors, run after the built-in ones and before the sampling warpers (HF). */
  logits_processor?: LogitsProcessor[] | LogitsProcessorList | null;
  /** Extra stopping criteria. */
  stopping_criteria?: StoppingCriteria[] | StoppingCriteriaList | null;
}
type Aliases<T> = { [K in keyof T as K extends string ? CamelCase<K> : never]?: T[K] };
/** generate()'s argument: inputs, controls and any GenerationConfig field (snake_case or camelCase). */
export type GenerateInputs = GenerateControls & Aliases<GenerateControls> & Omit<GenerationConfigInit, '_from_model_config' | 'transformers_version'>;

/** A causal LM as generate() calls it: forward({input_ids, ...}) -> { logits (B, T, V) }. */
export type CausalLM = PreTrainedModel & { forward(inputs: CausalLMInputs): CausalLMOutput };

/** Everything the decoding loops need. */
export interface Run {
  model: CausalLM;
  who: string;
  config: GenerationConfig;
  mode: 'greedy' | 'sample' | 'beam';
  /** Prompts given (before expansion). */
  batch: number;
  /** Encoder-decoder models: the encoder's prompts (the decoder rows start from decoder_start_token_id); else null. */
  encoder: EncoderPrompt | null;
  /** Rows decoded: batch * num_beams (beam) or batch * num_return_sequences (sampling). Encoder-decoder: the decoder's. */
  rows: number[][];
  /** Their prompt masks (B, T). */
  mask: number[][];
  hasPadding: boolean;
  promptLength: number;
  maxLength: number;
  eos: number[] | null;
  pad: number | null;
  processors: LogitsProcessorList;
  criteria: StoppingCriteriaList;
  streamer: Streamer | null;
  generator: Generator | null;
  /** Which forward inputs the model takes (HF inspects the signature). */
  accepts: { positionIds: boolean; logitsToKeep: boolean; attentionMask: boolean };
  /** A fresh cache for the run, or null (use_cache false, or the model takes none). */
  makeCache(): KVCache | null;
  device: Device;
  returnDict: boolean;
}

const CONTROLS = ['input_ids', 'attention_mask', 'generation_config', 'streamer', 'tokenizer', 'generator', 'logits_processor', 'stopping_criteria'] as const;
const FIELD_NAMES = Object.keys(GENERATION_FIELDS);
const NOT_TAKEN: Record<string, string> = {
  inputs_embeds: 'generate() takes input_ids, not inputs_embeds',
  past_key_values: 'generate() makes its own cache (use_cache, cache_implementation)',
  position_ids: 'generate() derives position_ids from attention_mask (cumsum - 1, as HF)',
  labels: 'generate() does not take labels',
  encoder_outputs: 'generate() runs the encoder itself on input_ids',
  decoder_input_ids: 'generate() starts the decoder from decoder_start_token_id',
};
let warnedRightPadding = false;

/** Splits the options into controls and GenerationConfig fields (snake_case keys). */
function splitOptions(inputs: GenerateInputs): { controls: GenerateControls; fields: Record<string, unknown> } {
  if (inputs === null || typeof inputs !== 'object' || inputs instanceof Tensor)
    throw new TypeError(`generate(): expected an object of options ({ input_ids, attention_mask, max_new_tokens, ... }), got ${inputs instanceof Tensor ? 'a tensor' : String(inputs)}`);
  const controls: Record<string, unknown> = {};
  const fields: Record<string, unknown> = {};
  for (const [raw, v] of Object.entries(inputs)) {
    if (v === undefined) continue;
    const k = snakeCase(raw);
    if (k !== raw && Object.hasOwn(inputs, k)) throw new TypeError(`generate(): '${raw}' and '${k}' are the same option; give one`);
    if ((CONTROLS as readonly string[]).includes(k)) controls[k] = v;
    else if (FIELD_NAMES.includes(k)) fields[k] = v;
    else if (Object.hasOwn(NOT_TAKEN, k)) throw new TypeError(`generate(): unsupported option '${raw}': ${NOT_TAKEN[k]}`);
    else throw new TypeError(`generate(): unknown option '${raw}'${suggestion(k, [...CONTROLS, ...FIELD_NAMES])}`);
  }
  return { controls: controls as GenerateControls, fields };
}

/** A (B, T) integer tensor as host rows. */
function hostRows(t: Tensor, name: string): number[][] {
  if (!(t instanceof Tensor)) throw new TypeError(`generate(): ${name} must be a tensor, got ${(t as object | null)?.constructor?.name ?? String(t)}`);
  if (t.ndim !== 2) throw new RangeError(`generate(): ${name} must be (B, T), got shape [${t.shape.join(', ')}]${t.ndim === 1 ? ' (add a batch dimension: unsqueeze(0))' : ''}`);
  const [b, n] = t.shape as [number, number];
  if (b === 0 || n === 0) throw new RangeError(`generate(): ${name} has shape [${b}, ${n}]: it needs at least one row and one token`);
  const flat = tidy(() => Array.from(t.cpu().long().toTypedArray() as BigInt64Array, Number));
  return Array.from({ length: b }, (_, i) => flat.slice(i * n, (i + 1) * n));
}

const idList = (v: number | number[] | null): number[] | null => (v === null ? null : Array.isArray(v) ? [...v] : [v]);

/** The positions the model can take: a learned table's rows, else config.max_position_embeddings. */
function positionLimit(model: CausalLM): { limit: number | null; table: boolean } {
  const lim = model.inputLimits();
  if (lim && lim.maxPositions < Number.MAX_SAFE_INTEGER) return { limit: lim.maxPositions, table: true };
  const c = model.config as unknown as Record<string, unknown>;
  const v = c.max_position_embeddings ?? c.n_positions ?? null;
  return { limit: typeof v === 'number' ? v : null, table: false };
}

/** Validates the options and prepares a run (no tensor is made that outlives this call). */
export function prepareRun(model: CausalLM, inputs: GenerateInputs): Run {
  const who = `${model.constructor.name}.generate()`;
  if (typeof (model as { forward?: unknown }).forward !== 'function' || !(model.config as unknown))
    throw new TypeError('generate(): expected a model (a PreTrainedModel with a language-modeling head)');
  const seq2seq = isEncoderDecoder(model);
  if (seq2seq) checkSeq2SeqModel(model, who);
  const { controls, fields } = splitOptions(inputs);

  // 1. the config: model defaults < the given generation_config's explicit fields < keyword options
  const config = getGenerationConfig(model).clone();
  config.return_dict_in_generate = false; // the return type follows the caller's options only (see generate())
  const user = controls.generation_config ?? null;
  if (user !== null && !(user instanceof GenerationConfig)) throw new TypeError(`${who}: generation_config must be a GenerationConfig`);
  const given: Record<string, unknown> = {};
  if (user) for (const k of user.explicitFields()) given[k] = structuredClone((user as unknown as Record<string, unknown>)[k]);
  config.update({ ...given, ...fields });
  for (const k of UNSUPPORTED) {
    const v = (config as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(v) !== JSON.stringify(GENERATION_FIELDS[k].default))
      throw new ConfigError(`${who}: ${k} = ${JSON.stringify(v)} is not supported by tunekit's generate() (leave it at ${JSON.stringify(GENERATION_FIELDS[k].default)})`);
  }
  if (config.num_beam_groups > 1) throw new ConfigError(`${who}: group beam search (num_beam_groups ${config.num_beam_groups}) is not supported`);

  // 2. special tokens
  const eos = idList(config.eos_token_id);
  const pad = config.pad_token_id ?? (eos ? eos[0]! : null); // HF: "Setting pad_token_id to eos_token_id for open-end generation"

  // 3. the prompt and its mask, on the host
  const lim = model.inputLimits();
  const vocab = lim?.vocabSize ?? ((model.config as unknown as { vocab_size?: number }).vocab_size ?? null);
  let rows: number[][];
  if (controls.input_ids === undefined || controls.input_ids === null) {
    if (seq2seq) throw new TypeError(`${who}: give input_ids: the encoder's input (B, Ts) of an encoder-decoder model`);
    if (config.bos_token_id === null) throw new TypeError(`${who}: give input_ids (there is no bos_token_id to start from)`);
    rows = [[config.bos_token_id]];
  } else {
    if (controls.input_ids instanceof Tensor && !['int64', 'int32'].includes(controls.input_ids.dtype))
      throw new TypeError(`${who}: input_ids must be an int64 tensor of token ids, got ${controls.input_ids.dtype}`);
    rows = hostRows(controls.input_ids, 'input_ids');
  }
  const batch = rows.length;
  if (vocab !== null)
    rows.forEach((r, i) => r.forEach((id, j) => {
      if (id < 0 || id >= vocab) throw new RangeError(`${who}: input_ids[${i}][${j}] = ${id} is not a token id of this model: ids must lie in [0, vocab_size) = [0, ${vocab})`);
    }));
  let mask: number[][];
  if (controls.attention_mask !== undefined && controls.attention_mask !== null) {
    mask = hostRows(controls.attention_mask, 'attention_mask');
    if (mask.length !== batch || mask[0]!.length !== rows[0]!.length)
      throw new RangeError(`${who}: attention_mask has shape [${mask.length}, ${mask[0]!.length}] but input_ids has [${batch}, ${rows[0]!.length}]`);
    mask.forEach((r, i) => {
      if (r.some((x) => x !== 0 && x !== 1)) throw new RangeError(`${who}: attention_mask row ${i} holds values other than 0 and 1`);
      if (!r.includes(1)) throw new RangeError(`${who}: attention_mask row ${i} has no token (all padding)`);
    });
  } else {
    const padInInputs = pad !== null && rows.some((r) => r.includes(pad));
    const infer = padInInputs && (eos === null || !eos.includes(pad!));
    mask = rows.map((r) => r.map((id) => (infer && id === pad ? 0 : 1)));
  }
  if (!seq2seq && pad !== null && batch > 1 && rows.some((r) => r[r.length - 1] === pad) && !warnedRightPadding) {
    warnedRightPadding = true;
    process.emitWarning(`${who}: a decoder-only model is generating and right-padding was detected; for correct results pad on the left (padding_side 'left')`, { code: 'TUNEKIT_RIGHT_PADDING' });
  }
  // encoder-decoder: the prompt feeds the encoder; the decoder's prompt is its start token (HF
  // _prepare_decoder_input_ids_for_generation), so lengths below count decoder tokens
  const encoder: Omit<EncoderPrompt, 'expand'> | null = seq2seq ? { inputIds: rows, mask } : null;
  if (seq2seq) {
    const start = decoderStartIds(model, config, batch, who);
    if (vocab !== null) start.forEach((id) => {
      if (id < 0 || id >= vocab) throw new RangeError(`${who}: decoder_start_token_id ${id} is not a token id of this model: ids must lie in [0, vocab_size) = [0, ${vocab})`);
    });
    rows = start.map((id) => [id]);
    mask = rows.map(() => [1]);
  }
  const promptLength = rows[0]!.length;
  const hasPadding = mask.some((r) => r.includes(0));

  // 4. lengths (HF _prepare_generated_length / _validate_generated_length)
  const { limit, table } = seq2seq ? { limit: null, table: false } : positionLimit(model);
  if (limit !== null && promptLength > limit)
    throw new RangeError(`${who}: the prompt has ${promptLength} tokens (input_ids [${batch}, ${promptLength}]) but the model takes at most ${limit} positions (max_position_embeddings ${limit}); shorten the prompt`);
  let maxLength: number;
  if (config.max_new_tokens !== null) maxLength = config.max_new_tokens + promptLength;
  else if (fields.max_length === undefined && config.max_length === GENERATION_FIELDS.max_length.default) {
    maxLength = config.max_length + promptLength; // the default: 20 new tokens, within max_position_embeddings
    const maxPos = seq2seq ? (model.config as unknown as { max_position_embeddings?: number }).max_position_embeddings ?? null : limit;
    if (maxPos !== null) maxLength = Math.min(maxLength, maxPos);
  } else maxLength = config.max_length;
  if (promptLength >= maxLength)
    throw new RangeError(`${who}: ${seq2seq ? `the decoder starts with ${promptLength} token (decoder_start_token_id)` : `input_ids has ${promptLength} tokens`} but max_length is ${maxLength}: nothing to generate; set max_new_tokens (or a larger max_length)`);
  if (table && limit !== null) {
    const most = Math.max(...mask.map((r) => r.reduce((a, x) => a + x, 0))) + maxLength - promptLength;
    if (most > limit)
      throw new RangeError(`${who}: prompt (${most - maxLength + promptLength} tokens) + ${maxLength - promptLength} new tokens = ${most} positions exceed max_position_embeddings ${limit} (a learned position table); lower max_new_tokens to ${limit - most + maxLength - promptLength} or shorten the prompt`);
  }
  config.max_length = maxLength;
  if (config.min_new_tokens !== null) config.min_length = config.min_new_tokens + promptLength;

  // 5. mode and expansion
  const mode = config.num_beams > 1 ? 'beam' : config.do_sample ? 'sample' : 'greedy';
  const streamer = controls.streamer ?? null;
  if (streamer && mode === 'beam') throw new TypeError(`${who}: a streamer cannot be used with beam search (num_beams ${config.num_beams}); set num_beams: 1`);
  if (streamer && (typeof streamer.put !== 'function' || typeof streamer.end !== 'function')) throw new TypeError(`${who}: streamer must have put() and end()`);
  const expand = mode === 'beam' ? config.num_beams : config.num_return_sequences;
  const rep = <T>(xs: T[][]): T[][] => xs.flatMap((r) => Array.from({ length: expand }, () => [...r]));

  // 6. processors, in HF's order (_get_logits_processor)
  const p = new LogitsProcessorList();
  if (config.repetition_penalty !== 1.0) p.push(new RepetitionPenaltyLogitsProcessor(config.repetition_penalty));
  if (config.no_repeat_ngram_size > 0) p.push(new NoRepeatNGramLogitsProcessor(config.no_repeat_ngram_size));
  if (config.bad_words_ids !== null) p.push(new NoBadWordsLogitsProcessor(config.bad_words_ids, eos));
  if (config.min_length > 0 && eos) p.push(new MinLengthLogitsProcessor(config.min_length, eos));
  if (config.min_new_tokens !== null && config.min_new_tokens > 0 && eos) p.push(new MinNewTokensLengthLogitsProcessor(promptLength, config.min_new_tokens, eos));
  if (config.forced_bos_token_id !== null) p.push(new ForcedBOSTokenLogitsProcessor(config.forced_bos_token_id));
  if (config.forced_eos_token_id !== null) p.push(new ForcedEOSTokenLogitsProcessor(maxLength, idList(config.forced_eos_token_id)!));
  if (config.remove_invalid_values) p.push(new InfNanRemoveLogitsProcessor());
  if (config.suppress_tokens !== null) p.push(new SuppressTokensLogitsProcessor(config.suppress_tokens));
  if (config.begin_suppress_tokens !== null) {
    const begin = promptLength > 1 || config.forced_bos_token_id === null ? promptLength : promptLength + 1;
    p.push(new SuppressTokensAtBeginLogitsProcessor(config.begin_suppress_tokens, begin));
  }
  const custom = controls.logits_processor ?? [];
  p.push(...(custom instanceof LogitsProcessorList ? custom.processors : custom));
  if (config.do_sample) {
    // beams keep one token besides every EOS, so a beam can always continue (HF)
    const keep = config.num_beams > 1 ? (eos ? eos.length + 1 : 2) : 1;
    if (config.temperature !== 1.0) p.push(new TemperatureLogitsWarper(config.temperature));
    if (config.top_k !== 0) p.push(new TopKLogitsWarper(config.top_k, keep));
    if (config.top_p < 1.0) p.push(new TopPLogitsWarper(config.top_p, keep));
    if (config.min_p !== null) p.push(new MinPLogitsWarper(config.min_p, keep));
    if (config.typical_p < 1.0) p.push(new TypicalLogitsWarper(config.typical_p, keep));
    if (config.epsilon_cutoff > 0 && config.epsilon_cutoff < 1) p.push(new EpsilonLogitsWarper(config.epsilon_cutoff, keep));
    if (config.eta_cutoff > 0 && config.eta_cutoff < 1) p.push(new EtaLogitsWarper(config.eta_cutoff, keep));
  }
  if (config.renormalize_logits) p.push(new LogitNormalization());

  // 7. stopping criteria (_get_stopping_criteria)
  const c = new StoppingCriteriaList([new MaxLengthCriteria(maxLength)]);
  if (config.max_time !== null) c.push(new MaxTimeCriteria(config.max_time));
  if (config.stop_strings !== null) {
    if (!controls.tokenizer) throw new TypeError(`${who}: stop_strings need the model's tokenizer: pass \`tokenizer\` to generate() (as transformers does)`);
    c.push(new StopStringCriteria(controls.tokenizer, config.stop_strings));
  }
  if (eos) c.push(new EosTokenCriteria(eos));
  const customC = controls.stopping_criteria ?? [];
  c.push(...(customC instanceof StoppingCriteriaList ? customC.criteria : customC));

  // 8. the cache and the forward's inputs
  const names = model.inputNames;
  const takes = (n: string): boolean => names.length === 0 || names.includes(n);
  const impl = config.cache_implementation;
  if (impl !== null && impl !== 'dynamic' && impl !== 'static')
    throw new ConfigError(`${who}: cache_implementation '${impl}' is not supported (tunekit has 'dynamic' and 'static')`);
  if (seq2seq && impl === 'static') throw new ConfigError(`${who}: cache_implementation 'static' is not supported for encoder-decoder models (use 'dynamic')`);
  const useCache = config.use_cache && takes('past_key_values');
  const makeCache = (): KVCache | null =>
    (!useCache ? null : seq2seq ? makeEncoderDecoderCache() : impl === 'static' ? new LazyStaticCache(maxLength) : new DynamicCache());

  return {
    model, who, config, mode, batch, encoder: encoder ? { ...encoder, expand } : null,
    rows: rep(rows), mask: rep(mask), hasPadding, promptLength, maxLength, eos, pad,
    processors: p, criteria: c, streamer, generator: controls.generator ?? null,
    accepts: { positionIds: takes('position_ids'), logitsToKeep: takes('logits_to_keep'), attentionMask: takes('attention_mask') },
    makeCache, device: model.device, returnDict: config.return_dict_in_generate,
  };
}
