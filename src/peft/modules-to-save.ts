// modules-to-save.ts — peft's ModulesToSaveWrapper: a module trained in full next to the adapters
// (a classifier head).  The original stays frozen as `original_module`; each adapter trains its own
// copy under `modules_to_save.<adapter>`, so state-dict keys are peft's
// (`classifier.modules_to_save.default.weight`) and the file key drops the middle
// (`classifier.weight`).
import type { Tensor } from '../torch/index.js';
import { Module, ModuleDict } from '../nn/index.js';

type AnyForward = Module & { forward(...args: never[]): unknown };

export class ModulesToSaveWrapper extends Module {
  declare original_module: AnyForward;
  declare modules_to_save: ModuleDict<AnyForward>;
  /** The copy forward() runs; null: the original (no active adapter trains this module). */
  activeAdapter: string | null = null;
  disabled = false;

  constructor(module: AnyForward, adapterName: string) {
    super();
    this.registerModule('original_module', module);
    this.registerModule('modules_to_save', new ModuleDict<AnyForward>());
    this.update(adapterName);
  }

  /** Adds a trainable copy of the original for `adapterName` and makes it the active one. */
  update(adapterName: string): void {
    if (!this.modules_to_save.has(adapterName)) {
      const copy = this.original_module.deepCopy();
      copy.requiresGrad_(true);
      this.modules_to_save.set(adapterName, copy);
    }
    this.original_module.requiresGrad_(false);
    this.setAdapter(adapterName);
  }
  /** Activates `name`'s copy (trainable unless frozen later), freezing the other copies; unknown names deactivate. */
  setAdapter(name: string | null, trainable = true): void {
    this.activeAdapter = name !== null && this.modules_to_save.has(name) ? name : null;
    for (const [k, m] of this.modules_to_save) m.requiresGrad_(trainable && k === this.activeAdapter);
  }
  deleteAdapter(name: string): void {
    this.modules_to_save.get(name)?.dispose();
    this.modules_to_save.delete(name);
    if (this.activeAdapter === name) this.activeAdapter = null;
  }
  /** The module forward() runs now. */
  get current(): AnyForward {
    return this.disabled || this.activeAdapter === null ? this.original_module : this.modules_to_save.get(this.activeAdapter)!;
  }
  /** The weight of the module in use (model code that reads `head.weight`). */
  get weight(): Tensor | undefined { return (this.current as unknown as { weight?: Tensor }).weight; }
  get bias(): Tensor | null | undefined { return (this.current as unknown as { bias?: Tensor | null }).bias; }
  /** The sizes of the module in use, as peft's wrapper forwards attribute reads (model input checks read them). */
  get numEmbeddings(): number | undefined { return (this.current as unknown as { numEmbeddings?: number }).numEmbeddings; }
  get embeddingDim(): number | undefined { return (this.current as unknown as { embeddingDim?: number }).embeddingDim; }
  get inFeatures(): number | undefined { return (this.current as unknown as { inFeatures?: number }).inFeatures; }
  get outFeatures(): number | undefined { return (this.current as unknown as { outFeatures?: number }).outFeatures; }

  forward(...args: never[]): unknown {
    return this.current.forward(...args);
  }
}
