// pretrained.ts — loading what `generate` and `merge` are pointed at: a model folder (its Auto class
// from config.json: encoder-decoder -> AutoModelForSeq2SeqLM, else AutoModelForCausalLM), or a LoRA
// adapter over its base (the Auto class from the adapter's task_type, as peft's
// AutoPeftModelFor* classes pick it), and the tokenizer that goes with them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM, AutoModelForQuestionAnswering, AutoModelForSeq2SeqLM,
  AutoModelForSequenceClassification, AutoModelForTokenClassification, type AutoModelFactory, type ModelTask, type PreTrainedModel,
} from '../../models/index.js';
import { LoraConfig, PeftModel } from '../../peft/index.js';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../tokenizers/index.js';
import { UsageError } from '../command.js';

const BY_TASK_TYPE: Readonly<Record<string, AutoModelFactory<ModelTask>>> = {
  CAUSAL_LM: AutoModelForCausalLM, SEQ_2_SEQ_LM: AutoModelForSeq2SeqLM, SEQ_CLS: AutoModelForSequenceClassification,
  TOKEN_CLS: AutoModelForTokenClassification, QUESTION_ANS: AutoModelForQuestionAnswering,
};

/** A folder that must exist (a UsageError naming `what` otherwise). */
export function requireDir(dir: string, what: string): void {
  if (!existsSync(dir)) throw new UsageError(`${what} ${dir}: no such folder`);
}

/** The Auto class for a model folder: its config's is_encoder_decoder, a *ForMaskedLM architecture, else causal LM. */
export async function factoryOf(dir: string): Promise<AutoModelFactory<ModelTask>> {
  const config = await AutoConfig.fromPretrained(dir);
  if (config.is_encoder_decoder) return AutoModelForSeq2SeqLM;
  const archs = (config as unknown as { architectures?: string[] | null }).architectures ?? [];
  if (archs.some((a) => a.endsWith('ForMaskedLM'))) return AutoModelForMaskedLM;
  if (archs.some((a) => a.endsWith('ForSequenceClassification'))) return AutoModelForSequenceClassification;
  if (archs.some((a) => a.endsWith('ForTokenClassification'))) return AutoModelForTokenClassification;
  if (archs.some((a) => a.endsWith('ForQuestionAnswering'))) return AutoModelForQuestionAnswering;
  return AutoModelForCausalLM;
}

/** `base` wrapped with the adapter in `adapterDir` (inference mode), its base loaded with the adapter's task's Auto class. */
export async function loadWithAdapter(base: string, adapterDir: string): Promise<PeftModel> {
  requireDir(adapterDir, 'adapter');
  if (!existsSync(join(adapterDir, 'adapter_config.json'))) throw new UsageError(`adapter ${adapterDir}: no adapter_config.json (not a LoRA adapter folder)`);
  const cfg = await LoraConfig.fromPretrained(adapterDir);
  const factory = (cfg.task_type && BY_TASK_TYPE[cfg.task_type]) || await factoryOf(base);
  const model = await factory.fromPretrained(base);
  return PeftModel.fromPretrained(model as never, adapterDir);
}

/** The base model folder of an adapter folder (its adapter_config.json's base_model_name_or_path). */
export async function adapterBase(adapterDir: string): Promise<string> {
  const cfg = await LoraConfig.fromPretrained(adapterDir);
  if (!cfg.base_model_name_or_path) throw new UsageError(`${adapterDir}/adapter_config.json names no base_model_name_or_path; pass the base model folder`);
  return cfg.base_model_name_or_path;
}

/** The tokenizer of the first folder of `dirs` that has tokenizer files. */
export async function loadTokenizerFrom(...dirs: string[]): Promise<PreTrainedTokenizerFast> {
  const files = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'spiece.model', 'tokenizer.model'];
  const dir = dirs.find((d) => files.some((f) => existsSync(join(d, f))));
  if (dir === undefined) throw new UsageError(`no tokenizer files (${files.join(', ')}) in ${dirs.join(' or ')}`);
  return AutoTokenizer.fromPretrained(dir);
}

export type { PreTrainedModel };
