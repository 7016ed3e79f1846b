// Interrupted transfers: the server closes the socket mid-body.  Within one call the download
// resumes with a Range request; when every retry fails, only `blobs/<etag>.incomplete` is left
// (no blob, no snapshot file that would load as complete) and the next call resumes from it.  A
// wrong partial file fails the sha256 check and is removed.  Progress reports end at the size.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hfHubDownload, HubConnectionError, HubIntegrityError, snapshotDownload, type DownloadProgress } from '../../src/hub/index.js';
import { RETRY } from '../../src/hub/http.js';
import { FakeHub } from './server.js';
import { hubEnv } from './env.js';
import { sha256 } from './store.js';

let hub: FakeHub;
let env: ReturnType<typeof hubEnv>;
const delay = RETRY.baseDelayMs;
beforeEach(async () => {
  hub = await FakeHub.start({ lfsThreshold: 1 << 20 });
  env = hubEnv(hub.url);
  RETRY.baseDelayMs = 5;
});
afterEach(async () => {
  RETRY.baseDelayMs = delay;
  await hub.stop();
  env.restore();
});

const weights = randomBytes(2_000_000); // LFS by size and extension: served by the CDN host
const blobsOf = (): string => join(env.cache, 'models--org--big', 'blobs');
const rangeStart = (h: string | string[] | undefined): number => Number(/^bytes=(\d+)-$/.exec(String(h))?.[1] ?? NaN);

test('a transfer cut mid-body resumes with a Range request in the same call', async () => {
  const c = hub.addRepo('org/big', { 'model.safetensors': weights });
  hub.cutNext(/^GET \/cdn\//, 700_000);
  const progress: DownloadProgress[] = [];
  const p = await hfHubDownload('org/big', 'model.safetensors', { onProgress: (x) => progress.push({ ...x }) });
  assert.equal(p, join(env.cache, 'models--org--big', 'snapshots', c, 'model.safetensors'));
  assert.equal(sha256(readFileSync(p)), sha256(weights));
  const gets = hub.seen(/^GET \/cdn\//);
  assert.equal(gets.length, 2);
  assert.equal(gets[0]!.headers.range, undefined);
  const from = rangeStart(gets[1]!.headers.range);
  assert.ok(from > 0 && from <= 700_000, `resumed from byte ${from}`);
  assert.ok(progress.every((x, i) => i === 0 || x.downloaded >= progress[i - 1]!.downloaded || x.done), 'progress only grows');
  assert.deepEqual(progress.at(-1), { repoId: 'org/big', filename: 'model.safetensors', downloaded: weights.length, total: weights.length, done: true });
  assert.ok(!existsSync(join(blobsOf(), `${sha256(weights)}.incomplete`)));
});

test('when the retries run out, only the .incomplete file is left, and the next call resumes from it', async () => {
  const c = hub.addRepo('org/big', { 'model.safetensors': weights });
  hub.cutNext(/^GET \/cdn\//, 300_000); // some bytes arrive...
  hub.cutNext(/^GET \/cdn\//, 0, 5); // ...then none: 6 failed tries in all (the count restarts only when bytes arrive)
  await assert.rejects(hfHubDownload('org/big', 'model.safetensors'),
    (e: Error) => e instanceof HubConnectionError && /failed after 5 retries .* bytes are kept in .*\.incomplete and the next call resumes/.test(e.message));
  const incomplete = join(blobsOf(), `${sha256(weights)}.incomplete`);
  const partial = statSync(incomplete).size;
  assert.ok(partial > 0 && partial < weights.length);
  assert.ok(!existsSync(join(blobsOf(), sha256(weights))), 'no blob');
  assert.ok(!existsSync(join(env.cache, 'models--org--big', 'snapshots', c, 'model.safetensors')), 'no snapshot file');
  assert.deepEqual(readFileSync(incomplete), weights.subarray(0, partial), 'what was kept is the start of the file');

  const n = hub.seen(/^GET \/cdn\//).length;
  const p = await hfHubDownload('org/big', 'model.safetensors');
  const gets = hub.seen(/^GET \/cdn\//).slice(n);
  assert.equal(gets.length, 1);
  assert.equal(rangeStart(gets[0]!.headers.range), partial, 'resumed from the kept bytes');
  assert.deepEqual(readFileSync(p), weights);
  assert.ok(!existsSync(incomplete));
});

test('a partial file that is not the start of the blob fails the sha256 check and is removed', async () => {
  hub.addRepo('org/big', { 'model.safetensors': weights });
  mkdirSync(blobsOf(), { recursive: true });
  const incomplete = join(blobsOf(), `${sha256(weights)}.incomplete`);
  writeFileSync(incomplete, randomBytes(1000)); // e.g. written by a broken tool
  await assert.rejects(hfHubDownload('org/big', 'model.safetensors'),
    (e: Error) => e instanceof HubIntegrityError && /sha256 mismatch for org\/big\/model\.safetensors: expected [0-9a-f]{64}, got/.test(e.message));
  assert.ok(!existsSync(incomplete) && !existsSync(join(blobsOf(), sha256(weights))));
  assert.deepEqual(readFileSync(await hfHubDownload('org/big', 'model.safetensors')), weights, 'the next call downloads it whole');
});

test('a regular (non-LFS) file cut mid-body resumes from the Hub host with the token kept', async () => {
  const text = Buffer.from('x'.repeat(600_000)); // below the LFS threshold: served by the Hub itself
  hub.addRepo('org/big', { 'data.txt': text }, { private: true });
  hub.readTokens.add('hf_read');
  process.env.HF_TOKEN = 'hf_read';
  hub.cutNext(/^GET \/org\/big\/resolve\/main\/data\.txt/, 250_000);
  const p = await hfHubDownload('org/big', 'data.txt');
  assert.deepEqual(readFileSync(p), text);
  const gets = hub.seen(/^GET \/org\/big\/resolve/);
  assert.equal(gets.length, 2);
  assert.ok(rangeStart(gets[1]!.headers.range) > 0);
  assert.equal(gets[1]!.headers.authorization, 'Bearer hf_read');
});

test('snapshotDownload: the revision\'s files filtered by allow / ignore patterns, one commit', async () => {
  const c = hub.addRepo('org/big', { 'config.json': '{}', 'model.safetensors': weights, 'onnx/model.onnx': 'o', 'README.md': '# r' });
  hub.push('org/big', { 'config.json': '{"newer": 1}' }, { branch: 'dev' });
  const dir = await snapshotDownload('org/big', { allowPatterns: ['*.json', 'onnx/'], ignorePatterns: '*.md' });
  assert.equal(dir, join(env.cache, 'models--org--big', 'snapshots', c));
  assert.deepEqual(['config.json', 'onnx/model.onnx', 'model.safetensors', 'README.md'].map((f) => existsSync(join(dir, f))), [true, true, false, false]);
  const dev = await snapshotDownload('org/big', { revision: 'dev', allowPatterns: '*.json' });
  assert.equal(readFileSync(join(dev, 'config.json'), 'utf8'), '{"newer": 1}');
  assert.equal(readFileSync(join(env.cache, 'models--org--big', 'refs', 'dev'), 'utf8'), hub.repo('org/big').branches.get('dev'));
  process.env.HF_HUB_OFFLINE = '1';
  const n = hub.requests.length;
  assert.equal(await snapshotDownload('org/big', { revision: 'dev' }), dev, 'offline: the cached snapshot of the ref');
  await assert.rejects(snapshotDownload('org/big', { revision: 'v9' }), /org\/big \(revision v9\) has no snapshot in the HF cache .* HF_HUB_OFFLINE=1/);
  assert.equal(hub.requests.length, n);
});
