// modeling.ts — Llama (transformers/models/llama/modeling_llama.py, eager attention) and the
// families that are Llama blocks with a different config: Qwen2 (q/k/v biases), Qwen3 (per-head
// q/k RMSNorm), Mistral (sliding window). Read top to bottom: MLP -> decoder layer -> model ->
// causal-LM head. Attribute names are HF's state-dict paths (`model.layers.0.self_attn.q_proj.weight`).
import type { Tensor } from '../../torch/index.js';
import { Module, ModuleList, Linear, Embedding, RMSNorm, RotaryEmbedding, SelfAttention, getActivation, type KVCache } from '../../nn/index.js';
import { PreTrainedModel, checkInputs, markChecked, type InputLimits } from '../modeling.js';
import { type CausalLossType,
  CAUSAL_LM_INPUTS, DECODER_INPUTS, causalLmForward, decoderStep,
  type CausalLMInputs, type CausalLMOutput, type DecoderInputs, type DecoderOutput,
} from '../causal-lm.js';
import { LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config } from './configuration.js';
import { maybeCheckpoint, noCacheWhenCheckpointing } from '../utils/gradient-checkpointing.js';

/** SwiGLU feed-forward: down(act(gate(x)) * up(x)). */
export class LlamaMLP extends Module {
  gate_proj: Linear;
  up_proj: Linear;
  down_proj: Linear;
  readonly act: (x: Tensor) => Tensor;
  constructor(c: LlamaConfig) {
    super();
    const bias = c.mlp_bias;
    this.gate_proj = new Linear(c.hidden_size, c.intermediate_size, { bias });
    this.up_proj = new Linear(c.hidden_size, c.intermediate_size, { bias });
    this.down_proj = new Linear(c.intermediate_size, c.hidden_size, { bias });
    this.act = getActivation(c.hidden_act);
  }
  /** x: (B, T, H) -> (B, T, H) */
  forward(x: Tensor): Tensor {
    return this.down_proj.forward(this.act(this.gate_proj.forward(x)).mul(this.up_proj.forward(x))); // (B, T, I) -> (B, T, H)
  }
}

/** Pre-norm block: x + attn(norm(x)), then h + mlp(norm(h)). */
export class LlamaDecoderLayer extends Module {
  /** Recompute this layer in the backward (PreTrainedModel.gradientCheckpointingEnable). */
  gradientCheckpointing = false;
  self_attn: SelfAttention;
  mlp: LlamaMLP;
  input_layernorm: RMSNorm;
  post_attention_layernorm: RMSNorm;
  readonly slidingWindow: number | null;
  constructor(c: LlamaConfig, layerIdx: number) {
    super();
    this.self_attn = new SelfAttention({
      hiddenSize: c.hidden_size, numHeads: c.num_attention_heads, numKvHeads: c.numKvHeads, headDim: c.headDim,
      qkvBias: c.qkvBias, outBias: c.oBias, qkNormEps: c.qkNorm ? c.rms_norm_eps : null,
      attentionDropout: c.attention_dropout, layerIdx,
    });
    this.mlp = new LlamaMLP(c);
    this.input_layernorm = new RMSNorm(c.hidden_size, { eps: c.rms_norm_eps });
    this.post_attention_layernorm = new RMSNorm(c.hidden_size, { eps: c.rms_norm_eps });
    this.slidingWindow = c.slidingWindowOf(layerIdx);
  }
  /** x: (B, T, H) -> (B, T, H) */
  forward(x: Tensor, ctx: { positionEmbeddings: [Tensor, Tensor]; mask: Tensor | null; isCausal?: boolean; eager?: boolean; cache: KVCache | null }): Tensor {
    const h = x.add(this.self_attn.forward(this.input_layernorm.forward(x), ctx)); // (B, T, H)
    return h.add(this.mlp.forward(this.post_attention_layernorm.forward(h))); // (B, T, H)
  }
}

/** Shared by every Llama-family model: the config class is the family. */
export abstract class LlamaPreTrainedModel extends PreTrainedModel<LlamaConfig> {
  static override readonly configClass = LlamaConfig;
  static override readonly baseModelPrefix: string = 'model';
  /** HF never saves the RoPE frequencies; older checkpoints carry them. */
  static override readonly keysToIgnoreOnLoadUnexpected: readonly RegExp[] = [/rotary_emb\.inv_freq$/];
}

/** Embeddings -> decoder layers -> final RMSNorm. */
export class LlamaModel extends LlamaPreTrainedModel {
  static override readonly inputNames: readonly string[] = DECODER_INPUTS;
  static override readonly baseModelPrefix: string = '';
  embed_tokens: Embedding;
  layers: ModuleList<LlamaDecoderLayer>;
  norm: RMSNorm;
  rotary_emb: RotaryEmbedding;

  constructor(config: LlamaConfig) {
    super(config);
    const c = config;
    this.embed_tokens = new Embedding(c.vocab_size, c.hidden_size, { paddingIdx: c.pad_token_id ?? undefined });
    this.layers = new ModuleList(Array.from({ length: c.num_hidden_layers }, (_, i) => new LlamaDecoderLayer(c, i)));
    this.norm = new RMSNorm(c.hidden_size, { eps: c.rms_norm_eps });
    this.rotary_emb = new RotaryEmbedding({ headDim: c.headDim, maxPositionEmbeddings: c.max_position_embeddings, params: c.ropeParameters });
    this.postInit();
  }

  override inputLimits(): InputLimits {
    // RoPE extrapolates past max_position_embeddings: positions are not a table, so no length limit.
    return { vocabSize: this.embed_tokens.numEmbeddings, hiddenSize: this.config.hidden_size, maxPositions: Number.MAX_SAFE_INTEGER, maskCoversPast: true };
  }

  /** input_ids (B, T) -> last_hidden_state (B, T, H) */
  override forward(inputs: DecoderInputs): DecoderOutput {
    checkInputs(inputs, DECODER_INPUTS, this.constructor.name, this.inputLimits());
    inputs = noCacheWhenCheckpointing(this, inputs);
    const x0 = inputs.inputs_embeds ?? this.embed_tokens.forward(inputs.input_ids!); // (B, T, H)
    const [b, t] = x0.shape as [number, number];
    const step = decoderStep(inputs, b, t, { dtype: x0.dtype });
    const positionEmbeddings = this.rotary_emb.forward(step.positionIds, x0.dtype as 'float32'); // (B, T, R) x 2
    const hidden: Tensor[] | undefined = inputs.output_hidden_states ? [x0] : undefined;
    let x = x0;
    let i = 0;
    for (const layer of this.layers) {
      const { mask, isCausal, eager } = step.attentionFor(layer.slidingWindow);
      x = maybeCheckpoint(layer, (y, [cos, sin, m]) => layer.forward(y, { positionEmbeddings: [cos!, sin!], mask: m ?? null, isCausal, eager, cache: step.cache }),
        x, [...positionEmbeddings, mask], { first: i++ === 0, cacheFree: step.cache === null, dropInput: !hidden && x !== x0 }); // (B, T, H)
      hidden?.push(x);
    }
    x = this.norm.forward(x); // (B, T, H)
    if (hidden) hidden[hidden.length - 1] = x; // HF: the last entry is after the final norm
    return { last_hidden_state: x, ...(step.cache ? { past_key_values: step.cache } : {}), ...(hidden ? { hidden_states: hidden } : {}) };
  }
}

/** LlamaModel + lm_head (tied to embed_tokens when tie_word_embeddings). */
export class LlamaForCausalLM extends LlamaPreTrainedModel {
  static override readonly inputNames: readonly string[] = CAUSAL_LM_INPUTS;
  /** The base model class this head wraps (Qwen2ForCausalLM: Qwen2Model). */
  static readonly baseClass: new (c: LlamaConfig) => LlamaModel = LlamaModel;
  model: LlamaModel;
  lm_head: Linear;
  /** 'chunked_nll': training forwards with labels compute the loss without logits (see causalLmForward); the Trainer sets it from loss_type. */
  lossType: CausalLossType = 'nll';
  /** With 'chunked_nll': also return TRL's token statistics (num_correct_tokens, entropy_sum, num_valid_tokens); the SFTTrainer sets it. */
  tokenStats = false;

  constructor(config: LlamaConfig) {
    super(config);
    this.model = new (this.constructor as typeof LlamaForCausalLM).baseClass(config);
    this.lm_head = new Linear(config.hidden_size, config.vocab_size, { bias: false });
    this.postInit();
  }

  override tieWeights(): void {
    if (this.config.tie_word_embeddings) this.tie(this.lm_head, this.model.embed_tokens.weight);
  }

  /** input_ids (B, T) -> logits (B, T, V); with labels, the shifted cross-entropy. */
  override forward(inputs: CausalLMInputs): CausalLMOutput {
    checkInputs(inputs, CAUSAL_LM_INPUTS, this.constructor.name, this.inputLimits());
    return causalLmForward(inputs, (b) => this.model.forward(markChecked(b) as never), this.lm_head, this.lossType, this.tokenStats);
  }
}

// ---- the families that are Llama blocks ----

export class Qwen2Model extends LlamaModel { static override readonly configClass = Qwen2Config; }
export class Qwen2ForCausalLM extends LlamaForCausalLM {
  static override readonly configClass = Qwen2Config;
  static override readonly baseClass = Qwen2Model;
}
export class Qwen3Model extends LlamaModel { static override readonly configClass = Qwen3Config; }
export class Qwen3ForCausalLM extends LlamaForCausalLM {
  static override readonly configClass = Qwen3Config;
  static override readonly baseClass = Qwen3Model;
}
export class MistralModel extends LlamaModel { static override readonly configClass = MistralConfig; }
export class MistralForCausalLM extends LlamaForCausalLM {
  static override readonly configClass = MistralConfig;
  static override readonly baseClass = MistralModel;
}
