// modeling.ts — GPT-2 (transformers/models/gpt2/modeling_gpt2.py, 4.47, eager attention). Read top
// to bottom: MLP -> block -> model -> LM head. Quirks: every linear layer is HF's Conv1D, whose
// weight is stored (in, out); q, k, v come from one fused c_attn; positions are a learned table
// (wpe) of n_positions rows; the mask is GPT-2's `where(causal, scores, min) + (1 - mask) * min`
// (causalMask's 'sum'). Attribute names are HF's state-dict paths (`transformer.h.0.attn.c_attn.weight`).
import { F, type Tensor } from '../../torch/index.js';
import { Module, ModuleList, Linear, Embedding, LayerNorm, Dropout, Conv1D, SelfAttention, getActivation, init, type KVCache } from '../../nn/index.js';
import { PreTrainedModel, checkInputs, markChecked, type InputLimits } from '../modeling.js';
import { type CausalLossType,
  CAUSAL_LM_INPUTS, DECODER_INPUTS, causalLmForward, checkPositionTable, decoderStep,
  type CausalLMInputs, type CausalLMOutput, type DecoderInputs, type DecoderOutput,
} from '../causal-lm.js';
import { GPT2Config } from './configuration.js';
import { maybeCheckpoint, noCacheWhenCheckpointing } from '../utils/gradient-checkpointing.js';

/** GPT-2's forward also takes token_type_ids, embedded with wte and added (HF). */
export interface GPT2Inputs extends DecoderInputs {
  /** (B, T) ids looked up in wte and added to the embeddings; ids in [0, vocab_size). */
  token_type_ids?: Tensor | null;
}
export interface GPT2LMInputs extends CausalLMInputs, GPT2Inputs {}
export const GPT2_INPUTS = [...DECODER_INPUTS, 'token_type_ids'] as const;
export const GPT2_LM_INPUTS = [...CAUSAL_LM_INPUTS, 'token_type_ids'] as const;

/** c_fc -> act -> c_proj -> dropout, Conv1D layers. */
export class GPT2MLP extends Module {
  c_fc: Conv1D;
  c_proj: Conv1D;
  dropout: Dropout;
  readonly act: (x: Tensor) => Tensor;
  constructor(innerDim: number, c: GPT2Config) {
    super();
    this.c_fc = new Conv1D(innerDim, c.n_embd);
    this.c_proj = new Conv1D(c.n_embd, innerDim);
    this.dropout = new Dropout(c.resid_pdrop);
    this.act = getActivation(c.activation_function);
  }
  /** x: (B, T, H) -> (B, T, H) */
  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(this.act(this.c_fc.forward(x)))); // (B, T, I) -> (B, T, H)
  }
}

/** The attention scale of layer `layerIdx`: 1/sqrt(head_dim) if scale_attn_weights, / (layerIdx + 1) if by inverse layer index. */
export function gpt2AttentionScale(c: GPT2Config, layerIdx: number): number {
  let s = c.scale_attn_weights ? 1 / Math.sqrt(c.n_embd / c.n_head) : 1;
  if (c.scale_attn_by_inverse_layer_idx) s /= layerIdx + 1;
  return s;
}

/** Pre-LayerNorm block: h = x + drop(attn(ln_1(x))); h + mlp(ln_2(h)). */
export class GPT2Block extends Module {
  /** Recompute this layer in the backward (PreTrainedModel.gradientCheckpointingEnable). */
  gradientCheckpointing = false;
  ln_1: LayerNorm;
  /** The fused-c_attn SelfAttention: `attn.c_attn`, `attn.c_proj`. */
  attn: SelfAttention;
  ln_2: LayerNorm;
  mlp: GPT2MLP;
  /** HF's attn.resid_dropout, applied to the attention output. */
  readonly residDropout: number;
  constructor(c: GPT2Config, layerIdx: number) {
    super();
    this.ln_1 = new LayerNorm(c.n_embd, { eps: c.layer_norm_epsilon });
    this.attn = new SelfAttention({
      hiddenSize: c.n_embd, numHeads: c.n_head, layout: 'c_attn', scale: gpt2AttentionScale(c, layerIdx),
      attentionDropout: c.attn_pdrop, layerIdx,
    });
    this.ln_2 = new LayerNorm(c.n_embd, { eps: c.layer_norm_epsilon });
    this.mlp = new GPT2MLP(c.innerDim, c);
    this.residDropout = c.resid_pdrop;
  }
  /** x: (B, T, H) -> (B, T, H) */
  forward(x: Tensor, ctx: { mask: Tensor | null; isCausal?: boolean; eager?: boolean; cache: KVCache | null }): Tensor {
    const a = F.dropout(this.attn.forward(this.ln_1.forward(x), ctx), this.residDropout, this.training); // (B, T, H)
    const h = a.add(x);
    return h.add(this.mlp.forward(this.ln_2.forward(h))); // (B, T, H)
  }
}

/** Shared by GPT2Model and GPT2LMHeadModel: HF's _init_weights and checkpoint rules. */
export abstract class GPT2PreTrainedModel extends PreTrainedModel<GPT2Config> {
  static override readonly configClass = GPT2Config;
  static override readonly baseModelPrefix: string = 'transformer';
  /** Old checkpoints (the hub's `gpt2`) carry the causal-mask buffers `h.N.attn.bias` / `attn.masked_bias`. */
  static override readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [/(^|\.)attn\.(masked_)?bias$/];

  /**
   * HF's _init_weights: Linear / Conv1D / Embedding weights N(0, initializer_range), biases 0,
   * LayerNorm 1 / 0; then every c_proj (attention and MLP output) again with
   * N(0, initializer_range / sqrt(2 * n_layer)) (the GPT-2 paper's residual scaling).
   */
  protected override initModule(m: Module): void {
    super.initModule(m);
    const std = this.config.initializer_range;
    if (m instanceof Conv1D) {
      init.normal_(m.weight, 0, std);
      init.zeros_(m.bias);
    }
    // Children are initialised first (Module.apply), so this overrides c_proj's plain init.
    const cProj = (m instanceof GPT2MLP || m instanceof SelfAttention) ? (m as unknown as { c_proj?: Module }).c_proj : undefined;
    if (cProj instanceof Conv1D) init.normal_(cProj.weight, 0, std / Math.sqrt(2 * this.config.n_layer));
  }
}

/** wte + wpe -> dropout -> blocks -> ln_f. */
export class GPT2Model extends GPT2PreTrainedModel {
  static override readonly inputNames: readonly string[] = GPT2_INPUTS;
  wte: Embedding;
  wpe: Embedding;
  drop: Dropout;
  h: ModuleList<GPT2Block>;
  ln_f: LayerNorm;

  constructor(config: GPT2Config) {
    super(config);
    const c = config;
    this.wte = new Embedding(c.vocab_size, c.n_embd);
    this.wpe = new Embedding(c.n_positions, c.n_embd);
    this.drop = new Dropout(c.embd_pdrop);
    this.h = new ModuleList(Array.from({ length: c.n_layer }, (_, i) => new GPT2Block(c, i)));
    this.ln_f = new LayerNorm(c.n_embd, { eps: c.layer_norm_epsilon });
    this.postInit();
  }

  override inputLimits(): InputLimits {
    return {
      vocabSize: this.wte.numEmbeddings, hiddenSize: this.config.n_embd, maxPositions: this.wpe.numEmbeddings,
      typeVocabSize: this.wte.numEmbeddings, maskCoversPast: true,
    };
  }

  /** input_ids (B, T) -> last_hidden_state (B, T, H) */
  override forward(inputs: GPT2Inputs): DecoderOutput {
    const who = this.constructor.name;
    checkInputs(inputs, GPT2_INPUTS, who, this.inputLimits());
    inputs = noCacheWhenCheckpointing(this, inputs);
    const { token_type_ids: tt, ...rest } = inputs;
    const emb = rest.inputs_embeds ?? this.wte.forward(rest.input_ids!); // (B, T, H)
    const [b, t] = emb.shape as [number, number];
    const step = decoderStep(rest, b, t, { combine: 'sum', dtype: emb.dtype });
    if (!rest.position_ids) checkPositionTable(who, step.pastLength, t, this.wpe.numEmbeddings, 'n_positions (max_position_embeddings)');
    let x = emb.add(this.wpe.forward(step.positionIds)); // (B, T, H)
    if (tt) x = x.add(this.wte.forward(tt));
    x = this.drop.forward(x);
    const hidden: Tensor[] | undefined = rest.output_hidden_states ? [] : undefined;
    const att = step.attentionFor(null);
    const start = x; // the loop's input (the embeddings, or the caller's inputs_embeds): never dropped
    let i = 0;
    for (const block of this.h) {
      hidden?.push(x);
      x = maybeCheckpoint(block, (y, [m]) => block.forward(y, { mask: m ?? null, isCausal: att.isCausal, eager: att.eager, cache: step.cache }),
        x, [att.mask], { first: i++ === 0, cacheFree: step.cache === null, dropInput: !hidden && x !== start }); // (B, T, H)
    }
    x = this.ln_f.forward(x); // (B, T, H)
    hidden?.push(x); // HF: the last entry is after ln_f
    return { last_hidden_state: x, ...(step.cache ? { past_key_values: step.cache } : {}), ...(hidden ? { hidden_states: hidden } : {}) };
  }
}

/** GPT2Model + lm_head (no bias), tied to wte. */
export class GPT2LMHeadModel extends GPT2PreTrainedModel {
  static override readonly inputNames: readonly string[] = GPT2_LM_INPUTS;
  transformer: GPT2Model;
  lm_head: Linear;
  /** 'chunked_nll': training forwards with labels compute the loss without logits (see causalLmForward); the Trainer sets it from loss_type. */
  lossType: CausalLossType = 'nll';
  /** With 'chunked_nll': also return TRL's token statistics (num_correct_tokens, entropy_sum, num_valid_tokens); the SFTTrainer sets it. */
  tokenStats = false;

  constructor(config: GPT2Config) {
    super(config);
    this.transformer = new GPT2Model(config);
    this.lm_head = new Linear(config.n_embd, config.vocab_size, { bias: false });
    this.postInit();
  }

  override tieWeights(): void {
    if (this.config.tie_word_embeddings) this.tie(this.lm_head, this.transformer.wte.weight);
  }

  /** input_ids (B, T) -> logits (B, T, V); with labels, the shifted cross-entropy. */
  override forward(inputs: GPT2LMInputs): CausalLMOutput {
    checkInputs(inputs, GPT2_LM_INPUTS, this.constructor.name, this.inputLimits());
    return causalLmForward(inputs, (b) => this.transformer.forward(markChecked(b) as never), this.lm_head, this.lossType, this.tokenStats);
  }
}
