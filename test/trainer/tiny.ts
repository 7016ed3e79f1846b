// test/trainer/tiny.ts — tiny models with the models layer's forward API ({input_ids, attention_mask,
// labels} -> {loss, logits}) and deterministic data, for Trainer tests that can be checked by hand.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { F, Tensor, manualSeed, onesLike } from '../../src/torch/index.js';
import { Dropout, Embedding, LayerNorm, Linear, Module } from '../../src/nn/index.js';
import { Trainer, TrainingArguments, PrinterCallback, ProgressCallback, type TrainerOptions, type TrainingArgumentsInit } from '../../src/trainer/index.js';

export interface TinyInputs { input_ids: Tensor; attention_mask?: Tensor; labels?: Tensor; num_items_in_batch?: Tensor }

/** Mean-pooled embeddings -> tanh MLP -> LayerNorm -> classifier; CE mean loss (BERT-like: no loss kwargs). */
export class TinyClassifier extends Module {
  embed: Embedding;
  hidden: Linear;
  dropout: Dropout;
  LayerNorm: LayerNorm;
  classifier: Linear;
  readonly inputNames = ['input_ids', 'attention_mask', 'labels'];
  constructor(opts: { vocab?: number; dim?: number; labels?: number; dropout?: number; seed?: number } = {}) {
    super();
    manualSeed(opts.seed ?? 0);
    const d = opts.dim ?? 8;
    this.embed = new Embedding(opts.vocab ?? 16, d);
    this.hidden = new Linear(d, d);
    this.dropout = new Dropout(opts.dropout ?? 0);
    this.LayerNorm = new LayerNorm(d);
    this.classifier = new Linear(d, opts.labels ?? 3);
  }
  forward(inputs: TinyInputs): { loss?: Tensor; logits: Tensor } {
    for (const k of Object.keys(inputs)) if (!this.inputNames.includes(k)) throw new TypeError(`TinyClassifier.forward() got an unexpected input '${k}'`);
    const e = this.embed.forward(inputs.input_ids); // (B, T, D)
    const m = (inputs.attention_mask ?? onesLike(inputs.input_ids)).unsqueeze(-1).to('float32'); // (B, T, 1)
    const pooled = e.mul(m).sum(1).div(m.sum(1)); // (B, D)
    const h = this.LayerNorm.forward(this.dropout.forward(this.hidden.forward(pooled).tanh()));
    const logits = this.classifier.forward(h); // (B, C)
    return inputs.labels ? { loss: F.crossEntropy(logits, inputs.labels), logits } : { logits };
  }
}

/** Embedding -> Linear LM head; sum of shifted token CE / num_items_in_batch (Llama-like: acceptsLossKwargs). */
export class TinyLM extends Module {
  embed_tokens: Embedding;
  lm_head: Linear;
  readonly inputNames = ['input_ids', 'attention_mask', 'labels', 'num_items_in_batch'];
  readonly acceptsLossKwargs = true;
  constructor(opts: { vocab?: number; dim?: number; seed?: number } = {}) {
    super();
    manualSeed(opts.seed ?? 0);
    this.embed_tokens = new Embedding(opts.vocab ?? 16, opts.dim ?? 8);
    this.lm_head = new Linear(opts.dim ?? 8, opts.vocab ?? 16);
  }
  forward(inputs: TinyInputs): { loss?: Tensor; logits: Tensor } {
    const logits = this.lm_head.forward(this.embed_tokens.forward(inputs.input_ids)); // (B, T, V)
    if (!inputs.labels) return { logits };
    const v = logits.size(-1);
    const shiftLogits = logits.slice(1, 0, -1).reshape(-1, v); // (B*(T-1), V)
    const shiftLabels = inputs.labels.slice(1, 1, null).reshape(-1); // (B*(T-1))
    const sum = F.crossEntropy(shiftLogits, shiftLabels, { reduction: 'sum' });
    const n = inputs.num_items_in_batch ?? shiftLabels.ne(-100).sum();
    return { loss: sum.div(n), logits };
  }
}

/** A reproducible stream of numbers in [0, 1) (a 32-bit LCG). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** n classification rows of length len: {input_ids, attention_mask, label}; right padding with 0 in the mask. */
export function classificationRows(n: number, opts: { len?: number; vocab?: number; labels?: number; seed?: number; variable?: boolean } = {}): Record<string, unknown>[] {
  const r = lcg(opts.seed ?? 7);
  const len = opts.len ?? 6;
  return Array.from({ length: n }, () => {
    const real = opts.variable ? 2 + Math.floor(r() * (len - 1)) : len - Math.floor(r() * 3);
    const ids = Array.from({ length: len }, (_, j) => (j < real ? 1 + Math.floor(r() * ((opts.vocab ?? 16) - 1)) : 0));
    return { input_ids: ids, attention_mask: ids.map((_, j) => (j < real ? 1 : 0)), label: Math.floor(r() * (opts.labels ?? 3)) };
  });
}

/** n LM rows: input_ids, attention_mask, labels (= ids, -100 on padding); lengths vary. */
export function lmRows(n: number, opts: { len?: number; vocab?: number; seed?: number } = {}): Record<string, unknown>[] {
  const r = lcg(opts.seed ?? 11);
  const len = opts.len ?? 6;
  return Array.from({ length: n }, () => {
    const real = 2 + Math.floor(r() * (len - 1));
    const ids = Array.from({ length: len }, (_, j) => (j < real ? 1 + Math.floor(r() * ((opts.vocab ?? 16) - 1)) : 0));
    return { input_ids: ids, attention_mask: ids.map((_, j) => (j < real ? 1 : 0)), labels: ids.map((t, j) => (j < real ? t : -100)) };
  });
}

export function tmpDir(prefix = 'tunekit-trainer-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** TrainingArguments for tests: a temp output_dir, no saving, quiet. */
export function testArgs(over: Partial<TrainingArgumentsInit> = {}): TrainingArguments {
  return new TrainingArguments({ output_dir: tmpDir(), save_strategy: 'no', report_to: 'none', disable_tqdm: true, use_cpu: true, ...over } as TrainingArgumentsInit);
}

/** A Trainer without the printing callbacks. */
export function quietTrainer(opts: TrainerOptions): Trainer {
  const t = new Trainer(opts);
  t.removeCallback(PrinterCallback);
  t.removeCallback(ProgressCallback);
  return t;
}

/** name -> copy of the values (Float64Array) of every parameter. */
export function snapshot(m: Module): Map<string, Float64Array> {
  return new Map(m.namedParameters().map(([n, p]) => [n, Float64Array.from(p.toTypedArray() as Float32Array)]));
}
