import { describe, expect, it } from 'vitest';
import {
  claimWeek,
  getRun,
  LEASE_MS,
  markFailed,
  markPosted,
  recordSummary,
  unpostedWeeks,
} from '../../../src/digest/runs.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { testDb } from '../../helpers/db.js';

const T0 = Date.parse('2026-11-23T09:00:00Z');
const t0 = new FakeClock(T0);
const at = (ms: number) => new FakeClock(T0 + ms);

/** The claim a test expects to get; fails the test (not with a TypeError later) when there is none. */
function claimed<T>(claim: T | null | undefined): T {
  if (claim == null) throw new Error('expected the week to be claimed');
  return claim;
}

describe('digest week claims', () => {
  it('one claim at a time; a posted week is never claimed again', () => {
    const db = testDb();
    const c1 = claimed(claimWeek(db, '2026-11-16', t0));
    expect(c1.attempt).toBe(1);
    expect(claimWeek(db, '2026-11-16', at(1000))).toBeNull();
    expect(markPosted(db, c1, at(2000))).toBe(true);
    expect(claimWeek(db, '2026-11-16', at(LEASE_MS * 10))).toBeNull();
    expect(getRun(db, '2026-11-16')?.status).toBe('posted');
    expect(unpostedWeeks(db)).toEqual([]);
  });

  it('a failed week is retried after its back-off, and the old claimer is fenced out', () => {
    const db = testDb();
    const c1 = claimed(claimWeek(db, '2026-11-16', t0));
    expect(markFailed(db, c1, t0, 'boom')).toBe(true);
    expect(unpostedWeeks(db).map((r) => r.weekStart)).toEqual(['2026-11-16']);
    expect(claimWeek(db, '2026-11-16', at(30_000))).toBeNull(); // back-off 1 min
    const c2 = claimed(claimWeek(db, '2026-11-16', at(61_000)));
    expect(c2.attempt).toBe(2);
    // The first claimer cannot mark anything any more.
    expect(markPosted(db, c1, at(62_000))).toBe(false);
    expect(recordSummary(db, c1, 'C0DIGEST', '1.0')).toBe(false);
    expect(recordSummary(db, c2, 'C0DIGEST', '2.0')).toBe(true);
    expect(markPosted(db, c2, at(63_000))).toBe(true);
    expect(getRun(db, '2026-11-16')).toMatchObject({
      status: 'posted',
      ts: '2.0',
      attempts: 2,
      lastError: null,
    });
  });

  it('a claim whose holder died is taken over after the lease', () => {
    const db = testDb();
    claimWeek(db, '2026-11-16', t0);
    expect(claimWeek(db, '2026-11-16', at(LEASE_MS - 1))).toBeNull();
    expect(claimWeek(db, '2026-11-16', at(LEASE_MS))?.attempt).toBe(2);
  });
});
