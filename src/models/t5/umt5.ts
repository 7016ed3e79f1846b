// umt5.ts — UMT5 (transformers/models/umt5): T5 v1.1 whose every encoder and decoder block owns a
// relative position bias table (UMT5Config.relativeBiasPerLayer; T5Stack adds each block's own bias).
// State-dict keys, layers, head and generation are T5's; the class names are HF's, so a saved config.json
// names UMT5ForConditionalGeneration and loads in transformers as UMT5.
import { UMT5Config } from './configuration.js';
import { T5Model, T5EncoderModel, T5ForConditionalGeneration } from './modeling.js';

/** UMT5's encoder + decoder without a head (HF UMT5Model). */
export class UMT5Model extends T5Model {
  static override readonly configClass = UMT5Config;
  /** UMT5 has no unused cross-attention table to drop (T5's old checkpoints do). */
  static override readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [];
}

/** UMT5's encoder alone (HF UMT5EncoderModel). */
export class UMT5EncoderModel extends T5EncoderModel {
  static override readonly configClass = UMT5Config;
  static override readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [];
}

/**
 * UMT5 with its language-modeling head (HF UMT5ForConditionalGeneration).
 * @example const model = await AutoModelForSeq2SeqLM.fromPretrained('google/umt5-small');
 */
export class UMT5ForConditionalGeneration extends T5ForConditionalGeneration {
  static override readonly configClass = UMT5Config;
  static override readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [];
}
