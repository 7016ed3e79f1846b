// hub-python-compat.ts — checks by hand that tunekit's Hub cache and Python's huggingface_hub
// share one layout, both ways, against the loopback Hub of test/hub/server.ts:
//   1. tunekit downloads (a branch, a tag, an LFS file, a nested file) -> Python reads them with
//      hf_hub_download(..., local_files_only=True) and snapshot_download(local_files_only=True);
//   2. Python downloads from the same server (HF_ENDPOINT) -> tunekit reads them with HF_HUB_OFFLINE=1;
//   3. Python's upload_folder commits to the server -> tunekit downloads the same bytes.
// Needs a Python with huggingface_hub (default /tmp/venv-hf/bin/python; PYTHON=... to change).
// Run: node --import tsx scripts/hub-python-compat.ts
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hfHubDownload, snapshotDownload } from '../src/hub/index.js';
import { FakeHub } from '../test/hub/server.js';

const PYTHON = process.env.PYTHON ?? '/tmp/venv-hf/bin/python';
if (!existsSync(PYTHON)) {
  console.error(`hub-python-compat: no Python at ${PYTHON} (set PYTHON to one with huggingface_hub)`);
  process.exit(2);
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
let passed = 0, failed = 0;
function check(name: string, ok: boolean, detail = ''): void {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

/** Runs Python code with env (asynchronously: the loopback Hub in this process must keep answering); its last stdout line is JSON. */
async function py(code: string, env: Record<string, string>): Promise<Record<string, string>> {
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', code], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HF_HUB_DISABLE_TELEMETRY: '1', ...env }, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string>;
}

const root = mkdtempSync(join(tmpdir(), 'tunekit-hub-compat-'));
const hub = await FakeHub.start({ writeToken: 'hf_compat_write', lfsThreshold: 1 << 20 });
try {
  const files: Record<string, Buffer> = {
    'config.json': Buffer.from('{"model_type": "llama"}\n'),
    'model.safetensors': randomBytes(300_000),
    'sub/notes.txt': Buffer.from('nested\n'),
  };
  const c1 = hub.addRepo('org/tiny', files);
  hub.tag('org/tiny', 'v1', c1);
  hub.push('org/tiny', { 'config.json': '{"model_type": "llama", "v": 2}\n' });
  const names = Object.keys(files);

  // 1. tunekit fills a cache, Python reads it offline
  const cacheA = join(root, 'a');
  process.env.HF_ENDPOINT = hub.url;
  process.env.HF_HUB_CACHE = cacheA;
  for (const f of names) await hfHubDownload('org/tiny', f, { revision: 'v1' });
  await hfHubDownload('org/tiny', 'config.json');
  const readA = await py(`
import json, hashlib
from huggingface_hub import hf_hub_download, snapshot_download
out = {}
for f in ${JSON.stringify(names)}:
    out['v1:' + f] = hashlib.sha256(open(hf_hub_download('org/tiny', f, revision='v1', local_files_only=True), 'rb').read()).hexdigest()
out['main:config.json'] = open(hf_hub_download('org/tiny', 'config.json', local_files_only=True)).read()
out['snapshot'] = snapshot_download('org/tiny', revision='v1', local_files_only=True)
print(json.dumps(out))`, { HF_HUB_CACHE: cacheA, HF_HUB_OFFLINE: '1' });
  for (const f of names) check(`Python reads tunekit's ${f} at v1`, readA[`v1:${f}`] === sha(files[f]!));
  check('Python reads tunekit\'s refs/main', readA['main:config.json'] === '{"model_type": "llama", "v": 2}\n', JSON.stringify(readA['main:config.json']));
  check('Python finds tunekit\'s snapshot of tag v1', readA.snapshot === join(cacheA, 'models--org--tiny', 'snapshots', c1), readA.snapshot);

  // 2. Python downloads from the loopback Hub, tunekit reads its cache offline
  const cacheB = join(root, 'b');
  const readB = await py(`
import json
from huggingface_hub import hf_hub_download
paths = {f: hf_hub_download('org/tiny', f, revision='v1') for f in ${JSON.stringify(names)}}
paths['main'] = hf_hub_download('org/tiny', 'config.json')
print(json.dumps(paths))`, { HF_HUB_CACHE: cacheB, HF_ENDPOINT: hub.url });
  process.env.HF_HUB_CACHE = cacheB;
  process.env.HF_HUB_OFFLINE = '1';
  const before = hub.requests.length;
  for (const f of names) {
    const p = await hfHubDownload('org/tiny', f, { revision: 'v1' });
    check(`tunekit reads Python's ${f} at v1 offline`, p === readB[f] && sha(readFileSync(p)) === sha(files[f]!), p);
  }
  const main = await hfHubDownload('org/tiny', 'config.json');
  check('tunekit reads Python\'s refs/main offline', main === readB.main && readFileSync(main, 'utf8').includes('"v": 2'));
  check('tunekit\'s snapshotDownload finds Python\'s snapshot', await snapshotDownload('org/tiny', { revision: 'v1' }) === join(cacheB, 'models--org--tiny', 'snapshots', c1));
  check('no request while offline', hub.requests.length === before);
  delete process.env.HF_HUB_OFFLINE;

  // 3. Python uploads through the commit API, tunekit downloads
  const up = join(root, 'upload');
  mkdirSync(up);
  const upFiles: Record<string, Buffer> = { 'README.md': Buffer.from('# from python\n'), 'weights.bin': randomBytes(50_000) };
  for (const [f, b] of Object.entries(upFiles)) writeFileSync(join(up, f), b);
  const commit = await py(`
import json
from huggingface_hub import HfApi
api = HfApi(endpoint=${JSON.stringify(hub.url)}, token='hf_compat_write')
api.create_repo('me/from-python', exist_ok=True)
info = api.upload_folder(repo_id='me/from-python', folder_path=${JSON.stringify(up)}, commit_message='python upload')
print(json.dumps({'oid': info.oid}))`, { HF_HUB_CACHE: join(root, 'py-up'), HF_HUB_DISABLE_XET: '1' });
  process.env.HF_HUB_CACHE = join(root, 'c');
  check('Python\'s upload_folder made a commit on the loopback Hub', hub.repo('me/from-python').branches.get('main') === commit.oid, commit.oid);
  for (const [f, b] of Object.entries(upFiles))
    check(`tunekit downloads Python's uploaded ${f}`, sha(readFileSync(await hfHubDownload('me/from-python', f))) === sha(b));
} catch (e) {
  failed++;
  console.log(`FAIL ${(e as Error).stack ?? String(e)}`);
} finally {
  await hub.stop();
  rmSync(root, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
