// model.ts — accelerate's prepare_model for a tunekit Module.  PyTorch's DDP is a wrapper module
// whose __call__ runs the reducer's hooks around the inner forward; tunekit models are called as
// `model.forward(batch)`, so instead of a wrapper object prepare() returns the model itself with
// its `forward` replaced: autocast + float32 outputs (mixed precision, as accelerate patches
// model.forward), then DistributedDataParallel.forward (several processes).  Everything else —
// parameters, train()/eval(), savePretrained — is the model's own, so unwrapModel() is the model.
// Forwards under noGrad (evaluation, generate) never touch the reducer or a collective.
import { Tensor, autocast, type Device } from '../torch/index.js';
import type { Module } from '../nn/index.js';
import { DistributedDataParallel, type DDPOptions } from '../distributed/index.js';

export type MixedPrecision = 'no' | 'bf16' | 'fp16';

/** What prepare() did to a model (kept so unwrapModel / endTraining can undo it). */
export interface PreparedModel {
  model: Module;
  /** the forward before prepare() */
  original: (...args: unknown[]) => unknown;
  ddp: DistributedDataParallel | null;
}

/** accelerate's convert_to_fp32 on a forward's result: bfloat16 / float16 tensors to float32. */
export function convertToFp32<T>(x: T): T {
  if (x instanceof Tensor) return (x.dtype === 'bfloat16' || x.dtype === 'float16' ? x.float() : x) as T;
  if (Array.isArray(x)) return x.map(convertToFp32) as T;
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype)
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, convertToFp32(v)])) as T;
  return x;
}

/** Every tensor in a forward's result (what find_unused_parameters searches). */
function tensorsOf(x: unknown, out: Tensor[] = []): Tensor[] {
  if (x instanceof Tensor) out.push(x);
  else if (Array.isArray(x)) for (const v of x) tensorsOf(v, out);
  else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) tensorsOf(v, out);
  return out;
}

export const deviceType = (d: Device): 'cpu' | 'cuda' => (String(d).startsWith('cuda') ? 'cuda' : 'cpu');

/**
 * Routes `model.forward` through autocast (mixed precision) and DDP (numProcesses > 1), in place.
 * DDP's construction broadcasts rank 0's parameters and buffers, so every replica starts equal.
 */
export function wrapModel(model: Module, o: { numProcesses: number; device: Device; mixedPrecision: MixedPrecision; ddpKwargs: DDPOptions }): PreparedModel {
  const self = model as unknown as { forward?: (...args: unknown[]) => unknown; to?: (d: Device) => unknown };
  if (typeof self.forward !== 'function') throw new TypeError('Accelerator.prepare: the model has no forward()');
  if (o.device !== 'cpu') {
    if (typeof self.to !== 'function') throw new TypeError(`Accelerator.prepare: the model has no to(device) to move it to ${o.device}`);
    self.to(o.device);
  }
  const original = self.forward;
  let fwd = (...args: unknown[]): unknown => original.apply(model, args);
  if (o.mixedPrecision !== 'no') {
    const dtype = o.mixedPrecision === 'bf16' ? 'bfloat16' : 'float16';
    const inner = fwd, dev = deviceType(o.device);
    fwd = (...args) => convertToFp32(autocast(dev, { dtype }, () => inner(...args)));
  }
  let ddp: DistributedDataParallel | null = null;
  if (o.numProcesses > 1 && model.parameters().some((p) => p.requiresGrad)) {
    const d = new DistributedDataParallel(model, o.ddpKwargs);
    ddp = d;
    const inner = fwd;
    fwd = (...args) => d.forward(() => inner(...args), o.ddpKwargs.find_unused_parameters ? (r) => tensorsOf(r) : undefined);
  }
  Object.defineProperty(model, 'forward', { value: fwd, writable: true, configurable: true, enumerable: false });
  return { model, original, ddp };
}
