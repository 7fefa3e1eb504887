// Small hand-written SVG plots: panels of points with 95 % interval bars, optionally joined by a line.

export interface PlotPoint {
  readonly x: number;
  readonly y: number;
  readonly lo?: number;
  readonly hi?: number;
  readonly label?: string;
}

export interface PlotSeries {
  readonly name: string;
  readonly points: readonly PlotPoint[];
  /** Join the points in x order. */
  readonly line?: boolean;
}

export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly PlotSeries[];
  /** Category labels for x (then x is an index 0…n−1). */
  readonly xTicks?: readonly { readonly x: number; readonly label: string }[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number): string => (Math.round(v * 100) / 100).toString();

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000 || a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** A point label beside its point, flipped left near the right edge and moved down past labels already placed. */
function placeLabel(text: string, x: number, y: number, right: number, placed: Box[]): string {
  const width = 5.2 * text.length;
  const flip = x + 6 + width > right;
  const x0 = flip ? x - 6 - width : x + 6;
  let ty = y - 4;
  for (let tries = 0; tries < 12; tries++) {
    const box = { x0, x1: x0 + width, y0: ty - 8, y1: ty + 1 };
    if (!placed.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1)) break;
    ty += 10;
  }
  placed.push({ x0, x1: x0 + width, y0: ty - 8, y1: ty + 1 });
  return `<text x="${num(flip ? x - 6 : x + 6)}" y="${num(ty)}" font-size="9" fill="#333"${flip ? ' text-anchor="end"' : ''}>${esc(text)}</text>`;
}

const PANEL_W = 360;
const PANEL_H = 270;
const M = { left: 58, right: 14, top: 30, bottom: 44 };

function panelSvg(p: Panel, ox: number, oy: number): string {
  const pts = p.series.flatMap((s) => s.points).filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y));
  const ys = pts.flatMap((q) => [q.y, q.lo ?? q.y, q.hi ?? q.y]).filter(Number.isFinite);
  const xs = pts.map((q) => q.x);
  const parts: string[] = [];
  const w = PANEL_W - M.left - M.right;
  const h = PANEL_H - M.top - M.bottom;
  parts.push(`<g transform="translate(${ox},${oy})">`);
  parts.push(`<text x="${PANEL_W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(p.title)}</text>`);
  if (pts.length === 0) {
    parts.push(`<text x="${PANEL_W / 2}" y="${PANEL_H / 2}" text-anchor="middle" font-size="12" fill="#888">no data</text></g>`);
    return parts.join('');
  }
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (p.xTicks !== undefined) {
    x0 = -0.5;
    x1 = p.xTicks.length - 0.5;
  } else {
    const pad = x1 > x0 ? 0.06 * (x1 - x0) : Math.max(1, Math.abs(x0) * 0.1);
    x0 -= pad;
    x1 += pad;
  }
  const yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const pad = 0.04 * (Math.max(...ys) - Math.min(...ys));
  const y0 = Math.min(yt[0], Math.min(...ys) - pad);
  const y1 = Math.max(yt[yt.length - 1], Math.max(...ys) + pad);
  const sx = (x: number): number => M.left + ((x - x0) / (x1 - x0)) * w;
  const sy = (y: number): number => M.top + h - ((y - y0) / (y1 - y0 || 1)) * h;
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${w}" height="${h}" fill="none" stroke="#444"/>`);
  for (const t of yt) {
    const y = sy(t);
    parts.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${num(y)}" y2="${num(y)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${M.left - 5}" y="${num(y + 4)}" text-anchor="end" font-size="10">${fmtTick(t)}</text>`);
  }
  const xt = p.xTicks ?? niceTicks(x0, x1).map((x) => ({ x, label: fmtTick(x) }));
  for (const t of xt) {
    if (t.x < x0 || t.x > x1) continue;
    const x = sx(t.x);
    parts.push(`<line x1="${num(x)}" x2="${num(x)}" y1="${M.top + h}" y2="${M.top + h + 4}" stroke="#444"/>`);
    parts.push(`<text x="${num(x)}" y="${M.top + h + 15}" text-anchor="middle" font-size="10">${esc(t.label)}</text>`);
  }
  parts.push(`<text x="${M.left + w / 2}" y="${PANEL_H - 8}" text-anchor="middle" font-size="11">${esc(p.xLabel)}</text>`);
  parts.push(`<text transform="translate(13,${M.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(p.yLabel)}</text>`);
  const placed: Box[] = [];
  p.series.forEach((s, si) => {
    const colour = COLOURS[si % COLOURS.length];
    const good = s.points.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y));
    if (s.line === true && good.length > 1) {
      const d = [...good].sort((a, c) => a.x - c.x).map((q, i) => `${i === 0 ? 'M' : 'L'}${num(sx(q.x))},${num(sy(q.y))}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
    }
    for (const q of good) {
      const x = sx(q.x);
      if (q.lo !== undefined && q.hi !== undefined && Number.isFinite(q.lo) && Number.isFinite(q.hi)) {
        parts.push(`<line x1="${num(x)}" x2="${num(x)}" y1="${num(sy(q.lo))}" y2="${num(sy(q.hi))}" stroke="${colour}" stroke-width="1.2"/>`);
        parts.push(`<line x1="${num(x - 3)}" x2="${num(x + 3)}" y1="${num(sy(q.lo))}" y2="${num(sy(q.lo))}" stroke="${colour}"/>`);
        parts.push(`<line x1="${num(x - 3)}" x2="${num(x + 3)}" y1="${num(sy(q.hi))}" y2="${num(sy(q.hi))}" stroke="${colour}"/>`);
      }
      parts.push(`<circle cx="${num(x)}" cy="${num(sy(q.y))}" r="3.2" fill="${colour}"><title>${esc(`${q.label ?? s.name}: ${fmtTick(q.y)}`)}</title></circle>`);
      if (q.label !== undefined) parts.push(placeLabel(q.label, x, sy(q.y), M.left + w, placed));
    }
  });
  if (p.series.length > 1) {
    p.series.forEach((s, si) => {
      const y = M.top + 10 + si * 13;
      parts.push(`<rect x="${M.left + 8}" y="${y - 7}" width="8" height="8" fill="${COLOURS[si % COLOURS.length]}"/>`);
      parts.push(`<text x="${M.left + 20}" y="${y}" font-size="10">${esc(s.name)}</text>`);
    });
  }
  parts.push('</g>');
  return parts.join('');
}

/** A figure of panels side by side, with a caption. */
export function figureSvg(title: string, panels: readonly Panel[], caption = ''): string {
  const width = Math.max(1, panels.length) * PANEL_W;
  const height = PANEL_H + 34 + (caption ? 18 : 0);
  const body = panels.map((p, i) => panelSvg(p, i * PANEL_W, 30)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`,
    body,
    caption ? `<text x="10" y="${height - 6}" font-size="10" fill="#555">${esc(caption)}</text>` : '',
    '</svg>',
    '',
  ].join('\n');
}
