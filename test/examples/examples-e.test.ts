// examples-e.test.ts — the SFT examples (sft-imdb, sft-instructions, sft-chat-lora) end to end in
// child processes with tiny settings, their RESULT lines checked: losses and held-out losses fall,
// TRL's token accuracies are numbers in [0, 1], bfd packing keeps every token in fewer rows, the
// completion-only / assistant-only runs mask the prompt / user tokens, the LoRA trainable counts
// are peft's, the adapter (peft's files + the tokenizer with its cloned template) reloads to the
// same logits. The whole file runs in ~30 s of CPU.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { runExampleScript, type ExampleRun } from './child.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'tunekit-examples-e-'));
after(() => rmSync(out, { recursive: true, force: true }));

function runExample(name: string, flags: string[], tag = name): Promise<ExampleRun> {
  return runExampleScript(name, [...flags, '--out', join(out, tag)]);
}

async function ok(name: string, flags: string[], tag = name): Promise<Record<string, any>> {
  const { code, output, result } = await runExample(name, flags, tag);
  assert.equal(code, 0, output.slice(-3000));
  assert.ok(result, `no RESULT line in:\n${output.slice(-3000)}`);
  return result;
}

/** TRL's mean_token_accuracy: a fraction of the label tokens, never NaN. */
function accuracy(v: unknown, what: string): void {
  assert.equal(typeof v, 'number', `${what}: ${v}`);
  assert.ok((v as number) >= 0 && (v as number) <= 1, `${what} = ${v} is not in [0, 1]`);
}

test('sft-imdb: bfd packing keeps every token in fewer rows; loss and held-out perplexity fall from the pretrained stories260K', async () => {
  const flags = ['--steps', '3', '--rows', '40', '--eval-rows', '4', '--max-new-tokens', '8'];
  const packed = await ok('sft-imdb', flags, 'sft-imdb-packed');
  const plain = await ok('sft-imdb', [...flags, '--no-packing'], 'sft-imdb-plain');
  assert.equal(packed.packing, true);
  assert.equal(plain.packing, false);
  // bfd cuts a review at max_length as truncation does unpacked, so both train on the same tokens
  // (measured: 19,205), packed into fewer rows (39 of 40 reviews: most are longer than 512 tokens)
  assert.equal(packed.train_tokens, plain.train_tokens);
  assert.equal(plain.train_rows, 40);
  assert.ok(packed.train_rows < plain.train_rows, `packing made ${packed.train_rows} rows of ${plain.train_rows} reviews`);
  for (const r of [packed, plain]) {
    // measured: 3.43 -> 3.16 (packed), 3.28 -> 3.18; held-out perplexity 42.5 -> 28.2 / 27.6
    assert.ok(r.loss_last < r.loss_first, `train loss did not fall: ${r.loss_first} -> ${r.loss_last}`);
    assert.ok(r.perplexity_after < 0.8 * r.perplexity_before, `held-out perplexity did not fall: ${r.perplexity_before} -> ${r.perplexity_after}`);
    for (const k of ['token_accuracy_first', 'token_accuracy_last', 'eval_token_accuracy_before', 'eval_token_accuracy_after']) accuracy(r[k], k);
    assert.ok(r.num_tokens > 0 && Number.isInteger(r.num_tokens));
    // the pretrained model's own greedy continuation (as in examples-d), and a string after
    assert.match(r.greedy_before, /^\. It is a big/);
    assert.equal(typeof r.greedy_after, 'string');
  }
  // the unpacked held-out rows are the same in both runs: the same score before training
  assert.equal(packed.eval_loss_before, plain.eval_loss_before);
  assert.match(readFileSync(join(out, 'sft-imdb-packed', 'loss.svg'), 'utf8'), /^<svg[\s\S]*polyline/);
});

test('sft-instructions: formatting_func trains on every token; the prompt-completion variant masks the prompts (completion_only_loss)', async () => {
  const flags = ['--steps', '3', '--rows', '24', '--eval-rows', '8', '--grad-accum', '4', '--max-new-tokens', '8'];
  const full = await ok('sft-instructions', flags, 'sft-instructions-full');
  const comp = await ok('sft-instructions', [...flags, '--completion-only'], 'sft-instructions-completion');
  assert.equal(full.completion_only_loss, false);
  assert.equal(full.masked_tokens, 0, 'language-modeling rows keep every label');
  assert.equal(comp.completion_only_loss, true, "TRL's default for prompt-completion rows");
  // the same texts (prompt + completion = the formatted text, EOS appended) tokenized the same way
  assert.equal(comp.train_tokens, full.train_tokens);
  // measured: 1,679 of 8,240 tokens are prompt
  assert.ok(comp.masked_tokens > 0.1 * comp.train_tokens && comp.masked_tokens < 0.5 * comp.train_tokens, `masked ${comp.masked_tokens} of ${comp.train_tokens}`);
  for (const r of [full, comp]) {
    // measured: 5.19 -> 3.95 and 4.66 -> 3.72; held-out 5.55 -> 4.30 and 5.11 -> 4.25
    assert.ok(r.loss_last < r.loss_first, `train loss did not fall: ${r.loss_first} -> ${r.loss_last}`);
    assert.ok(r.eval_loss_after < r.eval_loss_before, `held-out loss did not fall: ${r.eval_loss_before} -> ${r.eval_loss_after}`);
    for (const k of ['token_accuracy_first', 'token_accuracy_last', 'eval_token_accuracy_before', 'eval_token_accuracy_after']) accuracy(r[k], k);
    assert.equal(typeof r.response_before, 'string');
    assert.equal(typeof r.response_after, 'string');
  }
  // the held-out loss covers fewer tokens (the responses only) with completion-only: a different number
  assert.notEqual(comp.eval_loss_before, full.eval_loss_before);
});

test('sft-chat-lora: stories260K with Qwen3\'s cloned template, LoRA + modules_to_save, assistant-only loss; the adapter reloads to the same logits', async () => {
  const r = await ok('sft-chat-lora', ['--assistant-only', '--steps', '4', '--rows', '6', '--max-new-tokens', '8'], 'sft-chat-lora');
  assert.equal(r.cloned_template, true);
  assert.equal(r.vocab, 576, "512 pieces + Qwen3's added tokens, padded to a multiple of 64 (TRL's clone_chat_template)");
  assert.equal(r.eos_token, '<|im_end|>');
  assert.equal(r.loss_type, 'nll', "chunked_nll refuses a wrapped lm_head: the example switches to 'nll'");
  // peft 0.21: get_peft_model(stories260K resized to 576, LoraConfig(r=16, lora_alpha=32,
  // target_modules='all-linear', modules_to_save=['embed_tokens', 'lm_head'])).print_trainable_parameters()
  assert.equal(r.trainable, 'trainable params: 166,208 || all params: 430,336 || trainable%: 38.6228');
  // assistant_only_loss: the user turns and template tokens are -100 (measured 1,130 of 3,072)
  assert.ok(r.masked_tokens > 0.2 * r.train_tokens && r.masked_tokens < 0.8 * r.train_tokens, `masked ${r.masked_tokens} of ${r.train_tokens}`);
  // measured: 3.67 -> 2.97; held-out conversation 3.23 -> 2.83
  assert.ok(r.loss_last < r.loss_first, `train loss did not fall: ${r.loss_first} -> ${r.loss_last}`);
  assert.ok(r.eval_loss_after < r.eval_loss_before, `held-out loss did not fall: ${r.eval_loss_before} -> ${r.eval_loss_after}`);
  for (const k of ['token_accuracy_first', 'token_accuracy_last', 'eval_token_accuracy_before', 'eval_token_accuracy_after']) accuracy(r[k], k);
  assert.equal(typeof r.reply_before, 'string');
  assert.equal(typeof r.reply_after, 'string');
  assert.equal(r.reload_max_abs_diff, 0, 'the adapter reloaded onto a freshly cloned base must give the same logits');
  const dir = join(out, 'sft-chat-lora', 'adapter');
  const cfg = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.peft_type, 'LORA');
  assert.equal(cfg.r, 16);
  assert.equal(cfg.lora_alpha, 32);
  assert.deepEqual([...cfg.target_modules].sort(), ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj'], "'all-linear' leaves lm_head out");
  assert.deepEqual(cfg.modules_to_save, ['embed_tokens', 'lm_head']);
  assert.ok(existsSync(join(dir, 'adapter_model.safetensors')));
  const tok = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
  assert.equal(tok.eos_token, '<|im_end|>');
  assert.match(tok.chat_template, /<\|im_start\|>/, "the saved tokenizer carries Qwen3's template");
});

test('sft-chat-lora --qwen: a random Qwen2 with the real Qwen3 tokenizer and its own template, chunked_nll over 151,680 logits', async () => {
  const r = await ok('sft-chat-lora', ['--qwen', '--steps', '3', '--grad-accum', '1', '--rows', '3', '--max-length', '128', '--max-new-tokens', '4'], 'sft-chat-qwen');
  assert.equal(r.cloned_template, false);
  assert.equal(r.vocab, 151669);
  assert.equal(r.loss_type, 'chunked_nll');
  // peft 0.21 on Qwen2Config(vocab 151680, hidden 64, inter 256, 2 layers, 4 heads, 2 kv, tied), all-linear r=16
  assert.equal(r.trainable, 'trainable params: 45,056 || all params: 9,876,032 || trainable%: 0.4562');
  assert.equal(r.masked_tokens, 0);
  // a random model: near ln(151680) = 11.93 before; measured held-out 11.942 -> 11.914
  assert.ok(Math.abs(r.eval_loss_before - Math.log(151680)) < 0.1, `random-model loss ${r.eval_loss_before}`);
  assert.ok(r.eval_loss_after < r.eval_loss_before, `held-out loss did not fall: ${r.eval_loss_before} -> ${r.eval_loss_after}`);
  for (const k of ['token_accuracy_first', 'token_accuracy_last', 'eval_token_accuracy_before', 'eval_token_accuracy_after']) accuracy(r[k], k);
  assert.equal(r.reload_max_abs_diff, 0, 'the adapter reloaded onto the saved random base must give the same logits');
  const cfg = JSON.parse(readFileSync(join(out, 'sft-chat-qwen', 'adapter', 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.modules_to_save ?? null, null, 'no new tokens: nothing trained in full');
});
