// configuration.ts — the configs of the Llama-style decoders (transformers' LlamaConfig,
// Qwen2Config, Qwen3Config, MistralConfig): one field list, each family with its own defaults and
// model_type. They share the blocks of modeling.ts; what differs is a field (attention_bias,
// q/k norms, sliding_window), not code.
import { ACT2FN, ROPE_TYPES, type RopeParameters } from '../../nn/index.js';
import { PretrainedConfig, type ConfigInit, type ConfigOptions, type CommonValues } from '../config/pretrained.js';
import { ConfigError, bool, float, int, intOrNull, objOrNull, prob, str, type FieldValues } from '../config/fields.js';

/** Defaults that differ between the families. */
interface FamilyDefaults { vocab: number; hidden: number; inter: number; layers: number; heads: number; kv: number | null; headDim?: number | null; maxPos: number; slidingWindow?: number | null }

/**
 * Every field of the four families. Each family lists only the fields its transformers config
 * class has (so config.json is written with exactly HF's keys); the rest read as defaults.
 */
function allFields(d: FamilyDefaults) {
  return {
    vocab_size: int(d.vocab, { min: 1 }),
    hidden_size: int(d.hidden, { min: 1 }),
    intermediate_size: int(d.inter, { min: 1 }),
    num_hidden_layers: int(d.layers, { min: 0 }),
    num_attention_heads: int(d.heads, { min: 1 }),
    /** Qwen2/3: whether layers >= max_window_layers use the sliding window. */
    use_sliding_window: bool(false),
    /** Keys more than sliding_window positions back are not attended (null = all). */
    sliding_window: intOrNull(d.slidingWindow ?? null, { min: 1 }),
    max_window_layers: int(28, { min: 0 }),
    /** null = num_attention_heads (multi-head); fewer = grouped-query attention. */
    num_key_value_heads: intOrNull(d.kv, { min: 1 }),
    /** null = hidden_size / num_attention_heads. */
    head_dim: intOrNull(d.headDim ?? null, { min: 1 }),
    hidden_act: str('silu'),
    max_position_embeddings: int(d.maxPos, { min: 1 }),
    initializer_range: float(0.02, { min: 0 }),
    rms_norm_eps: float(1e-6, { gt: 0 }),
    pretraining_tp: int(1, { min: 1 }),
    use_cache: bool(true),
    rope_theta: float(10000, { gt: 0 }),
    /** transformers 4.x: {"rope_type" | "type": ..., "factor": ..., ...}; 5.x writes rope_parameters. */
    rope_scaling: objOrNull(null),
    attention_bias: bool(false),
    attention_dropout: prob(0),
    mlp_bias: bool(false),
  } as const;
}
type AllFields = ReturnType<typeof allFields>;
function pick<K extends keyof AllFields>(d: FamilyDefaults, keys: readonly K[]): Pick<AllFields, K> {
  const all = allFields(d);
  return Object.fromEntries(keys.map((k) => [k, all[k]])) as Pick<AllFields, K>;
}
const COMMON = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads',
  'hidden_act', 'max_position_embeddings', 'initializer_range', 'rms_norm_eps', 'use_cache', 'rope_theta', 'attention_dropout'] as const;

/** LlamaConfig's fields (transformers 4.47), with Llama-2-7B's defaults. */
export const LLAMA_FIELDS = pick({ vocab: 32000, hidden: 4096, inter: 11008, layers: 32, heads: 32, kv: null, maxPos: 2048 },
  [...COMMON, 'pretraining_tp', 'rope_scaling', 'attention_bias', 'mlp_bias', 'head_dim']);
/** What the shared modeling code reads: every field (a family without one reads its default). */
export type LlamaFieldValues = FieldValues<AllFields>;
export type LlamaConfigInit = ConfigInit<AllFields>;
const FALLBACK: FamilyDefaults = { vocab: 0, hidden: 0, inter: 0, layers: 0, heads: 1, kv: null, maxPos: 0 };

export interface LlamaConfig extends LlamaFieldValues {}
/**
 * Configuration of a Llama model (and the base of Qwen2 / Qwen3 / Mistral).
 * @example new LlamaConfig({ hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 256 })
 */
export class LlamaConfig extends PretrainedConfig {
  static override readonly modelType: string = 'llama';
  static override readonly fields: Partial<AllFields> = LLAMA_FIELDS;
  static override readonly commonDefaults: Partial<CommonValues> = { bos_token_id: 1, eos_token_id: 2, tie_word_embeddings: false };
  constructor(init: LlamaConfigInit = {}, opts?: ConfigOptions) {
    super(init, opts);
    // Fields this family's HF config does not have read as their defaults (never written).
    const self = this as unknown as Record<string, unknown>;
    for (const [k, f] of Object.entries(allFields(FALLBACK))) if (!(k in self)) Object.defineProperty(self, k, { value: f.default, enumerable: false, writable: true });
  }

  /** q/k/v biases: attention_bias (Llama, Qwen3), always (Qwen2), never (Mistral). */
  get qkvBias(): boolean { return this.attention_bias; }
  /** Output projection bias: attention_bias (Llama), never (Qwen2/3, Mistral). */
  get oBias(): boolean { return this.attention_bias; }

  /** Key/value heads (num_key_value_heads, or num_attention_heads). */
  get numKvHeads(): number { return this.num_key_value_heads ?? this.num_attention_heads; }
  /** Per-head width (head_dim, or hidden_size / num_attention_heads). */
  get headDim(): number { return this.head_dim ?? Math.floor(this.hidden_size / this.num_attention_heads); }
  /** Qwen3's per-head q/k RMSNorm (false for the others). */
  get qkNorm(): boolean { return false; }
  /** The sliding window of `layer`, or null (Mistral: every layer; Qwen2/3: layers >= max_window_layers when use_sliding_window). */
  slidingWindowOf(layer: number): number | null {
    void layer;
    return this.sliding_window;
  }

  /** RoPE parameters, from rope_parameters (5.x), rope_scaling (4.x) or rope_theta alone. */
  get ropeParameters(): RopeParameters {
    const raw = (this.extras.rope_parameters ?? this.rope_scaling ?? {}) as Record<string, unknown>;
    const type = (raw.rope_type ?? raw.type ?? 'default') as string;
    return {
      ...(raw as object),
      rope_type: type as RopeParameters['rope_type'],
      rope_theta: typeof raw.rope_theta === 'number' ? raw.rope_theta : this.rope_theta,
      partial_rotary_factor: typeof raw.partial_rotary_factor === 'number' ? raw.partial_rotary_factor : 1,
      ...(['llama3', 'yarn', 'longrope'].includes(type) && raw.original_max_position_embeddings === undefined
        ? { original_max_position_embeddings: this.max_position_embeddings } : {}),
    };
  }

  protected override checkRules(): void {
    super.checkRules();
    const who = this.constructor.name;
    if (this.head_dim === null && this.hidden_size % this.num_attention_heads !== 0)
      throw new ConfigError(`${who}: hidden_size (${this.hidden_size}) must be a multiple of num_attention_heads (${this.num_attention_heads}), or set head_dim`);
    if (this.num_attention_heads % this.numKvHeads !== 0)
      throw new ConfigError(`${who}: num_attention_heads (${this.num_attention_heads}) must be a multiple of num_key_value_heads (${this.numKvHeads})`);
    if (!Object.hasOwn(ACT2FN, this.hidden_act))
      throw new ConfigError(`${who}.hidden_act must be one of ${Object.keys(ACT2FN).join(', ')}, got ${JSON.stringify(this.hidden_act)}`);
    const rp = this.ropeParameters;
    if (!(ROPE_TYPES as readonly string[]).includes(rp.rope_type))
      throw new ConfigError(`${who}.rope_scaling: unknown rope type ${JSON.stringify(rp.rope_type)} (known: ${ROPE_TYPES.join(', ')})`);
    const needs: Record<string, string[]> = {
      linear: ['factor'], dynamic: ['factor'], yarn: ['factor'], llama3: ['factor', 'low_freq_factor', 'high_freq_factor'],
      longrope: ['short_factor', 'long_factor'],
    };
    for (const k of needs[rp.rope_type] ?? [])
      if ((rp as unknown as Record<string, unknown>)[k] === undefined) throw new ConfigError(`${who}.rope_scaling of type '${rp.rope_type}' needs '${k}'`);
    if (this.pad_token_id !== null && (this.pad_token_id < 0 || this.pad_token_id >= this.vocab_size))
      throw new ConfigError(`${who}.pad_token_id must be in [0, vocab_size=${this.vocab_size}), got ${this.pad_token_id}`);
  }
}

/** Qwen2: q/k/v biases (always), RoPE theta 1e6 in the released models. */
export class Qwen2Config extends LlamaConfig {
  static override readonly modelType: string = 'qwen2';
  static override readonly fields: Partial<AllFields> = pick({ vocab: 151936, hidden: 4096, inter: 22016, layers: 32, heads: 32, kv: 32, maxPos: 32768, slidingWindow: 4096 },
    [...COMMON, 'use_sliding_window', 'sliding_window', 'max_window_layers', 'rope_scaling']);
  static override readonly commonDefaults: Partial<CommonValues> = { bos_token_id: null, eos_token_id: null, tie_word_embeddings: false };
  constructor(init: LlamaConfigInit = {}, opts?: ConfigOptions) {
    super(init, opts);
    // transformers 4.47: sliding_window = sliding_window if use_sliding_window else None.
    if (!this.use_sliding_window) this.sliding_window = null;
  }
  override get qkvBias(): boolean { return true; }
  override get oBias(): boolean { return false; }
  override slidingWindowOf(layer: number): number | null {
    // transformers 5.x writes the per-layer choice as layer_types; 4.x derived it from max_window_layers.
    const types = this.extras.layer_types;
    if (Array.isArray(types) && types.length === this.num_hidden_layers) return types[layer] === 'sliding_attention' ? this.sliding_window : null;
    return this.use_sliding_window && layer >= this.max_window_layers ? this.sliding_window : null;
  }
}

/** Qwen3: Qwen2 without q/k/v biases, with per-head q/k RMSNorm. */
export class Qwen3Config extends Qwen2Config {
  static override readonly modelType: string = 'qwen3';
  static override readonly fields: Partial<AllFields> = pick({ vocab: 151936, hidden: 4096, inter: 22016, layers: 32, heads: 32, kv: 32, headDim: 128, maxPos: 32768, slidingWindow: 4096 },
    [...COMMON, 'use_sliding_window', 'sliding_window', 'max_window_layers', 'head_dim', 'rope_scaling', 'attention_bias']);
  override get qkNorm(): boolean { return true; }
  override get qkvBias(): boolean { return this.attention_bias; }
  override get oBias(): boolean { return this.attention_bias; }
}

/** Mistral: grouped-query attention with a sliding window on every layer. */
export class MistralConfig extends LlamaConfig {
  static override readonly modelType: string = 'mistral';
  static override readonly fields: Partial<AllFields> = pick({ vocab: 32000, hidden: 4096, inter: 14336, layers: 32, heads: 32, kv: 8, maxPos: 4096 * 32, slidingWindow: 4096 },
    [...COMMON, 'sliding_window', 'head_dim']);
  override get qkvBias(): boolean { return false; }
  override get oBias(): boolean { return false; }
}
