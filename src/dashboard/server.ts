// server.ts — the dashboard's HTTP server (node:http, no framework), on 127.0.0.1 by default.
//   GET /                          the page (one self-contained HTML document, page.ts)
//   GET /api/runs                  the runs under the folder (JSON, runs.ts)
//   GET /api/runs/stream           SSE: `event: runs` with the list each time it changes
//   GET /api/events?run=<id>       SSE: that run's events from `&from=` / Last-Event-ID on (sse.ts)
// Requests whose Host is not this loopback address are refused: a web page elsewhere cannot read
// the runs (prompts, sample generations) through DNS rebinding.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { renderPage } from './page.js';
import { listRuns, type RunInfo } from './runs.js';
import { openStream, sseMessage, startOffset, streamEvents } from './sse.js';

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

export interface DashboardOptions {
  /** the folder whose runs are shown (each sub-folder with a tunekit-events.jsonl) */
  runsDir: string;
  /** 0 (default): a free port the system picks */
  port?: number;
  /** a loopback address: 127.0.0.1 (default), ::1 or localhost; the page is for this machine (`ssh -L` shows it on another) */
  host?: string;
  /** how often files and the runs folder are polled, besides fs.watch (ms, default 500) */
  pollMs?: number;
  /** how many folder levels below runsDir are searched for runs (default 3) */
  maxDepth?: number;
}

export interface Dashboard {
  /** http://host:port/ */
  url: string;
  port: number;
  server: Server;
  /** stops the server and ends every open stream */
  close(): Promise<void>;
}

/**
 * Starts the dashboard and resolves once it listens.
 * @example const d = await startDashboard({ runsDir: 'runs' }); console.log(d.url); ...; await d.close();
 */
export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const runsDir = resolve(opts.runsDir);
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  const pollMs = opts.pollMs ?? 500;
  const maxDepth = opts.maxDepth ?? 3;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`dashboard: port must be an integer in 0..65535, got ${port}`);
  if (!LOOPBACK.includes(host)) throw new RangeError(`dashboard: host must be a loopback address (${LOOPBACK.join(', ')}): runs hold prompts and generations; got '${host}'`);
  if (!(pollMs > 0)) throw new RangeError(`dashboard: pollMs must be > 0, got ${pollMs}`);
  await listRuns(runsDir, maxDepth); // a missing folder fails now, with its name, not on the first request

  const streams = new Set<() => void>();
  const page = renderPage();
  let allowedHosts = new Set<string>();

  const runsStream = (req: IncomingMessage, res: ServerResponse): void => {
    openStream(res);
    let last = '';
    let closed = false;
    const tick = async (): Promise<void> => {
      const runs = await listRuns(runsDir, maxDepth).catch(() => null);
      if (closed || runs === null) return;
      const text = JSON.stringify(runs.map(publicRun));
      if (text !== last) res.write(sseMessage('runs', text));
      last = text;
    };
    const timer = setInterval(() => void tick(), pollMs);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const stop = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      clearInterval(beat);
      streams.delete(stop);
      if (!res.writableEnded) res.end();
    };
    streams.add(stop);
    req.on('close', stop);
    void tick();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) return send(res, 403, 'text/plain', `dashboard: Host '${req.headers.host ?? ''}' refused\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'dashboard: only GET\n');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', page);
    if (path === '/api/runs') return send(res, 200, 'application/json', JSON.stringify((await listRuns(runsDir, maxDepth)).map(publicRun)));
    if (path === '/api/runs/stream') return runsStream(req, res);
    if (path === '/api/events') {
      const id = url.searchParams.get('run');
      if (id === null) return send(res, 400, 'text/plain', 'dashboard: /api/events needs ?run=<id>\n');
      // only ids that listRuns found: a request can never name a file outside the runs folder
      const run = (await listRuns(runsDir, maxDepth)).find((r) => r.id === id);
      if (!run) return send(res, 404, 'text/plain', `dashboard: no run '${id}' under ${runsDir}\n`);
      let offset: number;
      try { offset = startOffset(req, url); } catch (e) { return send(res, 400, 'text/plain', `dashboard: ${(e as Error).message}\n`); }
      openStream(res);
      const stop = streamEvents(req, res, run.file, offset, { pollMs });
      streams.add(stop);
      req.on('close', () => streams.delete(stop));
      return;
    }
    if (path === '/favicon.ico') return send(res, 204, 'text/plain', '');
    return send(res, 404, 'text/plain', `dashboard: no page ${path}\n`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) send(res, 500, 'text/plain', `dashboard: ${e.message}\n`);
      else res.end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? new Error(`dashboard: port ${port} on ${host} is in use (pick another with --port, or 0 for any free one)`) : e));
    server.listen(port, host, () => ok());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  allowedHosts = new Set([`${shown}:${bound}`, `localhost:${bound}`, `127.0.0.1:${bound}`, `[::1]:${bound}`].map((h) => h.toLowerCase()));
  return {
    url: `http://${shown}:${bound}/`,
    port: bound,
    server,
    close: async () => {
      for (const stop of [...streams]) stop();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/** What the page gets of a run (not the absolute paths of this machine's folders). */
function publicRun(r: RunInfo): Omit<RunInfo, 'dir' | 'file'> {
  const { dir: _d, file: _f, ...rest } = r;
  return rest;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
