// pipeline.ts — the `pipeline(task, ...)` factory of transformers 4.47 pipelines/__init__.py:
// the task (or alias) picks the pipeline class and Auto model class; a model or tokenizer given
// by name is loaded from its folder / hub id, the tokenizer by default from the model's folder.
import { AutoTokenizer, type FromPretrainedOptions as TokenizerOptions, type PreTrainedTokenizerFast } from '../tokenizers/index.js';
import {
  AutoModelForMaskedLM, AutoModelForQuestionAnswering, AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoModelForCausalLM,
  PreTrainedModel, type FromPretrainedOptions as ModelOptions,
} from '../models/index.js';
import type { Device } from '../torch/index.js';
import { callable, type Callable, type Pipeline } from './base.js';
import { FillMaskPipeline } from './fill-mask.js';
import { QuestionAnsweringPipeline } from './question-answering.js';
import { resolveCheckpoint } from './resolve.js';
import { TextClassificationPipeline } from './text-classification.js';
import { TokenClassificationPipeline } from './token-classification.js';
import { TextGenerationPipeline, type TextGenerationOptions } from './text-generation.js';

/** Options of {@link pipeline}. */
export interface PipelineOptions {
  /** A loaded model, or a checkpoint folder / hub id to load with the task's Auto class. */
  model: PreTrainedModel | string;
  /** A loaded tokenizer, or a folder / hub id; default: the model's folder (required with a model object). */
  tokenizer?: PreTrainedTokenizerFast | string;
  /** Device to run on (the model is moved there); default: where the model is. */
  device?: Device;
  /** fromPretrained options of the model (numLabels, id2label, dtype, ...) when it is loaded by name. */
  modelKwargs?: ModelOptions;
  /** AutoTokenizer.fromPretrained options when the tokenizer is loaded by name. */
  tokenizerKwargs?: TokenizerOptions;
  /** text-generation: default generate() / pipeline options for every call (max_new_tokens, do_sample, return_full_text ...). */
  generateKwargs?: TextGenerationOptions;
}

/** Task name -> pipeline class, as HF's SUPPORTED_TASKS (aliases included). */
export interface PipelineTasks {
  'text-classification': TextClassificationPipeline;
  'sentiment-analysis': TextClassificationPipeline;
  'token-classification': TokenClassificationPipeline;
  ner: TokenClassificationPipeline;
  'question-answering': QuestionAnsweringPipeline;
  'fill-mask': FillMaskPipeline;
  'text-generation': TextGenerationPipeline;
}
export type PipelineTask = keyof PipelineTasks;

type Ctor = new (task: string, model: PreTrainedModel, tok: PreTrainedTokenizerFast, device?: Device) => Pipeline;
const TASKS: Record<PipelineTask, { cls: Ctor; auto: { fromPretrained(dir: string, o?: ModelOptions): Promise<PreTrainedModel>; name: string } }> = {
  'text-classification': { cls: TextClassificationPipeline, auto: AutoModelForSequenceClassification },
  'sentiment-analysis': { cls: TextClassificationPipeline, auto: AutoModelForSequenceClassification },
  'token-classification': { cls: TokenClassificationPipeline, auto: AutoModelForTokenClassification },
  ner: { cls: TokenClassificationPipeline, auto: AutoModelForTokenClassification },
  'question-answering': { cls: QuestionAnsweringPipeline, auto: AutoModelForQuestionAnswering },
  'fill-mask': { cls: FillMaskPipeline, auto: AutoModelForMaskedLM },
  'text-generation': { cls: TextGenerationPipeline, auto: AutoModelForCausalLM },
};

/** The task names {@link pipeline} accepts. */
export const SUPPORTED_TASKS: readonly PipelineTask[] = Object.keys(TASKS) as PipelineTask[];

/**
 * Builds a task pipeline.  The result is callable: `await clf(inputs, opts)` (also `clf.call`).
 * @example
 *   const clf = await pipeline('text-classification', { model: 'runs/spam-classifier' });
 *   console.log(await clf('Congratulations, you won!'));   // [{ label: 'spam', score: 0.99 }]
 *   const ner = await pipeline('ner', { model, tokenizer });  // objects already in memory
 * @throws Error for an unknown task, or a model object without a tokenizer.
 */
export async function pipeline<T extends PipelineTask>(task: T, opts: PipelineOptions): Promise<Callable<PipelineTasks[T]>> {
  const spec = TASKS[task];
  if (!spec) throw new Error(`Unknown task ${String(task)}, available tasks are [${SUPPORTED_TASKS.map((t) => `'${t}'`).join(', ')}]`);
  if (!opts || typeof opts !== 'object' || opts.model === undefined || opts.model === null)
    throw new TypeError(`pipeline('${task}'): pass { model } (a model object, a checkpoint folder or a hub id)`);
  let model: PreTrainedModel;
  let modelDir: string | null = null;
  if (typeof opts.model === 'string') {
    modelDir = await resolveCheckpoint(opts.model);
    model = await spec.auto.fromPretrained(modelDir, opts.modelKwargs ?? {});
  } else if (opts.model instanceof PreTrainedModel) {
    model = opts.model;
  } else {
    throw new TypeError(`pipeline('${task}'): model must be a PreTrainedModel or a folder / hub id`);
  }
  let tokenizer: PreTrainedTokenizerFast;
  const tokSource = opts.tokenizer ?? modelDir;
  if (tokSource === null) throw new Error(`pipeline('${task}'): a model object needs a tokenizer (pass { tokenizer }: an AutoTokenizer or its folder)`);
  if (typeof tokSource === 'string') tokenizer = await AutoTokenizer.fromPretrained(await resolveCheckpoint(tokSource), opts.tokenizerKwargs ?? {});
  else tokenizer = tokSource;
  const p = new spec.cls(task, model, tokenizer, opts.device) as PipelineTasks[T];
  if (opts.generateKwargs !== undefined) {
    if (!(p instanceof TextGenerationPipeline)) throw new TypeError(`pipeline('${task}'): generateKwargs is only for text-generation`);
    p.defaults = { ...opts.generateKwargs };
  }
  return callable(p);
}
