// The rules huggingface_hub applies before any request: where the cache is (HF_HUB_CACHE >
// HUGGINGFACE_HUB_CACHE > HF_HOME/hub > XDG_CACHE_HOME/huggingface/hub), which token is sent
// (HF_TOKEN > HUGGING_FACE_HUB_TOKEN > HF_HOME/token), which repo ids are valid (validate_repo_id),
// fnmatch patterns (filter_repo_objects), when the default progress bar shows; and a cache laid
// out by Python reused as it is: no GET, relative links followed, a ref with a newline read.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { filterRepoFiles, getToken, hfHubDownload, hubCacheDir, isValidRepoId, resolvePretrained, TOKENIZER_FILES, LocalEntryNotFoundError } from '../../src/hub/index.js';
import { PROGRESS_BAR_MIN_BYTES, progressFor } from '../../src/hub/progress.js';
import { FakeHub } from './server.js';
import { hubEnv } from './env.js';
import { gitBlobSha1 } from './store.js';

let hub: FakeHub;
let env: ReturnType<typeof hubEnv>;
beforeEach(async () => {
  hub = await FakeHub.start();
  env = hubEnv(hub.url);
});
afterEach(async () => {
  await hub.stop();
  env.restore();
});

test('cache folder and token: the environment variables in huggingface_hub\'s order', () => {
  assert.equal(hubCacheDir(), env.cache);
  process.env.HUGGINGFACE_HUB_CACHE = '/legacy';
  assert.equal(hubCacheDir(), env.cache, 'HF_HUB_CACHE wins over the legacy name');
  delete process.env.HF_HUB_CACHE;
  assert.equal(hubCacheDir(), '/legacy');
  delete process.env.HUGGINGFACE_HUB_CACHE;
  assert.equal(hubCacheDir(), join(env.root, 'hf-home', 'hub'));
  delete process.env.HF_HOME;
  process.env.XDG_CACHE_HOME = '/xdg';
  assert.equal(hubCacheDir(), '/xdg/huggingface/hub');
  delete process.env.XDG_CACHE_HOME;
  assert.equal(hubCacheDir(), join(homedir(), '.cache', 'huggingface', 'hub'));
  assert.equal(hubCacheDir('~/c'), join(homedir(), 'c'), 'cache_dir expands ~ as Python');

  process.env.HF_HOME = join(env.root, 'hf-home');
  assert.equal(getToken(), undefined);
  mkdirSync(process.env.HF_HOME, { recursive: true });
  writeFileSync(join(process.env.HF_HOME, 'token'), 'hf_saved\n');
  assert.equal(getToken(), 'hf_saved', 'the token `hf auth login` saved');
  process.env.HUGGING_FACE_HUB_TOKEN = 'hf_legacy';
  assert.equal(getToken(), 'hf_legacy');
  process.env.HF_TOKEN = 'hf_env';
  assert.equal(getToken(), 'hf_env');
  assert.equal(getToken('hf_given'), 'hf_given');
  assert.equal(getToken(false), undefined);
  process.env.HF_HUB_DISABLE_IMPLICIT_TOKEN = '1';
  assert.equal(getToken(), undefined);
  assert.equal(getToken(true), 'hf_env');
});

test('repo ids as validate_repo_id; fnmatch patterns as filter_repo_objects; the default progress bar', () => {
  for (const ok of ['gpt2', 'openai-community/gpt2', 'a.b_c-d/e.f', 'x'.repeat(96)]) assert.ok(isValidRepoId(ok), ok);
  for (const bad of ['', '/abs/path', './rel', 'a/b/c', 'org--x/y', 'a..b', '-a', 'a-', 'org/name.git', 'x'.repeat(97), 'café', 'a b']) assert.ok(!isValidRepoId(bad), bad);
  const files = ['config.json', 'model.safetensors', 'onnx/model.onnx', 'onnx/sub/x.json', 'README.md', 'a[1].txt'];
  assert.deepEqual(filterRepoFiles(files, '*.json'), ['config.json', 'onnx/sub/x.json'], '* matches / too, as fnmatch');
  assert.deepEqual(filterRepoFiles(files, 'onnx/'), ['onnx/model.onnx', 'onnx/sub/x.json'], 'a folder pattern');
  assert.deepEqual(filterRepoFiles(files, undefined, ['*.md', 'onnx/*']), ['config.json', 'model.safetensors', 'a[1].txt']);
  assert.deepEqual(filterRepoFiles(files, ['model.?afetensors', '[!c]*.json']), ['model.safetensors', 'onnx/sub/x.json']);
  const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  try {
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    assert.equal(typeof progressFor(undefined, PROGRESS_BAR_MIN_BYTES + 1), 'function', 'a bar for a big file on a terminal');
    assert.equal(progressFor(undefined, 1000), undefined, 'none for a small file');
    process.env.HF_HUB_DISABLE_PROGRESS_BARS = '1';
    assert.equal(progressFor(undefined, PROGRESS_BAR_MIN_BYTES + 1), undefined, 'none when disabled');
    delete process.env.HF_HUB_DISABLE_PROGRESS_BARS;
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    assert.equal(progressFor(undefined, PROGRESS_BAR_MIN_BYTES + 1), undefined, 'none when stderr is not a terminal');
    const mine = (): void => {};
    assert.equal(progressFor(mine, 1), mine);
  } finally {
    if (tty) Object.defineProperty(process.stderr, 'isTTY', tty); else delete (process.stderr as { isTTY?: boolean }).isTTY;
  }
});

test('a cache laid out by Python\'s huggingface_hub is reused as it is', async () => {
  const config = Buffer.from('{"model_type": "bert"}');
  const commit = hub.addRepo('org/py', { 'config.json': config, 'vocab.txt': '[PAD]\n[UNK]\n' });
  // the layout of file_download._hf_hub_download_to_cache_dir, made by hand
  const repo = join(env.cache, 'models--org--py');
  const etag = gitBlobSha1(config);
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(join(repo, 'snapshots', commit), { recursive: true });
  mkdirSync(join(repo, 'refs'));
  writeFileSync(join(repo, 'blobs', etag), config);
  symlinkSync(`../../blobs/${etag}`, join(repo, 'snapshots', commit, 'config.json'));
  writeFileSync(join(repo, 'refs', 'main'), `${commit}\n`);

  const p = await hfHubDownload('org/py', 'config.json');
  assert.equal(p, join(repo, 'snapshots', commit, 'config.json'));
  assert.deepEqual(hub.requests.map((r) => r.method), ['HEAD'], 'the cached file is not downloaded again');
  process.env.HF_HUB_OFFLINE = '1';
  await assert.rejects(resolvePretrained('org/py', { required: ['vocab.txt'] }), LocalEntryNotFoundError);
  await assert.rejects(resolvePretrained('org/py-missing', TOKENIZER_FILES),
    /org\/py-missing \(file tokenizer_config\.json, revision main\) is not in the HF cache .* HF_HUB_OFFLINE=1 forbids downloading it \('org\/py-missing' is not a local folder either\)/);
  assert.equal(await resolvePretrained('org/py', TOKENIZER_FILES), join(repo, 'snapshots', commit), 'offline: what the snapshot has is enough');
  delete process.env.HF_HUB_OFFLINE;
  assert.equal(await resolvePretrained('org/py', TOKENIZER_FILES), join(repo, 'snapshots', commit));
  assert.equal(hub.seen(/^GET .*vocab\.txt$/).length, 1, 'online, the missing vocab.txt is fetched into the same snapshot');
});
