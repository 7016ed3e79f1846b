// stack.ts — T5Stack (transformers/models/t5/modeling_t5.py): the encoder or the decoder — embed
// (the shared table), dropout, blocks, final_layer_norm, dropout. The stack builds once per forward
// what every block adds to its scores: block 0's relative position bias plus the padding mask
// (encoder) or the causal + padding mask (decoder), and the cross-attention mask over the encoder's
// padding; each block reuses them, as HF passes position_bias on from the first layer. UMT5
// (config.relativeBiasPerLayer) gives every block a bias table of its own: the mask is built once,
// each block's bias added to it.
import { F, type Tensor } from '../../torch/index.js';
import { Module, ModuleList, Embedding, RMSNorm, causalMask, paddingMask, unpadInput, padInput, type KVCache } from '../../nn/index.js';
import { checkInputs, type InputLimits } from '../modeling.js';
import { beginCheckpointedForward, checkpointedInput, maybeCheckpoint } from '../utils/gradient-checkpointing.js';
import { T5Block, type T5Unpadded } from './layers.js';
import { computePositionBias } from './relative-bias.js';
import type { T5Config } from './configuration.js';

/** What a stack's forward takes. */
export interface T5StackInputs {
  /** (B, T) ids, or inputs_embeds (B, T, d_model). */
  input_ids?: Tensor | null;
  inputs_embeds?: Tensor | null;
  /** (B, T) encoder padding; decoder: (B, past + T). */
  attention_mask?: Tensor | null;
  /** Decoder: (B, Ts, d_model) the encoder output, and its padding (B, Ts). */
  encoder_hidden_states?: Tensor | null;
  encoder_attention_mask?: Tensor | null;
  /** Decoder: the EncoderDecoderCache to read and extend. */
  past_key_values?: KVCache | null;
  output_hidden_states?: boolean;
  /**
   * Encoder only (tunekit's, no HF name): the outputs at padded positions will not be read — by
   * generate(), whose cross-attention masks them, or a training forward whose loss never sees them —
   * so the embeddings, projections, feed-forwards and norms run on the real tokens only (the scores
   * keep their padded (B, H, T, T) layout) and last_hidden_state is zero at the padding.  The real
   * tokens' values and every gradient are those of the padded forward.  Ignored without padding,
   * with output_hidden_states, or in the decoder.
   */
  unpad?: boolean;
  /**
   * Decoder (tunekit's, no HF name): the encoder ran in the same model forward, so its checkpointed
   * layers belong to the same backward (the T5 models set it).
   */
  sameForward?: boolean;
}
/** A stack's output. */
export interface T5StackOutput {
  /** (B, T, d_model) after final_layer_norm and dropout */
  last_hidden_state: Tensor;
  past_key_values?: KVCache;
  /** L + 1: each block's input, then the final output (HF's all_hidden_states). */
  hidden_states?: Tensor[];
}

export const T5_ENCODER_INPUTS = ['input_ids', 'attention_mask', 'inputs_embeds', 'output_hidden_states'] as const;
const ENCODER_STACK_INPUTS = [...T5_ENCODER_INPUTS, 'unpad'] as const;
const STACK_INPUTS = [...T5_ENCODER_INPUTS, 'encoder_hidden_states', 'encoder_attention_mask', 'past_key_values', 'sameForward'] as const;

/** T5Stack: `embed_tokens` (the model's shared table), `block`, `final_layer_norm`. */
export class T5Stack extends Module {
  embed_tokens: Embedding;
  block: ModuleList<T5Block>;
  final_layer_norm: RMSNorm;
  readonly isDecoder: boolean;
  readonly p: number;
  readonly maxDistance: number;
  /** Every block has its own relative_attention_bias (UMT5), not only block 0 (T5). */
  readonly perLayerBias: boolean;
  /** forward() takes `unpad` (the encoder): generate() asks for it, as its cross-attention never reads the padding. */
  readonly acceptsUnpad: boolean;

  constructor(c: T5Config, embedTokens: Embedding, isDecoder: boolean) {
    super();
    this.isDecoder = isDecoder;
    this.acceptsUnpad = !isDecoder;
    this.embed_tokens = embedTokens;
    const n = isDecoder ? c.decoderLayers : c.num_layers;
    this.perLayerBias = c.relativeBiasPerLayer;
    this.block = new ModuleList(Array.from({ length: n }, (_, i) => new T5Block(c, { isDecoder, hasRelativeBias: i === 0 || this.perLayerBias, layerIdx: i })));
    this.final_layer_norm = new RMSNorm(c.d_model, { eps: c.layer_norm_epsilon });
    this.p = c.dropout_rate;
    this.maxDistance = c.relative_attention_max_distance;
  }

  /** HF's limits: ids within the vocabulary; relative positions have no length limit. */
  limits(): InputLimits {
    return { vocabSize: this.embed_tokens.numEmbeddings, hiddenSize: this.embed_tokens.embeddingDim, maxPositions: Number.MAX_SAFE_INTEGER, maskCoversPast: this.isDecoder };
  }

  /** input_ids (B, T) -> last_hidden_state (B, T, d_model) */
  forward(inputs: T5StackInputs): T5StackOutput {
    const who = this.isDecoder ? 'T5Stack (decoder)' : 'T5Stack (encoder)';
    checkInputs(inputs, this.isDecoder ? STACK_INPUTS : ENCODER_STACK_INPUTS, who, this.limits());
    const [b, t] = (inputs.inputs_embeds ?? inputs.input_ids!).shape as [number, number];
    const am = inputs.attention_mask ?? null;
    const packed = !this.isDecoder && inputs.unpad === true && am !== null && !inputs.output_hidden_states ? packedTokens(am) : null;
    const x0 = packed ? this.#packedEmbeds(inputs, packed) : inputs.inputs_embeds ?? this.embed_tokens.forward(inputs.input_ids!); // (B, T, d_model) | packed (N, d_model)
    const cache = this.isDecoder ? inputs.past_key_values ?? null : null;
    const past = cache?.getSeqLength() ?? 0;
    if (am && am.size(-1) !== past + t)
      throw new RangeError(`${who}: attention_mask covers ${am.size(-1)} tokens, but ${past} are cached and ${t} are new: it must cover ${past + t}`);
    // (1, H, T, past + T): a block's learned bias of each offset, then the masks added to it
    const biasOf = (block: T5Block | undefined): Tensor | null => {
      const table = (block?.layer.at(0) as { SelfAttention: { relative_attention_bias?: Embedding } } | undefined)?.SelfAttention.relative_attention_bias;
      return table ? computePositionBias(table, past, t, past + t, !this.isDecoder, this.maxDistance).to(x0.dtype) : null;
    };
    let mask: Tensor | null = null;
    if (this.isDecoder) mask = causalMask({ attentionMask: am, queryLength: t, pastLength: past, targetLength: past + t, batchSize: b, dtype: x0.dtype, combine: 'min', device: x0.device }); // (B | 1, 1, T, past + T)
    else if (am) mask = paddingMask(am, x0.dtype); // (B, 1, 1, T)
    // gradient checkpointing: the layers read stand-ins for what has a graph and feeds several of them
    // (the bias of a trained bucket table, the encoder output), backpropagated once after them
    const blocks = [...this.block];
    if (!(this.isDecoder && inputs.sameForward)) beginCheckpointedForward(blocks);
    const withMask = (bias: Tensor | null): Tensor | null => {
      const b = bias && mask ? bias.add(mask) : bias ?? mask;
      return b ? checkpointedInput(blocks, b) : null;
    };
    const selfBias = this.perLayerBias ? null : withMask(biasOf(this.block.at(0)));
    const encMask = inputs.encoder_attention_mask ?? null;
    const crossBias = this.isDecoder && encMask ? paddingMask(encMask, x0.dtype) : null; // (B, 1, 1, Ts)
    const encoderHidden = inputs.encoder_hidden_states ? checkpointedInput(blocks, inputs.encoder_hidden_states) : null;
    if (this.isDecoder && !encoderHidden && !(cache && (cache as { isUpdated?(l: number): boolean }).isUpdated?.(0)))
      throw new TypeError(`${who}: the decoder needs encoder_hidden_states (the encoder's last_hidden_state)`);

    const hidden: Tensor[] | undefined = inputs.output_hidden_states ? [] : undefined;
    let x = F.dropout(x0, this.p, this.training);
    for (const [i, block] of blocks.entries()) {
      hidden?.push(x);
      const bias = this.perLayerBias ? withMask(biasOf(block)) : selfBias;
      // (B, T, d_model) | packed (N, d_model); the cache is written once, so a cached step is never checkpointed
      // every tensor fn reads goes in `saved`: a recomputation runs after this forward's scope has ended
      x = maybeCheckpoint(block, (y, [sb, eh, cb, idx]) => block.forward(y, {
        selfBias: sb ?? null, crossBias: cb ?? null, encoderHidden: eh ?? null, cache, unpadded: packed && idx ? { ...packed, indices: idx } : null,
      }), x, [bias, encoderHidden, crossBias, packed?.indices ?? null], { first: false, cacheFree: cache === null, dropInput: i > 0 && !hidden });
    }
    x = F.dropout(this.final_layer_norm.forward(x), this.p, this.training); // (B, T, d_model) | (N, d_model)
    if (packed) x = padInput(x, packed.indices, b, t); // (B, T, d_model), zeros at the padding
    hidden?.push(x);
    return { last_hidden_state: x, ...(cache ? { past_key_values: cache } : {}), ...(hidden ? { hidden_states: hidden } : {}) };
  }

  /** The embeddings of the real tokens only: (N, d_model). */
  #packedEmbeds(inputs: T5StackInputs, u: T5Unpadded): Tensor {
    if (inputs.inputs_embeds) {
      const e = inputs.inputs_embeds;
      return e.reshape(u.batch * u.seqLen, e.size(2)).indexSelect(0, u.indices); // (N, d_model)
    }
    return this.embed_tokens.forward(inputs.input_ids!.reshape(u.batch * u.seqLen).indexSelect(0, u.indices)); // (N, d_model)
  }
}

/** The real tokens of a padded (B, T) mask, or null when there is no padding (nothing to skip). */
function packedTokens(am: Tensor): T5Unpadded | null {
  const [b, t] = am.shape as [number, number];
  if (am.ndim !== 2) return null;
  const u = unpadInput(am);
  if (u.total === b * t || u.total === 0) { u.indices.dispose(); u.cuSeqlens.dispose(); return null; }
  u.cuSeqlens.dispose();
  return { indices: u.indices, batch: b, seqLen: t };
}
