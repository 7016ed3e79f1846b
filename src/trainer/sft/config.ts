// config.ts — TRL's SFTConfig (trl 1.13 trainer/sft_config.py + trainer/base_config.py): the
// TrainingArguments of supervised fine-tuning. Its own fields (max_length, packing, ...) and TRL's
// overridden defaults — learning_rate 2e-5, logging_steps 10, gradient_checkpointing true,
// bf16 true unless fp16 (also on CPU, as TRL), loss_type 'chunked_nll' — in TRL's names.
import { FIELDS, HF_DEFAULT_ONLY, type FieldKind } from '../args-fields.js';
import { TrainingArguments, type TrainingArgumentsInit } from '../training-args.js';

/** How a row longer than max_length is cut (TRL), or 'error' (tunekit): refuse it, naming the row. */
export type TruncationMode = 'keep_start' | 'keep_end' | 'error';
/** TRL's packing strategies (see pack.ts). */
export type PackingStrategy = 'bfd' | 'bfd_split' | 'wrapped';
/** SFTConfig.loss_type: the causal-LM loss ('nll'), the same without logits ('chunked_nll'), or DFT. */
export type SftLossType = 'nll' | 'chunked_nll' | 'dft';

/** The fields SFTConfig adds to TrainingArguments, in TRL's order. */
export const SFT_FIELDS = {
  model_init_kwargs: ['dict?', null],
  router_aux_loss_coef: ['float', 0.001],
  chat_template_path: ['str?', null],
  dataset_text_field: ['str', 'text'],
  dataset_kwargs: ['dict?', null],
  dataset_num_proc: ['int?', null],
  eos_token: ['str?', null],
  max_length: ['int?', 1024],
  truncation_mode: [['keep_start', 'keep_end', 'error'], 'keep_start'],
  shuffle_dataset: ['bool', false],
  packing: ['bool', false],
  packing_strategy: [['bfd', 'bfd_split', 'wrapped', 'bfd-requeue'], 'bfd'],
  padding_free: ['bool', false],
  pad_to_multiple_of: ['int?', null],
  eval_packing: ['bool?', null],
  completion_only_loss: ['bool?', null],
  assistant_only_loss: ['bool', false],
  pad_token: ['str?', null],
} as const satisfies Record<string, readonly [FieldKind, unknown]>;

/** TRL's overridden TrainingArguments defaults (base_config.py and sft_config.py). */
const OVERRIDES: Record<string, readonly [FieldKind, unknown]> = {
  learning_rate: ['float', 2e-5],
  logging_steps: ['float', 10],
  gradient_checkpointing: ['bool', true],
  // null = "true unless fp16", resolved in postInit
  bf16: ['bool?', null],
  // null = 'chunked_nll' (TRL: unless use_liger_kernel, which tunekit does not have)
  loss_type: ['str?', null],
};

const TABLE: Record<string, readonly [FieldKind, unknown]> = (() => {
  const t: Record<string, readonly [FieldKind, unknown]> = {};
  for (const [k, v] of Object.entries(FIELDS)) t[k] = OVERRIDES[k] ?? v;
  return { ...t, ...SFT_FIELDS };
})();

/** What SFTConfig takes: TrainingArguments' fields plus SFT's (all optional but output_dir). */
export type SFTConfigInit = Omit<TrainingArgumentsInit, 'loss_type' | 'bf16'> & {
  [K in keyof typeof SFT_FIELDS]?: unknown;
} & {
  max_length?: number | null;
  packing?: boolean;
  packing_strategy?: PackingStrategy | 'bfd-requeue';
  padding_free?: boolean;
  truncation_mode?: TruncationMode;
  loss_type?: SftLossType | null;
  bf16?: boolean | null;
  trust_remote_code?: false;
  activation_offloading?: false;
};

/**
 * TRL's SFTConfig: TrainingArguments plus the fields of supervised fine-tuning, with TRL's defaults.
 * A tunekit extension: truncation_mode 'error' refuses rows longer than max_length (naming the row)
 * instead of cutting them, also when packing would cut them.
 * @example
 * const args = new SFTConfig({ output_dir: 'out', max_length: 512, packing: true, bf16: false });
 */
export class SFTConfig extends TrainingArguments {
  declare model_init_kwargs: Record<string, unknown> | null;
  declare router_aux_loss_coef: number;
  declare chat_template_path: string | null;
  declare dataset_text_field: string;
  declare dataset_kwargs: Record<string, unknown> | null;
  declare dataset_num_proc: number | null;
  declare eos_token: string | null;
  declare max_length: number | null;
  declare truncation_mode: TruncationMode;
  declare shuffle_dataset: boolean;
  declare packing: boolean;
  declare packing_strategy: PackingStrategy;
  declare padding_free: boolean;
  declare pad_to_multiple_of: number | null;
  declare eval_packing: boolean | null;
  declare completion_only_loss: boolean | null;
  declare assistant_only_loss: boolean;
  declare pad_token: string | null;
  declare loss_type: SftLossType;

  static override readonly hfName: string = 'trl SFTConfig';
  static override fieldTable(): Readonly<Record<string, readonly [FieldKind, unknown]>> { return TABLE; }
  static override defaultOnlyTable(): Readonly<Record<string, unknown>> {
    return { ...HF_DEFAULT_ONLY, trust_remote_code: false, activation_offloading: false };
  }

  constructor(init: SFTConfigInit) {
    super(init as TrainingArgumentsInit);
  }

  protected override postInit(): void {
    // base_config.py: bf16 defaults to "not fp16"
    const self = this as unknown as { bf16: boolean | null; loss_type: SftLossType | null };
    if (self.bf16 === null) self.bf16 = !this.fp16;
    if (self.loss_type === null) self.loss_type = 'chunked_nll';
    if (!['nll', 'chunked_nll', 'dft'].includes(self.loss_type))
      throw new RangeError(`Invalid \`loss_type\` ${self.loss_type} passed. Supported values are 'nll', 'dft', and 'chunked_nll'.`);
    // TRL renamed 'bfd-requeue' to 'bfd_split' (with a FutureWarning)
    if ((this.packing_strategy as string) === 'bfd-requeue') this.packing_strategy = 'bfd_split';
    if (typeof this.dataset_kwargs === 'string') this.dataset_kwargs = JSON.parse(this.dataset_kwargs);
    if (typeof this.model_init_kwargs === 'string') this.model_init_kwargs = JSON.parse(this.model_init_kwargs);
    if (this.max_length !== null && !(this.max_length >= 1)) throw new RangeError(`SFTConfig: max_length must be a positive integer or null, got ${this.max_length}`);
    if (this.pad_to_multiple_of !== null && !(this.pad_to_multiple_of >= 1)) throw new RangeError(`SFTConfig: pad_to_multiple_of must be a positive integer or null, got ${this.pad_to_multiple_of}`);
    if (this.dataset_num_proc !== null && !(this.dataset_num_proc >= 1)) throw new RangeError(`SFTConfig: dataset_num_proc must be a positive integer or null, got ${this.dataset_num_proc}`);
    super.postInit();
  }

  /** The loss_type as the base Trainer knows it ('dft' is the SFTTrainer's own loss over the logits). */
  get baseLossType(): 'nll' | 'chunked_nll' { return this.loss_type === 'chunked_nll' ? 'chunked_nll' : 'nll'; }
}
