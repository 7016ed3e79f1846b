// bench/mem.ts — the readings the benchmarks share: a median step time, and a /proc/self/status field in kB (VmRSS,
// VmHWM) and a reset of the high-water mark (Linux >= 4.0: write 5 to clear_refs).
import { readFileSync, writeFileSync } from 'node:fs';

/** A /proc/self/status field in kB (-1 when absent). */
export function statusKb(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : -1;
}
/** Resets VmHWM to the current RSS; false when the kernel refuses. */
export function resetPeak(): boolean {
  try { writeFileSync('/proc/self/clear_refs', '5'); return true; } catch { return false; }
}
/** The median of `n` timed calls of `step`, in seconds (warm up before calling this). */
export function medianSeconds(step: () => unknown, n: number): number {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    step();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
