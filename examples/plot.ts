// examples/plot.ts — a dependency-free SVG line plot for example outputs (loss curves).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Series { name: string; points: [number, number][]; color: string }

/** Writes an SVG line chart of the series to `path` (folders created). Log-scale y if asked. */
export function writeLinePlot(path: string, title: string, series: Series[], opts: { xLabel?: string; yLabel?: string; logY?: boolean } = {}): void {
  const W = 640, H = 400, L = 70, R = 20, T = 40, B = 50;
  const fy = (v: number): number => (opts.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]), ys = all.map((p) => fy(p[1]));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number): number => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y: number): number => H - B - ((fy(y) - y0) / (y1 - y0 || 1)) * (H - T - B);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => y0 + f * (y1 - y0));
  const fmt = (v: number): string => (opts.logY ? (10 ** v).toPrecision(2) : v.toPrecision(3));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    ...ticks.map((t) => { const y = H - B - ((t - y0) / (y1 - y0 || 1)) * (H - T - B); return `<text x="${L - 6}" y="${y + 4}" text-anchor="end">${fmt(t)}</text><line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="#ddd"/>`; }),
    `<text x="${L}" y="${H - B + 18}">${x0}</text><text x="${W - R}" y="${H - B + 18}" text-anchor="end">${x1}</text>`,
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${opts.xLabel ?? ''}</text>`,
    `<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">${opts.yLabel ?? ''}${opts.logY ? ' (log)' : ''}</text>`,
    ...series.map((s, i) => `<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${s.points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ')}"/>` +
      `<text x="${W - R - 150}" y="${T + 16 * (i + 1)}" fill="${s.color}">— ${s.name}</text>`),
    '</svg>',
  ];
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, parts.join('\n'));
}
