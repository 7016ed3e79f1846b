// The dashboard in a real browser (Debian's Chromium, headless, through playwright-core) following a
// real training run in a child process: the page lists the run, plots as many loss / eval_loss
// points as the events file holds, shows its last loss, and takes points and samples written after
// it loaded without a reload.  Screenshots go to $DASHBOARD_SCREENSHOT_DIR (scripts/dashboard-
// screenshots.ts points it at docs/images), else to a temp folder.  Chromium missing is a failure:
// scripts/install-system-deps.sh installs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { EVENTS_FILE, readAllEvents, startDashboard } from '../../src/dashboard/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const STEPS = 30;
const PAUSE_MS = 200; // per step
// the run holds after this step until the test has loaded the page and checked it shows the run in
// progress (it writes GATE): timing alone failed twice on busy CI machines (the run had finished first)
const GATE_STEP = 5;
const root = new URL('../..', import.meta.url).pathname;

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// page-side code goes as strings: this project's TypeScript has no DOM types
const points = async (page: Page, chart: string, series: string): Promise<number> =>
  Number(await page.getAttribute(`[data-chart="${chart}"] polyline[data-series="${series}"]`, 'data-points', { timeout: 5000 }).catch(() => -1) ?? -1);

test('dashboard in Chromium: follows a training run live, points and last loss equal the events written', { timeout: 180_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: install it (scripts/install-system-deps.sh installs Debian's chromium) or set CHROMIUM_PATH`);
  const shots = process.env.DASHBOARD_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'tunekit-dashboard-shots-'));
  mkdirSync(shots, { recursive: true });
  const runs = mkdtempSync(join(tmpdir(), 'tunekit-dashboard-runs-'));
  const file = join(runs, 'tiny-lm', EVENTS_FILE);
  const events = async (): Promise<Array<Record<string, unknown>>> => (await readAllEvents(file)).map((e) => e.event);

  const gate = join(runs, 'page-loaded');
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/dashboard/fixtures/slow-train.ts', join(runs, 'tiny-lm'), String(STEPS), String(PAUSE_MS), gate, String(GATE_STEP)],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });

  const d = await startDashboard({ runsDir: runs, pollMs: 100 });
  t.after(() => d.close());
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // training under way: a few losses written, far from the last step
  await until('the first losses', async () => (await events()).filter((e) => e.type === 'log' && 'loss' in (e.logs as object)).length >= 3);
  await page.goto(d.url);
  await page.evaluate('window.loadedOnce = 1');
  await page.waitForSelector('#run-list li[data-run="tiny-lm"].selected');
  assert.match(await page.textContent('#run-list li[data-run="tiny-lm"]') ?? '', /tiny-lm.*running.*TinyLM · step \d+ \/ 30/s);
  const atLoad = await until('the loss curve', async () => { const n = await points(page, 'loss', 'loss'); return n > 0 ? n : null; });
  assert.ok(atLoad <= GATE_STEP, `the page loaded mid-run (${atLoad} of ${STEPS} losses)`);
  writeFileSync(gate, '');
  // points appended after the page loaded appear without a reload
  await until('a loss point written after load', async () => (await points(page, 'loss', 'loss')) > atLoad, 30_000);
  assert.equal(await page.evaluate('window.loadedOnce'), 1, 'no reload');
  await until('a few more steps', async () => (await points(page, 'loss', 'loss')) >= Math.min(STEPS - 5, atLoad + 8), 30_000);
  assert.equal(await page.getAttribute('#conn', 'data-state'), 'live');
  assert.match(await page.textContent('#stat-eta .value') ?? '', /^\d+s$|^\d+m \d+s$/, 'an ETA while training');
  assert.ok(Number(await page.getAttribute('#stat-throughput .value', 'data-value')) > 0, 'a throughput while training');
  await page.screenshot({ path: join(shots, 'dashboard-live.png'), fullPage: true });

  assert.equal(await exited, 0, `the training child failed:\n${stderr}`);
  await page.waitForFunction(`document.querySelector('#stat-status .value')?.textContent === 'finished'`, null, { timeout: 10_000 });
  await page.waitForFunction(`Number(document.body.dataset.events) === ${(await events()).length}`, null, { timeout: 10_000 });
  const ev = await events();
  const losses = ev.filter((e) => e.type === 'log' && 'loss' in (e.logs as object)).map((e) => (e.logs as { loss: number }).loss);
  const evals = ev.filter((e) => e.type === 'log' && 'eval_loss' in (e.logs as object));
  const samples = ev.filter((e) => e.type === 'sample');
  assert.equal(losses.length, STEPS);
  assert.equal(await points(page, 'loss', 'loss'), losses.length, 'one plotted point per logged loss');
  assert.equal(await points(page, 'loss', 'eval_loss'), evals.length);
  assert.equal(await points(page, 'learning_rate', 'learning_rate'), STEPS);
  assert.equal(await points(page, 'grad_norm', 'grad_norm'), STEPS);
  assert.equal(Number(await page.getAttribute('#stat-loss .value', 'data-value')), losses[losses.length - 1]);
  assert.equal(await page.textContent('#stat-loss .value'), String(losses[losses.length - 1]));
  assert.equal(await page.textContent('#stat-step .value'), `${STEPS} / ${STEPS}`);
  assert.equal(await page.locator('#samples tbody tr').count(), samples.length);
  assert.equal(await page.locator('#memory-section').isHidden(), true, 'no GPU memory on a CPU run');
  assert.equal(await page.textContent('#run-title'), 'tiny-lm');

  // a sample appended to the finished run's file shows up live, first in the table
  appendFileSync(file, `${JSON.stringify({ type: 'sample', time: Date.now(), step: STEPS, prompt: 'Once upon a time', text: 'there was a <b>tiny</b> model' })}\n`);
  await page.waitForFunction(`document.querySelectorAll('#samples tbody tr').length === ${samples.length + 1}`, null, { timeout: 10_000 });
  assert.equal(await page.textContent('#samples tbody tr:first-child td:nth-child(3)'), 'there was a <b>tiny</b> model', 'text, not HTML');
  await page.screenshot({ path: join(shots, 'dashboard-run.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no script errors on the page');
});
