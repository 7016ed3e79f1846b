// examples/pii-masking.ts — PII masking as text-to-text, the seed notebook's recipe (Flan-T5 + LoRA
// on ai4privacy's pii-masking data, Seq2SeqTrainer with predict_with_generate and BLEU) end to end:
// "Mask all personally identifiable information: Call Olivia Smith at (415) 555-0132." ->
// "Call [FIRSTNAME] [LASTNAME] at [PHONENUMBER]."
// What differs from the seed, and why: no pretrained Flan-T5 can be had offline (shared/data/
// SOURCES.md), so the model is a tiny T5 v1.1 / Flan-T5-shaped one (gated-GELU, untied head) built
// from scratch with T5's real sentencepiece tokenizer (or `--model <dir>`: any T5 folder); and
// ai4privacy's rows are not available, so examples/pii/data.ts builds the same kind of pairs from
// Multi30K captions with generated names, e-mails, phones, addresses, dates and ids
// (docs/pii-dataset.md). The seed's LoRA (r 128, alpha 256, dropout 0.05, SEQ_2_SEQ_LM, peft's
// default T5 targets q and v) is `--lora`; a from-scratch model whose only trainable weights are
// q/v adapters learns almost nothing (the embeddings and feed-forwards stay random), so the demo's
// default is full fine-tuning. Kept from the seed: adam_epsilon 1e-4 (for `--bf16` weights),
// per-device batch 2 x 2 accumulated (with --lora; the full demo takes 8 x 1), predict_with_generate, BLEU (plus ROUGE, exact match and the
// PII leak rate: eval rows whose prediction still contains one of the row's PII values).
// Run: node --import tsx examples/pii-masking.ts [--steps 800] [--lora] [--bf16] [--help]
//
// MEASURED with the defaults (full fine-tuning, d_model 128, 9.0M weights of which 8.2M are the
// 32,128-row embedding and head; 800 updates of 8 rows; 2-core EPYC shared with other jobs): 380 s wall.
//   train loss 10.06 -> 1.87; held-out (100 rows) loss 10.77 -> 1.74
//   BLEU 0.000 -> 0.229, ROUGE-L 0.003 -> 0.342, exact match 0.00, leak rate 0.00 -> 0.00
//   It has learned the templates and the labels, not yet to copy a caption it never saw:
//   "A man is in a barber's shop getting a haircut. The print was paid with card 4706 9013 2878 1651 on 30 December 2014."
//     after: "A man is a a a a ... blue shirt is sitting in a a a a a a blue. The print was paid with card [CREDITCARDNUMBER] on [DATE]."
//   (leak rate 0 before and after: the random model and the trained one both write none of the row's PII)
//   --lora (the seed's adapter on a random T5; 10 updates in the smoke test): held-out loss 10.99 -> 10.31;
//   the q/v adapters alone leave the random embeddings and feed-forwards as they are.
//   --bf16: bf16 weights under autocast, saved and reloaded in bf16 (max |Δ logits| 0); its speed here not measured.
import { statSync } from 'node:fs';
import { DataCollatorForSeq2Seq } from '../src/data/index.js';
import { AutoModelForSeq2SeqLM, T5ForConditionalGeneration } from '../src/models/index.js';
import { bleu, rouge } from '../src/metrics/index.js';
import { getPeftModel, LoraConfig, PeftModel } from '../src/peft/index.js';
import { AutoTokenizer } from '../src/tokenizers/index.js';
import * as torch from '../src/torch/index.js';
import { Seq2SeqTrainer, Seq2SeqTrainingArguments, type EvalPrediction } from '../src/trainer/index.js';
import { writeLinePlot } from './plot.js';
import { SHARED_DATA, cpuSeconds, parseFlags, since } from './qa/cli.js';
import { buildPiiSplits, loadCaptions } from './pii/data.js';
import { T5_TOKENIZER, countParameters, decodeIds, generateTexts, rowsOf, tinyT5Config, tokenizePairs } from './seq2seq/common.js';
import { logitsDiff, scaleFreshHead } from './seq2seq/checks.js';

const a = parseFlags('pii-masking', {
  model: { type: 'string', default: '', help: 'a T5 folder to fine-tune (config.json + weights); default: a tiny T5 v1.1 built from scratch' },
  lora: { type: 'boolean', default: false, help: "the seed's configuration: LoRA r 128, alpha 256, dropout 0.05 on peft's T5 targets (q, v)" },
  full: { type: 'boolean', default: false, help: 'full fine-tuning (the default; the flag only says so)' },
  bf16: { type: 'boolean', default: false, help: 'bfloat16 weights and autocast (the seed loads Flan-T5 in bf16; slow on CPUs without bf16 matmul)' },
  rows: { type: 'number', default: 6000, help: 'training rows (one Multi30K caption each)' },
  'eval-rows': { type: 'number', default: 100, help: 'held-out rows (disjoint captions) for loss, BLEU, ROUGE, leak rate' },
  steps: { type: 'number', default: 800, help: 'optimizer updates' },
  batch: { type: 'number', default: 0, help: "per_device_train_batch_size (0: the seed's 2 with --lora, 8 for the full demo)" },
  'grad-accum': { type: 'number', default: 0, help: "gradient_accumulation_steps (0: the seed's 2 with --lora, 1 for the full demo)" },
  lr: { type: 'number', default: 1e-3, help: 'peak learning rate (linear decay, 5% warmup)' },
  'd-model': { type: 'number', default: 128, help: 'tiny T5: d_model (d_ff = 2 x, d_kv = d_model / heads)' },
  layers: { type: 'number', default: 2, help: 'tiny T5: encoder and decoder blocks each' },
  heads: { type: 'number', default: 4, help: 'tiny T5: attention heads' },
  'max-source-length': { type: 'number', default: 128, help: 'source tokens kept (prefix included)' },
  'max-target-length': { type: 'number', default: 128, help: 'target tokens kept; also generation_max_length' },
  'num-beams': { type: 'number', default: 1, help: 'generation_num_beams of evaluation' },
  'eval-every': { type: 'number', default: 0, help: 'evaluate (loss + generation metrics) every N updates (0: before / after only)' },
  prefix: { type: 'string', default: 'Mask all personally identifiable information: ', help: 'instruction prefix of every source' },
  threads: { type: 'number', default: 0, help: 'libtorch CPU threads (0: libtorch default)' },
  seed: { type: 'number', default: 0, help: 'seed of the data set, the init and the data order' },
  out: { type: 'string', default: 'runs/pii-masking', help: 'output folder (model/ or base/ + adapter/, loss.svg)' },
});
if (a.lora && a.full) { console.error('pii-masking: --lora and --full exclude each other'); process.exit(2); }
if (a.threads > 0) torch.setNumThreads(a.threads);
// the seed's 2 x 2 rows an update; the full demo takes 8 x 1: per-update costs (AdamW over 9M weights,
// the 32,128-way softmax) are amortised over more rows, and the loss falls faster per second
const batch = a.batch || (a.lora ? 2 : 8), gradAccum = a['grad-accum'] || (a.lora ? 2 : 1);
const t0 = performance.now();

// ---- data: generated PII rows on disjoint caption pools ----
const captions = loadCaptions(`${SHARED_DATA}/multi30k_en_de/train.en.gz`);
const split = buildPiiSplits(captions, { train: a.rows, test: a['eval-rows'] }, a.seed);
const tokenizer = await AutoTokenizer.fromPretrained(a.model || T5_TOKENIZER);
const lengths = { prefix: a.prefix, maxSourceLength: a['max-source-length'], maxTargetLength: a['max-target-length'] };
const pairs = (rows: typeof split.train) => rows.map((r) => ({ source: r.source_text, target: r.target_text }));
const trainSet = await tokenizePairs(tokenizer, pairs(split.train), lengths);
const evalSet = await tokenizePairs(tokenizer, pairs(split.test), lengths);
const spans = split.train.reduce((s, r) => s + r.privacy_mask.length, 0);
console.log(`PII data: ${trainSet.length} train rows (${spans} PII spans) / ${evalSet.length} held out, from ${captions.length} Multi30K captions; ` +
  `e.g.\n  ${split.test[1]!.source_text}\n  -> ${split.test[1]!.target_text}  [${since(t0)}s]`);

// ---- the model: a T5 folder, or a tiny T5 v1.1 from scratch ----
torch.manualSeed(a.seed);
let base: T5ForConditionalGeneration;
if (a.model) base = (await AutoModelForSeq2SeqLM.fromPretrained(a.model)) as T5ForConditionalGeneration;
else {
  base = new T5ForConditionalGeneration(tinyT5Config({ d_model: a['d-model'], d_ff: 2 * a['d-model'], num_layers: a.layers, num_heads: a.heads }));
  scaleFreshHead(base);
}
if (a.bf16) base.bfloat16();
const mode = a.lora ? 'lora' : 'full';
if (a.lora) await base.savePretrained(`${a.out}/base`); // a random base: the adapter is reloaded onto these weights
const model = a.lora
  ? getPeftModel(base, new LoraConfig({ task_type: 'SEQ_2_SEQ_LM', r: 128, lora_alpha: 256, lora_dropout: 0.05 }))
  : base;
const counts = countParameters(model as unknown as T5ForConditionalGeneration);
const trainable = a.lora ? (model as PeftModel).printTrainableParameters()
  : `trainable params: ${counts.trainable.toLocaleString('en-US')} || all params: ${counts.all.toLocaleString('en-US')} || trainable%: 100.0000`;
if (!a.lora) console.log(trainable);
// LoRA layers are injected into base's own modules, so base generates with the adapter on (peft's
// PeftModelForSeq2SeqLM.generate calls base_model.generate the same way); forward goes through the PeftModel
const t5 = model as unknown as T5ForConditionalGeneration;

// ---- metrics on generated text: BLEU (the seed's), ROUGE, exact match, PII leak rate ----
let lastPredictions: string[] = [], lastReferences: string[] = [];
function computeMetrics(p: EvalPrediction): Record<string, number> {
  const preds = decodeIds(tokenizer, rowsOf(p.predictions));
  const refs = decodeIds(tokenizer, rowsOf(p.label_ids!));
  [lastPredictions, lastReferences] = [preds, refs];
  const b = bleu(preds, refs.map((r) => [r]));
  const r = rouge(preds, refs);
  const leaks = preds.filter((pred, i) => split.test[i]!.privacy_mask.some((s) => pred.includes(s.value))).length;
  return { bleu: b.bleu, rouge1: r.rouge1!, rougeL: r.rougeL!, exact_match: preds.filter((x, i) => x === refs[i]).length / preds.length, leak_rate: leaks / preds.length };
}

const args = new Seq2SeqTrainingArguments({
  output_dir: a.out, max_steps: a.steps, per_device_train_batch_size: batch, gradient_accumulation_steps: gradAccum,
  per_device_eval_batch_size: 16, learning_rate: a.lr, adam_epsilon: 1e-4, lr_scheduler_type: 'linear', warmup_ratio: 0.05,
  bf16: a.bf16, logging_steps: Math.max(1, Math.floor(a.steps / 30)), eval_strategy: a['eval-every'] > 0 ? 'steps' : 'no',
  eval_steps: a['eval-every'] > 0 ? a['eval-every'] : null, save_strategy: 'no', report_to: 'none', seed: a.seed, disable_tqdm: true,
  predict_with_generate: true, generation_max_length: a['max-target-length'], generation_num_beams: a['num-beams'],
});
const trainer = new Seq2SeqTrainer({
  model, args, trainDataset: trainSet, evalDataset: evalSet, processingClass: tokenizer, computeMetrics,
  dataCollator: new DataCollatorForSeq2Seq({ tokenizer, model: base }),
});

// ---- before ----
const shown = split.test.slice(0, 3).map((r) => a.prefix + r.source_text);
const genOpts = { maxNewTokens: a['max-target-length'], numBeams: a['num-beams'] };
const before = trainer.evaluate();
const predictionsBefore = lastPredictions;
const generationsBefore = await generateTexts(base, tokenizer, shown, genOpts);
console.log(`before: eval loss ${before.eval_loss!.toFixed(3)}, BLEU ${before.eval_bleu!.toFixed(4)}, leak rate ${before.eval_leak_rate!.toFixed(2)}  [${since(t0)}s]`);

// ---- fine-tuning ----
const tTrain = performance.now();
const out = await trainer.train();
const trainSeconds = Number(since(tTrain));
const after = trainer.evaluate();
const generationsAfter = await generateTexts(base, tokenizer, shown, genOpts);
const logs = trainer.state.log_history.filter((h) => h.loss !== undefined);
console.log(`${mode} fine-tuning: ${out.global_step} updates in ${trainSeconds}s; train loss ${logs[0]!.loss!.toFixed(3)} -> ${logs.at(-1)!.loss!.toFixed(3)}`);
console.log(`after: eval loss ${before.eval_loss!.toFixed(3)} -> ${after.eval_loss!.toFixed(3)}; BLEU ${before.eval_bleu!.toFixed(4)} -> ${after.eval_bleu!.toFixed(4)}; ` +
  `ROUGE-L ${before.eval_rougeL!.toFixed(4)} -> ${after.eval_rougeL!.toFixed(4)}; exact match ${after.eval_exact_match!.toFixed(3)}; leak rate ${after.eval_leak_rate!.toFixed(3)}`);
for (let i = 0; i < shown.length; i++)
  console.log(`[${split.test[i]!.source_text}]\n  before: ${generationsBefore[i]}\n  after:  ${generationsAfter[i]}\n  target: ${split.test[i]!.target_text}`);

// ---- saved and reloaded: the full model in HF format, or the adapter in peft's files onto the saved base ----
let reloadDiff: number, savedBytes: number;
const loadDtype = a.bf16 ? { dtype: 'bfloat16' as const } : {}; // saved in bf16: reloaded in bf16, the same weights
if (a.lora) {
  await (model as PeftModel).savePretrained(`${a.out}/adapter`);
  savedBytes = statSync(`${a.out}/adapter/adapter_model.safetensors`).size;
  const reloaded = await PeftModel.fromPretrained(await AutoModelForSeq2SeqLM.fromPretrained(`${a.out}/base`, loadDtype), `${a.out}/adapter`);
  reloadDiff = logitsDiff(t5, reloaded as unknown as T5ForConditionalGeneration, evalSet.slice(0, 4));
} else {
  await base.savePretrained(`${a.out}/model`);
  await tokenizer.savePretrained(`${a.out}/model`);
  savedBytes = statSync(`${a.out}/model/model.safetensors`).size;
  const reloaded = (await AutoModelForSeq2SeqLM.fromPretrained(`${a.out}/model`, loadDtype)) as T5ForConditionalGeneration;
  reloadDiff = logitsDiff(t5, reloaded, evalSet.slice(0, 4));
}
console.log(`saved ${a.lora ? `${a.out}/adapter` : `${a.out}/model`} (${(savedBytes / 1024).toFixed(0)} KiB); reloaded: max |logits difference| ${reloadDiff}`);

writeLinePlot(`${a.out}/loss.svg`, `PII masking, tiny T5 (${mode}): BLEU ${before.eval_bleu!.toFixed(3)} -> ${after.eval_bleu!.toFixed(3)}`, [
  { name: 'train loss', points: logs.map((h) => [h.step, h.loss] as [number, number]), color: '#1f77b4' },
  { name: 'held-out loss', points: [[0, before.eval_loss!], ...trainer.state.log_history.filter((h) => h.eval_loss !== undefined && h.step! > 0).map((h) => [h.step, h.eval_loss] as [number, number])], color: '#d62728' },
], { xLabel: 'update', yLabel: 'cross-entropy' });
console.log(`loss curve: ${a.out}/loss.svg  [total ${since(t0)}s wall, ${cpuSeconds()}s CPU]`);
console.log(`RESULT ${JSON.stringify({
  example: 'pii-masking', mode, bf16: a.bf16, batch, grad_accum: gradAccum, trainable, train_rows: trainSet.length, eval_rows: evalSet.length, steps: out.global_step,
  loss_first: logs[0]!.loss, loss_last: logs.at(-1)!.loss, eval_loss_before: before.eval_loss, eval_loss_after: after.eval_loss,
  bleu_before: before.eval_bleu, bleu_after: after.eval_bleu, rougeL_before: before.eval_rougeL, rougeL_after: after.eval_rougeL,
  rouge1_after: after.eval_rouge1, exact_match_after: after.eval_exact_match, leak_rate_before: before.eval_leak_rate, leak_rate_after: after.eval_leak_rate,
  predictions_before: predictionsBefore, predictions_after: lastPredictions, references: lastReferences, privacy_values: split.test.map((r) => r.privacy_mask.map((s) => s.value)),
  generations_before: generationsBefore, generations_after: generationsAfter, reload_max_abs_diff: reloadDiff, saved_bytes: savedBytes,
  train_seconds: trainSeconds, seconds: Number(since(t0)), cpu_seconds: cpuSeconds(),
})}`);
