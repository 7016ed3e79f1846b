// progress.ts — download progress: the callback contract, and the default bar huggingface_hub
// shows with tqdm, drawn on stderr only when stderr is a terminal, the file is large (> 10 MB)
// and HF_HUB_DISABLE_PROGRESS_BARS is not set.
import { isTrue } from './constants.js';

/** One progress report of a file download. */
export interface DownloadProgress {
  repoId: string;
  /** The file's path in the repo. */
  filename: string;
  /** Bytes on disk so far (a resumed download starts above 0). */
  downloaded: number;
  /** The file's size, when the Hub told it. */
  total: number | null;
  /** True on the last report, once the file is complete and verified. */
  done: boolean;
}
export type ProgressCallback = (p: DownloadProgress) => void;

/** Files larger than this get the default stderr bar. */
export const PROGRESS_BAR_MIN_BYTES = 10 * 1024 * 1024;

const mb = (n: number): string => (n / 1048576).toFixed(1);

/** A stderr bar `name  42% 12.3/29.0 MB 5.1 MB/s`, redrawn at most 10 times a second. */
export function stderrProgressBar(): ProgressCallback {
  const start = Date.now();
  let lastDraw = 0;
  return (p) => {
    const now = Date.now();
    if (!p.done && now - lastDraw < 100) return;
    lastDraw = now;
    const name = p.filename.length > 40 ? `(…)${p.filename.slice(-40)}` : p.filename;
    const pct = p.total ? `${Math.floor((100 * p.downloaded) / p.total).toString().padStart(3)}%` : '';
    const rate = mb((p.downloaded / Math.max(now - start, 1)) * 1000);
    process.stderr.write(`\r${name} ${pct} ${mb(p.downloaded)}${p.total ? `/${mb(p.total)}` : ''} MB ${rate} MB/s${p.done ? '\n' : ''}`);
  };
}

/** The progress callback of a download: the caller's, else the default bar where it applies, else none. */
export function progressFor(given: ProgressCallback | undefined, total: number | null): ProgressCallback | undefined {
  if (given) return given;
  if (total !== null && total > PROGRESS_BAR_MIN_BYTES && process.stderr.isTTY && !isTrue(process.env.HF_HUB_DISABLE_PROGRESS_BARS)) return stderrProgressBar();
  return undefined;
}
