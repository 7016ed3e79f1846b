// classifiers.ts — the classifier layers of HF's task heads, one definition each, shared by every
// architecture.  A classifier names its modules as HF does (they become attributes of the task
// model, so `classifier.weight`, `pre_classifier.weight`, `score.weight`, `qa_outputs.weight`,
// RoBERTa's `classifier.dense` / `classifier.out_proj` are the state-dict keys) and maps hidden
// vectors (B, H) or (B, T, H) to logits (..., out).
import type { Tensor } from '../../torch/index.js';
import { Module, Linear, Dropout } from '../../nn/index.js';

/** A classifier of a task head: its HF-named modules and how they map hidden states to logits. */
export interface Classifier<C> {
  /** The modules by HF attribute name, in HF's construction order. */
  build(config: C): Record<string, Module>;
  /** h: (B, H) or (B, T, H) -> (B, out) or (B, T, out); `m` holds the modules build() made. */
  forward(m: Record<string, Module>, h: Tensor): Tensor;
}

/** Sizes of a linear classifier (see {@link linearClassifier}). */
export interface LinearDims {
  /** Input width (hidden_size / dim). */
  in: number;
  /** Output width (num_labels, or 2 for QA). */
  out: number;
  /** Linear bias (default true; decoders' `score` of sequence classification has none). */
  bias?: boolean;
  /** Dropout probability before the linear layer; null: no dropout module. */
  dropout: number | null;
}

/**
 * `[dropout ->] <name>`: BERT / RoBERTa / DistilBERT / decoder token classification
 * (`classifier` or `score`), BERT's sequence classification (`classifier` on the pooler output),
 * decoders' sequence classification (`score`, no bias, no dropout) and every QA head (`qa_outputs`;
 * DistilBERT with dropout).  `dropoutFirst`: HF builds `dropout` before the linear layer (BERT) or
 * after it (DistilBERT QA); this only changes the module order, not the math.
 */
export function linearClassifier<C>(name: string, dims: (config: C) => LinearDims, opts: { dropoutFirst?: boolean } = {}): Classifier<C> {
  return {
    build(config) {
      const d = dims(config);
      const linear = new Linear(d.in, d.out, { bias: d.bias ?? true });
      if (d.dropout === null) return { [name]: linear };
      const dropout = new Dropout(d.dropout);
      return opts.dropoutFirst ?? true ? { dropout, [name]: linear } : { [name]: linear, dropout };
    },
    forward(m, h) {
      const x = m.dropout ? (m.dropout as Dropout).forward(h) : h;
      return (m[name] as Linear).forward(x); // (..., out)
    },
  };
}

/** DistilBERT's sequence classifier: pre_classifier (H -> H) -> ReLU -> dropout -> classifier. */
export function preClassifier<C>(dims: (config: C) => { hidden: number; out: number; dropout: number }): Classifier<C> {
  return {
    build(config) {
      const d = dims(config);
      return { pre_classifier: new Linear(d.hidden, d.hidden), classifier: new Linear(d.hidden, d.out), dropout: new Dropout(d.dropout) };
    },
    forward(m, h) {
      const x = (m.pre_classifier as Linear).forward(h).relu(); // (B, H)
      return (m.classifier as Linear).forward((m.dropout as Dropout).forward(x)); // (B, out)
    },
  };
}

/** RoBERTa's `classifier` module: dropout -> dense -> tanh -> dropout -> out_proj. */
export class ClassificationHead extends Module {
  dense: Linear;
  dropout: Dropout;
  out_proj: Linear;
  constructor(hidden: number, out: number, dropout: number) {
    super();
    this.dense = new Linear(hidden, hidden);
    this.dropout = new Dropout(dropout);
    this.out_proj = new Linear(hidden, out);
  }
  /** pooled (B, H) -> (B, out) */
  forward(h: Tensor): Tensor {
    const x = this.dense.forward(this.dropout.forward(h)).tanh(); // (B, H)
    return this.out_proj.forward(this.dropout.forward(x)); // (B, out)
  }
}

/** `classifier` = {@link ClassificationHead} (RoBERTa's sequence classification). */
export function denseTanhClassifier<C>(dims: (config: C) => { hidden: number; out: number; dropout: number }): Classifier<C> {
  return {
    build(config) {
      const d = dims(config);
      return { classifier: new ClassificationHead(d.hidden, d.out, d.dropout) };
    },
    forward: (m, h) => (m.classifier as ClassificationHead).forward(h),
  };
}

/**
 * The dropout of the decoders' token-classification heads (transformers' GenericForTokenClassification,
 * GPT2ForTokenClassification): config.classifier_dropout, else config.hidden_dropout, else 0.1 —
 * read as HF's getattr does, from a typed field or a config.json key kept in `extras`.
 */
export function hfClassifierDropout(config: { extras: Record<string, unknown> }): number {
  const get = (k: string): number | undefined => {
    const v = (config as unknown as Record<string, unknown>)[k] ?? config.extras[k];
    return typeof v === 'number' ? v : undefined;
  };
  return get('classifier_dropout') ?? get('hidden_dropout') ?? 0.1;
}
