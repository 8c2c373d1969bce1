import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type { ChartWeek } from '../../../src/digest/build.js';
import {
  AXIS_TITLES,
  CHART_SIZE,
  CHART_TITLE,
  describeChart,
  drawChart,
  EMPTY_MESSAGE,
  fontFiles,
  LINE_COLOUR,
  renderChart,
  SEV_COLOURS,
} from '../../../src/digest/chart.js';
import { countColour, countInk, decodePng, hexRgb } from '../../helpers/png.js';

const SEV1 = hexRgb(SEV_COLOURS.SEV1);
const LINE = hexRgb(LINE_COLOUR);
const MONTHS = ['Sep', 'Oct', 'Nov'];

const week = (i: number, sev1: number, other: number, rate: number | null): ChartWeek => ({
  key: `2026-09-${String(i + 1).padStart(2, '0')}`,
  label: `${((i * 7) % 28) + 1} ${MONTHS[Math.floor(i / 4)]}`,
  bySeverity: { 1: sev1, 2: other, 3: 0, 4: 0 },
  total: sev1 + other,
  repeatRate: rate,
});
const twelve = (f: (i: number) => ChartWeek) => Array.from({ length: 12 }, (_, i) => f(i));

const svgOf = async (weeks: ChartWeek[]) => (await drawChart(weeks)).svg;

/** The `d` of each path drawn by the line mark (Vega's SVG names marks by role). */
function linePaths(svg: string): string[] {
  const group = svg.match(/<g class="mark-line role-mark[^>]*>(.*?)<\/g>/)?.[1] ?? '';
  return [...group.matchAll(/ d="([^"]*)"/g)].map((m) => m[1] ?? '');
}

describe('digest chart', () => {
  it('is a valid, non-blank PNG of the chart size with bars and the repeat-rate line', async () => {
    const img = decodePng(await renderChart(twelve((i) => week(i, i % 3, 2, i / 12))));
    expect([img.width, img.height]).toEqual([CHART_SIZE.width, CHART_SIZE.height]);
    expect(countInk(img.pixels)).toBeGreaterThan(20_000);
    expect(countColour(img.pixels, SEV1)).toBeGreaterThan(500);
    expect(countColour(img.pixels, LINE)).toBeGreaterThan(500);
  });

  it('bars scale with the data: no SEV1 ink beyond the legend when no SEV1 incidents', async () => {
    const none = decodePng(await renderChart(twelve((i) => week(i, 0, 3, null))));
    const some = decodePng(await renderChart(twelve((i) => week(i, 1, 3, null))));
    expect(countColour(none.pixels, SEV1)).toBeLessThan(200); // the legend swatch only
    expect(countColour(some.pixels, SEV1)).toBeGreaterThan(2000);
  });

  it('labels what a reader needs: title, axis titles, severities, every week and each total', async () => {
    const weeks = twelve((i) => week(i, i, 20 + i, i / 12));
    const svg = await svgOf(weeks);
    for (const text of [CHART_TITLE, AXIS_TITLES.x, AXIS_TITLES.count, AXIS_TITLES.rate, 'SEV1', 'SEV4'])
      expect(svg).toContain(`>${text}</text>`);
    for (const w of weeks) {
      expect(svg).toContain(`>${w.label}</text>`);
      expect(svg).toContain(`>${w.total}</text>`);
    }
    expect(svg).toContain('>100%</text>');
    expect(svg).not.toContain(EMPTY_MESSAGE);
  });

  it('breaks the repeat-rate line at a week without a rate instead of inventing one', async () => {
    const whole = linePaths(await svgOf(twelve((i) => week(i, 1, 1, 0.5))));
    const broken = linePaths(await svgOf(twelve((i) => week(i, 1, 1, i === 6 ? null : 0.5))));
    const segments = (ds: string[]) => ds.join('').split('M').length - 1;
    expect(segments(whole)).toBe(1);
    expect(segments(broken)).toBe(2);
  });

  it('draws the same bytes for the same input', async () => {
    const weeks = twelve((i) => week(i, i % 2, 3, i % 4 === 0 ? null : i / 12));
    const [a, b] = [await renderChart(weeks), await renderChart(weeks)];
    expect(a.equals(b)).toBe(true);
  });

  it('draws its text with the shipped TTF font, loading no system font', async () => {
    for (const f of fontFiles()) expect(readFileSync(f).readUInt32BE(0)).toBe(0x00010000); // TrueType
    // resvg is given only the shipped files; text appears in the title band only if they load.
    const img = decodePng(await renderChart(twelve((i) => week(i, 0, 0, null))));
    let ink = 0;
    for (let y = 0; y < 30; y++)
      for (let x = 0; x < 300; x++) if ((img.pixels[(y * img.width + x) * 4] ?? 255) < 128) ink++;
    expect(ink).toBeGreaterThan(300);
  });

  it('says so when the weeks are empty, and copes with huge counts', async () => {
    expect(await svgOf(twelve((i) => week(i, 0, 0, null)))).toContain(`>${EMPTY_MESSAGE}</text>`);
    const huge = await svgOf([week(0, 5000, 9000, 1)]);
    expect(huge).toContain('>14000</text>');
  });

  it('describes the figures in words for the alt text', () => {
    const weeks = twelve((i) => week(i, i === 11 ? 2 : 0, 3, i === 11 ? 0.25 : null));
    const text = describeChart(weeks);
    expect(text).toContain('1 Sep 3, 8 Sep 3');
    expect(text).toContain('Week of 22 Nov: SEV1 2, SEV2 3, SEV3 0, SEV4 0; repeat rate 25%.');
    expect(describeChart(twelve((i) => week(i, 0, 0, null)))).toBe('No incidents in these weeks.');
    expect(text.length).toBeLessThan(1000); // Slack's alt_txt limit
  });

  it('the bot never loads the chart libraries itself: only the chart worker, a build entry of its own, does', async () => {
    const build_ = JSON.parse(readFileSync('package.json', 'utf8')).scripts.build as string;
    expect(build_).toContain('src/digest/chart-worker.mjs');
    const out = await build({
      entryPoints: ['src/main.ts', 'src/digest/chart-worker.mjs'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outdir: 'dist-test',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const libs = /^(vega|vega-lite|@resvg\/resvg-js)$/;
    const importedBy = (entry: string) =>
      Object.entries(out.metafile.outputs)
        .filter(([, o]) => o.entryPoint === entry)
        .flatMap(([, o]) => o.imports)
        .filter((i) => libs.test(i.path));
    expect(importedBy('src/main.ts')).toEqual([]);
    const worker = importedBy('src/digest/chart-worker.mjs');
    expect(worker.map((i) => i.path).sort()).toEqual(['@resvg/resvg-js', 'vega', 'vega-lite']);
    expect(worker.every((i) => i.kind === 'dynamic-import')).toBe(true);
  });
});
