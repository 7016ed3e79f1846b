// configuration.ts — T5Config (transformers/models/t5/configuration_t5.py, 4.47): HF's names and
// defaults (t5-small), the attribute_map (hidden_size -> d_model, num_attention_heads -> num_heads,
// num_hidden_layers -> num_layers, head_dim -> d_kv), and the fields HF derives in __init__:
// num_decoder_layers (null -> num_layers), dense_act_fn and is_gated_act from feed_forward_proj
// ('relu' -> relu, ungated; 'gated-gelu' -> gelu_new, gated: T5 v1.1 / Flan-T5). HF writes the
// derived values to config.json, so they are fields too (a config.json's own values win, as there).
import { ACT2FN } from '../../nn/index.js';
import { PretrainedConfig, type ConfigInit, type ConfigOptions, type CommonValues } from '../config/pretrained.js';
import { ConfigError, bool, float, int, intOrNull, prob, str, strOrNull, type FieldValues } from '../config/fields.js';

export const T5_FIELDS = {
  vocab_size: int(32128, { min: 1 }),
  d_model: int(512, { min: 1 }),
  /** Width of one attention head (inner width = num_heads * d_kv, not necessarily d_model). */
  d_kv: int(64, { min: 1 }),
  d_ff: int(2048, { min: 1 }),
  num_layers: int(6, { min: 0 }),
  /** Decoder blocks; null = num_layers (HF stores the resolved number). */
  num_decoder_layers: intOrNull(null, { min: 0 }),
  num_heads: int(8, { min: 1 }),
  relative_attention_num_buckets: int(32, { min: 1 }),
  relative_attention_max_distance: int(128, { min: 1 }),
  dropout_rate: prob(0.1),
  classifier_dropout: prob(0.0),
  layer_norm_epsilon: float(1e-6, { gt: 0 }),
  /** Scales every init std (HF tests use 1.0). */
  initializer_factor: float(1.0, { min: 0 }),
  /** '{act}' or 'gated-{act}'. */
  feed_forward_proj: str('relu'),
  /** Derived from feed_forward_proj unless given. */
  dense_act_fn: strOrNull(null),
  is_gated_act: bool(false),
  use_cache: bool(true),
} as const;
export type T5FieldValues = FieldValues<typeof T5_FIELDS>;
export type T5ConfigInit = ConfigInit<typeof T5_FIELDS> & { hidden_size?: number; num_attention_heads?: number; num_hidden_layers?: number; head_dim?: number };

/** HF's parse of feed_forward_proj: [activation, gated], or the error HF raises. */
export function parseFeedForwardProj(v: string, who = 'T5Config'): [string, boolean] {
  const parts = v.split('-');
  const gated = parts[0] === 'gated';
  if ((parts.length > 1 && !gated) || parts.length > 2)
    throw new ConfigError(`${who}: \`feed_forward_proj\`: ${v} is not a valid activation function of the dense layer. Please make sure \`feed_forward_proj\` is of the format \`gated-{ACT_FN}\` or \`{ACT_FN}\`, e.g. 'gated-gelu' or 'relu'`);
  // backwards compatibility in HF: 'gated-gelu' means the tanh approximation
  return [v === 'gated-gelu' ? 'gelu_new' : parts[parts.length - 1]!, gated];
}

/** Whether a config.json was written by transformers 5 or later (its transformers_version). */
const writtenBy5 = (version: unknown): boolean => Number.parseInt(String(version ?? ''), 10) >= 5;

export interface T5Config extends T5FieldValues {}
/**
 * Configuration of a T5 model (defaults: t5-small). T5 v1.1 / Flan-T5: feed_forward_proj
 * 'gated-gelu', tie_word_embeddings false. decoder_start_token_id is not set by default, as in HF:
 * checkpoints carry it (0, the pad id); a config made in code should set it.
 * @example new T5Config({ d_model: 64, d_kv: 16, d_ff: 128, num_layers: 2, num_heads: 4, vocab_size: 32128, decoder_start_token_id: 0 })
 */
export class T5Config extends PretrainedConfig {
  static override readonly modelType: string = 't5';
  static override readonly fields = T5_FIELDS;
  static override readonly commonDefaults: Partial<CommonValues> = { pad_token_id: 0, eos_token_id: 1, is_encoder_decoder: true };
  static override readonly attributeMap: Readonly<Record<string, string>> = {
    hidden_size: 'd_model', num_attention_heads: 'num_heads', num_hidden_layers: 'num_layers', head_dim: 'd_kv',
  };
  constructor(init: T5ConfigInit & { scale_decoder_outputs?: boolean } = {}, opts?: ConfigOptions) {
    const derived = (new.target as typeof T5Config).derive(init as Record<string, unknown>);
    const isObj = derived !== null && typeof derived === 'object' && !Array.isArray(derived);
    const scale = isObj ? derived.scale_decoder_outputs : undefined;
    if (isObj) delete derived.scale_decoder_outputs;
    super(derived, opts);
    if (scale !== undefined && scale !== null) {
      if (typeof scale !== 'boolean') throw new ConfigError(`${this.constructor.name}.scale_decoder_outputs must be a boolean, got ${JSON.stringify(scale)}`);
      this.extras.scale_decoder_outputs = scale; // written back on save, as transformers 5 reads it
    }
  }
  /** transformers 5's config class forces tie_word_embeddings true whatever config.json says (mT5, UMT5): so here, for its configs. */
  static readonly forcesTieIn5: boolean = false;
  /** HF __init__: num_decoder_layers, dense_act_fn and is_gated_act resolved before the fields are set (from this class's defaults). */
  protected static derive(init: Record<string, unknown>): Record<string, unknown> {
    const fields = this.fields as typeof T5_FIELDS;
    if (init === null || typeof init !== 'object') return init;
    const out = { ...init };
    if (this.forcesTieIn5 && writtenBy5(out.transformers_version)) out.tie_word_embeddings = true;
    // transformers 5.x splits 4.x's tie_word_embeddings (tie the head AND scale the decoder output by
    // d_model^-0.5) in two: scale_decoder_outputs (false for T5 v1.1 / Flan-T5) and a head that is always
    // tied — unless the checkpoint holds its own lm_head.weight with other values (the loader's rule).
    // A config carrying scale_decoder_outputs is read as 5.x does; it stays in `extras`.
    if (typeof out.scale_decoder_outputs === 'boolean') out.tie_word_embeddings = true;
    if (out.num_decoder_layers === undefined || out.num_decoder_layers === null) out.num_decoder_layers = out.num_layers ?? out.num_hidden_layers ?? fields.num_layers.default;
    const ffp = out.feed_forward_proj ?? fields.feed_forward_proj.default;
    if (typeof ffp === 'string') {
      const [act, gated] = parseFeedForwardProj(ffp);
      if (out.dense_act_fn === undefined || out.dense_act_fn === null) out.dense_act_fn = act;
      if (out.is_gated_act === undefined) out.is_gated_act = gated;
    }
    return out;
  }
  get hidden_size(): number { return this.d_model; }
  get num_attention_heads(): number { return this.num_heads; }
  get num_hidden_layers(): number { return this.num_layers; }
  get head_dim(): number { return this.d_kv; }
  /** Decoder blocks (num_decoder_layers, resolved). */
  get decoderLayers(): number { return this.num_decoder_layers ?? this.num_layers; }
  /**
   * Whether the decoder output is scaled by d_model^-0.5 before the head: the original T5's tied head
   * (4.x: tie_word_embeddings; 5.x: scale_decoder_outputs, read above).
   */
  get scalesDecoderOutput(): boolean {
    const s = this.extras.scale_decoder_outputs;
    return typeof s === 'boolean' ? s : this.tie_word_embeddings;
  }
  /**
   * transformers 4 reads tie_word_embeddings true as "tie and rescale": savePretrained writes a tied head
   * that is not rescaled (transformers 5's) as an untied one holding the same values, read alike by 4 and 5.
   */
  get tieImpliesRescale(): boolean { return true; }
  /** Whether every block has its own relative_attention_bias table (UMT5) rather than block 0 alone (T5). */
  get relativeBiasPerLayer(): boolean { return false; }
  /** The activation of the feed-forward (dense_act_fn, resolved). */
  get activation(): string { return this.dense_act_fn ?? parseFeedForwardProj(this.feed_forward_proj)[0]; }

  protected override checkRules(): void {
    super.checkRules();
    const who = this.constructor.name;
    parseFeedForwardProj(this.feed_forward_proj, who);
    if (!Object.hasOwn(ACT2FN, this.activation))
      throw new ConfigError(`${who}.dense_act_fn must be one of ${Object.keys(ACT2FN).join(', ')}, got ${JSON.stringify(this.activation)} (from feed_forward_proj ${JSON.stringify(this.feed_forward_proj)})`);
  }
}

/** mT5 (transformers' MT5Config): T5 v1.1's architecture with mT5's defaults (mt5-small: 250,112 ids, 8 layers, 6 heads, d_ff 1024, gated-gelu, untied head). */
export const MT5_FIELDS = {
  ...T5_FIELDS,
  vocab_size: int(250112, { min: 1 }),
  d_ff: int(1024, { min: 1 }),
  num_layers: int(8, { min: 0 }),
  num_heads: int(6, { min: 1 }),
  feed_forward_proj: str('gated-gelu'),
} as const;

/**
 * Configuration of an mT5 model (model_type 'mt5'; defaults: google/mt5-small). The head is tied and the
 * decoder output rescaled as in T5 (tie_word_embeddings, default false here) — except in configs
 * written by transformers 5, whose MT5Config always says (and forces) tie_word_embeddings true and whose mT5
 * never rescales: there the head is tied unless the checkpoint holds its own lm_head.weight (the loader's
 * rule), and never rescaled.
 * @example new MT5Config({ d_model: 64, d_kv: 16, d_ff: 128, num_layers: 2, num_heads: 4 })
 */
export class MT5Config extends T5Config {
  static override readonly modelType: string = 'mt5';
  static override readonly fields = MT5_FIELDS;
  static override readonly commonDefaults: Partial<CommonValues> = {
    pad_token_id: 0, eos_token_id: 1, is_encoder_decoder: true, decoder_start_token_id: 0, tie_word_embeddings: false, tokenizer_class: 'T5Tokenizer',
  };
  static override readonly forcesTieIn5 = true;
  override get scalesDecoderOutput(): boolean {
    return this.tie_word_embeddings && !writtenBy5(this.transformers_version);
  }
}

/**
 * Configuration of a UMT5 model (transformers' UMT5Config, model_type 'umt5'; defaults: google/umt5-small's
 * architecture — mT5's sizes, gated-gelu): T5 v1.1 whose every block has its own relative position bias table.
 * Head and rescaling as transformers 4 reads a config: tie_word_embeddings ties the head to `shared` and
 * rescales the decoder output by d_model^-0.5 (google/umt5-* say false: untied, not rescaled). A config
 * written by transformers 5 is read as 5.x reads it: its UMT5Config forces tie_word_embeddings true, so the
 * decoder output is always rescaled and the head tied unless the checkpoint holds its own (the loader's rule).
 * @example new UMT5Config({ d_model: 64, d_kv: 16, d_ff: 128, num_layers: 2, num_heads: 4 })
 */
export class UMT5Config extends T5Config {
  static override readonly modelType: string = 'umt5';
  static override readonly fields = MT5_FIELDS;
  static override readonly commonDefaults: Partial<CommonValues> = {
    pad_token_id: 0, eos_token_id: 1, is_encoder_decoder: true, decoder_start_token_id: 0, tie_word_embeddings: true, tokenizer_class: 'T5Tokenizer',
  };
  static override readonly forcesTieIn5 = true;
  override get scalesDecoderOutput(): boolean { return this.tie_word_embeddings; }
  override get relativeBiasPerLayer(): boolean { return true; }
}
