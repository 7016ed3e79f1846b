// module.ts — Module, the base of every layer and model (torch.nn.Module).  Children, parameters
// and buffers are discovered from own enumerable properties, so attribute names ARE state-dict
// paths (`encoder.layer.0.attention.self.query.weight`) and no name is written twice.
import { Tensor, isFloating, keep, noGrad, tidy, type DType, type Device } from '../torch/index.js';
import { isParameter, parameter } from './parameter.js';

/** Per module: buffer name -> persistent (kept outside the instance so discovery never sees it). */
const BUFFERS = new WeakMap<Module, Map<string, boolean>>();

/** A name -> tensor mapping as stateDict() returns and loadStateDict() accepts. */
export type StateDict = Map<string, Tensor>;
/** What loadStateDict() reports (PyTorch's `_IncompatibleKeys`). */
export interface LoadResult { missingKeys: string[]; unexpectedKeys: string[] }

const join = (prefix: string, name: string): string => (prefix ? `${prefix}.${name}` : name);

/** Python's `_addindent`: indents every line but the first. */
function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const pad = ' '.repeat(n);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}

/**
 * Base class of layers and models (torch.nn.Module).  Subclasses assign children and
 * parameters to properties; discovery follows property order (class-field declaration order,
 * or first assignment when fields are not declared), own parameters before children, as
 * PyTorch's registration order.  What is discovered:
 *  - a property holding a Module is a child (`this.query = new Linear(8, 8)` -> `query`);
 *  - a property holding a tensor marked by parameter() is a parameter;
 *  - a name registered with registerBuffer() is a buffer;
 *  - anything else (numbers, plain tensors, arrays, `#private` fields) is ignored — use
 *    ModuleList / ModuleDict for collections of modules.
 * `forward` is defined by each subclass with the signature it needs.
 * Parameters and buffers are keep()-ed: building a model inside tidy() is safe; free them
 * with dispose() (or let the GC safety net do it).
 * @example
 *   class MLP extends Module {
 *     fc1 = new Linear(4, 8); fc2 = new Linear(8, 2);
 *     forward(x: Tensor): Tensor { return this.fc2.forward(this.fc1.forward(x).relu()); }
 *   }
 *   new MLP().namedParameters().map(([n]) => n); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 */
export class Module {
  /** Training mode (dropout active); set through train() / eval(). */
  training = true;

  constructor() {
    // Every forward runs in its own tidy() scope: what it makes and does not return loses its JS
    // handle when it returns, as a PyTorch temporary dies with its last reference.  Under no-grad
    // (inference, evaluation) that frees a layer's q/k/v, FFN activations, ... at once instead of
    // at the end of the caller's scope; with grad on, autograd's graph keeps what backward needs
    // itself.  The returned tensors (a tensor, or arrays / plain objects of them) move to the caller.
    const proto = Object.getPrototypeOf(this) as { forward?: (...a: unknown[]) => unknown };
    const fwd = proto.forward;
    if (typeof fwd === 'function') {
      Object.defineProperty(this, 'forward', {
        value: (...args: unknown[]) => tidy(() => fwd.apply(this, args)), writable: true, configurable: true, enumerable: false,
      });
    }
  }

  /** The own [name, value] pairs discovery reads; containers that keep a Map override it. */
  protected members(): [string, unknown][] {
    return Object.entries(this);
  }

  // ---- registration (for names that are not plain identifiers) ----

  /** Sets `this[name] = module` (e.g. computed names); returns the module. */
  registerModule<M extends Module | null>(name: string, module: M): M {
    (this as unknown as Record<string, unknown>)[name] = module;
    return module;
  }
  /** Sets `this[name]` to `t` marked as a parameter (null registers nothing, like PyTorch's None). */
  registerParameter(name: string, t: Tensor | null): Tensor | null {
    const p = t === null || isParameter(t) ? t : parameter(t);
    (this as unknown as Record<string, unknown>)[name] = p;
    return p;
  }
  /**
   * Registers a buffer: state that is not trained (running statistics, position ids, RoPE
   * frequencies).  Sets `this[name] = t` (keep()-ed); declare the field with `declare` in the
   * subclass.  Non-persistent buffers are left out of stateDict().  Re-register to replace.
   */
  registerBuffer(name: string, t: Tensor | null, opts: { persistent?: boolean } = {}): Tensor | null {
    let meta = BUFFERS.get(this);
    if (!meta) BUFFERS.set(this, (meta = new Map()));
    meta.set(name, opts.persistent ?? true);
    if (t) keep(t);
    (this as unknown as Record<string, unknown>)[name] = t;
    return t;
  }

  // ---- discovery ----

  /** Direct children, in property order. */
  namedChildren(): [string, Module][] {
    return this.members().filter((e): e is [string, Module] => e[1] instanceof Module);
  }
  children(): Module[] { return this.namedChildren().map((e) => e[1]); }

  /** This module's own parameters (not its children's), in property order. */
  protected ownParameters(): [string, Tensor][] {
    const bufs = BUFFERS.get(this);
    return this.members().filter((e): e is [string, Tensor] => e[1] instanceof Tensor && isParameter(e[1]) && !bufs?.has(e[0]));
  }
  /** This module's own buffers, in registration order, with their persistence. */
  protected ownBuffers(): [string, Tensor, boolean][] {
    const out: [string, Tensor, boolean][] = [];
    const self = this as unknown as Record<string, unknown>;
    for (const [name, persistent] of BUFFERS.get(this) ?? []) {
      const t = self[name];
      if (t instanceof Tensor) out.push([name, t, persistent]);
    }
    return out;
  }

  /** Every module in the tree, pre-order, each once (`''` is this module), as named_modules. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [n, c] of m.namedChildren()) visit(c, join(p, n));
    };
    visit(this, prefix);
    return out;
  }
  modules(): Module[] { return this.namedModules().map((e) => e[1]); }

  private namedMembers<T>(get: (m: Module) => [string, T][], opts: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean }): [string, T][] {
    const mods: [string, Module][] = opts.recurse ?? true ? this.namedModules(opts.prefix ?? '') : [[opts.prefix ?? '', this]];
    const seen = new Set<T>();
    const out: [string, T][] = [];
    for (const [p, m] of mods) {
      for (const [n, v] of get(m)) {
        if ((opts.removeDuplicate ?? true) && seen.has(v)) continue;
        seen.add(v);
        out.push([join(p, n), v]);
      }
    }
    return out;
  }
  /**
   * Parameters with dotted names, as PyTorch's named_parameters(): module by module (pre-order),
   * own parameters in property order; a tied parameter appears once, under its first name.
   */
  namedParameters(opts: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean } = {}): [string, Tensor][] {
    return this.namedMembers((m) => m.ownParameters(), opts);
  }
  parameters(opts: { recurse?: boolean } = {}): Tensor[] { return this.namedParameters(opts).map((e) => e[1]); }
  /** Buffers (persistent or not) with dotted names, as named_buffers(). */
  namedBuffers(opts: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean } = {}): [string, Tensor][] {
    return this.namedMembers((m) => m.ownBuffers().map(([n, t]) => [n, t] as [string, Tensor]), opts);
  }
  buffers(opts: { recurse?: boolean } = {}): Tensor[] { return this.namedBuffers(opts).map((e) => e[1]); }

  /** The module at a dotted path (`encoder.layer.0`); throws naming the missing step. */
  getSubmodule(path: string): Module {
    let m: Module = this;
    if (path === '') return m;
    for (const step of path.split('.')) {
      const next = m.members().find((e) => e[0] === step)?.[1];
      if (!(next instanceof Module)) throw new Error(`${m.constructor.name} has no submodule '${step}' (path '${path}')`);
      m = next;
    }
    return m;
  }
  /** The parameter at a dotted path (`encoder.layer.0.output.dense.weight`). */
  getParameter(path: string): Tensor {
    const i = path.lastIndexOf('.');
    const owner = this.getSubmodule(i < 0 ? '' : path.slice(0, i));
    const p = owner.ownParameters().find((e) => e[0] === path.slice(i + 1))?.[1];
    if (!p) throw new Error(`${owner.constructor.name} has no parameter '${path.slice(i + 1)}' (path '${path}')`);
    return p;
  }

  // ---- state dict ----

  /**
   * Parameters and persistent buffers by dotted name, as PyTorch's state_dict(): per module its
   * parameters then its buffers, then its children; tied tensors appear under every name.  The
   * values are the live tensors themselves (not copies): do not dispose them; clone() to snapshot.
   */
  stateDict(prefix = ''): StateDict {
    const out: StateDict = new Map();
    const visit = (m: Module, p: string): void => {
      for (const [n, t] of m.ownParameters()) out.set(join(p, n), t);
      for (const [n, t, persistent] of m.ownBuffers()) if (persistent) out.set(join(p, n), t);
      for (const [n, c] of m.namedChildren()) visit(c, join(p, n));
    };
    visit(this, prefix);
    return out;
  }

  /**
   * Copies tensors into this module's parameters and persistent buffers in place (under noGrad,
   * converting dtype/device as copy_ does), so parameter identity — and an optimizer holding
   * them — is kept.  Everything is checked before anything is copied: a shape mismatch always
   * throws (naming the key and both shapes); with `strict` (default) missing or unexpected
   * keys throw too, listing them.  Returns the missing and unexpected keys.
   */
  loadStateDict(sd: StateDict | Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const src = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !own.has(k));
    const errors: string[] = [];
    if (opts.strict ?? true) {
      if (missingKeys.length) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (unexpectedKeys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    for (const [k, t] of own) {
      const s = src.get(k);
      if (s === undefined) continue;
      if (!(s instanceof Tensor)) { errors.push(`value for ${k} is not a Tensor`); continue; }
      const a = s.shape, b = t.shape;
      if (a.length !== b.length || a.some((v, i) => v !== b[i]))
        errors.push(`size mismatch for ${k}: copying a param with shape [${a.join(', ')}] from checkpoint, the shape in current model is [${b.join(', ')}].`);
    }
    if (errors.length) throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    noGrad(() => {
      for (const [k, t] of own) {
        const s = src.get(k);
        if (s) t.copy_(s);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- copies ----

  /**
   * A deep copy (Python's copy.deepcopy of a module): the same classes, fresh parameters and
   * buffers holding copies of the data (parameters keep their requiresGrad), tensors shared
   * inside the module shared in the copy too (tied weights stay tied).  Numbers, strings and
   * arrays are copied; other objects (a config) are shared.  peft copies a head this way for
   * modules_to_save.  `#private` fields of user classes are not copied: such a class must
   * override blankCopy() / setCopiedMember().
   */
  deepCopy(): this {
    return copyModule(this, new Map()) as this;
  }
  /** The empty instance a deep copy fills (containers build theirs with their constructor). */
  protected blankCopy(): Module {
    return Object.create(Object.getPrototypeOf(this) as object) as Module;
  }
  /** Stores one copied member in a blank copy (containers route their entries to their own storage). */
  protected setCopiedMember(name: string, value: unknown): void {
    (this as unknown as Record<string, unknown>)[name] = value;
  }

  // ---- modes and bulk operations ----

  /** Sets training mode here and, through children's train(), in the whole tree. */
  train(mode = true): this {
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }
  /** train(false): dropout off. */
  eval(): this { return this.train(false); }

  /** Calls fn on every submodule (children first, then this), as Module.apply; for custom init. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** to('float16'): PyTorch's Module.half(). */
  half(): this { return this.to('float16'); }
  /** to('bfloat16'): PyTorch's Module.bfloat16(). */
  bfloat16(): this { return this.to('bfloat16'); }
  /** to('float32'): PyTorch's Module.float(). */
  float(): this { return this.to('float32'); }

  /**
   * Converts parameters and buffers in place — their objects (and an optimizer's references)
   * stay the same, only the data is swapped (set_data, as PyTorch's `param.data = ...`).  A
   * dtype converts floating tensors only (int64 ids stay int64); a device moves all.  Gradients
   * follow.
   * @example model.to('bfloat16'); model.to('cuda');
   */
  to(target: DType | Device | { dtype?: DType; device?: Device }): this {
    const spec = typeof target === 'object' ? target
      : target === 'cpu' || target.startsWith('cuda') ? { device: target as Device } : { dtype: target as DType };
    const tensors = new Set<Tensor>();
    for (const m of this.modules()) {
      for (const [, p] of m.ownParameters()) tensors.add(p);
      for (const [, b] of m.ownBuffers()) tensors.add(b);
    }
    noGrad(() => {
      for (const t of tensors) {
        const s = { dtype: isFloating(t.dtype) ? spec.dtype : undefined, device: spec.device };
        if (!s.dtype && !s.device) continue;
        const moved = t.to(s);
        t.setData(moved);
        moved.dispose();
        const g = t.grad;
        if (g) {
          const gm = g.to(s);
          t.grad = gm;
          gm.dispose();
          g.dispose();
        }
      }
    });
    return this;
  }

  /** Clears gradients: to null (default, as PyTorch 2.x), or zeroed in place with setToNone=false. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (setToNone) { p.grad = null; continue; }
      const g = p.grad;
      if (g) { g.zero_(); g.dispose(); }
    }
  }
  /** Sets requiresGrad on every parameter (false freezes the module). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }
  /** Number of parameter elements, tied parameters once (HF num_parameters). */
  numParameters(opts: { onlyTrainable?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts.onlyTrainable || p.requiresGrad) n += p.numel();
    return n;
  }
  /** Frees every parameter and buffer it reaches (shared ones too) now; the module is unusable afterwards. */
  dispose(): void {
    for (const t of new Set([...this.parameters(), ...this.buffers()])) t.dispose();
  }
  [Symbol.dispose](): void { this.dispose(); }

  // ---- repr ----

  /** The text inside `Name(...)` in toString(), as PyTorch's extra_repr (Python spellings). */
  extraRepr(): string { return ''; }
  /** PyTorch's repr: `Linear(in_features=4, out_features=8, bias=True)`, children indented. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = this.namedChildren().map(([n, c]) => `(${n}): ${addIndent(c.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this.constructor.name}(`;
    if (lines.length) s += extraLines.length === 1 && !childLines.length ? extraLines[0] : `\n  ${lines.join('\n  ')}\n`;
    return `${s})`;
  }
}

/** Module.deepCopy's worker; `memo` maps originals to copies so shared objects stay shared. */
function copyModule(m: Module, memo: Map<object, unknown>): Module {
  const done = memo.get(m);
  if (done) return done as Module;
  const c = (m as unknown as { blankCopy(): Module }).blankCopy();
  memo.set(m, c);
  const meta = BUFFERS.get(m);
  if (meta) BUFFERS.set(c, new Map(meta));
  const copyValue = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (memo.has(v)) return memo.get(v);
    if (v instanceof Module) return copyModule(v, memo);
    if (v instanceof Tensor) {
      const t = noGrad(() => v.detach().clone());
      const out = isParameter(v) ? parameter(t, v.requiresGrad) : keep(t);
      memo.set(v, out);
      return out;
    }
    if (Array.isArray(v)) return v.map(copyValue);
    if (Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyValue(x)]));
    return v;
  };
  for (const [name, v] of (m as unknown as { members(): [string, unknown][] }).members())
    (c as unknown as { setCopiedMember(n: string, v: unknown): void }).setCopiedMember(name, copyValue(v));
  return c;
}
