// `tunekit dashboard` as a command: usage errors name the folder or flag; a real run serves the page,
// prints its URL, and exits 130 on SIGINT (as `tunekit serve` does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dashboard from '../../src/cli/commands/dashboard.js';
import { EXIT, UsageError } from '../../src/cli/command.js';

const root = new URL('../..', import.meta.url).pathname;

test('tunekit dashboard: usage errors', async () => {
  assert.equal(dashboard.name, 'dashboard');
  assert.match(dashboard.help, /usage: tunekit dashboard \[runs dir\]/);
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-dash-cli-'));
  await assert.rejects(dashboard.run([join(dir, 'missing')]), (e: Error) => e instanceof UsageError && /runs folder '.*missing' does not exist/.test(e.message));
  writeFileSync(join(dir, 'f.txt'), 'x');
  await assert.rejects(dashboard.run([join(dir, 'f.txt')]), /is not a folder/);
  await assert.rejects(dashboard.run([dir, '--port', '70000']), /--port must be an integer in \[0, 65535\], got 70000/);
  await assert.rejects(dashboard.run([dir, '--prot', '1']), /unknown flag '--prot' — did you mean '--port'\?/);
  await assert.rejects(dashboard.run([dir, 'other']), /expected \[runs dir\]/);
});

test('tunekit dashboard: serves the runs folder, prints the URL, exits 130 on SIGINT', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-dash-cli-'));
  const script = `import d from './src/cli/commands/dashboard.ts'; process.exitCode = await d.run(${JSON.stringify([dir, '--port', '0'])});`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setInterval(() => {
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) { clearInterval(timer); ok(m[1]!); }
      if (child.exitCode !== null) { clearInterval(timer); fail(new Error(`exited early: ${out}`)); }
    }, 50);
  });
  assert.match(out, /tunekit dashboard: 0 runs under /);
  const status = await new Promise<number>((ok, fail) => get(url, (res) => { res.resume(); ok(res.statusCode ?? 0); }).on('error', fail));
  assert.equal(status, 200);
  child.kill('SIGINT');
  assert.equal(await exited, EXIT.INTERRUPTED, out);
  assert.match(out, /SIGINT, closing/);
});
