// pipeline.ts — the `pipeline(task, ...)` factory of transformers 4.47 pipelines/__init__.py:
// the task (or alias) picks the pipeline class and Auto model class; a model or tokenizer given
// by name is loaded from its folder / hub id, the tokenizer by default from the model's folder.
// `translation_xx_to_yy` names map to the translation pipeline (HF check_task).
import { AutoTokenizer, type FromPretrainedOptions as TokenizerOptions, type PreTrainedTokenizerFast } from '../tokenizers/index.js';
import {
  AutoModelForMaskedLM, AutoModelForQuestionAnswering, AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoModelForCausalLM, AutoModelForSeq2SeqLM,
  PreTrainedModel, type FromPretrainedOptions as ModelOptions,
} from '../models/index.js';
import type { Device } from '../torch/index.js';
import { callable, type Callable, type Pipeline } from './base.js';
import { FillMaskPipeline } from './fill-mask.js';
import { QuestionAnsweringPipeline } from './question-answering.js';
import { resolveCheckpoint } from './resolve.js';
import { splitHubOptions } from '../hub/index.js';
import { TextClassificationPipeline, type TextClassificationOptions } from './text-classification.js';
import { TokenClassificationPipeline, type TokenClassificationOptions } from './token-classification.js';
import type { QuestionAnsweringOptions } from './question-answering.js';
import type { FillMaskOptions } from './fill-mask.js';
import { TextGenerationPipeline, type TextGenerationOptions } from './text-generation.js';
import { Text2TextGenerationPipeline, SummarizationPipeline, TranslationPipeline, isTranslationTask, type Text2TextOptions } from './text2text.js';

/** Options of {@link pipeline}. */
export interface PipelineOptions {
  /** A loaded model, or a checkpoint folder / Hub id to load with the task's Auto class (Hub options such as revision go in modelKwargs). */
  model: PreTrainedModel | string;
  /** A loaded tokenizer, or a folder / hub id; default: the model's folder (required with a model object). */
  tokenizer?: PreTrainedTokenizerFast | string;
  /** Device to run on (the model is moved there); default: where the model is. */
  device?: Device;
  /** fromPretrained options of the model (numLabels, id2label, dtype, ...) when it is loaded by name. */
  modelKwargs?: ModelOptions;
  /** AutoTokenizer.fromPretrained options when the tokenizer is loaded by name. */
  tokenizerKwargs?: TokenizerOptions;
  /**
   * text-generation, text2text-generation, summarization, translation: default generate() /
   * pipeline options for every call (max_new_tokens, do_sample, return_full_text ...).
   */
  generateKwargs?: TextGenerationOptions | Text2TextOptions;
}

/** The keys of PipelineOptions itself; every other key is a call option of the task, applied to every call. */
const FACTORY_KEYS = ['model', 'tokenizer', 'device', 'modelKwargs', 'tokenizerKwargs', 'generateKwargs'];

/**
 * The task's call options, given to pipeline() (HF: `pipeline('ner', model=..., aggregation_strategy='simple')`):
 * the defaults of every call.
 */
export type TaskOptions<T extends PipelineTask> = [T] extends [never] ? object
  : T extends 'text-classification' | 'sentiment-analysis' ? TextClassificationOptions
    : T extends 'token-classification' | 'ner' ? TokenClassificationOptions
      : T extends 'question-answering' ? QuestionAnsweringOptions
        : T extends 'fill-mask' ? FillMaskOptions
          : T extends 'text-generation' ? TextGenerationOptions
            : Text2TextOptions;

/** Task name -> pipeline class, as HF's SUPPORTED_TASKS (aliases included). */
export interface PipelineTasks {
  'text-classification': TextClassificationPipeline;
  'sentiment-analysis': TextClassificationPipeline;
  'token-classification': TokenClassificationPipeline;
  ner: TokenClassificationPipeline;
  'question-answering': QuestionAnsweringPipeline;
  'fill-mask': FillMaskPipeline;
  'text-generation': TextGenerationPipeline;
  'text2text-generation': Text2TextGenerationPipeline;
  summarization: SummarizationPipeline;
  translation: TranslationPipeline;
}
/** A task name: a key of PipelineTasks, or `translation_xx_to_yy`. */
export type PipelineTask = keyof PipelineTasks | `translation_${string}_to_${string}`;
/** The pipeline class a task name makes. */
export type PipelineFor<T extends PipelineTask> = T extends keyof PipelineTasks ? PipelineTasks[T] : TranslationPipeline;

type Ctor = new (task: string, model: PreTrainedModel, tok: PreTrainedTokenizerFast, device?: Device, defaults?: object) => Pipeline;
const TASKS: Record<keyof PipelineTasks, { cls: Ctor; auto: { fromPretrained(dir: string, o?: ModelOptions): Promise<PreTrainedModel>; name: string } }> = {
  'text-classification': { cls: TextClassificationPipeline, auto: AutoModelForSequenceClassification },
  'sentiment-analysis': { cls: TextClassificationPipeline, auto: AutoModelForSequenceClassification },
  'token-classification': { cls: TokenClassificationPipeline, auto: AutoModelForTokenClassification },
  ner: { cls: TokenClassificationPipeline, auto: AutoModelForTokenClassification },
  'question-answering': { cls: QuestionAnsweringPipeline, auto: AutoModelForQuestionAnswering },
  'fill-mask': { cls: FillMaskPipeline, auto: AutoModelForMaskedLM },
  'text-generation': { cls: TextGenerationPipeline, auto: AutoModelForCausalLM },
  'text2text-generation': { cls: Text2TextGenerationPipeline, auto: AutoModelForSeq2SeqLM },
  summarization: { cls: SummarizationPipeline, auto: AutoModelForSeq2SeqLM },
  translation: { cls: TranslationPipeline, auto: AutoModelForSeq2SeqLM },
};

/** The task names {@link pipeline} accepts. */
export const SUPPORTED_TASKS: readonly (keyof PipelineTasks)[] = Object.keys(TASKS) as (keyof PipelineTasks)[];

/**
 * Builds a task pipeline.  The result is callable: `await clf(inputs, opts)` (also `clf.call`).
 * @example
 *   const clf = await pipeline('text-classification', { model: 'runs/spam-classifier' });
 *   console.log(await clf('Congratulations, you won!'));   // [{ label: 'spam', score: 0.99 }]
 *   const ner = await pipeline('ner', { model, tokenizer, aggregation_strategy: 'simple' });  // objects in memory; a default call option
 * @throws Error for an unknown task, or a model object without a tokenizer.
 */
export async function pipeline<T extends PipelineTask>(task: T, opts: (PipelineOptions & TaskOptions<T>) | string): Promise<Callable<PipelineFor<T>>> {
  if (typeof opts === 'string') opts = { model: opts } as PipelineOptions & TaskOptions<T>; // HF's pipeline(task, 'org/name')
  const key: keyof PipelineTasks | undefined = typeof task === 'string' && isTranslationTask(task) ? 'translation' : Object.hasOwn(TASKS, task) ? task as keyof PipelineTasks : undefined;
  const spec = key ? TASKS[key] : undefined;
  if (!spec) throw new Error(`Unknown task ${String(task)}, available tasks are [${SUPPORTED_TASKS.map((t) => `'${t}'`).join(', ')}]`);
  if (!opts || typeof opts !== 'object' || opts.model === undefined || opts.model === null)
    throw new TypeError(`pipeline('${task}'): pass { model } (a model object, a checkpoint folder or a hub id)`);
  let model: PreTrainedModel;
  let modelDir: string | null = null;
  if (typeof opts.model === 'string') {
    const [hub, own] = splitHubOptions(opts.modelKwargs ?? {}); // revision, token, ... pick the snapshot
    modelDir = await resolveCheckpoint(opts.model, hub);
    model = await spec.auto.fromPretrained(modelDir, own);
  } else if (opts.model instanceof PreTrainedModel) {
    model = opts.model;
  } else {
    throw new TypeError(`pipeline('${task}'): model must be a PreTrainedModel or a folder / hub id`);
  }
  let tokenizer: PreTrainedTokenizerFast;
  const tokSource = opts.tokenizer ?? modelDir;
  if (tokSource === null) throw new Error(`pipeline('${task}'): a model object needs a tokenizer (pass { tokenizer }: an AutoTokenizer or its folder)`);
  if (typeof tokSource === 'string') {
    const [hub, own] = splitHubOptions(opts.tokenizerKwargs ?? {});
    tokenizer = await AutoTokenizer.fromPretrained(await resolveCheckpoint(tokSource, hub, true), own);
  }
  else tokenizer = tokSource;
  // HF: 'translation' on a model whose task_specific_params name a translation_xx_to_yy task uses that one
  let name: string = task;
  const tsp = (model.config as unknown as { extras?: Record<string, unknown> }).extras?.task_specific_params;
  if (name === 'translation' && tsp !== null && typeof tsp === 'object') {
    const found = Object.keys(tsp).find((k) => k.startsWith('translation'));
    if (found) {
      name = found;
      process.emitWarning(`"translation" task was used, instead of "translation_XX_to_YY", defaulting to "${found}"`);
    }
  }
  // the task's call options given here are the defaults of every call (checked now: a typo fails at construction)
  const defaults = Object.fromEntries(Object.entries(opts).filter(([k]) => !FACTORY_KEYS.includes(k)));
  const p = new spec.cls(name, model, tokenizer, opts.device, defaults) as PipelineFor<T>;
  if (opts.generateKwargs !== undefined) {
    // merged over the task options given beside them (setDefaults checks the keys)
    if (p instanceof TextGenerationPipeline || p instanceof Text2TextGenerationPipeline) p.setDefaults(opts.generateKwargs);
    else throw new TypeError(`pipeline('${task}'): generateKwargs is only for text-generation, text2text-generation, summarization and translation`);
  }
  return callable(p);
}
