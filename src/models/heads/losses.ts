// losses.ts — what HF's task heads share across architectures: the losses of sequence
// classification (problem_type: regression / single-label / multi-label), token
// classification / masked LM and extractive QA (modeling_bert.py Bert*For*.forward), the QA
// span split, and assembling the output objects.
import { F, tidy, type Tensor } from '../../torch/index.js';
import type { PretrainedConfig, ProblemType } from '../config/pretrained.js';

const isIntegral = (t: Tensor): boolean => t.dtype === 'int64' || t.dtype === 'int32' || t.dtype === 'int16' || t.dtype === 'int8' || t.dtype === 'uint8';
const sameShape = (a: Tensor, b: Tensor): boolean => a.ndim === b.ndim && a.shape.every((s, i) => s === b.size(i));

/**
 * The problem type HF infers at the first forward when config.problem_type is unset:
 * num_labels == 1 -> regression; integer labels -> single-label; else multi-label.
 * JS caveat: a label column arrives as int64 when every value is a whole number, so integer
 * labels shaped like the logits (B, num_labels) — a multi-hot matrix — mean multi-label here
 * (HF would see float labels and decide the same).  Float labels with one value per row (not
 * shaped like the logits) mean single-label here: HF would pick multi-label and then fail on
 * the shape mismatch in BCE; as class ids they are checked to be integers (a 1.5 is refused).
 */
export function inferProblemType(numLabels: number, logits: Tensor, labels: Tensor): ProblemType {
  if (numLabels === 1) return 'regression';
  const multiHot = labels.ndim > 1 && sameShape(labels, logits);
  if (isIntegral(labels) ? !multiHot : !multiHot && labels.dtype !== 'bool') return 'single_label_classification';
  return 'multi_label_classification';
}

/** Shortest decimal that reads back as the same float32 (2.9, not 2.9000000953674316). */
function showFloat(v: number, dtype: string): string {
  if (!Number.isFinite(v) || dtype !== 'float32') return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return String(s);
  }
  return String(v);
}

/**
 * Refuses class-id labels that are not integers: float labels (a Float32Array column, or a
 * batch where one row is 1.5) would be truncated by labels.long() and train silently.  Integer
 * dtypes pass untouched (no work); for float ones it costs one reduction.  -100 (ignored) is an
 * integer.  The error names the first bad element by its batch index: `labels[3] = 1.5`.
 */
export function checkClassIds(labels: Tensor, what: string): void {
  if (isIntegral(labels) || labels.dtype === 'bool') return;
  const bad = tidy(() => Boolean(labels.trunc().ne(labels).logicalOr(labels.isfinite().logicalNot()).any().item()));
  if (!bad) return;
  const flat = tidy(() => labels.detach().float().cpu().toTypedArray()) as Float32Array;
  const i = flat.findIndex((x) => !Number.isInteger(x));
  const shape = labels.shape;
  const idx: number[] = [];
  for (let d = shape.length - 1, r = i; d >= 0; d--) { idx.unshift(r % shape[d]!); r = Math.floor(r / shape[d]!); }
  const v = flat[i]!;
  throw new RangeError(`labels[${idx.join(', ')}] = ${showFloat(v, labels.dtype === 'float64' ? 'float64' : 'float32')} is not an integer class id (${what}); ` +
    `labels.long() would ${Number.isFinite(v) ? `truncate it to ${Math.trunc(v)}` : 'turn it into garbage'}. Class ids must be integers (-100 to ignore one).`);
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
  const problem = config.problem_type ?? inferProblemType(n, logits, labels);
  if (problem === 'single_label_classification')
    checkClassIds(labels, `single_label_classification with num_labels = ${n}; for regression use num_labels = 1, for multi-label (B, ${n}) float targets`);
  config.problem_type = problem; // set once the labels are known good, as HF does at the first forward
  switch (problem) {
    case 'regression': {
      const target = labels.to(logits.dtype);
      return n === 1 ? F.mseLoss(logits.squeeze(), target.squeeze()) : F.mseLoss(logits, target);
    }
    case 'single_label_classification': {
      const target = labels.long(); // whole-number float ids (e.g. from a Float32Array column) become int64
      return F.crossEntropy(logits.view(-1, n), target.view(-1)); // (B, n) vs (B)
    }
    case 'multi_label_classification':
      return F.binaryCrossEntropyWithLogits(logits, labels.to(logits.dtype)); // (B, n) vs (B, n)
  }
}

/** Per-token cross-entropy: logits (B, T, C), labels (B, T) int64 with -100 ignored -> 0-d.  Non-integer float labels are refused (checkClassIds). */
export function tokenClassificationLoss(logits: Tensor, labels: Tensor): Tensor {
  checkClassIds(labels, 'one class id per token');
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
