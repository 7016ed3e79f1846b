// embedding.ts — Embedding (torch.nn.Embedding): a lookup table of vectors indexed by ids.
import { F, empty, noGrad, type Tensor, type DType, type Device } from '../torch/index.js';
import { Module } from './module.js';
import { parameter } from './parameter.js';
import { normal_ } from './init.js';

export interface EmbeddingOptions {
  /** This row starts at zero and gets no gradient (negative counts from the end). */
  paddingIdx?: number;
  dtype?: DType;
  device?: Device;
}

/**
 * ids (...) int64 -> vectors (..., embeddingDim).  `weight` is (numEmbeddings, embeddingDim),
 * initialised N(0, 1) as PyTorch, with the padding row zeroed.  Ids outside
 * [0, numEmbeddings) raise a TorchError.
 * @example const wte = new Embedding(50257, 768);
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** Normalised to [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;
  /** (V, D) */
  weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    let pi = opts.paddingIdx ?? null;
    if (pi !== null) {
      if (pi >= numEmbeddings || pi < -numEmbeddings) throw new RangeError(`Embedding: paddingIdx ${pi} must be within numEmbeddings ${numEmbeddings}`);
      if (pi < 0) pi += numEmbeddings;
    }
    this.paddingIdx = pi;
    this.weight = parameter(empty([numEmbeddings, embeddingDim], { dtype: opts.dtype, device: opts.device }));
    this.resetParameters();
  }
  /** N(0, 1), padding row zero (PyTorch's reset_parameters). */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const pi = this.paddingIdx;
      noGrad(() => {
        const row = this.weight.select(0, pi); // (D) view into weight
        row.zero_();
        row.dispose();
      });
    }
  }
  /** ids: int64 (...) -> (..., D) */
  forward(ids: Tensor): Tensor {
    return F.embedding(ids, this.weight, { paddingIdx: this.paddingIdx ?? undefined });
  }
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}
