// configuration.ts — GPTNeoConfig (transformers/models/gpt_neo/configuration_gpt_neo.py, 4.47): HF's
// names and defaults (EleutherAI/gpt-neo-1.3B), attribute_map num_attention_heads -> num_heads,
// num_hidden_layers -> num_layers. attention_types ([[["global", "local"], 12]]) expands to
// attention_layers, one 'global' / 'local' per layer; HF stores both in config.json, and a
// config.json's attention_layers is what the model uses (as HF, whose leftover kwargs win).
import { ACT2FN } from '../../nn/index.js';
import { PretrainedConfig, type ConfigInit, type ConfigOptions, type CommonValues } from '../config/pretrained.js';
import { ConfigError, float, int, intOrNull, prob, str, bool, show, type Field, type FieldValues } from '../config/fields.js';

/** The attention kinds of GPT-Neo layers: full causal, or causal within window_size. */
export type GPTNeoAttentionType = 'global' | 'local';
/** [[kinds, repeat], ...]: e.g. [[['global', 'local'], 12]] = 24 alternating layers. */
export type GPTNeoAttentionTypes = [GPTNeoAttentionType[], number][];

const isKind = (v: unknown): v is GPTNeoAttentionType => v === 'global' || v === 'local';
const KINDS_MSG = `Only attn layer types 'global' and 'local' exist`;

const attentionTypesField: Field<GPTNeoAttentionTypes> = Object.freeze({
  default: [[['global', 'local'], 12]] as GPTNeoAttentionTypes,
  float: false,
  parse(v: unknown, where: string): GPTNeoAttentionTypes {
    const ok = Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && Array.isArray(e[0]) && e[0].every(isKind)
      && typeof e[1] === 'number' && Number.isInteger(e[1]) && e[1] >= 0);
    if (!ok) throw new ConfigError(`${where} must be a list of [[kinds...], repeat] pairs with kinds 'global' / 'local' and repeat an integer >= 0, e.g. [[["global", "local"], 12]], got ${show(v)}`);
    return (v as [GPTNeoAttentionType[], number][]).map(([k, n]) => [[...k], n]);
  },
});
/** null = expand attention_types (the constructor fills it in). */
const attentionLayersField: Field<GPTNeoAttentionType[] | null> = Object.freeze({
  default: null,
  float: false,
  parse(v: unknown, where: string): GPTNeoAttentionType[] | null {
    if (v === null) return null;
    if (!Array.isArray(v) || !v.every(isKind)) throw new ConfigError(`${where} must be a list of 'global' / 'local' (${KINDS_MSG}), got ${show(v)}`);
    return [...v];
  },
});

/** HF's expand_attention_types_params: [[['global', 'local'], 2]] -> ['global', 'local', 'global', 'local']. */
export function expandAttentionTypes(types: GPTNeoAttentionTypes): GPTNeoAttentionType[] {
  const out: GPTNeoAttentionType[] = [];
  for (const [kinds, n] of types) for (let i = 0; i < n; i++) out.push(...kinds);
  return out;
}

export const GPT_NEO_FIELDS = {
  vocab_size: int(50257, { min: 1 }),
  /** Rows of the learned position table. */
  max_position_embeddings: int(2048, { min: 1 }),
  hidden_size: int(2048, { min: 1 }),
  num_layers: int(24, { min: 0 }),
  attention_types: attentionTypesField,
  /** One kind per layer, derived from attention_types unless given. */
  attention_layers: attentionLayersField,
  num_heads: int(16, { min: 1 }),
  /** MLP width; null = 4 * hidden_size. */
  intermediate_size: intOrNull(null, { min: 1 }),
  /** Local layers attend to the last window_size tokens (the query included). */
  window_size: int(256, { min: 1 }),
  activation_function: str('gelu_new'),
  resid_dropout: prob(0),
  embed_dropout: prob(0),
  attention_dropout: prob(0),
  classifier_dropout: prob(0.1),
  layer_norm_epsilon: float(1e-5, { gt: 0 }),
  initializer_range: float(0.02, { min: 0 }),
  use_cache: bool(true),
} as const;
type GPTNeoFieldValuesRaw = FieldValues<typeof GPT_NEO_FIELDS>;
export type GPTNeoFieldValues = Omit<GPTNeoFieldValuesRaw, 'attention_layers'> & { attention_layers: GPTNeoAttentionType[] };
export type GPTNeoConfigInit = ConfigInit<typeof GPT_NEO_FIELDS> & { num_attention_heads?: number; num_hidden_layers?: number };

export interface GPTNeoConfig extends GPTNeoFieldValues {}
/**
 * Configuration of a GPT-Neo model (defaults: EleutherAI/gpt-neo-1.3B).
 * @example new GPTNeoConfig({ hidden_size: 64, num_layers: 2, num_heads: 4, attention_types: [[['global', 'local'], 1]], window_size: 4, vocab_size: 256 })
 */
export class GPTNeoConfig extends PretrainedConfig {
  static override readonly modelType: string = 'gpt_neo';
  static override readonly fields = GPT_NEO_FIELDS;
  static override readonly commonDefaults: Partial<CommonValues> = { bos_token_id: 50256, eos_token_id: 50256 };
  static override readonly attributeMap: Readonly<Record<string, string>> = { num_attention_heads: 'num_heads', num_hidden_layers: 'num_layers' };
  constructor(init: GPTNeoConfigInit = {}, opts?: ConfigOptions) {
    super(init, opts);
    const self = this as unknown as { attention_layers: GPTNeoAttentionType[] | null };
    self.attention_layers ??= expandAttentionTypes(this.attention_types);
  }
  /** HF attribute_map: num_attention_heads -> num_heads. */
  get num_attention_heads(): number { return this.num_heads; }
  /** HF attribute_map: num_hidden_layers -> num_layers. */
  get num_hidden_layers(): number { return this.num_layers; }
  /** The MLP width: intermediate_size, or 4 * hidden_size. */
  get innerDim(): number { return this.intermediate_size ?? 4 * this.hidden_size; }
  /** The sliding window of `layer`: window_size for 'local' layers, null for 'global'. */
  slidingWindowOf(layer: number): number | null {
    return this.attention_layers[layer] === 'local' ? this.window_size : null;
  }

  /**
   * As set from code, attention_types re-derives attention_layers (unless both are given), so
   * `update({ attention_types, num_layers })` stays consistent.
   */
  override update(values: Record<string, unknown>): this {
    if ('attention_types' in values && !('attention_layers' in values)) return super.update({ ...values, attention_layers: null });
    return super.update(values);
  }

  protected override checkRules(): void {
    super.checkRules();
    const who = this.constructor.name;
    const layers = (this.attention_layers as GPTNeoAttentionType[] | null) ?? expandAttentionTypes(this.attention_types);
    if (layers.length !== this.num_layers)
      throw new ConfigError(`${who}: len(attention_layers) = ${layers.length} must equal num_layers = ${this.num_layers}; ` +
        `attention_layers is expanded from attention_types ${show(this.attention_types)}`);
    if (this.hidden_size % this.num_heads !== 0)
      throw new ConfigError(`${who}: hidden_size (${this.hidden_size}) must be a multiple of num_heads (${this.num_heads})`);
    if (!Object.hasOwn(ACT2FN, this.activation_function))
      throw new ConfigError(`${who}.activation_function must be one of ${Object.keys(ACT2FN).join(', ')}, got ${JSON.stringify(this.activation_function)}`);
  }
}
