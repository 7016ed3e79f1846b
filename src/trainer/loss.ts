// loss.ts — the Trainer's loss (transformers trainer.py compute_loss, training_step,
// get_batch_samples) and the gradient-accumulation rule of transformers >= 4.50: a model that
// takes `num_items_in_batch` normalises its summed token loss by the label tokens of the whole
// accumulated batch; any other has its micro-batch mean loss divided by the accumulation steps.
import { Tensor, cuda } from '../torch/index.js';
import type { Batch } from '../data/collators/index.js';
import { callForward, type ModelOutput } from './model.js';
import type { TrainerContext } from './context.js';
import { underAutocast } from './precision.js';
import { afterBackward, ddpForward } from './distributed.js';

/** See Trainer.computeLoss. */
export function computeLoss(ctx: TrainerContext, inputs: Batch, numItemsInBatch: Tensor | null | undefined): { loss: Tensor; outputs: ModelOutput } {
  return underAutocast(ctx, () => computeLossInner(ctx, inputs, numItemsInBatch));
}

function computeLossInner(ctx: TrainerContext, inputs: Batch, numItemsInBatch: Tensor | null | undefined): { loss: Tensor; outputs: ModelOutput } {
  const t = ctx.trainer;
  let labels: Tensor | null = null;
  let feed: Batch = inputs;
  if (t.computeLossFunc && 'labels' in inputs) {
    labels = inputs.labels!;
    feed = { ...inputs };
    delete feed.labels;
  }
  if (t.model.acceptsLossKwargs && numItemsInBatch) feed = { ...feed, num_items_in_batch: numItemsInBatch };
  const outputs = callForward(t.model, feed);
  let loss: Tensor | null | undefined;
  if (labels !== null) loss = t.computeLossFunc!(outputs, labels, numItemsInBatch ?? null);
  else loss = outputs.loss;
  if (!(loss instanceof Tensor)) {
    const missing = t.labelNames.filter((k) => !(k in inputs));
    const why = missing.length === 0 ? '' : ` The batch has no ${missing.map((k) => `'${k}'`).join(', ')}: its rows carry no label (the collators ` +
      'drop a label column that is null or undefined in every row of a batch, as HF\'s default_data_collator does), ' +
      'or the dataset names the label column otherwise (set label_names). Remove or label the rows without a label.';
    throw new Error(`The model did not return a loss from the inputs, only the following keys: ${Object.keys(outputs).join(',')}. ` +
      `For reference, the inputs it received are ${Object.keys(feed).join(',')}.${why}`);
  }
  return { loss, outputs };
}

/** See Trainer.trainingStep: forward, the GA loss rule, backward; the loss, detached (a 0-d tensor on the device). */
export function trainingStep(ctx: TrainerContext, inputs: Batch, numItemsInBatch: Tensor | null): Tensor {
  const t = ctx.trainer;
  let { loss } = ddpForward(ctx, () => t.computeLoss(inputs, { numItemsInBatch }));
  const selfNormalised = t.model.acceptsLossKwargs === true && numItemsInBatch !== null;
  // HF: with the token count summed over ranks, DDP's gradient mean would divide by the world size once more
  if (selfNormalised && t.args.average_tokens_across_devices && ctx.run.ddp) loss = loss.mul(t.args.world_size);
  if (!selfNormalised && t.computeLossFunc === null && t.gaLossRule === 'divide') loss = loss.div(t.args.gradient_accumulation_steps);
  // HF training_step: every torch_empty_cache_steps updates the device's cached blocks go back
  const every = t.args.torch_empty_cache_steps;
  if (every !== null && t.state.global_step % every === 0 && String(ctx.device).startsWith('cuda')) cuda.emptyCache();
  // fp16: the loss times the GradScaler's scale, so small float16 gradients do not flush to zero
  (t.gradScaler ? t.gradScaler.scale(loss) : loss).backward();
  // Checkpointed layers are recomputed and backpropagated after the native backward (see
  // models/utils/gradient-checkpointing.ts); a no-op without checkpointing.
  (t.model as { finishCheckpointedBackward?: () => void }).finishCheckpointedBackward?.();
  afterBackward(ctx);
  return loss.detach();
}

/**
 * HF get_batch_samples: labels != -100 over all micro-batches of the update, as a 0-d int64 tensor —
 * before any shift (4.47), or `shifted`: labels[..., 1:], what a causal LM's loss counts (transformers 5).
 */
export function numItemsInBatch(batches: Batch[], shifted = false): Tensor | null {
  if (!batches.every((b) => b.labels instanceof Tensor)) return null;
  let total: Tensor | null = null;
  for (const b of batches) {
    const l = shifted ? b.labels!.narrow(-1, 1, Math.max(0, b.labels!.size(-1) - 1)) : b.labels!;
    const c = l.ne(-100).sum(undefined, false, { dtype: 'int64' });
    total = total === null ? c : total.add(c);
  }
  return total;
}
