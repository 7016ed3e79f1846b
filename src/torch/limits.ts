// limits.ts — the largest single CPU allocation the addon grants.  A request no machine here could
// meet (a 536 GB arange from a bad argument or a hostile file) would otherwise be granted by Linux's
// overcommit and the process OOM-killed when the pages are touched; the addon's allocator refuses
// it first with a TorchError.  Default: this machine's memory — the smaller of RAM + swap and the
// cgroup's limit (memory + swap) — since one tensor larger than that can never be filled.
// TUNEKIT_MAX_ALLOC_BYTES overrides it (0 = no limit).
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

/** A number of bytes from a cgroup file ("max" or a missing file → Infinity). */
function cgroupBytes(path: string): number {
  try {
    const s = readFileSync(path, 'utf8').trim();
    if (s === 'max') return Infinity;
    const n = Number(s);
    // cgroup v1 writes 2^63 - page size for "no limit".
    return Number.isFinite(n) && n > 0 && n < 2 ** 62 ? n : Infinity;
  } catch {
    return Infinity;
  }
}

/** Total swap in bytes from /proc/meminfo (0 if unreadable). */
function swapBytes(): number {
  try {
    const m = /^SwapTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The default limit: the memory this process could ever be given, in bytes. */
export function machineMemoryBytes(): number {
  const machine = totalmem() + swapBytes();
  const v2 = cgroupBytes('/sys/fs/cgroup/memory.max');
  const v2swap = cgroupBytes('/sys/fs/cgroup/memory.swap.max');
  const v1 = cgroupBytes('/sys/fs/cgroup/memory/memory.limit_in_bytes');
  const cgroup = Math.min(v2 === Infinity ? Infinity : v2 + (v2swap === Infinity ? 0 : v2swap), v1);
  return Math.min(machine, cgroup);
}

/** The limit to start with: TUNEKIT_MAX_ALLOC_BYTES if set, else machineMemoryBytes(). */
export function allocationLimitFromEnv(): number {
  const env = process.env.TUNEKIT_MAX_ALLOC_BYTES;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0) throw new Error(`TUNEKIT_MAX_ALLOC_BYTES=${env}: expected a whole number of bytes (0 = no limit)`);
    return n;
  }
  return machineMemoryBytes();
}
