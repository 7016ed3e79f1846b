// modeling.ts — OPT (transformers/models/opt/modeling_opt.py, 4.47, eager attention). Read top to
// bottom: learned positions -> decoder layer -> decoder -> model -> causal-LM head. Quirks: the
// position table has 2 extra rows (positions are looked up at position + 2) and positions come
// from the attention mask (cumsum(mask) * mask - 1), so left padding does not shift them; q is
// scaled before q k^T; pre- or post-LayerNorm by do_layer_norm_before; narrower word embeddings
// with project_in / project_out. Attribute names are HF's (`model.decoder.layers.0.self_attn.q_proj.weight`).
import { F, ones, rand, type Tensor } from '../../torch/index.js';
import { Module, ModuleList, Linear, Embedding, LayerNorm, SelfAttention, getActivation, init, type KVCache } from '../../nn/index.js';
import { PreTrainedModel, checkInputs, markChecked, type InputLimits } from '../modeling.js';
import { type CausalLossType,
  CAUSAL_LM_INPUTS, DECODER_INPUTS, causalLmForward, checkPositionTable, decoderStep,
  type CausalLMInputs, type CausalLMOutput, type DecoderInputs, type DecoderOutput,
} from '../causal-lm.js';
import { OPTConfig } from './configuration.js';
import { maybeCheckpoint, noCacheWhenCheckpointing } from '../utils/gradient-checkpointing.js';

/** OPT's learned positions: an Embedding of max_positions + 2 rows, looked up at position + 2. */
export class OPTLearnedPositionalEmbedding extends Embedding {
  /** HF: "OPT is set up so that if padding_idx is specified then offset the embedding ids by 2". */
  static readonly OFFSET = 2;
  constructor(numPositions: number, dim: number) {
    super(numPositions + OPTLearnedPositionalEmbedding.OFFSET, dim);
  }
  /** positions (B, T) int64, -1 allowed for padding -> (B, T, D) */
  override forward(positionIds: Tensor): Tensor {
    return super.forward(positionIds.add(OPTLearnedPositionalEmbedding.OFFSET));
  }
}

/**
 * HF's default OPT positions: cumsum(mask) * mask - 1 over past + new tokens (padding gets -1,
 * looked up at row 1), the last `t` columns. attentionMask (B, past + T) -> (B, T) int64.
 */
export function optPositionIds(attentionMask: Tensor, pastLength: number, t: number): Tensor {
  const m = attentionMask.long(); // (B, past + T)
  return m.cumsum(1).mul(m).sub(1).narrow(1, pastLength, t); // (B, T)
}

/** self-attention + fc1 -> act -> fc2, each residual; LayerNorm before (pre-LN) or after (post-LN). */
export class OPTDecoderLayer extends Module {
  /** Recompute this layer in the backward (PreTrainedModel.gradientCheckpointingEnable). */
  gradientCheckpointing = false;
  self_attn: SelfAttention;
  self_attn_layer_norm: LayerNorm;
  fc1: Linear;
  fc2: Linear;
  final_layer_norm: LayerNorm;
  readonly preNorm: boolean;
  readonly dropout: number;
  readonly act: (x: Tensor) => Tensor;
  constructor(c: OPTConfig, layerIdx: number) {
    super();
    const affine = c.layer_norm_elementwise_affine;
    this.self_attn = new SelfAttention({
      hiddenSize: c.hidden_size, numHeads: c.num_attention_heads, outName: 'out_proj',
      qkvBias: c.enable_bias, outBias: c.enable_bias, scaleQuery: true, attentionDropout: c.attention_dropout, layerIdx,
    });
    this.self_attn_layer_norm = new LayerNorm(c.hidden_size, { elementwiseAffine: affine });
    this.fc1 = new Linear(c.hidden_size, c.ffn_dim, { bias: c.enable_bias });
    this.fc2 = new Linear(c.ffn_dim, c.hidden_size, { bias: c.enable_bias });
    this.final_layer_norm = new LayerNorm(c.hidden_size, { elementwiseAffine: affine });
    this.preNorm = c.do_layer_norm_before;
    this.dropout = c.dropout;
    this.act = getActivation(c.activation_function);
  }
  /** x: (B, T, H) -> (B, T, H) */
  forward(x: Tensor, ctx: { mask: Tensor | null; isCausal?: boolean; eager?: boolean; cache: KVCache | null }): Tensor {
    let a = this.preNorm ? this.self_attn_layer_norm.forward(x) : x;
    a = F.dropout(this.self_attn.forward(a, ctx), this.dropout, this.training); // (B, T, H)
    let h = x.add(a);
    if (!this.preNorm) h = this.self_attn_layer_norm.forward(h);
    let f = this.preNorm ? this.final_layer_norm.forward(h) : h;
    f = F.dropout(this.fc2.forward(this.act(this.fc1.forward(f))), this.dropout, this.training); // (B, T, F) -> (B, T, H)
    h = h.add(f);
    return this.preNorm ? h : this.final_layer_norm.forward(h); // (B, T, H)
  }
}

/** Shared by every OPT model: HF's _init_weights (init_std) and the base-model prefix. */
export abstract class OPTPreTrainedModel extends PreTrainedModel<OPTConfig> {
  static override readonly configClass = OPTConfig;
  static override readonly baseModelPrefix: string = 'model';
  /** HF's OPT _init_weights: Linear and Embedding weights N(0, init_std), biases and the padding row 0. */
  protected override initModule(m: Module): void {
    const std = this.config.init_std;
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
}

/** embed_tokens (-> project_in) + embed_positions -> layers -> final_layer_norm (-> project_out). */
export class OPTDecoder extends Module {
  embed_tokens: Embedding;
  embed_positions: OPTLearnedPositionalEmbedding;
  /** hidden_size -> word_embed_proj_dim after the layers, when they differ. */
  project_out: Linear | null;
  /** word_embed_proj_dim -> hidden_size before the layers, when they differ. */
  project_in: Linear | null;
  /** Pre-LN models only (and not _remove_final_layer_norm). */
  final_layer_norm: LayerNorm | null;
  layers: ModuleList<OPTDecoderLayer>;
  readonly layerdrop: number;
  constructor(c: OPTConfig) {
    super();
    this.embed_tokens = new Embedding(c.vocab_size, c.word_embed_proj_dim, { paddingIdx: c.pad_token_id ?? undefined });
    this.embed_positions = new OPTLearnedPositionalEmbedding(c.max_position_embeddings, c.hidden_size);
    this.project_out = c.hasProjections ? new Linear(c.hidden_size, c.word_embed_proj_dim, { bias: false }) : null;
    this.project_in = c.hasProjections ? new Linear(c.word_embed_proj_dim, c.hidden_size, { bias: false }) : null;
    this.final_layer_norm = c.hasFinalLayerNorm ? new LayerNorm(c.hidden_size, { elementwiseAffine: c.layer_norm_elementwise_affine }) : null;
    this.layers = new ModuleList(Array.from({ length: c.num_hidden_layers }, (_, i) => new OPTDecoderLayer(c, i)));
    this.layerdrop = c.layerdrop;
  }
}

/** The bare OPT decoder (HF OPTModel: `decoder.*`). */
export class OPTModel extends OPTPreTrainedModel {
  static override readonly inputNames: readonly string[] = DECODER_INPUTS;
  decoder: OPTDecoder;

  constructor(config: OPTConfig) {
    super(config);
    this.decoder = new OPTDecoder(config);
    this.postInit();
  }

  override inputLimits(): InputLimits {
    // inputs_embeds are word embeddings (word_embed_proj_dim wide), projected in afterwards.
    return {
      vocabSize: this.decoder.embed_tokens.numEmbeddings, hiddenSize: this.config.word_embed_proj_dim,
      maxPositions: this.config.max_position_embeddings, maskCoversPast: true,
    };
  }

  /** input_ids (B, T) -> last_hidden_state (B, T, word_embed_proj_dim) */
  override forward(inputs: DecoderInputs): DecoderOutput {
    const who = this.constructor.name;
    checkInputs(inputs, DECODER_INPUTS, who, this.inputLimits());
    inputs = noCacheWhenCheckpointing(this, inputs);
    const d = this.decoder;
    let x = inputs.inputs_embeds ?? d.embed_tokens.forward(inputs.input_ids!); // (B, T, Wp)
    const [b, t] = x.shape as [number, number];
    // packed: false — transformers 5.18's OPTDecoder calls create_causal_mask without position_ids, so
    // restarting positions reach only the position embeddings: packed sequences see each other.
    const step = decoderStep(inputs, b, t, { combine: 'min', dtype: x.dtype, packed: false });
    const past = step.pastLength;
    let positionIds = inputs.position_ids ?? null;
    if (!positionIds) {
      const max = this.config.max_position_embeddings;
      let am = inputs.attention_mask ?? null;
      if (am && am.size(-1) !== past + t) {
        // A static cache's mask may span all its slots: positions read the first past + T.
        if (am.size(-1) < past + t) throw new RangeError(`${who}: attention_mask covers ${am.size(-1)} tokens, but the cache holds ${past} and ${t} are new`);
        am = am.narrow(1, 0, past + t);
      }
      if (!am) checkPositionTable(who, past, t, max);
      else if (past + t > max) {
        // Positions count tokens, not padding: a left-padded row may hold more than the table's
        // rows of mask; only its token count must fit (one sync, only past the plain bound).
        const most = Number(am.long().sum(-1).max().item());
        if (most > max)
          throw new RangeError(`${who}: a row of attention_mask holds ${most} tokens (padding excluded, over ${past} cached + ${t} new columns): ` +
            `positions exceed max_position_embeddings ${max}; keep prompt + generated tokens within ${max}`);
      }
      positionIds = optPositionIds(am ?? ones([b, past + t], { dtype: 'int64', device: x.device }), past, t); // (B, T)
    }
    if (d.project_in) x = d.project_in.forward(x); // (B, T, H)
    x = x.add(d.embed_positions.forward(positionIds)); // (B, T, H)
    const hidden: Tensor[] | undefined = inputs.output_hidden_states ? [] : undefined;
    const att = step.attentionFor(null);
    const start = x; // the loop's input (the embeddings, or the caller's inputs_embeds): never dropped
    let i = 0;
    for (const layer of d.layers) {
      hidden?.push(x);
      // LayerDrop (training only): skip the whole layer with probability layerdrop.
      if (this.training && d.layerdrop > 0 && rand([]).item() < d.layerdrop) continue;
      x = maybeCheckpoint(layer, (y, [m]) => layer.forward(y, { mask: m ?? null, isCausal: att.isCausal, eager: att.eager, cache: step.cache }),
        x, [att.mask], { first: i++ === 0, cacheFree: step.cache === null, dropInput: !hidden && x !== start }); // (B, T, H)
    }
    if (d.final_layer_norm) x = d.final_layer_norm.forward(x);
    if (d.project_out) x = d.project_out.forward(x); // (B, T, Wp)
    hidden?.push(x); // HF: the last entry is after the final norm and project_out
    return { last_hidden_state: x, ...(step.cache ? { past_key_values: step.cache } : {}), ...(hidden ? { hidden_states: hidden } : {}) };
  }
}

/** OPTModel + lm_head (word_embed_proj_dim -> vocab, no bias), tied to embed_tokens. */
export class OPTForCausalLM extends OPTPreTrainedModel {
  static override readonly inputNames: readonly string[] = CAUSAL_LM_INPUTS;
  model: OPTModel;
  lm_head: Linear;
  /** 'chunked_nll': training forwards with labels compute the loss without logits (see causalLmForward); the Trainer sets it from loss_type. */
  lossType: CausalLossType = 'nll';
  /** With 'chunked_nll': also return TRL's token statistics (num_correct_tokens, entropy_sum, num_valid_tokens); the SFTTrainer sets it. */
  tokenStats = false;

  constructor(config: OPTConfig) {
    super(config);
    this.model = new OPTModel(config);
    this.lm_head = new Linear(config.word_embed_proj_dim, config.vocab_size, { bias: false });
    this.postInit();
  }

  override tieWeights(): void {
    if (this.config.tie_word_embeddings) this.tie(this.lm_head, this.model.decoder.embed_tokens.weight);
  }

  /** input_ids (B, T) -> logits (B, T, V); with labels, the shifted cross-entropy. */
  override forward(inputs: CausalLMInputs): CausalLMOutput {
    checkInputs(inputs, CAUSAL_LM_INPUTS, this.constructor.name, this.inputLimits());
    return causalLmForward(inputs, (b) => this.model.forward(markChecked(b) as never), this.lm_head, this.lossType, this.tokenStats);
  }
}
