import type { ChartWeek } from './build.js';
import { drawText, Raster, type Rgb, textWidth } from './png.js';

/**
 * The digest's chart: incidents per week by severity as stacked bars, with the repeat rate as a
 * line on its own 0–100 % axis. Drawn pixel by pixel into a PNG, so the bot needs no image library.
 */
export const CHART_SIZE = { width: 800, height: 400 } as const;

const SEV_COLOURS: Record<1 | 2 | 3 | 4, Rgb> = {
  1: [214, 39, 40],
  2: [255, 127, 14],
  3: [242, 193, 46],
  4: [127, 140, 154],
};
const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];
const LINE: Rgb = [31, 95, 191];
const MUTED: Rgb = [110, 110, 110];

/** A round axis maximum ≥ `n` divisible into 4 whole ticks. */
function axisMax(n: number): number {
  const m = Math.max(4, n);
  const step = Math.ceil(m / 4);
  const nice = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000].find((s) => s >= step);
  return (nice ?? step) * 4;
}

export function renderChart(weeks: readonly ChartWeek[]): Buffer {
  const { width, height } = CHART_SIZE;
  const r = new Raster(width, height);
  const left = 56;
  const right = width - 64;
  const top = 64;
  const bottom = height - 36;
  const plotH = bottom - top;

  drawText(r, 'INCIDENTS PER WEEK BY SEVERITY - REPEAT RATE', left, 12, INK, 2);
  let lx = left;
  for (const s of [1, 2, 3, 4] as const) {
    r.rect(lx, 40, 10, 10, SEV_COLOURS[s]);
    drawText(r, `SEV${s}`, lx + 14, 42, INK);
    lx += 14 + textWidth(`SEV${s}`) + 16;
  }
  r.line(lx, 45, lx + 16, 45, LINE, 3);
  drawText(r, 'REPEAT RATE (RIGHT AXIS)', lx + 22, 42, INK);

  const max = axisMax(Math.max(0, ...weeks.map((w) => w.total)));
  for (let i = 0; i <= 4; i++) {
    const y = bottom - (plotH * i) / 4;
    r.rect(left, y, right - left, 1, GRID);
    const label = String((max * i) / 4);
    drawText(r, label, left - 6 - textWidth(label), y - 3, MUTED);
    const pct = `${25 * i}%`;
    drawText(r, pct, right + 6, y - 3, LINE);
  }
  r.rect(left, top, 1, plotH + 1, INK);
  r.rect(left, bottom, right - left, 1, INK);
  r.rect(right, top, 1, plotH + 1, LINE);

  const n = Math.max(1, weeks.length);
  const slot = (right - left) / n;
  const barW = Math.max(2, Math.floor(slot * 0.6));
  const points: ([number, number] | null)[] = [];
  weeks.forEach((w, i) => {
    const cx = left + slot * i + slot / 2;
    let y = bottom;
    for (const s of [4, 3, 2, 1] as const) {
      const h = Math.round((plotH * w.bySeverity[s]) / max);
      if (h > 0) {
        r.rect(cx - barW / 2, y - h, barW, h, SEV_COLOURS[s]);
        y -= h;
      }
    }
    if (w.total > 0) {
      const t = String(w.total);
      drawText(r, t, cx - textWidth(t) / 2, y - 10, INK);
    }
    const label = w.label.toUpperCase();
    drawText(r, label, cx - textWidth(label) / 2, bottom + 8, INK);
    points.push(w.repeatRate === null ? null : [cx, bottom - plotH * Math.min(1, Math.max(0, w.repeatRate))]);
  });
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (a && b) r.line(a[0], a[1], b[0], b[1], LINE, 3);
  }
  // A week without incidents has no rate: the line breaks there rather than inventing one.
  for (const p of points) if (p) r.rect(p[0] - 3, p[1] - 3, 7, 7, LINE);
  if (weeks.every((w) => w.total === 0)) {
    const msg = 'NO INCIDENTS IN THESE WEEKS';
    drawText(r, msg, (left + right) / 2 - textWidth(msg, 2) / 2, top + plotH / 2 - 7, MUTED, 2);
  }
  return r.toPng();
}
