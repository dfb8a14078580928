/**
 * Renders bench/results/latest.svg: round-trip latency and bandwidth
 * against message size, charmts beside every implementation that ran (C
 * MPI, mpi4py, Charm++, Charm4py), log-log axes; each panel's legend under
 * it. Plain SVG text, no dependency.
 */

export interface Series {
  label: string;
  color: string;
  /** [bytes, value] pairs. */
  points: [number, number][];
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const WIDTH = 520;
const HEIGHT = 360;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 50 };
/** Height of one legend row, under the plot. */
const LEGEND_ROW = 16;

function logScale(min: number, max: number, from: number, to: number): (v: number) => number {
  const a = Math.log10(min);
  const b = Math.log10(max);
  return (v) => from + ((Math.log10(v) - a) / (b - a || 1)) * (to - from);
}

function formatBytes(b: number): string {
  if (b >= 1 << 20) return `${b / (1 << 20)} MiB`;
  if (b >= 1024) return `${b / 1024} KiB`;
  return `${b} B`;
}

function panel(p: Panel, offsetX: number): string {
  const all = p.series.flatMap((s) => s.points).filter(([, v]) => v > 0);
  if (all.length === 0) return '';
  const xs = all.map(([b]) => b);
  const ys = all.map(([, v]) => v);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...ys)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys)));
  const x = logScale(Math.min(...xs), Math.max(...xs), offsetX + MARGIN.left, offsetX + WIDTH - MARGIN.right);
  const y = logScale(yMin, yMax, HEIGHT - MARGIN.bottom, MARGIN.top);
  const out: string[] = [`<text x="${offsetX + WIDTH / 2}" y="22" text-anchor="middle" font-weight="bold">${p.title}</text>`];
  for (let d = yMin; d <= yMax; d *= 10) {
    out.push(`<line x1="${offsetX + MARGIN.left}" x2="${offsetX + WIDTH - MARGIN.right}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/>`);
    out.push(`<text x="${offsetX + MARGIN.left - 6}" y="${y(d) + 4}" text-anchor="end" font-size="11">${d >= 1 ? d : d.toPrecision(1)}</text>`);
  }
  let lastLabel = -Infinity;
  for (const b of [...new Set(xs)].sort((m, n) => m - n)) {
    if (x(b) - lastLabel < 36) continue; // sizes too close to label apart (32 KiB beside 64 KiB): the first only
    lastLabel = x(b);
    out.push(`<text x="${x(b)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="10">${formatBytes(b)}</text>`);
  }
  out.push(`<text x="${offsetX + 16}" y="${HEIGHT / 2}" transform="rotate(-90 ${offsetX + 16} ${HEIGHT / 2})" text-anchor="middle" font-size="12">${p.unit}</text>`);
  out.push(`<text x="${offsetX + WIDTH / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="12">message size</text>`);
  p.series.forEach((s, i) => {
    const pts = s.points.filter(([, v]) => v > 0).map(([b, v]) => `${x(b).toFixed(1)},${y(v).toFixed(1)}`);
    if (pts.length) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    out.push(`<rect x="${offsetX + MARGIN.left + 10}" y="${HEIGHT + 6 + i * LEGEND_ROW}" width="12" height="4" fill="${s.color}"/>`);
    out.push(`<text x="${offsetX + MARGIN.left + 28}" y="${HEIGHT + 11 + i * LEGEND_ROW}" font-size="11">${s.label}</text>`);
  });
  return out.join('\n');
}

/** The two panels side by side, as an SVG document. */
export function renderSvg(latency: Series[], bandwidth: Series[]): string {
  const body = [panel({ title: 'Ping-pong round trip', unit: 'microseconds', series: latency }, 0), panel({ title: 'Ping-pong bandwidth', unit: 'MB/s', series: bandwidth }, WIDTH)];
  const height = HEIGHT + 10 + LEGEND_ROW * Math.max(latency.length, bandwidth.length);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * WIDTH}" height="${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body.join('\n')}\n</svg>\n`;
}
