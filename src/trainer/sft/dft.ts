// dft.ts — TRL's loss_type 'dft' (trl sft_trainer.py dft_loss; "On the Generalization of SFT: A
// Reinforcement Learning Perspective with Reward Rectification", arXiv 2508.05629): each target
// token's negative log-likelihood weighted by its own probability, the weight detached.
import { F, type Tensor } from '../../torch/index.js';
import type { ModelOutput } from '../model.js';

/** logits (B, T, V) predict labels (B, T) shifted left by one; -100 ignored; sum / num_items_in_batch (default: the counted tokens). */
export function dftLoss(outputs: ModelOutput, labels: Tensor, numItemsInBatch: Tensor | null): Tensor {
  const logits = (outputs as ModelOutput & { logits?: Tensor }).logits;
  if (!logits) throw new TypeError("loss_type 'dft' needs the model's logits");
  const shifted = F.pad(labels.long(), [0, 1], -100).narrow(-1, 1, labels.size(-1)).to(logits.device); // (B, T)
  const mask = shifted.ne(-100);
  const safe = shifted.maskedFill(mask.logicalNot(), 0);
  const logp = logits.float().logSoftmax(-1).gather(-1, safe.unsqueeze(-1)).squeeze(-1); // (B, T)
  const perToken = logp.exp().detach().mul(logp).neg();
  const n = numItemsInBatch ?? mask.sum();
  return perToken.mul(mask.float()).sum().div(n.to(logits.device));
}
