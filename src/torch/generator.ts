// generator.ts — seeding: manualSeed (CPU and every CUDA device) and explicit CPU Generators.
import { native as N, type NativeGenerator } from './native.js';
import { Tensor, wrap, hOf } from './tensor.js';

/** A CPU random-number generator (torch.Generator); pass it as `{ generator }`. */
export class Generator {
  /** @internal what the addon reads (see OGEN in native/src/core.cc) */
  readonly native: NativeGenerator;
  constructor(seed = 0) {
    this.native = { __gen: N.generatorNew(seed) };
  }
  manualSeed(seed: number): this {
    N.generatorSeed(this.native.__gen, seed);
    return this;
  }
  /** The generator's state as a uint8 tensor (for checkpoints). */
  getState(): Tensor { return wrap(N.getRngState(this.native.__gen)); }
  setState(state: Tensor): void { N.setRngState(hOf(state), this.native.__gen); }
}

/** Seeds the default CPU generator and every CUDA device, as torch.manual_seed. */
export function manualSeed(seed: number): void {
  N.manualSeed(seed);
}
/** The default CPU generator's state (uint8 tensor). */
export function getRngState(): Tensor { return wrap(N.getRngState()); }
export function setRngState(state: Tensor): void { N.setRngState(hOf(state)); }
