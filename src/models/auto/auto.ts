// auto.ts — AutoConfig and AutoModel* (transformers/models/auto): read config.json's model_type,
// look the architecture up in the registry, and build or load the model class of the task.
import { basename } from 'node:path';
import { PretrainedConfig, readConfigDict, type ConfigOptions } from '../config/pretrained.js';
import { ConfigError } from '../config/fields.js';
import { loadPretrained, checkOptions, setNameOrPath, type FromPretrainedOptions } from '../loading/pretrained.js';
import { getArchitecture, knownModelTypes, type ModelTask, type TaskModels, type Architecture } from './registry.js';
import { CONFIG_FILES, MODEL_FILES, resolvePretrained, splitHubOptions, type HubOptions } from '../../hub/index.js';

type ConfigCtor = new (init: Record<string, unknown>, o?: ConfigOptions) => PretrainedConfig;

/** model_type of a parsed config.json; without one, HF's fallback: a known name inside the path. */
function modelTypeOf(dict: Record<string, unknown>, path: string): string {
  const mt = dict.model_type;
  if (typeof mt === 'string') return mt;
  if (mt !== undefined) throw new ConfigError(`${path}: model_type must be a string, got ${JSON.stringify(mt)}`);
  const name = basename(path);
  const match = knownModelTypes().sort((a, b) => b.length - a.length).find((t) => name.includes(t));
  if (match) return match;
  throw new ConfigError(`Unrecognized model in ${path}: its config.json has no model_type and the name contains none of: ${knownModelTypes().join(', ')}`);
}

/** AutoConfig: the config class of a checkpoint's model_type. */
export const AutoConfig = {
  /** Reads `dir/config.json` (a folder, or a Hub id downloaded with `opts`) into the config class of its model_type (unknown keys kept in extras). */
  async fromPretrained(dir: string, opts: HubOptions = {}): Promise<PretrainedConfig> {
    const name = dir;
    dir = await resolvePretrained(dir, CONFIG_FILES, splitHubOptions(opts)[0]);
    const dict = await readConfigDict(dir);
    const arch = getArchitecture(modelTypeOf(dict, name), `${dir}/config.json`);
    const config = new (arch.configClass as unknown as ConfigCtor)(dict, { unknownKeys: 'keep' });
    setNameOrPath(config, name);
    return config;
  },
  /** A new config of a model_type from fields given in code (unknown fields are errors). */
  forModel(modelType: string, init: Record<string, unknown> = {}): PretrainedConfig {
    return new (getArchitecture(modelType).configClass as unknown as ConfigCtor)(init);
  },
};

/** The Auto class of one task: fromPretrained / fromConfig dispatch on model_type. */
export class AutoModelFactory<T extends ModelTask> {
  constructor(readonly task: T, readonly name: string) {}

  private modelClass(arch: Architecture) {
    const cls = arch.models[this.task];
    if (!cls) {
      const has = Object.keys(arch.models).join(', ');
      throw new Error(`${this.name}: model_type '${arch.modelType}' has no ${this.task} model (it has: ${has})`);
    }
    return cls;
  }

  /**
   * Loads a checkpoint folder, or a Hub id (`org/name`, downloaded into HF's cache), with the
   * task's model class for its model_type.
   * @example const m = await AutoModelForSequenceClassification.fromPretrained(dir, { numLabels: 3 });
   * @example const lm = await AutoModelForCausalLM.fromPretrained('org/tiny-llama', { revision: 'v1.0' });
   */
  async fromPretrained(dir: string, opts: FromPretrainedOptions = {}): Promise<TaskModels[T]> {
    checkOptions(opts, `${this.name}.fromPretrained`);
    const name = dir;
    const [hub, own] = splitHubOptions(opts);
    dir = await resolvePretrained(dir, MODEL_FILES, hub); // a Hub id -> its snapshot folder
    const modelType = own.config instanceof PretrainedConfig ? own.config.model_type : modelTypeOf(await readConfigDict(dir), name);
    const cls = this.modelClass(getArchitecture(modelType, `${dir}/config.json`));
    const model = await loadPretrained(cls, dir, own);
    setNameOrPath(model.config, name);
    return model;
  }

  /** A randomly initialised model (HF _init_weights) for a config. */
  fromConfig(config: PretrainedConfig): TaskModels[T] {
    if (!(config instanceof PretrainedConfig)) throw new TypeError(`${this.name}.fromConfig: expected a config object`);
    const cls = this.modelClass(getArchitecture(config.model_type));
    if (!(config instanceof (cls.configClass as unknown as typeof PretrainedConfig)))
      throw new TypeError(`${this.name}.fromConfig: ${cls.name} needs a ${cls.configClass.name}, got a ${(config as object).constructor.name}`);
    return new cls(config as never);
  }
}

/** The bare encoder of a checkpoint (BertModel, DistilBertModel, RobertaModel). */
export const AutoModel = new AutoModelFactory('base', 'AutoModel');
/** `...ForSequenceClassification`: logits (B, num_labels). */
export const AutoModelForSequenceClassification = new AutoModelFactory('sequence-classification', 'AutoModelForSequenceClassification');
/** `...ForTokenClassification`: logits (B, T, num_labels). */
export const AutoModelForTokenClassification = new AutoModelFactory('token-classification', 'AutoModelForTokenClassification');
/** `...ForQuestionAnswering`: start_logits / end_logits (B, T). */
export const AutoModelForQuestionAnswering = new AutoModelFactory('question-answering', 'AutoModelForQuestionAnswering');
/** `...ForMaskedLM`: logits (B, T, V). */
export const AutoModelForMaskedLM = new AutoModelFactory('masked-lm', 'AutoModelForMaskedLM');
/** `...ForCausalLM`: next-token logits (B, T, V) and the shifted loss. */
export const AutoModelForCausalLM = new AutoModelFactory('causal-lm', 'AutoModelForCausalLM');
/** `...ForConditionalGeneration` (T5): encoder-decoder logits (B, Tt, V) and the label loss. */
export const AutoModelForSeq2SeqLM = new AutoModelFactory('seq2seq-lm', 'AutoModelForSeq2SeqLM');
