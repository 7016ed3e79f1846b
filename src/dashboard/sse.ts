// sse.ts — server-sent events for one client following one run's events file.  Each event goes out
// as `id: <byte offset past its line>`, so a reconnecting EventSource (which sends the last id as the
// Last-Event-ID header) resumes exactly where it stopped: each client has its own offset.  New lines
// are noticed by fs.watch and, because watch is unreliable on network and some container file
// systems, by polling too.
import { watch, type FSWatcher } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readEvents } from './events.js';

export interface StreamOptions {
  /** how often the file is polled besides fs.watch (ms) */
  pollMs: number;
  /** a comment line this often keeps proxies and idle timeouts from closing the stream (ms) */
  heartbeatMs?: number;
}

/** The starting offset: the Last-Event-ID header (a reconnect), else `?from=`, else 0. */
export function startOffset(req: IncomingMessage, url: URL): number {
  const raw = (req.headers['last-event-id'] as string | undefined) ?? url.searchParams.get('from') ?? '0';
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) throw new RangeError(`bad event id '${raw}': expected a byte offset`);
  return n;
}

/** Writes the SSE response headers. */
export function openStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 1000\n\n'); // reconnect after 1 s when the connection drops
}

/** One SSE message; `data` must be a single line (JSON.stringify output is). */
export function sseMessage(event: string, data: string, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`;
}

/**
 * Streams `file` from `offset` to `res` until the client goes away: every complete line as an
 * `event: tunekit` message, `event: reset` when the file was rewritten (the client clears what it
 * has and gets the new file from the start), `event: warning` for a line that is not an event.
 * Returns a function that stops it.
 */
export function streamEvents(req: IncomingMessage, res: ServerResponse, file: string, offset: number, opts: StreamOptions): () => void {
  let closed = false;
  let busy = false;
  let again = false;
  let watcher: FSWatcher | null = null;

  const pump = async (): Promise<void> => {
    if (closed) return;
    if (busy) { again = true; return; } // one read at a time keeps the messages in file order
    busy = true;
    try {
      do {
        again = false;
        const r = await readEvents(file, offset);
        if (closed) return;
        let out = r.reset ? sseMessage('reset', JSON.stringify({ reason: 'the events file was rewritten' }), 0) : '';
        for (const at of r.invalid) out += sseMessage('warning', JSON.stringify({ message: `${file}: the line at byte ${at} is not a JSON event; skipped` }));
        for (const e of r.events) out += sseMessage('tunekit', e.line, e.end);
        if (out) res.write(out);
        if (r.offset !== offset) again = true; // more than one chunk waiting
        offset = r.offset;
        ensureWatch();
      } while (again && !closed);
    } catch (e) {
      if (!closed) res.write(sseMessage('warning', JSON.stringify({ message: `reading ${file}: ${(e as Error).message}` })));
    } finally {
      busy = false;
    }
  };

  // the file may not exist yet (a run folder made before training starts): watch once it does
  const ensureWatch = (): void => {
    if (watcher || closed) return;
    try {
      watcher = watch(file, { persistent: false }, () => void pump());
      watcher.on('error', () => { watcher?.close(); watcher = null; });
    } catch {
      watcher = null; // polling carries on
    }
  };

  const poll = setInterval(() => void pump(), opts.pollMs);
  const beat = setInterval(() => { if (!closed) res.write(': keep-alive\n\n'); }, opts.heartbeatMs ?? 15_000);
  const stop = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(poll);
    clearInterval(beat);
    watcher?.close();
    if (!res.writableEnded) res.end();
  };
  req.on('close', stop);
  res.on('error', stop);
  void pump();
  return stop;
}
