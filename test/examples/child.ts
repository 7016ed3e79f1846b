// test/examples/child.ts — runs an example script in a child process for the example smoke tests.
//
// Each examples-*.test.ts file starts its children together (2-4 at once), so the file's wall time
// is the slowest child's. On a 2-core machine, children that each keep libtorch's default of one
// OpenMP thread per core oversubscribe the cores, and OpenMP's spinning barriers then lose whole
// scheduler slices per op: a CI run measured 4.4 s per update where an unloaded run takes 0.3 s,
// and the child was killed at its deadline. One thread per child removes that; the deadline is
// generous because it is there to stop a hung child, not to measure speed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ExampleRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved as they came, plus a line saying so if the deadline killed it */
  output: string;
  /** the parsed `RESULT {...}` line the example prints last, or null */
  result: Record<string, any> | null;
}

export interface ExampleOptions {
  /** deadline for the child (ms); default 300 s */
  timeoutMs?: number;
  /** extra environment; CI=1 and one OpenMP / MKL thread are set unless given here */
  env?: Record<string, string>;
}

/** Runs `examples/<name>.ts` with `args`; resolves (never rejects) with its exit and output. */
export function runExampleScript(name: string, args: string[], opts: ExampleOptions = {}): Promise<ExampleRun> {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const env = { ...process.env, CI: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', ...opts.env };
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killed) output += `\n[test] examples/${name}.ts killed after ${timeoutMs / 1000} s\n`;
      const line = output.split('\n').find((l) => l.startsWith('RESULT '));
      done({ code, signal, output, result: line ? JSON.parse(line.slice('RESULT '.length)) : null });
    });
  });
}
