// gradient-checkpointing.ts — activation checkpointing of transformer layers (HF
// gradient_checkpointing_enable / GradientCheckpointingLayer over torch.utils.checkpoint): a
// checkpointed layer runs without recording a graph, so none of its activations are kept; its
// output is a fresh leaf the rest of the forward builds on.  After `loss.backward()` has filled
// those leaves' gradients, finishCheckpointedBackward() walks the layers in reverse: each is run
// again with its graph (the CPU RNG state replayed, so dropout draws the same masks) and
// backpropagated from its output's gradient into its parameters and its input.
//
// Tensors with a graph that several checkpointed layers read (T5's position bias, from a trained
// bucket table; the encoder output every decoder layer's cross-attention reads) go through
// checkpointedInput(): the layers read a leaf standing for the tensor, whose gradient gathers over
// all of them; once the last of those layers (in backward order) is recomputed, that gradient is
// backpropagated into the tensor's own graph, once — a graph cannot be backpropagated twice.
//
// Why a second step instead of a backward hook: the addon exposes no custom autograd Function
// and no tensor hook (native/src/ops/autograd.cc has backward, autograd.grad and grad mode only),
// so nothing can run JS inside libtorch's backward.  See docs in PreTrainedModel.backward.
import { enableGrad, getRngState, isGradEnabled, keep, keepAlias, noGrad, setRngState, tidy, type Tensor } from '../../torch/index.js';

/** A layer that can be checkpointed: HF's GradientCheckpointingLayer flag. */
export interface CheckpointableLayer {
  gradientCheckpointing: boolean;
  training: boolean;
}

/** One checkpointed layer call awaiting its recomputation (every tensor a kept alias). */
interface Segment {
  kind: 'layer';
  /** The layer's forward: (input, the other tensors it reads) -> output. */
  fn: (x: Tensor, saved: (Tensor | null)[]) => Tensor;
  input: Tensor;
  saved: (Tensor | null)[];
  /** The leaf handed to the rest of the forward; loss.backward() fills its grad. */
  output: Tensor;
  /** CPU RNG state before the layer ran (null on other devices). */
  rng: Tensor | null;
}
/** A tensor with a graph that checkpointed layers read, stood in for by a leaf (checkpointedInput). */
interface Boundary {
  kind: 'input';
  /** The tensor, with its graph (backpropagated once, from leaf.grad). */
  source: Tensor;
  /** What the layers read: source detached, requiring grad. */
  leaf: Tensor;
}
type Pending = Segment | Boundary;

// in forward order: a boundary comes before the layers that read it, so the reverse walk of
// finishCheckpointedBackward reaches it after all of them
const pending: Pending[] = [];
const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { code: 'TUNEKIT_GRADIENT_CHECKPOINTING' });
}

const alias = (t: Tensor | null): Tensor | null => (t ? keepAlias(t.alias()) : null);
function release(s: Pending): void {
  const ts = s.kind === 'layer' ? [s.input, s.output, s.rng, ...s.saved] : [s.source, s.leaf];
  for (const t of ts) t?.dispose();
}
/** The leaf that loss.backward() fills: a layer's output, or a boundary's stand-in. */
const gradHolder = (s: Pending): Tensor => (s.kind === 'layer' ? s.output : s.leaf);

/** Number of checkpointed layer calls waiting for finishCheckpointedBackward() (for tests). */
export function pendingCheckpoints(): number {
  return pending.filter((s) => s.kind === 'layer').length;
}

/**
 * Starts a checkpointed forward: a previous forward whose output got a gradient but whose layers
 * were never recomputed is an error (the layers' gradients would be missing), and segments of a
 * forward that was never backpropagated are dropped.
 */
function startForward(): void {
  if (pending.length === 0) return;
  const g = pending.map((s) => gradHolder(s).grad).find((t) => t !== null && t !== undefined);
  if (g) {
    g.dispose();
    throw new Error('gradient checkpointing: the previous backward was not finished, so the checkpointed layers have no gradients. ' +
      'Call model.backward(loss) instead of loss.backward(), or model.finishCheckpointedBackward() right after it, before the optimizer step.');
  }
  for (const s of pending.splice(0)) release(s);
}

/**
 * Runs `fn(x, saved)` checkpointed when `layer` is flagged, in training, with grad enabled and
 * `cacheFree` (a KV cache would be written twice); otherwise runs it plainly.  `saved` are the
 * other tensors fn reads (masks, RoPE cos/sin): they are kept alive until the recomputation.
 * `first`: this is the first layer call of a model's forward.  `dropInput`: x is the previous
 * layer's output and nothing else reads it (no output_hidden_states): its handle is freed.
 * x: (B, T, H) -> (B, T, H)
 */
export function maybeCheckpoint(layer: CheckpointableLayer, fn: (x: Tensor, saved: (Tensor | null)[]) => Tensor, x: Tensor,
  saved: (Tensor | null)[], opts: { first: boolean; cacheFree: boolean; dropInput?: boolean }): Tensor {
  const y = runLayer(layer, fn, x, saved, opts);
  // the previous layer's output, now consumed: its handle goes (x = layer(x) in PyTorch drops the
  // last reference), so a no-grad forward holds one layer's output at a time, not all of them
  if (opts.dropInput && y !== x) x.dispose();
  return y;
}

function runLayer(layer: CheckpointableLayer, fn: (x: Tensor, saved: (Tensor | null)[]) => Tensor, x: Tensor,
  saved: (Tensor | null)[], opts: { first: boolean; cacheFree: boolean }): Tensor {
  const active = layer.training && opts.cacheFree && isGradEnabled();
  if (opts.first && active && pending.length) startForward();
  // one tidy scope per layer: its intermediates (q, k, v, the FFN's (B, T, 4H), ...) lose their JS
  // handles as the layer returns, so under no-grad they are freed then, as PyTorch frees them when
  // the last reference goes; with grad on, autograd's graph holds what backward needs itself
  if (!layer.gradientCheckpointing || !active) return tidy(() => fn(x, saved));
  if (x.device !== 'cpu')
    warnOnce(`gradient checkpointing on ${x.device}: dropout in a recomputed layer draws new masks (the CUDA RNG state cannot be saved); train with dropout 0 there`);
  const rng = x.device === 'cpu' ? keep(getRngState()) : null;
  const y = tidy(() => noGrad(() => fn(x, saved))); // (B, T, H), no graph: the layer's activations die here
  y.requiresGrad_(true);
  pending.push({ kind: 'layer', fn, input: alias(x)!, saved: saved.map(alias), output: alias(y)!, rng });
  return y;
}

/**
 * Starts a model forward whose layers may be checkpointed (for models that register
 * checkpointedInput()s before their first layer): as maybeCheckpoint's `first`.
 */
export function beginCheckpointedForward(layers: Iterable<CheckpointableLayer>): void {
  if (pending.length === 0 || !isGradEnabled()) return;
  for (const l of layers) if (l.gradientCheckpointing && l.training) { startForward(); return; }
}

/**
 * What `layers` should read for `t`, a tensor with a graph that more than one of them reads (see the
 * file header): a leaf standing for it when one of them is checkpointed (in training, grad enabled,
 * t requiring grad) — every layer, checkpointed or not, must then read that leaf — else t itself.
 * Call beginCheckpointedForward() first in the model's forward.
 */
export function checkpointedInput(layers: Iterable<CheckpointableLayer>, t: Tensor): Tensor {
  if (!t.requiresGrad || !isGradEnabled()) return t;
  let active = false;
  for (const l of layers) if (l.gradientCheckpointing && l.training) { active = true; break; }
  if (!active) return t;
  const leaf = t.detach().requiresGrad_(true);
  pending.push({ kind: 'input', source: alias(t)!, leaf: alias(leaf)! });
  return leaf;
}

/**
 * The second half of a checkpointed backward (see the file header): recomputes every pending
 * layer, latest first, and backpropagates each output's gradient (accumulated into .grad of its
 * parameters and of its input, or through the input's graph into the embeddings).  Layers whose
 * output got no gradient are skipped.  A no-op when nothing is pending.
 */
export function finishCheckpointedBackward(): void {
  if (pending.length === 0) return;
  const segments = pending.splice(0);
  const rngNow = segments.some((s) => s.kind === 'layer' && s.rng) ? getRngState() : null;
  try {
    for (let i = segments.length - 1; i >= 0; i--) {
      const s = segments[i]!;
      if (s.kind === 'input') {
        // every layer that read the stand-in is done: its gathered gradient into the source's graph, once
        tidy(() => {
          const g = s.leaf.grad;
          if (!g) return;
          s.source.backward(g);
          s.leaf.grad = null;
        });
        continue;
      }
      tidy(() => {
        const g = s.output.grad;
        if (!g) return;
        if (s.rng) setRngState(s.rng);
        const out = enableGrad(() => s.fn(s.input, s.saved)); // (B, T, H), with its graph this time
        if (out.requiresGrad) out.backward(g);
        s.output.grad = null;
      });
    }
  } finally {
    if (rngNow) { setRngState(rngNow); rngNow.dispose(); }
    for (const s of segments) release(s);
  }
}

/** Drops every pending segment without backpropagating (gradientCheckpointingDisable). */
export function clearCheckpoints(): void {
  for (const s of pending.splice(0)) release(s);
}

/**
 * HF's GradientCheckpointingLayer rule for decoders: in training with checkpointed layers,
 * `use_cache: true` is turned off with a warning (a recomputed layer would write the cache twice).
 * An explicit past_key_values is kept; those layers then run without checkpointing.
 */
export function noCacheWhenCheckpointing<I extends { use_cache?: boolean }>(model: { training: boolean; modules(): object[] }, inputs: I): I {
  if (!inputs.use_cache || !model.training || !isGradEnabled()) return inputs;
  if (!model.modules().some((m) => (m as Partial<CheckpointableLayer>).gradientCheckpointing === true)) return inputs;
  warnOnce('`use_cache=True` is incompatible with gradient checkpointing. Setting `use_cache=False`.');
  return { ...inputs, use_cache: false };
}
