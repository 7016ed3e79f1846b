// modeling.ts — RoBERTa (transformers/models/roberta/modeling_roberta.py): BERT's encoder and
// pooler with RoBERTa's embeddings (positions count non-pad tokens from padding_idx + 1; pads
// get padding_idx, whose row gets no gradient); the shared heads of ../heads (classification:
// dense + tanh + out_proj on the first token) and lm_head (dense + gelu + layer_norm + decoder
// tied to the word embeddings).  Attribute names are HF's (`roberta.encoder.layer.0...`).
import { arange, zeros, type Tensor } from '../../torch/index.js';
import { Module, Linear, Embedding, LayerNorm, Dropout, parameter } from '../../nn/index.js';
import {
  PreTrainedModel, checkInputs, markChecked,
  type BaseModelOutput, type InputLimits, type EncoderInputs, type LabeledInputs, type ClassifierOutput,
} from '../modeling.js';
import {
  ForSequenceClassification, ForTokenClassification, ForQuestionAnswering, linearClassifier, denseTanhClassifier, ClassificationHead,
  tokenClassificationLoss, baseInputs, withExtras,
} from '../heads.js';
import { BertEncoder, BertPooler, BERT_INPUTS, bertLikeForward, embeddingLimits } from '../bert/modeling.js';
import { LABELED_INPUTS, classifierDropout } from '../bert/heads.js';
import { RobertaConfig } from './configuration.js';

/**
 * HF create_position_ids_from_input_ids: padding_idx + cumulative count of non-pad tokens for
 * real tokens, padding_idx for pads.  ids: (B, T) int64 -> (B, T) int64.
 */
export function positionIdsFromInputIds(ids: Tensor, paddingIdx: number): Tensor {
  const mask = ids.ne(paddingIdx).int(); // (B, T) 1 = token
  return mask.cumsum(1, { dtype: 'int32' }).mul(mask).long().add(paddingIdx); // (B, T)
}

/** BERT's embeddings with RoBERTa's position ids (position_embeddings has padding_idx). */
export class RobertaEmbeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  token_type_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  /** (1, P) int64, non-persistent (kept for checkpoints that carry it) */
  declare position_ids: Tensor;
  /** (1, P) int64 zeros: the default token_type_ids */
  declare token_type_ids: Tensor;
  readonly paddingIdx: number;

  constructor(c: RobertaConfig) {
    super();
    this.paddingIdx = c.pad_token_id!;
    this.word_embeddings = new Embedding(c.vocab_size, c.hidden_size, { paddingIdx: this.paddingIdx });
    this.position_embeddings = new Embedding(c.max_position_embeddings, c.hidden_size, { paddingIdx: this.paddingIdx });
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
    const p = this.paddingIdx;
    if (!inputs.position_ids && t + p >= this.position_embeddings.numEmbeddings)
      throw new RangeError(`RobertaEmbeddings: sequence length ${t} needs positions up to ${t + p}, beyond max_position_embeddings ${this.position_embeddings.numEmbeddings}; truncate to ${this.position_embeddings.numEmbeddings - p - 1} tokens`);
    const positions = inputs.position_ids
      ?? (ids ? positionIdsFromInputIds(ids, p) : arange(p + 1, t + p + 1, 1, { device: emb!.device }).unsqueeze(0).expand(b, t)); // (B, T)
    const types = inputs.token_type_ids ?? this.token_type_ids.slice(1, 0, t).expand(b, t); // (B, T)
    const words = emb ?? this.word_embeddings.forward(ids!); // (B, T, H)
    const h = words.add(this.token_type_embeddings.forward(types)).add(this.position_embeddings.forward(positions)); // (B, T, H)
    return this.dropout.forward(this.LayerNorm.forward(h)); // (B, T, H)
  }
}

/** Shared base: config class, `roberta.` prefix, HF's _init_weights. */
export abstract class RobertaPreTrainedModel extends PreTrainedModel<RobertaConfig> {
  static override readonly configClass = RobertaConfig;
  static override readonly baseModelPrefix: string = 'roberta';
}

/** The bare RoBERTa encoder (BertModel's forward and outputs). */
export class RobertaModel extends RobertaPreTrainedModel {
  static override readonly inputNames: readonly string[] = BERT_INPUTS;
  embeddings: RobertaEmbeddings;
  encoder: BertEncoder;
  pooler: BertPooler | null;
  constructor(config: RobertaConfig, opts: { addPoolingLayer?: boolean } = {}) {
    super(config);
    this.embeddings = new RobertaEmbeddings(config);
    this.encoder = new BertEncoder(config);
    this.pooler = opts.addPoolingLayer ?? true ? new BertPooler(config) : null;
    this.postInit();
  }
  /** RoBERTa's positions start at pad_token_id + 1: max_position_embeddings - pad_token_id - 1 tokens fit. */
  override inputLimits(): InputLimits {
    return embeddingLimits(this.embeddings, this.embeddings.paddingIdx + 1);
  }
  forward(inputs: EncoderInputs): BaseModelOutput {
    checkInputs(inputs, BERT_INPUTS, this.constructor.name, this.inputLimits());
    return bertLikeForward(this, inputs);
  }
}

/** RoBERTa's `classifier` (dense + tanh + out_proj on the first token): the shared ClassificationHead. */
export { ClassificationHead as RobertaClassificationHead } from '../heads.js';

/** RoBERTa sequence classification: first token -> classifier -> logits (B, num_labels); loss by config.problem_type. */
export class RobertaForSequenceClassification extends ForSequenceClassification(RobertaPreTrainedModel, {
  base: (c: RobertaConfig) => new RobertaModel(c, { addPoolingLayer: false }),
  inputs: BERT_INPUTS,
  pooling: 'first',
  classifier: denseTanhClassifier((c: RobertaConfig) => ({ hidden: c.hidden_size, out: c.num_labels, dropout: classifierDropout(c) })),
}) {
  declare roberta: RobertaModel;
  declare classifier: ClassificationHead;
}

/** Per-token classifier: logits (B, T, num_labels). */
export class RobertaForTokenClassification extends ForTokenClassification(RobertaPreTrainedModel, {
  base: (c: RobertaConfig) => new RobertaModel(c, { addPoolingLayer: false }),
  inputs: BERT_INPUTS,
  classifier: linearClassifier('classifier', (c: RobertaConfig) => ({ in: c.hidden_size, out: c.num_labels, dropout: classifierDropout(c) })),
}) {
  declare roberta: RobertaModel;
  declare dropout: Dropout;
  declare classifier: Linear;
}

/** Extractive QA: qa_outputs (H -> 2) -> start/end logits (B, T). */
export class RobertaForQuestionAnswering extends ForQuestionAnswering(RobertaPreTrainedModel, {
  base: (c: RobertaConfig) => new RobertaModel(c, { addPoolingLayer: false }),
  inputs: BERT_INPUTS,
  classifier: linearClassifier('qa_outputs', (c: RobertaConfig) => ({ in: c.hidden_size, out: c.num_labels, dropout: null })),
}) {
  declare roberta: RobertaModel;
  declare qa_outputs: Linear;
}

/** `lm_head`: dense -> gelu -> layer_norm -> decoder (tied to the word embeddings) + bias. */
export class RobertaLMHead extends Module {
  dense: Linear;
  layer_norm: LayerNorm;
  decoder: Linear;
  /** (V) — also `decoder.bias` (the same tensor, as HF). */
  bias: Tensor;
  constructor(c: RobertaConfig) {
    super();
    this.dense = new Linear(c.hidden_size, c.hidden_size);
    this.layer_norm = new LayerNorm(c.hidden_size, { eps: c.layer_norm_eps });
    this.decoder = new Linear(c.hidden_size, c.vocab_size, { bias: false });
    this.bias = parameter(zeros([c.vocab_size]));
    this.decoder.bias = this.bias;
  }
  /** (B, T, H) -> (B, T, V) */
  forward(h: Tensor): Tensor {
    const x = this.layer_norm.forward(this.dense.forward(h).gelu()); // (B, T, H), exact (erf) GELU as HF's gelu()
    return this.decoder.forward(x); // (B, T, V)
  }
}

/** RoBERTa masked LM: logits (B, T, vocab_size); labels (B, T), -100 ignored. */
export class RobertaForMaskedLM extends RobertaPreTrainedModel {
  static override readonly inputNames: readonly string[] = LABELED_INPUTS;
  static override readonly outputEmbeddingsPath: string = 'lm_head.decoder';
  roberta: RobertaModel;
  lm_head: RobertaLMHead;
  constructor(config: RobertaConfig) {
    super(config);
    this.roberta = new RobertaModel(config, { addPoolingLayer: false });
    this.lm_head = new RobertaLMHead(config);
    this.postInit();
  }
  override tieWeights(): void {
    if (this.config.tie_word_embeddings) this.tie(this.lm_head.decoder, this.roberta.embeddings.word_embeddings.weight);
  }
  forward(inputs: LabeledInputs): ClassifierOutput {
    checkInputs(inputs, LABELED_INPUTS, this.constructor.name, this.inputLimits());
    const out = this.roberta.forward(markChecked(baseInputs(inputs, 'labels')));
    const logits = this.lm_head.forward(out.last_hidden_state); // (B, T, V)
    const loss = inputs.labels ? tokenClassificationLoss(logits, inputs.labels) : undefined;
    return withExtras({ logits }, loss, out.hidden_states);
  }
}
