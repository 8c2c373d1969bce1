import { describe, expect, it } from 'vitest';
import type { ChartWeek } from '../../../src/digest/build.js';
import { CHART_SIZE, renderChart } from '../../../src/digest/chart.js';
import { crc32 } from '../../../src/digest/png.js';
import { countColour, decodePng } from '../../helpers/png.js';

const SEV1: [number, number, number] = [214, 39, 40];
const LINE: [number, number, number] = [31, 95, 191];

const week = (i: number, sev1: number, other: number, rate: number | null): ChartWeek => ({
  key: `2026-09-${String(i + 1).padStart(2, '0')}`,
  label: `${i + 1} Sep`,
  bySeverity: { 1: sev1, 2: other, 3: 0, 4: 0 },
  total: sev1 + other,
  repeatRate: rate,
});

describe('chart PNG', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('is a valid PNG with bars and the repeat-rate line', () => {
    const png = renderChart(Array.from({ length: 12 }, (_, i) => week(i, i % 3, 2, i / 12)));
    const img = decodePng(png);
    expect(img.width).toBe(CHART_SIZE.width);
    expect(img.height).toBe(CHART_SIZE.height);
    expect(countColour(img.pixels, SEV1)).toBeGreaterThan(500);
    expect(countColour(img.pixels, LINE)).toBeGreaterThan(500);
  });

  it('bars scale with the data: no SEV1 ink beyond the legend when no SEV1 incidents', () => {
    const none = decodePng(renderChart(Array.from({ length: 12 }, (_, i) => week(i, 0, 3, null))));
    const some = decodePng(renderChart(Array.from({ length: 12 }, (_, i) => week(i, 1, 3, null))));
    expect(countColour(none.pixels, SEV1)).toBe(100); // the 10×10 legend swatch only
    expect(countColour(some.pixels, SEV1)).toBeGreaterThan(1000);
  });

  it('renders empty weeks and huge counts', () => {
    expect(() =>
      decodePng(renderChart(Array.from({ length: 12 }, (_, i) => week(i, 0, 0, null)))),
    ).not.toThrow();
    expect(() => decodePng(renderChart([week(0, 5000, 9000, 1)]))).not.toThrow();
  });
});
