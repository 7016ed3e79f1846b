// examples/seq2seq/run.ts — the shared body of summarize-samsum.ts and translate-multi30k.ts, HF's
// run_summarization.py / run_translation.py in one function: tokenize (prefix + source, targets as
// labels), a tiny T5 v1.1 from scratch with the T5 tokenizer, Seq2SeqTrainer with
// predict_with_generate and the example's text metric in compute_metrics, scored before and after
// training, greedy generations of a few held-out sources, the model saved in HF format and
// reloaded (same logits), a loss plot and the RESULT line the smoke tests read.
import { DataCollatorForSeq2Seq } from '../../src/data/index.js';
import { AutoModelForSeq2SeqLM, T5ForConditionalGeneration } from '../../src/models/index.js';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import * as torch from '../../src/torch/index.js';
import { Seq2SeqTrainer, Seq2SeqTrainingArguments, type EvalPrediction } from '../../src/trainer/index.js';
import { writeLinePlot } from '../plot.js';
import { cpuSeconds, since } from '../qa/cli.js';
import { T5_TOKENIZER, countParameters, decodeIds, generateTexts, rowsOf, tinyT5Config, tokenizePairs } from './common.js';
import { logitsDiff, scaleFreshHead } from './checks.js';

/** The flags both examples share (merged into each example's parseFlags spec). */
export const SEQ2SEQ_FLAGS = {
  steps: { type: 'number', default: 400, help: 'optimizer updates' },
  batch: { type: 'number', default: 16, help: 'per_device_train_batch_size' },
  lr: { type: 'number', default: 2e-3, help: 'peak learning rate (linear decay, 5% warmup; a from-scratch tiny model takes a large one)' },
  'd-model': { type: 'number', default: 128, help: 'tiny T5: d_model (d_ff = 2 x, d_kv = d_model / heads)' },
  layers: { type: 'number', default: 2, help: 'tiny T5: encoder and decoder blocks each' },
  heads: { type: 'number', default: 4, help: 'tiny T5: attention heads' },
  'num-beams': { type: 'number', default: 1, help: 'generation_num_beams of evaluation' },
  'eval-every': { type: 'number', default: 0, help: 'evaluate every N updates (0: before / after only)' },
  threads: { type: 'number', default: 0, help: 'libtorch CPU threads (0: libtorch default)' },
  seed: { type: 'number', default: 42, help: 'seed of the init and the data order' },
} as const;

export interface Seq2SeqRun {
  name: string;
  /** what the task is called in prints and the plot title */
  title: string;
  prefix: string;
  train: { source: string; target: string }[];
  eval: { source: string; target: string }[];
  maxSourceLength: number;
  maxTargetLength: number;
  /** predictions and references (decoded) -> metrics; `main` names the headline one */
  metric: (preds: string[], refs: string[]) => Record<string, number>;
  main: string;
  flags: { [K in keyof typeof SEQ2SEQ_FLAGS]: (typeof SEQ2SEQ_FLAGS)[K]['type'] extends 'number' ? number : string } & { out: string };
  t0: number;
}

export async function runSeq2Seq(r: Seq2SeqRun): Promise<void> {
  const { flags: a, t0 } = r;
  if (a.threads > 0) torch.setNumThreads(a.threads);
  const tokenizer = await AutoTokenizer.fromPretrained(T5_TOKENIZER);
  const lengths = { prefix: r.prefix, maxSourceLength: r.maxSourceLength, maxTargetLength: r.maxTargetLength };
  const trainSet = await tokenizePairs(tokenizer, r.train, lengths);
  const evalSet = await tokenizePairs(tokenizer, r.eval, lengths);
  const mean = (xs: number[][]) => (xs.reduce((s, x) => s + x.length, 0) / xs.length).toFixed(1);
  console.log(`${r.title}: ${trainSet.length} train / ${evalSet.length} eval pairs; mean tokens source ${mean(trainSet.map((x) => x.input_ids))}, ` +
    `target ${mean(trainSet.map((x) => x.labels))} (cut at ${r.maxSourceLength} / ${r.maxTargetLength})  [${since(t0)}s]`);

  torch.manualSeed(a.seed);
  const model = new T5ForConditionalGeneration(tinyT5Config({ d_model: a['d-model'], d_ff: 2 * a['d-model'], num_layers: a.layers, num_heads: a.heads }));
  scaleFreshHead(model);
  const params = countParameters(model).all;
  console.log(`tiny T5 v1.1 from scratch (no pretrained T5 offline): d_model ${a['d-model']}, ${a.layers}+${a.layers} blocks, ${params.toLocaleString('en-US')} parameters`);

  let lastPredictions: string[] = [], lastReferences: string[] = [];
  const computeMetrics = (p: EvalPrediction): Record<string, number> => {
    [lastPredictions, lastReferences] = [decodeIds(tokenizer, rowsOf(p.predictions)), decodeIds(tokenizer, rowsOf(p.label_ids!))];
    return r.metric(lastPredictions, lastReferences);
  };
  const args = new Seq2SeqTrainingArguments({
    output_dir: a.out, max_steps: a.steps, per_device_train_batch_size: a.batch, per_device_eval_batch_size: 32, learning_rate: a.lr,
    lr_scheduler_type: 'linear', warmup_ratio: 0.05, logging_steps: Math.max(1, Math.floor(a.steps / 30)),
    eval_strategy: a['eval-every'] > 0 ? 'steps' : 'no', eval_steps: a['eval-every'] > 0 ? a['eval-every'] : null,
    save_strategy: 'no', report_to: 'none', seed: a.seed, disable_tqdm: true,
    predict_with_generate: true, generation_max_length: r.maxTargetLength, generation_num_beams: a['num-beams'],
  });
  const trainer = new Seq2SeqTrainer({
    model, args, trainDataset: trainSet, evalDataset: evalSet, processingClass: tokenizer, computeMetrics,
    dataCollator: new DataCollatorForSeq2Seq({ tokenizer, model }),
  });
  const key = `eval_${r.main}`;
  const shown = r.eval.slice(0, 3).map((p) => r.prefix + p.source);
  const genOpts = { maxNewTokens: r.maxTargetLength, numBeams: a['num-beams'], maxSourceLength: r.maxSourceLength };

  const before = trainer.evaluate();
  const predictionsBefore = lastPredictions;
  const generationsBefore = await generateTexts(model, tokenizer, shown, genOpts);
  console.log(`before: eval loss ${before.eval_loss!.toFixed(3)}, ${r.main} ${before[key]!.toFixed(4)}  [${since(t0)}s]`);

  const tTrain = performance.now();
  const out = await trainer.train();
  const trainSeconds = Number(since(tTrain));
  const after = trainer.evaluate();
  const generationsAfter = await generateTexts(model, tokenizer, shown, genOpts);
  const logs = trainer.state.log_history.filter((h) => h.loss !== undefined);
  console.log(`training: ${out.global_step} updates of ${a.batch} pairs in ${trainSeconds}s (${(trainSeconds / out.global_step).toFixed(2)} s each); ` +
    `train loss ${logs[0]!.loss!.toFixed(3)} -> ${logs.at(-1)!.loss!.toFixed(3)}`);
  console.log(`after: eval loss ${before.eval_loss!.toFixed(3)} -> ${after.eval_loss!.toFixed(3)}; ` +
    Object.keys(r.metric(['x'], ['x'])).map((k) => `${k} ${before[`eval_${k}`]!.toFixed(4)} -> ${after[`eval_${k}`]!.toFixed(4)}`).join('; '));
  for (let i = 0; i < shown.length; i++)
    console.log(`[${r.eval[i]!.source.slice(0, 200).replace(/\n/g, ' | ')}]\n  before: ${generationsBefore[i]}\n  after:  ${generationsAfter[i]}\n  reference: ${r.eval[i]!.target}`);

  await model.savePretrained(`${a.out}/model`);
  await tokenizer.savePretrained(`${a.out}/model`);
  const reloaded = (await AutoModelForSeq2SeqLM.fromPretrained(`${a.out}/model`)) as T5ForConditionalGeneration;
  const reloadDiff = logitsDiff(model, reloaded, evalSet.slice(0, 4));
  const reloadedGenerations = await generateTexts(reloaded, tokenizer, shown, genOpts);
  console.log(`saved ${a.out}/model; reloaded: max |logits difference| ${reloadDiff}, same generations: ${JSON.stringify(reloadedGenerations) === JSON.stringify(generationsAfter)}`);

  writeLinePlot(`${a.out}/loss.svg`, `${r.title}, tiny T5 from scratch: ${r.main} ${before[key]!.toFixed(3)} -> ${after[key]!.toFixed(3)}`, [
    { name: 'train loss', points: logs.map((h) => [h.step, h.loss] as [number, number]), color: '#1f77b4' },
    { name: 'held-out loss', points: [[0, before.eval_loss!], ...trainer.state.log_history.filter((h) => h.eval_loss !== undefined && h.step! > 0).map((h) => [h.step, h.eval_loss] as [number, number])], color: '#d62728' },
  ], { xLabel: 'update', yLabel: 'cross-entropy' });
  console.log(`loss curve: ${a.out}/loss.svg  [total ${since(t0)}s wall, ${cpuSeconds()}s CPU]`);
  const metricsOf = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('eval_') && !/runtime|per_second|epoch/.test(k)));
  console.log(`RESULT ${JSON.stringify({
    example: r.name, parameters: params, train_pairs: trainSet.length, eval_pairs: evalSet.length, steps: out.global_step,
    loss_first: logs[0]!.loss, loss_last: logs.at(-1)!.loss, losses: logs.map((h) => h.loss), metrics_before: metricsOf(before), metrics_after: metricsOf(after),
    predictions_before: predictionsBefore, predictions_after: lastPredictions, references: lastReferences,
    generations_before: generationsBefore, generations_after: generationsAfter, reload_max_abs_diff: reloadDiff,
    reload_same_generations: JSON.stringify(reloadedGenerations) === JSON.stringify(generationsAfter),
    train_seconds: trainSeconds, seconds: Number(since(t0)), cpu_seconds: cpuSeconds(),
  })}`);
}
