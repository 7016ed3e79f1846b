// examples/sft-instructions.ts — instruction tuning the TRL way on alpaca-style rows
// ({instruction, input, output}: ../shared/data/alpaca_style/alpaca_en_demo.json, 999 rows), from
// the pretrained stories260K TinyStories Llama (or --model). Two ways, as TRL documents them:
//   default            a formatting function turns each row into one text
//                      "### Instruction:\n…\n\n[### Input:\n…\n\n]### Response:\n…" (language modeling:
//                      the loss covers every token, instruction included);
//   --completion-only  rows mapped to {prompt: "### Instruction:\n…\n\n### Response:\n", completion:
//                      output}: prompt-completion data, for which completion_only_loss is TRL's default
//                      (the prompt's labels are -100: only the response is learned). TRL refuses
//                      formatting_func together with completion_only_loss, hence the mapping.
// Shown: TRL's logged loss / mean_token_accuracy, the share of tokens masked out of the loss,
// held-out loss and token accuracy before / after (the last 99 rows, same format), and the greedy
// response to a held-out instruction before / after, stopped at EOS. A loss plot.
// Run: node --import tsx examples/sft-instructions.ts [--completion-only] [--steps 150] [--help]
//
// MEASURED with the defaults (2-core EPYC shared with other jobs; 200 updates of 8 rows, lr 3e-3):
//   formatting_func: 900 rows, 308,900 tokens; 94 s wall (87 s training)
//     train loss 4.334 -> 2.059, token accuracy 0.194 -> 0.504; held-out loss 4.987 -> 2.076,
//     token accuracy 0.179 -> 0.492 (the "### ..." headers are learned too: easy tokens)
//     "Name three natural elements." before: "One day, Remy and Remy went to the park. ..."
//       after: "The Explained is an important of responsible responsible responsib"
//   --completion-only: 899 rows (one row's prompt fills max_length: no label left, dropped as in
//   TRL), 76,358 of 308,388 tokens (24.8%) masked; 155 s wall under heavier load
//     train loss 3.785 -> 2.325, token accuracy 0.231 -> 0.402; held-out (responses only) loss
//     4.397 -> 2.477, token accuracy 0.204 -> 0.399
//     after: "The element of the element of the element of the element of the records, ..."
//   (A 260K TinyStories model learns the format and the register, not the answers.)
import { readFileSync } from 'node:fs';
import { AutoModelForCausalLM, type LlamaForCausalLM } from '../src/models/index.js';
import { AutoTokenizer } from '../src/tokenizers/index.js';
import * as torch from '../src/torch/index.js';
import { SFTConfig, SFTTrainer, type SftRow } from '../src/trainer/index.js';
import { writeLinePlot } from './plot.js';
import { SHARED_DATA, cpuSeconds, parseFlags, since } from './qa/cli.js';
import { continueText } from './clm/lm.js';

const a = parseFlags('sft-instructions', {
  model: { type: 'string', default: `${SHARED_DATA}/models/stories260K`, help: 'the pretrained causal LM folder (model + tokenizer)' },
  'completion-only': { type: 'boolean', default: false, help: 'prompt-completion rows: the loss only on the response (else formatting_func, loss on all)' },
  rows: { type: 'number', default: 900, help: 'training rows (the first N; the rows from 900 on are held out)' },
  steps: { type: 'number', default: 200, help: 'optimizer updates' },
  batch: { type: 'number', default: 1, help: 'per_device_train_batch_size (1: no padding)' },
  'grad-accum': { type: 'number', default: 8, help: 'gradient_accumulation_steps: forwards per update' },
  'max-length': { type: 'number', default: 512, help: 'SFTConfig.max_length (stories260K has 512 positions); longer rows are cut' },
  'eval-rows': { type: 'number', default: 99, help: 'held-out rows scored before / after (from row 900)' },
  lr: { type: 'number', default: 3e-3, help: "learning rate (TRL's 2e-5 is for billion-parameter models)" },
  instruction: { type: 'string', default: 'Name three natural elements.', help: 'the held-out instruction answered before and after' },
  'max-new-tokens': { type: 'number', default: 48, help: 'tokens generated per response (generation stops at EOS)' },
  threads: { type: 'number', default: 0, help: 'libtorch CPU threads (0: libtorch default)' },
  seed: { type: 'number', default: 42, help: 'seed of the data order' },
  out: { type: 'string', default: 'runs/sft-instructions', help: 'output folder (loss.svg)' },
});
if (a.threads > 0) torch.setNumThreads(a.threads);
const t0 = performance.now();
const completionOnly = a['completion-only'];
const HELD_OUT = 900;

interface Alpaca { instruction: string; input: string; output: string }
const data = JSON.parse(readFileSync(`${SHARED_DATA}/alpaca_style/alpaca_en_demo.json`, 'utf8')) as Alpaca[];
if (a.rows > HELD_OUT) throw new RangeError(`--rows ${a.rows}: at most ${HELD_OUT} (the rows from ${HELD_OUT} on are held out)`);

/** The prompt part: instruction, the input when there is one, and the response header. */
const promptOf = (r: { instruction: string; input?: string }): string =>
  `### Instruction:\n${r.instruction}\n\n${r.input ? `### Input:\n${r.input}\n\n` : ''}### Response:\n`;
/** TRL's formatting_func: row -> the text to learn (SFTTrainer appends EOS). */
const formattingFunc = (row: SftRow): string => promptOf(row as unknown as Alpaca) + (row as unknown as Alpaca).output;
/** The completion-only rows: TRL's prompt-completion format. */
const toPromptCompletion = (r: Alpaca): SftRow => ({ prompt: promptOf(r), completion: r.output });

const train = data.slice(0, a.rows), held = data.slice(HELD_OUT, HELD_OUT + a['eval-rows']);
const [trainRows, evalRows] = completionOnly ? [train.map(toPromptCompletion), held.map(toPromptCompletion)] : [train as unknown as SftRow[], held as unknown as SftRow[]];

const tokenizer = await AutoTokenizer.fromPretrained(a.model);
const model = (await AutoModelForCausalLM.fromPretrained(a.model)) as LlamaForCausalLM;
const args = new SFTConfig({
  output_dir: a.out, max_steps: a.steps, per_device_train_batch_size: a.batch, gradient_accumulation_steps: a['grad-accum'],
  per_device_eval_batch_size: 1, learning_rate: a.lr, lr_scheduler_type: 'cosine', warmup_ratio: 0.05, max_length: a['max-length'],
  // completion_only_loss left unset: TRL's default (true for prompt-completion rows) decides
  // bf16 and gradient checkpointing off on this CPU (see sft-imdb.ts); TRL's other defaults
  bf16: false, gradient_checkpointing: false, logging_steps: Math.min(10, Math.max(1, Math.floor(a.steps / 10))), logging_first_step: true,
  save_strategy: 'no', report_to: 'none', seed: a.seed,
});
const trainer = new SFTTrainer({
  model, args, trainDataset: trainRows, evalDataset: evalRows, processingClass: tokenizer,
  ...(completionOnly ? {} : { formattingFunc }),
});
await trainer.ready;
const prepared = trainer.trainDataset as unknown as Array<{ input_ids: number[]; labels: number[] }>;
const tokens = prepared.reduce((s, r) => s + r.input_ids.length, 0);
const masked = prepared.reduce((s, r) => s + r.labels.filter((l) => l === -100).length, 0);
console.log(`alpaca: ${prepared.length} training rows of ${tokens} tokens, ${masked} (${(100 * masked / tokens).toFixed(1)}%) masked out of the loss ` +
  `(${completionOnly ? 'completion_only_loss: the prompts' : 'formatting_func: none'}); ${evalRows.length} held out; completion_only_loss ${trainer.completionOnlyLoss}  [${since(t0)}s]`);

// ---- the held-out instruction, answered greedily (stops at EOS) ----
const prompt = promptOf({ instruction: a.instruction });
const respond = async (): Promise<string> => (await continueText(model, tokenizer, prompt, a['max-new-tokens'])).text;
const evaluate = () => ({ ...trainer.evaluate(), ...trainer.state.log_history.at(-1)! }); // TRL logs eval_mean_token_accuracy
const before = evaluate();
const responseBefore = await respond();
console.log(`before: held-out loss ${before.eval_loss!.toFixed(3)}, token accuracy ${before.eval_mean_token_accuracy!.toFixed(3)}`);

const tTrain = performance.now();
const out = await trainer.train();
const trainSeconds = Number(since(tTrain));
const after = evaluate();
const responseAfter = await respond();
const logs = trainer.state.log_history.filter((h) => h.loss !== undefined);
const [first, last] = [logs[0]!, logs.at(-1)!];
console.log(`SFT${completionOnly ? ' (completion only)' : ''}: ${out.global_step} updates in ${trainSeconds}s; train loss ${first.loss!.toFixed(3)} -> ${last.loss!.toFixed(3)}, ` +
  `token accuracy ${first.mean_token_accuracy!.toFixed(3)} -> ${last.mean_token_accuracy!.toFixed(3)}`);
console.log(`held-out loss ${before.eval_loss!.toFixed(3)} -> ${after.eval_loss!.toFixed(3)}, token accuracy ${before.eval_mean_token_accuracy!.toFixed(3)} -> ${after.eval_mean_token_accuracy!.toFixed(3)}`);
console.log(`${prompt}\n  before: ${JSON.stringify(responseBefore)}\n  after:  ${JSON.stringify(responseAfter)}`);

writeLinePlot(`${a.out}/loss.svg`, `SFT stories260K on alpaca (${completionOnly ? 'completion-only loss' : 'formatting_func, loss on all tokens'})`, [
  { name: 'train loss', points: logs.map((h) => [h.step, h.loss] as [number, number]), color: '#1f77b4' },
  { name: 'held-out loss', points: [[0, before.eval_loss!], [out.global_step, after.eval_loss!]], color: '#d62728' },
], { xLabel: 'update', yLabel: 'cross-entropy' });
console.log(`loss curve: ${a.out}/loss.svg  [total ${since(t0)}s wall, ${cpuSeconds()}s CPU]`);
console.log(`RESULT ${JSON.stringify({
  example: 'sft-instructions', completion_only: completionOnly, completion_only_loss: trainer.completionOnlyLoss, train_rows: prepared.length,
  train_tokens: tokens, masked_tokens: masked, steps: out.global_step, loss_first: first.loss, loss_last: last.loss,
  token_accuracy_first: first.mean_token_accuracy, token_accuracy_last: last.mean_token_accuracy, num_tokens: last.num_tokens,
  eval_loss_before: before.eval_loss, eval_loss_after: after.eval_loss,
  eval_token_accuracy_before: before.eval_mean_token_accuracy, eval_token_accuracy_after: after.eval_mean_token_accuracy,
  instruction: a.instruction, response_before: responseBefore, response_after: responseAfter,
  train_seconds: trainSeconds, seconds: Number(since(t0)), cpu_seconds: cpuSeconds(),
})}`);
