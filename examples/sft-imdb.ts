// examples/sft-imdb.ts — supervised fine-tuning the TRL way on plain text: SFTTrainer on IMDB
// reviews as language-modeling rows `{text}` (TRL's simplest dataset format), starting from the
// real pretrained stories260K TinyStories Llama and its own 512-piece tokenizer. TRL's recipe as
// in its docs: SFTConfig + SFTTrainer, EOS appended to every text, packing with 'bfd' (best-fit
// decreasing: whole reviews packed into rows of max_length, padding-free — one flattened row per
// batch whose position_ids restart at 0 per review, so no review attends to another). Shown: TRL's
// logged loss / mean_token_accuracy / entropy / num_tokens, held-out review perplexity and token
// accuracy before / after (always unpacked, so --packing and --no-packing score the same tokens),
// greedy continuations of a review prompt before / after, and a loss plot.
// Run: node --import tsx examples/sft-imdb.ts [--rows 400] [--steps 120] [--no-packing] [--help]
//
// Batches: per_device_train_batch_size 1 with 4 accumulated forwards. TRL's padding-free collator
// flattens a batch of packed rows into ONE row, and without a varlen attention kernel its
// block-diagonal mask makes attention quadratic in batch x max_length: 4 packed rows of 512 tokens
// took 2.9 s an update against 0.46 s for 1 row x 4 accumulated (same tokens, same losses).
//
// MEASURED with the defaults (2-core EPYC shared with other jobs): 66 s wall, 67 CPU-s (120 updates
// of ~1,950 tokens in 60 s, 0.50 s each; 233,757 tokens seen = 1.3 epochs).
//   400 reviews -> 363 packed rows (bfd) of 177,176 tokens: a median review is 565 pieces of this
//   512-piece vocabulary, so most reviews fill a row alone (bfd cuts them at max_length, as
//   truncation does unpacked) and packing saves only 9% of the rows here
//   train loss 3.651 -> 2.590, token accuracy 0.262 -> 0.371 (TRL's mean_token_accuracy)
//   held-out (50 reviews) perplexity 36.56 -> 14.57, token accuracy 0.269 -> 0.350
//   --no-packing: 400 rows, 120 updates in 39 s (0.32 s each: a plain causal row takes SDPA's
//   is_causal path, a packed one needs the explicit block mask), perplexity 36.56 -> 14.73
//   "I watched this movie" before: ". It is a big, shiny rock. It is a big, shiny rock. ..."
//     after: ", and the movie is an actors are an actors are an actors are an a"
import { loadDataset } from '../src/data/index.js';
import { AutoModelForCausalLM, type LlamaForCausalLM } from '../src/models/index.js';
import { perplexity } from '../src/metrics/index.js';
import { AutoTokenizer } from '../src/tokenizers/index.js';
import * as torch from '../src/torch/index.js';
import { SFTConfig, SFTTrainer } from '../src/trainer/index.js';
import { writeLinePlot } from './plot.js';
import { SHARED_DATA, cpuSeconds, parseFlags, since } from './qa/cli.js';
import { continueText } from './clm/lm.js';

const a = parseFlags('sft-imdb', {
  model: { type: 'string', default: `${SHARED_DATA}/models/stories260K`, help: 'the pretrained causal LM folder (model + tokenizer)' },
  rows: { type: 'number', default: 400, help: 'training reviews (of the 3,000)' },
  'eval-rows': { type: 'number', default: 50, help: 'held-out reviews scored before / after' },
  steps: { type: 'number', default: 120, help: 'optimizer updates' },
  batch: { type: 'number', default: 1, help: 'per_device_train_batch_size: rows per forward (a packed row holds several reviews)' },
  'grad-accum': { type: 'number', default: 4, help: 'gradient_accumulation_steps: forwards per update' },
  'max-length': { type: 'number', default: 512, help: 'SFTConfig.max_length: tokens per (packed) row; longer reviews are cut' },
  'no-packing': { type: 'boolean', default: false, help: 'one review per row, right-padded (packing: false)' },
  'packing-strategy': { type: 'string', default: 'bfd', help: "packing_strategy: 'bfd', 'bfd_split' (long reviews split, not cut) or 'wrapped'" },
  lr: { type: 'number', default: 1e-3, help: "learning rate (TRL's 2e-5 is for billion-parameter models; a 260K model takes more)" },
  prompt: { type: 'string', default: 'I watched this movie', help: 'the review prompt continued before and after' },
  'max-new-tokens': { type: 'number', default: 40, help: 'tokens generated per continuation' },
  threads: { type: 'number', default: 0, help: 'libtorch CPU threads (0: libtorch default)' },
  seed: { type: 'number', default: 42, help: 'seed of the data order' },
  out: { type: 'string', default: 'runs/sft-imdb', help: 'output folder (checkpoints off; loss.svg)' },
});
if (a.threads > 0) torch.setNumThreads(a.threads);
const t0 = performance.now();
const packing = !a['no-packing'];

// ---- data: the first rows reviews train, the next eval-rows are held out; <br /> becomes a newline ----
const all = (await loadDataset('csv', { dataFiles: { train: `${SHARED_DATA}/imdb/imdb_small_3000.csv` } })).get('train').toList();
if (a.rows + a['eval-rows'] > all.length) throw new RangeError(`--rows ${a.rows} + --eval-rows ${a['eval-rows']} exceed the ${all.length} reviews`);
const toRow = (r: Record<string, unknown>) => ({ text: String(r.text).replace(/<br\s*\/?>/gi, '\n') });
const trainRows = all.slice(0, a.rows).map(toRow);
const evalRows = all.slice(a.rows, a.rows + a['eval-rows']).map(toRow);

const tokenizer = await AutoTokenizer.fromPretrained(a.model);
const model = (await AutoModelForCausalLM.fromPretrained(a.model)) as LlamaForCausalLM;
const args = new SFTConfig({
  output_dir: a.out, max_steps: a.steps, per_device_train_batch_size: a.batch, gradient_accumulation_steps: a['grad-accum'], per_device_eval_batch_size: 1,
  learning_rate: a.lr, lr_scheduler_type: 'cosine', warmup_ratio: 0.05, max_length: a['max-length'],
  packing, packing_strategy: a['packing-strategy'] as 'bfd', eval_packing: false,
  // TRL's defaults otherwise (loss_type 'chunked_nll', logging every 10) but bf16 off (no fast
  // bf16 matmul on this CPU; the model is float32) and gradient checkpointing off: a 260K model's
  // activations are a few MB, and recomputing them cost ~25% more time per update
  bf16: false, gradient_checkpointing: false, logging_steps: Math.min(10, Math.max(1, Math.floor(a.steps / 10))), logging_first_step: true,
  save_strategy: 'no', report_to: 'none', seed: a.seed,
});
const trainer = new SFTTrainer({ model, args, trainDataset: trainRows, evalDataset: evalRows, processingClass: tokenizer });
await trainer.ready; // tokenizing (and packing) is asynchronous
const prepared = trainer.trainDataset as unknown as Array<{ input_ids: number[]; seq_lengths?: number[] }>;
const tokens = prepared.reduce((s, r) => s + r.input_ids.length, 0);
console.log(`IMDB: ${trainRows.length} train reviews -> ${prepared.length} ${packing ? `packed rows (${a['packing-strategy']}, max_length ${a['max-length']})` : 'rows'} ` +
  `of ${tokens} tokens (${(tokens / prepared.length).toFixed(0)} a row); ${evalRows.length} held out  [${since(t0)}s]`);

// ---- before ----
// evaluate() returns eval_loss; TRL's eval_mean_token_accuracy / eval_entropy go to the log (as in TRL)
const evaluate = () => ({ ...trainer.evaluate(), ...trainer.state.log_history.at(-1)! });
const before = evaluate();
const greedyBefore = (await continueText(model, tokenizer, a.prompt, a['max-new-tokens'])).text;
console.log(`before: held-out perplexity ${perplexity(before.eval_loss!).toFixed(2)}, token accuracy ${before.eval_mean_token_accuracy!.toFixed(3)}`);

// ---- SFT ----
const tTrain = performance.now();
const out = await trainer.train();
const trainSeconds = Number(since(tTrain));
const after = evaluate();
const greedyAfter = (await continueText(model, tokenizer, a.prompt, a['max-new-tokens'])).text;
const logs = trainer.state.log_history.filter((h) => h.loss !== undefined);
const [first, last] = [logs[0]!, logs.at(-1)!];
console.log(`SFT: ${out.global_step} updates in ${trainSeconds}s (${(trainSeconds / out.global_step).toFixed(2)} s each), ${last.num_tokens} tokens seen; ` +
  `train loss ${first.loss!.toFixed(3)} -> ${last.loss!.toFixed(3)}, token accuracy ${first.mean_token_accuracy!.toFixed(3)} -> ${last.mean_token_accuracy!.toFixed(3)}`);
console.log(`after: held-out perplexity ${perplexity(before.eval_loss!).toFixed(2)} -> ${perplexity(after.eval_loss!).toFixed(2)}, ` +
  `token accuracy ${before.eval_mean_token_accuracy!.toFixed(3)} -> ${after.eval_mean_token_accuracy!.toFixed(3)}`);
console.log(`[${a.prompt}] before: ${JSON.stringify(greedyBefore)}\n[${a.prompt}] after:  ${JSON.stringify(greedyAfter)}`);

writeLinePlot(`${a.out}/loss.svg`, `SFT stories260K on IMDB${packing ? ` (packing ${a['packing-strategy']})` : ''}: perplexity ${perplexity(before.eval_loss!).toFixed(1)} -> ${perplexity(after.eval_loss!).toFixed(1)}`, [
  { name: 'train loss', points: logs.map((h) => [h.step, h.loss] as [number, number]), color: '#1f77b4' },
  { name: 'held-out loss', points: [[0, before.eval_loss!], [out.global_step, after.eval_loss!]], color: '#d62728' },
], { xLabel: 'update', yLabel: 'cross-entropy' });
console.log(`loss curve: ${a.out}/loss.svg  [total ${since(t0)}s wall, ${cpuSeconds()}s CPU]`);
console.log(`RESULT ${JSON.stringify({
  example: 'sft-imdb', packing, packing_strategy: packing ? a['packing-strategy'] : null, train_rows: prepared.length, train_tokens: tokens,
  steps: out.global_step, loss_first: first.loss, loss_last: last.loss, token_accuracy_first: first.mean_token_accuracy, token_accuracy_last: last.mean_token_accuracy,
  entropy_last: last.entropy, num_tokens: last.num_tokens, eval_loss_before: before.eval_loss, eval_loss_after: after.eval_loss,
  perplexity_before: perplexity(before.eval_loss!), perplexity_after: perplexity(after.eval_loss!),
  eval_token_accuracy_before: before.eval_mean_token_accuracy, eval_token_accuracy_after: after.eval_mean_token_accuracy,
  greedy_before: greedyBefore, greedy_after: greedyAfter, train_seconds: trainSeconds, seconds: Number(since(t0)), cpu_seconds: cpuSeconds(),
})}`);
