// test/cli/helpers.ts — runs `bin/tunekit.mjs` in a child process (as a user's shell would) and
// collects its exit code and output.  One OpenMP thread per child: the CLI tests run a few children
// side by side on a 2-core machine (see test/examples/child.ts for why oversubscription hurts).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/tunekit.mjs', import.meta.url));

export interface CliRun { code: number | null; stdout: string; stderr: string; output: string }

/** `tunekit ...args` from the repository root; resolves (never rejects) when the child exits. */
export function tunekit(args: readonly string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<CliRun> {
  const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', TUNEKIT_DISABLE_CACHING: '1' };
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', output = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; output += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('close', (code) => { clearTimeout(timer); done({ code, stdout, stderr, output }); });
  });
}
