// configuration.ts — BertConfig (transformers/models/bert/configuration_bert.py): HF's field
// names and defaults, with ranges and cross-field rules checked.
import { ACT2FN } from '../../nn/index.js';
import { PretrainedConfig, type ConfigInit, type ConfigOptions, type CommonValues } from '../config/pretrained.js';
import { ConfigError, bool, float, int, oneOf, prob, probOrNull, str, type FieldValues } from '../config/fields.js';

/** BERT-family fields (RoBERTa uses the same list). */
export const BERT_FIELDS = {
  vocab_size: int(30522, { min: 1 }),
  hidden_size: int(768, { min: 1 }),
  num_hidden_layers: int(12, { min: 0 }),
  num_attention_heads: int(12, { min: 1 }),
  intermediate_size: int(3072, { min: 1 }),
  hidden_act: str('gelu'),
  hidden_dropout_prob: prob(0.1),
  attention_probs_dropout_prob: prob(0.1),
  max_position_embeddings: int(512, { min: 1 }),
  type_vocab_size: int(2, { min: 1 }),
  initializer_range: float(0.02, { min: 0 }),
  layer_norm_eps: float(1e-12, { gt: 0 }),
  position_embedding_type: oneOf(['absolute', 'relative_key', 'relative_key_query'], 'absolute'),
  use_cache: bool(true),
  classifier_dropout: probOrNull(null),
} as const;
export type BertFieldValues = FieldValues<typeof BERT_FIELDS>;
export type BertConfigInit = ConfigInit<typeof BERT_FIELDS>;

/** Rules shared by BERT and RoBERTa configs. */
export function checkBertRules(c: BertFieldValues & CommonValues, who: string): void {
  if (c.hidden_size % c.num_attention_heads !== 0)
    throw new ConfigError(`${who}: hidden_size (${c.hidden_size}) must be a multiple of num_attention_heads (${c.num_attention_heads})`);
  if (!Object.hasOwn(ACT2FN, c.hidden_act))
    throw new ConfigError(`${who}.hidden_act must be one of ${Object.keys(ACT2FN).join(', ')}, got ${JSON.stringify(c.hidden_act)}`);
  if (c.position_embedding_type !== 'absolute')
    throw new ConfigError(`${who}.position_embedding_type ${JSON.stringify(c.position_embedding_type)} is not supported yet (only 'absolute')`);
  if (c.pad_token_id !== null && (c.pad_token_id < 0 || c.pad_token_id >= c.vocab_size))
    throw new ConfigError(`${who}.pad_token_id must be in [0, vocab_size=${c.vocab_size}), got ${c.pad_token_id}`);
}

export interface BertConfig extends BertFieldValues {}
/**
 * Configuration of a BERT model.  Defaults are bert-base-uncased's.
 * @example new BertConfig({ hidden_size: 32, num_attention_heads: 4, num_hidden_layers: 2, num_labels: 3 })
 */
export class BertConfig extends PretrainedConfig {
  static override readonly modelType: string = 'bert';
  static override readonly fields = BERT_FIELDS;
  static override readonly commonDefaults: Partial<CommonValues> = { pad_token_id: 0 };
  constructor(init: BertConfigInit = {}, opts?: ConfigOptions) {
    super(init, opts);
  }
  protected override checkRules(): void {
    super.checkRules();
    checkBertRules(this, this.constructor.name);
  }
}
