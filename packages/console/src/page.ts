// The rt-console web page: one self-contained HTML document (no external assets) that polls
// /api/snapshot every second and renders the task table (sortable by any column), the
// resources tasks are parked on, the histograms of an instrumented runtime (poll time,
// schedule delay, event-loop delay: a table with p50/p99/max bars), and the warnings. For a
// multi-thread runtime (the snapshot has `workers`) the task table gains a worker column, the
// histograms a row per worker and histogram, and resources and warnings name their worker.
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>rt-console</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.3em; margin: 0 0 .2em; }
  #status { color: #666; margin-bottom: 1em; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
  th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #ddd; white-space: nowrap; }
  th { cursor: pointer; background: #f3f3f3; user-select: none; }
  th.sorted::after { content: attr(data-arrow); }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.loc { max-width: 32em; overflow: hidden; text-overflow: ellipsis; color: #555; }
  tr[data-state="waiting"] td.state { color: #8a5a00; }
  tr[data-state="idle"] td.state { color: #555; }
  tr[data-state="running"] td.state, tr[data-state="scheduled"] td.state { color: #116611; }
  tr.blocked td { background: #fff0f0; }
  #warnings li { color: #a00; margin-bottom: .3em; }
  #histograms { width: auto; }
  td.chart { width: 18em; }
  .bar { height: 4px; margin: 1px 0; min-width: 1px; }
  .bar.max { background: #ccc; } .bar.p99 { background: #d98200; } .bar.p50 { background: #2a8a4a; }
</style>
</head>
<body>
<h1>rt-console <span id="runtime"></span></h1>
<div id="status">connecting…</div>
<table id="tasks">
  <thead><tr>
    <th data-key="id">id</th><th data-key="name">name</th><th data-key="state">state</th>
    <th data-key="busyMs">busy (ms)</th><th data-key="polls">polls</th><th data-key="wakes">wakes</th>
    <th data-key="scheduledMs">scheduled (ms)</th><th data-key="maxPollMs">max poll (ms)</th>
    <th data-key="waitingOn">waiting on</th><th data-key="ageMs">age (s)</th><th data-key="location">location</th>
    <th data-key="worker" id="worker-column" hidden>worker</th>
  </tr></thead>
  <tbody></tbody>
</table>
<h2>Histograms (ms)</h2>
<table id="histograms">
  <thead><tr><th>histogram</th><th>count</th><th>min</th><th>p50</th><th>p99</th><th>max</th><th>mean</th><th>p50 / p99 / max</th></tr></thead>
  <tbody></tbody>
</table>
<h2>Resources</h2>
<ul id="resources"></ul>
<h2>Warnings</h2>
<ul id="warnings"></ul>
<script>
let sortKey = 'id', sortDir = 1, last;
const cell = (text, cls) => { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; return td; };
function render() {
  if (!last) return;
  const workers = last.workers;
  const threaded = Array.isArray(workers);
  const on = (x) => threaded ? 'worker ' + x.worker + ': ' : '';
  document.getElementById('runtime').textContent = '— ' + last.runtime + ' (pid ' + last.pid + ')' + (threaded ? ', ' + workers.length + ' worker(s)' : '');
  document.getElementById('status').textContent = last.tasks.length + ' live task(s), ' + last.warnings.length + ' warning(s), updated ' + new Date(last.at).toLocaleTimeString() + (last.instrumented ? '' : ' — runtime not instrumented: counters are 0');
  // Task ids are per worker in a multi-thread runtime: a task is (worker, id).
  const key = (x) => (threaded ? x.worker + ':' : '') + x.id;
  const blocked = new Set(last.warnings.map(key));
  document.getElementById('worker-column').hidden = !threaded;
  const value = (t) => sortKey === 'waitingOn' ? t.waitingOn.join(', ') : (t[sortKey] ?? '');
  const tasks = [...last.tasks].sort((a, b) => { const x = value(a), y = value(b); return (x < y ? -1 : x > y ? 1 : 0) * sortDir; });
  const body = document.querySelector('#tasks tbody');
  body.replaceChildren(...tasks.map((t) => {
    const tr = document.createElement('tr');
    tr.dataset.taskId = String(t.id);
    tr.dataset.state = t.state;
    if (threaded) tr.dataset.worker = String(t.worker);
    if (blocked.has(key(t))) tr.className = 'blocked';
    tr.append(cell(String(t.id), 'num'), cell(t.name ?? ''), cell(t.state + (t.cancelRequested ? ' (aborted)' : ''), 'state'),
      cell(t.busyMs.toFixed(1), 'num'), cell(String(t.polls), 'num'), cell(String(t.wakes), 'num'),
      cell(t.scheduledMs.toFixed(1), 'num'), cell(t.maxPollMs.toFixed(1), 'num'), cell(t.waitingOn.join(', '), 'waiting'),
      cell((t.ageMs / 1000).toFixed(1), 'num'), cell(t.location ?? '', 'loc'));
    if (threaded) tr.append(cell(String(t.worker), 'num'));
    return tr;
  }));
  const three = (h) => [['poll', h.pollMs], ['schedule delay', h.scheduleDelayMs], ['event-loop delay', h.eventLoopDelayMs]];
  const h = last.metrics && last.metrics.histograms;
  // One set of three per worker that has them (multi-thread), else the runtime's own three.
  const histograms = threaded
    ? workers.filter((w) => w.histograms).flatMap((w) => three(w.histograms).map(([label, x]) => [label, x, w.index]))
    : h ? three(h) : [];
  document.getElementById('histograms').hidden = histograms.length === 0;
  document.querySelector('#histograms tbody').replaceChildren(...histograms.map(([label, x, worker]) => {
    const tr = document.createElement('tr');
    tr.dataset.histogram = label;
    if (worker !== undefined) tr.dataset.worker = String(worker);
    const chart = cell('', 'chart');
    for (const k of ['max', 'p99', 'p50']) {
      const bar = document.createElement('div');
      bar.className = 'bar ' + k;
      bar.style.width = (x.max > 0 ? (100 * x[k]) / x.max : 0) + '%';
      bar.title = k + ' ' + x[k].toFixed(3) + ' ms';
      chart.append(bar);
    }
    tr.append(cell((worker === undefined ? '' : 'worker ' + worker + ' ') + label), cell(String(x.count), 'num'), ...['min', 'p50', 'p99', 'max', 'mean'].map((k) => cell(x[k].toFixed(3), 'num')), chart);
    return tr;
  }));
  document.getElementById('resources').replaceChildren(...last.resources.map((r) => {
    const li = document.createElement('li'); li.textContent = on(r) + r.label + ': ' + r.waiters.length + ' waiter(s) (tasks ' + r.waiters.join(', ') + ')'; return li;
  }));
  document.getElementById('warnings').replaceChildren(...last.warnings.map((w) => {
    const li = document.createElement('li'); li.dataset.taskId = String(w.id); li.dataset.kind = w.kind; li.textContent = on(w) + w.message; return li;
  }));
  for (const th of document.querySelectorAll('#tasks th')) {
    th.classList.toggle('sorted', th.dataset.key === sortKey);
    th.dataset.arrow = sortDir > 0 ? ' ▲' : ' ▼';
  }
}
for (const th of document.querySelectorAll('#tasks th')) th.addEventListener('click', () => {
  if (sortKey === th.dataset.key) sortDir = -sortDir; else { sortKey = th.dataset.key; sortDir = 1; }
  render();
});
async function poll() {
  try {
    const response = await fetch('/api/snapshot');
    const body = await response.json();
    if (!response.ok) throw new Error(body.error);
    last = body;
    render();
    document.body.dataset.ready = 'true';
  } catch (error) {
    document.getElementById('status').textContent = 'not connected: ' + error.message;
  }
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>
`;
