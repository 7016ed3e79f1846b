// groups.ts — HF Trainer's weight-decay split (transformers 4.47, Trainer.get_decay_parameter_names
// and create_optimizer): no decay for biases and for the weights of LayerNorm-type modules.
// HF decides by module type (ALL_LAYERNORM_LAYERS); from names alone tunekit decides by the
// owning module's attribute name (isNormParamName), which covers the HF model families' spellings.
import type { Tensor } from '../torch/index.js';

/** Split into tokens on `_` and digits: `post_attention_layernorm` -> post, attention, layernorm. */
const tokens = (s: string): string[] => s.split(/[_\d]+/).filter((t) => t.length > 0);

/**
 * Default rule for "this parameter belongs to a LayerNorm/RMSNorm module".  The owning module is
 * the name's second-to-last segment (a ModuleList index like `norms.0` looks one further up),
 * lowercased.  It is a norm when it contains `layernorm` or `rmsnorm` (BERT `LayerNorm`, Llama
 * `input_layernorm`, ViT `layernorm_before`), or has a token `norm` (Llama `model.norm`, T5
 * `layer_norm`, Qwen3 `q_norm`, `norm_f`, `norm1`, a ModuleList `norms`) or `ln` (GPT-2 `ln_1`, `ln_f`, Falcon
 * `ln_attn`, Whisper `attn_ln`).  BatchNorm/GroupNorm/InstanceNorm modules are not LayerNorms in
 * HF's sense, so `batch_norm`, `group_norm`, `instance_norm` (and run-together forms) keep decay.
 * @example isNormParamName('bert.encoder.layer.0.output.LayerNorm.weight') // true
 */
export function isNormParamName(name: string): boolean {
  const segs = name.split('.');
  let i = segs.length - 2;
  while (i >= 0 && /^\d+$/.test(segs[i]!)) i--;
  if (i < 0) return false;
  const mod = segs[i]!.toLowerCase();
  const toks = tokens(mod);
  if (/batchnorm|groupnorm|instancenorm/.test(mod) || toks.some((t) => t === 'batch' || t === 'group' || t === 'instance')) return false;
  return mod.includes('layernorm') || mod.includes('rmsnorm') || toks.some((t) => t === 'norm' || t === 'norms' || t === 'ln');
}

/**
 * Names that get weight decay, in input order: HF's rule is "not inside a LayerNorm-type
 * module and `bias` nowhere in the name" (a substring test, so T5's
 * `relative_attention_bias.weight` gets no decay either, as in HF).
 */
export function getDecayParameterNames(names: Iterable<string>, isNormParam: (name: string) => boolean = isNormParamName): string[] {
  return [...names].filter((n) => !n.includes('bias') && !isNormParam(n));
}

/** The two groups of HF's create_optimizer, ready for an optimizer constructor. */
export type DecayGroups = [{ params: Tensor[]; weightDecay: number }, { params: Tensor[]; weightDecay: number }];

/**
 * HF Trainer's parameter groups: [decayed (weightDecay), not decayed (0)], each keeping the
 * input order.  As in HF, parameters with requiresGrad false are left out of both groups
 * (frozen base weights under LoRA); either group may be empty.
 * @example new AdamW(getParameterGroups(model.namedParameters(), 0.01), { lr: 5e-5 })
 */
export function getParameterGroups(namedParameters: Iterable<[string, Tensor]>, weightDecay: number,
  opts: { isNormParam?: (name: string) => boolean } = {}): DecayGroups {
  const named = [...namedParameters];
  const decay = new Set(getDecayParameterNames(named.map(([n]) => n), opts.isNormParam));
  const groups: DecayGroups = [{ params: [], weightDecay }, { params: [], weightDecay: 0 }];
  for (const [n, p] of named) if (p.requiresGrad) groups[decay.has(n) ? 0 : 1].params.push(p);
  return groups;
}
