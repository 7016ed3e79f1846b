// args.ts — Seq2SeqTrainingArguments (transformers 4.47 training_args_seq2seq.py): TrainingArguments
// plus the five fields of sequence-to-sequence training, in HF's names, order and defaults.
// generation_config is a path (a folder holding generation_config.json, or the .json file) or a
// GenerationConfig; toDict() writes a GenerationConfig as its dict (HF to_dict), and a dict given
// back (training_args.json, replace(), fromDict()) becomes a GenerationConfig again.
import { GenerationConfig } from '../../generation/index.js';
import { FIELDS, type FieldKind } from '../args-fields.js';
import { TrainingArguments, type TrainingArgumentsInit } from '../training-args.js';

/** The fields Seq2SeqTrainingArguments adds, in HF's order. generation_config is checked by the class (a path or a GenerationConfig). */
export const SEQ2SEQ_FIELDS = {
  /**
   * Accepted for HF compatibility; no effect.  HF's own Trainer never reads it either (it served
   * the legacy examples' Seq2SeqDataset); group_by_length is the working way to batch by length.
   */
  sortish_sampler: ['bool', false],
  /** evaluate() / predict() generate with model.generate() and return token ids (for BLEU, ROUGE). */
  predict_with_generate: ['bool', false],
  /** max_length of those generate() calls (default: the model's generation_config). */
  generation_max_length: ['int?', null],
  /** num_beams of those generate() calls (default: the model's generation_config). */
  generation_num_beams: ['int?', null],
  generation_config: ['str?', null],
} as const satisfies Record<string, readonly [FieldKind, unknown]>;

const TABLE: Record<string, readonly [FieldKind, unknown]> = { ...FIELDS, ...SEQ2SEQ_FIELDS };

/** What Seq2SeqTrainingArguments takes: TrainingArguments' fields plus the seq2seq ones. */
export type Seq2SeqTrainingArgumentsInit = TrainingArgumentsInit & {
  sortish_sampler?: boolean;
  predict_with_generate?: boolean;
  generation_max_length?: number | null;
  generation_num_beams?: number | null;
  /** A folder with generation_config.json, a .json file, a GenerationConfig, or its toDict() (training_args.json). */
  generation_config?: string | GenerationConfig | Record<string, unknown> | null;
};

/**
 * transformers' Seq2SeqTrainingArguments: TrainingArguments plus sortish_sampler,
 * predict_with_generate, generation_max_length, generation_num_beams and generation_config.
 * Stricter than HF: generation_max_length and generation_num_beams must be >= 1 when given, a
 * generation_config dict must be a valid GenerationConfig, and a string is a local path (tunekit
 * loads no model ids from the Hub; Seq2SeqTrainer reads it).
 * @example
 * const args = new Seq2SeqTrainingArguments({ output_dir: 'out', predict_with_generate: true,
 *   generation_max_length: 64, generation_num_beams: 4, eval_strategy: 'epoch' });
 */
export class Seq2SeqTrainingArguments extends TrainingArguments {
  declare sortish_sampler: boolean;
  declare predict_with_generate: boolean;
  declare generation_max_length: number | null;
  declare generation_num_beams: number | null;
  declare generation_config: string | GenerationConfig | null;

  static override readonly hfName: string = 'transformers Seq2SeqTrainingArguments';
  static override fieldTable(): Readonly<Record<string, readonly [FieldKind, unknown]>> { return TABLE; }

  constructor(init: Seq2SeqTrainingArgumentsInit) {
    // the base checks every field against its kind; generation_config (a path, an object or null) is set here instead
    const given = init !== null && typeof init === 'object' && !Array.isArray(init) ? init : null;
    const { generation_config: gc, ...rest } = given ?? ({} as Seq2SeqTrainingArgumentsInit);
    super((given ? rest : init) as TrainingArgumentsInit);
    this.generation_config = toGenerationConfigField(gc);
  }

  protected override postInit(): void {
    for (const name of ['generation_max_length', 'generation_num_beams'] as const) {
      const v = this[name];
      if (v !== null && v < 1) throw new RangeError(`Seq2SeqTrainingArguments: ${name} must be a positive integer or null, got ${v}`);
    }
    super.postInit();
  }

  /** HF to_dict: every field, with a GenerationConfig written as its dict. */
  override toDict(): Record<string, unknown> {
    const d = super.toDict();
    if (this.generation_config instanceof GenerationConfig) d.generation_config = this.generation_config.toDict();
    return d;
  }
}

/** generation_config as the field holds it: null, a non-empty path, or a GenerationConfig (a dict is parsed). */
function toGenerationConfigField(v: unknown): string | GenerationConfig | null {
  if (v === undefined || v === null) return null;
  if (v instanceof GenerationConfig) return v;
  if (typeof v === 'string') {
    if (v === '') throw new TypeError('Seq2SeqTrainingArguments: generation_config must be a non-empty path, a GenerationConfig or null, got ""');
    return v;
  }
  if (typeof v === 'object' && !Array.isArray(v)) {
    try {
      return GenerationConfig.fromDict(v as Record<string, unknown>, 'Seq2SeqTrainingArguments.generation_config');
    } catch (e) {
      throw new TypeError(`Seq2SeqTrainingArguments: generation_config is not a valid GenerationConfig dict: ${(e as Error).message}`);
    }
  }
  throw new TypeError(`Seq2SeqTrainingArguments: generation_config must be a path (a folder with generation_config.json, or the file), a GenerationConfig or null, got ${JSON.stringify(v)}`);
}
