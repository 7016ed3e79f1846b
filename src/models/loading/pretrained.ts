// pretrained.ts — from_pretrained (transformers modeling_utils._load_pretrained_model): config
// with code overrides, weights, base-model prefix handling (a bare `BertModel` checkpoint into
// BertForSequenceClassification and a `bert.`-prefixed one into BertModel), LayerNorm
// gamma/beta renames, tied weights, and HF's missing / unexpected / mismatched-size reports.
import { noGrad, equal, type Tensor, type DType, type Device } from '../../torch/index.js';
import { PretrainedConfig, readConfigDict, type ProblemType } from '../config/pretrained.js';
import { ConfigError } from '../config/fields.js';
import type { ModelClass, PreTrainedModel } from '../modeling.js';
import { loadWeights } from './checkpoint.js';
import { checkAttnImplementation } from '../../nn/index.js';
import { HUB_OPTION_NAMES, MODEL_FILES, resolvePretrained, splitHubOptions, type HubOptions } from '../../hub/index.js';

/**
 * Options of fromPretrained (unknown names are errors).  A Hub id instead of a folder is
 * downloaded into HF's cache first, with the Hub options (revision, cache_dir, token,
 * local_files_only, subfolder, force_download).
 */
export interface FromPretrainedOptions extends HubOptions {
  /** Number of labels of a classification head (resets the label maps when it changes). */
  numLabels?: number;
  /** Class index -> label name (sets numLabels). */
  id2label?: Record<number | string, string>;
  /** Label name -> class index (must be the inverse of id2label). */
  label2id?: Record<string, number>;
  /** Sequence classification loss: regression, single_label_classification or multi_label_classification. */
  problemType?: ProblemType | null;
  /** A config to use instead of config.json, or overrides of config.json fields by HF name. */
  config?: PretrainedConfig | Record<string, unknown>;
  /**
   * Parameter dtype (HF torch_dtype= / dtype=): float32 (default, as transformers 4.x), float16,
   * bfloat16, float64, or 'auto': config.json's torch_dtype / dtype, else the checkpoint's own.
   * Non-persistent buffers (RoPE's inv_freq) stay float32, as in HF.
   */
  dtype?: DType | 'auto';
  /** transformers 4.x's name of `dtype` (transformers 5 still takes it): the same option. */
  torch_dtype?: DType | 'auto';
  /** HF's attention implementation: 'sdpa' (default, libtorch's fused kernels on 2.x) or 'eager' (the explicit math). */
  attn_implementation?: 'sdpa' | 'eager';
  /** Device for the parameters (default cpu). */
  device?: Device;
  /** Re-initialise (with a warning) weights whose shape differs from the checkpoint's, instead of failing. */
  ignoreMismatchedSizes?: boolean;
  /** Where warnings go (default console.warn). */
  onWarning?: (message: string) => void;
}
const OPTION_NAMES: readonly (keyof FromPretrainedOptions)[] = [
  'numLabels', 'id2label', 'label2id', 'problemType', 'config', 'dtype', 'torch_dtype', 'attn_implementation', 'device', 'ignoreMismatchedSizes', 'onWarning',
  ...HUB_OPTION_NAMES,
];

/** What loading found (transformers' output_loading_info). */
export interface LoadingInfo {
  /** Model keys the checkpoint lacks: newly initialised (tied aliases excluded). */
  missingKeys: string[];
  /** Checkpoint keys the model has no place for (ignored). */
  unexpectedKeys: string[];
  /** Keys re-initialised because the shapes differ (with ignoreMismatchedSizes). */
  mismatchedKeys: { key: string; checkpointShape: number[]; modelShape: number[] }[];
  /** Checkpoint keys renamed on the way in (`LayerNorm.gamma` -> `LayerNorm.weight`). */
  renamedKeys: [string, string][];
  /** The weights file that was read. */
  file: string;
}

/** A Python list repr of strings, as transformers' warnings print them: ['a', 'b']. */
export function pyList(xs: readonly string[]): string {
  return `[${xs.map((x) => (x.includes("'") && !x.includes('"') ? `"${x}"` : `'${x.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)).join(', ')}]`;
}
const torchSize = (s: number[]): string => `torch.Size([${s.join(', ')}])`;

/**
 * Copies checkpoint tensors into `model` by name, as transformers does: renames legacy
 * LayerNorm gamma/beta, adds or strips the base-model prefix when the checkpoint is of the base
 * model or the model is the base of the checkpoint, ignores keys naming non-persistent buffers,
 * and does not report tied aliases as missing.  A shape mismatch throws unless
 * `ignoreMismatchedSizes`.  The checkpoint tensors are not disposed.
 */
export function loadStateIntoModel(model: PreTrainedModel, ckpt: Record<string, Tensor>, opts: { ignoreMismatchedSizes?: boolean; source?: string } = {}): Omit<LoadingInfo, 'file'> {
  const cls = model.constructor as ModelClass;
  let own = model.stateDict();
  const ownKeys = new Set(own.keys());
  const renamedKeys: [string, string][] = [];
  let entries = Object.entries(ckpt).map(([k, t]): [string, Tensor] => {
    let nk = k;
    if (!ownKeys.has(k)) nk = k.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
    if (nk !== k) renamedKeys.push([k, nk]);
    return [nk, t];
  });
  const prefix = cls.baseModelPrefix ? `${cls.baseModelPrefix}.` : '';
  if (prefix) {
    const expectsPrefix = [...ownKeys].some((k) => k.startsWith(prefix));
    const hasPrefix = entries.some(([k]) => k.startsWith(prefix));
    if (expectsPrefix && !hasPrefix) entries = entries.map(([k, t]) => [prefix + k, t]); // base checkpoint -> head model
    else if (!expectsPrefix && hasPrefix) entries = entries.map(([k, t]) => [k.startsWith(prefix) ? k.slice(prefix.length) : k, t]); // head checkpoint -> base model
  }
  const buffers = new Set(model.namedBuffers().map(([n]) => n));
  const src = new Map<string, Tensor>();
  const unexpected: string[] = [];
  for (const [k, t] of entries) {
    if (ownKeys.has(k)) src.set(k, t);
    else if (!buffers.has(k) && !cls.keysToIgnoreOnLoadUnexpected.some((re) => re.test(k))) unexpected.push(k);
  }
  if (untiedByCheckpoint(model, own, src)) own = model.stateDict();
  const mismatched: LoadingInfo['mismatchedKeys'] = [];
  for (const [k, t] of [...src]) {
    const a = t.shape, b = own.get(k)!.shape;
    if (a.length === b.length && a.every((v, i) => v === b[i])) continue;
    mismatched.push({ key: k, checkpointShape: a, modelShape: b });
    src.delete(k);
  }
  if (mismatched.length && !opts.ignoreMismatchedSizes)
    throw new Error(`Error(s) in loading state_dict for ${cls.name}:\n\t` +
      mismatched.map((m) => `size mismatch for ${m.key}: copying a param with shape ${torchSize(m.checkpointShape)} from checkpoint, the shape in current model is ${torchSize(m.modelShape)}.`).join('\n\t') +
      '\n\tYou may consider adding `ignoreMismatchedSizes: true` in the model `fromPretrained` options.');
  mismatched.sort((x, y) => (x.key < y.key ? -1 : 1));
  // A key is loaded if its tensor is — tied aliases (decoder.weight = word_embeddings.weight) too.
  const loaded = new Set<Tensor>([...src.keys()].map((k) => own.get(k)!));
  const missing = [...ownKeys].filter((k) => !src.has(k) && !loaded.has(own.get(k)!) && !mismatched.some((m) => m.key === k));
  model.loadStateDict(src, { strict: false });
  model.tieWeights();
  return { missingKeys: missing.sort(), unexpectedKeys: unexpected.sort(), mismatchedKeys: mismatched, renamedKeys };
}

/**
 * transformers 5's rule for tied weights: when the config ties the output head to the embeddings but the
 * checkpoint holds both, with different values, they are not tied (an mT5 saved by transformers 5 says
 * tie_word_embeddings true and keeps its own lm_head.weight).  Unties the model's head then.
 */
function untiedByCheckpoint(model: PreTrainedModel, own: Map<string, Tensor>, src: Map<string, Tensor>): boolean {
  const head = model.getOutputEmbeddings();
  if (!head) return false;
  const tiedKeys = [...own].filter(([, t]) => t === head.weight).map(([k]) => k).filter((k) => src.has(k));
  if (tiedKeys.length < 2) return false;
  const headName = model.namedModules().find(([, m]) => m === head)?.[0];
  const headKey = headName === undefined ? null : `${headName}.weight`;
  if (headKey === null || !src.has(headKey)) return false;
  const h = src.get(headKey)!;
  const differs = tiedKeys.some((k) => {
    const t = src.get(k)!;
    return k !== headKey && (t.shape.length !== h.shape.length || t.shape.some((v, i) => v !== h.shape[i]) || t.dtype !== h.dtype || !equal(t, h));
  });
  return differs && model.untieOutputEmbeddings();
}

/** transformers' warnings for a load, worded as transformers prints them. */
export function loadingWarnings(className: string, source: string, info: Omit<LoadingInfo, 'file'>): string[] {
  const out: string[] = [];
  if (info.renamedKeys.length)
    out.push(`A pretrained model of type \`${className}\` contains parameters that have been renamed internally (a few are listed below but more are present in the model):\n` +
      info.renamedKeys.slice(0, 2).map(([a, b]) => `* \`${a}\` -> \`${b}\``).join('\n'));
  if (info.unexpectedKeys.length)
    out.push(`Some weights of the model checkpoint at ${source} were not used when initializing ${className}: ${pyList(info.unexpectedKeys)}\n` +
      `- This IS expected if you are initializing ${className} from the checkpoint of a model trained on another task or with another architecture (e.g. initializing a BertForSequenceClassification model from a BertForPreTraining model).\n` +
      `- This IS NOT expected if you are initializing ${className} from the checkpoint of a model that you expect to be exactly identical (initializing a BertForSequenceClassification model from a BertForSequenceClassification model).`);
  if (info.missingKeys.length)
    out.push(`Some weights of ${className} were not initialized from the model checkpoint at ${source} and are newly initialized: ${pyList(info.missingKeys)}\n` +
      'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.');
  if (info.mismatchedKeys.length)
    out.push(`Some weights of ${className} were not initialized from the model checkpoint at ${source} and are newly initialized because the shapes did not match:\n` +
      info.mismatchedKeys.map((m) => `- ${m.key}: found shape ${torchSize(m.checkpointShape)} in the checkpoint and ${torchSize(m.modelShape)} in the model instantiated`).join('\n') +
      '\nYou should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.');
  return out;
}

/** Checks fromPretrained's option names (unknown names are errors, as Python keyword arguments). */
export function checkOptions(opts: object, who: string): void {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${who}: options must be an object`);
  for (const k of Object.keys(opts))
    if (!(OPTION_NAMES as readonly string[]).includes(k)) throw new TypeError(`${who}: unknown option '${k}' (known: ${OPTION_NAMES.join(', ')})`);
}

/** The config a fromPretrained call uses: config.json (or `opts.config`) plus the label / problem overrides. */
export async function resolveConfig(configClass: ModelClass['configClass'], dir: string, opts: FromPretrainedOptions): Promise<PretrainedConfig> {
  let config: PretrainedConfig;
  if (opts.config instanceof PretrainedConfig) {
    const given: PretrainedConfig = opts.config;
    if (!(given instanceof (configClass as unknown as typeof PretrainedConfig))) throw new ConfigError(`expected a ${configClass.name}, got a ${(given as object).constructor.name}`);
    config = given.clone();
  } else {
    const dict = await readConfigDict(dir);
    config = (configClass as unknown as { fromDict(d: Record<string, unknown>): PretrainedConfig }).fromDict(dict);
    if (opts.config) config.update(opts.config);
  }
  const upd: Record<string, unknown> = {};
  if (opts.numLabels !== undefined) upd.num_labels = opts.numLabels;
  if (opts.id2label !== undefined) upd.id2label = opts.id2label;
  if (opts.label2id !== undefined) upd.label2id = opts.label2id;
  if (opts.problemType !== undefined) upd.problem_type = opts.problemType;
  if (Object.keys(upd).length) config.update(upd);
  return config;
}

const FLOAT_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'float64'];

/**
 * HF's dtype="auto": config.json's torch_dtype (transformers 4.x) or dtype (5.x), else the dtype
 * of the checkpoint's first floating-point tensor, else float32.
 */
export function autoDtype(config: PretrainedConfig, tensors: Record<string, Tensor>): DType {
  if (config.torch_dtype) return config.torch_dtype;
  const v5 = config.extras.dtype;
  if (typeof v5 === 'string' && (FLOAT_DTYPES as readonly string[]).includes(v5)) return v5 as DType;
  return Object.values(tensors).find((t) => FLOAT_DTYPES.includes(t.dtype))?.dtype ?? 'float32';
}

/**
 * Casts the floating parameters and persistent buffers (what a checkpoint holds) to `dtype`, in
 * place.  Non-persistent buffers keep theirs, as with HF's dtype= (the model is built under that
 * default dtype, and RoPE's inv_freq is made in float32 explicitly, so cos/sin stay exact).
 */
export function castWeights(model: PreTrainedModel, dtype: DType): void {
  noGrad(() => {
    for (const t of new Set(model.stateDict().values())) {
      if (!FLOAT_DTYPES.includes(t.dtype) || t.dtype === dtype) continue;
      const cast = t.to(dtype);
      t.setData(cast);
      cast.dispose();
    }
  });
}

/**
 * HF's config.name_or_path: what a model or config was loaded from (a Hub id or a folder; the
 * Trainer's model card names a Hub id as base_model).  Not enumerable: config.json stays as saved.
 */
export function setNameOrPath(config: object, nameOrPath: string): void {
  Object.defineProperty(config, '_name_or_path', { value: nameOrPath, writable: true, configurable: true, enumerable: false });
}

/** fromPretrained of a model class (see PreTrainedModel.fromPretrained). */
export async function loadPretrained<M extends PreTrainedModel>(cls: ModelClass<M>, dir: string, opts: FromPretrainedOptions = {}): Promise<M> {
  checkOptions(opts, `${cls.name}.fromPretrained`);
  const [hub, own] = splitHubOptions(opts);
  const nameOrPath = dir;
  dir = await resolvePretrained(dir, MODEL_FILES, hub); // a Hub id -> its snapshot folder
  opts = own;
  if (opts.torch_dtype !== undefined) {
    if (opts.dtype !== undefined) throw new TypeError(`${cls.name}.fromPretrained: give dtype or torch_dtype (its transformers 4.x name), not both`);
    const { torch_dtype: dtype, ...rest } = opts;
    opts = { ...rest, dtype };
  }
  if (opts.attn_implementation !== undefined) checkAttnImplementation(opts.attn_implementation, `${cls.name}.fromPretrained`);
  if (opts.dtype !== undefined && !['auto', 'float32', 'float16', 'bfloat16', 'float64'].includes(opts.dtype))
    throw new TypeError(`${cls.name}.fromPretrained: dtype must be 'float32', 'float16', 'bfloat16', 'float64' or 'auto', got '${String(opts.dtype)}'`);
  const config = await resolveConfig(cls.configClass, dir, opts);
  setNameOrPath(config, nameOrPath);
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  const requested = opts.dtype === 'auto' ? undefined : opts.dtype;
  const { tensors, file } = await loadWeights(dir, { dtype: requested });
  try {
    const dtype: DType = opts.dtype === 'auto' ? autoDtype(config, tensors) : requested ?? 'float32';
    const model = new cls(config as never);
    if (opts.attn_implementation !== undefined) model.attnImplementation = opts.attn_implementation;
    if (dtype !== 'float32') castWeights(model, dtype);
    const info = loadStateIntoModel(model, tensors, { ignoreMismatchedSizes: opts.ignoreMismatchedSizes });
    for (const w of loadingWarnings(cls.name, dir, info)) warn(w);
    model.loadingInfo = { ...info, file };
    if (opts.device && opts.device !== 'cpu') model.to(opts.device);
    model.eval(); // as transformers: fromPretrained returns the model in eval mode
    return model;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
