// examples/mlm/sparse-head.ts — BertForMaskedLM that, given labels, runs its prediction head only
// on the labelled (masked) positions, as ModernBERT's `sparse_prediction` does.  The loss is the
// same number as HF's (cross-entropy averaged over labels != -100), the weights and the saved
// checkpoint are a plain BertForMaskedLM's; only ~15% of the (tokens x vocabulary) logits are
// computed, which is most of a tiny model's training step on a CPU.
import { BertForMaskedLM as DenseBertForMaskedLM, type ClassifierOutput, type LabeledInputs } from '../../src/models/index.js';
import { F } from '../../src/torch/index.js';

/**
 * A BertForMaskedLM (same class name, so config.json's `architectures` stays HF's) whose forward
 * with `labels` returns `{ loss, logits }` with logits (M, vocab_size) for the M labelled
 * positions in row-major order; without labels it is the dense forward: logits (B, T, vocab_size).
 */
export const SparseBertForMaskedLM = class BertForMaskedLM extends DenseBertForMaskedLM {
  override forward(inputs: LabeledInputs): ClassifierOutput {
    const { labels, ...rest } = inputs;
    if (!labels) return super.forward(inputs);
    const h = this.bert.forward(rest).last_hidden_state; // (B, T, H)
    const flat = labels.reshape(-1); // (B*T)
    const idx = flat.ne(-100).nonzero().squeeze(-1); // (M)
    const logits = this.cls.forward(h.reshape(-1, h.size(-1)).indexSelect(0, idx)); // (M, V)
    return { loss: F.crossEntropy(logits, flat.indexSelect(0, idx)), logits };
  }
};
