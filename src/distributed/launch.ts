// launch.ts — a torchrun-style launcher (static rendezvous): starts --nproc-per-node copies of a
// script with torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT, GROUP_RANK), watches them, and when one fails stops the others and names it — as
// torchrun's elastic agent does — so a dead rank never leaves the job hanging.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface LaunchOptions {
  nproc_per_node: number;
  nnodes?: number;
  node_rank?: number;
  master_addr?: string;
  /** 0 with a single node: a free port is picked (torchrun --standalone) */
  master_port?: number;
  /** the script (.ts through tsx, .js/.mjs as is) and its arguments */
  script: string;
  args?: string[];
  /** seconds between SIGTERM and SIGKILL when stopping the other ranks (torchrun: 30) */
  grace_s?: number;
  /** extra environment for every rank */
  env?: NodeJS.ProcessEnv;
  /** where the launcher reports (default: stderr) */
  log?: (line: string) => void;
}

export interface RankExit { rank: number; localRank: number; pid: number; code: number | null; signal: NodeJS.Signals | null }
export interface LaunchResult { ok: boolean; exits: RankExit[]; failed: RankExit | null; message: string }

/** A free TCP port on 127.0.0.1 (for a single-node job without --master-port). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

function describe(e: RankExit): string {
  const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
  return `rank ${e.rank} (local_rank ${e.localRank}, pid ${e.pid}) ${how}`;
}

/** Starts the ranks of this node and resolves when all have exited (or the first failure has stopped the rest). */
export async function launch(o: LaunchOptions): Promise<LaunchResult> {
  const n = o.nproc_per_node, nnodes = o.nnodes ?? 1, nodeRank = o.node_rank ?? 0;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--nproc-per-node must be a positive integer, got ${n}`);
  if (!Number.isInteger(nnodes) || nnodes < 1) throw new RangeError(`--nnodes must be a positive integer, got ${nnodes}`);
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= nnodes) throw new RangeError(`--node-rank ${nodeRank} is outside 0..${nnodes - 1} (--nnodes ${nnodes})`);
  const script = resolve(o.script);
  if (!existsSync(script)) throw new RangeError(`launch: script ${o.script} does not exist`);
  let port = o.master_port ?? 29500;
  if (port === 0) {
    if (nnodes > 1) throw new RangeError('--master-port 0 (pick a free port) works on one node only: every node must be given the same port');
    port = await freePort();
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`--master-port must be a TCP port (1..65535), got ${port}`);
  const addr = o.master_addr ?? '127.0.0.1';
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const worldSize = n * nnodes;
  const execArgv = /\.(c|m)?ts$/.test(script) ? ['--import', 'tsx'] : [];
  const children: { child: ChildProcess; rank: number; localRank: number }[] = [];
  for (let local = 0; local < n; local++) {
    const rank = nodeRank * n + local;
    const env: NodeJS.ProcessEnv = {
      ...process.env, ...o.env,
      RANK: String(rank), LOCAL_RANK: String(local), WORLD_SIZE: String(worldSize), LOCAL_WORLD_SIZE: String(n),
      GROUP_RANK: String(nodeRank), ROLE_RANK: String(rank), ROLE_WORLD_SIZE: String(worldSize),
      MASTER_ADDR: addr, MASTER_PORT: String(port),
      // torchrun: one OpenMP thread per process unless the user says otherwise (2 cores, 2 ranks)
      OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? o.env?.OMP_NUM_THREADS ?? (n > 1 ? '1' : undefined),
    };
    const child = spawn(process.execPath, [...execArgv, script, ...(o.args ?? [])], { env, stdio: 'inherit' });
    children.push({ child, rank, localRank: local });
  }
  log(`[tunekit launch] node ${nodeRank}/${nnodes}: started ranks ${nodeRank * n}..${nodeRank * n + n - 1} of ${worldSize} (rendezvous ${addr}:${port})`);

  const exits: RankExit[] = [];
  let failed: RankExit | null = null;
  let stopping = false;
  const stopOthers = (): void => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
    const t = setTimeout(() => {
      for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    }, (o.grace_s ?? 30) * 1000);
    t.unref();
  };
  const onSignal = (sig: NodeJS.Signals): void => { log(`[tunekit launch] got ${sig}: stopping every rank`); stopOthers(); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await Promise.all(children.map(({ child, rank, localRank }) => new Promise<void>((res) => {
      child.once('error', (err) => {
        const e: RankExit = { rank, localRank, pid: child.pid ?? -1, code: 1, signal: null };
        exits.push(e);
        if (!failed) { failed = e; log(`[tunekit launch] rank ${rank} could not start: ${err.message}`); stopOthers(); }
        res();
      });
      child.once('exit', (code, signal) => {
        const e: RankExit = { rank, localRank, pid: child.pid ?? -1, code, signal };
        exits.push(e);
        if ((code !== 0 || signal) && !failed && !stopping) {
          failed = e;
          log(`[tunekit launch] ${describe(e)}; stopping the other ranks`);
          stopOthers();
        }
        res();
      });
    })));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  exits.sort((a, b) => a.rank - b.rank);
  const f = failed as RankExit | null;
  const message = f ? `failed: ${describe(f)} (first failure; the other ranks were stopped)` : `all ${n} ranks of node ${nodeRank} exited with code 0`;
  log(`[tunekit launch] ${message}`);
  return { ok: f === null && exits.every((e) => e.code === 0), exits, failed: f, message };
}
