import { TZDate } from '@date-fns/tz';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { reminders } from '../db/schema.js';
import type { Clock } from '../runtime/clock.js';

/**
 * When reminders are due, and the claim that makes each one go out at most once.
 *
 * A reminder slot is a local calendar date (YYYY-MM-DD) in the recipient's time zone. A slot opens
 * at REMINDER_HOUR local time on working days (Mon–Fri) and stays open until local midnight, so a
 * bot that was down at 10:00 catches up when it comes back that day. Missed earlier days are not
 * sent late: reminders repeat daily, so the next slot carries the same news.
 */

export type ReminderKind = 'root_cause' | 'follow_up' | 'follow_up_reopened';

/**
 * A follow-up reopened by its ticket (src/trackers/store.ts) stores its owner's DM as a reminders row
 * of this kind, slot = the reopen instant, status failed with no attempt yet: the same claim and
 * retry as a reminder, and the DM is not lost if the bot stops before sending it.
 */
export const REOPEN_NOTICE_KIND = 'follow_up_reopened';

/** Reopen DMs not sent yet (and not given up). */
export function pendingReopenNotices(db: Db): (typeof reminders.$inferSelect)[] {
  return db
    .select()
    .from(reminders)
    .where(
      and(
        eq(reminders.kind, REOPEN_NOTICE_KIND),
        eq(reminders.status, 'failed'),
        sql`${reminders.attempts} < ${MAX_REMINDER_ATTEMPTS}`,
      ),
    )
    .all();
}

/** Marks a reminder slot as already sent (the reopen DM stands in for that day's reminder). */
export function markSlotSent(
  db: Db,
  clock: Clock,
  r: { kind: ReminderKind; subjectId: number; slot: string; userId: string; messageTs: string | null },
): void {
  const now = clock.now();
  db.insert(reminders)
    .values({ ...r, status: 'sent', attempts: 1, claimedAt: now, sentAt: now })
    .onConflictDoNothing()
    .run();
}

/** A failed send is retried on later runs within its slot, up to this many attempts. */
export const MAX_REMINDER_ATTEMPTS = 10;

export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const pad = (n: number): string => String(n).padStart(2, '0');

export function localTime(at: Date, tz: string): LocalTime {
  const d = new TZDate(at.getTime(), tz);
  return {
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    hour: d.getHours(),
    minute: d.getMinutes(),
    weekday: d.getDay(),
  };
}

export const isWorkingDay = (weekday: number): boolean => weekday >= 1 && weekday <= 5;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** Calendar arithmetic on YYYY-MM-DD, independent of any time zone. */
export function addDays(date: string, days: number): string {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not a calendar date: ${date}`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return d.toISOString().slice(0, 10);
}

export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** The instant a slot opens: `hour`:00 on `date` in `tz`. */
export function slotOpensAt(date: string, hour: number, tz: string): Date {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not a calendar date: ${date}`);
  return new Date(new TZDate(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hour, 0, 0, tz).getTime());
}

/** The slot open at `now` for someone in `tz`, or null outside working days / before the hour. */
export function currentSlot(now: Date, tz: string, hour: number): string | null {
  const t = localTime(now, tz);
  if (!isWorkingDay(t.weekday) || t.hour < hour) return null;
  return t.date;
}

/**
 * Root cause still pending: every working day at the hour, from the first working day after the
 * (local) day of the resolution, so resolving at 09:30 does not bring a nag at 10:00.
 */
export function rootCauseSlot(now: Date, tz: string, hour: number, resolvedAt: Date): string | null {
  const slot = currentSlot(now, tz, hour);
  if (slot === null) return null;
  return slot > localTime(resolvedAt, tz).date ? slot : null;
}

/**
 * An open follow-up with an owner and a due date: on the due date (or the first working day after
 * it) and every working day while overdue; not before `snoozedUntil`; never for a slot that opened
 * before the follow-up existed.
 */
export function followUpSlot(
  now: Date,
  tz: string,
  hour: number,
  f: { dueDate: string | null; snoozedUntil: string | null; createdAt: Date },
): string | null {
  if (f.dueDate === null) return null;
  const slot = currentSlot(now, tz, hour);
  if (slot === null || slot < f.dueDate) return null;
  if (f.snoozedUntil !== null && slot < f.snoozedUntil) return null;
  return slotOpensAt(slot, hour, tz).getTime() >= f.createdAt.getTime() ? slot : null;
}

export interface ReminderClaim {
  id: number;
  attempt: number;
}

/**
 * Claims a slot before anything is sent. Returns null when the slot was already sent, is being
 * sent, or has failed too often. A crash between claim and send leaves the slot claimed and it is
 * not sent again: at most once per slot is the promise, and tomorrow's slot repeats the reminder.
 */
export function claimReminder(
  db: Db,
  clock: Clock,
  r: { kind: ReminderKind; subjectId: number; slot: string; userId: string },
): ReminderClaim | null {
  const now = clock.now();
  return db.transaction((tx) => {
    const inserted = tx
      .insert(reminders)
      .values({ ...r, status: 'claimed', attempts: 1, claimedAt: now })
      .onConflictDoNothing()
      .returning({ id: reminders.id })
      .get();
    if (inserted) return { id: inserted.id, attempt: 1 };
    // A failed send is taken over (retried) by exactly one claimer: compare-and-set on status.
    const retaken = tx
      .update(reminders)
      .set({ status: 'claimed', attempts: sql`${reminders.attempts} + 1`, claimedAt: now })
      .where(
        and(
          eq(reminders.kind, r.kind),
          eq(reminders.subjectId, r.subjectId),
          eq(reminders.slot, r.slot),
          eq(reminders.status, 'failed'),
          sql`${reminders.attempts} < ${MAX_REMINDER_ATTEMPTS}`,
        ),
      )
      .returning({ id: reminders.id, attempts: reminders.attempts })
      .get();
    return retaken ? { id: retaken.id, attempt: retaken.attempts } : null;
  });
}

export function markReminderSent(db: Db, id: number, clock: Clock, messageTs: string | null): void {
  const now = clock.now();
  db.update(reminders)
    .set({ status: 'sent', sentAt: now, messageTs, lastError: null })
    .where(eq(reminders.id, id))
    .run();
}

export function markReminderFailed(db: Db, id: number, error: unknown): void {
  db.update(reminders)
    .set({ status: 'failed', lastError: error instanceof Error ? error.message : String(error) })
    .where(eq(reminders.id, id))
    .run();
}
