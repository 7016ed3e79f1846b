// peft-model.ts — PeftModel (peft/peft_model.py) for LoRA: getPeftModel, fromPretrained /
// savePretrained in peft's files, named adapters, disableAdapter, merge and unload.  Its
// parameters are named as peft names them (`base_model.model.<path>`), so checkpoints, optimizer
// state and gradients line up with Python's.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Module } from '../nn/index.js';
import { withRestore } from '../torch/index.js';
import { writeTextAtomic } from '../models/config/pretrained.js';
import { LoraConfig, type LoraConfigOptions, type TaskType } from './config.js';
import { LoraModel } from './tuner.js';
import { CONFIG_NAME, loadAdapterWeights, saveAdapterWeights } from './save-load.js';
import { ADAPTER_FILES, pushFolderToHub, resolvePretrained, splitHubOptions, type CommitInfo, type HubOptions, type UploadOptions } from '../hub/index.js';

/** The model contract: a Module with forward (tunekit's PreTrainedModel fits). */
type BaseModel = Module & { forward(inputs: never): unknown; config?: { model_type?: string; _name_or_path?: unknown } };

/** modules_to_save peft adds for a task type (PeftModelForSequenceClassification etc.). */
const TASK_MODULES_TO_SAVE: Partial<Record<TaskType, string[]>> = {
  SEQ_CLS: ['classifier', 'score'],
  TOKEN_CLS: ['classifier', 'score'],
  QUESTION_ANS: ['qa_outputs'],
};

/** Options of PeftModel.fromPretrained; the Hub options apply when `dir` is a Hub id. */
export interface PeftFromPretrainedOptions extends HubOptions {
  /** Name the loaded adapter gets (default 'default'). */
  adapterName?: string;
  /** Train the loaded adapter (default false: frozen, inference_mode). */
  isTrainable?: boolean;
  /** Use this config instead of the folder's adapter_config.json. */
  config?: LoraConfig;
  /** peft's autocast_adapter_dtype (default true): float16 / bfloat16 adapters become float32. */
  autocast_adapter_dtype?: boolean;
}

/** Options of getPeftModel / new PeftModel beyond the config (peft's keyword arguments). */
export interface PeftModelOptions {
  /** peft's autocast_adapter_dtype (default true): adapters on a float16 / bfloat16 base are made float32. */
  autocast_adapter_dtype?: boolean;
}

export interface SaveAdapterOptions {
  /** Adapters to save (default all): 'default' in `dir`, any other in `dir/<name>`, as peft. */
  selectedAdapters?: string[];
}

/**
 * A model with LoRA adapters.  forward() is the wrapped model's; only adapter parameters (and
 * modules_to_save copies) have requiresGrad, so an optimizer over `parameters()` filtered by
 * requiresGrad (the Trainer's) holds no state for the frozen base.
 */
export class PeftModel extends Module {
  declare base_model: LoraModel;

  constructor(model: BaseModel, config: LoraConfig | LoraConfigOptions, adapterName = 'default', opts: PeftModelOptions = {}) {
    super();
    if (model instanceof PeftModel) throw new TypeError('getPeftModel: the model already has adapters; use addAdapter() for another one');
    const c = prepareConfig(model, config);
    this.registerModule('base_model', new LoraModel(model, c, adapterName, { autocastAdapterDtype: opts.autocast_adapter_dtype ?? true }));
    this.training = model.training;
  }

  // ---- what callers read off a model (the Trainer, generate, pipelines) ----

  /** The wrapped model (peft get_base_model): with the LoRA layers in place. */
  getBaseModel(): BaseModel { return this.base_model.model as BaseModel; }
  get config(): object | undefined { return this.getBaseModel().config; }
  get peftConfig(): Map<string, LoraConfig> { return this.base_model.peftConfig; }
  get activeAdapter(): string { return this.base_model.activeAdapter; }
  get activePeftConfig(): LoraConfig { return this.peftConfig.get(this.activeAdapter)!; }
  private get inner(): Record<string, unknown> { return this.getBaseModel() as unknown as Record<string, unknown>; }
  get inputNames(): readonly string[] | undefined { return this.inner.inputNames as readonly string[] | undefined; }
  get acceptsLossKwargs(): boolean | undefined { return this.inner.acceptsLossKwargs as boolean | undefined; }
  get labelNames(): readonly string[] | undefined { return this.inner.labelNames as readonly string[] | undefined; }
  get mainInputName(): string | undefined { return this.inner.mainInputName as string | undefined; }

  /** The wrapped model's forward (HF keyword arguments in, its outputs out). */
  forward(inputs: Record<string, unknown>): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    return (this.getBaseModel().forward as (i: unknown) => unknown).call(this.getBaseModel(), inputs);
  }
  /** The wrapped model's generate() (installed by tunekit/generation on causal LMs). */
  generate(...args: unknown[]): unknown {
    const g = this.inner.generate;
    if (typeof g !== 'function') throw new TypeError(`${this.getBaseModel().constructor.name} has no generate(); import tunekit's generation module with a causal LM`);
    return (g as (...a: unknown[]) => unknown).apply(this.getBaseModel(), args);
  }
  /** Device and dtype of the base model's first parameter (what generate() allocates its buffers on). */
  get device(): unknown { return this.inner.device; }
  get dtype(): unknown { return this.inner.dtype; }
  /** The base model's input limits (vocabulary, positions), which generate() checks prompts against. */
  inputLimits(): unknown {
    const f = this.inner.inputLimits;
    return typeof f === 'function' ? (f as () => unknown).call(this.getBaseModel()) : undefined;
  }
  /** Encoder-decoder models (peft PeftModelForSeq2SeqLM reaches them through the base model): the encoder stack, for generate(). */
  getEncoder(): unknown { return this.#call('getEncoder'); }
  /** The decoder stack of an encoder-decoder model. */
  getDecoder(): unknown { return this.#call('getDecoder'); }
  /** The base model's teacher-forcing shift of labels (DataCollatorForSeq2Seq with a model). */
  prepareDecoderInputIdsFromLabels(labels: unknown): unknown { return this.#call('prepareDecoderInputIdsFromLabels', labels); }
  #call(name: string, ...args: unknown[]): unknown {
    const f = this.inner[name];
    if (typeof f !== 'function') throw new TypeError(`${this.getBaseModel().constructor.name} has no ${name}() (not an encoder-decoder model)`);
    return (f as (...a: unknown[]) => unknown).apply(this.getBaseModel(), args);
  }
  /** Gradient checkpointing of the wrapped model (the Trainer's gradient_checkpointing). */
  gradientCheckpointingEnable(opts?: object): void {
    const f = this.inner.gradientCheckpointingEnable;
    if (typeof f !== 'function') throw new TypeError(`${this.getBaseModel().constructor.name} has no gradientCheckpointingEnable()`);
    (f as (o?: object) => void).call(this.getBaseModel(), opts);
  }
  finishCheckpointedBackward(): void {
    const f = this.inner.finishCheckpointedBackward;
    if (typeof f === 'function') (f as () => void).call(this.getBaseModel());
  }

  // ---- counting ----

  /** [trainable, all] parameter elements, as peft get_nb_trainable_parameters (frozen originals of modules_to_save count too). */
  getNbTrainableParameters(): [number, number] {
    let trainable = 0, all = 0;
    for (const p of this.parameters()) {
      all += p.numel();
      if (p.requiresGrad) trainable += p.numel();
    }
    return [trainable, all];
  }
  /** The line peft's print_trainable_parameters prints (also returned). */
  printTrainableParameters(): string {
    const [t, a] = this.getNbTrainableParameters();
    const line = `trainable params: ${t.toLocaleString('en-US')} || all params: ${a.toLocaleString('en-US')} || trainable%: ${(100 * t / a).toFixed(4)}`;
    console.log(line);
    return line;
  }

  // ---- adapters ----

  /** Adds a second (third...) adapter; it is created inactive, as in peft (setAdapter switches). */
  addAdapter(name: string, config: LoraConfig | LoraConfigOptions): void {
    const c = prepareConfig(this.getBaseModel(), config);
    this.base_model.injectAdapter(c, name);
  }
  /** Makes `name` the adapter forward() applies and training updates. */
  setAdapter(name: string): void { this.base_model.setAdapter(name); }
  deleteAdapter(name: string): void { this.base_model.deleteAdapter(name); }

  /**
   * The base model alone for a while (peft's `with model.disable_adapter():`): with a function,
   * runs it with the adapters off and turns them back on afterwards, even when it throws — for an
   * async function, once its promise settles (meanwhile every use of the model sees them off);
   * without, returns a Disposable for `using`.
   * @example const baseLogits = peft.disableAdapter(() => peft.forward(batch).logits);
   * @example { using _ = peft.disableAdapter(); ... }
   */
  disableAdapter<T>(fn: () => T): T;
  disableAdapter(): Disposable;
  disableAdapter<T>(fn?: () => T): T | Disposable {
    this.base_model.setAdaptersEnabled(false);
    return withRestore(() => this.base_model.setAdaptersEnabled(true), fn);
  }

  /** Adds the active adapters' updates into the base weights (forward then skips the LoRA branch). */
  mergeAdapter(adapterNames?: string[], opts: { safeMerge?: boolean } = {}): void {
    for (const [, layer] of this.base_model.loraLayers()) layer.merge(adapterNames ?? layer.activeAdapters, opts);
  }
  unmergeAdapter(): void {
    for (const [, layer] of this.base_model.loraLayers()) layer.unmerge();
  }
  /** The base model with the adapters merged into its weights and the LoRA layers gone (peft merge_and_unload). */
  mergeAndUnload(opts: { safeMerge?: boolean; adapterNames?: string[] } = {}): BaseModel {
    return this.base_model.unloadAndOptionallyMerge(true, opts) as BaseModel;
  }
  /** The base model with the LoRA layers taken out unmerged: its original weights (peft unload). */
  unload(): BaseModel {
    return this.base_model.unloadAndOptionallyMerge(false) as BaseModel;
  }

  // ---- files ----

  /**
   * Writes each adapter as peft does: `adapter_config.json` (inference_mode true) and
   * `adapter_model.safetensors`, the adapter 'default' in `dir`, others in `dir/<name>`.
   */
  async savePretrained(dir: string, opts: SaveAdapterOptions = {}): Promise<void> {
    const names = opts.selectedAdapters ?? [...this.peftConfig.keys()];
    for (const name of names) {
      const config = this.peftConfig.get(name);
      if (!config) throw new Error(`savePretrained: no adapter named '${name}' (adapters: ${[...this.peftConfig.keys()].join(', ')})`);
      const out = name === 'default' ? dir : join(dir, name);
      await mkdir(out, { recursive: true });
      await saveAdapterWeights(this.base_model, name, config, out);
      const saved = config.clone();
      saved.inference_mode = true;
      await writeTextAtomic(join(out, CONFIG_NAME), saved.toJSONString());
    }
  }

  /**
   * peft's push_to_hub: the adapter files (savePretrained) uploaded to a Hub repo in one commit.
   * @example await peft.pushToHub('me/llama-lora', { commitMessage: 'LoRA r=8' });
   */
  async pushToHub(repoId: string, opts: UploadOptions & SaveAdapterOptions = {}): Promise<CommitInfo> {
    const { selectedAdapters, ...upload } = opts;
    return pushFolderToHub(repoId, (dir) => this.savePretrained(dir, { selectedAdapters }), { commitMessage: 'Upload model', ...upload });
  }

  /**
   * Wraps `model` with the adapter saved in `dir` (peft PeftModel.from_pretrained).  On any error
   * (a corrupt file, another base model's shapes, targets that do not exist) the base model is
   * left as it was.
   */
  static async fromPretrained(model: BaseModel, dir: string, opts: PeftFromPretrainedOptions = {}): Promise<PeftModel> {
    dir = await resolvePretrained(dir, ADAPTER_FILES, splitHubOptions(opts)[0]); // a Hub id -> its snapshot folder
    const name = opts.adapterName ?? 'default';
    const config = opts.config?.clone() ?? await LoraConfig.fromPretrained(dir);
    config.inference_mode = !(opts.isTrainable ?? false);
    let peft: PeftModel;
    try {
      peft = new PeftModel(model, config, name, { autocast_adapter_dtype: opts.autocast_adapter_dtype });
    } catch (e) {
      throw new Error(`${join(dir, CONFIG_NAME)}: ${(e as Error).message}`);
    }
    try {
      await loadAdapterWeights(peft.base_model, name, peft.peftConfig.get(name)!, dir);
    } catch (e) {
      peft.base_model.unloadAndOptionallyMerge(false);
      throw e;
    }
    return peft;
  }

  /** Loads another saved adapter under `name` (peft load_adapter); it becomes active only by setAdapter. */
  async loadAdapter(dir: string, name: string, opts: { isTrainable?: boolean } & HubOptions = {}): Promise<void> {
    dir = await resolvePretrained(dir, ADAPTER_FILES, splitHubOptions(opts)[0]);
    const config = await LoraConfig.fromPretrained(dir);
    config.inference_mode = !(opts.isTrainable ?? false);
    try {
      this.addAdapter(name, config);
    } catch (e) {
      throw new Error(`${join(dir, CONFIG_NAME)}: ${(e as Error).message}`);
    }
    try {
      await loadAdapterWeights(this.base_model, name, this.peftConfig.get(name)!, dir);
    } catch (e) {
      this.base_model.deleteAdapter(name);
      throw e;
    }
  }

  /**
   * The Trainer's hook for resuming and load_best_model_at_end: reads the adapters saved in a
   * checkpoint folder back into this model's adapters (no new adapter is created).
   */
  async loadCheckpoint(dir: string): Promise<void> {
    for (const [name, config] of this.peftConfig) {
      await loadAdapterWeights(this.base_model, name, config, name === 'default' ? dir : join(dir, name));
    }
  }

  override toString(): string { return `PeftModelFor${this.activePeftConfig?.task_type ?? 'Lora'}(\n  (base_model): LoraModel(...)\n)`; }
}

/** The config as getPeftModel uses it: a copy, with the task's modules_to_save and the base's name. */
function prepareConfig(model: BaseModel, config: LoraConfig | LoraConfigOptions): LoraConfig {
  const c = config instanceof LoraConfig ? config.clone() : new LoraConfig(config);
  const extra = c.task_type ? TASK_MODULES_TO_SAVE[c.task_type] : undefined;
  if (extra) c.modules_to_save = [...new Set([...(c.modules_to_save ?? []), ...extra])];
  if (c.base_model_name_or_path === null && typeof model.config?._name_or_path === 'string') c.base_model_name_or_path = model.config._name_or_path;
  return c;
}

/**
 * Wraps `model` with a new LoRA adapter (peft get_peft_model): the modules config.target_modules
 * names become LoRA layers, every base parameter is frozen.
 * @example
 *   const model = getPeftModel(base, new LoraConfig({ r: 8, lora_alpha: 16, task_type: 'CAUSAL_LM' }));
 *   model.printTrainableParameters(); // trainable params: 8,192 || all params: ... || trainable%: ...
 */
export function getPeftModel(model: BaseModel, config: LoraConfig | LoraConfigOptions, adapterName = 'default', opts: PeftModelOptions = {}): PeftModel {
  return new PeftModel(model, config, adapterName, opts);
}
