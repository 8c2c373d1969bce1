import { describe, expect, it } from 'vitest';
import {
  addDays,
  claimReminder,
  currentSlot,
  followUpSlot,
  localTime,
  MAX_REMINDER_ATTEMPTS,
  markReminderFailed,
  markReminderSent,
  rootCauseSlot,
  slotOpensAt,
} from '../../../src/resolution/reminders.js';
import { FakeClock } from '../../../src/runtime/clock.js';
import { testDb } from '../../helpers/db.js';

// 2026-11-23 is a Monday.
describe('reminder slots', () => {
  it('reads local date, hour and weekday in the recipient’s zone', () => {
    const at = new Date('2026-11-23T02:30:00Z');
    expect(localTime(at, 'America/New_York')).toMatchObject({ date: '2026-11-22', hour: 21, weekday: 0 });
    expect(localTime(at, 'Asia/Kolkata')).toMatchObject({
      date: '2026-11-23',
      hour: 8,
      minute: 0,
      weekday: 1,
    });
  });

  it('opens at the hour local time on working days only', () => {
    expect(currentSlot(new Date('2026-11-23T14:59:00Z'), 'America/New_York', 10)).toBeNull(); // 09:59 EST
    expect(currentSlot(new Date('2026-11-23T15:00:00Z'), 'America/New_York', 10)).toBe('2026-11-23');
    expect(currentSlot(new Date('2026-11-24T04:59:00Z'), 'America/New_York', 10)).toBe('2026-11-23'); // 23:59
    expect(currentSlot(new Date('2026-11-28T15:00:00Z'), 'America/New_York', 10)).toBeNull(); // Saturday
    expect(currentSlot(new Date('2026-11-29T15:00:00Z'), 'America/New_York', 10)).toBeNull(); // Sunday
    expect(slotOpensAt('2026-11-23', 10, 'Europe/Berlin').toISOString()).toBe('2026-11-23T09:00:00.000Z');
  });

  it('root cause: from the working day after the resolution, then every working day', () => {
    const resolved = new Date('2026-11-23T14:30:00Z'); // Monday 09:30 in New York
    const tz = 'America/New_York';
    expect(rootCauseSlot(new Date('2026-11-23T16:05:00Z'), tz, 10, resolved)).toBeNull();
    expect(rootCauseSlot(new Date('2026-11-24T15:00:00Z'), tz, 10, resolved)).toBe('2026-11-24');
    expect(rootCauseSlot(new Date('2026-11-27T15:00:00Z'), tz, 10, resolved)).toBe('2026-11-27'); // Friday
    expect(rootCauseSlot(new Date('2026-11-28T15:00:00Z'), tz, 10, resolved)).toBeNull();
    // Resolved on a Friday evening: Monday.
    const friday = new Date('2026-11-27T22:00:00Z');
    expect(rootCauseSlot(new Date('2026-11-30T15:00:00Z'), tz, 10, friday)).toBe('2026-11-30');
  });

  it('follow-up: from the due date (or the Monday after a weekend due date), not while snoozed', () => {
    const f = { dueDate: '2026-11-28', snoozedUntil: null, createdAt: new Date('2026-11-20T00:00:00Z') };
    const tz = 'Europe/Berlin';
    expect(followUpSlot(new Date('2026-11-27T09:00:00Z'), tz, 10, f)).toBeNull(); // Friday, before due
    expect(followUpSlot(new Date('2026-11-28T09:00:00Z'), tz, 10, f)).toBeNull(); // due on Saturday
    expect(followUpSlot(new Date('2026-11-30T09:00:00Z'), tz, 10, f)).toBe('2026-11-30'); // Monday
    expect(followUpSlot(new Date('2026-12-01T09:00:00Z'), tz, 10, f)).toBe('2026-12-01'); // overdue
    const snoozed = { ...f, snoozedUntil: '2026-12-03' };
    expect(followUpSlot(new Date('2026-12-02T09:00:00Z'), tz, 10, snoozed)).toBeNull();
    expect(followUpSlot(new Date('2026-12-03T09:00:00Z'), tz, 10, snoozed)).toBe('2026-12-03');
    expect(followUpSlot(new Date('2026-12-03T09:00:00Z'), tz, 10, { ...f, dueDate: null })).toBeNull();
  });

  it('does not remind about a follow-up created after today’s slot opened', () => {
    const f = { dueDate: '2026-11-23', snoozedUntil: null, createdAt: new Date('2026-11-23T12:00:00Z') };
    expect(followUpSlot(new Date('2026-11-23T12:05:00Z'), 'UTC', 10, f)).toBeNull();
    expect(followUpSlot(new Date('2026-11-24T10:00:00Z'), 'UTC', 10, f)).toBe('2026-11-24');
  });

  it('does calendar arithmetic across month ends', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});

describe('claimReminder', () => {
  const r = { kind: 'follow_up' as const, subjectId: 7, slot: '2026-11-23', userId: 'U0BOB' };
  const clock = new FakeClock('2026-11-23T10:00:00Z');

  it('claims a slot once, even when asked again after it was sent', () => {
    const db = testDb();
    const first = claimReminder(db, clock, r);
    expect(first).toEqual({ id: expect.any(Number), attempt: 1 });
    expect(claimReminder(db, clock, r)).toBeNull(); // claimed, not yet sent
    markReminderSent(db, first?.id ?? 0, clock, '1.0001');
    expect(claimReminder(db, clock, r)).toBeNull();
    expect(claimReminder(db, clock, { ...r, slot: '2026-11-24' })).not.toBeNull();
    expect(claimReminder(db, clock, { ...r, kind: 'root_cause' })).not.toBeNull();
  });

  it('retakes a failed slot until the attempts run out', () => {
    const db = testDb();
    let claim = claimReminder(db, clock, r);
    for (let n = 2; n <= MAX_REMINDER_ATTEMPTS; n++) {
      markReminderFailed(db, claim?.id ?? 0, new Error('ratelimited'));
      claim = claimReminder(db, clock, r);
      expect(claim?.attempt).toBe(n);
    }
    markReminderFailed(db, claim?.id ?? 0, new Error('ratelimited'));
    expect(claimReminder(db, clock, r)).toBeNull();
    const row = db.$client.prepare('select status, attempts, last_error from reminders').get();
    expect(row).toEqual({ status: 'failed', attempts: MAX_REMINDER_ATTEMPTS, last_error: 'ratelimited' });
  });
});
