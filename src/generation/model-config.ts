// model-config.ts — a model's default GenerationConfig (HF's `model.generation_config`). The
// models layer cannot know GenerationConfig (it sits below generation), so the config lives here,
// keyed by the model: set by the loaders (model-method.ts hooks fromPretrained to read the
// checkpoint's generation_config.json, as HF's from_pretrained does), or assigned, or, on first
// use, derived from the model config (HF's from_model_config).
import type { PreTrainedModel } from '../models/index.js';
import { GenerationConfig } from './configuration.js';

const CONFIGS = new WeakMap<object, GenerationConfig>();

/** The model's default generation config (from_model_config on first use when none was loaded or set). */
export function getGenerationConfig(model: PreTrainedModel): GenerationConfig {
  let g = CONFIGS.get(model);
  if (!g) {
    g = GenerationConfig.fromModelConfig(model.config);
    CONFIGS.set(model, g);
  }
  return g;
}

/** Replaces the model's default generation config (HF: `model.generation_config = cfg`). */
export function setGenerationConfig(model: PreTrainedModel, config: GenerationConfig): void {
  if (!(config instanceof GenerationConfig)) throw new TypeError(`generation_config must be a GenerationConfig, got ${(config as object | null)?.constructor?.name ?? String(config)}`);
  CONFIGS.set(model, config);
}
