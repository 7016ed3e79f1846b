// The dashboard's events reader (complete lines only, from a byte offset; a rewritten file restarts)
// and the runs listing (every folder with a tunekit-events.jsonl, new runs appear, summaries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENTS_FILE, listRuns, readAllEvents, readEvents } from '../../src/dashboard/index.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'tunekit-dashboard-'));
const line = (o: object): string => `${JSON.stringify(o)}\n`;

test('readEvents: complete lines only; a partial last line waits for its newline', async () => {
  const f = join(tmp(), EVENTS_FILE);
  const a = line({ type: 'log', time: 1, step: 1, logs: { loss: 2.5 } });
  const b = line({ type: 'log', time: 2, step: 2, logs: { loss: 2.25 } });
  const c = line({ type: 'sample', time: 3, step: 2, prompt: 'Once', text: 'upon a time — «ü» 🙂' });
  const bytes = Buffer.from(c);
  const cut = bytes.indexOf(Buffer.from('🙂')) + 2; // inside the 4-byte emoji
  writeFileSync(f, Buffer.concat([Buffer.from(a + b), bytes.subarray(0, 20)]));
  const r1 = await readEvents(f, 0);
  assert.deepEqual(r1.events.map((e) => e.event.step), [1, 2]);
  assert.equal(r1.offset, Buffer.byteLength(a + b), 'the offset stops before the partial line');
  assert.equal(r1.events[1]!.end, r1.offset);
  assert.equal(r1.reset, false);
  // more of the line arrives, cut inside a multi-byte character, then the rest: decoded whole
  appendFileSync(f, bytes.subarray(20, cut));
  assert.equal((await readEvents(f, r1.offset)).events.length, 0, 'still no newline');
  appendFileSync(f, bytes.subarray(cut));
  const r2 = await readEvents(f, r1.offset);
  assert.equal(r2.events.length, 1);
  assert.equal(r2.events[0]!.event.text, 'upon a time — «ü» 🙂');
  assert.equal(r2.offset, Buffer.byteLength(a + b + c));
  assert.deepEqual(await readEvents(f, r2.offset), { events: [], offset: r2.offset, invalid: [], reset: false });
});

test('readEvents: lines that are not events are skipped and reported by byte offset; a shorter file restarts', async () => {
  const f = join(tmp(), EVENTS_FILE);
  const a = line({ type: 'run_start', time: 1, global_step: 0 });
  const bad = '{"type": "log", "ti\n'; // a line cut by a crash, then a restart appended after it
  const arr = '[1, 2]\r\n';
  const b = line({ type: 'log', time: 2, step: 1, logs: { loss: 1 } });
  writeFileSync(f, a + bad + arr + '\n' + b);
  const r = await readEvents(f);
  assert.deepEqual(r.events.map((e) => e.event.type), ['run_start', 'log']);
  assert.deepEqual(r.invalid, [Buffer.byteLength(a), Buffer.byteLength(a + bad)]);
  assert.equal(r.offset, Buffer.byteLength(a + bad + arr + '\n' + b));
  // a new run rewrote the file: shorter than our offset
  writeFileSync(f, b);
  const again = await readEvents(f, r.offset);
  assert.equal(again.reset, true);
  assert.deepEqual(again.events.map((e) => e.event.step), [1]);
  assert.equal(again.offset, Buffer.byteLength(b));
  // a missing file is no events (a run folder made before its first write)
  assert.deepEqual(await readEvents(join(tmp(), 'nope.jsonl'), 0), { events: [], offset: 0, invalid: [], reset: false });
  await assert.rejects(readEvents(f, -1), /offset must be a byte count/);
});

test('readAllEvents: a file larger than one read chunk comes back whole and in order', async () => {
  const f = join(tmp(), EVENTS_FILE);
  const n = 30_000; // ~5 MiB: two 4 MiB chunks
  const pad = 'x'.repeat(150);
  writeFileSync(f, Array.from({ length: n }, (_, i) => line({ type: 'log', time: i, step: i, logs: { loss: i / 7 }, pad })).join(''));
  const all = await readAllEvents(f);
  assert.equal(all.length, n);
  assert.ok(all.every((e, i) => e.event.step === i), 'in file order');
  assert.equal(all[n - 1]!.event.logs && (all[n - 1]!.event.logs as { loss: number }).loss, (n - 1) / 7);
});

test('listRuns: every folder with an events file, nested ones too, checkpoints skipped; summaries from first and last lines', async () => {
  const root = tmp();
  await assert.rejects(listRuns(join(root, 'missing')), /runs folder '.*missing' does not exist/);
  assert.deepEqual(await listRuns(root), []);
  mkdirSync(join(root, 'a'));
  writeFileSync(join(root, 'a', EVENTS_FILE), line({ type: 'run_start', time: 1, run_name: 'A', model: 'stories260K', max_steps: 10, global_step: 0 }) +
    line({ type: 'log', time: 2, step: 4, logs: { loss: 1 } }) + '{"type": "progr');
  mkdirSync(join(root, 'b', 'logs'), { recursive: true });
  writeFileSync(join(root, 'b', 'logs', EVENTS_FILE), line({ type: 'run_start', time: 1, run_name: null, model: null, max_steps: 3, global_step: 0 }) +
    line({ type: 'train_end', time: 5, step: 3, epoch: 1 }));
  mkdirSync(join(root, 'a', 'checkpoint-5'));
  writeFileSync(join(root, 'a', 'checkpoint-5', EVENTS_FILE), line({ type: 'run_start', time: 1 }));
  mkdirSync(join(root, 'empty'));
  utimesSync(join(root, 'b', 'logs', EVENTS_FILE), new Date(1000_000), new Date(1000_000)); // b older than a, a older than c below
  utimesSync(join(root, 'a', EVENTS_FILE), new Date(2000_000), new Date(2000_000));
  const runs = await listRuns(root);
  assert.deepEqual(runs.map((r) => r.id), ['a', 'b/logs']);
  const [a, b] = runs;
  assert.deepEqual({ name: a!.run_name, model: a!.model, max: a!.max_steps, step: a!.step, done: a!.finished }, { name: 'A', model: 'stories260K', max: 10, step: 4, done: false });
  assert.deepEqual({ step: b!.step, done: b!.finished, max: b!.max_steps }, { step: 3, done: true, max: 3 });
  assert.equal((await listRuns(root, 1)).length, 1, 'maxDepth 1 does not reach b/logs');
  // a new run appears on the next listing; the root itself can be a run
  mkdirSync(join(root, 'c'));
  writeFileSync(join(root, 'c', EVENTS_FILE), line({ type: 'run_start', time: 9, max_steps: 2, global_step: 0 }));
  assert.deepEqual((await listRuns(root)).map((r) => r.id), ['c', 'a', 'b/logs']);
  assert.deepEqual((await listRuns(join(root, 'c'))).map((r) => r.id), ['.']);
});

test('listRuns: a long file is summarized from its head and tail, mid-line tails handled', async () => {
  const root = tmp();
  const f = join(root, EVENTS_FILE);
  let text = line({ type: 'run_start', time: 0, model: 'm', max_steps: 5000, global_step: 0 });
  for (let i = 1; i <= 5000; i++) text += line({ type: 'log', time: i, step: i, logs: { loss: 1 / i } });
  writeFileSync(f, text);
  const [r] = await listRuns(root);
  assert.deepEqual({ model: r!.model, max: r!.max_steps, step: r!.step, size: r!.size }, { model: 'm', max: 5000, step: 5000, size: Buffer.byteLength(text) });
});
