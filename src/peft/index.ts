// tunekit/peft — LoRA adapters with peft's names, defaults and files.
//   const model = getPeftModel(base, new LoraConfig({ r: 8, lora_alpha: 16, task_type: 'CAUSAL_LM' }));
//   ... train ...; await model.savePretrained('out'); // adapter_config.json + adapter_model.safetensors
//   const again = await PeftModel.fromPretrained(base2, 'out');
export { LoraConfig, DEFAULT_TARGET_MODULES, TASK_TYPES, type LoraConfigOptions, type TaskType, type LoraBias } from './config.js';
export { LoraLayer, LoraLinear, LoraEmbedding, DoraMagnitude, type AdapterSpec } from './layers.js';
export { ModulesToSaveWrapper } from './modules-to-save.js';
export { LoraModel, targetMatches, allLinearTargets, patternKey } from './tuner.js';
export { PeftModel, getPeftModel, type PeftFromPretrainedOptions, type PeftModelOptions, type SaveAdapterOptions } from './peft-model.js';
export { adapterTensors, fileKeyOf, saveAdapterWeights, loadAdapterWeights, WEIGHTS_NAME, CONFIG_NAME } from './save-load.js';
