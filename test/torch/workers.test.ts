// The addon from several threads at once: the main thread and two worker_threads each run checked
// matmuls on their own tensors.  Handles are per environment (native/src/core.cc), so no thread
// can reach or free another's tensors; before that, one process-wide table crashed the process
// (SIGSEGV, "malloc(): unaligned tcache chunk") in about half the runs, or returned wrong products.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import * as torch from '../../src/torch/index.js';
import { runRounds } from './workers/rounds.js';

function startWorker(id: number, rounds: number, foreignHandle: number): Promise<{ ok: number; bad: string[]; freedForeign: boolean; live: number }> {
  // A worker does not inherit tsx's loader: its entry registers tsx, then imports the TS body.
  const body = new URL('./workers/matmul-worker.ts', import.meta.url).href;
  const entry = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(body)}); });`;
  const w = new Worker(entry, { eval: true, workerData: { id, rounds, foreignHandle } });
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`worker ${id} exited with ${code}`)); });
  });
}

test('main thread + 2 workers: checked matmuls, zero wrong results, no thread frees another\'s tensor', async () => {
  const rounds = 400;
  const mine = torch.full([3], 7).keep(); // a main-thread tensor whose handle the workers try to free
  const before = torch.liveTensorCount();
  for (let rep = 0; rep < 3; rep++) {
    const workers = [startWorker(1, rounds, mine._h), startWorker(2, rounds, mine._h)];
    // Give the workers time to start, then compute on this thread while they do.
    await new Promise((r) => setTimeout(r, 30));
    const main = runRounds(0, rounds);
    const results = await Promise.all(workers);
    assert.deepEqual(main.bad, []);
    assert.equal(main.ok, rounds);
    for (const r of results) {
      assert.deepEqual(r.bad, []);
      assert.equal(r.ok, rounds);
      assert.equal(r.freedForeign, false, 'a worker freed a handle of another thread');
      assert.equal(r.live, 0, 'each worker counts only its own tensors');
    }
  }
  assert.equal(mine.isDisposed, false);
  assert.deepEqual(mine.toArray(), [7, 7, 7]);
  assert.equal(torch.liveTensorCount(), before);
  mine.dispose();
});
