// examples/finetune-stories.ts — full fine-tuning of a real pretrained causal LM on a new domain:
// stories260K (Karpathy's TinyStories Llama, 260K parameters, 512-piece tokenizer) on IMDB movie
// reviews, through the Trainer (transformers' run_clm.py recipe: tokenize, group_texts into
// blocks, DataCollatorForLanguageModeling({ mlm: false }), perplexity = exp(eval_loss)).
// Domain: IMDB (../shared/data/imdb/imdb_small_3000.csv), the largest English prose set in
// shared/data: narrative like TinyStories but adult vocabulary, names and opinions, so the shift
// shows both ways (review perplexity falls, story perplexity rises: forgetting).  Reviews are
// split BY REVIEW (10% eval) before chunking; `<br />` tags become newlines (TinyStories has
// newlines, not HTML).  Each review starts with BOS, as the TinyStories stream did in pretraining.
// Shown: held-out review perplexity before/after (uniform and unigram baselines), perplexity on
// the two stories of the model's REFERENCE_OUTPUT.md (a TinyStories probe: the model's own greedy
// story, then a sampled one), one prompt's greedy and seeded-sampled continuations before/after,
// then savePretrained (model + tokenizer), a reload that must give the same logits, and
// pipeline('text-generation') on the saved folder (greedy: the same tokens as in memory).
// Run: node --import tsx examples/finetune-stories.ts [--steps 500] [--lr 1e-3] [--help]
//
// MEASURED with the defaults (2-core EPYC shared with other jobs, load 2-3.5): 258 s wall,
// 513 CPU-s (500 updates of 32 x 128 tokens in 237 s with 5 evals of ~9 s: 1.0 epoch of 15,969
// blocks = 2.04M tokens).  Eval: 1,713 blocks of the 300 unseen reviews, 217,551 scored tokens.
//   IMDB perplexity before fine-tuning: 38.13   (uniform over the 512 pieces: 512)
//   IMDB perplexity after fine-tuning:  11.74   (eval loss 3.641 -> 2.463)
//   unigram baseline (train-block frequencies, add-one) on the same tokens: 110.11
//   TinyStories probe: the greedy story 1.58 -> 7.68, the sampled story 2.58 -> 9.93 (forgetting)
//   "I watched this movie" before, greedy: ". It is a big, shiny rock. It is a big, shiny rock. ..."
//     sampled (top-k 40, temperature 0.8, seed 42): " in the forest. It is faster and wet and yummy.
//     The movie was ready too, so he sat down and finally hat. He wanted to see"
//   after, greedy: ", and I can't find it. It's an actors are also anything that is an actors. And then,
//     the reality"; sampled: ", or not that indeed, and English, and the action cast (cossibly some
//     indorious include this t"
//   Reloaded from savePretrained: max |logits difference| 0; the pipeline on the saved folder
//   generates the same greedy tokens as the model in memory.
//   --block-size 256 --batch 16 (the same 4,096 tokens per update): one update takes 1.00 s against
//   0.37 s for 32 x 128 and 0.30 s for 8 x 256 (unloaded, 10 updates: 13.1 s system CPU vs 9.0 s
//   user).  Eager attention's (16, 8, 256, 256) float32 scores are 33.5 MB, above glibc's 32 MB mmap
//   threshold, so (our reading) each such tensor is a fresh mmap whose pages fault in every step;
//   32 x 128 keeps them at 16.8 MB (and the eval batch stays 32).  A 600-update run of 16 x 256
//   under load took 976 s of training: IMDB 37.28 -> 11.34, probe 1.58 / 2.58 -> 7.34 / 9.57.
import { readFileSync } from 'node:fs';
import { DataCollatorForLanguageModeling, loadDataset } from '../src/data/index.js';
import { AutoModelForCausalLM, type LlamaForCausalLM } from '../src/models/index.js';
import { perplexity } from '../src/metrics/index.js';
import { pipeline } from '../src/pipelines/index.js';
import { AutoTokenizer } from '../src/tokenizers/index.js';
import * as torch from '../src/torch/index.js';
import { Trainer, TrainingArguments } from '../src/trainer/index.js';
import { writeLinePlot } from './plot.js';
import { SHARED_DATA, cpuSeconds, parseFlags, since } from './qa/cli.js';
import { groupTexts, scoredTargets, unigramPerplexity } from './clm/chunks.js';
import { continueText, reloadLogitsDiff, textPerplexity } from './clm/lm.js';

const STORIES = `${SHARED_DATA}/models/stories260K`;
const a = parseFlags('finetune-stories', {
  model: { type: 'string', default: STORIES, help: 'the pretrained causal LM folder (model + tokenizer)' },
  'block-size': { type: 'number', default: 128, help: 'tokens per training block (the model has 512 positions; see the header on 256)' },
  steps: { type: 'number', default: 500, help: 'optimizer updates (0: --epochs)' },
  epochs: { type: 'number', default: 1, help: 'epochs when --steps 0' },
  batch: { type: 'number', default: 32, help: 'train batch size in blocks' },
  lr: { type: 'number', default: 1e-3, help: 'peak learning rate (pretraining: 1e-3)' },
  'warmup-ratio': { type: 'number', default: 0.05, help: 'share of the updates in linear warmup, then cosine decay' },
  'eval-every': { type: 'number', default: 100, help: 'eval loss every N updates (0: only before/after)' },
  'max-docs': { type: 'number', default: 0, help: 'use only the first N reviews (0: all 3,000)' },
  prompt: { type: 'string', default: 'I watched this movie', help: 'the prompt continued before and after fine-tuning' },
  'max-new-tokens': { type: 'number', default: 60, help: 'tokens generated per continuation' },
  threads: { type: 'number', default: 0, help: 'libtorch CPU threads (0: libtorch default)' },
  seed: { type: 'number', default: 42, help: 'seed of the split, data order and samples' },
  out: { type: 'string', default: 'runs/finetune-stories', help: 'output folder (model/, loss.svg)' },
});
if (a.threads > 0) torch.setNumThreads(a.threads);
const t0 = performance.now();

// ---- data: reviews, split by review before chunking ----
let reviews = (await loadDataset('csv', { dataFiles: { train: `${SHARED_DATA}/imdb/imdb_small_3000.csv` } })).get('train');
if (a['max-docs'] > 0) reviews = reviews.select(Array.from({ length: Math.min(a['max-docs'], reviews.numRows) }, (_, i) => i));
const split = reviews.trainTestSplit({ testSize: 0.1, seed: a.seed });
const [trainReviews, evalReviews] = [split.get('train'), split.get('test')];

// ---- the pretrained model and its tokenizer ----
const tokenizer = await AutoTokenizer.fromPretrained(a.model);
tokenizer.padToken = tokenizer.eosToken; // the collator pads with it (no EOS in the data: nothing is masked)
torch.manualSeed(a.seed);
const model = (await AutoModelForCausalLM.fromPretrained(a.model)) as LlamaForCausalLM;
const V = tokenizer.length;
console.log(`IMDB: ${reviews.numRows} reviews -> train ${trainReviews.numRows}, eval ${evalReviews.numRows}; ` +
  `model: ${a.model} (${model.numParameters()} parameters, vocab ${V})  [${since(t0)}s]`);

// ---- tokenize (BOS first), group into blocks ----
const B = a['block-size'];
// `captures`: what the map functions read from outside, hashed into the cache key (a re-run loads the cached blocks)
const blocks = async (ds: typeof reviews) => {
  const tokenized = await ds.map(async (b) => (await tokenizer.call((b.text as string[]).map((t) => t.replace(/<br\s*\/?>/gi, '\n')))).data,
    { batched: true, removeColumns: ds.columnNames, captures: { tokenizer } });
  return tokenized.map((b) => groupTexts(b, B), { batched: true, captures: { groupTexts, B } });
};
const [trainBlocks, evalBlocks] = [await blocks(trainReviews), await blocks(evalReviews)];
const evalTargets = scoredTargets(evalBlocks.column('input_ids') as number[][], [tokenizer.padTokenId!]);
const unigramPpl = unigramPerplexity(scoredTargets(trainBlocks.column('input_ids') as number[][], [tokenizer.padTokenId!]), evalTargets, V);
console.log(`blocks of ${B} tokens: train ${trainBlocks.numRows} (${trainBlocks.numRows * B} tokens), eval ${evalBlocks.numRows}  [${since(t0)}s]`);
console.log(`baselines on the ${evalTargets.length} scored eval tokens: uniform = ${V}; unigram (train frequencies, add-one) = ${unigramPpl.toFixed(2)}`);

// ---- the TinyStories probe: the stories of the model's REFERENCE_OUTPUT.md (after `$ ./run ...`) ----
const probes = [...readFileSync(`${STORIES}/REFERENCE_OUTPUT.md`, 'utf8').matchAll(/```\n\$ \.\/run[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
if (probes.length !== 2) throw new Error(`expected 2 stories in ${STORIES}/REFERENCE_OUTPUT.md, found ${probes.length}`);
const probePpl = async () => Promise.all(probes.map(async (p) => (await textPerplexity(model, tokenizer, p)).perplexity));

// ---- before fine-tuning ----
const args = new TrainingArguments({
  output_dir: a.out, per_device_train_batch_size: a.batch, per_device_eval_batch_size: 32, learning_rate: a.lr,
  max_steps: a.steps > 0 ? a.steps : -1, num_train_epochs: a.epochs, warmup_ratio: a['warmup-ratio'], lr_scheduler_type: 'cosine',
  weight_decay: 0.01, logging_steps: 25, eval_strategy: a['eval-every'] > 0 ? 'steps' : 'no', eval_steps: a['eval-every'] > 0 ? a['eval-every'] : null,
  save_strategy: 'no', seed: a.seed, report_to: 'none',
});
const trainer = new Trainer({
  model, args, trainDataset: trainBlocks, evalDataset: evalBlocks, processingClass: tokenizer,
  dataCollator: new DataCollatorForLanguageModeling({ tokenizer, mlm: false }),
});
const sample = { seed: a.seed, top_k: 40, temperature: 0.8 };
const generateBoth = async () => ({
  greedy: (await continueText(model, tokenizer, a.prompt, a['max-new-tokens'])).text,
  sampled: (await continueText(model, tokenizer, a.prompt, a['max-new-tokens'], sample)).text,
});
const before = trainer.evaluate().eval_loss!;
const probesBefore = await probePpl();
const genBefore = await generateBoth();
console.log(`before fine-tuning: IMDB eval_loss ${before.toFixed(4)}, perplexity ${perplexity(before).toFixed(2)}; ` +
  `TinyStories probe perplexity ${probesBefore.map((p) => p.toFixed(2)).join(' / ')} (greedy / sampled story)`);

// ---- full fine-tuning ----
const tTrain = performance.now();
const out = await trainer.train();
console.log(`fine-tuned ${out.global_step} updates (batch ${a.batch} x ${B} tokens, ${((out.global_step * a.batch) / trainBlocks.numRows).toFixed(2)} epochs, ` +
  `lr ${a.lr} cosine) in ${since(tTrain)}s`);
const after = trainer.evaluate().eval_loss!;
const probesAfter = await probePpl();
const genAfter = await generateBoth();
console.log(`after fine-tuning: IMDB eval_loss ${after.toFixed(4)}, perplexity ${perplexity(after).toFixed(2)} (uniform ${V}, unigram ${unigramPpl.toFixed(2)}); ` +
  `TinyStories probe perplexity ${probesAfter.map((p) => p.toFixed(2)).join(' / ')}`);
console.log(`\n[${a.prompt}] before fine-tuning\n  greedy:  ${JSON.stringify(genBefore.greedy)}\n  sampled: ${JSON.stringify(genBefore.sampled)}`);
console.log(`[${a.prompt}] after fine-tuning\n  greedy:  ${JSON.stringify(genAfter.greedy)}\n  sampled: ${JSON.stringify(genAfter.sampled)}`);

// ---- save (HF format), reload, and the pipeline on the saved folder ----
const dir = `${a.out}/model`;
await model.savePretrained(dir);
await tokenizer.savePretrained(dir);
const reloadDiff = await reloadLogitsDiff(model, dir, [(evalBlocks.column('input_ids') as number[][])[0]!.slice(0, 64)]);
const generator = await pipeline('text-generation', { model: dir });
const [piped] = await generator(a.prompt, { max_new_tokens: a['max-new-tokens'], do_sample: false, return_tensors: true });
const memoryIds = [...(await tokenizer.encode(a.prompt)), ...(await continueText(model, tokenizer, a.prompt, a['max-new-tokens'])).ids];
const pipelineMatches = JSON.stringify(piped!.generated_token_ids) === JSON.stringify(memoryIds);
const [pipedText] = await generator(a.prompt, { max_new_tokens: a['max-new-tokens'], do_sample: false });
console.log(`\nsaved to ${dir}/ (savePretrained + tokenizer); reloaded with AutoModelForCausalLM: max |logits difference| ${reloadDiff}`);
console.log(`pipeline('text-generation', { model: '${dir}' }), greedy: ${JSON.stringify(pipedText!.generated_text)}\n` +
  `  same tokens as the in-memory model: ${pipelineMatches}`);

const history = trainer.state.log_history;
const trainCurve = history.filter((h) => h.loss !== undefined).map((h) => [h.step, h.loss] as [number, number]);
const evalCurve: [number, number][] = [[0, before], ...history.filter((h) => h.eval_loss !== undefined && h.step! > 0).map((h) => [h.step, h.eval_loss] as [number, number])];
writeLinePlot(`${a.out}/loss.svg`, `stories260K fine-tuned on IMDB: cross-entropy (perplexity ${perplexity(before).toFixed(1)} -> ${perplexity(after).toFixed(1)})`, [
  { name: 'train', points: trainCurve, color: '#1f77b4' },
  { name: 'eval (unseen reviews)', points: evalCurve, color: '#d62728' },
  { name: 'unigram baseline', points: [[0, Math.log(unigramPpl)], [out.global_step, Math.log(unigramPpl)]], color: '#7f7f7f' },
], { xLabel: 'update', yLabel: 'loss' });
console.log(`loss curve: ${a.out}/loss.svg  [total ${since(t0)}s wall, ${cpuSeconds()}s CPU]`);
console.log(`RESULT ${JSON.stringify({
  example: 'finetune-stories', perplexity_before: perplexity(before), perplexity_after: perplexity(after), eval_loss_before: before, eval_loss_after: after,
  uniform_perplexity: V, unigram_perplexity: unigramPpl, tinystories_probe_before: probesBefore, tinystories_probe_after: probesAfter,
  train_blocks: trainBlocks.numRows, eval_blocks: evalBlocks.numRows, steps: out.global_step, generations_before: genBefore, generations_after: genAfter,
  pipeline_text: pipedText!.generated_text, pipeline_matches: pipelineMatches, reload_max_abs_diff: reloadDiff, seconds: Number(since(t0)), cpu_seconds: cpuSeconds(),
})}`);
