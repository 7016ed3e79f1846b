// tuner.ts — LoraModel (peft/tuners/lora/model.py + tuners_utils.BaseTuner): finds the modules a
// LoraConfig targets, swaps them for LoRA layers in place, marks what trains, and takes the
// adapters out again (merge_and_unload / unload).  Module paths here are relative to the wrapped
// model (`model.layers.0.self_attn.q_proj`), as peft matches them.
import { Conv1D, Embedding, Linear, Module, ModuleDict, ParameterDict } from '../nn/index.js';
import { noGrad, tidy, type Tensor } from '../torch/index.js';
import { DEFAULT_TARGET_MODULES, type LoraConfig } from './config.js';
import { LoraEmbedding, LoraLayer, LoraLinear, type AdapterSpec } from './layers.js';
import { ModulesToSaveWrapper } from './modules-to-save.js';

/** Parent module and attribute name of a dotted path. */
function parentOf(root: Module, key: string): [Module, string] {
  const i = key.lastIndexOf('.');
  return [root.getSubmodule(i < 0 ? '' : key.slice(0, i)), key.slice(i + 1)];
}
const endsWithName = (key: string, name: string): boolean => key === name || key.endsWith(`.${name}`);
/** Python's re.fullmatch. */
const fullMatch = (pattern: string, key: string): boolean => new RegExp(`^(?:${pattern})$`).test(key);

/** peft get_pattern_key: the first pattern key matching the end of `key` at a dot boundary, else null. */
export function patternKey(patterns: Iterable<string>, key: string): string | null {
  for (const p of patterns) if (new RegExp(`^(?:.*\\.)?(?:${p})$`).test(key)) return p;
  return null;
}

/** peft check_target_module_exists: does `config` wrap the module at `key`? ('excluded' when an exclusion hits). */
export function targetMatches(config: LoraConfig, key: string): boolean | 'excluded' {
  const ex = config.exclude_modules;
  if (ex && (typeof ex === 'string' ? fullMatch(ex, key) : ex.some((e) => endsWithName(key, e)))) return 'excluded';
  if (config.modules_to_save?.some((m) => new RegExp(`(^|.*\\.)${m}($|\\..*)`).test(key))) return 'excluded';
  const t = config.target_modules;
  if (t === null) return false;
  if (typeof t === 'string') return fullMatch(t, key);
  if (t.includes(key)) return true;
  if (!t.some((name) => key.endsWith(`.${name}`))) return false;
  const layers = config.layers_to_transform;
  if (layers === null || (Array.isArray(layers) && layers.length === 0)) return true;
  const patterns = config.layers_pattern === null || config.layers_pattern.length === 0 ? null
    : typeof config.layers_pattern === 'string' ? [config.layers_pattern] : config.layers_pattern;
  let index: number | null = null;
  for (const p of patterns ?? ['[^.]*']) {
    const m = new RegExp(`^.*?\\.${p}\\.(\\d+)\\.`).exec(key);
    if (m) { index = Number(m[1]); break; }
  }
  if (index === null) return false;
  return typeof layers === 'number' ? index === layers : layers.includes(index);
}

/** Is `key` inside a LoRA layer or a modules_to_save wrapper (their own parts are never targets)? */
function insideAdapterModule(root: Module, key: string): boolean {
  const parts = key.split('.');
  let m: Module = root;
  for (let i = 0; i < parts.length - 1; i++) {
    m = m.getSubmodule(parts[i]!);
    if (m instanceof LoraLayer || m instanceof ModulesToSaveWrapper) return true;
  }
  return false;
}

/** The model's output head (lm_head), which 'all-linear' leaves out; SEQ_CLS leaves out score / classifier too. */
function headsToSkip(model: Module, config: LoraConfig): Set<Module> {
  const out = new Set<Module>();
  const getOut = (model as { getOutputEmbeddings?(): Module | null }).getOutputEmbeddings;
  let head: Module | null = null;
  try { head = typeof getOut === 'function' ? getOut.call(model) : null; } catch { head = null; }
  if (head) out.add(head);
  else if (config.task_type === 'SEQ_CLS') {
    for (const name of ['score', 'classifier']) {
      const m = (model as unknown as Record<string, unknown>)[name];
      if (m instanceof Module) { out.add(m); break; }
    }
  }
  return out;
}

/**
 * peft _maybe_include_all_linear_layers: 'all-linear' -> every Linear / Conv1D path but the output
 * head, written as the shortest suffixes that pick exactly those modules (peft's
 * _find_minimal_target_modules does the same for saving).
 */
export function allLinearTargets(model: Module, config: LoraConfig): string[] {
  const skip = headsToSkip(model, config);
  const all = model.namedModules().filter(([k]) => k !== '' && !insideAdapterModule(model, k));
  const isLinear = (m: Module): boolean => m instanceof Linear || m instanceof Conv1D || m instanceof LoraLinear;
  const targeted = all.filter(([, m]) => isLinear(m) && !skip.has(m)).map(([k]) => k);
  const others = all.map(([k]) => k).filter((k) => !targeted.includes(k));
  return minimalSuffixes(targeted, others);
}

/** For each targeted path, its shortest dot-suffix that no other path ends with (else the full path). */
function minimalSuffixes(targeted: string[], others: string[]): string[] {
  const out = new Set<string>();
  for (const key of targeted) {
    const parts = key.split('.');
    let chosen = key;
    for (let n = 1; n <= parts.length; n++) {
      const suffix = parts.slice(-n).join('.');
      if (!others.some((o) => endsWithName(o, suffix))) { chosen = suffix; break; }
    }
    out.add(chosen);
  }
  return [...out];
}

/**
 * peft's cast_adapter_dtype: the parameters of adapter `name` (lora_A / lora_B / DoRA magnitude /
 * embedding A and B) that are float16 or bfloat16 — made in a half-precision base's dtype — become
 * float32.  The base weights are left alone.
 */
export function castAdapterDtype(model: Module, name: string): void {
  const half = (t: Tensor): boolean => t.dtype === 'float16' || t.dtype === 'bfloat16';
  for (const m of model.modules()) {
    if (!(m instanceof LoraLayer)) continue;
    for (const sub of m.modules()) {
      if (sub instanceof ParameterDict) {
        const t = sub.get(name);
        if (t && half(t)) noGrad(() => tidy(() => t.setData(t.to('float32'))));
      } else if (sub instanceof ModuleDict) {
        const entry = sub.get(name);
        if (entry && entry.parameters().some(half)) entry.to('float32');
      }
    }
  }
}

/**
 * The tuner: holds the wrapped model as `model` (so parameter names read
 * `base_model.model.<path>` from the PeftModel) and the configs by adapter name.
 */
export class LoraModel extends Module {
  declare model: Module;
  readonly peftConfig = new Map<string, LoraConfig>();
  activeAdapter: string;

  /**
   * peft's autocast_adapter_dtype (default true): adapters made on a float16 / bfloat16 base are
   * upcast to float32, so the trained weights and their Adam moments keep full precision; the
   * LoRA forward casts its input to the adapter's dtype and the sum back to the base's.
   */
  autocastAdapterDtype: boolean;

  constructor(model: Module, config: LoraConfig, adapterName: string, opts: { autocastAdapterDtype?: boolean } = {}) {
    super();
    this.registerModule('model', model);
    this.activeAdapter = adapterName;
    this.autocastAdapterDtype = opts.autocastAdapterDtype ?? true;
    this.injectAdapter(config, adapterName);
  }

  /** The model type whose default target_modules apply (config.model_type). */
  private modelType(): string | undefined {
    return (this.model as { config?: { model_type?: string } }).config?.model_type;
  }

  /**
   * Resolves target_modules (peft's default for the model type, or 'all-linear') and wraps every
   * matching module; the base model is only changed once every target has been checked.
   */
  injectAdapter(config: LoraConfig, name: string): void {
    if (this.peftConfig.has(name)) throw new Error(`Adapter with name ${name} already exists.`);
    if (name.includes('.') || name === '') throw new TypeError(`adapter name '${name}' must be non-empty and contain no '.'`);
    if (config.target_modules === null) {
      const t = DEFAULT_TARGET_MODULES[this.modelType() ?? ''];
      if (!t) throw new Error(`Please specify \`target_modules\` in \`peft_config\`: peft has no default LoRA targets for model_type '${this.modelType() ?? '(none)'}'`);
      config.target_modules = [...t];
    } else if (typeof config.target_modules === 'string' && config.target_modules.toLowerCase() === 'all-linear') {
      config.target_modules = allLinearTargets(this.model, config);
    }
    // plan first: no module is replaced unless all targets are valid
    const plan: [string, Module][] = [];
    let excluded = 0;
    for (const [key, m] of this.model.namedModules()) {
      if (key === '' || insideAdapterModule(this.model, key)) continue;
      const hit = targetMatches(config, key);
      if (hit === 'excluded') { excluded++; continue; }
      if (!hit) continue;
      if (!(m instanceof Linear || m instanceof Conv1D || m instanceof Embedding || m instanceof LoraLayer))
        throw new TypeError(`Target module ${key} (${m.constructor.name}) is not supported. Currently, only the following modules are supported: \`Linear\`, \`Embedding\`, \`Conv1D\` (GPT-2).`);
      plan.push([key, m]);
    }
    if (plan.length === 0) {
      if (excluded > 0 && config.target_modules.length) throw new Error('All modules were excluded. This is likely unintended. Check your `target_modules`, `exclude_modules` and `modules_to_save` configuration.');
      let msg = `Target modules ${JSON.stringify(config.target_modules)} not found in the base model. Please check the target modules and try again.`;
      if (config.layers_to_transform !== null) msg += ` Note: You specified 'layers_to_transform': ${JSON.stringify(config.layers_to_transform)}.`;
      if (config.layers_pattern !== null) msg += ` You also specified 'layers_pattern': ${JSON.stringify(config.layers_pattern)}.`;
      throw new Error(msg);
    }
    const specs = plan.map(([key]) => this.specFor(config, key));
    for (const spec of specs) if (!Number.isInteger(spec.r) || spec.r <= 0) throw new RangeError(`\`r\` should be a positive integer value but the value passed is ${spec.r}`);
    if (config.use_dora && plan.some(([, m]) => m instanceof Embedding)) throw new RangeError('use_dora is not supported for Embedding layers in tunekit');

    this.peftConfig.set(name, config);
    plan.forEach(([key, m], i) => {
      const spec = specs[i]!;
      if (m instanceof LoraLayer) { m.updateLayer(name, spec); return; }
      if (m instanceof Conv1D && !config.fan_in_fan_out) {
        console.warn('fan_in_fan_out is set to False but the target module is `Conv1D`. Setting fan_in_fan_out to True.');
        config.fan_in_fan_out = true;
      } else if (m instanceof Linear && config.fan_in_fan_out) {
        console.warn('fan_in_fan_out is set to True but the target module is `torch.nn.Linear`. Setting fan_in_fan_out to False.');
        config.fan_in_fan_out = false;
      }
      const layer = m instanceof Embedding ? new LoraEmbedding(m, name, spec) : new LoraLinear(m as Linear | Conv1D, name, spec);
      layer.train(m.training);
      const [parent, attr] = parentOf(this.model, key);
      parent.registerModule(attr, layer);
    });
    this.wrapModulesToSave(config, name);
    if (this.autocastAdapterDtype) castAdapterDtype(this.model, name);
    this.setAdapter(this.activeAdapter);
  }

  /** r and lora_alpha of the module at `key` (rank_pattern / alpha_pattern win over r / lora_alpha). */
  private specFor(config: LoraConfig, key: string): AdapterSpec {
    const rk = patternKey(Object.keys(config.rank_pattern), key);
    const ak = patternKey(Object.keys(config.alpha_pattern), key);
    return { r: rk === null ? config.r : config.rank_pattern[rk]!, lora_alpha: ak === null ? config.lora_alpha : config.alpha_pattern[ak]!, config };
  }

  /** peft _set_trainable: modules_to_save get a wrapper (or a new copy in the existing one). */
  private wrapModulesToSave(config: LoraConfig, name: string): void {
    const names = config.modules_to_save;
    if (!names?.length) return;
    for (const [key, m] of this.model.namedModules()) {
      if (key === '' || !names.some((n) => endsWithName(key, n))) continue;
      if (m instanceof ModulesToSaveWrapper) { m.update(name); continue; }
      if (insideAdapterModule(this.model, key)) continue;
      const [parent, attr] = parentOf(this.model, key);
      parent.registerModule(attr, new ModulesToSaveWrapper(m as Module & { forward(...a: never[]): unknown }, name));
    }
  }

  /** LoRA layers with their paths. */
  loraLayers(): [string, LoraLayer][] {
    return this.model.namedModules().filter((e): e is [string, LoraLayer] => e[1] instanceof LoraLayer);
  }
  /** modules_to_save wrappers with their paths. */
  savedModules(): [string, ModulesToSaveWrapper][] {
    return this.model.namedModules().filter((e): e is [string, ModulesToSaveWrapper] => e[1] instanceof ModulesToSaveWrapper);
  }

  /**
   * Makes `name` the adapter forward() uses and the one that trains (peft set_adapter +
   * _mark_only_adapters_as_trainable): every base parameter frozen, the active adapter's LoRA
   * parameters (and biases per config.bias, and its modules_to_save copies) trainable unless the
   * config is in inference_mode.
   */
  setAdapter(name: string): void {
    const config = this.peftConfig.get(name);
    if (!config) throw new Error(`Adapter ${name} not found.`);
    this.activeAdapter = name;
    const trainable = !config.inference_mode;
    for (const p of this.model.parameters()) p.requiresGrad_(false);
    for (const [, layer] of this.loraLayers()) {
      layer.activeAdapters = layer.adapterNames().includes(name) ? [name] : [];
      for (const [k, child] of layer.namedChildren()) {
        if (k === 'base_layer' || k === 'lora_dropout') continue;
        for (const [pname, p] of child.namedParameters()) p.requiresGrad_(trainable && pname.split('.')[0] === name);
      }
    }
    if (trainable && config.bias !== 'none') {
      for (const [key, p] of this.model.namedParameters()) {
        if (!(key === 'bias' || key.endsWith('.bias'))) continue;
        const lora = key.endsWith('.base_layer.bias');
        if (config.bias === 'all' || lora) p.requiresGrad_(true);
      }
    }
    for (const [, w] of this.savedModules()) w.setAdapter(name, trainable);
  }

  /** Turns every adapter off (forward = the base model) or back on. */
  setAdaptersEnabled(enabled: boolean): void {
    for (const [, layer] of this.loraLayers()) layer.disabled = !enabled;
    for (const [, w] of this.savedModules()) w.disabled = !enabled;
  }

  /** Removes adapter `name` everywhere; a layer left without adapters goes back to its base layer. */
  deleteAdapter(name: string): void {
    if (!this.peftConfig.has(name)) throw new Error(`Adapter ${name} does not exist`);
    this.peftConfig.delete(name);
    for (const [key, layer] of this.loraLayers()) {
      if (layer.mergedAdapters.includes(name)) layer.unmerge();
      layer.deleteAdapter(name);
      if (layer.adapterNames().length === 0) {
        const [parent, attr] = parentOf(this.model, key);
        parent.registerModule(attr, layer.base_layer);
      }
    }
    for (const [key, w] of this.savedModules()) {
      w.deleteAdapter(name);
      if (w.modules_to_save.size === 0) {
        const [parent, attr] = parentOf(this.model, key);
        parent.registerModule(attr, w.original_module);
      }
    }
    const next = this.peftConfig.keys().next();
    if (this.activeAdapter === name && !next.done) this.setAdapter(next.value);
  }

  /**
   * peft _unload_and_optionally_merge: every LoRA layer replaced by its base layer (with the
   * active adapters' updates added first when `merge`); a modules_to_save wrapper by the active
   * adapter's trained copy (both ways, as peft).  Returns the bare model.
   */
  unloadAndOptionallyMerge(merge: boolean, opts: { safeMerge?: boolean; adapterNames?: string[] } = {}): Module {
    for (const [key, layer] of this.loraLayers()) {
      if (merge) layer.merge(opts.adapterNames ?? layer.activeAdapters, { safeMerge: opts.safeMerge });
      else if (layer.merged) layer.unmerge();
      const [parent, attr] = parentOf(this.model, key);
      parent.registerModule(attr, layer.base_layer);
      for (const name of layer.adapterNames()) layer.deleteAdapter(name);
    }
    for (const [key, w] of this.savedModules()) {
      const [parent, attr] = parentOf(this.model, key);
      const keep = w.disabled || w.activeAdapter === null ? w.original_module : w.modules_to_save.get(w.activeAdapter)!;
      parent.registerModule(attr, keep);
    }
    this.peftConfig.clear();
    return this.model;
  }
}
