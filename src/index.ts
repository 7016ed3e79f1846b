// tunekit — fine-tuning of transformer models in TypeScript on libtorch.
// Layers (each importing only those before it): torch, nn, optim, tokenizers, data, models,
// peft, generation, metrics, trainer, pipelines, cli.
export * as torch from './torch/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as tokenizers from './tokenizers/index.js';
export * as data from './data/index.js';
export * as models from './models/index.js';
export * as peft from './peft/index.js';
export * as generation from './generation/index.js';
export * as metrics from './metrics/index.js';
export * as trainer from './trainer/index.js';
export * as pipelines from './pipelines/index.js';
export * as hub from './hub/index.js';
export { hfHubDownload, snapshotDownload, uploadFolder } from './hub/index.js';
export { AutoTokenizer } from './tokenizers/index.js';
export {
  Dataset, DatasetDict, loadDataset, DataCollatorForSeq2Seq, groupTexts, DataCollatorWithPadding, DataCollatorForLanguageModeling,
  DataCollatorForTokenClassification, defaultDataCollator,
} from './data/index.js';
export {
  AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoModelForTokenClassification,
  AutoModelForQuestionAnswering, AutoModelForMaskedLM, AutoModelForCausalLM, AutoModelForSeq2SeqLM,
} from './models/index.js';
export { GenerationConfig, generate, streamGenerate, TextStreamer } from './generation/index.js';
export { LoraConfig, getPeftModel, PeftModel } from './peft/index.js';
export { Trainer, TrainingArguments, SFTTrainer, SFTConfig, Seq2SeqTrainer, Seq2SeqTrainingArguments } from './trainer/index.js';
export { pipeline, postprocessQaPredictions } from './pipelines/index.js';
