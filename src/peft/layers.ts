// layers.ts — LoRA layers (peft/tuners/lora/layer.py): a wrapper around the original layer,
// kept as `base_layer`, with one low-rank update per named adapter.  Attribute names are peft's, so
// state-dict keys are too: `q_proj.base_layer.weight`, `q_proj.lora_A.default.weight`,
// `embed_tokens.lora_embedding_A.default`, `q_proj.lora_magnitude_vector.default.weight`.
//   Linear / GPT-2 Conv1D:  y = base(x) + B(A(dropout(x))) * scaling      A (r, in), B (out, r)
//   Embedding:              y = base(ids) + (A^T[ids] @ B^T) * scaling     A (r, vocab), B (dim, r)
import { F, Tensor, empty, keep, noGrad, randn, tidy, zeros } from '../torch/index.js';
import { Conv1D, Dropout, Embedding, Identity, Linear, Module, ModuleDict, ParameterDict, init, parameter } from '../nn/index.js';
import type { LoraConfig } from './config.js';

/** What one adapter of a layer is made of (resolved per module from the config's patterns). */
export interface AdapterSpec {
  r: number;
  lora_alpha: number;
  config: LoraConfig;
}

type Forwardable = Module & { forward(x: Tensor): Tensor };

/** (a, b) -> a^T when fanInFanOut (GPT-2 Conv1D stores weights (in, out)). */
const transposeIf = (w: Tensor, fanInFanOut: boolean): Tensor => (fanInFanOut ? w.T : w);

/**
 * Common state of the LoRA layers: the wrapped layer, per-adapter ranks and scales, which adapters
 * are active, merged, or disabled.
 */
export abstract class LoraLayer extends Module {
  declare base_layer: Forwardable;
  declare lora_dropout: ModuleDict;
  /** rank, alpha and scale per adapter name */
  r: Record<string, number> = {};
  lora_alpha: Record<string, number> = {};
  scaling: Record<string, number> = {};
  useDora: Record<string, boolean> = {};
  /** The adapters forward() adds (peft's active_adapters). */
  activeAdapters: string[] = [];
  /** Adapters whose update is currently added into base_layer's weight, in merge order. */
  mergedAdapters: string[] = [];
  /** disable_adapters: forward is the base layer alone. */
  disabled = false;

  constructor(base: Forwardable) {
    super();
    // children in peft's registration order (it fixes the order of named_parameters)
    this.registerModule('base_layer', base);
    this.registerModule('lora_dropout', new ModuleDict());
  }

  get merged(): boolean { return this.mergedAdapters.length > 0; }
  /** The base layer's weight (what model code reading `proj.weight` expects). */
  get weight(): Tensor { return (this.base_layer as unknown as { weight: Tensor }).weight; }
  get bias(): Tensor | null { return (this.base_layer as unknown as { bias?: Tensor | null }).bias ?? null; }

  /** Adapter names this layer holds. */
  abstract adapterNames(): string[];
  /** Creates adapter `name` (its parameters initialised as config.init_lora_weights says). */
  abstract updateLayer(name: string, spec: AdapterSpec): void;
  /** The adapter's update of base_layer.weight, in the weight's layout (no grad). */
  abstract deltaWeight(name: string): Tensor;
  abstract deleteAdapter(name: string): void;

  protected addCommon(name: string, spec: AdapterSpec): void {
    const { r, lora_alpha, config } = spec;
    if (!Number.isInteger(r) || r <= 0) throw new RangeError(`\`r\` should be a positive integer value but the value passed is ${r}`);
    this.r[name] = r;
    this.lora_alpha[name] = lora_alpha;
    this.scaling[name] = config.scaling(r, lora_alpha);
    this.lora_dropout.set(name, config.lora_dropout > 0 ? new Dropout(config.lora_dropout) : new Identity());
    this.useDora[name] = config.use_dora;
  }
  protected dropCommon(name: string): void {
    for (const rec of [this.r, this.lora_alpha, this.scaling, this.useDora]) delete rec[name];
    this.lora_dropout.delete(name);
    this.activeAdapters = this.activeAdapters.filter((a) => a !== name);
  }

  /** Adds the update of every active, not yet merged adapter into base_layer's weight (peft merge). */
  merge(adapterNames: string[] = this.activeAdapters, opts: { safeMerge?: boolean } = {}): void {
    for (const name of adapterNames) {
      if (this.mergedAdapters.includes(name) || !this.adapterNames().includes(name)) continue;
      noGrad(() => this.mergeOne(name, opts.safeMerge ?? false));
      this.mergedAdapters.push(name);
    }
  }
  /** Subtracts the merged updates again, last merged first (peft unmerge). */
  unmerge(): void {
    while (this.mergedAdapters.length) {
      const name = this.mergedAdapters.pop()!;
      noGrad(() => this.unmergeOne(name));
    }
  }
  protected mergeOne(name: string, safe: boolean): void {
    const w = this.weight;
    tidy(() => {
      const next = w.add(this.deltaWeight(name).to(w.dtype));
      if (safe && !next.isfinite().all().item()) throw new Error(`NaNs detected in the merged weights. The adapter ${name} seems to be broken`);
      w.copy_(next);
    });
  }
  protected unmergeOne(name: string): void {
    const w = this.weight;
    tidy(() => { w.sub_(this.deltaWeight(name).to(w.dtype)); });
  }
}

/** The magnitude vector of DoRA (peft DoraLinearLayer): `weight` (out) = ||W + s·BA|| per output row at creation. */
export class DoraMagnitude extends Module {
  weight: Tensor;
  constructor(norm: Tensor) {
    super();
    this.weight = parameter(norm);
  }
}

/**
 * LoRA on a Linear (weight (out, in)) or GPT-2's Conv1D (weight (in, out): fan_in_fan_out).
 * x (..., in) -> (..., out).
 */
export class LoraLinear extends LoraLayer {
  declare lora_A: ModuleDict<Linear>;
  declare lora_B: ModuleDict<Linear>;
  declare lora_magnitude_vector: ModuleDict<DoraMagnitude>;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly fanInFanOut: boolean;
  #weightNorms = new Map<string, Tensor>();

  constructor(base: Linear | Conv1D, name: string, spec: AdapterSpec) {
    super(base as Forwardable);
    this.registerModule('lora_A', new ModuleDict<Linear>());
    this.registerModule('lora_B', new ModuleDict<Linear>());
    this.registerModule('lora_magnitude_vector', new ModuleDict<DoraMagnitude>());
    this.fanInFanOut = base instanceof Conv1D;
    this.inFeatures = base instanceof Conv1D ? base.nx : base.inFeatures;
    this.outFeatures = base instanceof Conv1D ? base.nf : base.outFeatures;
    this.updateLayer(name, spec);
  }
  adapterNames(): string[] { return this.lora_A.keys(); }

  updateLayer(name: string, spec: AdapterSpec): void {
    this.addCommon(name, spec);
    const { r, config } = spec;
    const w = this.weight;
    const o = { dtype: w.dtype, device: w.device };
    const A = new Linear(this.inFeatures, r, { bias: false, ...o });
    const B = new Linear(r, this.outFeatures, { bias: config.lora_bias, ...o });
    // init_lora_weights false keeps nn.Linear's default init for both (kaiming-uniform A and B)
    if (config.init_lora_weights !== false) {
      if (config.init_lora_weights === 'gaussian') init.normal_(A.weight, 0, 1 / r);
      else init.kaimingUniform_(A.weight, { a: Math.sqrt(5) });
      init.zeros_(B.weight);
      if (B.bias) init.zeros_(B.bias);
    }
    this.lora_A.set(name, A);
    this.lora_B.set(name, B);
    if (config.use_dora) {
      // ||W + s * B A|| over each output row: (out)
      const norm = noGrad(() => tidy(() => this.weightNorm(transposeIf(w, this.fanInFanOut), B.weight.matmul(A.weight), this.scaling[name]!)));
      this.lora_magnitude_vector.set(name, new DoraMagnitude(norm));
    }
  }
  deleteAdapter(name: string): void {
    for (const d of [this.lora_A, this.lora_B, this.lora_magnitude_vector] as ModuleDict[]) {
      d.get(name)?.dispose();
      d.delete(name);
    }
    this.dropCommon(name);
  }

  /** (out, in) weight + scale * (out, in) update -> (out) row norms, as DoRA's get_weight_norm. */
  private weightNorm(weightOutIn: Tensor, loraWeight: Tensor, scale: number): Tensor {
    return weightOutIn.add(loraWeight.mul(scale)).norm(2, 1);
  }

  /** transpose(B A, fan_in_fan_out) * scaling: the update in the base weight's layout. */
  deltaWeight(name: string): Tensor {
    return tidy(() => noGrad(() => {
      const A = this.lora_A.get(name)!.weight, B = this.lora_B.get(name)!.weight;
      return transposeIf(B.matmul(A), this.fanInFanOut).mul(this.scaling[name]!);
    }));
  }

  protected override mergeOne(name: string, safe: boolean): void {
    const mag = this.lora_magnitude_vector.get(name);
    if (!mag) {
      super.mergeOne(name, safe);
      const b = this.lora_B.get(name)!.bias;
      if (b) {
        const base = this.bias;
        if (!base) throw new Error('Impossible to merge LoRA with `lora_bias=True` because the base layer has no bias.');
        tidy(() => { base.add_(b.mul(this.scaling[name]!)); });
      }
      return;
    }
    const w = this.weight;
    tidy(() => {
      const delta = this.deltaWeight(name); // weight layout
      // DoRA: W' = m / ||W + ΔW|| * (W + ΔW), the norm over output rows
      const norm = keep(this.weightNorm(transposeIf(w, this.fanInFanOut), transposeIf(delta, this.fanInFanOut), 1));
      this.#weightNorms.set(name, norm);
      const factor = transposeIf(mag.weight.div(norm).view(-1, 1), this.fanInFanOut);
      const next = factor.mul(w.add(delta));
      if (safe && !next.isfinite().all().item()) throw new Error(`NaNs detected in the merged weights. The adapter ${name} seems to be broken`);
      w.copy_(next);
    });
  }
  protected override unmergeOne(name: string): void {
    const mag = this.lora_magnitude_vector.get(name);
    if (!mag) {
      super.unmergeOne(name);
      const b = this.lora_B.get(name)!.bias;
      if (b && this.bias) tidy(() => { this.bias!.sub_(b.mul(this.scaling[name]!)); });
      return;
    }
    const w = this.weight;
    const norm = this.#weightNorms.get(name)!;
    this.#weightNorms.delete(name);
    tidy(() => {
      const factor = transposeIf(mag.weight.div(norm).view(-1, 1), this.fanInFanOut);
      w.copy_(w.div(factor).sub(this.deltaWeight(name)));
    });
    norm.dispose();
  }

  forward(x: Tensor): Tensor {
    if (this.disabled) {
      if (this.merged) this.unmerge();
      return this.base_layer.forward(x);
    }
    if (this.merged) return this.base_layer.forward(x);
    let result = this.base_layer.forward(x); // (..., out)
    const resultDtype = result.dtype;
    for (const name of this.activeAdapters) {
      const A = this.lora_A.get(name);
      if (!A) continue;
      const B = this.lora_B.get(name)!;
      const dropout = this.lora_dropout.get(name) as Forwardable;
      const scale = this.scaling[name]!;
      const xa = x.dtype === A.weight.dtype ? x : x.to(A.weight.dtype);
      const mag = this.lora_magnitude_vector.get(name);
      if (!mag) {
        result = result.add(B.forward(A.forward(dropout.forward(xa))).mul(scale));
        continue;
      }
      result = result.add(this.doraDelta(name, xa, result, dropout, mag, A, B, scale));
    }
    return result.dtype === resultDtype ? result : result.to(resultDtype);
  }

  /**
   * DoRA's extra output (peft DoraLinearLayer.forward):
   * (m / ||W + s·BA|| - 1) * (base output without bias) + m / ||W + s·BA|| * s * B(A(x)),
   * the norm detached (the DoRA paper's §4.3 gradient simplification).
   */
  private doraDelta(name: string, x: Tensor, result: Tensor, dropout: Forwardable, mag: DoraMagnitude, A: Linear, B: Linear, scale: number): Tensor {
    const w = transposeIf(this.weight, this.fanInFanOut).to(x.dtype); // (out, in)
    const loraWeight = noGrad(() => B.weight.matmul(A.weight)).to(x.dtype); // (out, in)
    const norm = noGrad(() => this.weightNorm(w, loraWeight, scale)); // (out)
    const magScale = mag.weight.div(norm).view(1, -1); // (1, out)
    let xin = x;
    let baseResult: Tensor;
    if (dropout instanceof Identity || !this.training) {
      const bias = this.bias;
      baseResult = bias ? result.sub(bias) : result;
    } else {
      xin = dropout.forward(x);
      baseResult = F.linear(xin, w);
    }
    const lora = B.forward(A.forward(xin)); // (..., out)
    return magScale.sub(1).mul(baseResult).add(magScale.mul(lora).mul(scale));
  }

  override extraRepr(): string { return `in_features=${this.inFeatures}, out_features=${this.outFeatures}`; }
  override toString(): string { return `lora.${super.toString()}`; }
}

/** LoRA on an Embedding: ids (...) -> (..., dim). */
export class LoraEmbedding extends LoraLayer {
  declare lora_embedding_A: ParameterDict;
  declare lora_embedding_B: ParameterDict;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;

  constructor(base: Embedding, name: string, spec: AdapterSpec) {
    super(base as Forwardable);
    this.registerModule('lora_embedding_A', new ParameterDict());
    this.registerModule('lora_embedding_B', new ParameterDict());
    this.numEmbeddings = base.numEmbeddings;
    this.embeddingDim = base.embeddingDim;
    this.updateLayer(name, spec);
  }
  adapterNames(): string[] { return this.lora_embedding_A.keys(); }

  updateLayer(name: string, spec: AdapterSpec): void {
    const { r, config } = spec;
    if (config.lora_bias) throw new RangeError(`lora_bias=${config.lora_bias} is not supported for Embedding.`);
    if (config.use_dora) throw new RangeError('use_dora is not supported for Embedding layers in tunekit (target Linear / Conv1D modules with DoRA)');
    this.addCommon(name, spec);
    const w = this.weight;
    const o = { dtype: w.dtype, device: w.device };
    // peft: randn for both; init true / 'gaussian': A = 0, B ~ N(0, 1) (the embedding starts unchanged)
    const A = config.init_lora_weights === false ? randn([r, this.numEmbeddings], o) : zeros([r, this.numEmbeddings], o);
    const B = config.init_lora_weights === false ? randn([this.embeddingDim, r], o) : init.normal_(empty([this.embeddingDim, r], o));
    this.lora_embedding_A.set(name, A);
    this.lora_embedding_B.set(name, B);
  }
  deleteAdapter(name: string): void {
    for (const d of [this.lora_embedding_A, this.lora_embedding_B]) {
      d.get(name)?.dispose();
      d.delete(name);
    }
    this.dropCommon(name);
  }
  /** (B A)^T * scaling: (vocab, dim), the embedding table's layout. */
  deltaWeight(name: string): Tensor {
    return tidy(() => noGrad(() => this.lora_embedding_B.get(name)!.matmul(this.lora_embedding_A.get(name)!).T.mul(this.scaling[name]!)));
  }

  forward(ids: Tensor): Tensor {
    const base = this.base_layer as unknown as Embedding;
    if (this.disabled) {
      if (this.merged) this.unmerge();
      return base.forward(ids);
    }
    if (this.merged) return base.forward(ids);
    let result = base.forward(ids); // (..., dim)
    for (const name of this.activeAdapters) {
      const A = this.lora_embedding_A.get(name);
      if (!A) continue;
      const B = this.lora_embedding_B.get(name)!;
      const pad = base.paddingIdx;
      const afterA = F.embedding(ids, A.T, pad === null ? {} : { paddingIdx: pad }); // (..., r)
      result = result.add(afterA.matmul(B.T).mul(this.scaling[name]!));
    }
    return result;
  }
  override extraRepr(): string { return `${this.numEmbeddings}, ${this.embeddingDim}`; }
  override toString(): string { return `lora.${super.toString()}`; }
}
