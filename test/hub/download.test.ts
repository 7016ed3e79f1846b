// hfHubDownload against the loopback Hub: branch / tag / commit revisions in huggingface_hub's cache
// layout (relative symlinks, refs, blobs named by ETag), LFS redirects to another host without the
// token, the Hub's errors (404 / 401 / 403 / unknown revision), 5xx retried, offline with a warm
// and a cold cache, an unreachable endpoint, and the copy fallback where symlinks are disabled.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  hfHubDownload, HubAuthError, HubConnectionError, HubServerError, LocalEntryNotFoundError, RepositoryNotFoundError,
  RevisionNotFoundError, EntryNotFoundError, tryLoadFromCache, CACHED_NO_EXIST,
} from '../../src/hub/index.js';
import { RETRY } from '../../src/hub/http.js';
import { FakeHub } from './server.js';
import { hubEnv } from './env.js';
import { gitBlobSha1, sha256 } from './store.js';

let hub: FakeHub;
let env: ReturnType<typeof hubEnv>;
const delay = RETRY.baseDelayMs;
beforeEach(async () => {
  hub = await FakeHub.start({ writeToken: 'hf_write', readToken: 'hf_read' });
  env = hubEnv(hub.url);
  RETRY.baseDelayMs = 5; // the retries' backoff, shortened for the tests
});
afterEach(async () => {
  RETRY.baseDelayMs = delay;
  await hub.stop();
  env.restore();
});

const repoDir = (): string => join(env.cache, 'models--org--tiny');

test('branch, tag and commit revisions land in the cache layout huggingface_hub uses', async () => {
  const c1 = hub.addRepo('org/tiny', { 'config.json': '{"v": 1}', 'sub/notes.txt': 'notes' });
  hub.tag('org/tiny', 'v1', c1);
  const c2 = hub.push('org/tiny', { 'config.json': '{"v": 2}' });

  const main = await hfHubDownload('org/tiny', 'config.json');
  assert.equal(main, join(repoDir(), 'snapshots', c2, 'config.json'));
  assert.equal(readFileSync(main, 'utf8'), '{"v": 2}');
  assert.ok(lstatSync(main).isSymbolicLink());
  assert.equal(readlinkSync(main), `../../blobs/${gitBlobSha1(Buffer.from('{"v": 2}'))}`, 'a relative link to the blob named by its git sha1 ETag');
  assert.equal(readFileSync(join(repoDir(), 'refs', 'main'), 'utf8'), c2, 'refs/main holds the commit, no newline');
  assert.ok(existsSync(join(env.cache, 'CACHEDIR.TAG')));

  const tagged = await hfHubDownload('org/tiny', 'config.json', { revision: 'v1' });
  assert.equal(tagged, join(repoDir(), 'snapshots', c1, 'config.json'));
  assert.equal(readFileSync(tagged, 'utf8'), '{"v": 1}');
  assert.equal(readFileSync(join(repoDir(), 'refs', 'v1'), 'utf8'), c1);

  const before = hub.requests.length;
  assert.equal(await hfHubDownload('org/tiny', 'config.json', { revision: c1 }), tagged);
  assert.equal(hub.requests.length, before, 'a cached commit hash is answered with no request');

  const nested = await hfHubDownload('org/tiny', 'sub/notes.txt', { revision: c1 });
  assert.equal(readlinkSync(nested), `../../../blobs/${gitBlobSha1(Buffer.from('notes'))}`);
  assert.equal(readFileSync(nested, 'utf8'), 'notes');

  const n = hub.requests.length;
  assert.equal(await hfHubDownload('org/tiny', 'config.json'), main);
  assert.deepEqual(hub.requests.slice(n).map((r) => r.method), ['HEAD'], 'a cached branch file costs one HEAD, no GET');
  assert.equal(tryLoadFromCache('org/tiny', 'config.json'), main);
});

test('LFS files redirect to the storage host without the token; the blob is named by its sha256', async () => {
  const weights = randomBytes(300_000);
  hub.addRepo('org/private', { 'model.safetensors': weights, 'config.json': '{}' }, { private: true });
  process.env.HUGGING_FACE_HUB_TOKEN = 'hf_read'; // the legacy name is read when HF_TOKEN is unset
  const p = await hfHubDownload('org/private', 'model.safetensors');
  assert.deepEqual(readFileSync(p), weights);
  assert.equal(readlinkSync(p), `../../blobs/${sha256(weights)}`);
  const head = hub.seen(/^HEAD \/org\/private\/resolve\/main\/model\.safetensors$/);
  assert.equal(head.length, 1);
  assert.equal(head[0]!.headers.authorization, 'Bearer hf_read');
  const cdn = hub.requests.filter((r) => r.server === 'cdn');
  assert.equal(cdn.length, 1);
  assert.equal(cdn[0]!.headers.authorization, undefined, 'no token to another host');
  process.env.HF_TOKEN = 'hf_write';
  await hfHubDownload('org/private', 'config.json', { forceDownload: true });
  assert.equal(hub.seen(/^GET \/org\/private\/resolve\/main\/config\.json$/).at(-1)!.headers.authorization, 'Bearer hf_write', 'HF_TOKEN comes first');
});

test('the Hub\'s errors name the repo, file and revision, and say how to pass a token', async () => {
  hub.addRepo('org/tiny', { 'config.json': '{}' });
  hub.addRepo('org/secret', { 'config.json': '{}' }, { private: true });
  hub.addRepo('org/gated', { 'config.json': '{}' }, { gated: true });
  await assert.rejects(hfHubDownload('org/nope', 'config.json'),
    (e: Error) => e instanceof RepositoryNotFoundError && /^repository or file not found: org\/nope \(file config\.json, revision main\) \(401 .*set HF_TOKEN/.test(e.message));
  await assert.rejects(hfHubDownload('org/secret', 'config.json', { revision: 'dev' }), /repository or file not found: org\/secret \(file config\.json, revision dev\).*HF_TOKEN/);
  await assert.rejects(hfHubDownload('org/secret', 'config.json', { token: 'hf_wrong' }), /\(401 .*the token that was sent .* has no access/);
  await assert.rejects(hfHubDownload('org/gated', 'config.json'), (e: Error) => e instanceof HubAuthError && /gated repository: org\/gated .*HF_TOKEN/.test(e.message));
  await assert.rejects(hfHubDownload('org/tiny', 'config.json', { revision: 'no-branch' }),
    (e: Error) => e instanceof RevisionNotFoundError && /org\/tiny \(file config\.json, revision no-branch\) — no such branch, tag or commit/.test(e.message));
  await assert.rejects(hfHubDownload('org/tiny', 'nope.json'),
    (e: Error) => e instanceof EntryNotFoundError && /repository or file not found: org\/tiny \(file nope\.json, revision main\)/.test(e.message));
  assert.equal(tryLoadFromCache('org/tiny', 'nope.json'), CACHED_NO_EXIST, 'the missing file is remembered in .no_exist as Python does');
  await assert.rejects(hfHubDownload('org/../x', 'config.json'), /not a valid Hub repo id/);
  await assert.rejects(hfHubDownload('org/tiny', '../config.json'), /not a relative path inside the repository/);
  await assert.rejects(hfHubDownload('org/tiny', 'config.json', { repoType: 'bucket' as never }), /repo_type must be one of model, dataset, space/);
});

test('5xx is retried until it succeeds; a persistent one is a clear error; a cached file answers at once', async () => {
  hub.addRepo('org/tiny', { 'config.json': '{"ok": true}', 'a.txt': 'a' });
  hub.failNext(/^HEAD .*config\.json/, 503, 502);
  const p = await hfHubDownload('org/tiny', 'config.json');
  assert.equal(readFileSync(p, 'utf8'), '{"ok": true}');
  assert.equal(hub.seen(/^HEAD .*config\.json/).length, 3, 'one failed fast try, then retries with backoff');

  hub.failNext(/^HEAD .*a\.txt/, ...Array(5).fill(500)); // the fast try + RETRY.tries
  await assert.rejects(hfHubDownload('org/tiny', 'a.txt'),
    (e: Error) => e instanceof HubServerError && /the Hub answered 500 .* for org\/tiny \(file a\.txt, revision main\) .*gave up after 4 tries/.test(e.message));

  hub.failNext(/^HEAD .*config\.json/, 503);
  const n = hub.requests.length;
  assert.equal(await hfHubDownload('org/tiny', 'config.json'), p, 'the Hub is down: the cache answers');
  assert.equal(hub.requests.length, n + 1, 'without waiting for retries');
  hub.failNext(/^GET .*a\.txt/, 502);
  assert.equal(readFileSync(await hfHubDownload('org/tiny', 'a.txt'), 'utf8'), 'a', 'a 5xx on the GET is retried too');
});

test('HF_HUB_OFFLINE and local_files_only: a warm cache answers with no request, a cold one names what is missing', async () => {
  const c = hub.addRepo('org/tiny', { 'config.json': '{}' });
  process.env.HF_HUB_OFFLINE = '1';
  await assert.rejects(hfHubDownload('org/tiny', 'config.json'),
    (e: Error) => e instanceof LocalEntryNotFoundError && /org\/tiny \(file config\.json, revision main\) is not in the HF cache .*cache, and HF_HUB_OFFLINE=1 forbids downloading it/.test(e.message));
  assert.equal(hub.requests.length, 0);
  delete process.env.HF_HUB_OFFLINE;
  const p = await hfHubDownload('org/tiny', 'config.json');
  const n = hub.requests.length;
  process.env.HF_HUB_OFFLINE = 'true';
  assert.equal(await hfHubDownload('org/tiny', 'config.json'), p);
  assert.equal(await hfHubDownload('org/tiny', 'config.json', { revision: c }), p);
  delete process.env.HF_HUB_OFFLINE;
  assert.equal(await hfHubDownload('org/tiny', 'config.json', { localFilesOnly: true }), p);
  await assert.rejects(hfHubDownload('org/tiny', 'other.json', { localFilesOnly: true }), /is not in the HF cache .* and local_files_only forbids/);
  assert.equal(hub.requests.length, n, 'offline means no request at all');
});

test('an unreachable endpoint: the cache answers when it can, otherwise a connection error', async () => {
  hub.addRepo('org/tiny', { 'config.json': '{}' });
  const p = await hfHubDownload('org/tiny', 'config.json');
  await hub.stop();
  hub = await FakeHub.start(); // afterEach stops this one
  await hub.stop();
  process.env.HF_ENDPOINT = hub.url; // nothing listens there now
  assert.equal(await hfHubDownload('org/tiny', 'config.json'), p);
  await assert.rejects(hfHubDownload('org/tiny', 'missing.json'),
    (e: Error) => e instanceof HubConnectionError && /cannot reach http:\/\/127\.0\.0\.1:\d+ for org\/tiny \(ECONNREFUSED\).*HF_HUB_OFFLINE=1/.test(e.message));
  hub = await FakeHub.start();
});

test('with HF_HUB_DISABLE_SYMLINKS the snapshot holds the file itself', async () => {
  const c = hub.addRepo('org/tiny', { 'config.json': '{"copy": 1}' });
  process.env.HF_HUB_DISABLE_SYMLINKS = '1';
  const p = await hfHubDownload('org/tiny', 'config.json');
  assert.equal(p, join(repoDir(), 'snapshots', c, 'config.json'));
  assert.ok(lstatSync(p).isFile() && !lstatSync(p).isSymbolicLink());
  assert.equal(readFileSync(p, 'utf8'), '{"copy": 1}');
  assert.ok(!existsSync(join(repoDir(), 'blobs', gitBlobSha1(Buffer.from('{"copy": 1}')))), 'a new blob is moved, not duplicated (as Python)');
});
