// configuration.ts — DistilBertConfig (transformers/models/distilbert/configuration_distilbert.py):
// HF's names (dim, n_heads, n_layers, hidden_dim, ...) and defaults, with HF's attribute_map so
// `hidden_size` / `num_attention_heads` / `num_hidden_layers` read (and set) the same fields.
import { ACT2FN } from '../../nn/index.js';
import { PretrainedConfig, type ConfigInit, type ConfigOptions, type CommonValues } from '../config/pretrained.js';
import { ConfigError, bool, float, int, prob, str, type FieldValues } from '../config/fields.js';

export const DISTILBERT_FIELDS = {
  vocab_size: int(30522, { min: 1 }),
  max_position_embeddings: int(512, { min: 1 }),
  sinusoidal_pos_embds: bool(false),
  n_layers: int(6, { min: 0 }),
  n_heads: int(12, { min: 1 }),
  dim: int(768, { min: 1 }),
  hidden_dim: int(4 * 768, { min: 1 }),
  dropout: prob(0.1),
  attention_dropout: prob(0.1),
  activation: str('gelu'),
  initializer_range: float(0.02, { min: 0 }),
  qa_dropout: prob(0.1),
  seq_classif_dropout: prob(0.2),
} as const;
export type DistilBertFieldValues = FieldValues<typeof DISTILBERT_FIELDS>;
export type DistilBertConfigInit = ConfigInit<typeof DISTILBERT_FIELDS> & { hidden_size?: number; num_attention_heads?: number; num_hidden_layers?: number };

export interface DistilBertConfig extends DistilBertFieldValues {}
/**
 * Configuration of a DistilBERT model (defaults: distilbert-base-uncased).
 * @example new DistilBertConfig({ dim: 32, n_heads: 4, n_layers: 2, hidden_dim: 64 })
 */
export class DistilBertConfig extends PretrainedConfig {
  static override readonly modelType: string = 'distilbert';
  static override readonly fields = DISTILBERT_FIELDS;
  static override readonly commonDefaults: Partial<CommonValues> = { pad_token_id: 0 };
  static override readonly attributeMap: Readonly<Record<string, string>> = { hidden_size: 'dim', num_attention_heads: 'n_heads', num_hidden_layers: 'n_layers' };
  constructor(init: DistilBertConfigInit = {}, opts?: ConfigOptions) {
    super(init, opts);
  }
  /** HF attribute_map: hidden_size -> dim. */
  get hidden_size(): number { return this.dim; }
  /** HF attribute_map: num_attention_heads -> n_heads. */
  get num_attention_heads(): number { return this.n_heads; }
  /** HF attribute_map: num_hidden_layers -> n_layers. */
  get num_hidden_layers(): number { return this.n_layers; }

  protected override checkRules(): void {
    super.checkRules();
    const who = this.constructor.name;
    if (this.dim % this.n_heads !== 0) throw new ConfigError(`${who}: dim (${this.dim}) must be a multiple of n_heads (${this.n_heads})`);
    if (!Object.hasOwn(ACT2FN, this.activation))
      throw new ConfigError(`${who}.activation must be one of ${Object.keys(ACT2FN).join(', ')}, got ${JSON.stringify(this.activation)}`);
    if (this.pad_token_id !== null && (this.pad_token_id < 0 || this.pad_token_id >= this.vocab_size))
      throw new ConfigError(`${who}.pad_token_id must be in [0, vocab_size=${this.vocab_size}), got ${this.pad_token_id}`);
  }
}
