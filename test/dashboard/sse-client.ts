// A minimal server-sent-events client over node:http for the dashboard tests: collects messages
// ({id, event, data}) and lets a test wait until a condition on them holds.
import { request, type IncomingMessage } from 'node:http';

export interface SseMessage { id?: string; event: string; data: string }

export class SseClient {
  readonly messages: SseMessage[] = [];
  status = 0;
  private res: IncomingMessage | null = null;
  private buf = '';
  private waiters: Array<() => void> = [];

  /** Connects to `url`; resolves once the response headers arrived. */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    await new Promise<void>((ok, fail) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        c.res = res;
        c.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => c.feed(chunk));
        ok();
      });
      req.on('error', fail);
      req.end();
    });
    return c;
  }

  private feed(chunk: string): void {
    this.buf += chunk;
    for (let i = this.buf.indexOf('\n\n'); i >= 0; i = this.buf.indexOf('\n\n')) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      const m: SseMessage = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const c = line.indexOf(':');
        const k = c < 0 ? line : line.slice(0, c);
        const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
        if (k === 'id') m.id = v;
        else if (k === 'event') m.event = v;
        else if (k === 'data') data.push(v);
      }
      if (data.length === 0) continue; // retry / comment blocks
      m.data = data.join('\n');
      this.messages.push(m);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** The messages of type `event`. */
  of(event: string): SseMessage[] { return this.messages.filter((m) => m.event === event); }

  /** Resolves when `cond()` holds; rejects after `ms` with `what` in the message. */
  async until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((ok) => { this.waiters.push(ok); setTimeout(ok, Math.min(left, 200)); });
    }
  }

  close(): void { this.res?.destroy(); }
}
