// cli.test.ts — `tunekit serve` as a process (src/cli/commands/serve.ts): a LoRA adapter
// (--adapter) over stories260K and a chat template file (--chat-template) on an ephemeral port;
// the printed URL answers with what the PeftModel generates in this process, differently from the
// base model; SIGINT closes it with exit code 130; bad flags are usage errors; --help documents
// every flag.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import serve from '../../src/cli/commands/serve.js';
import { EXIT, UsageError } from '../../src/cli/command.js';
import { AutoModelForCausalLM, type PreTrainedModel } from '../../src/models/index.js';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { LoraConfig, PeftModel, getPeftModel } from '../../src/peft/index.js';
import * as torch from '../../src/torch/index.js';
import { STORIES, STORY_TEMPLATE, client, completionText, greedyNew } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tunekit-serve-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('--help documents every flag; bad flags and a missing model folder are usage errors', async () => {
  for (const f of ['--adapter', '--host', '--port', '--served_model_name', '--chat_template', '--max_batch_size', '--batch_wait_ms', '--max_queue', '--max_tokens', '--max_prompt_tokens', '--request_timeout', '--dtype', '--device', '--revision'])
    assert.ok(serve.help.includes(f), f);
  assert.equal(serve.name, 'serve');
  await assert.rejects(serve.run([STORIES, '--max-queue', '-1']), (e: unknown) => e instanceof UsageError && /--max-queue must be an integer >= 0/.test(e.message));
  await assert.rejects(serve.run([STORIES, '--max-batch']), (e: unknown) => e instanceof UsageError && /--max_batch_size/.test(e.message));
  await assert.rejects(serve.run(['./no/such/model']), (e: unknown) => e instanceof UsageError && /model \.\/no\/such\/model does not exist/.test(e.message));
  await assert.rejects(serve.run([STORIES, '--chat-template', 'missing.jinja']), (e: unknown) => e instanceof UsageError && /--chat-template missing\.jinja: no such file/.test(e.message));
  await assert.rejects(serve.run([STORIES, '--dtype', 'int8']), (e: unknown) => e instanceof UsageError && /--dtype must be one of/.test(e.message));
});

test('tunekit serve <model> --adapter <dir> --chat-template <file> --port 0: the adapter\'s answers over HTTP; SIGINT exits 130', async () => {
  // an adapter whose B is not zero (init_lora_weights false), so it changes the model
  torch.manualSeed(11);
  const base = await AutoModelForCausalLM.fromPretrained(STORIES);
  const adapterDir = join(tmp, 'adapter');
  await getPeftModel(base, new LoraConfig({ r: 4, lora_alpha: 16, target_modules: ['q_proj', 'v_proj', 'down_proj'], init_lora_weights: false, task_type: 'CAUSAL_LM' })).savePretrained(adapterDir);
  const templateFile = join(tmp, 'chat.jinja');
  writeFileSync(templateFile, STORY_TEMPLATE);
  const tok = await AutoTokenizer.fromPretrained(STORIES);
  const plain = await AutoModelForCausalLM.fromPretrained(STORIES);
  const tuned = await PeftModel.fromPretrained(await AutoModelForCausalLM.fromPretrained(STORIES), adapterDir) as unknown as PreTrainedModel;

  const script = "const m = await import('./src/cli/commands/serve.ts'); process.exitCode = await m.default.run(process.argv.slice(1));";
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', STORIES, '--adapter', adapterDir, '--chat-template', templateFile, '--port', '0', '--served-model-name', 'tiny', '--device', 'cpu'],
    { cwd: new URL('../..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = out.match(/OpenAI API at (http:\/\/127\.0\.0\.1:\d+)\/v1/);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${out}${err}`)));
  });
  try {
    assert.match(out, /tiny \+ adapter .*adapter on cpu/);
    const c = client(url);
    const ids = await tok.encode('Tom had a big');
    const r = await c.completions.create({ model: 'tiny', prompt: 'Tom had a big', max_tokens: 25, temperature: 0 });
    const withAdapter = completionText(tok, ids, greedyNew(tuned, ids, 25));
    assert.equal(r.choices[0]!.text, withAdapter);
    assert.notEqual(withAdapter, completionText(tok, ids, greedyNew(plain, ids, 25)), 'the adapter changes the text (the check has teeth)');

    const messages = [{ role: 'user' as const, content: 'Lily had a red ball.' }];
    const chatIds = await tok.applyChatTemplate(messages, { addGenerationPrompt: true, chatTemplate: STORY_TEMPLATE });
    const chat = await c.chat.completions.create({ model: 'tiny', messages, max_tokens: 20, temperature: 0 });
    assert.equal(chat.choices[0]!.message.content, completionText(tok, chatIds, greedyNew(tuned, chatIds, 20)));
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, EXIT.INTERRUPTED, err);
  assert.match(out, /SIGINT, closing/);
});
