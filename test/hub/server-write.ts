// server-write.ts — the write side of the loopback Hub (server.ts), as huggingface_hub's
// _commit_api.py and @huggingface/hub's commit.ts use it: POST /api/repos/create, POST
// /api/{type}s/{id}/preupload/{rev} (regular or lfs per file), POST {id}.git/info/lfs/objects/batch
// (basic transfer: a PUT URL on the CDN host, or no action when the object is already stored),
// PUT /lfs-upload/{oid} on the CDN (checked against its sha256), and the NDJSON commit
// POST /api/{type}s/{id}/commit/{rev} (header, file base64, lfsFile, deletedFile).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, readBody, type FakeHub } from './server.js';
import { sha256, type RepoKind } from './store.js';

const kindOf = (plural: string): RepoKind => plural.slice(0, -1) as RepoKind;

/** Answers a write request; false when the URL is not one of the write routes. */
export async function handleWrite(hub: FakeHub, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const p = url.pathname;
  const upload = /^\/lfs-upload\/([0-9a-f]{64})$/.exec(p);
  if (upload && req.method === 'PUT') {
    const body = await readBody(req);
    if (sha256(body) !== upload[1]) return json(res, 400, { error: 'sha256 does not match the object id' }), true;
    hub.store.lfs.set(upload[1]!, body);
    res.writeHead(200, { etag: `"${upload[1]}"` }).end();
    return true;
  }
  const create = p === '/api/repos/create' && req.method === 'POST';
  const pre = /^\/api\/(models|datasets|spaces)\/(.+?)\/preupload\/([^/]+)$/.exec(p);
  const batch = /^\/(?:(datasets|spaces)\/)?(.+?)\.git\/info\/lfs\/objects\/batch$/.exec(p);
  const commit = /^\/api\/(models|datasets|spaces)\/(.+?)\/commit\/([^/]+)$/.exec(p);
  if (!create && !(pre || batch || commit) || req.method !== 'POST') return false;
  if (!hub.authorized(req, hub.writeTokens)) {
    res.writeHead(401, { 'x-error-message': 'Invalid credentials in Authorization header' }).end();
    return true;
  }
  const body = await readBody(req);
  if (create) {
    const b = JSON.parse(body.toString()) as { name: string; organization?: string; type?: RepoKind; visibility?: string; private?: boolean };
    const id = b.organization ? `${b.organization}/${b.name}` : b.name;
    const type = b.type ?? 'model';
    if (hub.store.get(type, id)) return json(res, 409, { error: 'You already created this model repo', url: `${hub.url}/${id}` }), true;
    hub.store.create(id, { type, private: b.visibility === 'private' || b.private === true });
    return json(res, 200, { url: `${hub.url}/${type === 'model' ? '' : `${type}s/`}${id}`, name: id, id }), true;
  }
  if (pre) {
    const repo = hub.visibleRepo(req, res, kindOf(pre[1]!), pre[2]!);
    if (!repo) return true;
    const b = JSON.parse(body.toString()) as { files: { path: string; size: number; sample: string }[] };
    const files = b.files.map((f) => ({
      path: f.path, shouldIgnore: false,
      // as the Hub: LFS by .gitattributes or size, and binary samples (a NUL byte) too
      uploadMode: f.size > 0 && (hub.store.isLfs(f.path, f.size) || Buffer.from(f.sample, 'base64').includes(0)) ? 'lfs' : 'regular',
    }));
    return json(res, 200, { files, commitOid: repo.branches.get(decodeURIComponent(pre[3]!)) }), true;
  }
  if (batch) {
    const repo = hub.visibleRepo(req, res, batch[1] ? kindOf(batch[1]) : 'model', batch[2]!);
    if (!repo) return true;
    const b = JSON.parse(body.toString()) as { operation: string; objects: { oid: string; size: number }[] };
    const objects = b.objects.map((o) => hub.store.lfs.has(o.oid)
      ? { oid: o.oid, size: o.size, authenticated: true }
      : { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${hub.cdnUrl}/lfs-upload/${o.oid}`, expires_at: '2100-01-01T00:00:00Z' } } });
    res.writeHead(200, { 'content-type': 'application/vnd.git-lfs+json' }).end(JSON.stringify({ transfer: 'basic', objects }));
    return true;
  }
  const repo = hub.visibleRepo(req, res, kindOf(commit![1]!), commit![2]!);
  if (!repo) return true;
  const branch = decodeURIComponent(commit![3]!);
  if (!repo.branches.has(branch)) return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end(), true;
  const changes = new Map<string, Buffer | null>();
  let title = '';
  for (const line of body.toString().split('\n').filter((l) => l.trim())) {
    const { key, value } = JSON.parse(line) as { key: string; value: Record<string, unknown> };
    if (key === 'header') title = String(value.summary ?? '');
    else if (key === 'file') changes.set(String(value.path), Buffer.from(String(value.content), value.encoding === 'base64' ? 'base64' : 'utf8'));
    else if (key === 'lfsFile') {
      const blob = hub.store.lfs.get(String(value.oid));
      if (!blob) return json(res, 422, { error: `LFS object ${String(value.oid)} of ${String(value.path)} was never uploaded` }), true;
      changes.set(String(value.path), blob);
    } else if (key === 'deletedFile') changes.set(String(value.path), null);
    else return json(res, 400, { error: `unknown commit operation ${key}` }), true;
  }
  const oid = hub.store.commit(repo, branch, changes, title);
  json(res, 200, { success: true, commitOid: oid, commitUrl: `${hub.url}/${repo.id}/commit/${oid}`, pullRequestUrl: null });
  return true;
}
