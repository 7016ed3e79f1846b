// configuration.ts — OPTConfig (transformers/models/opt/configuration_opt.py, 4.47): HF's names and
// defaults (facebook/opt-125m). word_embed_proj_dim null means hidden_size, resolved at
// construction as HF does (so config.json always carries the number); opt-350m's smaller word
// embeddings (with project_in / project_out) and post-LayerNorm (do_layer_norm_before false) are
// fields, not code branches elsewhere.
import { ACT2FN } from '../../nn/index.js';
import { PretrainedConfig, type ConfigInit, type ConfigOptions, type CommonValues } from '../config/pretrained.js';
import { ConfigError, bool, float, int, intOrNull, prob, str, type FieldValues } from '../config/fields.js';

export const OPT_FIELDS = {
  vocab_size: int(50272, { min: 1 }),
  hidden_size: int(768, { min: 1 }),
  num_hidden_layers: int(12, { min: 0 }),
  ffn_dim: int(3072, { min: 1 }),
  /** Positions the learned table holds (it has 2 more rows: OPT's offset). */
  max_position_embeddings: int(2048, { min: 1 }),
  /** Pre-LayerNorm blocks (true) or post-LayerNorm (false, opt-350m). */
  do_layer_norm_before: bool(true),
  /** Drop the decoder's final LayerNorm (some converted checkpoints). */
  _remove_final_layer_norm: bool(false),
  /** Width of the word embeddings and lm_head; null = hidden_size. */
  word_embed_proj_dim: intOrNull(null, { min: 1 }),
  dropout: prob(0.1),
  attention_dropout: prob(0),
  num_attention_heads: int(12, { min: 1 }),
  activation_function: str('relu'),
  /** Probability of skipping each layer while training. */
  layerdrop: prob(0),
  init_std: float(0.02, { min: 0 }),
  use_cache: bool(true),
  /** Biases on q/k/v/out_proj and fc1/fc2. */
  enable_bias: bool(true),
  /** LayerNorms have weight and bias (false: neither). */
  layer_norm_elementwise_affine: bool(true),
} as const;
type OPTFieldValuesRaw = FieldValues<typeof OPT_FIELDS>;
export type OPTFieldValues = Omit<OPTFieldValuesRaw, 'word_embed_proj_dim'> & { word_embed_proj_dim: number };
export type OPTConfigInit = ConfigInit<typeof OPT_FIELDS>;

export interface OPTConfig extends OPTFieldValues {}
/**
 * Configuration of an OPT model (defaults: facebook/opt-125m).
 * @example new OPTConfig({ hidden_size: 64, ffn_dim: 128, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 256 })
 */
export class OPTConfig extends PretrainedConfig {
  static override readonly modelType: string = 'opt';
  static override readonly fields = OPT_FIELDS;
  static override readonly commonDefaults: Partial<CommonValues> = { pad_token_id: 1, bos_token_id: 2, eos_token_id: 2 };
  constructor(init: OPTConfigInit = {}, opts?: ConfigOptions) {
    super(init, opts);
    // transformers: word_embed_proj_dim if not None else hidden_size.
    const self = this as unknown as { word_embed_proj_dim: number | null };
    self.word_embed_proj_dim ??= this.hidden_size;
  }
  /** Word embeddings narrower than the hidden size: project_in / project_out exist. */
  get hasProjections(): boolean { return this.word_embed_proj_dim !== this.hidden_size; }
  /** The decoder ends with final_layer_norm (pre-LN models that keep it). */
  get hasFinalLayerNorm(): boolean { return this.do_layer_norm_before && !this._remove_final_layer_norm; }

  protected override checkRules(): void {
    super.checkRules();
    const who = this.constructor.name;
    if (this.hidden_size % this.num_attention_heads !== 0)
      throw new ConfigError(`${who}: hidden_size (${this.hidden_size}) must be a multiple of num_attention_heads (${this.num_attention_heads})`);
    if (!Object.hasOwn(ACT2FN, this.activation_function))
      throw new ConfigError(`${who}.activation_function must be one of ${Object.keys(ACT2FN).join(', ')}, got ${JSON.stringify(this.activation_function)}`);
    if (this.pad_token_id !== null && (this.pad_token_id < 0 || this.pad_token_id >= this.vocab_size))
      throw new ConfigError(`${who}.pad_token_id must be in [0, vocab_size=${this.vocab_size}), got ${this.pad_token_id}`);
  }
}
