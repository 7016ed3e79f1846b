// save-load.ts — adapter weights in peft's file layout (peft/utils/save_and_load.py): which
// tensors belong to an adapter, their file keys (the adapter name taken out:
// `…q_proj.lora_A.default.weight` -> `…q_proj.lora_A.weight`, DoRA's
// `…lora_magnitude_vector.default.weight` -> `…lora_magnitude_vector`, a modules_to_save copy
// `…classifier.modules_to_save.default.weight` -> `…classifier.weight`), and loading them back with
// every key and shape checked before anything is copied.
import { join } from 'node:path';
import { noGrad, safetensors, type Tensor } from '../torch/index.js';
import type { LoraConfig } from './config.js';
import type { LoraModel } from './tuner.js';

/** Every PeftModel parameter name starts so (`base_model` = the tuner, `model` = the wrapped model). */
export const PREFIX = 'base_model.model.';
export const WEIGHTS_NAME = 'adapter_model.safetensors';
export const CONFIG_NAME = 'adapter_config.json';

/** A state-dict key with the adapter name taken out (peft _remove_adapter_name_from_state_dict_key + DoRA's rename). */
export function fileKeyOf(key: string, adapter: string): string {
  if (key.endsWith(`.lora_magnitude_vector.${adapter}.weight`)) return key.slice(0, -`.${adapter}.weight`.length);
  if (key.endsWith(`.${adapter}`)) return key.slice(0, -adapter.length - 1);
  const i = key.lastIndexOf('.');
  const head = key.slice(0, i);
  return head.endsWith(`.${adapter}`) ? `${head.slice(0, -adapter.length - 1)}${key.slice(i)}` : key;
}

/**
 * The tensors of adapter `name` by file key (`base_model.model.…`): its LoRA parameters, its
 * modules_to_save copies, and the biases config.bias saves.  The values are the live parameters.
 */
export function adapterTensors(tuner: LoraModel, name: string, config: LoraConfig): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [path, layer] of tuner.loraLayers()) {
    for (const [k, t] of layer.stateDict()) {
      const parts = k.split('.');
      if (parts[0] === 'base_layer' || parts[1] !== name) continue;
      out.set(PREFIX + fileKeyOf(`${path}.${k}`, name), t);
    }
  }
  for (const [path, w] of tuner.savedModules()) {
    const copy = w.modules_to_save.get(name);
    if (copy) for (const [k, t] of copy.stateDict()) out.set(`${PREFIX}${path}.${k}`, t);
  }
  if (config.bias !== 'none') {
    for (const [k, t] of tuner.model.stateDict()) {
      if (!(k === 'bias' || k.endsWith('.bias'))) continue;
      if (k.includes('.modules_to_save.') || k.includes('.original_module.')) continue;
      if (config.bias === 'all' || k.endsWith('.base_layer.bias')) out.set(PREFIX + k, t);
    }
  }
  return out;
}

/** Writes `<dir>/adapter_model.safetensors` (atomically, tied tensors once). */
export async function saveAdapterWeights(tuner: LoraModel, name: string, config: LoraConfig, dir: string): Promise<void> {
  const seen = new Set<Tensor>();
  const entries: [string, Tensor][] = [];
  for (const [k, t] of adapterTensors(tuner, name, config)) {
    if (seen.has(t)) continue;
    seen.add(t);
    entries.push([k, t.isContiguous() ? t : t.contiguous()]);
  }
  await safetensors.saveFile(entries, join(dir, WEIGHTS_NAME), { format: 'pt' });
}

/**
 * Reads `<dir>/adapter_model.safetensors` into adapter `name`.  Every adapter tensor must be in the
 * file with its exact shape; a file key that is neither an adapter tensor nor a parameter of the
 * model (peft saves resized embeddings that way) is an error.  Nothing is copied unless all of it
 * checks out; every error names the file.
 */
export async function loadAdapterWeights(tuner: LoraModel, name: string, config: LoraConfig, dir: string): Promise<void> {
  const path = join(dir, WEIGHTS_NAME);
  let loaded: Record<string, Tensor>;
  try {
    loaded = await safetensors.loadFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path}: no such file (tunekit reads safetensors adapters; an adapter_model.bin can be re-saved by peft with save_pretrained(safe_serialization=True))`);
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  try {
    const want = adapterTensors(tuner, name, config);
    const base = new Map([...tuner.model.stateDict()].map(([k, t]) => [PREFIX + k, t] as const));
    const errors: string[] = [];
    const missing = [...want.keys()].filter((k) => !(k in loaded));
    if (missing.length) errors.push(`missing adapter keys (the adapter does not fit this model's modules, or the file is incomplete): ${show(missing)}`);
    const unexpected = Object.keys(loaded).filter((k) => !want.has(k) && !base.has(k) && !base.has(PREFIX + k));
    if (unexpected.length) errors.push(`keys that are not in this model: ${show(unexpected)}`);
    const pairs: [Tensor, Tensor][] = [];
    for (const [k, src] of Object.entries(loaded)) {
      const dst = want.get(k) ?? base.get(k) ?? base.get(PREFIX + k);
      if (!dst) continue;
      const a = src.shape, b = dst.shape;
      if (a.length !== b.length || a.some((v, i) => v !== b[i]))
        errors.push(`size mismatch for ${k}: the file has shape [${a.join(', ')}], the model [${b.join(', ')}] (an adapter trained on another base model or with another r?)`);
      else if (!src.dtype.startsWith('float') && src.dtype !== 'bfloat16') errors.push(`${k}: dtype ${src.dtype} is not a floating type`);
      else pairs.push([dst, src]);
    }
    if (errors.length) throw new Error(`${path}: cannot load adapter '${name}':\n  ${errors.join('\n  ')}`);
    noGrad(() => { for (const [dst, src] of pairs) dst.copy_(src); });
  } finally {
    for (const t of Object.values(loaded)) t.dispose();
  }
}

function show(keys: string[]): string {
  return keys.length > 6 ? `${keys.slice(0, 6).join(', ')} … (${keys.length} in all)` : keys.join(', ');
}
