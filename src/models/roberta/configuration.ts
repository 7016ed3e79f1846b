// configuration.ts — RobertaConfig (transformers/models/roberta/configuration_roberta.py): BERT's
// fields, with RoBERTa's special-token defaults (pad 1, bos 0, eos 2).
import { PretrainedConfig, type ConfigOptions, type CommonValues } from '../config/pretrained.js';
import { ConfigError } from '../config/fields.js';
import { BERT_FIELDS, checkBertRules, type BertConfigInit, type BertFieldValues } from '../bert/configuration.js';

export type RobertaConfigInit = BertConfigInit;

export interface RobertaConfig extends BertFieldValues {}
/**
 * Configuration of a RoBERTa model (defaults: BERT-base sizes; roberta-base itself sets
 * vocab_size 50265, max_position_embeddings 514, type_vocab_size 1, layer_norm_eps 1e-5).
 */
export class RobertaConfig extends PretrainedConfig {
  static override readonly modelType: string = 'roberta';
  static override readonly fields = BERT_FIELDS;
  static override readonly commonDefaults: Partial<CommonValues> = { pad_token_id: 1, bos_token_id: 0, eos_token_id: 2 };
  constructor(init: RobertaConfigInit = {}, opts?: ConfigOptions) {
    super(init, opts);
  }
  protected override checkRules(): void {
    super.checkRules();
    checkBertRules(this, this.constructor.name);
    if (this.pad_token_id === null) throw new ConfigError(`${this.constructor.name}.pad_token_id must be set (RoBERTa's positions count from it), got null`);
    if (this.pad_token_id + 1 >= this.max_position_embeddings)
      throw new ConfigError(`${this.constructor.name}: max_position_embeddings (${this.max_position_embeddings}) must exceed pad_token_id + 1 (${this.pad_token_id + 1})`);
  }
}
