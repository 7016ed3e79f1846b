// ProgressBar: one redrawn line on a terminal (count/total, rate, ETA), quiet or a few plain lines
// on a pipe / CI, the global switch, and tqdm's duration format. A fake clock drives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressBar, disableProgressBars, enableProgressBars, formatDuration } from '../../src/data/index.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 100, write: (s: string) => out.push(s) } };
}

test('terminal: redraws one line with count/total, percentage, rate and ETA, throttled', () => {
  const saved = process.env.CI;
  delete process.env.CI;
  try {
    let now = 0;
    const { out, stream } = sink(true);
    const bar = new ProgressBar({ total: 3668, desc: 'Map', stream, now: () => now });
    now = 1000;
    bar.update(1000);
    now = 1050; // within 100 ms: no redraw
    bar.update(10);
    now = 2000;
    bar.update(824);
    bar.close();
    assert.ok(out.every((s, i) => (i === out.length - 1 ? s === '\n' : s.startsWith('\r'))));
    assert.equal(out.length, 5); // initial, 1000, 1834, final, newline
    assert.match(out[1]!, /^\rMap:  27%\|█+ +\| 1000\/3668 \[00:01<00:03, 1000 ex\/s\]\x1b\[K$/);
    assert.match(out[3]!, /Map:  50%\|.*\| 1834\/3668 \[00:02<00:02, 917 ex\/s\]/);
  } finally {
    if (saved !== undefined) process.env.CI = saved;
  }
});

test('pipe or CI: nothing for quick work, a final plain line for slow work, interim lines every plainIntervalMs', () => {
  let now = 0;
  const quick = sink(false);
  const b1 = new ProgressBar({ total: 10, stream: quick.stream, now: () => now });
  b1.update(10);
  now = 500;
  b1.close();
  assert.deepEqual(quick.out, []);
  now = 0;
  const slow = sink(false);
  const b2 = new ProgressBar({ total: 100, desc: 'Filter', stream: slow.stream, now: () => now, plainIntervalMs: 10_000 });
  for (let k = 1; k <= 10; k++) {
    now = k * 3000;
    b2.update(10);
  }
  b2.close();
  assert.equal(slow.out.length, 2 + 1); // at 12 s and 24 s (10 s after the previous line), then the final line
  assert.ok(slow.out.every((s) => !s.includes('\r') && s.endsWith('\n')));
  assert.match(slow.out.at(-1)!, /^Filter: 100%.* 100\/100 \[00:30<00:00, 3.33 ex\/s\]\n$/);
  // CI=true makes even a TTY behave like a pipe
  const saved = process.env.CI;
  process.env.CI = 'true';
  try {
    const ci = sink(true);
    const b3 = new ProgressBar({ total: 5, stream: ci.stream, now: () => 0 });
    b3.update(5);
    b3.close();
    assert.deepEqual(ci.out, []);
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
});

test('disableProgressBars silences every bar; unknown totals show a count; postfix; durations', () => {
  disableProgressBars();
  try {
    const s = sink(true);
    const b = new ProgressBar({ total: 5, stream: s.stream });
    b.update(5);
    b.close();
    assert.deepEqual(s.out, []);
  } finally {
    enableProgressBars();
  }
  let now = 0;
  const b = new ProgressBar({ stream: sink(false).stream, now: () => now, unit: 'step' });
  now = 2000;
  b.update(50);
  b.setPostfix({ loss: 0.41234 });
  assert.equal(b.line(), '50 step [00:02, 25.00 step/s, loss=0.412]');
  assert.deepEqual([0, 59.6, 61, 3599, 3600, 7322].map(formatDuration), ['00:00', '01:00', '01:01', '59:59', '1:00:00', '2:02:02']);
});
