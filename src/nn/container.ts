// container.ts — ModuleList, Sequential and ModuleDict (torch/nn/modules/container.py).
// ModuleList keeps its modules in own properties '0', '1', ... so `list[0]` and state-dict
// names (`layer.0.attention...`) come from the same place.
import { Tensor } from '../torch/index.js';
const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;
import { Module } from './module.js';
import { isParameter, parameter } from './parameter.js';

/** A module whose forward maps one tensor to one tensor (what Sequential chains). */
export interface UnaryModule extends Module {
  forward(x: Tensor): Tensor;
}

/**
 * A list of child modules named 0, 1, 2, ... (torch.nn.ModuleList).  Index with `list[i]`
 * or `list.at(i)` (negative from the end); iterate with for-of.
 * @example this.layer = new ModuleList(Array.from({ length: n }, () => new Layer(cfg)));
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  [index: number]: M;
  #length = 0;

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }
  get length(): number { return this.#length; }
  protected override blankCopy(): Module { return new (this.constructor as new () => Module)(); }
  protected override setCopiedMember(name: string, value: unknown): void {
    if (/^\d+$/.test(name) && value instanceof Module) this.push(value as M);
    else super.setCopiedMember(name, value);
  }
  /** Appends modules; returns the list. */
  push(...modules: M[]): this {
    for (const m of modules) {
      if (!(m instanceof Module)) throw new TypeError(`${this.constructor.name}.push: ${String(m)} is not a Module`);
      this[this.#length++] = m;
    }
    return this;
  }
  /** The i-th module (negative counts from the end), or undefined. */
  at(i: number): M | undefined {
    const k = i < 0 ? this.#length + i : i;
    return k >= 0 && k < this.#length ? this[k] : undefined;
  }
  *[Symbol.iterator](): Iterator<M> {
    for (let i = 0; i < this.#length; i++) yield this[i]!;
  }
  /** The modules as a plain array. */
  toArray(): M[] { return [...this]; }
}

/**
 * Modules applied in order, each output the next input (torch.nn.Sequential); children are
 * named 0, 1, 2, ... as in PyTorch, so `mlp.0.weight` matches a PyTorch checkpoint.
 * @example const mlp = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
 */
export class Sequential extends ModuleList<UnaryModule> {
  constructor(...modules: UnaryModule[]) {
    super(modules);
  }
  /** x: whatever the first module takes -> whatever the last one returns. */
  forward(x: Tensor): Tensor {
    for (const m of this) x = m.forward(x);
    return x;
  }
}

/**
 * Child modules by string key, in insertion order (torch.nn.ModuleDict).  Keys are state-dict
 * names; they live in a Map, so a key like `get` cannot shadow a method.
 */
export class ModuleDict<M extends Module = Module> extends Module {
  #map = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? (modules as Iterable<[string, M]>) : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }
  protected override members(): [string, unknown][] { return [...super.members(), ...this.#map]; }
  protected override blankCopy(): Module { return new (this.constructor as new () => Module)(); }
  protected override setCopiedMember(name: string, value: unknown): void {
    if (value instanceof Module && !Object.hasOwn(this, name)) this.set(name, value as M);
    else super.setCopiedMember(name, value);
  }
  get size(): number { return this.#map.size; }
  get(key: string): M | undefined { return this.#map.get(key); }
  has(key: string): boolean { return this.#map.has(key); }
  set(key: string, module: M): this {
    if (!(module instanceof Module)) throw new TypeError(`ModuleDict.set('${key}'): not a Module`);
    if (key.includes('.') || key === '') throw new TypeError(`ModuleDict key '${key}' must be non-empty and contain no '.'`);
    this.#map.set(key, module);
    return this;
  }
  delete(key: string): boolean { return this.#map.delete(key); }
  keys(): string[] { return [...this.#map.keys()]; }
  values(): M[] { return [...this.#map.values()]; }
  entries(): [string, M][] { return [...this.#map]; }
  [Symbol.iterator](): Iterator<[string, M]> { return this.#map[Symbol.iterator](); }
}

/**
 * Parameters by string key, in insertion order (torch.nn.ParameterDict): state-dict names are
 * `<dict>.<key>` with no `.weight` (peft's `lora_embedding_A.default`).  Values are marked as
 * parameters on set().
 */
export class ParameterDict extends Module {
  #map = new Map<string, Tensor>();

  constructor(params: Record<string, Tensor> | Iterable<[string, Tensor]> = {}) {
    super();
    const entries = Symbol.iterator in params ? (params as Iterable<[string, Tensor]>) : Object.entries(params);
    for (const [k, t] of entries) this.set(k, t);
  }
  protected override members(): [string, unknown][] { return [...super.members(), ...this.#map]; }
  protected override blankCopy(): Module { return new ParameterDict(); }
  protected override setCopiedMember(name: string, value: unknown): void {
    if (isTensor(value) && !Object.hasOwn(this, name)) this.set(name, value);
    else super.setCopiedMember(name, value);
  }
  get size(): number { return this.#map.size; }
  get(key: string): Tensor | undefined { return this.#map.get(key); }
  has(key: string): boolean { return this.#map.has(key); }
  /** Stores `t` marked as a parameter (requiresGrad as it is, true for a fresh tensor). */
  set(key: string, t: Tensor): this {
    if (key.includes('.') || key === '') throw new TypeError(`ParameterDict key '${key}' must be non-empty and contain no '.'`);
    this.#map.set(key, isParameter(t) ? t : parameter(t));
    return this;
  }
  delete(key: string): boolean { return this.#map.delete(key); }
  keys(): string[] { return [...this.#map.keys()]; }
  entries(): [string, Tensor][] { return [...this.#map]; }
  [Symbol.iterator](): Iterator<[string, Tensor]> { return this.#map[Symbol.iterator](); }
  override extraRepr(): string {
    return [...this.#map].map(([k, t]) => `(${k}): Parameter containing: [torch.FloatTensor of size ${t.shape.join('x')}]`).join('\n');
  }
}
