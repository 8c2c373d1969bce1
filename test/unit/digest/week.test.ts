import { describe, expect, it } from 'vitest';
import {
  localDate,
  previousWeek,
  shiftWeek,
  weekContaining,
  weekFromKey,
  weekLabel,
} from '../../../src/digest/week.js';

const hours = (w: { start: Date; end: Date }) => (w.end.getTime() - w.start.getTime()) / 3_600_000;

describe('digest weeks', () => {
  it('runs Monday 00:00 to Monday 00:00 in the zone', () => {
    const w = weekContaining(new Date('2026-11-25T12:00:00Z'), 'UTC');
    expect(w.key).toBe('2026-11-23');
    expect(w.start.toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(w.end.toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(weekLabel(w)).toBe('23–29 Nov 2026');
  });

  it('uses local midnight, not UTC midnight', () => {
    // Sunday 23:30 in New York is already Monday in UTC: still the old week there.
    const w = weekContaining(new Date('2026-11-30T04:30:00Z'), 'America/New_York');
    expect(w.key).toBe('2026-11-23');
    expect(w.start.toISOString()).toBe('2026-11-23T05:00:00.000Z');
  });

  it('a week with the spring DST change is 167 hours and ends on local midnight', () => {
    const w = weekContaining(new Date('2026-03-26T12:00:00Z'), 'Europe/Berlin');
    expect(w.key).toBe('2026-03-23');
    expect(w.start.toISOString()).toBe('2026-03-22T23:00:00.000Z'); // CET
    expect(w.end.toISOString()).toBe('2026-03-29T22:00:00.000Z'); // CEST
    expect(hours(w)).toBe(167);
  });

  it('a week with the autumn DST change is 169 hours', () => {
    const w = weekContaining(new Date('2026-10-28T12:00:00Z'), 'America/New_York');
    expect(w.key).toBe('2026-10-26');
    expect(hours(w)).toBe(169);
    expect(shiftWeek(w, 1).start.getTime()).toBe(w.end.getTime());
    expect(shiftWeek(w, 1).key).toBe('2026-11-02');
  });

  it('previous week and keys round-trip', () => {
    const p = previousWeek(new Date('2026-11-23T09:00:00Z'), 'UTC');
    expect(p.key).toBe('2026-11-16');
    expect(weekFromKey(p.key, 'UTC')).toEqual(p);
    expect(weekFromKey('2026-03-23', 'Europe/Berlin').end.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(weekLabel(weekFromKey('2026-03-30', 'UTC'))).toBe('30 Mar – 5 Apr 2026');
    expect(localDate(new Date('2026-11-30T04:30:00Z'), 'America/New_York')).toBe('2026-11-29');
  });
});
