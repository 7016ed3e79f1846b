// examples/seq2seq/common.ts — what the encoder-decoder examples (pii-masking, summarize-samsum,
// translate-multi30k) share: the tiny T5 v1.1 / Flan-T5-shaped config they start from (no
// pretrained T5 weights exist offline: shared/data/SOURCES.md), the T5 sentencepiece tokenizer,
// HF's seq2seq preprocessing (prefix + source -> input_ids, `text_target` -> labels, both cut to a
// maximum length), decoding generated ids for compute_metrics (-100 -> pad, special tokens
// skipped, as HF's run_summarization.py / run_translation.py), and greedy generation of a few
// examples for "before / after" prints.
import { T5Config, type T5ForConditionalGeneration } from '../../src/models/index.js';
import { generate } from '../../src/generation/index.js';
import type { PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import type { NDArrays } from '../../src/trainer/index.js';
import * as torch from '../../src/torch/index.js';
import { SHARED_DATA } from '../qa/cli.js';

/** The T5 sentencepiece model (32,000 pieces + 100 sentinels; t5-small / Flan-T5's). */
export const T5_TOKENIZER = `${SHARED_DATA}/tokenizers/t5`;

export interface TinyT5Shape { d_model: number; d_ff: number; num_layers: number; num_heads: number; d_kv?: number; dropout_rate?: number }

/**
 * A T5 v1.1 / Flan-T5-style config (gated-GELU feed-forward, untied lm_head, dropout 0.1, T5's
 * relative position buckets) at a tiny size, over T5's 32,128-row embedding (the tokenizer's
 * 32,100 ids padded as the real checkpoints are). decoder_start_token_id 0 = pad, as T5.
 */
export function tinyT5Config(shape: TinyT5Shape): T5Config {
  return new T5Config({
    vocab_size: 32128, d_model: shape.d_model, d_ff: shape.d_ff, d_kv: shape.d_kv ?? Math.floor(shape.d_model / shape.num_heads),
    num_layers: shape.num_layers, num_heads: shape.num_heads, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false,
    dropout_rate: shape.dropout_rate ?? 0.1, decoder_start_token_id: 0, pad_token_id: 0, eos_token_id: 1,
  });
}

/** A tokenized seq2seq row (HF preprocess_function's output). */
export type Seq2SeqRow = { input_ids: number[]; attention_mask: number[]; labels: number[] };

/**
 * HF's preprocess_function: `tokenizer(prefix + source, max_length, truncation=True)` and
 * `tokenizer(text_target=target, max_length, truncation=True)['input_ids']` as labels (EOS kept
 * last: T5's template appends </s> after truncation).
 */
export async function tokenizePairs(tokenizer: PreTrainedTokenizerFast, pairs: readonly { source: string; target: string }[],
  opts: { prefix: string; maxSourceLength: number; maxTargetLength: number }): Promise<Seq2SeqRow[]> {
  const src = await tokenizer.call(pairs.map((p) => opts.prefix + p.source), { maxLength: opts.maxSourceLength, truncation: true });
  const tgt = await tokenizer.call(pairs.map((p) => p.target), { maxLength: opts.maxTargetLength, truncation: true });
  const ids = src.data.input_ids as number[][], mask = src.data.attention_mask as number[][], labels = tgt.data.input_ids as number[][];
  return pairs.map((_, i) => ({ input_ids: ids[i]!, attention_mask: mask[i]!, labels: labels[i]! }));
}

/** Rows of a (B, T) integer array (predictions or label_ids) as host arrays. */
export function rowsOf(a: NDArrays): number[][] {
  if (Array.isArray(a)) a = a[0]!; // several outputs: the first is the generated ids (HF: preds[0] when a tuple)
  const [B, T] = a.shape as [number, number];
  return Array.from({ length: B }, (_, i) => Array.from(a.data.subarray(i * T, (i + 1) * T) as ArrayLike<number>));
}

/** HF's postprocess: -100 (padding from gathering) -> pad id, batch_decode skipping special tokens, stripped. */
export function decodeIds(tokenizer: PreTrainedTokenizerFast, rows: readonly (readonly number[])[]): string[] {
  const pad = tokenizer.padTokenId ?? 0;
  return tokenizer.batchDecode(rows.map((r) => r.map((t) => (t === -100 ? pad : t))), { skipSpecialTokens: true }).map((s) => s.trim());
}

/**
 * Greedy (or beam) generation for a few sources, decoded: what the model says "before" and
 * "after" fine-tuning. Model in eval mode for the call (dropout off), restored after.
 */
export async function generateTexts(model: T5ForConditionalGeneration, tokenizer: PreTrainedTokenizerFast, sources: readonly string[],
  opts: { maxNewTokens: number; numBeams?: number; maxSourceLength?: number }): Promise<string[]> {
  const enc = await tokenizer.call([...sources], { padding: true, truncation: true, maxLength: opts.maxSourceLength ?? 512 });
  const wasTraining = model.training;
  model.eval();
  try {
    return torch.tidy(() => {
      const input_ids = torch.tensor(enc.data.input_ids as number[][], { dtype: 'int64' });
      const attention_mask = torch.tensor(enc.data.attention_mask as number[][], { dtype: 'int64' });
      const out = generate(model, { input_ids, attention_mask, max_new_tokens: opts.maxNewTokens, num_beams: opts.numBeams ?? 1, do_sample: false });
      const [B, T] = out.shape as [number, number];
      const flat = Array.from(out.toTypedArray() as BigInt64Array, Number);
      return decodeIds(tokenizer, Array.from({ length: B }, (_, i) => flat.slice(i * T, (i + 1) * T)));
    });
  } finally {
    if (wasTraining) model.train();
  }
}

/** Number of parameters (all, trainable) of a module. */
export function countParameters(model: { parameters(): torch.Tensor[] }): { all: number; trainable: number } {
  let all = 0, trainable = 0;
  for (const p of model.parameters()) { all += p.numel(); if (p.requiresGrad) trainable += p.numel(); }
  return { all, trainable };
}
