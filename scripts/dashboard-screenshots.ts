// Refreshes docs/images/dashboard-*.png: runs the dashboard's browser test (test/dashboard/
// browser.test.ts: a real training run followed live in headless Chromium) with its screenshots
// pointed at docs/images instead of a temp folder.  The test suite itself never writes tracked files.
//   node --import tsx scripts/dashboard-screenshots.ts
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'docs', 'images');
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', 'test/dashboard/browser.test.ts'], {
  cwd: root, stdio: 'inherit', env: { ...process.env, DASHBOARD_SCREENSHOT_DIR: out },
});
if (r.status !== 0) {
  console.error('dashboard-screenshots: the browser test failed; docs/images may hold a partial refresh');
  process.exit(r.status ?? 1);
}
for (const f of readdirSync(out).filter((n) => n.startsWith('dashboard-') && n.endsWith('.png')))
  console.log(`${join('docs/images', f)}  ${(statSync(join(out, f)).size / 1024).toFixed(0)} KiB`);
