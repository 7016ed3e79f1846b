// trainer.ts — a validated recipe to a ready Trainer: data, tokenizer, model (plus LoRA), the
// task's preprocessing and collator, and the Trainer class of the command (Trainer, SFTTrainer,
// Seq2SeqTrainer).  `tunekit eval` builds the same with `modelDir` in place of the recipe's model
// (a full checkpoint, or a LoRA adapter over the recipe's base model).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AutoModelForCausalLM, AutoModelForMaskedLM, AutoModelForQuestionAnswering, AutoModelForSeq2SeqLM,
  AutoModelForSequenceClassification, AutoModelForTokenClassification, type AutoModelFactory, type ModelTask,
} from '../../models/index.js';
import { getPeftModel, PeftModel } from '../../peft/index.js';
import type { PreTrainedTokenizerFast } from '../../tokenizers/index.js';
import { Seq2SeqTrainer, SFTTrainer, Trainer, type SFTConfig, type Seq2SeqTrainingArguments, type TrainerOptions } from '../../trainer/index.js';
import type { Recipe } from '../recipe/recipe.js';
import type { Task } from '../recipe/sections.js';
import { loadRecipeData } from './data.js';
import { buildRecipeModel, loadRecipeTokenizer } from './model.js';
import { questionAnswering } from './qa.js';
import { seq2seqData } from './seq2seq.js';
import { fillMask, resolveLabels, textClassification, tokenClassification, type TaskData } from './tasks.js';

/** The Auto class of each task's head. */
const FACTORY: Readonly<Record<Task, AutoModelFactory<ModelTask>>> = {
  'text-classification': AutoModelForSequenceClassification, 'token-classification': AutoModelForTokenClassification,
  'question-answering': AutoModelForQuestionAnswering, 'fill-mask': AutoModelForMaskedLM, sft: AutoModelForCausalLM, seq2seq: AutoModelForSeq2SeqLM,
};

export interface BuiltRun {
  trainer: Trainer;
  tokenizer: PreTrainedTokenizerFast;
  /** whether there are evaluation rows */
  hasEval: boolean;
  /** one line: task, model, data sizes */
  summary: string;
}

/** What to build: the splits needed, and a trained output folder standing in for the recipe's model. */
export interface BuildOptions { train: boolean; eval: boolean; modelDir?: string }

/**
 * The model for the run: the recipe's (plus a new LoRA adapter when the recipe has one and it
 * trains); with `modelDir`, that folder's full checkpoint, or its adapter over the recipe's base.
 */
async function runModel(r: Recipe, tok: PreTrainedTokenizerFast, labels: readonly string[] | undefined, o: BuildOptions): Promise<{ model: unknown; base: unknown }> {
  const factory = FACTORY[r.task];
  if (o.modelDir && !existsSync(join(o.modelDir, 'adapter_config.json'))) {
    const model = await factory.fromPretrained(o.modelDir, { dtype: r.model.dtype });
    return { model, base: model };
  }
  const base = await buildRecipeModel(r, factory, tok, labels);
  if (o.modelDir) return { model: await PeftModel.fromPretrained(base as never, o.modelDir), base };
  // SFTTrainer wraps the model itself (its peft_config), as TRL
  if (r.lora && r.kind !== 'sft') return { model: getPeftModel(base as never, r.lora), base };
  return { model: base, base };
}

/** Builds the Trainer of a recipe. */
export async function buildTrainer(r: Recipe, o: BuildOptions): Promise<BuiltRun> {
  const data = await loadRecipeData(r, o);
  const tok = o.modelDir && existsSync(join(o.modelDir, 'tokenizer_config.json'))
    ? await loadRecipeTokenizer({ ...r, tokenizer: { ...r.tokenizer, name_or_path: o.modelDir } })
    : await loadRecipeTokenizer(r);
  const args = r.args;
  let labels: string[] | undefined;
  if (r.task === 'text-classification') labels = resolveLabels(r, [data.train, ...(data.eval ? [data.eval] : [])], 'label', false);
  if (r.task === 'token-classification') labels = resolveLabels(r, [data.train, ...(data.eval ? [data.eval] : [])], 'tags', true);
  const { model, base } = await runModel(r, tok, labels, o);
  const sizes = `${data.train.numRows} train${data.eval ? ` / ${data.eval.numRows} eval` : ''} rows of ${data.label}`;
  const what = `${r.task}${labels ? ` (${labels.length} labels)` : ''}, model ${o.modelDir ?? r.model.name_or_path ?? `new ${String(r.model.config?.model_type)}`}${r.lora ? ' + LoRA' : ''}`;
  if (r.kind === 'sft') {
    const trainer = new SFTTrainer({
      model: model as never, args: args as SFTConfig, trainDataset: data.train, evalDataset: data.eval ?? undefined, processingClass: tok,
      peftConfig: o.modelDir ? undefined : r.lora ?? undefined,
    });
    await trainer.ready;
    return { trainer, tokenizer: tok, hasEval: data.eval !== null, summary: `${what}; ${sizes}` };
  }
  let t: TaskData;
  switch (r.task) {
    case 'text-classification': t = await textClassification(r, tok, data, labels!); break;
    case 'token-classification': t = await tokenClassification(r, tok, data, labels!); break;
    case 'question-answering': t = await questionAnswering(r, tok, data); break;
    case 'fill-mask': t = await fillMask(r, tok, data); break;
    default: t = await seq2seqData(r, tok, base, data);
  }
  const opts: TrainerOptions = {
    model: model as never, args, trainDataset: t.train, evalDataset: t.eval ?? undefined, processingClass: tok as never,
    dataCollator: t.collator as never, computeMetrics: t.computeMetrics,
  };
  const trainer = r.kind === 'seq2seq' ? new Seq2SeqTrainer({ ...opts, args: args as Seq2SeqTrainingArguments }) : new Trainer(opts);
  return { trainer, tokenizer: tok, hasEval: t.eval !== null, summary: `${what}; ${sizes}` };
}
