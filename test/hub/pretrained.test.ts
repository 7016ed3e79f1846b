// fromPretrained with Hub ids through HF_ENDPOINT at the loopback Hub: the real stories260K Llama
// sharded into two safetensors files + index, its tokenizer and generation config; AutoConfig /
// GenerationConfig at a tag; pipeline(task, 'org/name') against transformers' own output; a LoRA
// adapter from the Hub; then HF_HUB_OFFLINE with the warm cache (no request at all).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoConfig, AutoModelForCausalLM, LlamaForCausalLM } from '../../src/models/index.js';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { GenerationConfig } from '../../src/generation/index.js';
import { PeftModel } from '../../src/peft/index.js';
import { pipeline } from '../../src/pipelines/index.js';
import * as torch from '../../src/torch/index.js';
import { sharedDir } from '../helpers.js';
import { FakeHub } from './server.js';
import { hubEnv } from './env.js';
import { folderFiles, shardSafetensors } from './fixtures.js';

const STORIES = sharedDir('data', 'models', 'stories260K');
const LORA = sharedDir('fixtures', 'hf', 'lora', 'llama_causal_lm');
let hub: FakeHub;
let env: ReturnType<typeof hubEnv>;
let v1: string;

before(async () => {
  hub = await FakeHub.start();
  env = hubEnv(hub.url);
  const files = folderFiles(STORIES, (f) => f === 'model.safetensors' || f.endsWith('.md') || f === 'LICENSE');
  v1 = hub.addRepo('org/tiny', { ...files, ...shardSafetensors(readFileSync(join(STORIES, 'model.safetensors')), 2) });
  hub.tag('org/tiny', 'v1', v1);
  hub.push('org/tiny', { 'generation_config.json': '{"bos_token_id": 1, "eos_token_id": 2, "do_sample": true, "top_k": 7}' });
  hub.addRepo('org/tiny-lora', folderFiles(LORA, (f) => f.startsWith('reference')));
});
after(async () => {
  await hub.stop();
  env.restore();
});

const maxDiff = (a: torch.Tensor, b: torch.Tensor): number => torch.tidy(() => a.sub(b).abs().max().item());

test('AutoModelForCausalLM.fromPretrained(\'org/tiny\'): a sharded checkpoint equal to the local one', async () => {
  const model = await AutoModelForCausalLM.fromPretrained('org/tiny', { revision: 'v1' });
  const local = await AutoModelForCausalLM.fromPretrained(STORIES);
  assert.ok(model instanceof LlamaForCausalLM);
  assert.equal(model.loadingInfo!.file, 'model.safetensors.index.json');
  const mine = model.stateDict(), theirs = local.stateDict();
  assert.deepEqual([...mine.keys()].sort(), [...theirs.keys()].sort());
  for (const [k, t] of mine) assert.equal(maxDiff(t, theirs.get(k)!), 0, k);
  assert.equal(hub.seen(/^HEAD \/org\/tiny\/resolve\/v1\/model-0000[12]-of-00002\.safetensors$/).length, 0, 'the files after the first come from the pinned commit');
  assert.equal(hub.seen(new RegExp(`^HEAD /org/tiny/resolve/${v1}/model-0000[12]-of-00002\\.safetensors$`)).length, 2, 'both shards resolved');
  assert.equal(hub.requests.filter((r) => r.server === 'cdn' && r.method === 'GET').length, 2, 'and fetched from the LFS host');
  const snap = join(env.cache, 'models--org--tiny', 'snapshots', v1);
  assert.equal(readFileSync(join(env.cache, 'models--org--tiny', 'refs', 'v1'), 'utf8'), v1);
  assert.ok(readFileSync(join(snap, 'model-00002-of-00002.safetensors')).length > 0);
  assert.equal(model.generation_config.do_sample, false, 'generation_config.json of v1 read from the snapshot');
  const latest = await AutoModelForCausalLM.fromPretrained('org/tiny');
  assert.equal(latest.generation_config.do_sample, true, 'main has the newer generation_config.json');
  assert.equal(latest.generation_config.top_k, 7);
  // HF's config.name_or_path (the model card's base_model), kept out of config.json
  assert.equal((latest.config as unknown as { _name_or_path: string })._name_or_path, 'org/tiny');
  assert.equal((local.config as unknown as { _name_or_path: string })._name_or_path, STORIES);
  assert.equal('_name_or_path' in latest.config.toDict(), false);
});

test('AutoConfig, GenerationConfig and AutoTokenizer take Hub ids and revisions', async () => {
  const cfg = await AutoConfig.fromPretrained('org/tiny');
  assert.equal(cfg.model_type, 'llama');
  assert.equal((cfg as unknown as { hidden_size: number }).hidden_size, 64);
  assert.equal((await GenerationConfig.fromPretrained('org/tiny', { revision: 'v1' })).do_sample, false);
  assert.equal((await GenerationConfig.fromPretrained('org/tiny', { revision: 'main' })).top_k, 7);
  await assert.rejects(GenerationConfig.fromPretrained('org/tiny', { revision: 'v9' }), /org\/tiny \(file generation_config\.json, revision v9\) — no such branch, tag or commit/);
  const tok = await AutoTokenizer.fromPretrained('org/tiny', { revision: v1 });
  const local = await AutoTokenizer.fromPretrained(STORIES);
  const text = 'Once upon a time, Lily found a shiny ball.';
  assert.deepEqual((await tok.call(text)).input_ids, (await local.call(text)).input_ids);
  assert.ok((await tok.call(text)).input_ids.length > 5);
});

test('pipeline(\'text-generation\', \'org/tiny\') writes what transformers\' pipeline writes', async () => {
  const gen = await pipeline('text-generation', 'org/tiny');
  const plain = (JSON.parse(readFileSync(new URL('../fixtures/pipelines/text-generation.json', import.meta.url), 'utf8')) as { cases: { name: string; output: unknown }[] })
    .cases.find((c) => c.name === 'plain')!.output;
  assert.deepEqual(await gen('Once upon a time', { max_new_tokens: 24, do_sample: false }), plain);
  await assert.rejects(pipeline('text-generation', 'org/missing'),
    /repository or file not found: org\/missing \(file config\.json, revision main\).*'org\/missing' is not a local folder either/);
});

test('PeftModel.fromPretrained(base, \'org/tiny-lora\'): the adapter from the Hub equals the local one', async () => {
  const base = await LlamaForCausalLM.fromPretrained(join(LORA, 'base'));
  const fromHub = await PeftModel.fromPretrained(base, 'org/tiny-lora');
  const fromDir = await PeftModel.fromPretrained(await LlamaForCausalLM.fromPretrained(join(LORA, 'base')), LORA);
  const ids = torch.tensor([[5, 9, 17, 3, 200, 41, 7, 90]], { dtype: 'int64' });
  const logits = (m: PeftModel): torch.Tensor => torch.tidy(() => (m.forward({ input_ids: ids } as never) as { logits: torch.Tensor }).logits.keep());
  const a = logits(fromHub), b = logits(fromDir), plain = fromHub.disableAdapter(() => logits(fromHub));
  assert.equal(maxDiff(a, b), 0);
  assert.ok(maxDiff(a, plain) > 1e-4, 'the adapter changes the logits');
  assert.deepEqual(fromHub.activePeftConfig.target_modules, ['v_proj', 'q_proj', 'down_proj']);
});

test('HF_HUB_OFFLINE=1 with the warm cache: every loader works with no request', async () => {
  await AutoModelForCausalLM.fromPretrained('org/tiny'); // warm main
  process.env.HF_HUB_OFFLINE = '1';
  try {
    const n = hub.requests.length;
    const model = await AutoModelForCausalLM.fromPretrained('org/tiny');
    assert.equal(model.generation_config.top_k, 7);
    await AutoTokenizer.fromPretrained('org/tiny');
    await AutoModelForCausalLM.fromPretrained('org/tiny', { revision: 'v1' });
    await pipeline('text-generation', 'org/tiny');
    const base = await LlamaForCausalLM.fromPretrained(join(LORA, 'base'));
    await PeftModel.fromPretrained(base, 'org/tiny-lora');
    assert.equal(hub.requests.length, n, 'offline: no request');
    await assert.rejects(AutoModelForCausalLM.fromPretrained('org/never-downloaded'),
      /org\/never-downloaded \(file config\.json, revision main\) is not in the HF cache .* HF_HUB_OFFLINE=1 forbids downloading it \('org\/never-downloaded' is not a local folder either\)/);
  } finally {
    delete process.env.HF_HUB_OFFLINE;
  }
  const n = hub.requests.length;
  await AutoModelForCausalLM.fromPretrained('org/tiny', { local_files_only: true });
  assert.equal(hub.requests.length, n, 'local_files_only: no request');
});
