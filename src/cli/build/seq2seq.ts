// seq2seq.ts — `tunekit seq2seq`'s data, as run_summarization.py / run_translation.py prepare it:
// source_prefix + source -> input_ids (max_source_length), target -> labels (max_target_length),
// DataCollatorForSeq2Seq with the model (decoder_input_ids from the labels), and with
// predict_with_generate, compute_metrics over the decoded generations (BLEU, ROUGE, exact match).
import { DataCollatorForSeq2Seq, type Batch, type CollatorTokenizer, type Dataset, type DecoderInputsFromLabels } from '../../data/index.js';
import { bleu, rouge } from '../../metrics/index.js';
import type { PreTrainedTokenizerFast } from '../../tokenizers/index.js';
import type { EvalPrediction, NDArray } from '../../trainer/index.js';
import type { Recipe } from '../recipe/recipe.js';
import type { TaskData } from './tasks.js';

/** Rows of a (B, T) id array, -100 (padding of gathered predictions) as the pad id. */
function rows(a: NDArray, pad: number): number[][] {
  const [B, T] = a.shape as [number, number];
  return Array.from({ length: B }, (_, i) => Array.from(a.data.subarray(i * T, (i + 1) * T) as ArrayLike<number>, (t) => (Number(t) === -100 ? pad : Number(t))));
}

export async function seq2seqData(r: Recipe, tok: PreTrainedTokenizerFast, model: unknown, data: { train: Dataset; eval: Dataset | null }): Promise<TaskData> {
  const maxSource = r.dataset.max_source_length as number;
  const maxTarget = r.dataset.max_target_length as number;
  const prefix = r.dataset.source_prefix as string;
  const prep = (ds: Dataset) => ds.map(async (b: Batch) => {
    const src = await tok.call((b.source as string[]).map((s) => prefix + s), { maxLength: maxSource, truncation: true });
    const tgt = await tok.call(b.target as string[], { maxLength: maxTarget, truncation: true });
    return { input_ids: src.data.input_ids, attention_mask: src.data.attention_mask, labels: tgt.data.input_ids };
  }, { batched: true, removeColumns: ds.columnNames, captures: { tok, maxSource, maxTarget, prefix }, desc: 'Tokenizing sources and targets' });
  const pad = tok.padTokenId ?? 0;
  const decode = (a: NDArray): string[] => tok.batchDecode(rows(a, pad), { skipSpecialTokens: true }).map((s) => s.trim());
  const computeMetrics = (p: EvalPrediction): Record<string, number> => {
    const preds = decode((Array.isArray(p.predictions) ? p.predictions[0] : p.predictions) as NDArray);
    const refs = decode(p.label_ids as NDArray);
    const rg = rouge(preds, refs);
    return { bleu: bleu(preds, refs).bleu, rougeL: rg.rougeL!, exact_match: preds.filter((s, i) => s === refs[i]).length / Math.max(1, preds.length) };
  };
  const withGenerate = (r.args as { predict_with_generate?: boolean }).predict_with_generate === true;
  return {
    train: await prep(data.train), eval: data.eval && await prep(data.eval),
    collator: new DataCollatorForSeq2Seq({ tokenizer: tok as unknown as CollatorTokenizer, model: model as DecoderInputsFromLabels }),
    computeMetrics: withGenerate ? computeMetrics : undefined,
  };
}
