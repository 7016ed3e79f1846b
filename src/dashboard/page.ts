// page.ts — the dashboard's one HTML document: its style and script are inlined from assets/ (no
// CDN, no second request: the machine may be offline).  The script plots with inline SVG.
import { readFileSync } from 'node:fs';

const asset = (name: string): string => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');

/** `</` inside an inlined script or style would end its element early. */
const inline = (text: string): string => text.replace(/<\/(script|style)/gi, '<\\/$1');

/** The page, built once per server (the assets are read from disk then). */
export function renderPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tunekit dashboard</title>
<style>${inline(asset('dashboard.css'))}</style>
</head>
<body>
<header>
  <h1>tunekit <span>dashboard</span></h1>
  <div id="conn" class="conn" data-state="connecting">connecting</div>
</header>
<div class="layout">
  <nav id="runs" aria-label="runs"><h2>Runs</h2><ul id="run-list"></ul><p id="no-runs" class="muted">No runs yet: a run appears when its Trainer writes tunekit-events.jsonl (report_to: ['dashboard']).</p></nav>
  <main id="main">
    <section id="run-head">
      <h2 id="run-title">—</h2>
      <div id="run-meta" class="muted"></div>
      <div id="progress-bar" class="bar"><div id="progress-fill"></div></div>
    </section>
    <div id="warnings"></div>
    <section id="stats" class="stats"></section>
    <section id="charts" class="charts"></section>
    <section id="memory-section" hidden><h3>GPU memory</h3><div id="memory-charts" class="charts"></div></section>
    <section id="samples-section"><h3>Sample generations</h3>
      <table id="samples"><thead><tr><th>step</th><th>prompt</th><th>generation</th></tr></thead><tbody></tbody></table>
      <p id="no-samples" class="muted">None yet: <code>dashboard.logSample(prompt, text)</code> or the callback's <code>samples</code> option adds them.</p>
    </section>
    <details id="args-section"><summary>Training arguments</summary><table id="args"><tbody></tbody></table></details>
  </main>
</div>
<script>${inline(asset('dashboard.js'))}</script>
</body>
</html>
`;
}
