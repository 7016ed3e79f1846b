// Uploads through the Hub's commit API at the loopback Hub: uploadFolder (repo created, text files
// inline, binary / large ones through preupload + the LFS batch API + a PUT to the storage host,
// one NDJSON commit), a second client's downloads byte-identical, LFS objects not sent twice, the
// token errors; and pushToHub of a model, a tokenizer and a LoRA adapter, loaded back by Hub id.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hfHubDownload, snapshotDownload, uploadFolder, HubAuthError, RepositoryNotFoundError } from '../../src/hub/index.js';
import { AutoModelForCausalLM, LlamaForCausalLM } from '../../src/models/index.js';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { PeftModel, getPeftModel } from '../../src/peft/index.js';
import * as torch from '../../src/torch/index.js';
import { sharedDir } from '../helpers.js';
import { FakeHub } from './server.js';
import { hubEnv } from './env.js';

let hub: FakeHub;
let env: ReturnType<typeof hubEnv>;
beforeEach(async () => {
  hub = await FakeHub.start({ writeToken: 'hf_write', readToken: 'hf_read', lfsThreshold: 100_000 });
  env = hubEnv(hub.url);
});
afterEach(async () => {
  await hub.stop();
  env.restore();
});

/** A second client: a cache of its own. */
const freshCache = (): void => { process.env.HF_HUB_CACHE = mkdtempSync(join(env.root, 'client2-')); };

test('uploadFolder: one commit, LFS for binary and large files, a second client downloads the same bytes', async () => {
  const dir = join(env.root, 'out');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  mkdirSync(join(dir, '.git'));
  const files: Record<string, Buffer> = {
    'config.json': Buffer.from('{"model_type": "llama"}\n'),
    'model.safetensors': randomBytes(20_000), // LFS by extension
    'big.txt': Buffer.from('z'.repeat(150_000)), // LFS by size
    'sub/blob.dat': Buffer.concat([Buffer.from('abc'), Buffer.alloc(3), randomBytes(100)]), // LFS: a NUL byte makes it binary
    'sub/notes.md': Buffer.from('# notes\n'),
  };
  for (const [p, b] of Object.entries(files)) writeFileSync(join(dir, p), b);
  writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main'); // never uploaded
  process.env.HF_TOKEN = 'hf_write';
  const { commitOid, commitUrl } = await uploadFolder('me/tiny', dir, { commitMessage: 'first upload' });
  const repo = hub.repo('me/tiny');
  assert.equal(repo.branches.get('main'), commitOid);
  assert.equal(commitUrl, `${hub.url}/me/tiny/commit/${commitOid}`);
  assert.equal(repo.commits.get(commitOid)!.title, 'first upload');
  assert.deepEqual([...repo.commits.get(commitOid)!.files.keys()].sort(), ['.gitattributes', ...Object.keys(files)].sort());
  const puts = hub.requests.filter((r) => r.server === 'cdn' && r.method === 'PUT');
  assert.equal(puts.length, 3, 'model.safetensors, big.txt and sub/blob.dat went through LFS');
  assert.equal(hub.seen(/^POST \/api\/repos\/create$/).length, 1);
  assert.equal(hub.seen(/^POST \/api\/models\/me\/tiny\/commit\/main$/).length, 1, 'one commit');

  freshCache();
  delete process.env.HF_TOKEN;
  for (const [p, b] of Object.entries(files)) assert.deepEqual(readFileSync(await hfHubDownload('me/tiny', p)), b, p);
  const snap = await snapshotDownload('me/tiny', { allowPatterns: 'sub/*' });
  assert.deepEqual(readFileSync(join(snap, 'sub', 'blob.dat')), files['sub/blob.dat']);

  process.env.HF_TOKEN = 'hf_write';
  writeFileSync(join(dir, 'config.json'), '{"model_type": "llama", "v": 2}\n');
  const second = await uploadFolder('me/tiny', dir, { revision: 'main', pathInRepo: 'v2' });
  assert.equal(hub.requests.filter((r) => r.server === 'cdn' && r.method === 'PUT').length, 3, 'LFS objects already stored are not sent again');
  assert.equal(hub.repo('me/tiny').commits.get(second.commitOid)!.files.get('v2/config.json')!.toString(), '{"model_type": "llama", "v": 2}\n');
});

test('upload errors: no token, a read-only token, a missing repo without createRepo', async () => {
  const dir = join(env.root, 'out');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), '{}');
  await assert.rejects(uploadFolder('me/x', dir), (e: Error) => e instanceof HubAuthError && /creating a repo needs a write token; set HF_TOKEN/.test(e.message));
  await assert.rejects(uploadFolder('me/x', dir, { createRepo: false }),
    (e: Error) => e instanceof HubAuthError && /access denied \(401\) writing to me\/x \(revision main\): no token was sent; set HF_TOKEN/.test(e.message));
  await assert.rejects(uploadFolder('me/x', dir, { token: 'hf_read', createRepo: false }), /access denied \(401\) writing to me\/x .*the token sent has no write access/);
  hub.writeTokens.add('hf_w2');
  hub.readTokens.add('hf_w2');
  await assert.rejects(uploadFolder('me/x', dir, { token: 'hf_w2', createRepo: false }),
    (e: Error) => e instanceof RepositoryNotFoundError && /repository or file not found: me\/x \(revision main\) — create it first/.test(e.message));
  await assert.rejects(uploadFolder('me/x', join(dir, 'nope'), { token: 'hf_w2' }), /uploadFolder: .*nope is not a folder/);
  process.env.HF_HUB_OFFLINE = '1';
  const n = hub.requests.length;
  await assert.rejects(uploadFolder('me/x', dir, { token: 'hf_w2' }), /HF_HUB_OFFLINE=1 forbids requests to the Hub/);
  assert.equal(hub.requests.length, n);
  delete process.env.HF_HUB_OFFLINE;
  await assert.rejects(uploadFolder('me/x', dir, { token: 'hf_w2', allowPatterns: '*.bin' }), /no file of .* to upload \(allowPatterns "\*\.bin"\)/);
});

test('pushToHub: a model, its tokenizer and a LoRA adapter come back by Hub id', async () => {
  process.env.HF_TOKEN = 'hf_write';
  const stories = sharedDir('data', 'models', 'stories260K');
  const model = await AutoModelForCausalLM.fromPretrained(stories);
  const tok = await AutoTokenizer.fromPretrained(stories);
  const c1 = await model.pushToHub('me/stories', { maxShardSize: 400_000 });
  assert.equal(hub.repo('me/stories').commits.get(c1.commitOid)!.title, 'Upload model');
  assert.ok(hub.repo('me/stories').commits.get(c1.commitOid)!.files.has('model.safetensors.index.json'), 'sharded as asked');
  await tok.pushToHub('me/stories');

  freshCache();
  const again = await AutoModelForCausalLM.fromPretrained('me/stories');
  const theirs = model.stateDict();
  for (const [k, t] of again.stateDict()) assert.equal(torch.tidy(() => t.sub(theirs.get(k)!).abs().max().item()), 0, k);
  const tok2 = await AutoTokenizer.fromPretrained('me/stories');
  assert.deepEqual((await tok2.call('Lily went home.')).input_ids, (await tok.call('Lily went home.')).input_ids);

  const lora = sharedDir('fixtures', 'hf', 'lora', 'llama_causal_lm');
  const peft = getPeftModel(await LlamaForCausalLM.fromPretrained(join(lora, 'base')), { r: 2, lora_alpha: 4, target_modules: ['q_proj'], task_type: 'CAUSAL_LM', init_lora_weights: false });
  await peft.pushToHub('me/lora');
  assert.deepEqual([...hub.repo('me/lora').commits.get(hub.repo('me/lora').branches.get('main')!)!.files.keys()].sort(), ['.gitattributes', 'adapter_config.json', 'adapter_model.safetensors']);
  const back = await PeftModel.fromPretrained(await LlamaForCausalLM.fromPretrained(join(lora, 'base')), 'me/lora');
  const ids = torch.tensor([[3, 14, 15, 92, 65]], { dtype: 'int64' });
  const out = (m: PeftModel): torch.Tensor => torch.tidy(() => (m.forward({ input_ids: ids } as never) as { logits: torch.Tensor }).logits.keep());
  assert.equal(torch.tidy(() => out(back).sub(out(peft)).abs().max().item()), 0);
  assert.ok(torch.tidy(() => out(back).sub(back.disableAdapter(() => out(back))).abs().max().item()) > 1e-6, 'the adapter is not a no-op');
});
