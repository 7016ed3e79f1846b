// The dashboard page's script (inlined into the page by page.ts; plain browser JavaScript, no
// libraries).  It follows the runs list (SSE /api/runs/stream) and the selected run's events (SSE
// /api/events?run=<id>; EventSource resumes with Last-Event-ID after a drop), keeps the events in
// memory and redraws the stats, SVG charts and samples table at most once per animation frame.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const SVGNS = 'http://www.w3.org/2000/svg';
  const COLORS = ['#3b6fd8', '#e0703a', '#2f9e61', '#9b59b6', '#c8453b', '#17a2b8'];
  // eval_* keys that are timings, not quality: shown nowhere as curves
  const EVAL_TIMINGS = new Set(['eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second']);
  const STALLED_MS = 120000;

  const S = { runs: [], runId: null, es: null, data: emptyData(), queued: false, events: 0, chartWidth: 0 };

  function emptyData() {
    return { start: null, logs: [], timing: [], memory: [], samples: [], end: null, lastTime: null, warnings: [] };
  }

  // ---- events -> state ----
  function apply(ev) {
    const d = S.data;
    S.events++;
    if (typeof ev.time === 'number') d.lastTime = ev.time;
    const keep = (x) => x.step <= ev.global_step;
    switch (ev.type) {
      case 'run_start':
        // a fresh start (step 0) replaces what was plotted; a resume drops what lies beyond its step
        if (!ev.global_step) { const w = d.warnings; S.data = emptyData(); S.data.warnings = w; }
        else { d.logs = d.logs.filter(keep); d.timing = d.timing.filter(keep); d.memory = d.memory.filter(keep); d.samples = d.samples.filter(keep); }
        S.data.start = ev; S.data.end = null; S.data.lastTime = ev.time;
        S.data.timing.push({ time: ev.time, step: ev.global_step || 0, start: true });
        break;
      case 'log':
        d.logs.push(ev);
        d.timing.push({ time: ev.time, step: ev.step, epoch: ev.logs && ev.logs.epoch });
        break;
      case 'progress':
        d.timing.push({ time: ev.time, step: ev.step, epoch: ev.epoch, tokens: ev.num_input_tokens_seen, max: ev.max_steps });
        if (ev.memory) d.memory.push({ step: ev.step, m: ev.memory });
        break;
      case 'sample': d.samples.push(ev); break;
      case 'train_end': d.end = ev; break;
      default: break; // newer event kinds: ignored by this page
    }
  }

  // ---- numbers ----
  function fmt(v) {
    if (typeof v !== 'number' || !isFinite(v)) return String(v);
    const s = String(v);
    if (s.length <= 8) return s;
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(2) : String(Number(v.toPrecision(5)));
  }
  function fmtDuration(ms) {
    if (!isFinite(ms) || ms < 0) return '—';
    const s = Math.round(ms / 1000);
    if (s < 60) return s + 's';
    const m = Math.floor(s / 60), h = Math.floor(m / 60);
    if (h > 0) return h + 'h ' + String(m % 60).padStart(2, '0') + 'm';
    return m + 'm ' + String(s % 60).padStart(2, '0') + 's';
  }
  function fmtBytes(b) {
    if (b >= 1 << 30) return (b / (1 << 30)).toFixed(2) + ' GiB';
    if (b >= 1 << 20) return (b / (1 << 20)).toFixed(1) + ' MiB';
    return Math.round(b / 1024) + ' KiB';
  }
  /** about n round ticks covering [lo, hi], the range widened to the outer ticks; integers only when `whole` */
  function niceTicks(lo, hi, n, whole) {
    if (!(hi > lo)) { const p = Math.abs(lo) * 0.1 || 1; lo -= p; hi += p; }
    const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    let step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) || raw;
    if (whole) step = Math.max(1, Math.round(step));
    const a = Math.floor(lo / step + 1e-9) * step, b = Math.ceil(hi / step - 1e-9) * step;
    const ticks = [];
    for (let t = a; t <= b + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
    return { lo: a, hi: b, ticks };
  }

  /** steps (and tokens) per second over the last 30 s of timing points, or over the whole run when `all` */
  function rate(all) {
    const t = S.data.timing;
    if (t.length < 2) return null;
    const last = t[t.length - 1];
    let i = t.length - 2;
    while (i > 0 && (all || last.time - t[i].time < 30000)) i--;
    const first = t[i], dt = (last.time - first.time) / 1000, ds = last.step - first.step;
    if (!(dt > 0) || !(ds > 0)) return null;
    const tok = last.tokens !== undefined && first.tokens !== undefined ? (last.tokens - first.tokens) / dt : null;
    return { steps: ds / dt, tokens: tok && tok > 0 ? tok : null, last };
  }

  /** steps / s at each progress event (log events when there are none), over a 10 s window: single steps are too noisy */
  function throughputSeries() {
    let t = S.data.timing.filter((p) => p.max !== undefined);
    if (t.length < 2) t = S.data.timing;
    const out = [];
    let a = 0;
    for (let b = 1; b < t.length; b++) {
      if (t[b].start) { a = b; continue; } // a resumed session: its own window
      while (a < b - 1 && t[b].time - t[a + 1].time >= 10000) a++;
      const dt = (t[b].time - t[a].time) / 1000, ds = t[b].step - t[a].step;
      if (dt > 0 && ds > 0) out.push([t[b].step, Number((ds / dt).toPrecision(4))]);
    }
    return out;
  }

  // ---- charts ----
  function chart(key, title, series, opts) {
    const box = document.createElement('div');
    box.className = 'chart';
    box.dataset.chart = key;
    const h = document.createElement('h4');
    h.textContent = title;
    const legend = document.createElement('div');
    legend.className = 'legend';
    box.append(h, legend, svgPlot(series, opts || {}));
    series.forEach((s, i) => {
      if (!s.points.length) return;
      const sw = document.createElement('i');
      sw.style.background = s.color || COLORS[i % COLORS.length];
      const last = s.points[s.points.length - 1][1];
      legend.append(sw, document.createTextNode(s.name + ' ' + (opts && opts.format ? opts.format(last) : fmt(last))));
    });
    return box;
  }

  function svgPlot(series, opts) {
    // the viewBox is the size the last render measured, so text and dots are not stretched
    const W = S.chartWidth || 400, H = 190, L = 48, R = 8, T = 8, B = 22;
    const svg = document.createElementNS(SVGNS, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('preserveAspectRatio', 'none');
    const all = series.flatMap((s) => s.points);
    if (!all.length) return svg;
    const xs = niceTicks(Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0])), 5, true); // x: optimizer steps
    const ymin = Math.min(...all.map((p) => p[1]));
    const ys = niceTicks(opts.zero ? Math.min(0, ymin) : ymin, Math.max(...all.map((p) => p[1])), 4); // rates and bytes: from 0
    const X = (x) => L + ((x - xs.lo) / (xs.hi - xs.lo)) * (W - L - R);
    const Y = (y) => T + (1 - (y - ys.lo) / (ys.hi - ys.lo)) * (H - T - B);
    const el = (name, attrs, text) => {
      const e = document.createElementNS(SVGNS, name);
      for (const k in attrs) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = text;
      svg.append(e);
      return e;
    };
    for (const y of ys.ticks) {
      el('line', { class: 'grid', x1: L, x2: W - R, y1: Y(y), y2: Y(y) });
      el('text', { x: L - 4, y: Y(y) + 3, 'text-anchor': 'end' }, opts.format ? opts.format(y) : fmt(y));
    }
    for (const x of xs.ticks) el('text', { x: X(x), y: H - 6, 'text-anchor': 'middle' }, fmt(x));
    series.forEach((s, i) => {
      const color = s.color || COLORS[i % COLORS.length];
      const pts = s.points.map((p) => X(p[0]).toFixed(1) + ',' + Y(p[1]).toFixed(1)).join(' ');
      el('polyline', { points: pts, stroke: color, 'data-series': s.name, 'data-points': s.points.length, 'vector-effect': 'non-scaling-stroke' });
      if (s.points.length <= 40) for (const p of s.points) el('circle', { cx: X(p[0]), cy: Y(p[1]), r: 2.2, fill: color });
    });
    return svg;
  }

  function seriesOf(key) {
    return S.data.logs.filter((e) => e.logs && typeof e.logs[key] === 'number').map((e) => [e.step, e.logs[key]]);
  }

  // ---- render ----
  function stat(key, label, value, raw) {
    const div = document.createElement('div');
    div.className = 'stat';
    div.id = 'stat-' + key;
    const l = document.createElement('div');
    l.className = 'label';
    l.textContent = label;
    const v = document.createElement('div');
    v.className = 'value';
    v.textContent = value;
    if (raw !== undefined) v.dataset.value = String(raw);
    div.append(l, v);
    return div;
  }

  function statusOf(run) {
    if (run.finished) return 'finished';
    return Date.now() - run.mtimeMs > STALLED_MS ? 'stalled' : 'running';
  }

  function renderRuns() {
    const ul = $('run-list');
    ul.replaceChildren();
    $('no-runs').hidden = S.runs.length > 0;
    for (const r of S.runs) {
      const li = document.createElement('li');
      li.dataset.run = r.id;
      if (r.id === S.runId) li.className = 'selected';
      const id = document.createElement('div');
      id.className = 'id';
      id.textContent = r.id;
      const badge = document.createElement('span');
      const st = statusOf(r);
      badge.className = 'badge ' + st;
      badge.textContent = st;
      id.append(badge);
      const sub = document.createElement('div');
      sub.className = 'sub';
      sub.textContent = (r.model || 'model ?') + ' · step ' + (r.step ?? '—') + (r.max_steps ? ' / ' + r.max_steps : '');
      li.append(id, sub);
      li.onclick = () => { location.hash = 'run=' + encodeURIComponent(r.id); };
      ul.append(li);
    }
  }

  function render() {
    S.queued = false;
    const measured = document.querySelector('.chart svg');
    if (measured && measured.clientWidth > 0) S.chartWidth = measured.clientWidth;
    const d = S.data, st = d.start, r = rate(Boolean(d.end)); // finished: the whole run's average
    document.body.dataset.events = String(S.events);
    $('run-title').textContent = S.runId === null ? 'no run selected' : (st && st.run_name) || S.runId;
    const lastStep = Math.max(0, ...d.timing.map((t) => t.step));
    const maxSteps = (r && r.last.max) || (st && st.max_steps) || 0;
    const meta = [];
    if (st) meta.push(st.model || 'model ?', st.device, 'batch ' + st.effective_batch_size, 'started ' + new Date(st.time).toLocaleString());
    $('run-meta').textContent = meta.join(' · ');
    $('progress-fill').style.width = maxSteps ? Math.min(100, (100 * lastStep) / maxSteps) + '%' : '0';
    $('warnings').replaceChildren(...d.warnings.slice(-3).map((w) => { const x = document.createElement('div'); x.textContent = w; return x; }));

    const losses = seriesOf('loss');
    const lastLoss = losses.length ? losses[losses.length - 1][1] : undefined;
    const lastLog = (key) => { const s = seriesOf(key); return s.length ? s[s.length - 1][1] : undefined; };
    const lastEpoch = d.timing.reduce((e, t) => (typeof t.epoch === 'number' ? t.epoch : e), null);
    const elapsed = st && d.lastTime ? d.lastTime - st.time : NaN;
    const status = d.end ? 'finished' : d.lastTime && Date.now() - d.lastTime > STALLED_MS ? 'no updates for ' + fmtDuration(Date.now() - d.lastTime) : st ? 'running' : '—';
    const stats = [
      stat('step', 'step', maxSteps ? lastStep + ' / ' + maxSteps : String(lastStep), lastStep),
      stat('epoch', 'epoch', lastEpoch === null ? '—' : fmt(Number(lastEpoch.toFixed(2))), lastEpoch ?? ''),
      stat('loss', 'loss', lastLoss === undefined ? '—' : fmt(lastLoss), lastLoss ?? ''),
      stat('lr', 'learning rate', lastLog('learning_rate') === undefined ? '—' : fmt(lastLog('learning_rate')), lastLog('learning_rate') ?? ''),
      stat('throughput', 'steps / s', r ? fmt(Number(r.steps.toPrecision(3))) : '—', r ? r.steps : ''),
      stat('samples', 'samples / s', r && st ? fmt(Number((r.steps * st.effective_batch_size).toPrecision(3))) : '—'),
      stat('eta', d.end ? 'runtime' : 'ETA', d.end ? fmtDuration(elapsed) : r && maxSteps ? fmtDuration(((maxSteps - lastStep) / r.steps) * 1000) : '—'),
      stat('status', 'status', status),
    ];
    if (r && r.tokens) stats.splice(6, 0, stat('tokens', 'tokens / s', fmt(Math.round(r.tokens))));
    if (d.memory.length) stats.push(stat('memory', 'GPU memory', fmtBytes(d.memory[d.memory.length - 1].m.allocated)));
    $('stats').replaceChildren(...stats);

    const charts = [chart('loss', 'Loss', [{ name: 'loss', points: losses }, { name: 'eval_loss', points: seriesOf('eval_loss') }].filter((s) => s.points.length || s.name === 'loss'))];
    charts.push(chart('learning_rate', 'Learning rate', [{ name: 'learning_rate', points: seriesOf('learning_rate') }]));
    if (d.logs.some((e) => e.logs && 'grad_norm' in e.logs)) charts.push(chart('grad_norm', 'Gradient norm', [{ name: 'grad_norm', points: seriesOf('grad_norm') }]));
    const evalKeys = new Set();
    for (const e of d.logs) for (const k in e.logs || {}) if (k.startsWith('eval_') && k !== 'eval_loss' && !EVAL_TIMINGS.has(k)) evalKeys.add(k);
    for (const k of evalKeys) charts.push(chart(k, k, [{ name: k, points: seriesOf(k) }]));
    const tp = throughputSeries();
    if (tp.length) charts.push(chart('throughput', 'Throughput (steps / s)', [{ name: 'steps/s', points: tp }], { zero: true }));
    $('charts').replaceChildren(...charts);

    $('memory-section').hidden = d.memory.length === 0;
    if (d.memory.length) {
      const mib = (f) => d.memory.map((p) => [p.step, p.m[f]]);
      $('memory-charts').replaceChildren(chart('memory', 'CUDA memory', [
        { name: 'allocated', points: mib('allocated') }, { name: 'reserved', points: mib('reserved') }, { name: 'max allocated', points: mib('max_allocated') },
      ], { format: fmtBytes, zero: true }));
    }

    const body = $('samples').tBodies[0];
    body.replaceChildren(...d.samples.slice().reverse().map((s) => {
      const tr = document.createElement('tr');
      for (const v of [s.step, s.prompt, s.text]) { const td = document.createElement('td'); td.textContent = String(v); tr.append(td); }
      return tr;
    }));
    $('no-samples').hidden = d.samples.length > 0;
    const args = $('args').tBodies[0];
    args.replaceChildren(...Object.entries((st && st.args) || {}).map(([k, v]) => {
      const tr = document.createElement('tr');
      const a = document.createElement('td'), b = document.createElement('td');
      a.textContent = k;
      b.textContent = typeof v === 'string' ? v : JSON.stringify(v);
      tr.append(a, b);
      return tr;
    }));
  }

  function schedule() {
    if (S.queued) return;
    S.queued = true;
    requestAnimationFrame(render);
  }

  // ---- connections ----
  function setConn(state) { const c = $('conn'); c.dataset.state = state; c.textContent = state; }

  function follow(id) {
    if (S.es) S.es.close();
    S.runId = id;
    S.data = emptyData();
    S.events = 0;
    renderRuns();
    schedule();
    if (id === null) return;
    const es = new EventSource('/api/events?run=' + encodeURIComponent(id));
    S.es = es;
    es.addEventListener('tunekit', (m) => { apply(JSON.parse(m.data)); schedule(); });
    es.addEventListener('reset', () => { S.data = emptyData(); S.events = 0; schedule(); });
    es.addEventListener('warning', (m) => { S.data.warnings.push(JSON.parse(m.data).message); schedule(); });
    es.onopen = () => setConn('live');
    es.onerror = () => setConn(es.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting');
  }

  function wanted() {
    const m = /(?:^#|&)run=([^&]*)/.exec(location.hash);
    return m ? decodeURIComponent(m[1]) : null;
  }
  function pick() {
    const w = wanted();
    const id = w !== null && S.runs.some((r) => r.id === w) ? w : S.runId !== null && S.runs.some((r) => r.id === S.runId) ? S.runId : S.runs.length ? S.runs[0].id : null;
    if (id !== S.runId) follow(id);
    else renderRuns();
  }

  const runsEs = new EventSource('/api/runs/stream');
  runsEs.addEventListener('runs', (m) => { S.runs = JSON.parse(m.data); pick(); });
  runsEs.onerror = () => setConn('reconnecting');
  runsEs.onopen = () => { if (!S.es) setConn('live'); };
  window.addEventListener('hashchange', pick);
  window.addEventListener('resize', schedule);
  setInterval(schedule, 5000); // ETA, status and "no updates for" age with the clock
  schedule();
})();
