// The dashboard server: the SSE stream of a run (events written before and after connecting arrive
// once each, in file order, with byte-offset ids; Last-Event-ID resumes; a rewritten file resets),
// the runs stream (a new run appears), the page, and what it refuses (foreign Host, unknown runs,
// non-loopback hosts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENTS_FILE, startDashboard } from '../../src/dashboard/index.js';
import { SseClient } from './sse-client.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'tunekit-dashboard-'));
const line = (o: object): string => `${JSON.stringify(o)}\n`;
const log = (step: number, loss: number): string => line({ type: 'log', time: 1000 + step, step, logs: { loss } });

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('SSE: events before and after connecting arrive in order, once, with byte-offset ids; Last-Event-ID resumes', async (t) => {
  const root = tmp();
  mkdirSync(join(root, 'run1'));
  const f = join(root, 'run1', EVENTS_FILE);
  const first = line({ type: 'run_start', time: 1000, max_steps: 6, global_step: 0 }) + log(1, 2.5) + log(2, 2.25);
  writeFileSync(f, first);
  const d = await startDashboard({ runsDir: root, pollMs: 50 });
  t.after(() => d.close());
  assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);

  const c = await SseClient.connect(`${d.url}api/events?run=run1`);
  t.after(() => c.close());
  assert.equal(c.status, 200);
  await c.until(() => c.of('tunekit').length === 3, 'the 3 events already written');
  // appended after connecting: one at a time, then two at once, then one written in two pieces
  appendFileSync(f, log(3, 2.0));
  await c.until(() => c.of('tunekit').length === 4, 'step 3');
  appendFileSync(f, log(4, 1.75) + log(5, 1.5));
  const six = log(6, 1.25);
  appendFileSync(f, six.slice(0, 25));
  await c.until(() => c.of('tunekit').length === 6, 'steps 4 and 5');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(c.of('tunekit').length, 6, 'a partial line is not sent');
  appendFileSync(f, six.slice(25));
  await c.until(() => c.of('tunekit').length === 7, 'step 6');
  const msgs = c.of('tunekit');
  assert.deepEqual(msgs.map((m) => JSON.parse(m.data).step ?? 0), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(msgs.map((m) => JSON.parse(m.data).logs?.loss ?? null), [null, 2.5, 2.25, 2.0, 1.75, 1.5, 1.25]);
  // each id is the byte offset just past its line
  let end = 0;
  const lines = [first.split('\n').slice(0, 3).map((l) => `${l}\n`), log(3, 2.0), log(4, 1.75), log(5, 1.5), six].flat();
  assert.deepEqual(msgs.map((m) => Number(m.id)), lines.map((l) => (end += Buffer.byteLength(l))));
  assert.equal(c.of('warning').length, 0);

  // a reconnecting client sends the last id it saw: it gets only what came after
  const resumed = await SseClient.connect(`${d.url}api/events?run=run1`, { 'last-event-id': msgs[4]!.id! });
  t.after(() => resumed.close());
  await resumed.until(() => resumed.of('tunekit').length === 2, 'steps 5 and 6 after Last-Event-ID');
  assert.deepEqual(resumed.of('tunekit').map((m) => JSON.parse(m.data).step), [5, 6]);
  const fromQuery = await SseClient.connect(`${d.url}api/events?run=run1&from=${msgs[5]!.id}`);
  t.after(() => fromQuery.close());
  await fromQuery.until(() => fromQuery.of('tunekit').length === 1, 'step 6 from ?from=');

  // a new run rewrites the file: a reset, then the new file from its start
  writeFileSync(f, line({ type: 'run_start', time: 2000, max_steps: 2, global_step: 0 }));
  await c.until(() => c.of('reset').length === 1 && c.of('tunekit').length === 8, 'reset + the new run_start');
  assert.equal(JSON.parse(c.of('tunekit')[7]!.data).time, 2000);
  // a corrupt line: skipped with a warning, the stream goes on
  appendFileSync(f, 'not json\n' + log(1, 0.5));
  await c.until(() => c.of('tunekit').length === 9 && c.of('warning').length === 1, 'a warning and step 1');
  assert.match(JSON.parse(c.of('warning')[0]!.data).message, /is not a JSON event; skipped/);
});

test('runs stream and API: a run that appears later is announced; the page is one self-contained document', async (t) => {
  const root = tmp();
  const d = await startDashboard({ runsDir: root, pollMs: 50 });
  t.after(() => d.close());
  const runs = await SseClient.connect(`${d.url}api/runs/stream`);
  t.after(() => runs.close());
  await runs.until(() => runs.of('runs').length === 1, 'the first (empty) list');
  assert.deepEqual(JSON.parse(runs.of('runs')[0]!.data), []);
  mkdirSync(join(root, 'new-run'));
  writeFileSync(join(root, 'new-run', EVENTS_FILE), line({ type: 'run_start', time: 1, run_name: 'r', model: 'tiny', max_steps: 4, global_step: 0 }));
  await runs.until(() => runs.of('runs').length === 2, 'the list with the new run');
  const listed = JSON.parse(runs.of('runs')[1]!.data) as Array<Record<string, unknown>>;
  assert.deepEqual(listed.map((r) => [r.id, r.model, r.max_steps, r.finished]), [['new-run', 'tiny', 4, false]]);
  assert.ok(!('file' in listed[0]!) && !('dir' in listed[0]!), 'no absolute paths leave the server');

  const api = await get(`${d.url}api/runs`);
  assert.equal(api.status, 200);
  assert.deepEqual((JSON.parse(api.body) as Array<{ id: string }>).map((r) => r.id), ['new-run']);
  const page = await get(d.url);
  assert.equal(page.status, 200);
  assert.match(page.type, /text\/html/);
  assert.match(page.body, /<script>[\s\S]*EventSource[\s\S]*<\/script>/);
  assert.doesNotMatch(page.body, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'nothing loaded from elsewhere');
});

test('refused: foreign Host headers, unknown or escaping run ids, bad offsets, non-loopback hosts, missing folders', async (t) => {
  const root = tmp();
  mkdirSync(join(root, 'r'));
  writeFileSync(join(root, 'r', EVENTS_FILE), line({ type: 'run_start', time: 1 }));
  writeFileSync(join(root, 'secret.jsonl'), line({ type: 'run_start', time: 1 }));
  const d = await startDashboard({ runsDir: root, pollMs: 50 });
  t.after(() => d.close());
  assert.equal((await get(d.url, { host: 'evil.example:80' })).status, 403, 'DNS rebinding: a foreign Host is refused');
  assert.equal((await get(d.url.replace('127.0.0.1', 'localhost'))).status, 200);
  const missing = await get(`${d.url}api/events?run=nope`);
  assert.equal(missing.status, 404);
  assert.match(missing.body, /no run 'nope'/);
  assert.equal((await get(`${d.url}api/events?run=..%2F..%2Fetc`)).status, 404);
  assert.equal((await get(`${d.url}api/events?run=r&from=abc`)).status, 400);
  assert.equal((await get(`${d.url}api/events`)).status, 400);
  assert.equal((await get(`${d.url}api/nothing`)).status, 404);
  await assert.rejects(startDashboard({ runsDir: root, host: '0.0.0.0' }), /host must be a loopback address/);
  await assert.rejects(startDashboard({ runsDir: join(root, 'missing') }), /runs folder '.*missing' does not exist/);
  await assert.rejects(startDashboard({ runsDir: root, port: d.port }), new RegExp(`port ${d.port} on 127.0.0.1 is in use`));
});
