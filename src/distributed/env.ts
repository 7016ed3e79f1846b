// env.ts — torchrun's environment contract: what a launcher hands each process (RANK, LOCAL_RANK,
// WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, GROUP_RANK), and Slurm's variables
// mapped as torch maps them (SLURM_PROCID -> RANK, SLURM_LOCALID -> LOCAL_RANK, SLURM_NTASKS ->
// WORLD_SIZE), so a script runs the same under `tunekit launch`, torchrun or srun.

/** One process's place in the job. */
export interface DistEnv {
  rank: number;
  localRank: number;
  worldSize: number;
  localWorldSize: number;
  masterAddr: string;
  masterPort: number;
  /** the node's index (torchrun's GROUP_RANK) */
  nodeRank: number;
}

function intVar(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`environment variable ${name}='${v}' must be an integer >= ${min}`);
  return n;
}

/** The first host of a Slurm node list ('node[03-05,07]' -> 'node03'; 'a,b' -> 'a'). */
export function firstSlurmHost(list: string): string {
  const m = /^([^,[]+)(?:\[([^\]]+)\])?/.exec(list.trim());
  if (!m) return list;
  if (!m[2]) return m[1]!;
  const first = m[2].split(',')[0]!.split('-')[0]!;
  return m[1]! + first;
}

/**
 * The job layout from the environment, or null when this process was not launched as part of
 * one (no WORLD_SIZE / SLURM_NTASKS, or a world of 1 with no rank given).  Inconsistent values
 * (RANK >= WORLD_SIZE, a missing MASTER_PORT in a multi-process job, ...) are errors naming the variable.
 */
export function readDistEnv(env: NodeJS.ProcessEnv = process.env): DistEnv | null {
  const slurm = env.WORLD_SIZE === undefined && env.SLURM_NTASKS !== undefined && env.SLURM_PROCID !== undefined;
  const worldSize = slurm ? intVar(env, 'SLURM_NTASKS', 1) : intVar(env, 'WORLD_SIZE', 1);
  if (worldSize === undefined) return null;
  const rank = (slurm ? intVar(env, 'SLURM_PROCID', 0) : intVar(env, 'RANK', 0)) ?? (worldSize === 1 ? 0 : undefined);
  if (rank === undefined) throw new RangeError(`WORLD_SIZE=${worldSize} is set but RANK is not: launch with \`tunekit launch\` (or torchrun), which sets both`);
  if (rank >= worldSize) throw new RangeError(`RANK=${rank} is outside the world of WORLD_SIZE=${worldSize} processes (ranks 0..${worldSize - 1})`);
  const localRank = (slurm ? intVar(env, 'SLURM_LOCALID', 0) : intVar(env, 'LOCAL_RANK', 0)) ?? rank;
  const localWorldSize = (slurm ? intVar(env, 'SLURM_NTASKS_PER_NODE', 1) : intVar(env, 'LOCAL_WORLD_SIZE', 1)) ?? worldSize;
  if (localRank >= localWorldSize) throw new RangeError(`LOCAL_RANK=${localRank} is outside LOCAL_WORLD_SIZE=${localWorldSize}`);
  const masterAddr = env.MASTER_ADDR ?? (slurm && env.SLURM_JOB_NODELIST ? firstSlurmHost(env.SLURM_JOB_NODELIST) : worldSize === 1 ? '127.0.0.1' : undefined);
  if (masterAddr === undefined) throw new RangeError(`MASTER_ADDR is not set (needed to meet the other ${worldSize - 1} ranks)`);
  const port = intVar(env, 'MASTER_PORT', 1) ?? (worldSize === 1 ? 29500 : undefined);
  if (port === undefined) throw new RangeError('MASTER_PORT is not set (the rendezvous port rank 0 listens on)');
  if (port > 65535) throw new RangeError(`MASTER_PORT=${port} is not a TCP port (1..65535)`);
  const nodeRank = (slurm ? intVar(env, 'SLURM_NODEID', 0) : intVar(env, 'GROUP_RANK', 0)) ?? 0;
  return { rank, localRank, worldSize, localWorldSize, masterAddr, masterPort: port, nodeRank };
}
