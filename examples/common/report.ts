// examples/common/report.ts — how the tutorial ports report: the loss curve of a run as an SVG
// (from the Trainer's log_history or a custom loop's points) and one machine-readable
// `metrics {...}` line that test/examples parses.
import { writeLinePlot, type Series } from '../plot.js';

/** One entry of TrainerState.log_history (train logs carry `loss`, evaluations `eval_loss`). */
export type LogRecord = Record<string, number | string | undefined>;

/**
 * Train and eval loss against the global step, from a Trainer's state.log_history; `evalLossBefore`
 * (an evaluate() before train(), which train() drops from the history) becomes the step-0 point.
 */
export function lossSeries(logHistory: readonly LogRecord[], evalLossBefore?: number): Series[] {
  const pick = (key: string): [number, number][] =>
    logHistory.filter((e) => typeof e[key] === 'number' && typeof e.step === 'number').map((e) => [e.step as number, e[key] as number]);
  const out: Series[] = [{ name: 'train loss', points: pick('loss'), color: '#1f77b4' }];
  const ev = pick('eval_loss');
  if (evalLossBefore !== undefined && ev.length) ev.unshift([0, evalLossBefore]);
  if (ev.length) out.push({ name: 'eval loss', points: ev, color: '#d62728' });
  return out.filter((s) => s.points.length > 0);
}

/** Writes `runs/<name>/loss.svg` (relative to the working directory) and returns its path. */
export function writeLossCurve(path: string, title: string, series: Series[]): string {
  if (series.every((s) => s.points.length === 0)) return path;
  writeLinePlot(path, title, series, { xLabel: 'step', yLabel: 'loss' });
  return path;
}

/** Prints `metrics {json}`: the line test/examples reads (numbers rounded to 4 decimals). */
export function printMetrics(metrics: Record<string, number>): void {
  const rounded = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Math.round(v * 1e4) / 1e4]));
  console.log(`metrics ${JSON.stringify(rounded)}`);
}

/** Seconds since `t0` (performance.now() milliseconds), one decimal. */
export const secondsSince = (t0: number): string => ((performance.now() - t0) / 1000).toFixed(1);
