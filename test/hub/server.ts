// server.ts — a Hugging Face Hub-compatible HTTP server on loopback for the hub tests (and
// scripts/hub-python-compat.ts, where Python's huggingface_hub talks to it too).  Two node:http
// servers: the Hub on 127.0.0.1 (resolve HEAD / GET with X-Repo-Commit, ETag, X-Linked-Etag,
// X-Linked-Size; the repo info API; the commit API in server-write.ts) and a "CDN" on 127.0.0.2
// (another host, as the Hub's LFS storage: LFS files redirect there, uploads are PUT there).
// Faults on demand: statuses for the next matching requests, and bodies cut mid-transfer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleWrite } from './server-write.js';
import { RepoStore, gitBlobSha1, sha256, type Repo, type RepoKind } from './store.js';

/** A request as the server saw it. */
export interface SeenRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

interface Fault { match: RegExp; statuses: number[] }
interface Cut { match: RegExp; afterBytes: number; times: number }

export class FakeHub {
  readonly store: RepoStore;
  readonly requests: SeenRequest[] = [];
  /** Tokens with read access to private / gated repos; tokens with write access. */
  readonly readTokens = new Set<string>();
  readonly writeTokens = new Set<string>();
  url = '';
  cdnUrl = '';
  private faults: Fault[] = [];
  private cuts: Cut[] = [];
  private hub!: Server;
  private cdn!: Server;

  private constructor(opts: { lfsThreshold?: number }) {
    this.store = new RepoStore(opts.lfsThreshold ?? 10 * 1024 * 1024);
  }

  /** Starts both servers on free ports. */
  static async start(opts: { lfsThreshold?: number; writeToken?: string; readToken?: string } = {}): Promise<FakeHub> {
    const h = new FakeHub(opts);
    if (opts.writeToken) { h.writeTokens.add(opts.writeToken); h.readTokens.add(opts.writeToken); }
    if (opts.readToken) h.readTokens.add(opts.readToken);
    h.hub = createServer((req, res) => h.route('hub', req, res));
    h.cdn = createServer((req, res) => h.route('cdn', req, res));
    const listen = (s: Server, host: string): Promise<string> => new Promise((ok, fail) => {
      s.once('error', fail);
      s.listen(0, host, () => ok(`http://${host}:${(s.address() as AddressInfo).port}`));
    });
    h.url = await listen(h.hub, '127.0.0.1');
    h.cdnUrl = await listen(h.cdn, '127.0.0.2');
    return h;
  }

  async stop(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }

  /** Creates a repo and commits `files` on 'main'; returns the commit hash. */
  addRepo(id: string, files: Record<string, Buffer | string>, o: { type?: RepoKind; private?: boolean; gated?: boolean } = {}): string {
    this.store.create(id, o);
    return this.push(id, files, { type: o.type });
  }

  /**
   * A new commit on a branch (created when missing, from 'main'; `orphan`: with no parent and no
   * files but these, as the Hub's `refs/convert/parquet` branch of a dataset); returns its hash.
   */
  push(id: string, files: Record<string, Buffer | string | null>, o: { type?: RepoKind; branch?: string; title?: string; orphan?: boolean } = {}): string {
    const repo = this.repo(id, o.type);
    const branch = o.branch ?? 'main';
    if (!repo.branches.has(branch) && !o.orphan) repo.branches.set(branch, repo.branches.get('main')!);
    const changes = new Map(Object.entries(files).map(([p, c]) => [p, c === null ? null : Buffer.from(c)]));
    return this.store.commit(repo, branch, changes, o.title ?? 'update', o.orphan === true && !repo.branches.has(branch));
  }

  tag(id: string, name: string, rev: string, type?: RepoKind): void {
    const repo = this.repo(id, type);
    repo.tags.set(name, this.store.resolve(repo, rev)!);
  }

  repo(id: string, type: RepoKind = 'model'): Repo {
    const r = this.store.get(type, id);
    if (!r) throw new Error(`FakeHub: no ${type} repo ${id}`);
    return r;
  }

  /** The next requests whose `METHOD path` matches get these statuses, one each, in order. */
  failNext(match: RegExp, ...statuses: number[]): void {
    this.faults.push({ match, statuses });
  }

  /** The next `times` GET bodies matching are cut (socket destroyed) after `afterBytes` bytes. */
  cutNext(match: RegExp, afterBytes: number, times = 1): void {
    this.cuts.push({ match, afterBytes, times });
  }

  /** Requests seen whose `METHOD path` matches. */
  seen(match: RegExp): SeenRequest[] {
    return this.requests.filter((r) => match.test(`${r.method} ${r.url}`));
  }

  /** Whether the request carries a token of `set`. */
  authorized(req: IncomingMessage, set: Set<string>): boolean {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return m !== null && set.has(m[1]!);
  }

  private route(server: 'hub' | 'cdn', req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ server, method: req.method!, url: req.url!, headers: req.headers });
    const line = `${req.method} ${req.url}`;
    const fault = this.faults.find((f) => f.statuses.length && f.match.test(line));
    if (fault) {
      res.writeHead(fault.statuses.shift()!, { 'retry-after': '0', 'content-type': 'text/plain' }).end('injected failure');
      return;
    }
    const done = (e: unknown): void => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String((e as Error)?.stack ?? e));
    };
    try {
      if (server === 'cdn') this.cdnRoute(req, res).catch(done);
      else this.hubRoute(req, res).catch(done);
    } catch (e) { done(e); }
  }

  /** The repo a request names, or null after answering the Hub's error for it. */
  visibleRepo(req: IncomingMessage, res: ServerResponse, type: RepoKind, id: string): Repo | null {
    const repo = this.store.get(type, id);
    const authed = this.authorized(req, this.readTokens);
    if (!repo || (repo.private && !authed)) {
      // as the Hub: 401 without (valid) credentials, 404 with them
      const status = req.headers.authorization && authed ? 404 : 401;
      res.writeHead(status, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' }).end();
      return null;
    }
    if (repo.gated && !authed) {
      res.writeHead(403, { 'x-error-code': 'GatedRepo', 'x-error-message': 'Access to this repo is restricted' }).end();
      return null;
    }
    return repo;
  }

  private async hubRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, this.url);
    const m = /^\/(?:(datasets|spaces)\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (m && (req.method === 'GET' || req.method === 'HEAD')) return this.resolveFile(req, res, kindOf(m[1]), decodeURIComponent(m[2]!), decodeURIComponent(m[3]!), m[4]!.split('/').map(decodeURIComponent).join('/'));
    const info = /^\/api\/(models|datasets|spaces)\/(.+?)\/revision\/([^/]+)$/.exec(url.pathname);
    if (info && req.method === 'GET') {
      const repo = this.visibleRepo(req, res, info[1]!.slice(0, -1) as RepoKind, info[2]!);
      if (!repo) return;
      const sha = this.store.resolve(repo, decodeURIComponent(info[3]!));
      if (sha === null) return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end();
      const siblings = [...repo.commits.get(sha)!.files.keys()].sort().map((rfilename) => ({ rfilename }));
      return json(res, 200, { id: repo.id, sha, private: repo.private, siblings });
    }
    if (url.pathname === '/api/validate-yaml' && req.method === 'POST') return json(res, 200, { errors: [], warnings: [] }); // README metadata: accepted
    if (await handleWrite(this, req, res, url)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`FakeHub: no route for ${req.method} ${url.pathname}`);
  }

  /** HEAD / GET of /{repo}/resolve/{rev}/{path}: the Hub's headers; LFS files redirect to the CDN. */
  private resolveFile(req: IncomingMessage, res: ServerResponse, type: RepoKind, id: string, rev: string, path: string): void {
    const repo = this.visibleRepo(req, res, type, id);
    if (!repo) return;
    const sha = this.store.resolve(repo, rev);
    if (sha === null) return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound', 'x-error-message': 'Invalid rev id' }).end();
    const content = repo.commits.get(sha)!.files.get(path);
    if (!content) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-error-message': 'Entry not found', 'x-repo-commit': sha }).end();
    if (this.store.isLfs(path, content.length)) {
      const oid = sha256(content);
      res.writeHead(302, {
        location: `${this.cdnUrl}/cdn/${oid}?X-Amz-Signature=fake`, 'x-repo-commit': sha, 'x-linked-etag': `"${oid}"`,
        'x-linked-size': String(content.length), etag: `"${gitBlobSha1(Buffer.from(`oid sha256:${oid}`))}"`, 'content-length': '0',
      }).end();
      return;
    }
    this.sendBytes(req, res, content, { 'x-repo-commit': sha, etag: `"${gitBlobSha1(content)}"` });
  }

  private async cdnRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, this.cdnUrl);
    const m = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (m && (req.method === 'GET' || req.method === 'HEAD')) {
      const content = this.store.lfs.get(m[1]!);
      if (!content) return void res.writeHead(404).end();
      return this.sendBytes(req, res, content, { etag: `"${m[1]}"` });
    }
    if (await handleWrite(this, req, res, url)) return;
    res.writeHead(404).end();
  }

  /** A body with Range support (206 / 416); a pending cut destroys the socket mid-body. */
  private sendBytes(req: IncomingMessage, res: ServerResponse, content: Buffer, headers: Record<string, string>): void {
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (start >= content.length) return void res.writeHead(416, { 'content-range': `bytes */${content.length}` }).end();
      status = 206;
      headers['content-range'] = `bytes ${start}-${content.length - 1}/${content.length}`;
    }
    const body = content.subarray(start);
    res.writeHead(status, { ...headers, 'content-length': String(body.length), 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') return void res.end();
    const cut = this.cuts.find((c) => c.times > 0 && c.match.test(`${req.method} ${req.url}`));
    if (cut && cut.afterBytes < body.length) {
      cut.times--;
      res.write(body.subarray(0, cut.afterBytes), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  }
}

const kindOf = (prefix: string | undefined): RepoKind => (prefix === 'datasets' ? 'dataset' : prefix === 'spaces' ? 'space' : 'model');

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c)).on('end', () => ok(Buffer.concat(parts))).on('error', fail);
  });
}
