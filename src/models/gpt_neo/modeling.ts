// modeling.ts — GPT-Neo (transformers/models/gpt_neo/modeling_gpt_neo.py, 4.47, eager attention).
// Read top to bottom: attention -> MLP -> block -> model -> causal-LM head. Quirks: attention
// scores are NOT scaled by 1/sqrt(head_dim); layers alternate 'global' (full causal) and 'local'
// (causal within window_size) attention (config.attention_layers); q/k/v have no bias, out_proj
// has one; the MLP is nn.Linear (not GPT-2's Conv1D); the mask is where(causal, scores, min) plus
// the padding mask (causalMask's 'sum'). Attribute names are HF's (`transformer.h.0.attn.attention.q_proj.weight`).
import { F, type Tensor } from '../../torch/index.js';
import { Module, ModuleList, Linear, Embedding, LayerNorm, Dropout, SelfAttention, getActivation, type KVCache } from '../../nn/index.js';
import { PreTrainedModel, checkInputs, markChecked, type InputLimits } from '../modeling.js';
import { type CausalLossType,
  CAUSAL_LM_INPUTS, DECODER_INPUTS, causalLmForward, checkPositionTable, decoderStep,
  type CausalLMInputs, type CausalLMOutput, type DecoderInputs, type DecoderOutput,
} from '../causal-lm.js';
import { GPTNeoConfig, type GPTNeoAttentionType } from './configuration.js';
import { maybeCheckpoint, noCacheWhenCheckpointing } from '../utils/gradient-checkpointing.js';

/** GPT-Neo's forward also takes token_type_ids, embedded with wte and added (HF). */
export interface GPTNeoInputs extends DecoderInputs {
  /** (B, T) ids looked up in wte and added to the embeddings; ids in [0, vocab_size). */
  token_type_ids?: Tensor | null;
}
export interface GPTNeoLMInputs extends CausalLMInputs, GPTNeoInputs {}
export const GPT_NEO_INPUTS = [...DECODER_INPUTS, 'token_type_ids'] as const;
export const GPT_NEO_LM_INPUTS = [...CAUSAL_LM_INPUTS, 'token_type_ids'] as const;

/** HF's GPTNeoAttention: `attention` (q/k/v/out_proj, unscaled scores) of one kind, then resid dropout. */
export class GPTNeoAttention extends Module {
  attention: SelfAttention;
  readonly attentionType: GPTNeoAttentionType;
  /** window_size for 'local' layers, null for 'global'. */
  readonly slidingWindow: number | null;
  readonly residDropout: number;
  constructor(c: GPTNeoConfig, layerIdx: number) {
    super();
    const kind = c.attention_layers[layerIdx];
    if (kind !== 'global' && kind !== 'local')
      throw new RangeError(`GPTNeoAttention: Only attn layer types 'global' and 'local' exist, but got attention_layers[${layerIdx}] = ${String(kind)}`);
    this.attention = new SelfAttention({
      hiddenSize: c.hidden_size, numHeads: c.num_heads, outName: 'out_proj', qkvBias: false, outBias: true,
      scale: 1, attentionDropout: c.attention_dropout, layerIdx,
    });
    this.attentionType = kind;
    this.slidingWindow = c.slidingWindowOf(layerIdx);
    this.residDropout = c.resid_dropout;
  }
  /** x: (B, T, H) -> (B, T, H) */
  forward(x: Tensor, ctx: { mask: Tensor | null; isCausal?: boolean; eager?: boolean; cache: KVCache | null }): Tensor {
    return F.dropout(this.attention.forward(x, ctx), this.residDropout, this.training);
  }
}

/** c_fc -> act -> c_proj -> dropout (nn.Linear). */
export class GPTNeoMLP extends Module {
  c_fc: Linear;
  c_proj: Linear;
  dropout: Dropout;
  readonly act: (x: Tensor) => Tensor;
  constructor(innerDim: number, c: GPTNeoConfig) {
    super();
    this.c_fc = new Linear(c.hidden_size, innerDim);
    this.c_proj = new Linear(innerDim, c.hidden_size);
    this.dropout = new Dropout(c.resid_dropout);
    this.act = getActivation(c.activation_function);
  }
  /** x: (B, T, H) -> (B, T, H) */
  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(this.act(this.c_fc.forward(x)))); // (B, T, I) -> (B, T, H)
  }
}

/** Pre-LayerNorm block: h = x + attn(ln_1(x)); h + mlp(ln_2(h)). */
export class GPTNeoBlock extends Module {
  /** Recompute this layer in the backward (PreTrainedModel.gradientCheckpointingEnable). */
  gradientCheckpointing = false;
  ln_1: LayerNorm;
  attn: GPTNeoAttention;
  ln_2: LayerNorm;
  mlp: GPTNeoMLP;
  constructor(c: GPTNeoConfig, layerIdx: number) {
    super();
    this.ln_1 = new LayerNorm(c.hidden_size, { eps: c.layer_norm_epsilon });
    this.attn = new GPTNeoAttention(c, layerIdx);
    this.ln_2 = new LayerNorm(c.hidden_size, { eps: c.layer_norm_epsilon });
    this.mlp = new GPTNeoMLP(c.innerDim, c);
  }
  /** x: (B, T, H) -> (B, T, H) */
  forward(x: Tensor, ctx: { mask: Tensor | null; isCausal?: boolean; eager?: boolean; cache: KVCache | null }): Tensor {
    const h = this.attn.forward(this.ln_1.forward(x), ctx).add(x); // (B, T, H)
    return h.add(this.mlp.forward(this.ln_2.forward(h))); // (B, T, H)
  }
}

/** Shared by GPTNeoModel and GPTNeoForCausalLM (HF's _init_weights is the default one). */
export abstract class GPTNeoPreTrainedModel extends PreTrainedModel<GPTNeoConfig> {
  static override readonly configClass = GPTNeoConfig;
  static override readonly baseModelPrefix: string = 'transformer';
  /** Old checkpoints carry the causal-mask buffers `h.N.attn.attention.bias` / `masked_bias`. */
  static override readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [/(^|\.)attn\.attention\.(masked_)?bias$/];
}

/** wte + wpe -> dropout -> blocks -> ln_f. */
export class GPTNeoModel extends GPTNeoPreTrainedModel {
  static override readonly inputNames: readonly string[] = GPT_NEO_INPUTS;
  wte: Embedding;
  wpe: Embedding;
  drop: Dropout;
  h: ModuleList<GPTNeoBlock>;
  ln_f: LayerNorm;

  constructor(config: GPTNeoConfig) {
    super(config);
    const c = config;
    this.wte = new Embedding(c.vocab_size, c.hidden_size);
    this.wpe = new Embedding(c.max_position_embeddings, c.hidden_size);
    this.drop = new Dropout(c.embed_dropout);
    this.h = new ModuleList(Array.from({ length: c.num_layers }, (_, i) => new GPTNeoBlock(c, i)));
    this.ln_f = new LayerNorm(c.hidden_size, { eps: c.layer_norm_epsilon });
    this.postInit();
  }

  override inputLimits(): InputLimits {
    return {
      vocabSize: this.wte.numEmbeddings, hiddenSize: this.config.hidden_size, maxPositions: this.wpe.numEmbeddings,
      typeVocabSize: this.wte.numEmbeddings, maskCoversPast: true,
    };
  }

  /** input_ids (B, T) -> last_hidden_state (B, T, H) */
  override forward(inputs: GPTNeoInputs): DecoderOutput {
    const who = this.constructor.name;
    checkInputs(inputs, GPT_NEO_INPUTS, who, this.inputLimits());
    inputs = noCacheWhenCheckpointing(this, inputs);
    const { token_type_ids: tt, ...rest } = inputs;
    const emb = rest.inputs_embeds ?? this.wte.forward(rest.input_ids!); // (B, T, H)
    const [b, t] = emb.shape as [number, number];
    const step = decoderStep(rest, b, t, { combine: 'sum', dtype: emb.dtype });
    if (!rest.position_ids) checkPositionTable(who, step.pastLength, t, this.wpe.numEmbeddings);
    let x = emb.add(this.wpe.forward(step.positionIds)); // (B, T, H)
    if (tt) x = x.add(this.wte.forward(tt));
    x = this.drop.forward(x);
    const hidden: Tensor[] | undefined = rest.output_hidden_states ? [] : undefined;
    const start = x; // the loop's input (the embeddings, or the caller's inputs_embeds): never dropped
    let i = 0;
    for (const block of this.h) {
      hidden?.push(x);
      const att = step.attentionFor(block.attn.slidingWindow);
      x = maybeCheckpoint(block, (y, [m]) => block.forward(y, { mask: m ?? null, isCausal: att.isCausal, eager: att.eager, cache: step.cache }),
        x, [att.mask], { first: i++ === 0, cacheFree: step.cache === null, dropInput: !hidden && x !== start }); // (B, T, H)
    }
    x = this.ln_f.forward(x); // (B, T, H)
    hidden?.push(x); // HF: the last entry is after ln_f
    return { last_hidden_state: x, ...(step.cache ? { past_key_values: step.cache } : {}), ...(hidden ? { hidden_states: hidden } : {}) };
  }
}

/** GPTNeoModel + lm_head (no bias), tied to wte. */
export class GPTNeoForCausalLM extends GPTNeoPreTrainedModel {
  static override readonly inputNames: readonly string[] = GPT_NEO_LM_INPUTS;
  transformer: GPTNeoModel;
  lm_head: Linear;
  /** 'chunked_nll': training forwards with labels compute the loss without logits (see causalLmForward); the Trainer sets it from loss_type. */
  lossType: CausalLossType = 'nll';
  /** With 'chunked_nll': also return TRL's token statistics (num_correct_tokens, entropy_sum, num_valid_tokens); the SFTTrainer sets it. */
  tokenStats = false;

  constructor(config: GPTNeoConfig) {
    super(config);
    this.transformer = new GPTNeoModel(config);
    this.lm_head = new Linear(config.hidden_size, config.vocab_size, { bias: false });
    this.postInit();
  }

  override tieWeights(): void {
    if (this.config.tie_word_embeddings) this.tie(this.lm_head, this.transformer.wte.weight);
  }

  /** input_ids (B, T) -> logits (B, T, V); with labels, the shifted cross-entropy (in float32). */
  override forward(inputs: GPTNeoLMInputs): CausalLMOutput {
    checkInputs(inputs, GPT_NEO_LM_INPUTS, this.constructor.name, this.inputLimits());
    return causalLmForward(inputs, (b) => this.transformer.forward(markChecked(b) as never), this.lm_head, this.lossType, this.tokenStats);
  }
}
