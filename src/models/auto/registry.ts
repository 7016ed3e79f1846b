// registry.ts — the typed registry keyed by HF `model_type`: each architecture contributes one
// entry (config class + model class per task), which AutoConfig / AutoModel* dispatch through
// (transformers' CONFIG_MAPPING_NAMES / MODEL_FOR_*_MAPPING_NAMES).  Adding an architecture is
// one entry in ARCHITECTURES, not a new branch anywhere.
import type { PretrainedConfig, ConfigClass } from '../config/pretrained.js';
import type {
  PreTrainedModel, ModelClass, EncoderInputs, LabeledInputs, QuestionAnsweringInputs,
  BaseModelOutput, ClassifierOutput, QuestionAnsweringOutput,
} from '../modeling.js';
import { BERT } from '../bert/index.js';
import { DISTILBERT } from '../distilbert/index.js';
import { ROBERTA } from '../roberta/index.js';
import { LLAMA, QWEN2, QWEN3, MISTRAL } from '../llama/index.js';
import { GPT2 } from '../gpt2/index.js';
import { OPT } from '../opt/index.js';
import { GPT_NEO } from '../gpt_neo/index.js';
import { T5, MT5, UMT5 } from '../t5/index.js';
import { GPT2_HEADS } from '../gpt2/heads.js';
import { OPT_HEADS } from '../opt/heads.js';
import { GPT_NEO_HEADS } from '../gpt_neo/heads.js';
import type { CausalLMInputs, CausalLMOutput, DecoderInputs, DecoderOutput } from '../causal-lm.js';
import type { Seq2SeqLMInputs, Seq2SeqLMOutput } from '../seq2seq-lm.js';

/**
 * What a model's forward takes and returns, per task (the contract a trainer relies on).  The
 * task's forward signature comes first so it wins overload resolution over PreTrainedModel's.
 */
export interface TaskModels {
  base: { forward(inputs: EncoderInputs & DecoderInputs): BaseModelOutput | DecoderOutput } & PreTrainedModel;
  'sequence-classification': { forward(inputs: LabeledInputs): ClassifierOutput } & PreTrainedModel;
  'token-classification': { forward(inputs: LabeledInputs): ClassifierOutput } & PreTrainedModel;
  'question-answering': { forward(inputs: QuestionAnsweringInputs): QuestionAnsweringOutput } & PreTrainedModel;
  'masked-lm': { forward(inputs: LabeledInputs): ClassifierOutput } & PreTrainedModel;
  'causal-lm': { forward(inputs: CausalLMInputs): CausalLMOutput } & PreTrainedModel;
  'seq2seq-lm': { forward(inputs: Seq2SeqLMInputs): Seq2SeqLMOutput; prepareDecoderInputIdsFromLabels(labels: import('../../torch/index.js').Tensor): import('../../torch/index.js').Tensor } & PreTrainedModel;
}
export type ModelTask = keyof TaskModels;
export const MODEL_TASKS: readonly ModelTask[] = ['base', 'sequence-classification', 'token-classification', 'question-answering', 'masked-lm', 'causal-lm', 'seq2seq-lm'];

/** One architecture: its model_type, config class and a model class per supported task. */
export interface Architecture<C extends PretrainedConfig = PretrainedConfig> {
  readonly modelType: string;
  readonly configClass: ConfigClass<C>;
  readonly models: { readonly [T in ModelTask]?: ModelClass<TaskModels[T]> };
}

const REGISTRY = new Map<string, Architecture>();

/** Adds an architecture (its modelType must be new and match its config class). */
export function registerArchitecture(arch: Architecture): void {
  if (arch.configClass.modelType !== arch.modelType)
    throw new Error(`registerArchitecture: ${arch.configClass.name}.modelType is '${arch.configClass.modelType}', not '${arch.modelType}'`);
  if (REGISTRY.has(arch.modelType)) throw new Error(`registerArchitecture: model_type '${arch.modelType}' is already registered`);
  REGISTRY.set(arch.modelType, arch);
}

/** An architecture entry with task heads defined beside it (gpt2/heads.ts, ...) added to its models. */
const withHeads = (arch: Architecture, heads: Architecture['models']): Architecture => ({ ...arch, models: { ...heads, ...arch.models } });

for (const arch of [BERT, DISTILBERT, ROBERTA, LLAMA, QWEN2, QWEN3, MISTRAL, withHeads(GPT2, GPT2_HEADS), withHeads(OPT, OPT_HEADS), withHeads(GPT_NEO, GPT_NEO_HEADS), T5, MT5, UMT5] as Architecture[]) registerArchitecture(arch);

/** The registered model_type names, sorted. */
export function knownModelTypes(): string[] {
  return [...REGISTRY.keys()].sort();
}

/** The architecture of a model_type, or an error listing the known ones. */
export function getArchitecture(modelType: string, where = ''): Architecture {
  const a = REGISTRY.get(modelType);
  if (!a) throw new Error(`Unrecognized model_type '${modelType}'${where ? ` in ${where}` : ''}; tunekit knows: ${knownModelTypes().join(', ')}`);
  return a;
}
