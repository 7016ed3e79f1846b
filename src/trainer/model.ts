// model.ts — what the Trainer needs from a model (TrainableModel), and the model-side helpers of
// transformers 4.47 trainer.py / modeling_utils.py: which dataset columns forward() takes
// (_set_signature_columns_if_needed), label names (find_labels), FLOPs (floating_point_ops),
// saving weights when the model has no savePretrained (save_model for non-PreTrainedModels).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tensor, safetensors, stack, tidy, type Device } from '../torch/index.js';
import { Embedding, Module } from '../nn/index.js';

/**
 * A model's forward output: `loss` when labels were given, then its other fields (`logits`,
 * `start_logits`, ...); every Tensor field except `loss` is a prediction for evaluate()/predict().
 */
export interface ModelOutput {
  loss?: Tensor | null;
}

/**
 * The model contract of the Trainer (structural: tunekit's models and any nn.Module with this
 * forward fit).  Only `forward`, `namedParameters`, `train`, `eval`, `stateDict`, `loadStateDict`
 * are required.
 *
 * `forward` receives the collated batch (a record of tensors, HF's keyword arguments); its
 * parameter is typed `never` only so that a forward taking a narrower record type still fits.
 *
 * Since TypeScript cannot introspect a signature, a model says what HF reads from Python:
 *  - `inputNames` (tunekit's PreTrainedModel) or `forwardInputNames`: the keyword arguments
 *    forward() takes (remove_unused_columns drops other dataset columns; without either the
 *    tokenizer's modelInputNames plus label names are kept, and with neither nothing is dropped);
 *  - `acceptsLossKwargs`: forward takes `num_items_in_batch` (HF: `**kwargs` in forward) and then
 *    normalises its summed token loss by it; otherwise the Trainer divides the mean loss by
 *    gradient_accumulation_steps (the transformers >= 4.50 rule);
 *  - `labelNames`: HF find_labels (default ['labels']; QA models: start/end_positions).
 */
export interface TrainableModel {
  forward(inputs: never): ModelOutput;
  namedParameters(): [string, Tensor][];
  train(mode?: boolean): unknown;
  eval(): unknown;
  stateDict(): Map<string, Tensor>;
  loadStateDict(sd: Map<string, Tensor> | Record<string, Tensor>, opts?: { strict?: boolean }): { missingKeys: string[]; unexpectedKeys: string[] } | unknown;
  /** Writes config.json + model.safetensors (HF save_pretrained). */
  savePretrained?(dir: string): Promise<void>;
  /** HF PretrainedConfig: `keys_to_ignore_at_inference` is read; saved as config.json when savePretrained is absent. */
  config?: object;
  inputNames?: readonly string[];
  forwardInputNames?: readonly string[];
  acceptsLossKwargs?: boolean;
  labelNames?: readonly string[];
  /** HF main_input_name (default 'input_ids'): counted for FLOPs and num_input_tokens_seen. */
  mainInputName?: string;
  /** HF floating_point_ops(inputs); default 6 * tokens * non-embedding parameters for nn.Modules. */
  floatingPointOps?(inputs: Record<string, Tensor>): number;
  /** Moves the parameters (Module.to). */
  to?(device: Device): unknown;
  /**
   * Reads what savePretrained wrote into a checkpoint folder back into the model; models whose
   * checkpoint is not model.safetensors have it (a PeftModel: its adapters, as HF's Trainer loads
   * an adapter checkpoint with load_adapter).
   */
  loadCheckpoint?(dir: string): Promise<void>;
}

/** HF keys_to_ignore_at_inference of the model's config (outputs left out of predictions). */
export function keysToIgnoreAtInference(model: TrainableModel): string[] {
  const k = (model.config as { keys_to_ignore_at_inference?: unknown } | undefined)?.keys_to_ignore_at_inference;
  return Array.isArray(k) ? k.filter((x): x is string => typeof x === 'string') : [];
}

/** Calls forward with a batch record (the `never` parameter type accepts any model's input type). */
export function callForward(model: TrainableModel, inputs: Record<string, Tensor>): ModelOutput {
  const out = model.forward(inputs as never);
  if (out === null || typeof out !== 'object') throw new TypeError(`the model's forward returned ${String(out)}, expected an object of outputs ({loss, logits, ...})`);
  return out;
}

/** Label column names: args.label_names, else the model's, else ['labels'] (HF default_label_names). */
export function labelNamesOf(model: TrainableModel, argNames: string[] | null): string[] {
  return argNames ?? (model.labelNames ? [...model.labelNames] : ['labels']);
}

/**
 * Columns kept by remove_unused_columns (HF _set_signature_columns_if_needed): forward's inputs
 * plus the label names and `label`/`label_ids`; null when the model declares nothing and no
 * tokenizer names its inputs (then nothing is removed).
 */
export function signatureColumns(model: TrainableModel, labelNames: string[], tokenizerInputNames?: readonly string[]): string[] | null {
  const base = model.forwardInputNames ?? (model.inputNames?.length ? model.inputNames : undefined) ?? tokenizerInputNames;
  if (!base) return null;
  return [...new Set([...base, ...labelNames, 'label', 'label_ids'])];
}

const nonEmbeddingCounts = new WeakMap<object, number>();

/** HF num_parameters(exclude_embeddings=True): every parameter except nn.Embedding weights. */
export function numNonEmbeddingParameters(model: Module): number {
  const cached = nonEmbeddingCounts.get(model);
  if (cached !== undefined) return cached;
  const embedding = new Set<Tensor>();
  for (const m of model.modules()) if (m instanceof Embedding) embedding.add(m.weight);
  let n = 0;
  for (const [, p] of model.namedParameters()) if (!embedding.has(p)) n += p.numel();
  nonEmbeddingCounts.set(model, n);
  return n;
}

/**
 * HF floating_point_ops: the model's own estimate, else 6 * numel(main input) * non-embedding
 * parameters for an nn.Module (PreTrainedModel's rule), else 0 (HF's rule for other models).
 */
export function floatingPointOps(model: TrainableModel, inputs: Record<string, Tensor>): number {
  if (model.floatingPointOps) return model.floatingPointOps(inputs);
  if (!(model instanceof Module)) return 0;
  const main = inputs[model.mainInputName ?? 'input_ids'];
  return main ? 6 * main.numel() * numNonEmbeddingParameters(model) : 0;
}

/**
 * The model's weights into `dir`: model.savePretrained(dir) when it has one, else HF's fallback
 * for non-PreTrainedModels: the state dict as model.safetensors (plus config.json when the model
 * carries a config).
 */
export async function saveModelWeights(model: TrainableModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (model.savePretrained) {
    await model.savePretrained(dir);
    return;
  }
  await safetensors.saveFile(dedupe(model.stateDict()), join(dir, 'model.safetensors'), { format: 'pt' });
  if (model.config) {
    const c = model.config as { toDict?(): unknown };
    const cfg = typeof c.toDict === 'function' ? c.toDict() : c;
    await writeFile(join(dir, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  }
}

/** Tied tensors once (safetensors cannot hold one tensor under two names; HF drops the later names too). */
function dedupe(sd: Map<string, Tensor>): Map<string, Tensor> {
  const seen = new Set<Tensor>();
  const out = new Map<string, Tensor>();
  for (const [k, t] of sd) {
    if (seen.has(t)) continue;
    seen.add(t);
    out.set(k, t);
  }
  return out;
}

/**
 * Loads model.safetensors (or a sharded index) from `dir` into the model in place, or calls the
 * model's own loadCheckpoint (an adapter checkpoint) when it has one (HF
 * _load_from_checkpoint: non-strict; keys missing because they are tied to a loaded tensor are
 * fine, others are warned about).
 */
export async function loadModelWeights(model: TrainableModel, dir: string): Promise<void> {
  if (model.loadCheckpoint) {
    await model.loadCheckpoint(dir);
    return;
  }
  const loaded = await safetensors.loadCheckpoint(dir);
  try {
    const own = model.stateDict();
    const present = new Set([...own].filter(([k]) => k in loaded).map(([, t]) => t));
    const missing = [...own].filter(([k, t]) => !(k in loaded) && !present.has(t)).map(([k]) => k);
    const unexpected = Object.keys(loaded).filter((k) => !own.has(k));
    model.loadStateDict(loaded, { strict: false });
    if (missing.length) console.warn(`There were missing keys in the checkpoint model loaded: ${missing.join(', ')}.`);
    if (unexpected.length) console.warn(`There were unexpected keys in the checkpoint model loaded: ${unexpected.join(', ')}.`);
  } finally {
    for (const t of Object.values(loaded)) t.dispose();
  }
}

const FLOATING = new Set(['float32', 'float64', 'float16', 'bfloat16']);

/** A tensor of the model's state that is not all finite: its name and one offending value (NaN, Infinity or -Infinity). */
export interface NonFiniteWeight {
  name: string;
  value: number;
}

/**
 * The first floating tensor of the model's state dict (parameters and buffers, what a checkpoint
 * saves) that holds NaN or ±inf, or null when every one is finite.  Cheap: one isfinite-all
 * reduction per tensor and a single host sync for the whole model.
 */
export function firstNonFiniteWeight(model: TrainableModel): NonFiniteWeight | null {
  const entries = [...model.stateDict()].filter(([, t]) => FLOATING.has(t.dtype));
  if (entries.length === 0) return null;
  return tidy(() => {
    const ok = stack(entries.map(([, t]) => t.isfinite().all())); // (n) bool
    if (ok.all().item()) return null;
    const flags = ok.cpu().toTypedArray();
    const i = Array.prototype.findIndex.call(flags, (x: number) => !x);
    const [name, t] = entries[i]!;
    const value = t.isnan().any().item() ? NaN : t.eq(Infinity).any().item() ? Infinity : -Infinity;
    return { name, value };
  });
}

/** The floating tensor of the model's state with the largest |value|, and that value (one amax per tensor, one sync); null without any. */
export function largestWeight(model: TrainableModel): NonFiniteWeight | null {
  const entries = [...model.stateDict()].filter(([, t]) => FLOATING.has(t.dtype) && t.numel() > 0);
  if (entries.length === 0) return null;
  return tidy(() => {
    const m = stack(entries.map(([, t]) => t.abs().amax().float())); // (n)
    const i = m.argmax().item();
    return { name: entries[i]![0], value: m.max().item() };
  });
}
