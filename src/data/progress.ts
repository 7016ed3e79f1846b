// src/data/progress.ts — a small tqdm-style progress bar for map/filter/load (and later the Trainer).
// Mirrors what datasets/utils/tqdm.py gives HF users: one updating line on a terminal, and on a
// pipe or CI only a few plain lines (none for work that finishes within a second).

let disabledGlobally = false;

/** Silences every progress bar (as HF's datasets.disable_progress_bars()). */
export function disableProgressBars(): void {
  disabledGlobally = true;
}

/** Re-enables progress bars after disableProgressBars(). */
export function enableProgressBars(): void {
  disabledGlobally = false;
}

/** True after disableProgressBars() or with TUNEKIT_DISABLE_PROGRESS_BARS / HF_DATASETS_DISABLE_PROGRESS_BARS set. */
export function areProgressBarsDisabled(): boolean {
  const env = process.env.TUNEKIT_DISABLE_PROGRESS_BARS ?? process.env.HF_DATASETS_DISABLE_PROGRESS_BARS;
  return disabledGlobally || (env !== undefined && env !== '' && env !== '0' && env.toLowerCase() !== 'false');
}

/** Where a bar writes: stderr by default; anything with write() and optionally isTTY/columns. */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of a ProgressBar. */
export interface ProgressOptions {
  /** Total units; unknown totals show a count and rate without a bar or ETA. */
  total?: number;
  /** Label before the bar, e.g. 'Map' or 'Tokenizing'. */
  desc?: string;
  /** Unit name in the rate, default 'ex' (examples). */
  unit?: string;
  stream?: ProgressStream;
  disable?: boolean;
  /** Minimum ms between terminal redraws (default 100). */
  minIntervalMs?: number;
  /** On a non-terminal: ms between plain progress lines (default 30 s); a final line is printed only for work over 1 s. */
  plainIntervalMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/** mm:ss or h:mm:ss, as tqdm prints durations. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

/**
 * @example
 * const bar = new ProgressBar({ total: ds.numRows, desc: 'Map' });
 * for (...) bar.update(batchSize);
 * bar.close();
 */
export class ProgressBar {
  readonly total: number | undefined;
  private n = 0;
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastPlain: number;
  private postfix = '';
  private closed = false;
  private readonly tty: boolean;
  private readonly off: boolean;
  private readonly stream: ProgressStream;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressOptions = {}) {
    this.total = opts.total;
    this.stream = opts.stream ?? process.stderr;
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
    this.lastPlain = this.start;
    this.off = opts.disable === true || areProgressBarsDisabled();
    const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
    this.tty = this.stream.isTTY === true && !ci;
    if (!this.off && this.tty) this.draw(true);
  }

  get count(): number {
    return this.n;
  }

  /** Adds `k` units done. */
  update(k = 1): void {
    this.n += k;
    if (this.off || this.closed) return;
    const t = this.now();
    if (this.tty) {
      if (t - this.lastDraw >= (this.opts.minIntervalMs ?? 100)) this.draw(true);
    } else if (t - this.lastPlain >= (this.opts.plainIntervalMs ?? 30_000)) {
      this.lastPlain = t;
      this.stream.write(this.line() + '\n');
    }
  }

  /** Extra text after the stats, e.g. `loss=0.412` (objects print as k=v pairs). */
  setPostfix(p: string | Record<string, unknown>): void {
    this.postfix = typeof p === 'string' ? p : Object.entries(p).map(([k, v]) => `${k}=${typeof v === 'number' ? fmtNum(v) : String(v)}`).join(', ');
  }

  /** Final draw (terminal) or one summary line (non-terminal, for work over 1 s). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.off) return;
    if (this.tty) {
      this.draw(false);
      this.stream.write('\n');
    } else if (this.now() - this.start >= 1000) {
      this.stream.write(this.line() + '\n');
    }
  }

  private draw(_intermediate: boolean): void {
    this.lastDraw = this.now();
    const width = this.stream.columns ?? 100;
    let s = this.line(width);
    if (s.length > width - 1) s = s.slice(0, width - 1);
    this.stream.write(`\r${s}\x1b[K`);
  }

  /** The status text: `desc:  45%|█████     | 1650/3668 [00:01<00:01, 1523.40 ex/s]`. */
  line(width = 100): string {
    const elapsed = (this.now() - this.start) / 1000;
    const rate = elapsed > 0 ? this.n / elapsed : 0;
    const unit = this.opts.unit ?? 'ex';
    const rateStr = elapsed > 0 ? `${fmtNum(rate)} ${unit}/s` : `? ${unit}/s`;
    const desc = this.opts.desc ? `${this.opts.desc}: ` : '';
    const post = this.postfix ? `, ${this.postfix}` : '';
    const total = this.total;
    if (total === undefined || total <= 0) return `${desc}${this.n} ${unit} [${formatDuration(elapsed)}, ${rateStr}${post}]`;
    const frac = Math.min(1, this.n / total);
    const eta = rate > 0 ? (total - this.n) / rate : Infinity;
    const stats = ` ${this.n}/${total} [${formatDuration(elapsed)}<${formatDuration(eta)}, ${rateStr}${post}]`;
    const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
    const barWidth = Math.max(0, Math.min(40, width - desc.length - pct.length - stats.length - 3));
    const filled = Math.round(frac * barWidth);
    const bar = barWidth > 0 ? `|${'█'.repeat(filled)}${' '.repeat(barWidth - filled)}|` : '';
    return `${desc}${pct}${bar}${stats}`;
  }
}

function fmtNum(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}
