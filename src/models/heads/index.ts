// heads — the task heads every architecture shares: losses, pooling, classifier layers and the
// ForSequenceClassification / ForTokenClassification / ForQuestionAnswering task models.
export * from './losses.js';
export { poolSequence, lastNonPadIndex, type Pooling } from './pooling.js';
export { linearClassifier, preClassifier, denseTanhClassifier, ClassificationHead, hfClassifierDropout, type Classifier, type LinearDims } from './classifiers.js';
export {
  ForSequenceClassification, ForTokenClassification, ForQuestionAnswering,
  type BaseOutput, type BaseModelLike, type HeadInputs, type QAHeadInputs, type HeadOutput, type QAHeadOutput,
  type TaskSpec, type SequenceClassificationSpec, type TokenClassificationSpec, type QuestionAnsweringSpec,
} from './task-models.js';
