// configuration.ts — GPT2Config (transformers/models/gpt2/configuration_gpt2.py, 4.47): HF's
// names (n_embd, n_head, n_layer, n_positions, n_inner, ...) and defaults (the 124M `gpt2`
// checkpoint), with HF's attribute_map so hidden_size / num_attention_heads / num_hidden_layers /
// max_position_embeddings read the same fields. The summary_* fields belong to GPT-2's
// double-heads model; they are kept so config.json re-saves with exactly HF's keys.
import { ACT2FN } from '../../nn/index.js';
import { PretrainedConfig, type ConfigInit, type ConfigOptions, type CommonValues } from '../config/pretrained.js';
import { ConfigError, bool, float, int, intOrNull, oneOf, prob, str, strOrNull, type FieldValues } from '../config/fields.js';

export const GPT2_FIELDS = {
  vocab_size: int(50257, { min: 1 }),
  /** Rows of the learned position table: the longest sequence (with the cached past). */
  n_positions: int(1024, { min: 1 }),
  n_embd: int(768, { min: 1 }),
  n_layer: int(12, { min: 0 }),
  n_head: int(12, { min: 1 }),
  /** MLP width; null = 4 * n_embd. */
  n_inner: intOrNull(null, { min: 1 }),
  activation_function: str('gelu_new'),
  resid_pdrop: prob(0.1),
  embd_pdrop: prob(0.1),
  attn_pdrop: prob(0.1),
  layer_norm_epsilon: float(1e-5, { gt: 0 }),
  initializer_range: float(0.02, { min: 0 }),
  summary_type: oneOf(['last', 'first', 'mean', 'cls_index', 'attn'], 'cls_index'),
  summary_use_proj: bool(true),
  summary_activation: strOrNull(null),
  summary_proj_to_labels: bool(true),
  summary_first_dropout: prob(0.1),
  /** Divide the scores by sqrt(head_dim). */
  scale_attn_weights: bool(true),
  use_cache: bool(true),
  /** Also divide layer i's scores by i + 1 (Mistral's GPT-2 stability trick). */
  scale_attn_by_inverse_layer_idx: bool(false),
  /** Scores in float32 whatever the model dtype (same numbers in float32). */
  reorder_and_upcast_attn: bool(false),
} as const;
export type GPT2FieldValues = FieldValues<typeof GPT2_FIELDS>;
export type GPT2ConfigInit = ConfigInit<typeof GPT2_FIELDS> & {
  hidden_size?: number; num_attention_heads?: number; num_hidden_layers?: number; max_position_embeddings?: number;
};

export interface GPT2Config extends GPT2FieldValues {}
/**
 * Configuration of a GPT-2 model (defaults: the 124M `gpt2`).
 * @example new GPT2Config({ n_embd: 64, n_head: 4, n_layer: 2, n_positions: 128, vocab_size: 256 })
 */
export class GPT2Config extends PretrainedConfig {
  static override readonly modelType: string = 'gpt2';
  static override readonly fields = GPT2_FIELDS;
  static override readonly commonDefaults: Partial<CommonValues> = { bos_token_id: 50256, eos_token_id: 50256 };
  static override readonly attributeMap: Readonly<Record<string, string>> = {
    hidden_size: 'n_embd', max_position_embeddings: 'n_positions', num_attention_heads: 'n_head', num_hidden_layers: 'n_layer',
  };
  constructor(init: GPT2ConfigInit = {}, opts?: ConfigOptions) {
    super(init, opts);
  }
  /** HF attribute_map: hidden_size -> n_embd. */
  get hidden_size(): number { return this.n_embd; }
  /** HF attribute_map: max_position_embeddings -> n_positions. */
  get max_position_embeddings(): number { return this.n_positions; }
  /** HF attribute_map: num_attention_heads -> n_head. */
  get num_attention_heads(): number { return this.n_head; }
  /** HF attribute_map: num_hidden_layers -> n_layer. */
  get num_hidden_layers(): number { return this.n_layer; }
  /** The MLP width: n_inner, or 4 * n_embd. */
  get innerDim(): number { return this.n_inner ?? 4 * this.n_embd; }

  protected override checkRules(): void {
    super.checkRules();
    const who = this.constructor.name;
    if (this.n_embd % this.n_head !== 0) throw new ConfigError(`${who}: n_embd (${this.n_embd}) must be a multiple of n_head (${this.n_head})`);
    if (!Object.hasOwn(ACT2FN, this.activation_function))
      throw new ConfigError(`${who}.activation_function must be one of ${Object.keys(ACT2FN).join(', ')}, got ${JSON.stringify(this.activation_function)}`);
  }
}
