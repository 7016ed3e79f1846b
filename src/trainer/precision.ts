// precision.ts — HF's mixed precision in the Trainer (accelerate's native AMP): `bf16` / `fp16`
// run every forward under libtorch's autocast and hand float32 outputs back
// (convert_outputs_to_fp32); `fp16` scales the loss with a GradScaler (skipped steps on inf/NaN
// gradients, scaler.json in checkpoints); `bf16_full_eval` / `fp16_full_eval` cast the model for
// an evaluate() or predict() outside train(); `tf32` sets libtorch's CUDA TF32 flags.
import { Tensor, autocast, cuda, tidy, version, zeros, type Device, type DType } from '../torch/index.js';
import { GradScaler } from '../optim/index.js';
import type { TrainerContext } from './context.js';
import type { ModelOutput } from './model.js';
import type { TrainingArguments } from './training-args.js';

/** The autocast dtype of these arguments, or null for float32 training. */
export function autocastDtype(a: TrainingArguments): 'bfloat16' | 'float16' | null {
  return a.bf16 ? 'bfloat16' : a.fp16 ? 'float16' : null;
}

const deviceType = (d: Device): 'cpu' | 'cuda' => (String(d).startsWith('cuda') ? 'cuda' : 'cpu');

/**
 * Checks the precision settings against this libtorch and device when the Trainer is built (HF's
 * TrainingArguments.__post_init__ and accelerate's Accelerator do it there), and applies `tf32`.
 */
export function checkPrecision(a: TrainingArguments, device: Device): void {
  const dev = deviceType(device);
  for (const [flag, dtype] of [['fp16', 'float16'], ['bf16', 'bfloat16']] as const) {
    if (!a[flag]) continue;
    try {
      autocast(dev, { dtype }, () => undefined);
    } catch (e) {
      const why = (e as Error).message.replace(/^autocastEnter: /, '');
      throw new RangeError(`TrainingArguments ${flag}=true: ${why}. ` +
        (flag === 'fp16' && dev === 'cpu' ? 'Use bf16=true on CPU (every libtorch autocasts bfloat16 there), or train in float32.' : 'Train in float32.'));
    }
  }
  if (a.fp16_full_eval && dev === 'cpu') {
    // the model itself becomes float16: 1.13's CPU kernels have no float16 matmul
    const why = cpuHalfMatmul();
    if (why) throw new RangeError(`TrainingArguments fp16_full_eval=true: float16 matmuls on CPU need libtorch >= 2.3 (this is ${version()}: ${why}). Use bf16_full_eval=true.`);
  }
  if (a.tf32 === true) {
    if (!cuda.isAvailable()) throw new RangeError('--tf32 requires Ampere or a newer GPU arch, cuda>=11 and torch>=1.7 (TrainingArguments tf32=true, but no CUDA device is visible)');
    cuda.setAllowTF32(true);
  } else if (a.tf32 === false) {
    cuda.setAllowTF32(false);
  }
}

/** Why this libtorch cannot multiply float16 matrices on CPU (1.13: no kernel), or null when it can. */
function cpuHalfMatmul(): string | null {
  try {
    tidy(() => zeros([2, 2], { dtype: 'float16' }).matmul(zeros([2, 2], { dtype: 'float16' })));
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0]!;
  }
}

/**
 * Pure low-precision training (a model loaded with dtype 'float16' or made half(), as seed runs
 * do with adam_epsilon 1e-4): float16 weights on CPU need a libtorch with float16 CPU kernels.
 */
export function checkModelDtype(model: { namedParameters(): [string, Tensor][] }, device: Device): void {
  if (deviceType(device) !== 'cpu') return;
  const half = model.namedParameters().find(([, p]) => p.dtype === 'float16');
  if (!half) return;
  const why = cpuHalfMatmul();
  if (why) throw new RangeError(`Trainer: the model's weights are float16 ('${half[0]}'), but libtorch ${version()} has no float16 matmul on CPU (${why}; ` +
    "libtorch >= 2.3 has). Load the model with dtype 'bfloat16' (or model.bfloat16()), or train in float32.");
}

/** A GradScaler for fp16 training (torch's defaults, or the Trainer's `gradScaler` option); null otherwise. */
export function makeScaler(a: TrainingArguments, given: GradScaler | undefined): GradScaler | null {
  if (given !== undefined && !(given instanceof GradScaler)) throw new TypeError('Trainer: gradScaler must be a GradScaler (new GradScaler({...}))');
  if (!a.fp16) {
    if (given) throw new RangeError('Trainer: a gradScaler was given but fp16 is false (loss scaling is for float16 mixed precision; set fp16=true)');
    return null;
  }
  return given ?? new GradScaler();
}

const f32 = (v: unknown): unknown => (v instanceof Tensor && (v.dtype === 'bfloat16' || v.dtype === 'float16') ? v.float() : v);

/**
 * Runs a forward (and its loss) under autocast when bf16/fp16 is on, as accelerate wraps
 * model.forward; the floating outputs and the loss come back as float32, so losses, metrics and
 * backward's first gradient are float32 as in HF.
 */
export function underAutocast<T extends { outputs: ModelOutput; loss?: Tensor | null }>(ctx: TrainerContext, fn: () => T): T {
  const dtype = autocastDtype(ctx.trainer.args);
  if (dtype === null) return fn();
  const r = autocast(deviceType(ctx.device), { dtype }, fn);
  const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, f32(v)])) as ModelOutput;
  return r.loss instanceof Tensor ? { ...r, loss: f32(r.loss) as Tensor, outputs } : { ...r, outputs };
}

/**
 * HF evaluation_loop: with bf16_full_eval / fp16_full_eval, an evaluate() or predict() outside
 * train() first casts the model itself to that dtype (it stays cast, as in HF).
 */
export function castForFullEval(ctx: TrainerContext): void {
  const a = ctx.trainer.args;
  if (ctx.run.inTrain || !(a.bf16_full_eval || a.fp16_full_eval)) return;
  const dtype: DType = a.fp16_full_eval ? 'float16' : 'bfloat16';
  const m = ctx.trainer.model as { to?: (t: { dtype: DType; device: Device }) => unknown };
  if (typeof m.to !== 'function') throw new TypeError(`${a.fp16_full_eval ? 'fp16' : 'bf16'}_full_eval needs a model with to({dtype}) (a tunekit PreTrainedModel)`);
  m.to({ dtype, device: ctx.device });
}
