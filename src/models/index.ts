// tunekit/models — HF model configs, architectures and checkpoint I/O.
//   import { AutoModelForSequenceClassification } from 'tunekit/models';
//   const model = await AutoModelForSequenceClassification.fromPretrained('bert-base-uncased', { numLabels: 2 });
//   const { loss, logits } = model.forward({ input_ids, attention_mask, labels });
export { PretrainedConfig, PROBLEM_TYPES, TORCH_DTYPES, COMMON_FIELDS, readConfigDict, type ProblemType, type TorchDtype, type ConfigClass, type ConfigOptions, type ConfigInit, type LabelInit, type CommonValues } from './config/pretrained.js';
export { ConfigError, type Field, type Fields, type FieldValues } from './config/fields.js';
export { parsePyJson, pyDumps } from '../torch/index.js';
export {
  PreTrainedModel, checkInputs,
  type ModelClass, type SavePretrainedOptions, type EncoderInputs, type LabeledInputs, type QuestionAnsweringInputs,
  type BaseModelOutput, type ClassifierOutput, type SequenceClassifierOutput, type TokenClassifierOutput, type MaskedLMOutput, type QuestionAnsweringOutput,
} from './modeling.js';
export {
  sequenceClassificationLoss, tokenClassificationLoss, questionAnsweringLoss, inferProblemType, poolSequence, lastNonPadIndex,
  ForSequenceClassification, ForTokenClassification, ForQuestionAnswering, linearClassifier, preClassifier, denseTanhClassifier, ClassificationHead, hfClassifierDropout,
  type Pooling, type Classifier, type LinearDims, type BaseOutput, type BaseModelLike, type HeadInputs, type QAHeadInputs, type HeadOutput, type QAHeadOutput,
  type TaskSpec, type SequenceClassificationSpec, type TokenClassificationSpec, type QuestionAnsweringSpec,
} from './heads.js';
export { loadStateIntoModel, autoDtype, castWeights, type FromPretrainedOptions, type LoadingInfo } from './loading/pretrained.js';
export { toDeviceNotingRanges, hostRange } from './inputs.js';
export { type ResizeOptions } from './utils/embeddings.js';
export { maybeCheckpoint, finishCheckpointedBackward, noCacheWhenCheckpointing, type CheckpointableLayer } from './utils/gradient-checkpointing.js';
export { loadWeights, findWeights, WEIGHTS_FILES } from './loading/checkpoint.js';
export {
  loadTorchCheckpoint, unpickle, UnpicklingError, ZipReader, ZipError,
  type TorchLoadOptions, type AllowedGlobal, type UnpickleOptions, type ZipEntry,
} from '../torch/index.js';
export { registerArchitecture, getArchitecture, knownModelTypes, MODEL_TASKS, type Architecture, type ModelTask, type TaskModels } from './auto/registry.js';
export {
  AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoModelForTokenClassification,
  AutoModelForQuestionAnswering, AutoModelForMaskedLM, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoModelFactory,
} from './auto/auto.js';
export * from './bert/index.js';
export * from './distilbert/index.js';
export * from './roberta/index.js';
export * from './llama/index.js';
export * from './gpt2/index.js';
export * from './opt/index.js';
export * from './gpt_neo/index.js';
export * from './t5/index.js';
export { GPT2ForSequenceClassification, GPT2ForTokenClassification, GPT2ForQuestionAnswering } from './gpt2/heads.js';
export { OPTForSequenceClassification, OPTForQuestionAnswering } from './opt/heads.js';
export { GPTNeoForSequenceClassification, GPTNeoForTokenClassification, GPTNeoForQuestionAnswering } from './gpt_neo/heads.js';
export {
  causalLmLoss, causalLmForward, chunkedNllLoss, checkLossType, type CausalLossType, decoderStep, DECODER_INPUTS, CAUSAL_LM_INPUTS,
  type DecoderInputs, type CausalLMInputs, type DecoderOutput, type CausalLMOutput, type DecoderStep,
  withUnpaddedTraining, UNPAD_MODEL_TYPES, PACKED_CU_SEQLENS,
} from './causal-lm.js';
export { chunkedTokenStats, type TokenStats } from './token-stats.js';
export { seq2seqLmLoss, shiftRight, SEQ2SEQ_LM_INPUTS, type Seq2SeqLMInputs, type Seq2SeqLMOutput, type EncoderOutput } from './seq2seq-lm.js';
