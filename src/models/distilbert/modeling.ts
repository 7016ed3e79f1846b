// modeling.ts — DistilBERT (transformers/models/distilbert/modeling_distilbert.py, eager
// attention): word + position embeddings (no token types), post-LayerNorm blocks with
// q_lin/k_lin/v_lin/out_lin around the shared attention(); sequence / token classification and QA
// are the shared heads of ../heads, masked LM is DistilBERT's own.  Attribute
// names are HF's state-dict paths (`transformer.layer.0.attention.q_lin.weight`).
import { arange, tensor, noGrad, type Tensor } from '../../torch/index.js';
import {
  Module, ModuleList, Linear, Embedding, LayerNorm, Dropout,
  attention, splitHeads, mergeHeads, getActivation,
} from '../../nn/index.js';
import {
  PreTrainedModel, checkInputs, markChecked,
  type BaseModelOutput, type InputLimits, type EncoderInputs, type LabeledInputs, type ClassifierOutput,
} from '../modeling.js';
import {
  ForSequenceClassification, ForTokenClassification, ForQuestionAnswering, linearClassifier, preClassifier,
  tokenClassificationLoss, baseInputs, withExtras,
} from '../heads.js';
import { checkLength, embeddingLimits } from '../bert/modeling.js';
import { maybeCheckpoint } from '../utils/gradient-checkpointing.js';
import { encoderPaddingMask } from '../inputs.js';
import { DistilBertConfig, type DistilBertFieldValues } from './configuration.js';

/** DistilBertModel's forward inputs (no token_type_ids / position_ids, as HF). */
export const DISTILBERT_INPUTS = ['input_ids', 'attention_mask', 'inputs_embeds', 'output_hidden_states'] as const;
const LABELED = [...DISTILBERT_INPUTS, 'labels'] as const;

/** HF create_sinusoidal_embeddings: sin on even, cos on odd columns (computed in float64). */
export function sinusoidalEmbeddings(nPos: number, dim: number): Tensor {
  const out = new Float32Array(nPos * dim);
  for (let pos = 0; pos < nPos; pos++)
    for (let j = 0; j < dim; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      out[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  return tensor(out, { shape: [nPos, dim] }); // (P, D)
}

/** `embeddings`: word + position embeddings, LayerNorm (eps 1e-12), dropout. */
export class Embeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  /** (1, P) int64 0..P-1, non-persistent buffer */
  declare position_ids: Tensor;

  constructor(c: DistilBertFieldValues & { pad_token_id: number | null }) {
    super();
    this.word_embeddings = new Embedding(c.vocab_size, c.dim, { paddingIdx: c.pad_token_id ?? undefined });
    this.position_embeddings = new Embedding(c.max_position_embeddings, c.dim);
    this.LayerNorm = new LayerNorm(c.dim, { eps: 1e-12 });
    this.dropout = new Dropout(c.dropout);
    this.registerBuffer('position_ids', arange(c.max_position_embeddings).unsqueeze(0), { persistent: false });
  }
  /** ids (B, T) or inputs_embeds (B, T, D) -> (B, T, D) */
  forward(inputs: EncoderInputs): Tensor {
    const words = inputs.inputs_embeds ?? this.word_embeddings.forward(inputs.input_ids!); // (B, T, D)
    const t = words.size(1);
    checkLength(t, this.position_embeddings.numEmbeddings, 'DistilBERT Embeddings');
    const h = words.add(this.position_embeddings.forward(this.position_ids.slice(1, 0, t))); // (B, T, D)
    return this.dropout.forward(this.LayerNorm.forward(h)); // (B, T, D)
  }
}

/** MultiHeadSelfAttention: q_lin/k_lin/v_lin/out_lin around the shared attention(). */
export class MultiHeadSelfAttention extends Module {
  dropout: Dropout;
  q_lin: Linear;
  k_lin: Linear;
  v_lin: Linear;
  out_lin: Linear;
  readonly numHeads: number;
  constructor(c: DistilBertFieldValues) {
    super();
    this.numHeads = c.n_heads;
    this.dropout = new Dropout(c.attention_dropout);
    this.q_lin = new Linear(c.dim, c.dim);
    this.k_lin = new Linear(c.dim, c.dim);
    this.v_lin = new Linear(c.dim, c.dim);
    this.out_lin = new Linear(c.dim, c.dim);
  }
  /**
   * x: (B, T, D), mask: additive (B, 1, 1, T) or null -> (B, T, D).  HF scales q before q k^T
   * and uses masked_fill(min) where BERT adds (1 - mask) * min; both equal attention() up to
   * float rounding (score + min rounds to min in float32).
   */
  forward(x: Tensor, mask: Tensor | null): Tensor {
    const q = splitHeads(this.q_lin.forward(x), this.numHeads); // (B, nH, T, hD)
    const k = splitHeads(this.k_lin.forward(x), this.numHeads); // (B, nH, T, hD)
    const v = splitHeads(this.v_lin.forward(x), this.numHeads); // (B, nH, T, hD)
    const ctx = attention(q, k, v, { mask, dropoutP: this.dropout.p, training: this.training }); // (B, nH, T, hD)
    return this.out_lin.forward(mergeHeads(ctx)); // (B, T, D)
  }
}

/** `ffn`: lin1 (D -> hidden_dim), activation, lin2 (-> D), dropout. */
export class FFN extends Module {
  dropout: Dropout;
  lin1: Linear;
  lin2: Linear;
  readonly act: (x: Tensor) => Tensor;
  constructor(c: DistilBertFieldValues) {
    super();
    this.dropout = new Dropout(c.dropout);
    this.lin1 = new Linear(c.dim, c.hidden_dim);
    this.lin2 = new Linear(c.hidden_dim, c.dim);
    this.act = getActivation(c.activation);
  }
  /** (B, T, D) -> (B, T, D) */
  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.lin2.forward(this.act(this.lin1.forward(x))));
  }
}

/** One post-LayerNorm block: attention + sa_layer_norm, ffn + output_layer_norm (eps 1e-12). */
export class TransformerBlock extends Module {
  /** Recompute this block in the backward (PreTrainedModel.gradientCheckpointingEnable). */
  gradientCheckpointing = false;
  attention: MultiHeadSelfAttention;
  sa_layer_norm: LayerNorm;
  ffn: FFN;
  output_layer_norm: LayerNorm;
  constructor(c: DistilBertFieldValues) {
    super();
    this.attention = new MultiHeadSelfAttention(c);
    this.sa_layer_norm = new LayerNorm(c.dim, { eps: 1e-12 });
    this.ffn = new FFN(c);
    this.output_layer_norm = new LayerNorm(c.dim, { eps: 1e-12 });
  }
  /** (B, T, D) -> (B, T, D) */
  forward(x: Tensor, mask: Tensor | null): Tensor {
    const sa = this.sa_layer_norm.forward(this.attention.forward(x, mask).add(x)); // (B, T, D)
    return this.output_layer_norm.forward(this.ffn.forward(sa).add(sa)); // (B, T, D)
  }
}

/** `transformer.layer.N`. */
export class Transformer extends Module {
  layer: ModuleList<TransformerBlock>;
  constructor(c: DistilBertFieldValues) {
    super();
    this.layer = new ModuleList(Array.from({ length: c.n_layers }, () => new TransformerBlock(c)));
  }
  /** (B, T, D) -> (B, T, D); appends each layer's output to `hidden` when given. */
  forward(x: Tensor, mask: Tensor | null, hidden?: Tensor[]): Tensor {
    let h = x;
    let i = 0;
    for (const layer of this.layer) {
      h = maybeCheckpoint(layer, (y, [m]) => layer.forward(y, m ?? null), h, [mask], { first: i++ === 0, cacheFree: true, dropInput: !hidden && h !== x }); // (B, T, D)
      hidden?.push(h);
    }
    return h;
  }
}

/** Shared base: config class, `distilbert.` prefix, HF's _init_weights (+ sinusoidal positions). */
export abstract class DistilBertPreTrainedModel extends PreTrainedModel<DistilBertConfig> {
  static override readonly configClass = DistilBertConfig;
  static override readonly baseModelPrefix: string = 'distilbert';
  protected override initModule(m: Module): void {
    super.initModule(m);
    if (m instanceof Embeddings && this.config.sinusoidal_pos_embds) {
      const w = m.position_embeddings.weight;
      noGrad(() => {
        const s = sinusoidalEmbeddings(w.size(0), w.size(1));
        w.copy_(s);
        s.dispose();
      });
      w.requiresGrad_(false); // fixed, as HF's create_sinusoidal_embeddings
    }
  }
}

/** The bare DistilBERT encoder: forward -> { last_hidden_state (B, T, D), hidden_states? }. */
export class DistilBertModel extends DistilBertPreTrainedModel {
  static override readonly inputNames: readonly string[] = DISTILBERT_INPUTS;
  embeddings: Embeddings;
  transformer: Transformer;
  constructor(config: DistilBertConfig) {
    super(config);
    this.embeddings = new Embeddings(config);
    this.transformer = new Transformer(config);
    this.postInit();
  }
  override inputLimits(): InputLimits {
    return embeddingLimits(this.embeddings);
  }
  forward(inputs: EncoderInputs): BaseModelOutput {
    checkInputs(inputs, DISTILBERT_INPUTS, this.constructor.name, this.inputLimits());
    const x = this.embeddings.forward(inputs); // (B, T, D)
    const mask = encoderPaddingMask(inputs.attention_mask, x.dtype); // (B, 1, 1, T), or null when nothing is padded
    const hidden = inputs.output_hidden_states ? [x] : undefined;
    const last = this.transformer.forward(x, mask, hidden); // (B, T, D)
    return hidden ? { last_hidden_state: last, hidden_states: hidden } : { last_hidden_state: last };
  }
}

/** First token -> pre_classifier -> ReLU -> dropout -> classifier: logits (B, num_labels). */
export class DistilBertForSequenceClassification extends ForSequenceClassification(DistilBertPreTrainedModel, {
  base: (c: DistilBertConfig) => new DistilBertModel(c),
  inputs: DISTILBERT_INPUTS,
  pooling: 'first',
  classifier: preClassifier((c: DistilBertConfig) => ({ hidden: c.dim, out: c.num_labels, dropout: c.seq_classif_dropout })),
}) {
  declare distilbert: DistilBertModel;
  declare pre_classifier: Linear;
  declare classifier: Linear;
  declare dropout: Dropout;
}

/** Per-token classifier: logits (B, T, num_labels); labels (B, T), -100 ignored. */
export class DistilBertForTokenClassification extends ForTokenClassification(DistilBertPreTrainedModel, {
  base: (c: DistilBertConfig) => new DistilBertModel(c),
  inputs: DISTILBERT_INPUTS,
  classifier: linearClassifier('classifier', (c: DistilBertConfig) => ({ in: c.dim, out: c.num_labels, dropout: c.dropout })),
}) {
  declare distilbert: DistilBertModel;
  declare dropout: Dropout;
  declare classifier: Linear;
}

/** Extractive QA: dropout(qa_dropout) -> qa_outputs (D -> 2) -> start/end logits (B, T). */
export class DistilBertForQuestionAnswering extends ForQuestionAnswering(DistilBertPreTrainedModel, {
  base: (c: DistilBertConfig) => {
    if (c.num_labels !== 2) throw new RangeError(`config.num_labels should be 2, but it is ${c.num_labels}`);
    return new DistilBertModel(c);
  },
  inputs: DISTILBERT_INPUTS,
  classifier: linearClassifier('qa_outputs', (c: DistilBertConfig) => ({ in: c.dim, out: c.num_labels, dropout: c.qa_dropout }), { dropoutFirst: false }),
}) {
  declare distilbert: DistilBertModel;
  declare qa_outputs: Linear;
  declare dropout: Dropout;
}

/**
 * Masked LM: vocab_transform -> activation -> vocab_layer_norm -> vocab_projector, whose weight
 * is the word-embedding matrix (tie_word_embeddings) and whose bias is its own.
 */
export class DistilBertForMaskedLM extends DistilBertPreTrainedModel {
  static override readonly inputNames: readonly string[] = LABELED;
  static override readonly outputEmbeddingsPath: string = 'vocab_projector';
  readonly act: (x: Tensor) => Tensor;
  distilbert: DistilBertModel;
  vocab_transform: Linear;
  vocab_layer_norm: LayerNorm;
  vocab_projector: Linear;
  constructor(config: DistilBertConfig) {
    super(config);
    this.act = getActivation(config.activation);
    this.distilbert = new DistilBertModel(config);
    this.vocab_transform = new Linear(config.dim, config.dim);
    this.vocab_layer_norm = new LayerNorm(config.dim, { eps: 1e-12 });
    this.vocab_projector = new Linear(config.dim, config.vocab_size);
    this.postInit();
  }
  override tieWeights(): void {
    if (this.config.tie_word_embeddings) this.tie(this.vocab_projector, this.distilbert.embeddings.word_embeddings.weight);
  }
  forward(inputs: LabeledInputs): ClassifierOutput {
    checkInputs(inputs, LABELED, this.constructor.name, this.inputLimits());
    const out = this.distilbert.forward(markChecked(baseInputs(inputs, 'labels')));
    const h = this.vocab_layer_norm.forward(this.act(this.vocab_transform.forward(out.last_hidden_state))); // (B, T, D)
    const logits = this.vocab_projector.forward(h); // (B, T, V)
    const loss = inputs.labels ? tokenClassificationLoss(logits, inputs.labels) : undefined;
    return withExtras({ logits }, loss, out.hidden_states);
  }
}
