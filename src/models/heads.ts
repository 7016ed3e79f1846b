// heads.ts — what HF's task heads share across architectures: the losses of sequence
// classification (problem_type: regression / single-label / multi-label), token
// classification / masked LM and extractive QA (modeling_bert.py Bert*For*.forward), the QA
// span split, and assembling the output objects.
import { F, type Tensor } from '../torch/index.js';
import type { PretrainedConfig, ProblemType } from './config/pretrained.js';

const isIntegral = (t: Tensor): boolean => t.dtype === 'int64' || t.dtype === 'int32' || t.dtype === 'int16' || t.dtype === 'int8' || t.dtype === 'uint8';
const sameShape = (a: Tensor, b: Tensor): boolean => a.ndim === b.ndim && a.shape.every((s, i) => s === b.size(i));

/**
 * The problem type HF infers at the first forward when config.problem_type is unset:
 * num_labels == 1 -> regression; integer labels -> single-label; else multi-label.
 * JS caveat: a label column arrives as int64 when every value is a whole number, so integer
 * labels shaped like the logits (B, num_labels) — a multi-hot matrix — mean multi-label here
 * (HF would see float labels and decide the same).
 */
export function inferProblemType(numLabels: number, logits: Tensor, labels: Tensor): ProblemType {
  if (numLabels === 1) return 'regression';
  if (isIntegral(labels) && !(labels.ndim > 1 && sameShape(labels, logits))) return 'single_label_classification';
  return 'multi_label_classification';
}

/**
 * Sequence-classification loss.  Sets config.problem_type on first use, as HF does (so it is
 * saved with the model).  regression: MSE (squeezed when num_labels == 1); single-label:
 * cross-entropy over (B, num_labels) vs (B) ids; multi-label: BCE-with-logits vs (B,
 * num_labels) targets.  Integer regression / multi-label targets are cast to the logits' dtype.
 * logits: (B, num_labels) -> 0-d loss.
 */
export function sequenceClassificationLoss(logits: Tensor, labels: Tensor, config: PretrainedConfig): Tensor {
  const n = config.num_labels;
  if (config.problem_type === null) config.problem_type = inferProblemType(n, logits, labels);
  switch (config.problem_type) {
    case 'regression': {
      const target = labels.to(logits.dtype);
      return n === 1 ? F.mseLoss(logits.squeeze(), target.squeeze()) : F.mseLoss(logits, target);
    }
    case 'single_label_classification': {
      const target = labels.long(); // float ids (e.g. from a Float32Array column) become int64
      return F.crossEntropy(logits.view(-1, n), target.view(-1)); // (B, n) vs (B)
    }
    case 'multi_label_classification':
      return F.binaryCrossEntropyWithLogits(logits, labels.to(logits.dtype)); // (B, n) vs (B, n)
  }
}

/** Per-token cross-entropy: logits (B, T, C), labels (B, T) int64 with -100 ignored -> 0-d. */
export function tokenClassificationLoss(logits: Tensor, labels: Tensor): Tensor {
  const c = logits.size(-1);
  return F.crossEntropy(logits.view(-1, c), labels.long().view(-1)); // (B*T, C) vs (B*T)
}

/**
 * HF's QA loss: positions (B) or (B, 1) are clamped to [0, T] and T is ignored (an answer
 * outside the window contributes nothing); loss = (CE(start) + CE(end)) / 2.
 * start/end logits: (B, T) -> 0-d.
 */
export function questionAnsweringLoss(startLogits: Tensor, endLogits: Tensor, startPositions: Tensor, endPositions: Tensor): Tensor {
  const sq = (p: Tensor): Tensor => (p.ndim > 1 ? p.squeeze(-1) : p);
  const ignored = startLogits.size(1);
  const s = sq(startPositions).long().clamp(0, ignored); // (B)
  const e = sq(endPositions).long().clamp(0, ignored); // (B)
  const ls = F.crossEntropy(startLogits, s, { ignoreIndex: ignored });
  const le = F.crossEntropy(endLogits, e, { ignoreIndex: ignored });
  return ls.add(le).div(2);
}

/** Splits (B, T, 2) span logits into start (B, T) and end (B, T), as HF's QA heads. */
export function splitSpanLogits(logits: Tensor): { start_logits: Tensor; end_logits: Tensor } {
  if (logits.size(-1) !== 2) throw new RangeError(`question answering needs num_labels = 2 (start, end), got ${logits.size(-1)}`);
  const [s, e] = logits.split(1, -1) as [Tensor, Tensor]; // (B, T, 1) each
  return { start_logits: s.squeeze(-1).contiguous(), end_logits: e.squeeze(-1).contiguous() }; // (B, T)
}

/** A copy of a head's inputs without the head-only keys (labels, positions), for the base model. */
export function baseInputs<T extends object>(inputs: T, ...drop: string[]): T {
  const out = { ...inputs } as Record<string, unknown>;
  for (const k of drop) delete out[k];
  return out as T;
}

/** Adds loss (when computed) and hidden_states (when asked for) to a head's output. */
export function withExtras<O extends object>(out: O, loss: Tensor | undefined, hidden: Tensor[] | undefined): O & { loss?: Tensor; hidden_states?: Tensor[] } {
  const o = out as O & { loss?: Tensor; hidden_states?: Tensor[] };
  if (loss) o.loss = loss;
  if (hidden) o.hidden_states = hidden;
  return o;
}
