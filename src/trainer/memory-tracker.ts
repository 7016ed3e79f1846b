// memory-tracker.ts — HF's TrainerMemoryTracker (trainer_utils.py, 4.47) for
// TrainingArguments.skip_memory_metrics = false: per stage (init, train, eval, test) the change in
// memory from its start to its end (`<stage>_mem_cpu_alloc_delta`) and how far the peak rose above
// the end (`<stage>_mem_cpu_peaked_delta`), for CPU RSS and, with CUDA, for the caching allocator's
// allocated bytes (`_mem_gpu_`); the init stage goes out with the first stage reported, with
// `before_init_mem_cpu` (and `_gpu`).  HF samples RSS in a thread for the CPU peak; Node runs the
// step on its only JS thread, so the peak is the kernel's high-water mark (VmHWM, reset at the
// stage's start through /proc/self/clear_refs) — or, where that cannot be reset, the highest RSS
// the loop sampled.  A stage started while another runs (evaluate during train) is ignored, as HF.
import { readFileSync, writeFileSync } from 'node:fs';
import { cuda } from '../torch/index.js';

export type MemoryStage = 'init' | 'train' | 'eval' | 'test';
interface Usage { begin: number; end: number; alloc: number; peaked: number }

function statusBytes(key: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
const rss = (): number => statusBytes('VmRSS') ?? process.memoryUsage().rss;
function resetHighWater(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** See the file header. */
export class TrainerMemoryTracker {
  private cur: MemoryStage | null = null;
  private initReported = false;
  private cpuStart = 0;
  private cpuPeak = 0;
  private hwmReset = false;
  private gpuStart = 0;
  private readonly gpu = cuda.isAvailable();
  readonly cpu: Partial<Record<MemoryStage, Usage>> = {};
  readonly gpuUsage: Partial<Record<MemoryStage, Usage>> = {};

  constructor(readonly skip: boolean) {}

  start(stage: MemoryStage): void {
    if (this.skip || (this.cur !== null && this.cur !== stage)) return;
    this.cur = stage;
    if (this.gpu) {
      cuda.resetPeakMemoryStats(0);
      this.gpuStart = cuda.memoryAllocated(0);
    }
    this.cpuStart = rss();
    this.hwmReset = resetHighWater();
    this.cpuPeak = this.cpuStart;
  }

  /** A reading of RSS for the peak where the kernel's high-water mark cannot be reset (called at each update's end). */
  sample(): void {
    if (this.skip || this.cur === null || this.hwmReset) return;
    this.cpuPeak = Math.max(this.cpuPeak, rss());
  }

  stop(stage: MemoryStage): void {
    if (this.skip || this.cur !== stage) return;
    const now = rss();
    const peak = this.hwmReset ? (statusBytes('VmHWM') ?? now) : Math.max(this.cpuPeak, now);
    this.cpu[stage] = { begin: this.cpuStart, end: now, alloc: now - this.cpuStart, peaked: Math.max(0, peak - now) };
    if (this.gpu) {
      const g = cuda.memoryAllocated(0);
      this.gpuUsage[stage] = { begin: this.gpuStart, end: g, alloc: g - this.gpuStart, peaked: Math.max(0, cuda.maxMemoryAllocated(0) - g) };
    }
    this.cur = null;
  }

  /** HF update_metrics: `<stage>_mem_{cpu,gpu}_{alloc,peaked}_delta` (and init's, once, with before_init_mem_*). */
  updateMetrics(stage: MemoryStage, metrics: Record<string, number>): void {
    if (this.skip || (this.cur !== null && this.cur !== stage)) return;
    const stages: MemoryStage[] = this.initReported ? [stage] : ['init', stage];
    this.initReported = true;
    for (const s of stages) {
      for (const t of ['alloc', 'peaked'] as const) {
        const c = this.cpu[s];
        if (c) metrics[`${s}_mem_cpu_${t}_delta`] = c[t];
        const g = this.gpuUsage[s];
        if (this.gpu && g) metrics[`${s}_mem_gpu_${t}_delta`] = g[t];
      }
    }
    if (stages[0] === 'init' && this.cpu.init) {
      metrics.before_init_mem_cpu = this.cpu.init.begin;
      if (this.gpu && this.gpuUsage.init) metrics.before_init_mem_gpu = this.gpuUsage.init.begin;
    }
  }

  stopAndUpdateMetrics(stage: MemoryStage, metrics?: Record<string, number>): void {
    if (this.skip) return;
    this.stop(stage);
    if (metrics) this.updateMetrics(stage, metrics);
  }
}
