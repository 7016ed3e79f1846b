// tunekit/pipelines — transformers' pipeline(): text-classification, token-classification (ner),
// question-answering, fill-mask, text-generation, and text2text-generation / summarization /
// translation for encoder-decoder models, with HF's options and outputs.
//   const clf = await pipeline('text-classification', { model: 'runs/spam-classifier' });
//   await clf('WIN a FREE cruise!!!');   // [{ label: 'spam', score: 0.98 }]
export { pipeline, SUPPORTED_TASKS, type PipelineOptions, type PipelineTask, type PipelineTasks, type PipelineFor, type TaskOptions } from './pipeline.js';
export { postprocessQaPredictions, postprocessQaPredictionsWithDetails, type QaPostprocessOptions, type QaPostprocessResult, type QaNbestEntry } from './qa-postprocess.js';
export { Pipeline, callable, type Callable, type IdRows, type PipelineModel } from './base.js';
export {
  TextClassificationPipeline, type TextClassificationInput, type TextClassificationOptions, type LabelScore, type FunctionToApply,
} from './text-classification.js';
export { TokenClassificationPipeline, hasContinuingSubwordPrefix, type TokenClassificationOptions, type TokenClassificationOutput } from './token-classification.js';
export {
  AGGREGATION_STRATEGIES, aggregate, aggregateWord, aggregateWords, aggregateOverlappingEntities, gatherPreEntities, getTag, groupEntities, groupSubEntities,
  type AggregationStrategy, type AggregationContext, type TokenizerContext, type PreEntity, type TokenEntity, type WordEntity, type GroupedEntity,
} from './aggregation.js';
export { QuestionAnsweringPipeline, type QuestionAnsweringInput, type QuestionAnsweringOptions, type Answer } from './question-answering.js';
export { decodeSpans, selectStartsEnds, type SpanSelection } from './qa-decode.js';
export { FillMaskPipeline, type FillMaskOptions, type FillMaskOutput, type FillMaskResult } from './fill-mask.js';
export { resolveCheckpoint, cachedSnapshot, hubCacheDir } from './resolve.js';
export { TextGenerationPipeline, type TextGenerationOptions, type TextGenerationResult } from './text-generation.js';
export { Text2TextGenerationPipeline, SummarizationPipeline, TranslationPipeline, isTranslationTask, type Text2TextOptions, type Text2TextResult } from './text2text.js';
