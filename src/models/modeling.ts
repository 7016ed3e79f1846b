// modeling.ts — PreTrainedModel (transformers' modeling_utils.PreTrainedModel, the parts a
// fine-tuning workflow needs): HF's _init_weights / post_init, tied weights, input / output
// embeddings and resize_token_embeddings (utils/embeddings.ts), gradient checkpointing
// (utils/gradient-checkpointing.ts), savePretrained, fromPretrained / fromConfig.  The forward
// input / output types and checks are in inputs.ts.
import { mkdir } from 'node:fs/promises';
import { safetensors, type Tensor, type DType, type Device } from '../torch/index.js';
import { Module, Linear, Embedding, LayerNorm, init, parameter, checkAttnImplementation, withEagerAttention, type AttnImplementation } from '../nn/index.js';
import { PretrainedConfig, type ConfigClass } from './config/pretrained.js';
import { loadPretrained, type FromPretrainedOptions, type LoadingInfo } from './loading/pretrained.js';
import type { EncoderInputs, InputLimits } from './inputs.js';
import {
  INPUT_EMBEDDING_PATHS, submodule, targetSize, resizeEmbedding, resizeLinearRows, adjustTiedBias, type ResizeOptions,
} from './utils/embeddings.js';
import { finishCheckpointedBackward, clearCheckpoints } from './utils/gradient-checkpointing.js';
import { pushFolderToHub, type CommitInfo, type UploadOptions } from '../hub/index.js';

export {
  checkInputs, markChecked,
  type EncoderInputs, type LabeledInputs, type QuestionAnsweringInputs, type BaseModelOutput, type ClassifierOutput,
  type SequenceClassifierOutput, type TokenClassifierOutput, type MaskedLMOutput, type QuestionAnsweringOutput, type InputLimits,
} from './inputs.js';

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

  #attn: AttnImplementation = 'sdpa';

  constructor(config: C) {
    super();
    this.config = config;
    // HF's attn_implementation: 'eager' runs every attention() of this forward (and of the models
    // it calls) on the explicit math path; 'sdpa' (default) on libtorch's scaled_dot_product_attention
    const scoped = this.forward as (...a: unknown[]) => unknown;
    Object.defineProperty(this, 'forward', {
      value: (...args: unknown[]) => (this.#attn === 'eager' ? withEagerAttention(() => scoped(...args)) : scoped(...args)),
      writable: true, configurable: true, enumerable: false,
    });
  }

  /**
   * HF's attn_implementation ('sdpa' or 'eager'; fromPretrained's `attn_implementation` option):
   * the same numbers up to float rounding; 'eager' materialises the (B, H, T, T) weights.
   */
  get attnImplementation(): AttnImplementation { return this.#attn; }
  set attnImplementation(v: AttnImplementation) { this.#attn = checkAttnImplementation(v, this.constructor.name); }

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

  /**
   * The limits forward() checks its inputs against (see checkInputs): the base models read them
   * off their embedding tables; a head model uses its base model's; undefined: no checks.
   */
  inputLimits(): InputLimits | undefined {
    const base = this.baseModel;
    return base !== this && base instanceof PreTrainedModel ? base.inputLimits() : undefined;
  }

  /** Names forward() accepts (see the static inputNames). */
  get inputNames(): readonly string[] {
    return (this.constructor as typeof PreTrainedModel).inputNames;
  }
  /**
   * HF's model_accepts_loss_kwargs: forward takes `num_items_in_batch` (causal LMs) and divides its
   * summed token loss by it, so the Trainer does not divide by gradient_accumulation_steps again.
   */
  get acceptsLossKwargs(): boolean {
    return this.inputNames.includes('num_items_in_batch');
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
    if (this.headUntied || owner.weight === source) return;
    const old = owner.weight;
    owner.weight = source;
    old.dispose();
  }

  /** Set by untieOutputEmbeddings: tieWeights() leaves the head alone from then on. */
  private headUntied = false;

  /**
   * Gives the output head a weight of its own (a copy of the embeddings it was tied to), and keeps
   * later tieWeights() calls from tying it again.  The loader calls it where transformers 5 does: the
   * config ties the head, but the checkpoint holds the head and the embeddings with different values
   * (an mT5 head saved by transformers 5, whose MT5Config always says tie_word_embeddings true).
   * Returns false when the head was not tied to the input embeddings.
   */
  untieOutputEmbeddings(): boolean {
    const head = this.getOutputEmbeddings();
    if (!head) return false;
    let emb: Embedding;
    try { emb = this.getInputEmbeddings(); } catch { return false; }
    if (head.weight !== emb.weight) return false;
    this.headUntied = true;
    const old = head.weight;
    head.weight = parameter(old.detach().clone(), old.requiresGrad);
    return true;
  }

  // ---- embeddings (HF EmbeddingAccessMixin, resize_token_embeddings) ----

  /** Dotted path of the input embeddings where none of the usual ones fits (HF _input_embed_layer). */
  static readonly inputEmbeddingsPath: string | null = null;
  /** Dotted path of the output projection over the vocabulary (default: `lm_head` when it is a Linear). */
  static readonly outputEmbeddingsPath: string | null = null;

  /**
   * The word-embedding table (HF get_input_embeddings): the class's inputEmbeddingsPath, else the
   * first of embed_tokens / embeddings.word_embeddings / wte / decoder.embed_tokens / shared, else
   * the base model's.
   * @throws Error when the model has none
   */
  getInputEmbeddings(): Embedding {
    const own = (this.constructor as typeof PreTrainedModel).inputEmbeddingsPath;
    for (const path of own ? [own, ...INPUT_EMBEDDING_PATHS] : INPUT_EMBEDDING_PATHS) {
      const m = submodule(this, path);
      if (m instanceof Embedding) return m;
    }
    const base = this.baseModel;
    if (base !== this && base instanceof PreTrainedModel) return base.getInputEmbeddings();
    throw new Error(`getInputEmbeddings is not handled for ${this.constructor.name}; set its static inputEmbeddingsPath`);
  }

  /** The output projection over the vocabulary (lm_head, MLM decoder), or null for models without one (HF get_output_embeddings). */
  getOutputEmbeddings(): Linear | null {
    const m = submodule(this, (this.constructor as typeof PreTrainedModel).outputEmbeddingsPath ?? 'lm_head');
    return m instanceof Linear ? m : null;
  }

  /**
   * HF resize_token_embeddings: resizes the input embeddings to `newNumTokens` rows (rounded up to
   * padToMultipleOf), keeping the old rows; added rows come from N(mean, 1e-9 · cov) of the old
   * rows (meanResizing, default) or the model's normal init.  An untied output head is resized the
   * same way (its bias from the old bias' mean); a tied one follows the embeddings (its bias padded
   * with zeros).  config.vocab_size is updated.  Parameters keep their identity (data swapped in
   * place); their stale gradients are cleared — resize before building the optimizer, and free
   * tensors that still hold a graph over the old weights before the next backward (libtorch keeps
   * the old shape in their gradient accumulator).  Without a size or padToMultipleOf, returns the
   * embeddings unchanged.
   * @example model.resizeTokenEmbeddings(tokenizer.vocabSize, { padToMultipleOf: 64 });
   */
  resizeTokenEmbeddings(newNumTokens?: number | null, opts: ResizeOptions = {}): Embedding {
    for (const k of Object.keys(opts)) if (k !== 'padToMultipleOf' && k !== 'meanResizing') throw new TypeError(`resizeTokenEmbeddings: unknown option '${k}'`);
    const emb = this.getInputEmbeddings();
    const n = targetSize(emb.numEmbeddings, newNumTokens, opts.padToMultipleOf);
    if (n === null) return emb;
    const mean = opts.meanResizing ?? true, init = (m: Module): void => this.initModule(m);
    const out = this.getOutputEmbeddings();
    const tied = out !== null && out.weight === emb.weight;
    resizeEmbedding(emb, n, mean, init); // (V, D) -> (n, D), in place
    if (out && !tied) resizeLinearRows(out, n, mean, init);
    (this.config as unknown as { vocab_size: number }).vocab_size = n;
    this.tieWeights();
    const head = this.getOutputEmbeddings();
    if (head && head.weight === emb.weight) adjustTiedBias(head);
    return emb;
  }

  // ---- gradient checkpointing (HF gradient_checkpointing_enable; utils/gradient-checkpointing.ts) ----

  /**
   * Checkpoints the transformer layers (every `everyNLayers`-th, default all): in training with
   * grad enabled their activations are not kept but recomputed in the backward, and a decoder's
   * use_cache is turned off (HF).  The backward then has two parts: call `model.backward(loss)`
   * instead of `loss.backward()` — or `model.finishCheckpointedBackward()` right after it.
   * (libtorch runs the backward natively and the addon has no hook to run the recomputation inside it.)
   * @throws Error when the model has no checkpointable layers (HF's ValueError)
   */
  gradientCheckpointingEnable(opts: { everyNLayers?: number } = {}): void {
    const every = opts.everyNLayers ?? 1;
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`gradientCheckpointingEnable: everyNLayers must be a positive integer, got ${every}`);
    let i = 0;
    for (const m of this.modules())
      if ('gradientCheckpointing' in m) (m as unknown as { gradientCheckpointing: boolean }).gradientCheckpointing = i++ % every === 0;
    if (i === 0) throw new Error(`${this.constructor.name} does not support gradient checkpointing.`);
  }
  /** Turns checkpointing off (pending recomputations are dropped). */
  gradientCheckpointingDisable(): void {
    for (const m of this.modules()) if ('gradientCheckpointing' in m) (m as unknown as { gradientCheckpointing: boolean }).gradientCheckpointing = false;
    clearCheckpoints();
  }
  /** Whether any layer is checkpointed (HF is_gradient_checkpointing). */
  get isGradientCheckpointing(): boolean {
    return this.modules().some((m) => (m as unknown as { gradientCheckpointing?: boolean }).gradientCheckpointing === true);
  }
  /**
   * `loss.backward(gradient)`, then the recomputation of checkpointed layers (a plain backward when
   * checkpointing is off).
   */
  backward(loss: Tensor, gradient?: Tensor): void {
    loss.backward(gradient);
    finishCheckpointedBackward();
  }
  /** Backpropagates through the checkpointed layers after a plain `loss.backward()`; a no-op when none are pending. */
  finishCheckpointedBackward(): void {
    finishCheckpointedBackward();
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
    // a head the checkpoint untied (untieOutputEmbeddings) is written as untied, so transformers 4 reads it
    // untied too (5 unties it by its values either way) — unless tie_word_embeddings also means T5's rescaling
    const c = config as unknown as { scalesDecoderOutput?: boolean; tieImpliesRescale?: boolean };
    const rescales = c.scalesDecoderOutput === true;
    let headCopyKey: string | null = null;
    if (config.tie_word_embeddings && !rescales) {
      if (this.headUntied) config.tie_word_embeddings = false;
      else if (c.tieImpliesRescale === true) {
        // T5 / mT5 with a tied head that is not rescaled (transformers 5's): 4.x would read
        // tie_word_embeddings true as rescaling, so write the head as its own key holding the same values
        // with tie_word_embeddings false — 4.x then runs it untied and unscaled, 5.x (and the loader here)
        // ties it again, the values being equal
        const head = this.getOutputEmbeddings();
        const name = head ? this.namedModules().find(([, m]) => m === head)?.[0] : undefined;
        if (name !== undefined) {
          config.tie_word_embeddings = false;
          headCopyKey = `${name}.weight`;
        }
      }
    }
    const dt = this.dtype;
    if (dt === 'float32' || dt === 'float16' || dt === 'bfloat16' || dt === 'float64') config.torch_dtype = dt;
    const seen = new Set<Tensor>();
    const entries: [string, Tensor][] = [];
    for (const [name, t] of this.stateDict()) {
      if (seen.has(t) && name !== headCopyKey) continue;
      seen.add(t);
      entries.push([name, t]);
    }
    await safetensors.saveSharded(entries, dir, { maxShardSize: opts.maxShardSize, metadata: { format: 'pt' } });
    await config.savePretrained(dir);
  }

  /**
   * transformers' push_to_hub: savePretrained into a temp folder, uploaded to a Hub repo in one
   * commit (created when missing).  Options: commitMessage (default 'Upload model'), token,
   * revision, private, maxShardSize...
   * @example await model.pushToHub('me/tiny-llama', { commitMessage: 'epoch 3' });
   */
  async pushToHub(repoId: string, opts: UploadOptions & SavePretrainedOptions = {}): Promise<CommitInfo> {
    const { maxShardSize, ...upload } = opts;
    return pushFolderToHub(repoId, (dir) => this.savePretrained(dir, maxShardSize === undefined ? {} : { maxShardSize }), { commitMessage: 'Upload model', ...upload });
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
