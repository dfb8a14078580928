/**
 * The live view's one page: the live image, per-PE busy fraction and
 * message rates over time, the load-balancing steps, the job's output and
 * a panel to call CCS handlers. Plain HTML and one inline script (allowed
 * by its hash in the server's Content-Security-Policy); it talks to the
 * server over /socket in the layouts of ./protocol.ts.
 *
 * For tests and tools, the page exposes what it shows: the canvas carries
 * `data-frame` (the number of the frame drawn), and each call in the CCS
 * log is an `li` with `data-handler`, `data-id` and, once answered,
 * `data-reply` (JSON) or `data-error`.
 */

import { BinaryKind, OFFSETS } from './protocol';

/** The page's script (its text is hashed into the Content-Security-Policy); the binary layouts come from ./protocol.ts. */
export const PAGE_SCRIPT = `
'use strict';
const OFFSETS = ${JSON.stringify(OFFSETS)};
const FRAME = ${BinaryKind.Frame};
const REPLY = ${BinaryKind.Reply};
const token = new URLSearchParams(location.search).get('token') || '';
const $ = (id) => document.getElementById(id);
const canvas = $('image');
const ctx = canvas.getContext('2d');
const colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
let numPes = 0;
let image = null;
let handlers = [];
let nextCall = 1;
const calls = new Map();
const perf = [];
let frames = 0;
const frameTimes = [];

const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/socket?token=' + encodeURIComponent(token));
socket.binaryType = 'arraybuffer';
socket.onopen = () => {
  $('state').textContent = 'connected';
  socket.send(JSON.stringify({ type: 'subscribe', feeds: ['frames', 'perf', 'balancing', 'output'] }));
  setInterval(() => socket.readyState === 1 && socket.send(JSON.stringify({ type: 'status' })), 2000);
};
socket.onclose = (e) => {
  $('state').textContent = e.code === 1001 ? 'the job has ended' : 'disconnected' + (e.reason ? ' (' + e.reason + ')' : '') + ': the job has ended or the server is gone (a job that charmrun restarted serves this URL again: reload)';
  document.body.classList.add('closed');
};
socket.onmessage = (e) => {
  if (typeof e.data === 'string') return text(JSON.parse(e.data));
  const view = new DataView(e.data);
  const kind = view.getUint8(OFFSETS.kind);
  const f = OFFSETS.frame;
  const r = OFFSETS.reply;
  if (kind === FRAME) drawFrame(view.getUint32(f.number, true), view.getUint32(f.width, true), view.getUint32(f.height, true), view.getUint8(f.channels), new Uint8Array(e.data, f.pixels));
  else if (kind === REPLY) answer(view.getUint32(r.id, true), { value: '<' + (e.data.byteLength - r.bytes) + ' bytes>' });
};

function text(m) {
  if (m.type === 'hello') {
    numPes = m.numPes;
    image = m.image;
    $('pes').textContent = numPes + (numPes === 1 ? ' PE' : ' PEs');
    setHandlers(m.handlers);
    $('click-note').textContent = image && image.clickHandler ? 'click the image to call ' + image.clickHandler : '';
    if (!image) $('frame').textContent = 'no liveViz image (yet)';
  } else if (m.type === 'reply') {
    answer(m.id, m);
  } else if (m.type === 'perf') {
    for (const s of m.samples) perf.push(s);
    if (perf.length > 300) perf.splice(0, perf.length - 300);
    drawCharts();
  } else if (m.type === 'balancing') {
    for (const s of m.steps) addStep(s);
  } else if (m.type === 'output') {
    addOutput(m.lines, m.dropped);
  } else if (m.type === 'status') {
    setHandlers(m.handlers);
    $('viewers').textContent = m.clients.length + (m.clients.length === 1 ? ' client' : ' clients');
  } else if (m.type === 'error') {
    log('server', null, { error: m.message });
  }
}

function drawFrame(n, width, height, channels, pixels) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const out = ctx.createImageData(width, height);
  const d = out.data;
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    if (channels === 1) { d[4 * i] = d[4 * i + 1] = d[4 * i + 2] = pixels[j]; d[4 * i + 3] = 255; }
    else { d[4 * i] = pixels[j]; d[4 * i + 1] = pixels[j + 1]; d[4 * i + 2] = pixels[j + 2]; d[4 * i + 3] = channels === 4 ? pixels[j + 3] : 255; }
  }
  ctx.putImageData(out, 0, 0);
  canvas.dataset.frame = String(n);
  frames++;
  const now = performance.now();
  frameTimes.push(now);
  while (frameTimes.length && frameTimes[0] < now - 2000) frameTimes.shift();
  $('frame').textContent = 'frame ' + n + ', ' + width + 'x' + height + ', ' + (frameTimes.length / 2).toFixed(1) + ' frames/s shown';
}

canvas.addEventListener('click', (e) => {
  if (!image || !image.clickHandler) return;
  const r = canvas.getBoundingClientRect();
  const x = Math.floor(((e.clientX - r.left) / r.width) * canvas.width);
  const y = Math.floor(((e.clientY - r.top) / r.height) * canvas.height);
  call(image.clickHandler, { x: x, y: y });
});

function setHandlers(list) {
  if (JSON.stringify(list) === JSON.stringify(handlers)) return;
  handlers = list;
  const select = $('handler');
  select.textContent = '';
  for (const h of list) {
    const o = document.createElement('option');
    o.textContent = h;
    select.appendChild(o);
  }
  $('call').disabled = list.length === 0;
}

function call(handler, payload) {
  const id = nextCall++;
  calls.set(id, log(handler, payload, null, id));
  socket.send(JSON.stringify({ type: 'call', id: id, handler: handler, payload: payload }));
}

$('call').addEventListener('click', () => {
  let payload = null;
  const raw = $('payload').value.trim();
  if (raw) {
    try { payload = JSON.parse(raw); } catch (err) { log($('handler').value, raw, { error: 'the payload is not JSON: ' + err.message }); return; }
  }
  call($('handler').value, payload);
});

function log(handler, payload, outcome, id) {
  const li = document.createElement('li');
  li.dataset.handler = handler;
  if (id !== undefined) li.dataset.id = String(id);
  li.textContent = handler + '(' + (payload === null || payload === undefined ? '' : JSON.stringify(payload)) + ')';
  const list = $('ccs-log');
  list.appendChild(li);
  while (list.children.length > 50) list.removeChild(list.firstChild);
  if (outcome) settle(li, outcome);
  return li;
}

function answer(id, outcome) {
  const li = calls.get(id);
  calls.delete(id);
  if (li) settle(li, outcome);
}

function settle(li, outcome) {
  const span = document.createElement('span');
  if ('error' in outcome && outcome.error !== undefined) {
    li.dataset.error = outcome.error;
    span.className = 'error';
    span.textContent = ' \\u2717 ' + outcome.error;
  } else {
    li.dataset.reply = JSON.stringify(outcome.value);
    span.textContent = ' \\u2192 ' + JSON.stringify(outcome.value);
  }
  li.appendChild(span);
}

function addStep(s) {
  const max = (a) => Math.max.apply(null, a);
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const row = document.createElement('tr');
  const cells = [s.step, s.array, s.balancer, s.moved + ' / ' + s.elements,
    (max(s.loadBefore) / (mean(s.loadBefore) || 1)).toFixed(2) + ' \\u2192 ' + (max(s.loadAfter) / (mean(s.loadAfter) || 1)).toFixed(2)];
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = String(c);
    row.appendChild(td);
  }
  const body = $('steps');
  body.insertBefore(row, body.firstChild);
  while (body.children.length > 100) body.removeChild(body.lastChild);
}

function addOutput(lines, dropped) {
  const pre = $('output');
  const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  let t = pre.textContent;
  if (dropped) t += '[' + dropped + ' lines not shown]\\n';
  t += lines.join('\\n') + '\\n';
  const all = t.split('\\n');
  if (all.length > 500) t = all.slice(all.length - 500).join('\\n');
  pre.textContent = t;
  if (atEnd) pre.scrollTop = pre.scrollHeight;
}

function drawCharts() {
  chart($('busy'), (p) => 100 * p.busy, 100, '% busy');
  chart($('rate'), (p) => p.msgsIn + p.msgsOut, 0, 'messages/s (in + out)');
  const legend = $('legend');
  legend.textContent = '';
  const last = perf[perf.length - 1];
  for (let pe = 0; pe < numPes; pe++) {
    const span = document.createElement('span');
    span.style.color = colours[pe % colours.length];
    span.textContent = 'PE ' + pe + (last && last.pes[pe] ? ' ' + Math.round(100 * last.pes[pe].busy) + '% busy, ' + Math.round(last.pes[pe].msgsIn + last.pes[pe].msgsOut) + ' msg/s' : '') + '  ';
    legend.appendChild(span);
  }
}

function chart(c, value, fixedMax, label) {
  const g = c.getContext('2d');
  const w = c.width, h = c.height;
  g.clearRect(0, 0, w, h);
  g.fillStyle = '#666';
  g.font = '11px sans-serif';
  if (perf.length < 2) { g.fillText(label + ': waiting for samples', 4, 12); return; }
  let top = fixedMax;
  if (!top) for (const s of perf) for (const p of s.pes) top = Math.max(top, value(p));
  top = top || 1;
  const t0 = perf[0].t, t1 = perf[perf.length - 1].t;
  for (let pe = 0; pe < numPes; pe++) {
    g.strokeStyle = colours[pe % colours.length];
    g.beginPath();
    perf.forEach((s, i) => {
      const x = ((s.t - t0) / (t1 - t0 || 1)) * (w - 2) + 1;
      const y = h - 1 - (value(s.pes[pe]) / top) * (h - 16);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  }
  g.fillText(label + ' (top ' + Math.round(top) + ', last ' + Math.round(t1 - t0) + ' s)', 4, 12);
}
`;

/** The page (its script inline). */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>charmts live view</title>
<link rel="icon" href="data:,">
<style>
body { font: 13px system-ui, sans-serif; margin: 0; background: #f4f4f4; color: #222; }
header { background: #223; color: #fff; padding: 6px 12px; display: flex; gap: 18px; align-items: baseline; }
header h1 { font-size: 15px; margin: 0; }
body.closed header { background: #733; }
main { display: grid; grid-template-columns: minmax(320px, 3fr) minmax(300px, 2fr); gap: 12px; padding: 12px; }
section { background: #fff; border: 1px solid #ddd; padding: 8px; margin-bottom: 12px; }
h2 { font-size: 13px; margin: 0 0 6px; }
#image { width: 100%; image-rendering: pixelated; background: #000; cursor: crosshair; display: block; }
canvas.chart { width: 100%; height: 110px; display: block; }
#output { height: 180px; overflow: auto; background: #111; color: #ddd; font: 12px ui-monospace, monospace; margin: 0; padding: 6px; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
td, th { border-bottom: 1px solid #eee; padding: 2px 4px; text-align: left; }
#ccs-log { font: 12px ui-monospace, monospace; max-height: 140px; overflow: auto; padding-left: 28px; }
.error { color: #b00; }
.note { color: #666; }
</style>
</head>
<body>
<header><h1>charmts live view</h1><span id="state">connecting</span><span id="pes"></span><span id="viewers"></span></header>
<main>
<div>
<section><h2>Image</h2><canvas id="image" width="320" height="240"></canvas>
<div><span id="frame" class="note">waiting for the first frame</span> <span id="click-note" class="note"></span></div></section>
<section><h2>Output</h2><pre id="output"></pre></section>
</div>
<div>
<section><h2>PEs</h2><canvas id="busy" class="chart" width="460" height="110"></canvas><canvas id="rate" class="chart" width="460" height="110"></canvas><div id="legend" class="note"></div></section>
<section><h2>Load balancing</h2><table><thead><tr><th>step</th><th>array</th><th>strategy</th><th>moved</th><th>max/mean load</th></tr></thead><tbody id="steps"></tbody></table></section>
<section><h2>CCS handlers</h2><select id="handler"></select> <input id="payload" placeholder="payload (JSON)" size="24"> <button id="call" disabled>call</button><ol id="ccs-log"></ol></section>
</div>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
