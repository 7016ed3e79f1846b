// docs/from-python.md cannot rot: every ```ts block on the page is type-checked with the repository's
// compiler options and run with `node --import tsx` (the blocks of one section as one module), against
// the loopback Hub for the Hub ids it names (doc-hub.ts). Each `// → value` comment must match what the
// run printed, in order. A block may be marked ```ts typecheck-only (type-checked, not run) only when it
// loads a dataset by Hub id, for a Hub the loopback server cannot imitate; today none is. A map whose
// closure tunekit cannot see must not happen on this page: its warning fails the run, and a map with
// `captures` must leave its cache file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractBlocks, typecheck, writeModules, type DocModule } from './doc-blocks.js';
import { startDocHub, WRITE_TOKEN } from './doc-hub.js';
import type { hubEnv } from '../hub/env.js';
import { sharedDir } from '../helpers.js';
import type { FakeHub } from '../hub/server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = 'docs/from-python.md';
/** Generated modules live inside the repository, so `import ... from 'tunekit'` resolves to this package. */
const WORK = join(ROOT, '.scratch', `docs-from-python-${process.pid}`);
/** Children at once: the machine has 2 cores, and each child uses one thread. */
const CONCURRENCY = 2;
const CHILD_TIMEOUT_MS = 120_000;

const blocks = extractBlocks(readFileSync(join(ROOT, DOC), 'utf8'), DOC);
rmSync(WORK, { recursive: true, force: true });
const modules = writeModules(blocks, join(WORK, 'modules'), sharedDir().replace(/\/$/, ''));
const runnable = modules.filter((m) => !m.typecheckOnly);

let hub: FakeHub;
let env: ReturnType<typeof hubEnv>;
let runs: Map<string, Promise<Run>>;

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; seconds: number }

/** Runs one module in its own working folder (its `out/...` files land there). */
function runModule(m: DocModule): Promise<Run> {
  const cwd = join(WORK, 'cwd', m.name);
  mkdirSync(cwd, { recursive: true });
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', m.file], {
      cwd, stdio: ['ignore', 'pipe', 'pipe'],
      // a Hub cache per program: two processes downloading one file into one cache race (see the report in the header)
      env: {
        ...process.env, CI: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', HF_TOKEN: WRITE_TOKEN,
        HF_HUB_CACHE: join(cwd, '.hf-cache'), TUNEKIT_DATASETS_CACHE: join(cwd, '.datasets-cache'),
      },
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** Starts every runnable module, CONCURRENCY at a time; each test awaits its own. */
function startAll(): Map<string, Promise<Run>> {
  const out = new Map<string, Promise<Run>>();
  let next = 0;
  const gates: Array<() => void> = [];
  const release = (): void => { gates.shift()?.(); };
  for (const m of runnable) {
    const mine = next++;
    const gate = mine < CONCURRENCY ? Promise.resolve() : new Promise<void>((r) => gates.push(r));
    out.set(m.name, gate.then(() => runModule(m)).finally(release));
  }
  return out;
}

before(async () => {
  ({ hub, env } = await startDocHub()); // HF_ENDPOINT, HF_HOME and HF_HUB_CACHE in a temp folder, inherited by the children
  runs = startAll();
});
after(async () => {
  await Promise.allSettled([...(runs?.values() ?? [])]);
  await hub?.stop();
  env?.restore();
  rmSync(WORK, { recursive: true, force: true });
});

test('the page has tunekit blocks in every section, and only Hub-id dataset blocks are left unrun', () => {
  const sections = [...new Set(blocks.map((b) => b.section))];
  for (const s of ['Datasets', 'Tokenizers', 'Models', 'Trainer and TrainingArguments', 'Metrics', 'Pipelines', 'A custom training loop',
    'PEFT (LoRA)', 'Supervised fine-tuning (TRL)', 'Seq2Seq (T5, Flan-T5)', 'Generation'])
    assert.ok(sections.includes(s), `section '${s}' has no \`\`\`ts block (sections with blocks: ${sections.join(', ')})`);
  for (const b of blocks.filter((x) => x.typecheckOnly)) {
    const text = b.code.join('\n');
    assert.match(text, /loadDataset\(\s*'[\w.-]+\/[\w.-]+'/, `${DOC}:${b.line}: a typecheck-only block must load a dataset by Hub id; every other block runs`);
  }
  assert.ok(runnable.length >= 11, `${runnable.length} runnable modules`);
  assert.ok(runnable.every((m) => m.expected.length > 0), `every section checks printed values: ${runnable.filter((m) => !m.expected.length).map((m) => m.section).join(', ')}`);
});

test('block extraction: sections, typecheck-only, and fences that would escape the test are errors', () => {
  const md = ['## A', '```ts', 'const a = 1; // → 1', '```', '```python', 'x = 1', '```', '## B', '```ts typecheck-only', 'b();', '```', '```ts', 'c();', '```'].join('\n');
  const got = extractBlocks(md, 'x.md');
  assert.deepEqual(got.map((b) => [b.section, b.typecheckOnly, b.line, b.code]), [
    ['A', false, 3, ['const a = 1; // → 1']], ['B', true, 10, ['b();']], ['B', false, 13, ['c();']],
  ]);
  assert.throws(() => extractBlocks('```ts run-later\nx\n```', 'x.md'), /x\.md:1: unknown annotation 'run-later'/);
  assert.throws(() => extractBlocks('```typescript\nx\n```', 'x.md'), /x\.md:1: write tunekit code as ```ts/);
  assert.throws(() => extractBlocks('```ts\nx', 'x.md'), /x\.md:1: the code fence is never closed/);
});

test('every block type-checks (strict, as the repository)', () => {
  const errors = typecheck(modules, ROOT, DOC);
  assert.deepEqual(errors, [], `type errors in ${DOC}:\n${errors.join('\n')}`);
});

for (const m of runnable) {
  test(`runs: ${m.section} (${DOC}:${m.blocks[0]!.line})`, async () => {
    const r = await runs.get(m.name)!;
    const tail = `\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
    assert.equal(r.signal, null, `killed by ${r.signal} after ${r.seconds.toFixed(0)} s (deadline ${CHILD_TIMEOUT_MS / 1000} s)${tail}`);
    assert.equal(r.code, 0, `exit code ${r.code}${tail}`);
    assert.doesNotMatch(r.stderr, /TUNEKIT_DATASETS_UNHASHABLE/, `a map on this page is not cached: give its closure in captures${tail}`);
    if (m.blocks.some((b) => b.code.some((l) => /captures: \{/.test(l)))) {
      // what the page says captures buys: the map results of file-backed data were written to the cache
      const cached = readdirSync(join(WORK, 'cwd', m.name, '.datasets-cache'), { recursive: true }).filter((f) => /cache-[0-9a-f]{16}\.arrow$/.test(String(f)));
      assert.ok(cached.length > 0, `${m.section}: a map with captures wrote no cache-<fingerprint>.arrow file${tail}`);
    }
    // console.log breaks long arrays and objects over lines: compare with every run of whitespace as one space
    const printed = squash(r.stdout);
    let at = 0;
    for (const e of m.expected) {
      const want = squash(e.text);
      const found = printed.indexOf(want, at);
      assert.ok(found >= 0, `${DOC}:${e.line}: expected the program to print ${JSON.stringify(e.text)} (after what it printed before)${tail}`);
      at = found + want.length;
    }
  });
}
