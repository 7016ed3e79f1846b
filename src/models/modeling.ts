// modeling.ts — PreTrainedModel (transformers' modeling_utils.PreTrainedModel, the parts a
// fine-tuning workflow needs): HF's _init_weights / post_init, tied weights, savePretrained,
// fromPretrained / fromConfig, and the input / output shapes every model's forward shares.
import { mkdir } from 'node:fs/promises';
import { safetensors, type Tensor, type DType, type Device } from '../torch/index.js';
import { Module, Linear, Embedding, LayerNorm, init } from '../nn/index.js';
import { PretrainedConfig, type ConfigClass } from './config/pretrained.js';
import { loadPretrained, type FromPretrainedOptions, type LoadingInfo } from './loading/pretrained.js';

// ---- inputs and outputs (HF's argument and ModelOutput field names) ----

/** What an encoder's forward takes: HF's keyword arguments, as tensors. */
export interface EncoderInputs {
  /** (B, T) int64 token ids (or give inputs_embeds). */
  input_ids?: Tensor | null;
  /** (B, T): 1 = token, 0 = padding (default all ones).  Any integer / float / bool dtype. */
  attention_mask?: Tensor | null;
  /** (B, T) int64 segment ids (default zeros). */
  token_type_ids?: Tensor | null;
  /** (B, T) int64 positions (default 0..T-1; RoBERTa: derived from the padding). */
  position_ids?: Tensor | null;
  /** (B, T, H) input vectors instead of input_ids. */
  inputs_embeds?: Tensor | null;
  /** Also return every layer's hidden states (embeddings output first). */
  output_hidden_states?: boolean;
}
/** Inputs of the classification and masked-LM heads. */
export interface LabeledInputs extends EncoderInputs {
  /**
   * Sequence classification: (B) int64 class ids (single-label), (B, num_labels) multi-hot
   * (multi-label) or (B) / (B, num_labels) floats (regression).  Token classification and MLM:
   * (B, T) int64 with -100 where ignored.
   */
  labels?: Tensor | null;
}
/** Inputs of the extractive question-answering head. */
export interface QuestionAnsweringInputs extends EncoderInputs {
  /** (B) int64 answer start token; values outside [0, T) are clamped to T and ignored. */
  start_positions?: Tensor | null;
  /** (B) int64 answer end token (same rule). */
  end_positions?: Tensor | null;
}

/** Output of a base model (HF BaseModelOutputWithPooling). */
export interface BaseModelOutput {
  /** (B, T, H) */
  last_hidden_state: Tensor;
  /** (B, H): tanh(dense(first token)), only where the model has a pooler. */
  pooler_output?: Tensor;
  /** L + 1 tensors (B, T, H): embeddings output, then each layer's output. */
  hidden_states?: Tensor[];
}
/** Output of the classification / MLM heads (HF SequenceClassifierOutput etc.). */
export interface ClassifierOutput {
  /** 0-d loss, when labels were given. */
  loss?: Tensor;
  /** (B, num_labels) sequence classification; (B, T, num_labels) token classification; (B, T, V) MLM. */
  logits: Tensor;
  hidden_states?: Tensor[];
}
export type SequenceClassifierOutput = ClassifierOutput;
export type TokenClassifierOutput = ClassifierOutput;
export type MaskedLMOutput = ClassifierOutput;
/** Output of the question-answering head (HF QuestionAnsweringModelOutput). */
export interface QuestionAnsweringOutput {
  /** 0-d (start CE + end CE) / 2, when both positions were given. */
  loss?: Tensor;
  /** (B, T) */
  start_logits: Tensor;
  /** (B, T) */
  end_logits: Tensor;
  hidden_states?: Tensor[];
}

/**
 * Rejects keys a forward does not take (as Python would with an unexpected keyword argument)
 * and checks that exactly one of input_ids / inputs_embeds is given.
 */
export function checkInputs(inputs: object, names: readonly string[], who: string): void {
  if (inputs === null || typeof inputs !== 'object') throw new TypeError(`${who}.forward: expected an object of inputs, got ${String(inputs)}`);
  for (const k of Object.keys(inputs))
    if (!names.includes(k) && (inputs as Record<string, unknown>)[k] !== undefined)
      throw new TypeError(`${who}.forward() got an unexpected input '${k}' (accepted: ${names.join(', ')})`);
  const i = inputs as EncoderInputs;
  const hasIds = i.input_ids !== undefined && i.input_ids !== null;
  const hasEmb = i.inputs_embeds !== undefined && i.inputs_embeds !== null;
  if (hasIds === hasEmb) throw new TypeError(`${who}.forward: give exactly one of input_ids and inputs_embeds`);
  const t = hasIds ? i.input_ids! : i.inputs_embeds!;
  if (t.ndim !== (hasIds ? 2 : 3)) throw new RangeError(`${who}.forward: ${hasIds ? 'input_ids must be (B, T)' : 'inputs_embeds must be (B, T, H)'}, got [${t.shape}]`);
}

// ---- the model base class ----

/** The static side of a model class, as loaders and the registry use it. */
export interface ModelClass<M extends PreTrainedModel = PreTrainedModel> {
  new (config: never): M;
  readonly name: string;
  readonly configClass: ConfigClass;
  readonly baseModelPrefix: string;
  readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[];
}

/** Options of savePretrained. */
export interface SavePretrainedOptions {
  /** Largest safetensors shard (default '5GB', as transformers); bigger models are sharded. */
  maxShardSize?: number | string;
}

/**
 * Base of every model: a Module with a `config`.  Subclasses build their HF-named submodules in
 * the constructor and end it with `this.postInit()` (HF's post_init: _init_weights on every
 * module, then tied weights).
 */
export abstract class PreTrainedModel<C extends PretrainedConfig = PretrainedConfig> extends Module {
  /** The config class this model reads. */
  static readonly configClass: ConfigClass;
  /** Attribute holding the base model in head models (`bert`, `distilbert`, `roberta`). */
  static readonly baseModelPrefix: string = '';
  /** Checkpoint keys dropped silently when unexpected (HF _keys_to_ignore_on_load_unexpected). */
  static readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [];
  /** Names forward() accepts: a trainer keeps only these batch columns (HF reads the signature). */
  static readonly inputNames: readonly string[] = [];

  /** The configuration (HF field names). */
  config: C;
  /** What fromPretrained found: missing / unexpected / mismatched keys (null if built from a config). */
  loadingInfo: LoadingInfo | null = null;

  constructor(config: C) {
    super();
    this.config = config;
  }

  /** The forward pass: HF's keyword arguments in, HF's output fields out. */
  abstract forward(inputs: EncoderInputs): unknown;

  /**
   * Label inputs of forward(), as HF's find_labels reads them off the signature: every accepted
   * name containing "label", plus QA's start/end positions.  The Trainer uses them to compute the
   * eval loss and to collect label_ids.
   */
  get labelNames(): string[] {
    return this.inputNames.filter((n) => n.includes('label') || n === 'start_positions' || n === 'end_positions');
  }

  /** Names forward() accepts (see the static inputNames). */
  get inputNames(): readonly string[] {
    return (this.constructor as typeof PreTrainedModel).inputNames;
  }
  /** The base model (`this.bert` in BertForSequenceClassification), or this model. */
  get baseModel(): Module {
    const p = (this.constructor as typeof PreTrainedModel).baseModelPrefix;
    const m = p ? (this as unknown as Record<string, unknown>)[p] : undefined;
    return m instanceof Module ? m : this;
  }
  /** dtype of the first parameter. */
  get dtype(): DType { return this.parameters()[0]!.dtype; }
  /** device of the first parameter. */
  get device(): Device { return this.parameters()[0]!.device; }

  /**
   * HF's _init_weights for the encoders: Linear and Embedding weights N(0, initializer_range),
   * biases 0, the padding row 0, LayerNorm weight 1 and bias 0.  Override to add cases.
   */
  protected initModule(m: Module): void {
    const std = (this.config as unknown as { initializer_range: number }).initializer_range;
    if (m instanceof Linear) {
      init.normal_(m.weight, 0, std);
      if (m.bias) init.zeros_(m.bias);
    } else if (m instanceof Embedding) {
      init.normal_(m.weight, 0, std);
      if (m.paddingIdx !== null) {
        const row = m.weight.select(0, m.paddingIdx); // (D) view
        init.zeros_(row);
        row.dispose();
      }
    } else if (m instanceof LayerNorm) {
      if (m.weight) init.ones_(m.weight);
      if (m.bias) init.zeros_(m.bias);
    }
  }

  /** HF post_init: initialise every module's weights, then tie weights. */
  protected postInit(): void {
    this.apply((m) => this.initModule(m));
    this.tieWeights();
  }

  /** Ties output embeddings to input embeddings where the architecture does (MLM heads). */
  tieWeights(): void {}

  /**
   * Makes `owner.weight` the same tensor as `source` (HF _tie_or_clone_weights), freeing the
   * one it replaces.
   */
  protected tie(owner: Linear, source: Tensor): void {
    if (owner.weight === source) return;
    const old = owner.weight;
    owner.weight = source;
    old.dispose();
  }

  /**
   * Writes `dir/config.json` (architectures and torch_dtype set, as HF) and `model.safetensors`
   * (metadata {format: 'pt'}; sharded with an index when larger than maxShardSize).  A tensor
   * tied to an earlier one (MLM decoder = word embeddings) is stored once, under its first
   * state-dict name.  Each file is written atomically.
   */
  async savePretrained(dir: string, opts: SavePretrainedOptions = {}): Promise<void> {
    const known = new Set(['maxShardSize']);
    for (const k of Object.keys(opts)) if (!known.has(k)) throw new TypeError(`savePretrained: unknown option '${k}' (known: ${[...known].join(', ')})`);
    await mkdir(dir, { recursive: true });
    const config = this.config.clone();
    config.architectures = [this.constructor.name];
    const dt = this.dtype;
    if (dt === 'float32' || dt === 'float16' || dt === 'bfloat16' || dt === 'float64') config.torch_dtype = dt;
    const seen = new Set<Tensor>();
    const entries: [string, Tensor][] = [];
    for (const [name, t] of this.stateDict()) {
      if (seen.has(t)) continue;
      seen.add(t);
      entries.push([name, t]);
    }
    await safetensors.saveSharded(entries, dir, { maxShardSize: opts.maxShardSize, metadata: { format: 'pt' } });
    await config.savePretrained(dir);
  }

  /**
   * Loads a checkpoint folder: config.json plus model.safetensors (or sharded safetensors, or
   * pytorch_model.bin through a restricted unpickler).  Missing, unexpected and size-mismatched
   * keys are reported as transformers does (warnings via `onWarning`, default console.warn, and
   * `model.loadingInfo`); newly initialised heads keep HF's random init.
   * @example const model = await BertForSequenceClassification.fromPretrained('bert-base-uncased', { numLabels: 3 });
   */
  static async fromPretrained<M extends PreTrainedModel>(this: ModelClass<M>, dir: string, opts: FromPretrainedOptions = {}): Promise<M> {
    return loadPretrained(this, dir, opts);
  }

  /** A randomly initialised model (HF _init_weights) for a config. */
  static fromConfig<M extends PreTrainedModel>(this: ModelClass<M>, config: PretrainedConfig): M {
    const given: unknown = config;
    if (!(given instanceof (this.configClass as unknown as typeof PretrainedConfig)))
      throw new TypeError(`${this.name}.fromConfig: expected a ${this.configClass.name}, got ${(given as object | null)?.constructor?.name ?? String(given)}`);
    return new this(config as never);
  }
}
