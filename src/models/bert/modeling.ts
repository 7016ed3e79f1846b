// modeling.ts — BERT (transformers/models/bert/modeling_bert.py, eager attention): embeddings,
// the post-LayerNorm encoder layer and the pooler, read top to bottom, then BertModel.  Every
// attribute name is the HF state-dict path (`encoder.layer.0.attention.self.query.weight`), so
// checkpoints load without key maps.  RoBERTa reuses the encoder and pooler with its own
// embeddings.  The task heads are in heads.ts.
import { arange, zeros, type Tensor } from '../../torch/index.js';
import {
  Module, ModuleList, Linear, Embedding, LayerNorm, Dropout, Tanh,
  attention, splitHeads, mergeHeads, getActivation,
} from '../../nn/index.js';
import { PreTrainedModel, checkInputs, type BaseModelOutput, type EncoderInputs, type InputLimits } from '../modeling.js';
import { BertConfig, type BertFieldValues } from './configuration.js';
import { maybeCheckpoint } from '../utils/gradient-checkpointing.js';
import { encoderPaddingMask } from '../inputs.js';

/** The forward inputs of BertModel (HF's argument names). */
export const BERT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids', 'inputs_embeds', 'output_hidden_states'] as const;

/** Fails clearly instead of an index error deep in an embedding lookup. */
export function checkLength(t: number, max: number, who: string): void {
  if (t > max) throw new RangeError(`${who}: sequence length ${t} exceeds max_position_embeddings ${max}; truncate the inputs`);
}

/** Word + token-type + position embeddings, then LayerNorm and dropout. */
export class BertEmbeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  token_type_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  /** (1, max_position_embeddings) int64 0..P-1, non-persistent buffer (as HF) */
  declare position_ids: Tensor;
  /** (1, max_position_embeddings) int64 zeros: the default token_type_ids */
  declare token_type_ids: Tensor;

  constructor(c: BertFieldValues & { pad_token_id: number | null }) {
    super();
    this.word_embeddings = new Embedding(c.vocab_size, c.hidden_size, { paddingIdx: c.pad_token_id ?? undefined });
    this.position_embeddings = new Embedding(c.max_position_embeddings, c.hidden_size);
    this.token_type_embeddings = new Embedding(c.type_vocab_size, c.hidden_size);
    this.LayerNorm = new LayerNorm(c.hidden_size, { eps: c.layer_norm_eps });
    this.dropout = new Dropout(c.hidden_dropout_prob);
    this.registerBuffer('position_ids', arange(c.max_position_embeddings).unsqueeze(0), { persistent: false });
    this.registerBuffer('token_type_ids', zeros([1, c.max_position_embeddings], { dtype: 'int64' }), { persistent: false });
  }

  /** ids (B, T) or inputs_embeds (B, T, H) -> (B, T, H) */
  forward(inputs: EncoderInputs): Tensor {
    const { input_ids: ids, inputs_embeds: emb } = inputs;
    const [b, t] = (ids ?? emb!).shape as [number, number];
    checkLength(t, this.position_embeddings.numEmbeddings, 'BertEmbeddings');
    const positions = inputs.position_ids ?? this.position_ids.slice(1, 0, t); // (1, T)
    const types = inputs.token_type_ids ?? this.token_type_ids.slice(1, 0, t).expand(b, t); // (B, T)
    const words = emb ?? this.word_embeddings.forward(ids!); // (B, T, H)
    const h = words.add(this.token_type_embeddings.forward(types)).add(this.position_embeddings.forward(positions)); // (B, T, H)
    return this.dropout.forward(this.LayerNorm.forward(h)); // (B, T, H)
  }
}

/** Multi-head self-attention: query/key/value projections around the shared attention(). */
export class BertSelfAttention extends Module {
  query: Linear;
  key: Linear;
  value: Linear;
  dropout: Dropout;
  readonly numHeads: number;

  constructor(c: BertFieldValues) {
    super();
    this.numHeads = c.num_attention_heads;
    this.query = new Linear(c.hidden_size, c.hidden_size);
    this.key = new Linear(c.hidden_size, c.hidden_size);
    this.value = new Linear(c.hidden_size, c.hidden_size);
    this.dropout = new Dropout(c.attention_probs_dropout_prob);
  }
  /** x: (B, T, H), mask: additive (B, 1, 1, T) or null -> (B, T, H) */
  forward(x: Tensor, mask: Tensor | null): Tensor {
    const q = splitHeads(this.query.forward(x), this.numHeads); // (B, nH, T, hD)
    const k = splitHeads(this.key.forward(x), this.numHeads); // (B, nH, T, hD)
    const v = splitHeads(this.value.forward(x), this.numHeads); // (B, nH, T, hD)
    const ctx = attention(q, k, v, { mask, dropoutP: this.dropout.p, training: this.training }); // (B, nH, T, hD)
    return mergeHeads(ctx); // (B, T, H)
  }
}

/** dense -> dropout -> LayerNorm(· + residual): BertSelfOutput and BertOutput. */
export class BertSelfOutput extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  constructor(c: BertFieldValues, inFeatures = c.hidden_size) {
    super();
    this.dense = new Linear(inFeatures, c.hidden_size);
    this.LayerNorm = new LayerNorm(c.hidden_size, { eps: c.layer_norm_eps });
    this.dropout = new Dropout(c.hidden_dropout_prob);
  }
  /** h: (B, T, in), residual: (B, T, H) -> (B, T, H) */
  forward(h: Tensor, residual: Tensor): Tensor {
    const y = this.dropout.forward(this.dense.forward(h)); // (B, T, H)
    return this.LayerNorm.forward(y.add(residual)); // (B, T, H)
  }
}

/** `attention.self` + `attention.output`. */
export class BertAttention extends Module {
  self: BertSelfAttention;
  output: BertSelfOutput;
  constructor(c: BertFieldValues) {
    super();
    this.self = new BertSelfAttention(c);
    this.output = new BertSelfOutput(c);
  }
  /** x: (B, T, H) -> (B, T, H) */
  forward(x: Tensor, mask: Tensor | null): Tensor {
    return this.output.forward(this.self.forward(x, mask), x);
  }
}

/** dense H -> I, then hidden_act. */
export class BertIntermediate extends Module {
  dense: Linear;
  readonly act: (x: Tensor) => Tensor;
  constructor(c: BertFieldValues) {
    super();
    this.dense = new Linear(c.hidden_size, c.intermediate_size);
    this.act = getActivation(c.hidden_act);
  }
  /** (B, T, H) -> (B, T, I) */
  forward(x: Tensor): Tensor {
    return this.act(this.dense.forward(x));
  }
}

/** The FFN output: dense I -> H, dropout, LayerNorm(· + residual) — BertSelfOutput's shape. */
export class BertOutput extends BertSelfOutput {
  constructor(c: BertFieldValues) {
    super(c, c.intermediate_size);
  }
}

/** One post-LayerNorm transformer layer: attention, then the feed-forward block. */
export class BertLayer extends Module {
  /** Recompute this layer in the backward (PreTrainedModel.gradientCheckpointingEnable). */
  gradientCheckpointing = false;
  attention: BertAttention;
  intermediate: BertIntermediate;
  output: BertOutput;
  constructor(c: BertFieldValues) {
    super();
    this.attention = new BertAttention(c);
    this.intermediate = new BertIntermediate(c);
    this.output = new BertOutput(c);
  }
  /** (B, T, H) -> (B, T, H) */
  forward(x: Tensor, mask: Tensor | null): Tensor {
    const a = this.attention.forward(x, mask); // (B, T, H)
    return this.output.forward(this.intermediate.forward(a), a); // (B, T, H)
  }
}

/** `encoder.layer.N`. */
export class BertEncoder extends Module {
  layer: ModuleList<BertLayer>;
  constructor(c: BertFieldValues) {
    super();
    this.layer = new ModuleList(Array.from({ length: c.num_hidden_layers }, () => new BertLayer(c)));
  }
  /** (B, T, H) -> (B, T, H); appends each layer's output to `hidden` when given. */
  forward(x: Tensor, mask: Tensor | null, hidden?: Tensor[]): Tensor {
    let h = x;
    let i = 0;
    for (const layer of this.layer) {
      h = maybeCheckpoint(layer, (y, [m]) => layer.forward(y, m ?? null), h, [mask], { first: i++ === 0, cacheFree: true, dropInput: !hidden && h !== x }); // (B, T, H)
      hidden?.push(h);
    }
    return h;
  }
}

/** tanh(dense(first token)). */
export class BertPooler extends Module {
  dense: Linear;
  activation: Tanh;
  constructor(c: BertFieldValues) {
    super();
    this.dense = new Linear(c.hidden_size, c.hidden_size);
    this.activation = new Tanh();
  }
  /** (B, T, H) -> (B, H) */
  forward(h: Tensor): Tensor {
    return this.activation.forward(this.dense.forward(h.select(1, 0)));
  }
}

/** The parts of a BERT-style base model (BertModel, RobertaModel). */
export interface BertLikeParts {
  embeddings: { forward(inputs: EncoderInputs): Tensor };
  encoder: BertEncoder;
  pooler: BertPooler | null;
}

/** The input limits of BERT-style embeddings (word / position / token-type tables; RoBERTa's position offset). */
export function embeddingLimits(e: { word_embeddings: Embedding; position_embeddings: Embedding; token_type_embeddings?: Embedding }, positionOffset = 0): InputLimits {
  return {
    vocabSize: e.word_embeddings.numEmbeddings,
    hiddenSize: e.word_embeddings.embeddingDim,
    maxPositions: e.position_embeddings.numEmbeddings,
    positionOffset,
    typeVocabSize: e.token_type_embeddings?.numEmbeddings,
  };
}

/** The base-model forward shared by BERT and RoBERTa: embeddings, padding mask, layers, pooler. */
export function bertLikeForward(m: BertLikeParts, inputs: EncoderInputs): BaseModelOutput {
  const x = m.embeddings.forward(inputs); // (B, T, H)
  const mask = encoderPaddingMask(inputs.attention_mask, x.dtype); // (B, 1, 1, T), or null when nothing is padded
  const hidden = inputs.output_hidden_states ? [x] : undefined;
  const last = m.encoder.forward(x, mask, hidden); // (B, T, H)
  const out: BaseModelOutput = { last_hidden_state: last };
  if (m.pooler) out.pooler_output = m.pooler.forward(last); // (B, H)
  if (hidden) out.hidden_states = hidden;
  return out;
}

/** Shared base of the BERT models: config class, `bert.` prefix, HF's _init_weights. */
export abstract class BertPreTrainedModel extends PreTrainedModel<BertConfig> {
  static override readonly configClass = BertConfig;
  static override readonly baseModelPrefix: string = 'bert';
}

/**
 * The bare BERT encoder.  forward -> { last_hidden_state (B, T, H), pooler_output (B, H) when
 * built with the pooler (default), hidden_states? }.
 */
export class BertModel extends BertPreTrainedModel {
  static override readonly inputNames: readonly string[] = BERT_INPUTS;
  embeddings: BertEmbeddings;
  encoder: BertEncoder;
  pooler: BertPooler | null;

  constructor(config: BertConfig, opts: { addPoolingLayer?: boolean } = {}) {
    super(config);
    this.embeddings = new BertEmbeddings(config);
    this.encoder = new BertEncoder(config);
    this.pooler = opts.addPoolingLayer ?? true ? new BertPooler(config) : null;
    this.postInit();
  }
  override inputLimits(): InputLimits {
    return embeddingLimits(this.embeddings);
  }
  forward(inputs: EncoderInputs): BaseModelOutput {
    checkInputs(inputs, BERT_INPUTS, this.constructor.name, this.inputLimits());
    return bertLikeForward(this, inputs);
  }
}
