// tunekit/trainer — HF's Trainer workflow (transformers 4.47 trainer.py, training_args.py,
// trainer_callback.py): TrainingArguments, Trainer (train / evaluate / predict, checkpoints and
// resume), TrainerState / TrainerControl, callbacks.
//   const trainer = new Trainer({ model, args: new TrainingArguments({ output_dir: 'out' }), trainDataset });
//   await trainer.train();
export { TrainingArguments, TRAINING_ARGUMENT_FIELDS, type TrainingArgumentsInit, type TrainingArgumentsFields } from './training-args.js';
export type { IntervalStrategy, SaveStrategy, OptimizerName, LrSchedulerType, HubStrategy } from './args-fields.js';
export { Trainer, TrainerBase, NonFiniteLossError, type NonFiniteKind, type NonFiniteDetail, type TrainOutput, type PushToHubOptions, type PushInProgress } from './trainer.js';
export { trainingSummary, toModelCard, type ModelCardOptions, type TrainingSummary } from './model-card.js';
export type { TrainerOptions, TrainerDataset, ProcessingClass, ComputeLossFunc, PreprocessLogits, TrainerArgs } from './options.js';
export { normalizeTrainerOptions, TRAINER_OPTION_NAMES } from './options.js';
export { TrainerState, TrainerControl, pythonJson, parsePythonJson, type LogEntry, type CallbackState } from './trainer-state.js';
export {
  CallbackHandler, DefaultFlowCallback, PrinterCallback, ProgressCallback, EarlyStoppingCallback, formatLogs,
  type TrainerCallback, type CallbackLike, type CallbackContext, type CallbackEvent, type EventName,
} from './callbacks.js';
export { HostArray, argmax, nestedConcat, padAndConcatenate, pyRound, speedMetrics, toNDArray, toNested, type NDArray, type NDArrays, type EvalPrediction, type PredictionOutput } from './arrays.js';
export {
  PREFIX_CHECKPOINT_DIR, TRAINER_STATE_NAME, TRAINING_ARGS_NAME, STALE_TEMP_AGE_MS, getLastCheckpoint, listCheckpoints, sortedCheckpoints, rotateCheckpoints,
  cleanInterruptedSaves, writeCheckpointAtomically,
} from './checkpoint.js';
export { floatingPointOps, numNonEmbeddingParameters, type TrainableModel, type ModelOutput } from './model.js';
export * from './sft/index.js';
export * from './seq2seq/index.js';
export {
  TensorBoardCallback, SummaryWriter, readEventFile, defaultLogdir, rewriteLogs, REPORTING_INTEGRATIONS, getAvailableReportingIntegrations,
  getReportingIntegrationCallbacks, type TensorBoardEvent, type SummaryValue,
  DashboardCallback, DASHBOARD_EVENTS_FILE, type DashboardCallbackOptions, type DashboardSample,
} from './integrations/index.js';
