// tunekit/nn — Module and the building blocks of transformer models (torch.nn).
//   import * as nn from 'tunekit/nn';
//   class MLP extends nn.Module { fc = new nn.Linear(4, 2); forward(x: Tensor) { return this.fc.forward(x); } }
export { Module, type StateDict, type LoadResult } from './module.js';
export { parameter, isParameter } from './parameter.js';
export { ModuleList, Sequential, ModuleDict, ParameterDict, type UnaryModule } from './container.js';
export { Linear, type LinearOptions } from './linear.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { LayerNorm, RMSNorm, type LayerNormOptions, type RMSNormOptions } from './normalization.js';
export { Dropout, ReLU, GELU, SiLU, Tanh, Sigmoid, Identity, ACT2FN, getActivation, type ActivationName } from './activation.js';
export * as init from './init.js';
export {
  attention, repeatKv, splitHeads, mergeHeads, paddingMask, FINFO_MIN, withEagerAttention, checkAttnImplementation, type AttentionOptions, type AttnImplementation,
} from './attention.js';
export { Conv1D, type Conv1DOptions } from './conv1d.js';
export { RotaryEmbedding, ropeInverseFrequencies, rotaryDim, rotateHalf, applyRotaryPosEmb, ROPE_TYPES, type RopeParameters, type RopeConfig } from './rope.js';
export { DynamicCache, StaticCache, EncoderDecoderCache, type KVCache, type StaticCacheOptions } from './kv-cache.js';
export { causalMask, positionIdsFromMask, sequenceIndices, packedSequenceIds, type CausalMaskOptions } from './causal-mask.js';
export { SelfAttention, type SelfAttentionConfig, type AttentionContext } from './self-attention.js';
export {
  varlenAttention, cuSeqlensFromSegments, cuSeqlensOnHost, isCuSeqlens, maxSeqlen, setVarlenAttention, varlenAttentionEnabled, unpadInput, padInput,
  type VarlenAttentionOptions, type Unpadded,
} from './varlen.js';
