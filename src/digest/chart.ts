import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import type { ChartWeek } from './build.js';

/**
 * The digest's chart: incidents per week by severity as stacked bars (the week's total above each
 * bar), with the repeat rate as a line on its own 0–100 % axis. A Vega-Lite spec rendered to SVG by
 * Vega, rasterised by resvg. The three libraries are imported only in the worker that draws a chart,
 * so neither start-up nor the bot's memory pays for them.
 */
export const CHART_SIZE = { width: 800, height: 400 } as const;

export const SEV_COLOURS = {
  SEV1: '#d62728',
  SEV2: '#ff7f0e',
  SEV3: '#f2c12e',
  SEV4: '#7f8c9a',
} as const;
export const LINE_COLOUR = '#1f5fbf';
export const CHART_TITLE = 'Incidents per week by severity, with repeat rate';
export const AXIS_TITLES = { x: 'Week starting', count: 'Incidents', rate: 'Repeat rate' } as const;
export const EMPTY_MESSAGE = 'No incidents in these weeks';

/**
 * The font every label is drawn in. Inter (SIL Open Font License 1.1, which allows redistribution
 * with the software) comes as TTF files in an npm package, so a container without system fonts
 * draws the same picture; resvg is told to load nothing else.
 */
const FONT = 'Inter';
/** The font's files, resolved when a chart is drawn (like the libraries, nothing at import time). */
export function fontFiles(): string[] {
  const require = createRequire(import.meta.url);
  return [
    require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'),
    require.resolve('@expo-google-fonts/inter/600SemiBold/Inter_600SemiBold.ttf'),
  ];
}

const SEVERITIES = [1, 2, 3, 4] as const;

/** The declarative chart: data in, a complete Vega-Lite spec out (no drawing here). */
export function chartSpec(weeks: readonly ChartWeek[]): TopLevelSpec {
  // Weeks are told apart by key (unique); the axis shows each key's label.
  const labels = Object.fromEntries(weeks.map((w) => [w.key, w.label]));
  const bars = weeks.flatMap((w) =>
    SEVERITIES.map((s) => ({ week: w.key, severity: `SEV${s}`, rank: s, count: w.bySeverity[s] })),
  );
  const totals = weeks.map((w) => ({ week: w.key, total: w.total, rate: w.repeatRate }));
  const empty = weeks.every((w) => w.total === 0);
  const x = {
    field: 'week',
    type: 'ordinal',
    sort: 'ascending',
    title: AXIS_TITLES.x,
    axis: { labelAngle: 0, labelExpr: `${JSON.stringify(labels)}[datum.value]` },
  } as const;
  const countAxis = { title: AXIS_TITLES.count, tickMinStep: 1, format: 'd' } as const;
  // Headroom above the tallest bar for its total; at least 0–4 so an empty chart still has an axis.
  const max = Math.max(0, ...weeks.map((w) => w.total));
  const scale = { domain: [0, Math.max(4, Math.ceil(max * 1.1))], nice: true } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: CHART_SIZE.width,
    height: CHART_SIZE.height,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 12,
    background: 'white',
    title: { text: CHART_TITLE, anchor: 'start', offset: 8, fontSize: 16, fontWeight: 600, color: '#282828' },
    config: {
      font: FONT,
      view: { stroke: null },
      axis: {
        labelFontSize: 11,
        titleFontSize: 12,
        titleFontWeight: 600,
        labelColor: '#444',
        titleColor: '#282828',
      },
      legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 600 },
    },
    layer: [
      {
        layer: [
          {
            data: { values: bars },
            mark: { type: 'bar', width: { band: 0.6 } },
            encoding: {
              x,
              y: {
                aggregate: 'sum',
                field: 'count',
                type: 'quantitative',
                stack: 'zero',
                scale,
                axis: countAxis,
              },
              color: {
                field: 'severity',
                type: 'nominal',
                scale: { domain: Object.keys(SEV_COLOURS), range: Object.values(SEV_COLOURS) },
                legend: { title: null, orient: 'top', direction: 'horizontal', symbolType: 'square' },
              },
              // SEV1 on top of each bar, where the eye lands first.
              order: { field: 'rank', sort: 'descending' },
            },
          },
          {
            data: { values: totals },
            transform: [{ filter: 'datum.total > 0' }],
            mark: { type: 'text', dy: -7, fontSize: 11, fontWeight: 600, color: '#282828' },
            encoding: {
              x,
              y: { field: 'total', type: 'quantitative', scale, axis: countAxis },
              text: { field: 'total', type: 'quantitative' },
            },
          },
        ],
      },
      {
        // A week without incidents has no rate: the line breaks there rather than inventing one.
        data: { values: totals },
        mark: { type: 'line', color: LINE_COLOUR, strokeWidth: 2.5, point: { size: 40, filled: true } },
        encoding: {
          x,
          y: {
            field: 'rate',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            axis: {
              title: AXIS_TITLES.rate,
              format: '.0%',
              orient: 'right',
              tickCount: 4,
              titleColor: LINE_COLOUR,
              labelColor: LINE_COLOUR,
            },
          },
        },
      },
      ...(empty
        ? [
            {
              data: { values: [{ message: EMPTY_MESSAGE }] },
              mark: { type: 'text', fontSize: 16, color: '#6e6e6e' },
              encoding: { text: { field: 'message' } },
            } as const,
          ]
        : []),
    ],
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/**
 * What the picture shows, in words, for the upload's alt text: a screen reader hears the figures the
 * bars and the line draw, not just that there is a chart.
 */
export function describeChart(weeks: readonly ChartWeek[]): string {
  if (weeks.every((w) => w.total === 0)) return 'No incidents in these weeks.';
  const totals = weeks.map((w) => `${w.label} ${w.total}`).join(', ');
  const last = weeks.at(-1);
  const sev = last ? SEVERITIES.map((s) => `SEV${s} ${last.bySeverity[s]}`).join(', ') : '';
  const rate =
    last?.repeatRate == null ? 'no repeat rate' : `repeat rate ${Math.round(last.repeatRate * 100)}%`;
  return `Incidents per week: ${totals}. Week of ${last?.label}: ${sev}; ${rate}.`;
}

const CHART_TIMEOUT_MS = 60_000;

/** What resvg is told: the chart's own size, a white background, only the shipped font. */
function resvgOptions(): ResvgRenderOptions {
  return {
    fitTo: { mode: 'original' },
    background: 'white',
    font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: FONT, sansSerifFamily: FONT },
  };
}

/**
 * The chart as SVG (what Vega drew) and PNG (what resvg made of it). Both are made in a worker
 * thread (`chart-worker.mjs`) that exits afterwards, so the libraries load only when a chart is
 * drawn and leave nothing behind in the bot.
 */
export function drawChart(weeks: readonly ChartWeek[]): Promise<{ svg: string; png: Buffer }> {
  const worker = new Worker(new URL('./chart-worker.mjs', import.meta.url), {
    workerData: { spec: chartSpec(weeks), resvg: resvgOptions() },
    // The worker is plain JavaScript: none of the parent's flags (a loader, --input-type …) apply.
    execArgv: [],
  });
  return new Promise((resolve, reject) => {
    // A stuck renderer must not hold the digest job forever: it fails, and the retry sweep tries again.
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the chart worker took over ${CHART_TIMEOUT_MS / 1000} s`));
    }, CHART_TIMEOUT_MS);
    timer.unref();
    worker.once('message', (m: { svg: string; png: Uint8Array }) => {
      clearTimeout(timer);
      resolve({ svg: m.svg, png: Buffer.from(m.png.buffer, m.png.byteOffset, m.png.byteLength) });
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the chart worker exited (code ${code}) without a chart`));
    });
  });
}

/** The chart as an antialiased PNG for the digest thread. */
export async function renderChart(weeks: readonly ChartWeek[]): Promise<Buffer> {
  return (await drawChart(weeks)).png;
}
