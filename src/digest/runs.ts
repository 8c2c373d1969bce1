import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { digestRuns, effects } from '../db/schema.js';
import type { Clock } from '../runtime/clock.js';

/**
 * The once-per-week guarantee. A week is claimed in `digest_runs` (with a lease) before anything
 * is posted; every later write is fenced by the claim's attempt number, so a runner whose lease was
 * taken over cannot mark or post on top of the new one. The summary's ts is stored the moment
 * Slack returns it, and the thread steps are recorded in `effects`, so a retry resumes where the
 * last attempt stopped instead of posting again.
 */
export type DigestRun = typeof digestRuns.$inferSelect;

export const LEASE_MS = 10 * 60 * 1000;
/** A failed attempt waits 1, 2, 4 … minutes (at most an hour) before the next one. */
export const retryDelayMs = (attempts: number): number =>
  Math.min(60 * 60 * 1000, 60 * 1000 * 2 ** Math.max(0, attempts - 1));

export interface Claim {
  weekStart: string;
  /** Fencing token: the attempt number this claim holds. */
  attempt: number;
  run: DigestRun;
}

/** Claims the week unless it is posted or someone holds an unexpired lease on it. */
export function claimWeek(db: Db, weekStart: string, clock: Clock, leaseMs = LEASE_MS): Claim | null {
  const now = clock.now();
  return db.transaction((tx) => {
    const row = tx.select().from(digestRuns).where(eq(digestRuns.weekStart, weekStart)).get();
    const leaseUntil = new Date(now.getTime() + leaseMs);
    if (!row) {
      const run = tx
        .insert(digestRuns)
        .values({ weekStart, status: 'claimed', attempts: 1, claimedAt: now, leaseUntil })
        .returning()
        .get();
      return { weekStart, attempt: 1, run };
    }
    if (row.status === 'posted' || row.leaseUntil.getTime() > now.getTime()) return null;
    const attempt = row.attempts + 1;
    const run = tx
      .update(digestRuns)
      .set({ status: 'claimed', attempts: attempt, claimedAt: now, leaseUntil })
      .where(and(eq(digestRuns.weekStart, weekStart), eq(digestRuns.attempts, row.attempts)))
      .returning()
      .get();
    return run ? { weekStart, attempt, run } : null;
  });
}

function fenced(db: Db, c: Claim, set: Partial<DigestRun>): boolean {
  const r = db
    .update(digestRuns)
    .set(set)
    .where(
      and(
        eq(digestRuns.weekStart, c.weekStart),
        eq(digestRuns.attempts, c.attempt),
        ne(digestRuns.status, 'posted'),
      ),
    )
    .run();
  return r.changes === 1;
}

/** The summary is in the channel: from now on a retry continues its thread, never reposts it. */
export const recordSummary = (db: Db, c: Claim, channel: string, ts: string): boolean =>
  fenced(db, c, { channel, ts });

export const markPosted = (db: Db, c: Claim, clock: Clock): boolean =>
  fenced(db, c, { status: 'posted', postedAt: clock.now(), lastError: null });

export const markFailed = (db: Db, c: Claim, clock: Clock, error: string): boolean =>
  fenced(db, c, {
    status: 'failed',
    lastError: error.slice(0, 1000),
    leaseUntil: new Date(clock.now().getTime() + retryDelayMs(c.attempt)),
  });

/** Weeks claimed earlier and not posted yet (failed, or their claimer died), oldest first. */
export function unpostedWeeks(db: Db): DigestRun[] {
  return db
    .select()
    .from(digestRuns)
    .where(ne(digestRuns.status, 'posted'))
    .orderBy(asc(digestRuns.weekStart))
    .all();
}

export const getRun = (db: Db, weekStart: string): DigestRun | undefined =>
  db.select().from(digestRuns).where(eq(digestRuns.weekStart, weekStart)).get();

/** A step of a week's thread (details, chart) already done? */
export function stepDone(db: Db, key: string): boolean {
  return db.select({ s: effects.status }).from(effects).where(eq(effects.key, key)).get()?.s === 'done';
}

export function markStepDone(db: Db, key: string, clock: Clock, result: Record<string, unknown>): void {
  const now = clock.now();
  db.insert(effects)
    .values({ key, kind: 'digest', status: 'done', attempts: 1, result, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: effects.key, set: { status: 'done', result, updatedAt: now } })
    .run();
}

export interface StepStart {
  /** When the step's first attempt started. */
  since: Date;
  /** An earlier attempt started this step and did not finish: it may have reached Slack. */
  resume: boolean;
}

/** Records an attempt at a step before it calls Slack, so a retry knows whether to look first. */
export function beginStep(db: Db, key: string, clock: Clock): StepStart {
  const now = clock.now();
  const row = db
    .insert(effects)
    .values({ key, kind: 'digest', status: 'pending', attempts: 1, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: effects.key,
      set: { attempts: sql`${effects.attempts} + 1`, updatedAt: now },
    })
    .returning()
    .get();
  return { since: row.createdAt, resume: row.attempts > 1 };
}
