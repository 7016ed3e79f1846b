// mt5.ts — mT5 (transformers/models/mt5): the T5 v1.1 classes under MT5Config, whose defaults and head
// rules differ (configuration.ts). Same state-dict keys, layers and generation as T5; the class names are
// HF's, so a saved config.json names MT5ForConditionalGeneration and loads in transformers as mT5.
import { MT5Config } from './configuration.js';
import { T5Model, T5EncoderModel, T5ForConditionalGeneration } from './modeling.js';

/** mT5's encoder + decoder without a head (HF MT5Model). */
export class MT5Model extends T5Model {
  static override readonly configClass = MT5Config;
}

/** mT5's encoder alone (HF MT5EncoderModel). */
export class MT5EncoderModel extends T5EncoderModel {
  static override readonly configClass = MT5Config;
}

/**
 * mT5 with its language-modeling head (HF MT5ForConditionalGeneration).
 * @example const model = await AutoModelForSeq2SeqLM.fromPretrained('google/mt5-small');
 */
export class MT5ForConditionalGeneration extends T5ForConditionalGeneration {
  static override readonly configClass = MT5Config;
}
