// head.ts — the LM head's logits for a few decoder rows (decode steps of generate()), computed as
// (W h^T)^T instead of h W^T, returned as a view (columns contiguous). Same values up to float
// rounding; measured on libtorch 2.13 CPU (MKL, 1 thread), a (32128, 256) head: 1 row 3.9 -> 1.7 ms, 2 rows 7.7 -> 1.8, 4 rows 5.9 -> 2.8, 8 rows
// 6.7 -> 4.2 (the same in torch; bench/seq2seq-floor.ts, docs/benchmarks.md): for h W^T MKL packs the whole transposed weight (a 33 MB copy)
// on every call, and its 1-row gemv on the transposed layout is the slow one, while W h^T streams W
// once. From ~12 rows, and for weights that fit in cache, the plain linear is as fast or faster.
// This belongs in nn.Linear for every model; it lives here, beside the mainline, until it is proven.
import { F, cat, isGradEnabled, noGrad, zerosLike, type Tensor } from '../../torch/index.js';
import { Linear } from '../../nn/index.js';

/** Rows up to which the transposed product wins at 1 and 2 threads (1 thread: 12-16 tie, 24+ lose; 2 threads: 24-48 lose). */
const MAX_ROWS = 8;
/** Weights below this many elements stay in cache: the plain linear is faster there. */
const MIN_WEIGHT = 1 << 20;

/** The head's weight is one the transposed products are for: a big float32 CPU matrix of a plain Linear. */
function bigCpuHead(head: Linear): boolean {
  const w = head.weight;
  return head.constructor === Linear && head.bias === null && w.numel() >= MIN_WEIGHT && w.device === 'cpu' && w.dtype === 'float32';
}

/**
 * A transposed copy of the head's weight, (d_model, V) contiguous, for decode steps of more than
 * MAX_ROWS rows (beam search, big batches): h W^T with W^T already in memory needs no packing of the
 * transposed weight by MKL — (32, 256) x (256, 32128) on 1 thread: 13.4 -> 10.8 ms (bench/hf/decode_micro.py,
 * docs/benchmarks.md 2026-12-06 (e)). It costs a copy of the weight for the length of one generate() (made and freed by
 * T5ForConditionalGeneration.beginDecoding), so it is made only where it is used. Null otherwise.
 */
export function decodeHeadWeight(head: Linear, rows: number): DecodeHeadWeight | null {
  if (rows <= MAX_ROWS || !bigCpuHead(head)) return null;
  const w = head.weight;
  return { of: w, version: w._version, weightT: noGrad(() => w.detach().transpose(0, 1).contiguous()).keep() }; // (d_model, V)
}

/** decodeHeadWeight's copy and what it was copied from: stale once the weight is another or was written to. */
export interface DecodeHeadWeight {
  of: Tensor;
  version: number;
  /** (d_model, V) contiguous */
  weightT: Tensor;
}

/**
 * head(h) for h (B, T, d_model) -> (B, T, V); the transposed product when no gradient is needed.
 * `copy`: decodeHeadWeight's, used for more than MAX_ROWS rows while the weight is unchanged.
 */
export function lmHeadLogits(head: Linear, h: Tensor, copy: DecodeHeadWeight | null = null): Tensor {
  const w = head.weight, rows = h.numel() / h.size(-1);
  const noGradient = !(isGradEnabled() && (w.requiresGrad || h.requiresGrad));
  // the copy only while it is the weight's: a run abandoned without finishing leaves it behind
  if (copy && rows > MAX_ROWS && noGradient && h.dtype === 'float32' && copy.of === w && copy.version === w._version && bigCpuHead(head))
    return h.reshape(rows, h.size(-1)).matmul(copy.weightT).view(...h.shape.slice(0, -1), w.size(0)); // (B, T, V)
  const plain = rows > MAX_ROWS || !bigCpuHead(head) || h.dtype !== 'float32' || !noGradient;
  if (plain) return head.forward(h);
  const x = h.reshape(rows, h.size(-1)); // (R, d_model)
  // one row: MKL's matrix-vector path is the slow one; a zero second row makes it a matrix product
  const xs = rows === 1 ? cat([x, zerosLike(x)], 0) : x; // (R | 2, d_model)
  const out = w.matmul(xs.transpose(0, 1)); // (V, R | 2)
  // a view of (R, V) over the (V, R) product, no transposing copy (~0.3 ms a batch-8 step): greedy
  // search's argmax reads it as it is; softmax-based decoding makes it contiguous first
  return (rows === 1 ? out.narrow(1, 0, 1) : out).transpose(0, 1).view(...h.shape.slice(0, -1), w.size(0)); // (B, T, V)
}

/**
 * The training loss without the (B, Tt, V) logits (TRL's loss_type 'chunked_nll', as the causal LMs'
 * lossType): rows whose label is -100 are dropped before the projection, the rest are projected and
 * their gradients made block by block (F.linearCrossEntropySum). The same value as
 * seq2seqLmLoss(head(h), labels): the mean over label tokens. h (B, Tt, d_model), labels (B, Tt) -> 0-d.
 */
export function chunkedSeq2SeqLoss(head: Linear, h: Tensor, labels: Tensor): Tensor {
  if (head.constructor !== Linear)
    throw new TypeError(`lossType 'chunked_nll' reads lm_head's weight directly, so lm_head must be a plain Linear (got ${head.constructor.name}); use lossType 'nll'`);
  if (labels.ndim !== 2 || labels.size(0) !== h.size(0) || labels.size(1) !== h.size(1))
    throw new RangeError(`labels have shape [${labels.shape}] but the decoder output [${h.shape}]: labels must be (B, Tt) like the decoder inputs`);
  const flat = labels.long().reshape(-1).to(h.device); // (B*Tt)
  const sum = F.linearCrossEntropySum(h.reshape(-1, h.size(-1)), head.weight, head.bias, flat, { ignoreIndex: -100 }); // 0-d
  return sum.div(flat.ne(-100).sum()); // NaN when no label counts, as torch's mean cross-entropy
}
