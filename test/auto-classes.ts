// test/auto-classes.ts — the Auto class that loads an HF model class name (by its suffix, longest
// first), for the data-driven fixture tests (models/parity, peft/parity).
import {
  AutoModel, AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoModelForQuestionAnswering,
  AutoModelForMaskedLM, AutoModelForCausalLM, AutoModelForSeq2SeqLM, type AutoModelFactory, type ModelTask,
} from '../src/models/index.js';

const AUTO: [string, AutoModelFactory<ModelTask>][] = [
  ['ForSequenceClassification', AutoModelForSequenceClassification],
  ['ForTokenClassification', AutoModelForTokenClassification],
  ['ForQuestionAnswering', AutoModelForQuestionAnswering],
  ['ForMaskedLM', AutoModelForMaskedLM],
  ['ForCausalLM', AutoModelForCausalLM],
  ['LMHeadModel', AutoModelForCausalLM], // GPT2LMHeadModel
  ['ForConditionalGeneration', AutoModelForSeq2SeqLM], // T5
  ['Model', AutoModel],
];

/** The Auto class for an HF class name such as 'T5ForConditionalGeneration', or undefined. */
export function autoClassFor(className: string): AutoModelFactory<ModelTask> | undefined {
  return AUTO.find(([suffix]) => className.endsWith(suffix))?.[1];
}
