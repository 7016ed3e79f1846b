// examples/lora-stories.ts — LoRA fine-tuning of a real pretrained causal LM, peft-style: the
// stories260K TinyStories Llama adapted to IMDB reviews (the domain of finetune-stories.ts, which
// fine-tunes every weight) with a LoRA adapter on every linear layer ('all-linear', r 8, alpha 16)
// through the Trainer. Shown: the trainable share (printTrainableParameters, peft's wording),
// held-out review perplexity before / after, the TinyStories probe with the adapter on and with
// disableAdapter() (the base weights are untouched: the probe is the pretrained model's, exactly),
// the adapter saved in peft's files (adapter_config.json + adapter_model.safetensors: Python's
// PeftModel.from_pretrained loads it) and reloaded onto a fresh base (same logits), then
// mergeAndUnload() into a plain Llama saved in HF format and run through pipeline('text-generation').
// Run: node --import tsx examples/lora-stories.ts [--steps 300] [--r 8] [--lr 5e-3] [--help]
//
// MEASURED with the defaults (2-core EPYC, 2026-12-05): 255 s wall, 507 CPU-s (300 updates of
// 32 x 128 tokens in 241 s: on a model this small the LoRA branches of every linear cost more than
// the frozen weights save, 0.8 s an update vs 0.47 s for full fine-tuning in finetune-stories.ts).
//   trainable params: 46,240 || all params: 306,272 || trainable%: 15.0977
//   IMDB perplexity 38.13 -> 14.72 (full fine-tuning, 500 updates: 11.74)
//   TinyStories probe with the adapter 1.58 / 2.58 -> 6.72 / 8.35; with disableAdapter() 1.58 / 2.58,
//   the pretrained model's exactly (full fine-tuning forgets for good: 7.68 / 9.93)
//   adapter: 189 KiB (the merged checkpoint: 1.0 MB); reloaded onto a fresh base: max |Δ logits| 0;
//   mergeAndUnload(): max |Δ logits| 2.6e-5 (logits of magnitude ~10-20: float32 rounding of W + BA)
//   "I watched this movie" after, greedy: " is an actors is also an actors. What is a realistic ..."
import { readFileSync, statSync } from 'node:fs';
import { DataCollatorForLanguageModeling, loadDataset } from '../src/data/index.js';
import { AutoModelForCausalLM, type CausalLMOutput, type LlamaForCausalLM } from '../src/models/index.js';
import { perplexity } from '../src/metrics/index.js';
import { getPeftModel, LoraConfig, PeftModel } from '../src/peft/index.js';
import { pipeline } from '../src/pipelines/index.js';
import { AutoTokenizer } from '../src/tokenizers/index.js';
import * as torch from '../src/torch/index.js';
import { Trainer, TrainingArguments } from '../src/trainer/index.js';
import { writeLinePlot } from './plot.js';
import { SHARED_DATA, cpuSeconds, parseFlags, since } from './qa/cli.js';
import { groupTexts } from './clm/chunks.js';
import { continueText, textPerplexity } from './clm/lm.js';

const STORIES = `${SHARED_DATA}/models/stories260K`;
const a = parseFlags('lora-stories', {
  model: { type: 'string', default: STORIES, help: 'the pretrained causal LM folder (model + tokenizer)' },
  'block-size': { type: 'number', default: 128, help: 'tokens per training block' },
  steps: { type: 'number', default: 300, help: 'optimizer updates' },
  batch: { type: 'number', default: 32, help: 'train batch size in blocks' },
  r: { type: 'number', default: 8, help: 'LoRA rank' },
  alpha: { type: 'number', default: 16, help: 'lora_alpha (scaling = alpha / r)' },
  targets: { type: 'string', default: 'all-linear', help: "target_modules: 'all-linear' or a comma-separated list (q_proj,v_proj)" },
  lr: { type: 'number', default: 5e-3, help: 'peak learning rate (LoRA takes a larger one than full fine-tuning)' },
  'eval-every': { type: 'number', default: 100, help: 'eval loss every N updates (0: only before/after)' },
  'max-docs': { type: 'number', default: 0, help: 'use only the first N reviews (0: all 3,000)' },
  prompt: { type: 'string', default: 'I watched this movie', help: 'the prompt continued before and after' },
  'max-new-tokens': { type: 'number', default: 60, help: 'tokens generated per continuation' },
  threads: { type: 'number', default: 0, help: 'libtorch CPU threads (0: libtorch default)' },
  seed: { type: 'number', default: 42, help: 'seed of the split, data order and LoRA init' },
  out: { type: 'string', default: 'runs/lora-stories', help: 'output folder (adapter/, merged/, loss.svg)' },
});
if (a.threads > 0) torch.setNumThreads(a.threads);
const t0 = performance.now();

// ---- data: IMDB reviews split by review, tokenized (BOS first), grouped into blocks ----
let reviews = (await loadDataset('csv', { dataFiles: { train: `${SHARED_DATA}/imdb/imdb_small_3000.csv` } })).get('train');
if (a['max-docs'] > 0) reviews = reviews.select(Array.from({ length: Math.min(a['max-docs'], reviews.numRows) }, (_, i) => i));
const split = reviews.trainTestSplit({ testSize: 0.1, seed: a.seed });
const tokenizer = await AutoTokenizer.fromPretrained(a.model);
tokenizer.padToken = tokenizer.eosToken;
const blockSize = a['block-size'];
// `captures`: what the map functions read from outside, hashed into the cache key (a re-run loads the cached blocks)
const blocks = async (ds: typeof reviews) => {
  const tokenized = await ds.map(async (b) => (await tokenizer.call((b.text as string[]).map((t) => t.replace(/<br\s*\/?>/gi, '\n')))).data,
    { batched: true, removeColumns: ds.columnNames, captures: { tokenizer } });
  return tokenized.map((b) => groupTexts(b, blockSize), { batched: true, captures: { groupTexts, blockSize } });
};
const [trainBlocks, evalBlocks] = [await blocks(split.get('train')), await blocks(split.get('test'))];

// ---- the base model wrapped with a LoRA adapter ----
torch.manualSeed(a.seed);
const base = (await AutoModelForCausalLM.fromPretrained(a.model)) as LlamaForCausalLM;
const config = new LoraConfig({
  task_type: 'CAUSAL_LM', r: a.r, lora_alpha: a.alpha, lora_dropout: 0.05,
  target_modules: a.targets === 'all-linear' ? 'all-linear' : a.targets.split(','),
});
const model = getPeftModel(base, config);
console.log(`IMDB: ${reviews.numRows} reviews -> ${trainBlocks.numRows} train / ${evalBlocks.numRows} eval blocks of ${a['block-size']} tokens; ` +
  `${a.model} + LoRA r=${a.r} alpha=${a.alpha} on ${a.targets}  [${since(t0)}s]`);
const trainableLine = model.printTrainableParameters();
const lm = model as unknown as LlamaForCausalLM; // forward / generate delegate to the wrapped Llama

// ---- the TinyStories probe: the two stories of the model's REFERENCE_OUTPUT.md ----
const probes = [...readFileSync(`${STORIES}/REFERENCE_OUTPUT.md`, 'utf8').matchAll(/```\n\$ \.\/run[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
if (probes.length !== 2) throw new Error(`expected 2 stories in ${STORIES}/REFERENCE_OUTPUT.md, found ${probes.length}`);
const probePpl = async () => Promise.all(probes.map(async (p) => (await textPerplexity(lm, tokenizer, p)).perplexity));

const args = new TrainingArguments({
  output_dir: a.out, per_device_train_batch_size: a.batch, per_device_eval_batch_size: 32, learning_rate: a.lr, max_steps: a.steps,
  warmup_ratio: 0.05, lr_scheduler_type: 'cosine', weight_decay: 0.0, logging_steps: 25,
  eval_strategy: a['eval-every'] > 0 ? 'steps' : 'no', eval_steps: a['eval-every'] > 0 ? a['eval-every'] : null,
  save_strategy: 'no', seed: a.seed, report_to: 'none',
});
const trainer = new Trainer({
  model, args, trainDataset: trainBlocks, evalDataset: evalBlocks, processingClass: tokenizer,
  dataCollator: new DataCollatorForLanguageModeling({ tokenizer, mlm: false }),
});
const before = trainer.evaluate().eval_loss!;
const probesBefore = await probePpl();
const greedyBefore = (await continueText(lm, tokenizer, a.prompt, a['max-new-tokens'])).text;
console.log(`before: IMDB perplexity ${perplexity(before).toFixed(2)}; TinyStories probe ${probesBefore.map((p) => p.toFixed(2)).join(' / ')}`);

// ---- LoRA training: only the adapter's A / B matrices learn ----
const tTrain = performance.now();
const out = await trainer.train();
const after = trainer.evaluate().eval_loss!;
const probesAfter = await probePpl();
const probesDisabled = await model.disableAdapter(() => probePpl()); // the adapter off: the pretrained model
const greedyAfter = (await continueText(lm, tokenizer, a.prompt, a['max-new-tokens'])).text;
console.log(`LoRA: ${out.global_step} updates in ${since(tTrain)}s; IMDB perplexity ${perplexity(before).toFixed(2)} -> ${perplexity(after).toFixed(2)}; ` +
  `TinyStories probe with the adapter ${probesAfter.map((p) => p.toFixed(2)).join(' / ')}, with disableAdapter() ${probesDisabled.map((p) => p.toFixed(2)).join(' / ')}`);
console.log(`[${a.prompt}] before: ${JSON.stringify(greedyBefore)}\n[${a.prompt}] after:  ${JSON.stringify(greedyAfter)}`);

// ---- the adapter in peft's files, reloaded onto a fresh base ----
const ids = torch.tensor([(evalBlocks.column('input_ids') as number[][])[0]!.slice(0, 64)], { dtype: 'int64' }).keep();
const logitsOf = (m: { forward(i: unknown): unknown }): torch.Tensor =>
  torch.noGrad(() => (m.forward({ input_ids: ids }) as CausalLMOutput).logits.keep());
model.eval();
const adapterLogits = logitsOf(model);
await model.savePretrained(`${a.out}/adapter`);
const adapterBytes = statSync(`${a.out}/adapter/adapter_model.safetensors`).size;
const reloaded = await PeftModel.fromPretrained(await AutoModelForCausalLM.fromPretrained(a.model), `${a.out}/adapter`);
reloaded.eval();
const reloadDiff = torch.tidy(() => logitsOf(reloaded).sub(adapterLogits).abs().max().item());
reloaded.dispose();

// ---- merged into the base weights: a plain Llama, saved in HF format, in a pipeline ----
const merged = model.mergeAndUnload() as LlamaForCausalLM;
merged.eval();
const mergeDiff = torch.tidy(() => logitsOf(merged).sub(adapterLogits).abs().max().item());
await merged.savePretrained(`${a.out}/merged`);
await tokenizer.savePretrained(`${a.out}/merged`);
const generator = await pipeline('text-generation', { model: `${a.out}/merged` });
const [piped] = await generator(a.prompt, { max_new_tokens: a['max-new-tokens'], do_sample: false });
const greedyMerged = (await continueText(merged, tokenizer, a.prompt, a['max-new-tokens'])).text;
const pipelineMatches = piped!.generated_text === a.prompt + greedyMerged;
// merged weights round differently (~1e-6 relative), so a long greedy run may part at a near tie
const mergedSameGreedy = greedyMerged === greedyAfter;
console.log(`adapter: ${a.out}/adapter (${(adapterBytes / 1024).toFixed(0)} KiB; reloaded onto a fresh base: max |logits difference| ${reloadDiff})`);
console.log(`mergeAndUnload(): max |logits difference| ${mergeDiff.toExponential(2)} vs the adapter; merged model in ${a.out}/merged; ` +
  `pipeline on the saved folder = the merged model's greedy: ${pipelineMatches}; merged greedy = the adapter's: ${mergedSameGreedy}`);

const history = trainer.state.log_history;
writeLinePlot(`${a.out}/loss.svg`, `stories260K + LoRA r=${a.r} on IMDB: cross-entropy (perplexity ${perplexity(before).toFixed(1)} -> ${perplexity(after).toFixed(1)})`, [
  { name: 'train', points: history.filter((h) => h.loss !== undefined).map((h) => [h.step, h.loss] as [number, number]), color: '#1f77b4' },
  { name: 'eval (unseen reviews)', points: [[0, before], ...history.filter((h) => h.eval_loss !== undefined && h.step! > 0).map((h) => [h.step, h.eval_loss] as [number, number])], color: '#d62728' },
], { xLabel: 'update', yLabel: 'loss' });
console.log(`loss curve: ${a.out}/loss.svg  [total ${since(t0)}s wall, ${cpuSeconds()}s CPU]`);
console.log(`RESULT ${JSON.stringify({
  example: 'lora-stories', trainable: trainableLine, perplexity_before: perplexity(before), perplexity_after: perplexity(after),
  tinystories_probe_before: probesBefore, tinystories_probe_after: probesAfter, tinystories_probe_disabled: probesDisabled,
  steps: out.global_step, adapter_bytes: adapterBytes, reload_max_abs_diff: reloadDiff, merge_max_abs_diff: mergeDiff,
  pipeline_matches: pipelineMatches, merged_same_greedy: mergedSameGreedy, greedy_before: greedyBefore, greedy_after: greedyAfter, seconds: Number(since(t0)), cpu_seconds: cpuSeconds(),
})}`);
